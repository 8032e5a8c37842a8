"""Sweeps run end to end: results per design, invalid designs recorded, resume after a kill
loses and repeats nothing, the Dask path, and optimisation."""

import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from edrive.errors import EdriveError
from edrive.sweep.evaluate import evaluate_chunk
from edrive.sweep.runner import run_sweep
from edrive.sweep.sweep_file import load_sweep
from edrive.vehicle import load_vehicle

TINY = """schema_version: 1
base: tesla_model3_rwd
parameters:
  drive_units.0.motor.power_peak_w: {low: 120 kW, high: 260 kW}
  drive_units.0.gear.ratio: {low: 7.5, high: 11}
design: {method: sobol, n: 12, seed: 2, chunk_size: 5}
cycles: [hwfet]
outputs: [hwfet_wall_wh_per_km, hwfet_trace_missed_s]
constraints: ["hwfet_wall_wh_per_km <= 131"]
"""


def tiny(tmp_path, text=TINY, name="s.yaml"):
    (tmp_path / name).write_text(text)
    return load_sweep(tmp_path / name)


def read(out):
    import pyarrow as pa

    files = sorted(out.glob("chunk-*.parquet"))
    return pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()


def test_results_match_simulate_and_invalid_designs_are_recorded(tmp_path):
    import edrive

    # 800 kW at 404 N m puts the base speed above the maximum speed (not at 600 N m)
    s = tiny(tmp_path, TINY.replace("{low: 120 kW, high: 260 kW}", "[150 kW, 800 kW]\n"
                                    "  drive_units.0.motor.torque_peak_nm: [404 N*m, 600 N*m]")
             .replace("sobol, n: 12", "lhs, n: 6"))
    summary = run_sweep(s, tmp_path / "out")
    assert (summary.n_chunks, summary.designs_run) == (2, 6)
    df = read(tmp_path / "out").sort_values("design_id")
    assert df.design_id.tolist() == list(range(6))
    bad = df[(df.motor_power_peak_w == 800e3) & (df.motor_torque_peak_nm == 404)]
    good = df[(df.motor_power_peak_w == 150e3) & (df.motor_torque_peak_nm == 404)]
    assert len(bad) and len(good) and summary.errors == len(bad)
    assert bad.error.str.contains("base speed").all() and bad.feasible.isna().all()
    assert bad.hwfet_wall_wh_per_km.isna().all()
    # a good design's figure is edrive.simulate's on the same vehicle
    row = good.iloc[0]
    car = load_vehicle("tesla_model3_rwd").model_dump(mode="json", exclude_none=True)
    car["drive_units"][0]["gear"]["ratio"] = row.gear_ratio
    car["drive_units"][0]["motor"]["power_peak_w"] = 150e3
    from edrive.vehicle import vehicle_from_dict

    ref = edrive.simulate(vehicle_from_dict(car), "hwfet").report()
    assert row.hwfet_wall_wh_per_km == pytest.approx(ref["wall_wh_per_km"], rel=1e-9)
    assert row.feasible == (ref["wall_wh_per_km"] <= 131)


def test_evaluate_chunk_alone():
    base = load_vehicle("tesla_model3_rwd").model_dump(mode="json", exclude_none=True)
    rows = [{"design_id": 7, "values": {"drive_units.0.gear.ratio": 9.0}},
            {"design_id": 8, "values": {"drive_units.0.gear.ratio": -1.0}}]
    recs = evaluate_chunk(base, rows, {"udds": "udds"}, [], ["udds_wall_wh_per_km"])
    assert [r["design_id"] for r in recs] == [7, 8]
    assert 100 < recs[0]["udds_wall_wh_per_km"] < 200 and recs[0]["error"] is None
    assert "ratio" in recs[1]["error"] and recs[1]["udds_wall_wh_per_km"] != \
        recs[1]["udds_wall_wh_per_km"]  # NaN
    assert base["drive_units"][0]["gear"]["ratio"] == 9.03  # the base is not modified


