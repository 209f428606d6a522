"""Property tests: random command sequences keep the domain's invariants."""

from __future__ import annotations

import time
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.domain import commands as c
from server.domain.intake import Intake
from server.errors import Rejected
from tests.support.harness import MOVED_IN_WITH_CHILDREN, Office, demo_config

COUNTERS = ["c1", "c2", "c32", "c40", "c50"]
INTAKES = [
    MOVED_IN_WITH_CHILDREN,
    Intake(events=["shomeisho"], answers={"wants_jumin_hyo": True, "has_my_number_card": False}),
    Intake(events=["konin"], needs=["wheelchair"]),
    Intake(events=["tennyu"], extra_procedures=["kaigo_sodan"]),
]
PROCEDURES = ["kaigo_sodan", "jido_teate", "inkan_toroku", "shogai_sodan"]


counter = st.sampled_from(COUNTERS)
visit_ref = st.integers(min_value=0, max_value=30)
step = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(range(len(INTAKES))), st.booleans()),
    st.tuples(st.just("call"), counter),
    st.tuples(st.just("call_ticket"), counter, visit_ref),
    st.tuples(st.just("recall"), counter),
    st.tuples(st.just("start"), counter),
    st.tuples(st.just("no_show"), counter),
    st.tuples(st.just("complete"), counter),
    st.tuples(st.just("add"), visit_ref, st.sampled_from(PROCEDURES)),
    st.tuples(st.just("transfer"), counter, st.sampled_from(["A", "B", "C", "D", "E"])),
    st.tuples(st.just("return"), counter),
    st.tuples(st.just("park"), counter),
    st.tuples(st.just("unpark"), visit_ref),
    st.tuples(st.just("step_out"), visit_ref, st.integers(min_value=5, max_value=60)),
    st.tuples(st.just("step_back"), visit_ref),
    st.tuples(st.just("forms"), visit_ref),
    st.tuples(st.just("cancel"), visit_ref),
    st.tuples(st.just("open"), counter),
    st.tuples(st.just("pause"), counter),
    st.tuples(st.just("close"), counter),
    st.tuples(st.just("assign"), counter, st.sampled_from(["A", "B", "C", "D"])),
    st.tuples(st.just("tick"), st.integers(min_value=1, max_value=300)),
    st.tuples(st.just("close_day")),
)


def _command(office: Office, op: tuple[object, ...]) -> c.Command | None:
    visits = list(office.state.visits)

    def ref(i: object) -> str:
        return visits[int(i) % len(visits)] if visits else "none"  # type: ignore[call-overload]

    kind, *args = op
    match kind:
        case "create":
            return c.CreateVisit(INTAKES[int(args[0])], forms_pending=bool(args[1]))  # type: ignore[call-overload]
        case "call":
            return c.CallNext(str(args[0]))
        case "call_ticket":
            return c.CallTicket(str(args[0]), ref(args[1]))
        case "recall":
            return c.Recall(str(args[0]))
        case "start":
            return c.StartServing(str(args[0]))
        case "no_show":
            return c.NoShow(str(args[0]))
        case "complete":
            return c.CompleteStep(str(args[0]))
        case "add":
            return c.AddProcedure(ref(args[0]), str(args[1]), "note")
        case "transfer":
            return c.Transfer(str(args[0]), str(args[1]))
        case "return":
            return c.ReturnToQueue(str(args[0]))
        case "park":
            return c.Park(str(args[0]))
        case "unpark":
            return c.Unpark(ref(args[0]))
        case "step_out":
            back = office.now + int(args[1]) * 60  # type: ignore[call-overload]
            return c.StepOut(ref(args[0]), time.strftime("%H:%M", time.gmtime(back + 9 * 3600)))
        case "step_back":
            return c.StepBack(ref(args[0]))
        case "forms":
            return c.MarkForms(ref(args[0]))
        case "cancel":
            return c.CancelVisit(ref(args[0]))
        case "open":
            return c.OpenCounter(str(args[0]))
        case "pause":
            return c.PauseCounter(str(args[0]))
        case "close":
            return c.CloseCounter(str(args[0]))
        case "assign":
            return c.AssignQueues(str(args[0]), [str(args[1])])
        case "close_day":
            return c.CloseDay()
        case "tick":
            office.tick(int(args[0]))  # type: ignore[call-overload]
    return None


def check_invariants(office: Office) -> None:
    state = office.state
    # A ticket number is unique per series per day.
    tickets = Counter(v.ticket for v in state.visits.values())
    assert all(n == 1 for n in tickets.values()), tickets
    assert {state.tickets[v.ticket] for v in state.visits.values()} == set(state.visits)
    # No visitor is called at two counters at once, and counters and visits agree.
    held = [cs.visit for cs in state.counters.values() if cs.visit]
    assert len(held) == len(set(held))
    for cid, cs in state.counters.items():
        if cs.visit:
            visit = state.visits[cs.visit]
            assert visit.status in ("called", "serving")
            assert visit.step is not None and visit.step.counter == cid
    for visit in state.visits.values():
        if visit.status in ("called", "serving"):
            assert visit.step is not None
            assert state.counters[visit.step.counter].visit == visit.id
        if visit.is_open:
            assert visit.step is not None
        # A visitor out (and only they) has an outing, and waits in line without being called.
        assert (visit.status == "out") == (visit.out is not None)
        if visit.status == "out":
            assert visit.step is not None and visit.step.status == "waiting"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(ops=st.lists(step, min_size=1, max_size=60))
def test_random_command_sequences_keep_the_invariants(ops: list[tuple[object, ...]]) -> None:
    office = Office(demo_config())
    for op in ops:
        command = _command(office, op)
        if command is None:
            continue
        seq = office.state.seq
        try:
            office.run(command)
        except Rejected:
            assert office.state.seq == seq
        check_invariants(office)
    assert office.refold() == office.state
