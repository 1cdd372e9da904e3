"""Statistical disclosure control for the published figures: small cells and their complements.

Primary suppression: a cell is withheld when fewer than `min_establishments` establishments
contribute to it (one or two hotels' figures would be their business data) or it counts fewer
than `min_guests` guests (arrivals plus same-day visitors: so few people could be recognised).

Secondary (complementary) suppression: a published margin minus the visible cells gives the
withheld ones. For every dimension in `by`, the rows that share the values of the other
dimensions form a group whose total is published or derivable (by asking again without that
dimension, or, with an empty `by`, the grand total). When exactly one cell of a group is withheld,
the non-withheld cell with the fewest guests is withheld too. Empty withheld cells (rooms but no
guests) do not count: subtraction only shows they are empty. The same happens when several are
withheld but only one of them has any arrivals, same-day visitors or nights (the difference would
still be that one cell's figure); the partner is then chosen among the cells that have that
figure. Withholding a cell can expose another group, so the rule is
repeated over all dimensions until nothing changes.

This is the standard single-cell-complement heuristic, not an optimal solution (which is an
integer programme), and its limits are those of the method:
- it protects against subtraction within one answer's margins only: figures for overlapping
  periods (January–March minus January–February), nested breakdowns asked separately (a locality
  minus its published areas), or different filters can still be differenced;
- two or more withheld cells in a group are safe from subtraction alone, but not from every
  system of linear equations an attacker could build across groups;
- the complement is the smallest cell, which loses little but is not the least information loss;
- empty cells stay recognisable as empty (a group whose withheld cells add up to nothing shows
  they are nothing), and a figure that only one withheld cell and no visible cell has (the only
  same-day visitors of a month, say) stays derivable from the margin: no complement can hide it;
- ratios (length of stay, occupancy) are not audited separately: they are withheld with their cell.
"""

import heapq
import operator
from collections import defaultdict

# The additive figures a margin publishes; `guests` is arrivals plus same-day visitors.
ADDITIVE = ("arrivals", "same_day", "nights")
MIN_ESTABLISHMENTS, MIN_GUESTS = 3, 10


def is_small(row: dict, min_establishments: int = MIN_ESTABLISHMENTS, min_guests: int = MIN_GUESTS) -> bool:
    """Say whether a cell fails the primary rule."""
    return (row.get("establishments") or 0) < min_establishments or (row.get("guests") or 0) < min_guests


def _order(row: dict, by: tuple) -> tuple:
    # Fewest guests first; ties go to the fewest nights, then the keys, so the choice is stable.
    return (row.get("guests") or 0, row.get("nights") or 0, tuple(str(row[key]) for key in by))


class _Cells:
    """What the complement rule reads of each row, worked out once: an answer can have 20,000 rows."""

    def __init__(self, rows: list[dict], by: tuple):
        self.carrying = [(bool(row.get("arrivals")), bool(row.get("same_day")), bool(row.get("nights")))
                         for row in rows]
        self.any = [any(carrying) for carrying in self.carrying]
        self.rows, self.by, self.orders = rows, by, {}

    def order(self, index: int) -> tuple:
        """Return a row's place in the choice of a complement (asked only of visible rows, so kept lazily)."""
        order = self.orders.get(index)
        if order is None:
            order = self.orders[index] = _order(self.rows[index], self.by)
        return order

    def complement(self, members: list[int], hidden: list[bool]) -> int | None:
        """Return the cell to withhold so that this group's withheld cells cannot be worked out, or None."""
        # An empty withheld cell (rooms but no guests) shows as empty by subtraction, and that is
        # all: there is no one in it to protect, so it needs no complement.
        withheld = [index for index in members if hidden[index] and self.any[index]]
        visible = [index for index in members if not hidden[index]]
        if not withheld or not visible:
            return None
        if len(withheld) == 1:
            return min(visible, key=self.order)
        for position in range(len(ADDITIVE)):
            carrying = [index for index in withheld if self.carrying[index][position]]
            candidates = [index for index in visible if self.carrying[index][position]]
            # With no visible cell carrying it, no complement could hide the figure (see the limits).
            if len(carrying) == 1 and candidates:
                return min(candidates, key=self.order)
        return None


def suppressed_cells(rows: list[dict], by, min_establishments: int = MIN_ESTABLISHMENTS, min_guests: int = MIN_GUESTS) -> list[bool]:
    """Return, for each row, whether it must be withheld (primary, then secondary suppression)."""
    by = tuple(by)
    hidden = [is_small(row, min_establishments, min_guests) for row in rows]
    cells = _Cells(rows, by)
    groups = []  # every group of every dimension, in the order the passes visit them
    for dimension in by:
        others = [key for key in by if key != dimension]
        key = operator.itemgetter(*others) if others else (lambda row: ())
        grouped = defaultdict(list)
        for index, row in enumerate(rows):
            grouped[key(row)].append(index)
        groups += [members for members in grouped.values() if len(members) > 1]
    containing = defaultdict(list)
    for number, members in enumerate(groups):
        for index in members:
            containing[index].append(number)
    # A group's answer depends only on which of its members are withheld. Each pass visits, in
    # order, only the groups a newly withheld cell belongs to (those already behind it wait for
    # the next pass): the same choices as visiting every group every pass, without the cost.
    pending = list(range(len(groups)))
    while pending:
        heapq.heapify(pending)
        queued, later = set(pending), set()
        while pending:
            number = heapq.heappop(pending)
            partner = cells.complement(groups[number], hidden)
            if partner is None:
                continue
            hidden[partner] = True
            for other in containing[partner]:
                if other <= number:
                    later.add(other)
                elif other not in queued:
                    queued.add(other)
                    heapq.heappush(pending, other)
        pending = list(later)
    return hidden


def suppress(rows: list[dict], by, min_establishments: int = MIN_ESTABLISHMENTS, min_guests: int = MIN_GUESTS) -> list[dict]:
    """Return the rows as they may be published: withheld cells keep their keys, every figure None."""
    by = tuple(by)
    hidden = suppressed_cells(rows, by, min_establishments, min_guests)
    published = []
    for row, withheld in zip(rows, hidden, strict=True):
        if withheld:
            cell = dict.fromkeys(row)
            cell.update((key, row[key]) for key in by)
        else:
            cell = dict(row)
        cell["suppressed"] = withheld
        published.append(cell)
    return published
