"""Small-cell protection (dashboards.suppression), checked against tables worked out by hand:
counts from 1 to 4 are hidden (primary suppression), and more cells are hidden until no line
of the table (a row with its total, a column with its total, the totals with the grand total)
has exactly one hidden entry, which a reader could work out by subtraction (complementary
suppression). A small count is marked "<5", a count withheld to protect it "x": never "<5" for a
number that is not from 1 to 4."""

import itertools
import random
from fractions import Fraction

import pytest

from cohesion.privacy import WITHHELD
from dashboards.suppression import HIDDEN, _lines, is_small, part_of, protect, protect_list, small

H, X = HIDDEN, WITHHELD


def shown(table) -> dict:
    """Everything a reader of the protected table sees."""
    rows, cols = len(table.cells), len(table.cells[0]) if table.cells else 0
    return {
        "cells": table.shown_cells(),
        "rows": [table.shown(("row", i)) for i in range(rows)],
        "cols": [table.shown(("col", j)) for j in range(cols)],
        "grand": table.shown(("grand",)),
    }


def raw(table, key) -> int:
    kind = key[0]
    if kind == "cell":
        return table.cells[key[1]][key[2]]
    if kind == "row":
        return table.row_totals[key[1]]
    if kind == "col":
        return table.col_totals[key[1]]
    return table.grand


def lines_of(table) -> list[list[tuple]]:
    rows, cols = len(table.cells), len(table.cells[0])
    return _lines(rows, cols)


