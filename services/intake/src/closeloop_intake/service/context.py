"""What the service layer's functions work with: the repository, the vault and the
configured policy, plus who is acting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from closeloop_intake.adapters.blind_index import BlindIndexer
from closeloop_intake.adapters.customer_vault import CustomerVault
from closeloop_intake.adapters.repository import ComplaintRepository
from closeloop_intake.adapters.timeline import TimelineStore
from closeloop_intake.config import IntakeSettings
from closeloop_intake.domain.categorise import CategoryRule
from closeloop_intake.domain.handling_scope import Handling, may_act
from closeloop_intake.domain.lifecycle import Role
from closeloop_intake.domain.registration import Limits
from closeloop_intake.domain.severity import SeverityRule
from closeloop_intake.domain.taxonomy import Taxonomy
from closeloop_shared.events.envelope import source_of
from closeloop_shared.mongo import Document

SOURCE = source_of("intake")  # ce_source of every event intake publishes


@dataclass(frozen=True)
class Policy:
    """The enterprise's configuration that validation and grading apply."""

    taxonomy: Taxonomy
    rules: Sequence[SeverityRule]
    limits: Limits
    category_rules: Sequence[CategoryRule]
    duplicate_window: timedelta
    duplicate_threshold: float

    @classmethod
    def from_settings(cls, settings: IntakeSettings) -> Policy:
        return cls(
            taxonomy=settings.taxonomy(),
            rules=settings.rules(),
            limits=settings.limits(),
            category_rules=settings.category_rules_parsed(),
            duplicate_window=timedelta(hours=settings.duplicate_window_hours),
            duplicate_threshold=settings.duplicate_threshold,
        )


@dataclass(frozen=True)
class ServiceContext:
    """Dependencies of the handlers (one per process, built in ``bootstrap``)."""

    repo: ComplaintRepository
    vault: CustomerVault
    policy: Policy
    blind: BlindIndexer
    timeline: TimelineStore


@dataclass(frozen=True)
class Actor:
    """Who performs a command: a person from a token, a channel or a system reaction."""

    sub: str
    roles: frozenset[Role]
    departments: frozenset[str] = field(default_factory=frozenset)
    can_read_pii: bool = False

    @classmethod
    def system(cls, name: str) -> Actor:
        """A service reacting to an event (``Role.SYSTEM``)."""
        return cls(sub=f"system:{name}", roles=frozenset({Role.SYSTEM}))

    @property
    def department_scoped(self) -> bool:
        """True when the actor sees only complaints of their departments."""
        return self.roles == frozenset({Role.DEPARTMENT})

    def may_see(self, department: str | None) -> bool:
        """Whether a complaint handled by ``department`` is visible to the actor."""
        if not self.department_scoped:
            return True
        return department is not None and department in self.departments

    def may_act_on(self, doc: Document) -> bool:
        """Whether the actor may act on the complaint ``doc`` (agents: their departments,
        their own complaints and those they first received)."""
        handling = Handling(
            department=doc.get("department"),
            assignee=doc.get("assignee"),
            co_owners=tuple(doc.get("co_owners") or ()),
            received_by=doc.get("received_by"),
            first_contact_owner=doc.get("first_contact_owner"),
        )
        return may_act(self.roles, self.sub, self.departments, handling)
