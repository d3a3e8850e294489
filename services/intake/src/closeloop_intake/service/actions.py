"""Performing a lifecycle action on a complaint: check the role and the state with the pure
state machine, then write the new state and its events in one conditional update."""

from __future__ import annotations

from closeloop_intake.domain.lifecycle import (
    Action,
    ActionForbidden,
    State,
    TransitionRefused,
    allowed_actions,
    apply_action,
)
from closeloop_intake.metrics import COMPLAINT_ACTIONS
from closeloop_intake.service.action_effects import ActionDetails, effect_of
from closeloop_intake.service.announcements import announce, utc_now
from closeloop_intake.service.context import Actor, ServiceContext
from closeloop_shared.events.common import ActedBy
from closeloop_shared.mongo import Document

# Actions reachable through ``POST /v1/complaints/{id}/{action}``; assignment and transfer
# belong to routing and reach intake as events.
API_ACTIONS: tuple[Action, ...] = tuple(
    a for a in Action if a not in (Action.TRANSFER, Action.ASSIGN)
)
ATTEMPTS_WITHOUT_IF_MATCH = 5


class ComplaintNotFound(LookupError):
    """No such complaint, or not one the caller may see (HTTP 404)."""


class VersionConflict(Exception):
    """The complaint changed since the version the caller based the action on."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"the complaint is at version {current_version}")
        self.current_version = current_version


def resolve_target(state: State, action: Action, actor: Actor) -> State:
    """The state ``action`` leads to, trying each of the actor's roles.

    Raises :class:`TransitionRefused` (listing every action the actor's roles allow now)
    when a role may act but not in this state, else :class:`ActionForbidden`.
    """
    refused = False
    for role in sorted(actor.roles):
        try:
            return apply_action(state, action, role)
        except ActionForbidden:
            continue
        except TransitionRefused:
            refused = True
    if refused:
        allowed = {a for role in actor.roles for a in allowed_actions(state, role)}
        listed = [str(a) for a in API_ACTIONS if str(a) in allowed]
        raise TransitionRefused(action, state, listed)
    raise ActionForbidden(min(actor.roles), action)


def allowed_for(doc: Document, actor: Actor) -> list[str]:
    """The API actions the actor may perform on the complaint now."""
    allowed = {a for role in actor.roles for a in allowed_actions(doc["status"], role)}
    return [str(a) for a in API_ACTIONS if str(a) in allowed]


async def _attempt(
    *,
    ctx: ServiceContext,
    doc: Document,
    action: Action,
    actor: Actor,
    details: ActionDetails,
    event_id: str | None,
) -> Document | None:
    target = resolve_target(State(doc["status"]), action, actor)
    at = utc_now()
    version = int(doc["version"]) + 1
    base = {"complaint_id": doc["_id"], "at": at, "version": version, "actor": actor.sub}
    base["status"] = str(target)
    data, changes = effect_of(action, details, doc=doc, target=target, base=base, vault=ctx.vault)
    changes["updated_at"] = at
    after = {**doc, **changes, "version": version}
    acted_by = ActedBy.of(actor.sub, (r.value for r in actor.roles))
    events, timeline = announce(after, data, actor=actor.sub, at=at, acted_by=acted_by)
    if details.note and action is not Action.NOTES:
        timeline[0]["details"]["text_sealed"] = ctx.vault.seal_text(details.note)
    written = await ctx.repo.apply_change(
        doc["_id"],
        expected_version=int(doc["version"]),
        changes=changes,
        events=events,
        timeline=timeline,
        event_id=event_id,
    )
    return after if written else None


async def perform_action(
    *,
    ctx: ServiceContext,
    complaint_id: str,
    action: Action,
    actor: Actor,
    details: ActionDetails,
    expected_version: int | None = None,
    event_id: str | None = None,
) -> Document:
    """Perform ``action`` and return the complaint as it is afterwards.

    With ``expected_version`` (If-Match) a concurrent change raises
    :class:`VersionConflict`; without it the action is re-evaluated on the fresh state a few
    times. ``event_id`` makes a system reaction idempotent (applied once per event).
    """
    result = "ok"
    current_version = 0
    try:
        for _ in range(ATTEMPTS_WITHOUT_IF_MATCH):
            doc = await ctx.repo.get(complaint_id)
            if doc is None or not actor.may_see(doc.get("department")):
                raise ComplaintNotFound(complaint_id)
            if event_id is not None and await ctx.repo.was_applied(complaint_id, event_id):
                return doc  # a redelivered event: already done
            current_version = int(doc["version"])
            if expected_version is not None and expected_version != current_version:
                raise VersionConflict(int(doc["version"]))
            after = await _attempt(
                ctx=ctx, doc=doc, action=action, actor=actor, details=details, event_id=event_id
            )
            if after is not None:
                return after
            if expected_version is not None:
                current = await ctx.repo.get(complaint_id)
                raise VersionConflict(int(current["version"]) if current else 0)
        raise VersionConflict(current_version)
    except TransitionRefused:
        result = "refused"
        raise
    except ActionForbidden:
        result = "forbidden"
        raise
    except VersionConflict:
        result = "conflict"
        raise
    except ComplaintNotFound:
        result = "not_found"
        raise
    except ValueError:  # FieldError / InvalidInput
        result = "invalid"
        raise
    finally:
        COMPLAINT_ACTIONS.labels(str(action), result).inc()
