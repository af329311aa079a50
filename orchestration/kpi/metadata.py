"""The KPI scorecard as Dagster metadata: a Markdown table of the overall scope at the latest as-of date,
attached to `marts/kpi_scorecard` after each build (the Dagster UI shows it on the asset page)."""

from __future__ import annotations

from typing import Any

from dagster import MetadataValue

STATUS_ZH = {
    "on_track": "✅ 达标",
    "at_risk": "⚠️ 有风险",
    "off_track": "❌ 落后",
    "no_target": "— 无目标",
    "not_applicable": "— 不适用",
}
KPI_ZH = {
    "fan_growth_net": "粉丝净增长率",
    "fan_growth_gross": "粉丝总增长率",
    "interaction_rate_uplift": "互动率提升",
    "content_quality_share": "优质内容占比",
    "share_of_voice": "声量份额",
    "positive_share": "正面情感占比",
    "conversion_rate_by_exposures": "曝光转化率",
    "roas": "ROAS",
    "roi": "ROI",
}
MULTIPLES = ("roas",)  # shown as ×, the rest as percentages
COUNT_BASELINES = ("fan_growth_net", "fan_growth_gross")  # their baseline is followers at plan start


def _count(value: float) -> str:
    return f"{value / 10000:.1f}万" if abs(value) >= 10000 else f"{value:,.0f}"


def _fmt(kpi: str, value: Any, *, baseline: bool = False) -> str:
    if value is None:
        return "–"
    number = float(value)
    if baseline and kpi in COUNT_BASELINES:
        return _count(number)
    if kpi in MULTIPLES:
        return f"{number:.2f}×"
    if 0 < abs(number) < 0.001:  # tiny rates (conversion by exposures) keep their digits
        return f"{number * 100:.3f}%"
    return f"{number * 100:.1f}%"


def scorecard_markdown(rows: list[dict[str, Any]]) -> str:
    """Rows of kpi_scorecard (one scope) as a Markdown table, Chinese labels."""
    if not rows:
        return "no scorecard rows (the plan has not started, or no data)"
    as_of = rows[0].get("as_of_date")
    lines = [
        f"**KPI 计分卡 · 全部账号 · 截至 {as_of}**",
        "",
        "| 指标 | 期限 | 基线 | 实际 | 目标 | 应达进度 | 预计到期 | 完成度 | 状态 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        kpi = str(r["kpi"])
        attainment = "–" if r.get("attainment") is None else f"{float(r['attainment']) * 100:.1f}%"
        lines.append(
            f"| {KPI_ZH.get(kpi, kpi)} | {r['horizon']} | {_fmt(kpi, r.get('baseline'), baseline=True)} | {_fmt(kpi, r.get('actual'))} "
            f"| {_fmt(kpi, r.get('target'))} | {_fmt(kpi, r.get('expected_by_now'))} "
            f"| {_fmt(kpi, r.get('projected_at_deadline'))} | {attainment} "
            f"| {STATUS_ZH.get(str(r.get('status')), r.get('status'))} |"
        )
    return "\n".join(lines)


def scorecard_rows(con: Any, scope: str = "overall") -> list[dict[str, Any]]:
    """kpi_scorecard rows of one scope at the latest as-of date, in the scorecard's KPI order."""
    cur = con.execute(
        """
        select * from marts.kpi_scorecard
        where scope = ? and as_of_date = (select max(as_of_date) from marts.kpi_scorecard)
        order by horizon, kpi_order, kpi
        """,
        [scope],
    )
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def scorecard_text(rows: list[dict[str, Any]]) -> list[str]:
    """The scorecard for a terminal (`fanops run`): KPIs with a target first, then the others' actuals."""
    out = [f"KPI scorecard (overall, as of {rows[0]['as_of_date']}):"]
    for r in rows:
        kpi = str(r["kpi"])
        if r.get("status") == "not_applicable" and r.get("actual") is None:
            continue
        out.append(
            f"  {r['horizon']}  {KPI_ZH.get(kpi, kpi)} ({kpi}): actual {_fmt(kpi, r.get('actual'))}, "
            f"target {_fmt(kpi, r.get('target'))}, expected now {_fmt(kpi, r.get('expected_by_now'))}, "
            f"projected {_fmt(kpi, r.get('projected_at_deadline'))} -> {r.get('status')}"
        )
    return out


def scorecard_metadata(warehouse: str) -> dict[str, Any]:
    """Metadata for marts/kpi_scorecard: the overall scope at the latest as-of date."""
    import duckdb

    con = duckdb.connect(warehouse, read_only=True)
    try:
        rows = scorecard_rows(con)
    finally:
        con.close()
    counts: dict[str, int] = {}
    for r in rows:
        counts[str(r.get("status"))] = counts.get(str(r.get("status")), 0) + 1
    return {
        "scorecard": MetadataValue.md(scorecard_markdown(rows)),
        "as_of_date": str(rows[0]["as_of_date"]) if rows else "-",
        **{f"overall_{status}": n for status, n in sorted(counts.items())},
    }