def test_two_workers_give_the_same_results_and_resume_refuses_another_sweep(tmp_path):
    s = tiny(tmp_path)
    run_sweep(s, tmp_path / "one")
    run_sweep(s, tmp_path / "two", workers=2)
    a, b = read(tmp_path / "one"), read(tmp_path / "two")
    assert a.sort_values("design_id").reset_index(drop=True).equals(
        b.sort_values("design_id").reset_index(drop=True))
    with pytest.raises(EdriveError, match="already holds a sweep"):
        run_sweep(s, tmp_path / "one")
    other = tiny(tmp_path, TINY.replace("seed: 2", "seed: 3"), "other.yaml")
    with pytest.raises(EdriveError, match="--resume: .* spec hash"):
        run_sweep(other, tmp_path / "one", resume=True)
    again = run_sweep(s, tmp_path / "one", resume=True)
    assert (again.chunks_skipped, again.chunks_run) == (3, 0)


def test_resume_after_a_kill_loses_and_repeats_nothing(tmp_path):
    text = TINY.replace("sobol, n: 12, seed: 2, chunk_size: 5", "lhs, n: 160, seed: 2, "
                        "chunk_size: 4").replace("cycles: [hwfet]", "cycles: [hwfet]\n"
                                                 "procedures: [performance]")
    text = text.replace("outputs: [", "outputs: [accel_0_100_kmh_s, ")
    s = tiny(tmp_path, text)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "edrive.cli", "sweep", "run",
                             str(tmp_path / "s.yaml"), "--out", str(out), "--no-progress"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(list(out.glob("chunk-*.parquet"))) < 3 and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("chunk-*.parquet")}
    assert 3 <= len(before) < s.n_chunks  # killed part-way
    summary = run_sweep(s, out, resume=True)
    assert summary.chunks_skipped == len(before)
    assert summary.chunks_run == s.n_chunks - len(before)
    assert all(out.joinpath(n).stat().st_mtime_ns == t for n, t in before.items())
    ids = read(out).design_id.tolist()
    assert sorted(ids) == list(range(160))  # every design exactly once
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def _descendants(pid: int) -> dict[int, int]:
    """{pid: depth} of the processes below ``pid`` (Linux /proc)."""
    from pathlib import Path

    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(stat.parent.name)] = int(fields[1])
    out, frontier, depth = {}, {pid}, 0
    while frontier:
        depth += 1
        frontier = {c for c, p in parent.items() if p in frontier}
        out |= dict.fromkeys(frontier, depth)
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_lost_worker_stops_the_run_and_resume_completes_it(tmp_path):
    text = TINY.replace("sobol, n: 12, seed: 2, chunk_size: 5", "lhs, n: 120, seed: 3, "
                        "chunk_size: 2").replace("cycles: [hwfet]", "cycles: [hwfet]\n"
                                                 "procedures: [performance]")
    text = text.replace("outputs: [", "outputs: [accel_0_100_kmh_s, ")
    s = tiny(tmp_path, text)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "edrive.cli", "sweep", "run",
                             str(tmp_path / "s.yaml"), "--out", str(out), "--workers", "2",
                             "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("chunk-*.parquet"))) < 2 and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.005)
    workers = [p for p, d in _descendants(proc.pid).items() if d >= 2]
    assert workers, "no worker processes found"
    os.kill(max(workers), signal.SIGKILL)  # one worker of the pool dies
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the sweep finished before the worker was lost")
    assert proc.returncode == 2 and "Traceback" not in err
    assert err.splitlines()[0].startswith("error: --workers: a worker process died")
    assert "run again with --resume" in err.splitlines()[0]
    before = len(list(out.glob("chunk-*.parquet")))
    summary = run_sweep(s, out, resume=True)
    assert summary.chunks_skipped == before
    ids = read(out).design_id.tolist()
    assert sorted(ids) == list(range(120))  # every design exactly once


