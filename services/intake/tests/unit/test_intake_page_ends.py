"""The memory of where each list's first page ended: least recently read lists go first."""

from closeloop_intake.adapters.page_ends import PageEnds, list_key


def test_the_least_recently_read_list_is_forgotten_first() -> None:
    ends = PageEnds(capacity=2)
    ends.remember("a", 1)
    ends.remember("b", 2)
    assert ends.get("a") == 1  # "a" is now the most recently read
    ends.remember("c", 3)
    assert (ends.get("a"), ends.get("b"), ends.get("c")) == (1, None, 3)
    assert len(ends) == 2


def test_a_list_can_be_forgotten_and_learnt_again() -> None:
    ends = PageEnds()
    ends.remember("a", 1)
    ends.forget("a")
    ends.forget("never-seen")
    assert ends.get("a") is None
    ends.remember("a", 5)
    ends.remember("a", 4)
    assert ends.get("a") == 4 and len(ends) == 1


def test_a_list_is_its_filter_order_and_page_size_whatever_the_key_order() -> None:
    one = list_key({"department": "billing", "status": "received"}, "deadline", 50)
    same = list_key({"status": "received", "department": "billing"}, "deadline", 50)
    assert one == same
    assert one != list_key({"department": "billing"}, "deadline", 50)
    assert one != list_key({"department": "billing", "status": "received"}, "-received_at", 50)
    assert one != list_key({"department": "billing", "status": "received"}, "deadline", 20)
