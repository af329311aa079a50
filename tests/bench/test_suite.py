"""The benchmark suite's own logic (bench/suite.py): stage mapping, exponent fit, cutting samples by steps."""

import math
import os
from pathlib import Path

import pytest

from bench.measure import TreeSampler, interpolate
from bench.suite import STAGES, file_day, fit_exponent, markdown, stage_figures, stage_of, summarize


@pytest.mark.parametrize(
    ("step", "stage"),
    [
        ("raw__ops__accounts", "ingest"),
        ("raw__douyin__comments", "ingest"),
        ("ops_tables", "ingest"),
        ("sentiment__text_scores", "ingest"),
        ("dq_accounts", "quality"),
        ("dq_raw", "quality"),
        ("dq_marts", "quality"),
        ("dq__validation_results", "quality"),
        ("dbt_models", "dbt"),
        ("dbt_kpi", "kpi_reports"),
        ("reports__operations_report", "kpi_reports"),
        ("crisis__notifications", "kpi_reports"),
        ("publish__bi_snapshot", "publish"),
        ("something_new", "other"),
    ],
)
def test_every_op_has_one_stage(step: str, stage: str) -> None:
    assert stage_of(step) == stage


def test_pipeline_ops_are_all_mapped() -> None:
    """Every op of the real `fanops run` graph belongs to one of the five stages (none falls to 'other')."""
    from ingestion.config import FanopsConfig
    from orchestration.pipeline import pipeline_assets

    graph = pipeline_assets(FanopsConfig())
    names = {a.node_def.name for a in graph.for_mode("run") if hasattr(a, "node_def")}
    assert names, "no ops found"
    assert {n for n in names if stage_of(n) == "other"} == set()


def test_exponent_fit() -> None:
    xs = [1e4, 1e5, 1e6]
    assert fit_exponent(xs, [2 * x for x in xs]) == pytest.approx(1.0)
    assert fit_exponent(xs, [3 * x**0.8 for x in xs]) == pytest.approx(0.8)
    assert fit_exponent([1e4], [5.0]) is None
    assert fit_exponent([1e4, 1e4], [5.0, 6.0]) is None


def test_file_day_takes_the_newest_valid_stamp() -> None:
    assert file_day(Path("订单导出_20260608-20260613.csv")) == "2026-06-13"
    assert file_day(Path("mentions_2026-06-13.jsonl")) == "2026-06-13"
    assert file_day(Path("comments_5120200521322399.json")) is None  # an id, not a date
    assert file_day(Path("messages_202606.jsonl")) is None


def test_interpolate() -> None:
    s = [(0.0, 0.0), (1.0, 10.0), (3.0, 30.0)]
    assert interpolate(s, -1) == 0.0
    assert interpolate(s, 0.5) == pytest.approx(5.0)
    assert interpolate(s, 2.0) == pytest.approx(20.0)
    assert interpolate(s, 9) == 30.0


def _events(steps: dict[str, tuple[float, float]], **extra: dict) -> dict:
    out = {}
    for key, (a, b) in steps.items():
        st = {"intervals": [(a, b)], "status": "STEP_SUCCESS", "materializations": 1, "rows_read": 0,
              "rows_loaded": 0, "files_new": 0, "row_count": 0, "checks": 0, "datasets": []}
        st.update(extra.get(key, {}))
        out[key] = st
    return {"run_id": "r", "status": "SUCCESS", "steps": out}


