"""Who sees what of a complaint: clear contact data only with pii:read, masked otherwise,
nothing at all for auditors; free text redacted for readers without pii:read."""

from __future__ import annotations

from datetime import UTC, datetime

from closeloop_intake.adapters.customer_vault import CustomerVault
from closeloop_intake.domain.lifecycle import Role
from closeloop_intake.domain.registration import Customer
from closeloop_intake.entrypoints.views import complaint_view, timeline_view
from closeloop_intake.service.context import Actor
from closeloop_shared.mongo import Document
from closeloop_shared.settings import DEV_PII_KEY, DEV_PSEUDONYM_KEY

VAULT = CustomerVault(DEV_PII_KEY, DEV_PSEUDONYM_KEY)
CUSTOMER = Customer(
    name="张伟", phone="+8613800138000", email="zw@example.com", address="上海市人民路1号"
)


def doc() -> Document:
    return {
        "_id": "CMP-1",
        "version": 3,
        "status": "in_progress",
        "channel": "web",
        "kind": "complaint",
        "category": "billing",
        "severity": "major",
        "severity_reason": "r",
        "language": "zh-CN",
        "customer_sealed": VAULT.seal_customer(CUSTOMER, "zh-CN"),
        "customer_pseudonym": VAULT.pseudonym_of(CUSTOMER, fallback="CMP-1"),
        "contact_methods": ["phone", "email", "address"],
        "description": "我是张伟，电话13800138000，账单重复扣费",
        "demand": "退款到zw@example.com对应账户",
        "received_at": datetime(2026, 11, 20, tzinfo=UTC),
        "department": "billing",
        "sla": {"resolution": {"state": "running", "deadline": None, "policy_id": "p"}},
    }


def actor(*roles: Role, pii: bool = False) -> Actor:
    return Actor(
        sub="u", roles=frozenset(roles), departments=frozenset({"billing"}), can_read_pii=pii
    )


def test_pii_readers_see_contact_data_in_clear() -> None:
    view = complaint_view(doc(), actor(Role.AGENT, pii=True), VAULT)
    assert view.customer.phone == "+8613800138000"
    assert view.customer.name == "张伟"
    assert not view.customer.masked
    assert "13800138000" in view.description


def test_others_see_masked_contact_data_and_redacted_text() -> None:
    view = complaint_view(doc(), actor(Role.DEPARTMENT), VAULT)
    assert view.customer.phone == "+86138****8000"
    assert view.customer.email == "z***@example.com"
    assert view.customer.name == "张*"
    assert view.customer.masked
    assert "张伟" not in view.description and "13800138000" not in view.description
    assert "zw@example.com" not in view.demand


def test_auditors_see_no_contact_data_at_all() -> None:
    view = complaint_view(doc(), actor(Role.AUDITOR), VAULT)
    customer = view.customer
    assert (customer.name, customer.phone, customer.email, customer.address) == (None,) * 4
    assert customer.pseudonym.startswith("cust_")
    assert "张伟" not in view.model_dump_json()


def test_the_view_lists_what_the_caller_may_do_now() -> None:
    assert complaint_view(doc(), actor(Role.AUDITOR), VAULT).allowed_actions == []
    agent_actions = complaint_view(doc(), actor(Role.AGENT), VAULT).allowed_actions
    assert "resolve" in agent_actions and "acknowledge" not in agent_actions


def test_sealed_notes_open_only_for_pii_readers() -> None:
    entry = {
        "id": "e1",
        "type": "closeloop.intake.complaint.note_added.v1",
        "change": "note_added",
        "source": "/closeloop/intake",
        "at": datetime(2026, 11, 20, tzinfo=UTC),
        "actor": "agent-7",
        "details": {"entry": "note", "text_sealed": VAULT.seal_text("客户电话 13800138000")},
    }
    [clear] = timeline_view([entry], actor(Role.AGENT, pii=True), VAULT)
    [hidden] = timeline_view([entry], actor(Role.AUDITOR), VAULT)
    assert clear.details["text"] == "客户电话 13800138000"
    assert "text" not in hidden.details and "text_sealed" not in hidden.details


def test_pseudonyms_are_stable_per_customer_and_never_shared_by_anonymous_ones() -> None:
    same = Customer(phone="+86 138 0013 8000")
    assert VAULT.pseudonym_of(same, fallback="x") == VAULT.pseudonym_of(CUSTOMER, fallback="y")
    anonymous = Customer()
    assert VAULT.pseudonym_of(anonymous, fallback="a") != VAULT.pseudonym_of(
        anonymous, fallback="b"
    )
