"""Presence: who is on a complaint and in which mode, and who changed it."""

from __future__ import annotations

import pytest

from closeloop_console.adapters.presence import Presence


async def test_people_on_a_complaint_see_each_other_and_their_modes() -> None:
    presence = Presence()
    async with presence.join("c1", "li") as li_queue:
        async with presence.join("c1", "wang") as wang_queue, presence.join("c2", "zhao"):
            assert presence.people("c1") == [
                {"sub": "li", "mode": "viewing"},
                {"sub": "wang", "mode": "viewing"},
            ]
            assert presence.set_mode("c1", "wang", "editing")
            assert not presence.set_mode("c1", "nobody", "editing")
            presence.changed("c1", "wang", "notes")
            seen = [li_queue.get_nowait() for _ in range(li_queue.qsize())]
            assert seen[-2]["people"][1] == {"sub": "wang", "mode": "editing"}
            assert seen[-1] == {"type": "changed", "by": "wang", "action": "notes"}
            assert wang_queue.qsize() > 0
        assert presence.people("c1") == [{"sub": "li", "mode": "viewing"}]
        assert presence.people("c2") == []
    assert presence.people("c1") == []


async def test_two_tabs_of_one_person_count_once_editing_wins() -> None:
    presence = Presence()
    async with presence.join("c1", "li"), presence.join("c1", "li"):
        presence.set_mode("c1", "li", "editing")
        assert presence.people("c1") == [{"sub": "li", "mode": "editing"}]
    with pytest.raises(ValueError):
        presence.set_mode("c1", "li", "dancing")
