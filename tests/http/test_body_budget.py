"""The body budget on its own: what it lets in, from whom, and what it gives back."""

from __future__ import annotations

import pytest

from imagecore.adapters.web.body_budget import BodyBudget
from imagecore.errors import Busy


def test_bodies_are_let_in_while_they_fit_and_given_back_whatever_happens() -> None:
    budget = BodyBudget(total=100, per_address=100)
    with budget.account("a") as first:
        first.need(60)
        with budget.account("b") as second:
            second.need(30)
            with pytest.raises(Busy) as refused:
                second.need(41)  # 60 + 41 > 100
        assert budget.held == 60  # the refused body gave back its 30
        assert refused.value.short_of == "memory" and refused.value.retry_after == 5
        first.need(50)  # less than it holds: nothing more charged
        assert budget.held == 60
    assert budget.held == 0


def test_one_address_holds_only_its_share() -> None:
    budget = BodyBudget(total=100, per_address=40)
    with budget.account("a") as mine, budget.account("a") as also_mine:
        mine.need(40)
        with pytest.raises(Busy):
            also_mine.need(1)
        with budget.account("b") as theirs:
            theirs.need(40)
            assert budget.held == 80
