"""Small-cell suppression with hand-made cells: the primary rule, its complements, and no leak by subtraction."""

from collections import defaultdict
from itertools import product

from tourism.warehouse.disclosure import ADDITIVE, suppress, suppressed_cells


def cell(establishments: int, arrivals: int, same_day: int = 0, nights: int | None = None, **keys) -> dict:
    """A cell as indicators.run gives it."""
    nights = 2 * arrivals if nights is None else nights
    return {**keys, "arrivals": arrivals, "same_day": same_day, "nights": nights, "guests": arrivals + same_day,
            "establishments": establishments, "average_length_of_stay": nights / arrivals if arrivals else None,
            "room_occupancy": 0.5, "bed_occupancy": 0.4}


def withheld(rows, by) -> set:
    return {tuple(row[key] for key in by) for row in suppress(rows, by) if row["suppressed"]}


def aggregate(rows: list[dict], by) -> list[dict]:
    """The same cells added up by fewer keys, as the API would answer without the others."""
    totals: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[name] for name in by)
        total = totals.setdefault(key, {**dict(zip(by, key, strict=True)), **dict.fromkeys((*ADDITIVE, "guests", "establishments"), 0)})
        for measure in (*ADDITIVE, "guests", "establishments"):
            total[measure] += row[measure]
    return list(totals.values())


def assert_no_leak(rows: list[dict], by) -> None:
    """For every margin, the total minus the visible cells is never one withheld cell's figure."""
    published = suppress(rows, by)
    for dimension in by:
        others = [key for key in by if key != dimension]
        groups = defaultdict(list)
        for original, shown in zip(rows, published, strict=True):
            groups[tuple(original[key] for key in others)].append((original, shown))
        for members in groups.values():
            hidden = [original for original, shown in members if shown["suppressed"]]
            if not hidden:
                continue
            for measure in (*ADDITIVE, "guests"):
                if not any(shown[measure] for _original, shown in members if not shown["suppressed"]):
                    continue  # only withheld cells have it: no complement can hide it (a documented limit)
                total = sum(original[measure] for original, _shown in members)
                visible = sum(shown[measure] for _original, shown in members if not shown["suppressed"])
                for original in hidden:
                    # An empty cell is known to be empty (a documented limit); a figure is what must not show.
                    if original[measure]:
                        assert total - visible != original[measure], (dimension, measure, original)


def test_primary_by_establishments():
    rows = [cell(2, 500, area="a"), cell(3, 500, area="b"), cell(9, 900, area="c")]
    published = suppress(rows, ["area"])
    assert published[0]["suppressed"]
    assert all(published[0][key] is None for key in (
        "arrivals", "same_day", "nights", "guests", "establishments", "average_length_of_stay",
        "room_occupancy", "bed_occupancy"))
    assert published[0]["area"] == "a"
    # Its complement: the smaller of the other two.
    assert [row["suppressed"] for row in published] == [True, True, False]
    assert published[2]["arrivals"] == 900 and published[2]["room_occupancy"] == 0.5


def test_primary_by_guests_counts_same_day_visitors():
    rows = [cell(5, 6, 3, area="a"), cell(5, 6, 4, area="b"), cell(5, 100, area="c"), cell(5, 200, area="d")]
    # 6 arrivals + 4 same-day visitors are 10 guests: published; 9 are not.
    assert suppressed_cells(rows, ["area"]) == [True, True, False, False]
    assert not any(suppressed_cells([cell(5, 6, 4)], []))
    assert suppressed_cells([cell(5, 6, 3)], []) == [True]


def test_thresholds_can_be_changed():
    rows = [cell(4, 40, area="a"), cell(4, 40, area="b")]
    assert suppressed_cells(rows, ["area"], min_establishments=5) == [True, True]
    assert suppressed_cells(rows, ["area"], min_guests=50) == [True, True]
    assert suppressed_cells(rows, ["area"]) == [False, False]


def test_secondary_in_one_dimension_picks_the_fewest_guests():
    rows = [cell(1, 4, area="a"), cell(8, 300, area="b"), cell(8, 50, area="c"), cell(8, 70, area="d")]
    assert withheld(rows, ["area"]) == {("a",), ("c",)}
    assert_no_leak(rows, ["area"])


