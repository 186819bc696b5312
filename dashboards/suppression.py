"""Small-cell protection for what donors see.

Primary suppression hides every small count (from 1 to 4: the rule is cohesion.privacy's).
Complementary suppression then hides more cells until no line of a table (a row with its total,
a column with its total, the totals with the grand total) has exactly one hidden entry, because
a single hidden entry could be worked out by subtracting the visible ones from the total; and
until no hidden entry can be worked out by combining several lines either (checked exactly, by
Gaussian elimination). The entries hidden as complements are the smallest visible ones of a
line, so that as little as possible is lost.

A hidden small count is shown as "<5" and a complement as "x" (cohesion.privacy). The marks
tell a reader something (a "<5" lies from 1 to 4, an "x" does not), so the last check bounds
every hidden entry by what the marks and the sums allow, and hides more while one is pinned
to a single value (6 under "<5" and "x" is 1 and 5)."""

from dataclasses import dataclass
from fractions import Fraction

from cohesion.privacy import HIDDEN, LARGEST_SMALL_COUNT, SMALL_COUNT_LIMIT, is_small, mark_for


@dataclass
class Table:
    """A table of counts with row totals, column totals and a grand total; `hidden` holds the
    positions suppressed: ("cell", i, j), ("row", i), ("col", j) or ("grand",)."""

    cells: list[list[int]]
    row_totals: list[int]
    col_totals: list[int]
    grand: int
    hidden: set

    def shown(self, key) -> int | str:
        """The value at a position, or its mark if it is hidden: "<5" for a small count, "x"
        for one hidden to protect another."""
        if key in self.hidden:
            return mark_for(_raw(self, key))
        kind = key[0]
        if kind == "cell":
            return self.cells[key[1]][key[2]]
        if kind == "row":
            return self.row_totals[key[1]]
        if kind == "col":
            return self.col_totals[key[1]]
        return self.grand

    def shown_cells(self) -> list[list]:
        return [
            [self.shown(("cell", i, j)) for j in range(len(row))]
            for i, row in enumerate(self.cells)
        ]


def _lines(rows: int, cols: int) -> list[list[tuple]]:
    """Every additive relation of the table, as the positions it ties together."""
    lines = [[("cell", i, j) for j in range(cols)] + [("row", i)] for i in range(rows)]
    lines += [[("cell", i, j) for i in range(rows)] + [("col", j)] for j in range(cols)]
    lines.append([("row", i) for i in range(rows)] + [("grand",)])
    lines.append([("col", j) for j in range(cols)] + [("grand",)])
    return lines


# Beyond this many hidden entries the exact check (Gaussian elimination) is skipped; the tables
# it guards on pages and in reports are far smaller.
EXACT_CHECK_LIMIT = 200


def protect(cells: list[list[int]]) -> Table:
    """Totals for `cells` and the positions to hide, primary and complementary."""
    rows = len(cells)
    cols = len(cells[0]) if rows else 0
    table = Table(
        cells=cells,
        row_totals=[sum(row) for row in cells],
        col_totals=[sum(cells[i][j] for i in range(rows)) for j in range(cols)],
        grand=sum(sum(row) for row in cells),
        hidden=set(),
    )
    lines = _lines(rows, cols)
    positions = {p for line in lines for p in line}
    table.hidden = {p for p in positions if is_small(_raw(table, p))}
    while True:
        _no_line_with_one_hidden(table, lines)
        if len(table.hidden) > EXACT_CHECK_LIMIT:
            break
        determined = _determined(table, lines) or _pinned(table, lines)
        if not determined:
            break
        # A hidden entry can still be worked out by combining lines: hide one more entry of
        # a line through it, and check again.
        target = determined[0]
        candidates = [p for line in lines if target in line for p in line if p not in table.hidden]
        if not candidates:
            break
        table.hidden.add(min(candidates, key=lambda p: _complement_order(table, p)))
    return table


def _complement_order(table: Table, p) -> tuple:
    # The smallest visible entry, preferring one that is not zero (a hidden zero protects
    # nothing a reader could not rule out) and a cell over a total.
    return (_raw(table, p) == 0, p[0] != "cell", _raw(table, p))


def _no_line_with_one_hidden(table: Table, lines) -> None:
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [p for p in line if p in table.hidden]
            if len(hidden) != 1:
                continue
            visible = [p for p in line if p not in table.hidden]
            if visible:
                table.hidden.add(min(visible, key=lambda p: _complement_order(table, p)))
                changed = True


