"""The HiGHS wrappers: a knapsack solved by hand, an LP's shadow prices, infeasibility."""

import numpy as np
import pytest

from edrive.alliance.solver import check_settings, solve_lp, solve_milp
from edrive.errors import EdriveError


def test_knapsack_by_hand():
    # max 10a + 13b + 7c with 4a + 6b + 3c <= 9, binaries: best is a + c? 17 (weight 7);
    # b + c = 20 (weight 9) is better; a + b weighs 10 (too heavy)
    sol = solve_milp([-10, -13, -7], np.array([[4, 6, 3]]), [-np.inf], [9],
                     integrality=[1, 1, 1], x_ub=1)
    assert sol.status == "optimal" and np.allclose(sol.x, [0, 1, 1])
    assert sol.objective == pytest.approx(-20) and sol.gap <= 1e-4
    assert sol.report()["solver"].startswith("HiGHS")


def test_lp_shadow_price_of_a_capacity():
    # min 3x + 5y s.t. x + y = 10 (demand), x <= 4 (cheap plant's capacity): x = 4, y = 6;
    # one more unit of capacity saves 5 - 3 = 2
    sol = solve_lp([3, 5], a_ub=np.array([[1, 0]]), b_ub=[4], a_eq=np.array([[1, 1]]),
                   b_eq=[10])
    assert np.allclose(sol.x, [4, 6]) and sol.objective == pytest.approx(42)
    assert sol.duals_ub[0] == pytest.approx(-2) and sol.duals_lb[0] == pytest.approx(5)


def test_infeasible_is_reported_not_raised():
    sol = solve_milp([1], np.array([[1]]), [5], [4], integrality=[1])
    assert not sol.feasible and sol.status == "infeasible"


def test_bad_settings_are_one_line():
    with pytest.raises(EdriveError, match="time limit 0 s"):
        solve_milp([1], None, [], [], time_limit_s=0)
    with pytest.raises(EdriveError, match="time limit true s and gap 0.1; allowed"):
        check_settings(True, 0.1)
    with pytest.raises(EdriveError, match="time limit 5 s and gap 'x'; allowed"):
        check_settings(5, "x")
    check_settings(5, 0.0)