def test_no_complement_when_two_are_already_withheld_or_the_group_is_one_cell():
    rows = [cell(1, 4, area="a"), cell(2, 400, area="b"), cell(8, 50, area="c")]
    assert withheld(rows, ["area"]) == {("a",), ("b",)}
    # A single cell is its own total: withheld by the primary rule alone, nothing else to hide.
    assert suppress([cell(1, 3)], []) == [{**dict.fromkeys(cell(1, 3)), "suppressed": True}]
    assert withheld([cell(1, 3, area="a")], ["area"]) == {("a",)}


def test_secondary_cascades_across_two_dimensions():
    by = ["month", "area"]
    figures = {
        ("2026-01", "a"): cell(1, 5), ("2026-01", "b"): cell(6, 40), ("2026-01", "c"): cell(6, 90),
        ("2026-02", "a"): cell(6, 60), ("2026-02", "b"): cell(6, 80), ("2026-02", "c"): cell(6, 95),
        ("2026-03", "a"): cell(6, 70), ("2026-03", "b"): cell(6, 30), ("2026-03", "c"): cell(6, 99),
    }
    rows = [{**figures[key], "month": key[0], "area": key[1]} for key in figures]
    hidden = withheld(rows, by)
    # January's area a is small. Across months, area a's complement is February (60 < 70); within
    # January, b (40 < 90); that leaves February with a alone, so b (80 < 95) follows, and area b
    # has January and February: covered. March is untouched.
    assert hidden == {("2026-01", "a"), ("2026-02", "a"), ("2026-01", "b"), ("2026-02", "b")}
    # Every row and column with a withheld cell has at least two.
    for month, area in product(["2026-01", "2026-02", "2026-03"], "abc"):
        if (month, area) in hidden:
            assert sum((month, other) in hidden for other in "abc") >= 2
            assert sum((other, area) in hidden for other in ["2026-01", "2026-02", "2026-03"]) >= 2
    assert_no_leak(rows, by)


def test_an_empty_partner_does_not_protect_a_figure():
    # a and b are small, but b has no arrivals: the margin's arrivals minus the visible ones would be
    # a's. So c (the fewest guests with arrivals) is withheld; and b alone has same-day visitors, so d too.
    rows = [cell(1, 5, area="a"), cell(1, 0, 3, nights=0, area="b"), cell(6, 40, area="c"),
            cell(6, 60, 2, area="d"), cell(6, 100, area="e")]
    assert withheld(rows, ["area"]) == {("a",), ("b",), ("c",), ("d",)}
    assert_no_leak(rows, ["area"])


def test_a_figure_no_visible_cell_has_is_left_as_it_is():
    # Only a has same-day visitors: no complement could hide them from the margin (a documented limit),
    # so nothing more than the usual complement is withheld.
    rows = [cell(1, 5, 4, area="a"), cell(6, 40, area="b"), cell(6, 60, area="c")]
    assert withheld(rows, ["area"]) == {("a",), ("b",)}


def test_no_leak_on_many_random_tables():
    import random

    generator = random.Random(2026)
    for _attempt in range(200):
        months, areas = generator.randint(1, 4), generator.randint(1, 5)
        rows = []
        for month, area in product(range(months), range(areas)):
            arrivals = generator.choice([0, 1, 3, 8, 12, 40, 200])
            same_day = generator.choice([0, 0, 2, 9])
            if not arrivals + same_day:
                continue
            rows.append({**cell(generator.choice([1, 2, 3, 7]), arrivals, same_day,
                                nights=arrivals * generator.randint(1, 3)),
                         "month": f"2026-{month + 1:02d}", "area": f"area-{area}"})
        assert_no_leak(rows, ["month", "area"])
        assert_no_leak(aggregate(rows, ["area"]), ["area"])
        assert_no_leak(aggregate(rows, ["month"]), ["month"])


def test_an_empty_withheld_cell_needs_no_complement():
    # A month with rooms but no guests: withheld, but subtraction only shows it was empty.
    rows = [cell(5, 44, month="2026-03"), {**cell(0, 0, month="2026-04"), "room_occupancy": 0.0}]
    published = suppress(rows, ["month"])
    assert [row["suppressed"] for row in published] == [False, True]
    assert published[1]["room_occupancy"] is None


def test_the_input_rows_are_left_alone():
    rows = [cell(1, 4, area="a"), cell(8, 300, area="b")]
    before = [dict(row) for row in rows]
    suppress(rows, ["area"])
    assert rows == before