def worked_out_by_subtraction(table) -> set:
    """The hidden entries a reader can compute, subtracting visible entries (and entries
    already computed) from the total of a line, as often as it helps."""
    known = {p for line in lines_of(table) for p in line if p not in table.hidden}
    found = set()
    progress = True
    while progress:
        progress = False
        for line in lines_of(table):
            unknown = [p for p in line if p not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                found.add(unknown[0])
                progress = True
    return found & table.hidden


def worked_out_by_combining_lines(table) -> set:
    """The hidden entries fixed by the table's equations taken together (any sum and
    difference of lines): exact Gaussian elimination over the hidden entries."""
    hidden = sorted(table.hidden)
    column = {p: k for k, p in enumerate(hidden)}
    equations = []
    for line in lines_of(table):
        # parts - total = 0; the visible entries only move the constant, which does not
        # matter to whether an entry is determined.
        coefficients = [Fraction(0)] * len(hidden)
        for position, p in enumerate(line):
            if p in column:
                coefficients[column[p]] += -1 if position == len(line) - 1 else 1
        equations.append(coefficients)
    pivot_row = 0
    for c in range(len(hidden)):
        pivot = next((r for r in range(pivot_row, len(equations)) if equations[r][c] != 0), None)
        if pivot is None:
            continue
        equations[pivot_row], equations[pivot] = equations[pivot], equations[pivot_row]
        lead = equations[pivot_row][c]
        equations[pivot_row] = [v / lead for v in equations[pivot_row]]
        for r in range(len(equations)):
            if r != pivot_row and equations[r][c] != 0:
                factor = equations[r][c]
                equations[r] = [
                    a - factor * b for a, b in zip(equations[r], equations[pivot_row], strict=True)
                ]
        pivot_row += 1
    determined = set()
    for equation in equations[:pivot_row]:
        nonzero = [c for c, v in enumerate(equation) if v != 0]
        if len(nonzero) == 1:
            determined.add(hidden[nonzero[0]])
    return determined


# --- primary suppression --------------------------------------------------------------------


def test_counts_from_one_to_four_are_hidden_and_zero_and_five_are_shown():
    assert [small(n) for n in range(7)] == [0, H, H, H, H, 5, 6]
    assert [is_small(n) for n in (0, 1, 4, 5)] == [False, True, True, False]


def test_values_that_are_not_counts_are_never_small():
    for value in (None, "", "3", 2.5, H):
        assert is_small(value) is False
        assert small(value) == value


def test_a_row_of_every_value_from_zero_to_five_hides_exactly_one_to_four():
    table = protect([[0, 1, 2, 3, 4, 5]])
    # Four cells are hidden in the row: none of them can be worked out.
    assert shown(table) == {
        "cells": [[0, H, H, H, H, 5]],
        "rows": [15],
        "cols": [0, H, H, H, H, 5],
        "grand": 15,
    }


def test_a_table_without_small_counts_hides_nothing():
    table = protect([[5, 0, 12], [7, 9, 0]])
    assert table.hidden == set()
    assert shown(table) == {
        "cells": [[5, 0, 12], [7, 9, 0]],
        "rows": [17, 16],
        "cols": [12, 9, 12],
        "grand": 33,
    }


# --- complementary suppression --------------------------------------------------------------


def test_a_row_with_one_small_cell_hides_its_smallest_non_zero_visible_cell_too():
    # Row 2 0 6 9 = 17: the 2 alone could be worked out as 17 - 0 - 6 - 9. The smallest
    # visible cell is the 0, but a hidden zero protects nothing: the 6 goes, marked "x" (it is
    # not from 1 to 4). Each column total is its single cell, so both are hidden with them.
    table = protect([[2, 0, 6, 9]])
    assert shown(table) == {
        "cells": [[H, 0, X, 9]],
        "rows": [17],
        "cols": [H, 0, X, 9],
        "grand": 17,
    }


def test_a_column_with_one_small_cell_hides_its_smallest_non_zero_visible_cell_too():
    table = protect([[2], [0], [6], [9]])
    assert shown(table) == {
        "cells": [[H], [0], [X], [9]],
        "rows": [H, 0, X, 9],
        "cols": [17],
        "grand": 17,
    }


def test_a_complement_in_a_row_forces_another_in_its_column():
    # 3  7  9 | 19        <5  x  9 | 19
    # 6  8 10 | 24   ->    x  x 10 | 24
    # 9 15 19 | 43         9 15 19 | 43
    # The 3 is small; its row gives up the 7 (smallest visible). Column 1 now hides only the
    # 3 and column 2 only the 7: each gives up its smallest visible cell, the 6 and the 8.
    # Row 2 then hides two cells, and every line hides none or at least two.
    table = protect([[3, 7, 9], [6, 8, 10]])
    assert shown(table) == {
        "cells": [[H, X, 9], [X, X, 10]],
        "rows": [19, 24],
        "cols": [9, 15, 19],
        "grand": 43,
    }
    assert table.hidden == {("cell", 0, 0), ("cell", 0, 1), ("cell", 1, 0), ("cell", 1, 1)}


def test_a_small_total_is_hidden_and_protected_by_another_total():
    # 2 2 |  4        <5 <5 | <5
    # 5 6 | 11   ->    x  x |  x
    # 7 8 | 15         7  8 | 15
    # The row total 4 and its cells are small. Columns 1 and 2 each hide one cell, so the 5
    # and the 6 go; the row totals (4, 11 | 15) would then hide only the 4: the 11 goes too.
    table = protect([[2, 2], [5, 6]])
    assert shown(table) == {
        "cells": [[H, H], [X, X]],
        "rows": [H, X],
        "cols": [7, 8],
        "grand": 15,
    }


def test_a_non_zero_total_is_hidden_rather_than_a_zero_cell():
    # 2 6 |  8        <5  x |  x
    # 7 0 |  7   ->    x  0 |  x
    # 9 6 | 15         x  x | 15
    # Column 2 hides the 6 and could otherwise only hide the 0 below it: its total goes.
    table = protect([[2, 6], [7, 0]])
    assert shown(table) == {
        "cells": [[H, X], [X, 0]],
        "rows": [X, X],
        "cols": [X, X],
        "grand": 15,
    }


def test_protection_keeps_the_real_values_and_totals():
    table = protect([[3, 7, 9], [6, 8, 10]])
    assert table.cells == [[3, 7, 9], [6, 8, 10]]
    assert (table.row_totals, table.col_totals, table.grand) == ([19, 24], [9, 15, 19], 43)


def test_an_empty_table_hides_nothing():
    table = protect([])
    assert (table.hidden, table.grand, table.shown_cells()) == (set(), 0, [])


# --- the invariant on many tables -----------------------------------------------------------


def random_tables(seed: int, count: int = 40):
    rng = random.Random(seed)
    for _ in range(count):
        rows, cols = rng.randint(1, 6), rng.randint(1, 8)
        yield [[rng.randint(0, 12) for _ in range(cols)] for _ in range(rows)]


@pytest.mark.parametrize("seed", range(25))
def test_no_line_of_a_protected_table_has_exactly_one_hidden_entry(seed):
    for cells in random_tables(seed):
        table = protect(cells)
        for line in lines_of(table):
            hidden = [p for p in line if p in table.hidden]
            assert len(hidden) != 1, (cells, line, sorted(table.hidden))


@pytest.mark.parametrize("seed", range(25))
def test_every_small_entry_of_a_random_table_is_hidden(seed):
    for cells in random_tables(seed):
        table = protect(cells)
        for line in lines_of(table):
            for p in line:
                if 0 < raw(table, p) < 5:
                    assert p in table.hidden, (cells, p)
                if p not in table.hidden:
                    assert table.shown(p) == raw(table, p)
                else:
                    # "<5" only for what is from 1 to 4; "x" for anything hidden to protect it.
                    assert table.shown(p) == (H if 0 < raw(table, p) < 5 else X), (cells, p)


@pytest.mark.parametrize("seed", range(25))
def test_no_hidden_value_can_be_recomputed_by_subtraction_from_its_line(seed):
    for cells in random_tables(seed):
        table = protect(cells)
        assert worked_out_by_subtraction(table) == set(), (cells, sorted(table.hidden))


def test_no_small_count_can_be_worked_out_by_combining_lines():
    # 12 7  8 | 27        <5 <5  8 | 27
    #  1 0  4 |  5   ->   <5  0 <5 | <5
    #  0 0  5 |  5         0  0 <5 | <5
    # 13 7 17 | 37        <5 <5 17 | 37
    # Every line hides none or at least two entries, yet the 1 (call it a; b is the 4, c the
    # 5, r2 and r3 the totals of rows 2 and 3) follows from four lines taken together:
    #   row totals: r2 + r3 = 37 - 27 = 10        column 3: b + c = 17 - 8 = 9
    #   row 3:      c = r3 (its other cells are 0) row 2:    a + b = r2
    #   so a = r2 - b = (10 - r3) - (9 - c) = 1.
    table = protect([[12, 7, 8], [1, 0, 4], [0, 0, 5]])
    # One more entry is hidden than the lines alone ask for, and nothing follows any more.
    assert {("cell", 1, 0), ("cell", 1, 2), ("cell", 2, 2)} <= table.hidden
    assert worked_out_by_combining_lines(table) == set()


# --- what the marks tell a reader -----------------------------------------------------------


def test_a_complement_of_six_or_seven_is_marked_x_never_less_than_five():
    # The dashboard once printed "18-24: women <5, men <5" under a total of 12 (the men were 7).
    table = protect([[4, 7, 20]])
    assert shown(table)["cells"] == [[H, X, 20]]
    # 3  9        <5  x
    # 6 20   ->    x  x   (with the 20 shown, row 2 would give the 6 back, and column 1 the 3)
    table = protect([[3, 9], [6, 20]])
    assert shown(table)["cells"] == [[H, X], [X, X]]


def test_marks_that_would_pin_a_small_count_hide_one_more_entry():
    # 1 5 9 | 15: "<5" and "x" under 15 - 9 = 6 leave only 1 and 5 (an "x" is never 1 to 4).
    table = protect([[1, 5, 9]])
    assert shown(table)["cells"] == [[H, X, X]]
    assert len(possible_values(table)[("cell", 0, 0)]) > 1


def possible_values(table, ceiling: int = 14) -> dict:
    """By brute force, every value each hidden entry could take, for a reader who knows the
    visible entries, the sums and the marks ("<5" is 1 to 4; "x" is 0 or at least 5)."""
    rows, cols = len(table.cells), len(table.cells[0])
    hidden_cells = [
        (i, j) for i in range(rows) for j in range(cols) if ("cell", i, j) in table.hidden
    ]
    found = {p: set() for p in table.hidden}
    for guess in itertools.product(range(ceiling + 1), repeat=len(hidden_cells)):
        cells = [list(row) for row in table.cells]
        for (i, j), value in zip(hidden_cells, guess, strict=True):
            cells[i][j] = value
        candidate = {("cell", i, j): cells[i][j] for i in range(rows) for j in range(cols)}
        candidate.update({("row", i): sum(cells[i]) for i in range(rows)})
        candidate.update({("col", j): sum(row[j] for row in cells) for j in range(cols)})
        candidate[("grand",)] = sum(map(sum, cells))
        if all(
            table.shown(p) == value
            if p not in table.hidden
            else (0 < value < 5) == (table.shown(p) == H)
            for p, value in candidate.items()
        ):
            for p in table.hidden:
                found[p].add(candidate[p])
    return found


@pytest.mark.parametrize("seed", range(6))
def test_no_small_count_of_a_small_table_is_pinned_by_its_marks_and_sums(seed):
    rng = random.Random(seed)
    checked = 0
    while checked < 25:
        rows, cols = rng.randint(1, 2), rng.randint(1, 3)
        cells = [
            [rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 9]) for _ in range(cols)] for _ in range(rows)
        ]
        table = protect(cells)
        if sum(p[0] == "cell" for p in table.hidden) > 4 or not table.hidden:
            continue
        checked += 1
        for p, values in possible_values(table).items():
            assert raw(table, p) in values
            # A complement may be worked out (it names nobody); a small count may not.
            if 0 < raw(table, p) < 5:
                assert len(values) > 1, (cells, p, values)


