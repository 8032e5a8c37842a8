"""``edrive plan`` as a user runs it: the summary, the JSON the issue promises, the files of
--out, and outputs refused before any work."""

import json
import sys
from pathlib import Path

import pytest

from edrive import cli

PORTFOLIO = Path(__file__).resolve().parents[1] / "data" / "portfolio_small.yaml"


def run(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["edrive", *map(str, args)])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_json_has_the_promised_fields(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "plan", PORTFOLIO, "--json", "--draws", "1")
    assert code == 0, err
    rep = json.loads(out)
    for key in ("variants", "assignment", "total_cost_eur", "standalone_cost_eur",
                "savings_eur", "cost_shares", "plants", "fleet_co2", "solver", "purchasing",
                "uncertainty", "timing_s"):
        assert key in rep
    assert rep["solver"]["status"] == "optimal" and rep["solver"]["gap"] <= 1e-4
    assert set(rep["standalone_cost_eur"]) == {"maker_a", "maker_b"}
    assert {a["programme"] for a in rep["assignment"]} == {"a_saloon", "b_hatch"}
    assert rep["savings_eur"] == pytest.approx(sum(rep["standalone_cost_eur"].values())
                                               - rep["total_cost_eur"])


def test_summary_and_files(monkeypatch, capsys, tmp_path):
    out_dir = tmp_path / "plan"
    code, out, err = run(monkeypatch, capsys, "plan", PORTFOLIO, "--out", out_dir,
                         "--draws", "0")
    assert code == 0, err
    assert "saving EUR" in out and "development of the family" in out and "in core" in out
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["assignment.csv", "plan.json", "plan.png", "plants.csv"]
    assert json.loads((out_dir / "plan.json").read_text())["variants"]
    assert (out_dir / "assignment.csv").read_text().startswith("programme,partner,variant")
    assert (out_dir / "plan.png").read_bytes()[:4] == b"\x89PNG"


def test_an_unwritable_out_is_refused_before_any_work(monkeypatch, capsys, tmp_path):
    import edrive.alliance.plan as plan

    monkeypatch.setattr(plan, "plan_portfolio", lambda *a, **k: pytest.fail("computed"))
    (tmp_path / "a_file").write_text("x")
    code, out, err = run(monkeypatch, capsys, "plan", PORTFOLIO, "--out", tmp_path / "a_file")
    assert code == 2 and err.startswith("error: --out") and err.count("\n") == 1
