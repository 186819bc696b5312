"""Small-cell protection for what donors see.

Primary suppression hides every count from 1 to 4. Complementary suppression then hides more
cells until no line of a table (a row with its total, a column with its total, the totals with
the grand total) has exactly one hidden entry, because a single hidden entry could be worked out
by subtracting the visible ones from the total. The cells hidden as complements are the smallest
visible ones of the line, so that as little as possible is lost."""

from dataclasses import dataclass

HIDDEN = "<5"


def is_small(value) -> bool:
    return isinstance(value, int) and 0 < value < 5


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
        """The value at a position, or "<5" if it is hidden."""
        if key in self.hidden:
            return HIDDEN
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
    value = table.shown  # before anything is hidden, shown() is the raw value
    positions = [p for line in _lines(rows, cols) for p in line]
    table.hidden = {p for p in set(positions) if is_small(value(p))}
    changed = True
    while changed:
        changed = False
        for line in _lines(rows, cols):
            hidden = [p for p in line if p in table.hidden]
            if len(hidden) != 1:
                continue
            visible = [p for p in line if p not in table.hidden]
            if not visible:
                continue
            # The smallest visible entry, preferring one that is not zero (a hidden zero
            # protects nothing that a reader could not already rule out) and a cell over a
            # total.
            complement = min(
                visible,
                key=lambda p: (_raw(table, p) == 0, p[0] != "cell", _raw(table, p)),
            )
            table.hidden.add(complement)
            changed = True
    return table


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
        return [HIDDEN if is_small(c) else c for c in counts], HIDDEN if is_small(total) else total
    return table.shown_cells()[0] if counts else [], table.shown(("grand",))


def small(value):
    """A single count as a donor sees it."""
    return HIDDEN if is_small(value) else value


def part_of(part, whole):
    """A count that is part of a shown whole (women among participants): hidden when it is
    small, and also when the rest is (2 men = 13 people − 11 women would be worked out)."""
    if not isinstance(part, int) or not isinstance(whole, int):
        return part
    return HIDDEN if is_small(part) or is_small(whole - part) else part
