"""Which lifecycle event starts, stops, pauses or resumes which clock — as data.

==================  ========  =====================================================
event               action    clocks
==================  ========  =====================================================
received            start     registration, first_response, initial_solution,
                              resolution
registered          stop      registration
acknowledged        stop      registration, first_response
awaiting_customer   pause     every clock but registration
resumed             resume    every clock but registration
resolved            stop      first_response, initial_solution, resolution
resolved            restart   result_feedback, satisfaction_callback, archive
customer_notified   stop      result_feedback
survey_answered     stop      satisfaction_callback
callback_completed  stop      satisfaction_callback
closed              start     archive
reopened            restart   initial_solution, resolution
reopened            cancel    result_feedback, satisfaction_callback, archive
archived            stop      archive
archived            cancel    every other clock
==================  ========  =====================================================

Only clocks the complaint's policy defines are touched. Actions are:

* ``start`` — begin the clock if the complaint has none of that kind yet (never restarts,
  so ``closed`` after ``resolved`` leaves the running archive clock alone);
* ``restart`` — begin a fresh run whether or not one existed (a reopened complaint, or a
  new resolution after a reopen);
* ``stop`` — the clock is met (late if breached); ``pause`` / ``resume`` — stop and restart
  counting working time; ``cancel`` — the clock no longer applies (neither met nor breached).

Repeating ``stop``, ``pause``, ``resume`` or ``cancel`` on a clock already in that state
changes nothing. ``registered`` is when the record is complete (a complaint entered by an
agent is registered on receipt); ``customer_notified`` is the result reaching the customer;
``callback_completed`` is a satisfaction callback recorded by phone. Extensions are not a
trigger: an ``extended`` event names its clock and calls ``extend_clock`` directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from closeloop_sla.domain.clock_kind import ClockKind


class ClockAction(StrEnum):
    """What a lifecycle event does to a clock."""

    START = "start"
    RESTART = "restart"
    STOP = "stop"
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class ClockTrigger:
    """One row of the table: ``event`` does ``action`` to each of ``kinds``, in order."""

    event: str
    action: ClockAction
    kinds: tuple[ClockKind, ...]


_K = ClockKind
_A = ClockAction
_HANDLING = (_K.FIRST_RESPONSE, _K.INITIAL_SOLUTION, _K.RESOLUTION)
_AFTER_RESOLUTION = (_K.RESULT_FEEDBACK, _K.SATISFACTION_CALLBACK, _K.ARCHIVE)
_ALL_BUT_REGISTRATION = tuple(kind for kind in ClockKind if kind is not _K.REGISTRATION)

CLOCK_TRIGGERS: tuple[ClockTrigger, ...] = (
    ClockTrigger("received", _A.START, (_K.REGISTRATION, *_HANDLING)),
    ClockTrigger("registered", _A.STOP, (_K.REGISTRATION,)),
    ClockTrigger("acknowledged", _A.STOP, (_K.REGISTRATION, _K.FIRST_RESPONSE)),
    ClockTrigger("awaiting_customer", _A.PAUSE, _ALL_BUT_REGISTRATION),
    ClockTrigger("resumed", _A.RESUME, _ALL_BUT_REGISTRATION),
    ClockTrigger("resolved", _A.STOP, _HANDLING),
    ClockTrigger("resolved", _A.RESTART, _AFTER_RESOLUTION),
    ClockTrigger("customer_notified", _A.STOP, (_K.RESULT_FEEDBACK,)),
    ClockTrigger("survey_answered", _A.STOP, (_K.SATISFACTION_CALLBACK,)),
    ClockTrigger("callback_completed", _A.STOP, (_K.SATISFACTION_CALLBACK,)),
    ClockTrigger("closed", _A.START, (_K.ARCHIVE,)),
    ClockTrigger("reopened", _A.RESTART, (_K.INITIAL_SOLUTION, _K.RESOLUTION)),
    ClockTrigger("reopened", _A.CANCEL, _AFTER_RESOLUTION),
    ClockTrigger("archived", _A.STOP, (_K.ARCHIVE,)),
    ClockTrigger("archived", _A.CANCEL, tuple(k for k in ClockKind if k is not _K.ARCHIVE)),
)

TRIGGER_EVENTS: frozenset[str] = frozenset(t.event for t in CLOCK_TRIGGERS)


# The table by event, computed once (every input of the engine looks its event up here).
_ACTIONS: dict[str, tuple[tuple[ClockAction, ClockKind], ...]] = {
    event: tuple(
        (trigger.action, kind)
        for trigger in CLOCK_TRIGGERS
        if trigger.event == event
        for kind in trigger.kinds
    )
    for event in TRIGGER_EVENTS
}


def clock_actions(event: str) -> list[tuple[ClockAction, ClockKind]]:
    """What ``event`` does, as ``(action, clock kind)`` pairs in table order; empty if none."""
    return list(_ACTIONS.get(event, ()))