def _determined(table: Table, lines) -> list:
    """Hidden entries whose value follows from the visible ones through the table's sums
    (exactly: Gaussian elimination over the rationals)."""
    hidden = sorted(table.hidden)
    index = {p: i for i, p in enumerate(hidden)}
    matrix = []
    for line in lines:
        # Each line says: its entries add up to its total (the last position of the line).
        row = [Fraction(0)] * len(hidden)
        for position in line:
            if position in index:
                row[index[position]] += -1 if position is line[-1] else 1
        if any(row):
            matrix.append(row)
    pivots = _rref(matrix, len(hidden))
    determined = []
    for row_index, column in pivots:
        others = [c for c in range(len(hidden)) if c != column and matrix[row_index][c] != 0]
        if not others:
            determined.append(hidden[column])
    return determined


def _pinned(table: Table, lines) -> list:
    """Hidden entries that the marks and the sums narrow down to one value. Each "<5" lies in
    1..4, each "x" is 0 or at least 5 (it is never small), each visible entry is known; the
    bounds are tightened line by line until nothing moves (sound: a bound found is a bound the
    reader can find too)."""
    infinity = float("inf")
    bounds = {}
    for p in table.hidden:
        bounds[p] = [1, LARGEST_SMALL_COUNT] if is_small(_raw(table, p)) else [0, infinity]

    def tighten(p, low, high) -> bool:
        old_low, old_high = bounds[p]
        low, high = max(old_low, low), min(old_high, high)
        if not is_small(_raw(table, p)):
            # An "x" is not from 1 to 4.
            if low > 0:
                low = max(low, SMALL_COUNT_LIMIT)
            if high < SMALL_COUNT_LIMIT:
                high = 0
        bounds[p] = [low, high]
        return (low, high) != (old_low, old_high)

    for _round in range(50):
        changed = False
        for line in lines:
            # The members of a line add up to its last entry, the total.
            terms = [(p, 1) for p in line[:-1]] + [(line[-1], -1)]
            for p, sign in terms:
                if p not in bounds:
                    continue
                # sign * p = -(sum of the other signed terms)
                low = high = 0.0
                for q, other_sign in terms:
                    if q == p:
                        continue
                    q_low, q_high = bounds[q] if q in bounds else (_raw(table, q),) * 2
                    if other_sign > 0:
                        low, high = low - q_high, high - q_low
                    else:
                        low, high = low + q_low, high + q_high
                if sign < 0:
                    low, high = -high, -low
                changed |= tighten(p, low, high)
        if not changed:
            break
    return sorted(p for p, (low, high) in bounds.items() if low == high)


def _rref(matrix: list[list[Fraction]], width: int) -> list[tuple[int, int]]:
    """Reduces `matrix` in place; returns (row, column) of each pivot."""
    pivots = []
    row = 0
    for column in range(width):
        found = next((r for r in range(row, len(matrix)) if matrix[r][column] != 0), None)
        if found is None:
            continue
        matrix[row], matrix[found] = matrix[found], matrix[row]
        pivot = matrix[row][column]
        matrix[row] = [value / pivot for value in matrix[row]]
        for other in range(len(matrix)):
            if other != row and matrix[other][column] != 0:
                factor = matrix[other][column]
                matrix[other] = [
                    a - factor * b for a, b in zip(matrix[other], matrix[row], strict=True)
                ]
        pivots.append((row, column))
        row += 1
        if row == len(matrix):
            break
    return pivots


def _raw(table: Table, key) -> int:
    kind = key[0]
    if kind == "cell":
        return table.cells[key[1]][key[2]]
    if kind == "row":
        return table.row_totals[key[1]]
    if kind == "col":
        return table.col_totals[key[1]]
    return table.grand


def protect_list(counts: list[int], total: int | None = None) -> tuple[list, int | str]:
    """A one-way breakdown with its total (e.g. people by category): the same rule on one line.
    Returns the shown counts and the shown total."""
    table = protect([list(counts)])
    if total is not None and total != table.grand:
        # Categories that overlap (a person in two) do not add up: protect each on its own.
        return [small(c) for c in counts], small(total)
    return table.shown_cells()[0] if counts else [], table.shown(("grand",))


def small(value):
    """A single count as a donor sees it."""
    return HIDDEN if is_small(value) else value


def part_of(part, whole):
    """A count that is part of a shown whole (women among participants): hidden when it is
    small ("<5"), and also when the rest is (2 men = 13 people − 11 women would be worked out),
    then as "x": 11 is not a small count."""
    if not isinstance(part, int) or not isinstance(whole, int):
        return part
    if is_small(part):
        return HIDDEN
    return mark_for(part) if is_small(whole - part) else part
