"""Settings of the intake service (environment variables ``CLOSELOOP_*``).

Intake's own knobs read ``CLOSELOOP_INTAKE_<NAME>`` (e.g. ``CLOSELOOP_INTAKE_SMTP_PORT``);
list and mapping values are JSON (``CLOSELOOP_INTAKE_WEBHOOK_SECRETS='{"crm": "s3cret"}'``).
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from closeloop_intake.domain.categorise import DEFAULT_CATEGORY_RULES, CategoryRule
from closeloop_intake.domain.registration import Limits
from closeloop_intake.domain.severity import DEFAULT_SEVERITY_RULES, Severity, SeverityRule
from closeloop_intake.domain.taxonomy import Category, Taxonomy
from closeloop_shared.settings import ServiceSettings, service_port

DEV_WEBHOOK_SECRET = "closeloop-development-webhook-secret"  # noqa: S105 - dev only
DEV_BLIND_INDEX_KEY = "closeloop-development-blind-index-key"


def knob(name: str, default: Any, **kw: Any) -> Any:
    """A field read from ``CLOSELOOP_INTAKE_<NAME>`` (or its field name in code)."""
    alias = AliasChoices(f"CLOSELOOP_INTAKE_{name.upper()}")
    return Field(default=default, validation_alias=alias, **kw)


class IntakeSettings(ServiceSettings):
    """Intake: every channel, a complete record, the complaint lifecycle."""

    service_name: str = "intake"
    port: int = service_port("intake", 8001)

    # The inbound e-mail listener. Not named smtp_*: CLOSELOOP_SMTP_* is outgoing mail.
    inbound_smtp_enabled: bool = knob("smtp_enabled", True)
    inbound_smtp_host: str = knob("smtp_host", "127.0.0.1")
    inbound_smtp_port: int = knob("smtp_port", 2525, ge=0, le=65535)
    webhook_secrets: dict[str, str] = knob("webhook_secrets", {})
    webhook_dev_secret: str = knob("webhook_dev_secret", DEV_WEBHOOK_SECRET)
    # How far a webhook's signed timestamp may be from now (either way) to be accepted.
    webhook_window_s: float = knob("webhook_window_s", 300.0, gt=0, le=3600)

    # Find the caller: HMAC key of the contact blind indexes (a key of its own, refused in
    # production while it is the development default) and the region of national numbers.
    blind_index_key: str = Field(
        default=DEV_BLIND_INDEX_KEY,
        validation_alias=AliasChoices("CLOSELOOP_BLIND_INDEX_KEY", "blind_index_key"),
    )
    phone_region: str = knob("phone_region", "CN", min_length=2, max_length=2)

    relay_enabled: bool = knob("relay_enabled", True)
    relay_batch_size: int = knob("relay_batch_size", 200, ge=1)
    relay_interval_s: float = knob("relay_interval_s", 0.5, gt=0)
    relay_lease_s: float = knob("relay_lease_s", 15.0, gt=0)
    # Timeline entries leave the complaint document this often (0: never; a read is the
    # same either way, only the document keeps growing).
    timeline_move_interval_s: float = knob("timeline_move_interval_s", 1.0, ge=0)
    timeline_move_batch: int = knob("timeline_move_batch", 200, ge=1)
    metrics_interval_s: float = knob("metrics_interval_s", 15.0, gt=0)

    # Load shedding: 429 + Retry-After while the slowest of these consumer groups is more than
    # this many records behind on the topics below (0 turns it off). The groups are the ones
    # a complaint's assignment, clocks, worklist deadline and customer mail wait for; each
    # counts on every listed topic it reads. 2,000 records is a few seconds of their work at
    # 100 complaints/s: past it, accepted complaints would miss their 1 s bound anyway.
    backpressure_max_behind: int = knob("backpressure_max_behind", 2000, ge=0)
    backpressure_groups: list[str] = knob(
        "backpressure_groups",
        ["routing-decisions", "closeloop-sla", "intake-projections", "feedback-loop"],
    )
    backpressure_topics: list[str] = knob(
        "backpressure_topics", ["complaints.lifecycle.v1", "routing.events.v1", "sla.events.v1"]
    )
    # ... and while more than this many accepted complaints wait in intake's own outbox for
    # the relay (0 turns this part off): a saturated database slows the relay first.
    backpressure_max_unpublished: int = knob("backpressure_max_unpublished", 500, ge=0)
    backpressure_interval_s: float = knob("backpressure_interval_s", 0.5, gt=0)
    backpressure_retry_after_s: int = knob("backpressure_retry_after_s", 2, ge=1)

    duplicate_window_hours: float = knob("duplicate_window_hours", 168.0, gt=0)
    duplicate_threshold: float = knob("duplicate_threshold", 0.5, gt=0, le=1)
    text_max_chars: int = knob("text_max_chars", 10_000, ge=1)
    field_max_chars: int = knob("field_max_chars", 500, ge=1)
    attachments_max: int = knob("attachments_max", 20, ge=0)
    categories: list[str] = knob("categories", [str(c) for c in Category])
    # Severity rules as JSON: [{"severity": "urgent", "keywords": ["..."], "categories": [],
    # "kinds": [], "reason": "..."}]; empty means the built-in defaults.
    severity_rules: list[dict[str, Any]] = knob("severity_rules", [])
    # Category rules as JSON: [{"category": "billing", "keywords": ["扣费", "invoice"],
    # "reason": "..."}]; empty means the built-in defaults (domain.categorise).
    category_rules: list[dict[str, Any]] = knob("category_rules", [])

    def limits(self) -> Limits:
        """The configured bounds of one complaint."""
        return Limits(self.text_max_chars, self.field_max_chars, self.attachments_max)

    def taxonomy(self) -> Taxonomy:
        """The configured categories (channels and kinds are fixed by the event contract)."""
        return Taxonomy(categories=frozenset(c.strip().lower() for c in self.categories))

    def rules(self) -> tuple[SeverityRule, ...]:
        """The configured severity rules, in order (the first match decides)."""
        if not self.severity_rules:
            return DEFAULT_SEVERITY_RULES
        return tuple(
            SeverityRule(
                Severity(r["severity"]),
                keywords=tuple(r.get("keywords", ())),
                categories=tuple(r.get("categories", ())),
                reason=str(r.get("reason", "")),
                kinds=tuple(r.get("kinds", ())),
            )
            for r in self.severity_rules
        )

    def category_rules_parsed(self) -> tuple[CategoryRule, ...]:
        """The configured category rules (the most keywords matched decides)."""
        if not self.category_rules:
            return DEFAULT_CATEGORY_RULES
        return tuple(
            CategoryRule(
                str(r["category"]).strip().lower(),
                keywords=tuple(str(k) for k in r.get("keywords", ())),
                reason=str(r.get("reason", "")),
            )
            for r in self.category_rules
        )

    def webhook_secret(self, source: str) -> str | None:
        """The shared secret of a webhook source; in development unknown sources use the
        development secret."""
        if source in self.webhook_secrets:
            return self.webhook_secrets[source]
        return self.webhook_dev_secret if self.development else None

    def check_production(self) -> list[str]:
        """The shared problems, a webhook source configured with the dev secret, and the
        development blind-index key."""
        problems = super().check_production()
        if not self.development and DEV_WEBHOOK_SECRET in self.webhook_secrets.values():
            problems.append("CLOSELOOP_INTAKE_WEBHOOK_SECRETS must not use the dev secret")
        if not self.development and self.blind_index_key == DEV_BLIND_INDEX_KEY:
            problems.append("CLOSELOOP_BLIND_INDEX_KEY must be set to a secret")
        return problems