def test_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    s = tiny(tmp_path)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        summary = run_sweep(s, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert summary.designs_run == 12
    run_sweep(s, tmp_path / "local")
    a = read(tmp_path / "dask").sort_values("design_id").reset_index(drop=True)
    b = read(tmp_path / "local").sort_values("design_id").reset_index(drop=True)
    assert a.equals(b)


def test_dask_worker_lost_mid_sweep_loses_and_repeats_nothing(tmp_path):
    """A Dask worker killed mid-sweep: the scheduler reruns its chunks elsewhere and every
    design is written exactly once."""
    import threading

    distributed = pytest.importorskip("distributed")
    text = TINY.replace("sobol, n: 12, seed: 2, chunk_size: 5", "lhs, n: 60, seed: 4, "
                        "chunk_size: 2").replace("cycles: [hwfet]", "cycles: [hwfet]\n"
                                                 "procedures: [performance]")
    text = text.replace("outputs: [", "outputs: [accel_0_100_kmh_s, ")
    s = tiny(tmp_path, text)
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        killed = []

        def kill_one():
            deadline = time.monotonic() + 120
            while len(list(out.glob("chunk-*.parquet"))) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            os.kill(pids[0], signal.SIGKILL)
            killed.append(len(list(out.glob("chunk-*.parquet"))))

        killer = threading.Thread(target=kill_one, daemon=True)
        killer.start()
        summary = run_sweep(s, out, scheduler=cluster.scheduler_address)
        killer.join(timeout=5)
    assert killed and killed[0] < s.n_chunks, "the worker was not lost mid-sweep"
    assert summary.designs_run == 60
    ids = read(out).design_id.tolist()
    assert sorted(ids) == list(range(60))  # every design exactly once


def test_cli_bad_input_is_one_line(tmp_path):
    (tmp_path / "bad.yaml").write_text(TINY.replace("gear.ratio", "gear.ratoi"))
    proc = subprocess.run([sys.executable, "-m", "edrive.cli", "sweep", "run",
                           str(tmp_path / "bad.yaml"), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "did you mean 'ratio'" in proc.stderr
    assert not (tmp_path / "o").exists()


OPT = TINY.replace("design: {method: sobol, n: 12, seed: 2, chunk_size: 5}",
                   "design: {method: lhs, n: 8}") + """optimize:
  objectives: [{minimize: hwfet_wall_wh_per_km}]
  generations: 3
  population: 6
  seed: 1
"""


def test_single_objective_differential_evolution(tmp_path):
    from edrive.sweep.optimizer import optimize

    s = tiny(tmp_path, OPT.replace("<= 131", "<= 200"))
    res = optimize(s)
    assert res.method == "differential evolution" and res.evaluations >= 6
    best = dict(zip(res.columns, res.rows[0], strict=True))
    assert best["feasible"] and 7.5 <= best["gear_ratio"] <= 11
    # no better design among a small sweep of the same space
    run_sweep(tiny(tmp_path, OPT.replace("<= 131", "<= 200"), "s2.yaml"), tmp_path / "o")
    assert best["hwfet_wall_wh_per_km"] <= read(tmp_path / "o").hwfet_wall_wh_per_km.min() + 0.5


def test_nsga2_and_its_missing_dependency(tmp_path, monkeypatch):
    pytest.importorskip("pymoo")
    from edrive.sweep.optimizer import optimize

    text = OPT.replace("objectives: [{minimize: hwfet_wall_wh_per_km}]",
                       "objectives: [{minimize: hwfet_wall_wh_per_km}, "
                       "{maximize: motor_power_peak_w}]")
    with pytest.raises(EdriveError, match="not an output"):
        tiny(tmp_path, text)
    text = text.replace("{maximize: motor_power_peak_w}", "{minimize: hwfet_trace_missed_s}")
    s = tiny(tmp_path, text.replace("<= 131", "<= 200"))
    res = optimize(s)
    assert res.method == "NSGA-II" and res.rows and res.evaluations == 6 * 3
    monkeypatch.setitem(sys.modules, "pymoo", None)
    monkeypatch.setitem(sys.modules, "pymoo.algorithms.moo.nsga2", None)
    with pytest.raises(EdriveError, match=r"pip install 'edrive\[optimize\]'"):
        optimize(s)
