"""The hub rebuilds a view's visit entities only when what they show changed (the Memo in
``server.projections``). A stale entity would show a counter clerk yesterday's briefing or a
floor guide a wrong place in line, so: after every record of a generated busy morning, the
close of that day and the start of the next, each staff view built with its memo must equal
the same view built from scratch."""

from __future__ import annotations

import msgspec

from server.config.schema import Config
from server.domain import commands as c
from server.domain.fold import apply
from server.domain.state import SiteState
from server.projections.checklist import visitor_checklist
from server.projections.snapshot import Memo, analyse
from server.projections.views import ViewKey, build
from tests.support.busy_day import BusyDay
from tests.support.harness import SUPERVISOR, Office

_encode = msgspec.json.Encoder().encode


def test_memoized_views_equal_views_built_from_scratch_all_morning(config: Config) -> None:
    office = Office(config)
    BusyDay(office, seed=7, scale=0.3).run(minutes=150, arrivals_until=120)
    office.run(c.CloseDay(), SUPERVISOR)  # changes every open visit, naming none of them
    office.now += 86400
    BusyDay(office, seed=8, scale=0.1).run(minutes=60, arrivals_until=40)
    site = config.site("shimogyo")
    keys = [
        ViewKey("floor"),
        ViewKey("supervisor"),
        *(ViewKey("counter", d.id) for d in site.departments),
    ]
    memos: dict[ViewKey, Memo] = {key: {} for key in keys}
    state = SiteState("shimogyo")
    reused = 0
    for record in office.records:
        apply(state, record)
        snap = analyse(site, state, record.at)
        for key in keys:
            held = {vid: entity for vid, (_, entity) in memos[key].items()}
            memoized = build(key, config, site, state, snap, memos[key])
            fresh = build(key, config, site, state, snap)
            assert _encode(memoized) == _encode(fresh), (key, record.seq)
            reused += sum(held.get(vid) is e for vid, e in memoized.get("visits", {}).items())
    # The memo is doing its job: most visit entities are carried over, not rebuilt.
    built = sum(len(v) for v in memos.values())
    assert len(office.records) > 200
    assert reused > 10 * built


def test_cached_visitor_checklists_equal_fresh_ones_all_morning(config: Config) -> None:
    """The visitor page's documents-and-forms lists are cached per visit revision; after every
    record of a busy morning and its close, each equals the list computed from scratch."""
    office = Office(config)
    BusyDay(office, seed=11, scale=0.2).run(minutes=120, arrivals_until=90)
    office.run(c.CloseDay(), SUPERVISOR)
    site = config.site("shimogyo")
    state = SiteState("shimogyo")
    listed = 0
    for record in office.records[::3] + office.records[-1:]:
        while state.seq < record.seq:
            apply(state, office.records[state.seq])
        snap = analyse(site, state, record.at)
        for visit in list(state.visits.values())[-6:]:
            steps = build(ViewKey("visitor", visit.token), config, site, state, snap)["visit"]["me"]
            for shown, step in zip(steps["steps"], visit.steps, strict=True):
                fresh = visitor_checklist(config, visit, step)
                assert (shown["bring"], shown["fill"]) == (fresh["bring"], fresh["fill"])
                listed += len(fresh["bring"])
    assert listed > 100  # the busy morning's visitors do have documents to bring