def test_stage_figures_cut_the_samples_by_steps() -> None:
    sampler = TreeSampler(os.getpid())
    # CPU grows 1 s per second; RSS 1 GB, 3 GB during dbt
    sampler.samples = [(t / 10, 3_000_000_000 if 50 <= t <= 70 else 1_000_000_000, t / 10) for t in range(0, 101)]
    events = _events(
        {"raw__a__b": (1.0, 3.0), "raw__a__c": (3.0, 4.0), "dq_raw": (4.0, 5.0), "dbt_models": (5.0, 7.0),
         "dbt_kpi": (7.0, 8.0), "publish__bi_snapshot": (8.0, 8.5), "mystery": (8.5, 9.0)},
        raw__a__b={"rows_read": 120, "rows_loaded": 100}, raw__a__c={"rows_read": 60, "rows_loaded": 50},
        dq_raw={"checks": 7}, dbt_models={"row_count": 1000},
    )
    fig = stage_figures(events, sampler, 0.0, 10.0, cpu_total=10.0)
    st = fig["stages"]
    assert set(st) == {*STAGES, "other", "outside"}
    assert st["ingest"]["wall_s"] == pytest.approx(3.0)
    assert st["ingest"]["cpu_s"] == pytest.approx(3.0)
    assert st["ingest"]["rows_loaded"] == 150
    assert st["ingest"]["rows_per_s"] == pytest.approx(50.0)
    assert st["quality"]["records"] == 7
    assert st["dbt"]["peak_rss"] == 3_000_000_000
    assert st["ingest"]["peak_rss"] == 1_000_000_000
    assert fig["unmapped_ops"] == ["mystery"]
    out = st["outside"]
    assert out["startup_s"] == pytest.approx(1.0) and out["teardown_s"] == pytest.approx(1.0)
    assert out["wall_s"] == pytest.approx(2.0)
    assert sum(s["wall_s"] for s in st.values()) == pytest.approx(10.0)

    # the report renders (summary, tables) from such figures
    full = {"wall_s": 10.0, "cpu_s": 10.0, "peak_rss": 3e9, "succeeded": True, **fig}
    small = {**full, "wall_s": 5.0, "stages": {**st, "ingest": {**st["ingest"], "rows_read": 18}}}
    wl = {"days": 2, "files": 3, "bytes": 4e6, "held_back_files": ["x"], "held_back_day": "2026-06-13",
          "held_back_bytes": 10}
    report = {
        "started": "2026-11-27 12:00:00 UTC", "command": "bench/suite.py",
        "machine": {"cores_logical": 2, "cores_physical": 1, "ram_gib": 24, "cpu_model": "x", "load_avg": [0],
                    "versions": {k: "1" for k in ("python", "duckdb", "dbt-core", "dbt-duckdb", "dagster",
                                                  "great-expectations", "pandas")}},
        "sizes": {"S": {"workload": wl, "full": small, "nothing": {**full, "wall_s": 1.0}},
                  "M": {"workload": wl, "full": full, "day": {**full, "wall_s": 0.4}}},
    }
    summarize(report)
    assert report["sizes"]["M"]["day"]["ratio_wall"] == pytest.approx(0.04)
    assert report["scaling"]["wall"] == pytest.approx(math.log10(2), abs=1e-3)  # 18 -> 180 records, 5 -> 10 s
    text = markdown(report)
    assert "| +1 day ÷ full (wall) | — | 4.0 % | ≤ 5 % ✓ |" in text


def test_last_delivery_is_held_back(tmp_path: Path) -> None:
    """Held back: files stamped with the last day of the daily listening files or later; the rest is linked."""
    from bench.suite import prepare_landing

    tree = tmp_path / "tree"
    names = ["listening/mentions/2026-11/mentions_20261109.jsonl", "listening/mentions/2026-11/mentions_20261110.jsonl",
             "shop/s/orders/2026-11/订单导出_20261104-20261110.csv", "douyin/d/videos/2026-11/作品列表_20261111_0002.csv",
             "weibo/w/comments/2026-11/comments_5120200521322399.json", "ops/accounts/账号清单.xlsx"]
    for n in names:
        (tree / n).parent.mkdir(parents=True, exist_ok=True)
        (tree / n).write_text("x", encoding="utf-8")
    wl = prepare_landing(tree, tmp_path / "landing")
    assert wl["held_back_day"] == "2026-11-10"
    assert sorted(wl["held_back_files"]) == sorted(names[1:4])
    linked = sorted(p.relative_to(tmp_path / "landing").as_posix() for p in (tmp_path / "landing").rglob("*")
                    if p.is_file())
    assert linked == sorted([names[0], names[4], names[5]])
