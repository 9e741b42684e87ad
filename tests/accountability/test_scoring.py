import pytest

from accountability.scoring import PUBLISHED, MonthCounts, ScoringModel, rank, score


def counts(key="D1", warnings=0, yellow=0, red=0, completed=100, early=0, incomplete=0):
    return MonthCounts(key, warnings, yellow, red, completed, early, incomplete)


def test_a_clean_month_scores_the_base_and_is_excellent():
    s = score(counts())
    assert (s.total, s.grade) == (100, "优秀")


def test_the_published_model_deducts_per_three_warnings_and_per_card():
    s = score(counts(warnings=7, yellow=1, red=1))
    assert (s.warning_deduction, s.yellow_deduction, s.red_deduction) == (6, 5, 10)
    assert s.total == 100 - 6 - 5 - 10
    assert s.grade == "合格"


def test_every_ten_percent_finished_early_adds_a_point():
    assert score(counts(early=29)).early_bonus == 2
    assert score(counts(early=30)).early_bonus == 3
    assert score(counts(completed=0)).early_bonus == 0


def test_incomplete_data_costs_a_point_per_percent_at_most_five():
    assert score(counts(incomplete=1)).completeness_deduction == 1
    assert score(counts(incomplete=2, completed=300)).completeness_deduction == 1  # 0.67%
    assert score(counts(incomplete=30)).completeness_deduction == 5


def test_the_model_is_configurable_and_rejects_unknown_keys():
    strict = ScoringModel(points_per_red=20, max_score=100, grades={"excellent": 98})
    s = score(counts(red=1, early=50), strict)
    assert s.total == 100 - 20 + 5
    assert score(counts(early=50), strict).total == 100  # capped
    with pytest.raises(ValueError):
        ScoringModel.model_validate({"base": 100, "bonus": 3})
    assert PUBLISHED.base == 100


def test_rankings_order_by_score_then_tie_break_and_share_equal_ranks():
    scores = [score(counts("A", red=1)), score(counts("B")), score(counts("C")), score(counts("D"))]
    ranked = rank(scores, {"B": 0.9, "C": 0.9, "D": 0.95})
    assert [(s.key, s.rank) for s in ranked] == [("D", 1), ("B", 2), ("C", 2), ("A", 4)]
