"""A transfer's reason is typed by staff: it goes on the topic without personal data."""

from __future__ import annotations

from closeloop_routing.domain.ownership import Ownership
from closeloop_routing.service import events


def test_transfer_reason_is_redacted_before_it_is_published() -> None:
    reason = "客户要求改派，请打13800138000联系，地址上海市徐汇区漕溪北路88号，case c-1"
    event = events.transferred("c-1", Ownership(department="billing"), "tech", reason, "a-1")
    data = event.data.model_dump()
    assert data["reason"] == "客户要求改派，请打[phone]联系，地址[address]，case c-1"
    assert data["to_department"] == "tech" and data["from_department"] == "billing"
