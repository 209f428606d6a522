"""Stepping out while waiting (「いったん外出します・HH:MMに戻ります」) and the return window.

A waiting visitor may step out for a while, keeping their place (visit status ``out``). A
counter that reaches them calls the next visitor present instead and asks them to return
(:class:`~server.domain.events.CallHeld`, the held call); visitors out near the head are
asked to start back (:class:`~server.domain.events.ReturnSoon`). Back by back-by plus the
site's grace they rejoin the line (at its head once their turn has passed, per the site's
rule); later, the no-show rule applies as to a called visitor who does not come
(:class:`~server.domain.events.StepOutLapsed`). Pure: the time comes in.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from server.config.schema import Site
from server.domain import events as ev
from server.domain.commands import Actor
from server.domain.queues import (
    ahead_of,
    counter_queues,
    estimate_minutes,
    minutes_per_visit,
    no_show_outcome,
    open_counters,
    order_key,
    out_lines,
)
from server.domain.state import SiteState, Visit
from server.errors import Rejected


def local_time(site: Site, date: str, clock: str) -> float:
    """``HH:MM`` on ``date`` (ISO) at the site, as a timestamp."""
    hour, minute = (int(part) for part in clock.split(":"))
    day = dt.date.fromisoformat(date)
    moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(site.timezone))
    return moment.timestamp()


def step_out(
    site: Site, state: SiteState, visit: Visit, back_by: str, now: float, actor: Actor
) -> ev.SteppedOut:
    """The visitor steps out until ``back_by`` (``HH:MM`` today), or Rejected."""
    rule = site.step_out
    _allowed(site, actor)
    step = visit.step
    if visit.status == "out":
        raise Rejected("already_done", "already out: mark them back first")
    if visit.status != "waiting" or step is None or step.status != "waiting":
        raise Rejected("not_waiting", "only a visitor waiting in a line can step out")
    back = local_time(site, state.business_date, back_by)
    if back <= now:
        raise Rejected("invalid", "the time to be back by has already passed", "$.back_by")
    if back - now > rule.max_minutes * 60:
        raise Rejected("invalid", f"at most {rule.max_minutes} minutes out", "$.back_by")
    if back > local_time(site, state.business_date, site.hours.close):
        raise Rejected("invalid", "the office closes before then", "$.back_by")
    return ev.SteppedOut(visit.id, back, back + rule.grace_minutes * 60)


def step_back(site: Site, visit: Visit, actor: Actor) -> ev.SteppedBack:
    """The visitor is back: at the head of the line when their turn passed (site rule)."""
    _allowed(site, actor)
    if visit.status != "out" or visit.out is None:
        raise Rejected("not_out")
    first = site.step_out.on_return == "next" and visit.out.held_at > 0
    return ev.SteppedBack(visit.id, first)


def lapsed(site: Site, state: SiteState, now: float) -> list[ev.StepOutLapsed]:
    """Visitors out past back-by plus grace: the no-show rule applies to each."""
    late = [state.visits[vid] for vid, until in state.outings.items() if now > until]
    return [
        ev.StepOutLapsed(visit.id, no_show_outcome(site.no_show, visit.steps[visit.current]))
        for visit in late
        if visit.status == "out" and visit.out is not None
    ]


def held_calls(
    site: Site, state: SiteState, counter_id: str, head: Visit | None
) -> list[ev.CallHeld]:
    """Visitors out whom ``counter_id`` reaches when it calls ``head`` (before it in line),
    or, with nobody present, the first one out: their calls are held, once each."""
    queues = counter_queues(site, state, counter_id)
    outs = [v for q, line in out_lines(state).items() if q in queues for v in line]
    if head is None:
        outs = sorted(outs, key=order_key)[:1]
    else:
        outs = [v for v in outs if order_key(v) < order_key(head)]
    return [ev.CallHeld(v.id, counter_id) for v in outs if v.out is not None and not v.out.held_at]


def return_notices(
    site: Site, state: SiteState, counter_id: str, called: Visit, held: list[ev.CallHeld]
) -> list[ev.ReturnSoon]:
    """Visitors out, in the lines of ``counter_id``, that the call of ``called`` brings near
    the head (the site's ``notify_ahead`` / ``notify_minutes``): asked once to start back."""
    queues = counter_queues(site, state, counter_id)
    skip = {h.visit for h in held}
    notices = []
    for queue, line in out_lines(state).items():
        if queue not in queues:
            continue
        for visit in line:
            if visit.id in skip or visit.out is None or visit.out.held_at or visit.out.asked_at:
                continue
            near = near_head(site, state, visit, called)
            if near is not None:
                notices.append(ev.ReturnSoon(visit.id, *near))
    return notices


def near_head(
    site: Site, state: SiteState, visit: Visit, called: Visit | None
) -> tuple[int, int | None] | None:
    """(present ahead, minutes) when ``visit`` (out) is near enough the head to be asked
    back (``called`` no longer counts as ahead), else None."""
    rule = site.step_out
    step = visit.step
    if step is None:
        return None
    present = [
        v
        for v in state.visits.values()
        if v.status == "waiting"
        and v.step is not None
        and v.step.status == "waiting"
        and v.step.queue == step.queue
        and v is not called
    ]
    ahead = ahead_of(visit, present)
    counters = open_counters(site, state).get(step.queue, 0)
    minutes = estimate_minutes(ahead, minutes_per_visit(site, state, step.queue), counters)
    by_place = rule.notify_ahead > 0 and ahead <= rule.notify_ahead
    by_time = rule.notify_minutes > 0 and minutes is not None and minutes <= rule.notify_minutes
    return (ahead, minutes) if by_place or by_time else None


def _allowed(site: Site, actor: Actor) -> None:
    if not site.step_out.enabled:
        raise Rejected("step_out_off")
    if actor.role == "visitor" and not site.step_out.self_mark:
        raise Rejected("forbidden", "at this office, a guide or a clerk marks stepping out")