# --- parts of a shown whole -----------------------------------------------------------------


def test_a_part_whose_rest_is_small_is_hidden():
    # 11 women of 13 people: the 2 men would be 13 - 11. The 11 is withheld, not small.
    assert part_of(11, 13) == X


def test_a_small_part_is_hidden():
    assert part_of(3, 20) == H


def test_a_part_whose_rest_is_not_small_is_shown():
    assert part_of(10, 20) == 10
    assert part_of(0, 13) == 0
    assert part_of(13, 13) == 13


def test_a_part_of_a_whole_that_is_not_a_number_is_left_as_it_is():
    assert part_of(3, None) == 3
    assert part_of(3, H) == 3
    assert part_of(None, 13) is None


# --- one-way breakdowns ---------------------------------------------------------------------


def test_a_breakdown_with_one_small_count_hides_the_smallest_other_count():
    # 3 + 8 + 9 = 20: the 3 alone would be 20 - 8 - 9.
    assert protect_list([3, 8, 9]) == ([H, X, 9], 20)
    assert protect_list([3, 8, 9], total=20) == ([H, X, 9], 20)


def test_a_breakdown_of_overlapping_categories_hides_only_small_counts():
    # People in two categories make the counts add up to more than the total: the total does
    # not give a hidden count away, so only the small counts are hidden.
    assert protect_list([3, 8, 9], total=15) == ([H, 8, 9], 15)
    assert protect_list([3, 2], total=4) == ([H, H], H)


def test_an_empty_breakdown_shows_nothing():
    assert protect_list([]) == ([], 0)
