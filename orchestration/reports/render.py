"""The report as one self-contained HTML file: inline CSS and inline SVG charts, no script, no external URL,
so it opens offline and prints the same. Sections follow the plan; each says clearly when its marts are
missing or empty. `write_report` is the entry point for `fanops report` and the Dagster asset."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import jinja2
import pandas as pd

from orchestration.reports import charts
from orchestration.reports.build import (
    MOVERS_PER_ACCOUNT,
    SHARE_BASELINE_DAYS,
    ReportData,
    gather,
    local_time,
    split_ids,
)
from orchestration.reports.format import (
    MISSING,
    Lang,
    fmt_count,
    fmt_date,
    fmt_datetime,
    fmt_hour,
    fmt_minutes,
    fmt_money,
    fmt_pct,
    fmt_pp,
    fmt_range,
    fmt_ratio,
    is_missing,
)
from orchestration.reports.i18n import (
    SECTION_IDS,
    bucket_label,
    col,
    label,
    level_label,
    level_short,
    platform_list,
    playbook_steps,
    scope_label,
    t,
    terms_text,
)
from orchestration.reports.pdf import PdfOutcome, html_to_pdf
from orchestration.reports.suggestions import (
    DEFAULT_THRESHOLDS,
    Suggestion,
    Thresholds,
    derive,
    describe_rules,
)

KPI_ORDER = (
    "fan_growth_net",
    "fan_growth_gross",
    "interaction_rate_uplift",
    "content_quality_share",
    "share_of_voice",
    "positive_share",
    "conversion_rate_by_exposures",
    "roas",
    "roi",
)
PACE_STATUSES = ("on_track", "at_risk", "off_track")
TIER_ORDER = ("head", "mid", "tail", "amateur")


def _tier_key(tier: Any) -> tuple[int, str]:
    return (TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER), str(tier))


@dataclass
class Cell:
    text: str
    cls: str = ""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    numeric_from: int = 1  # columns from this index on are right-aligned figures


@dataclass
class Block:
    kind: Literal["note", "chart", "grid", "table", "suggestions"]
    text: str = ""
    svg: str = ""  # built by charts.py, which escapes every text it writes: embedded as markup
    svgs: list[str] = field(default_factory=list)  # kind grid: charts two to a row
    table: Table | None = None
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Section:
    id: str
    title: str
    present: bool
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class ReportResult:
    html_path: Path
    pdf_path: Path | None
    pdf_message: str
    period: str
    lang: str
    as_of: date
    period_start: date
    period_end: date
    sections_present: tuple[str, ...]
    sections_missing: tuple[str, ...]
    suggestion_count: int
    scorecard_markdown: str


# ------------------------------------------------------------------------------------------------ helpers


def _v(value: Any) -> Any:
    return None if is_missing(value) else value


def _day(value: Any) -> date | None:
    return None if is_missing(value) else pd.Timestamp(value).date()


def _num(value: Any) -> float | None:
    return None if is_missing(value) else float(value)


def _note(text: str) -> Block:
    return Block("note", text=text)


def _chart(svg: str) -> Block:
    return Block("chart", svg=svg)


def _table(table: Table) -> Block:
    return Block("table", table=table)


def _missing_note(lang: Lang, tables: Sequence[str]) -> Block:
    return _note(t(lang, "no_mart", tables=", ".join(tables)))


def _empty_note(lang: Lang, tables: Sequence[str]) -> Block:
    return _note(t(lang, "no_rows", tables=", ".join(tables)))


def _kpi_fmt(kpi: str, lang: Lang) -> Callable[[Any], str]:
    if kpi == "roas":
        return fmt_ratio
    if kpi == "conversion_rate_by_exposures":
        return lambda v: fmt_pct(v, decimals=2)
    return fmt_pct


def _baseline_fmt(kpi: str, lang: Lang) -> Callable[[Any], str]:
    if kpi.startswith("fan_growth"):
        return lambda v: fmt_count(v, lang)  # the baseline of fan-growth rows is followers at plan start
    return _kpi_fmt(kpi, lang)


def _change(cur: Any, prev: Any) -> str:
    c, p = _num(cur), _num(prev)
    if c is None or p is None or p == 0:
        return MISSING
    return fmt_pct(c / abs(p) - (1 if p > 0 else -1), signed=True)


def _short_date(d: Any) -> str:
    value = pd.Timestamp(d)
    return f"{value.month:02d}-{value.day:02d}"


def _kpi_sort(kpi: str) -> int:
    return KPI_ORDER.index(kpi) if kpi in KPI_ORDER else len(KPI_ORDER)


def active_horizon(scorecard: pd.DataFrame, as_of: date) -> tuple[str, date] | None:
    """The horizon whose deadline is the nearest on or after as-of, else the last one."""
    if scorecard is None or scorecard.empty or "deadline" not in scorecard:
        return None
    pairs = sorted(
        {
            (pd.Timestamp(d).date(), str(h))
            for h, d in zip(scorecard["horizon"], scorecard["deadline"])
            if not is_missing(d)
        }
    )
    if not pairs:
        return None
    upcoming = [p for p in pairs if p[0] >= as_of]
    deadline, horizon = upcoming[0] if upcoming else pairs[-1]
    return horizon, deadline


# ------------------------------------------------------------------------------------------------ sections


def _sec_scorecard(data: ReportData, lang: Lang) -> Section:
    sec = Section("scorecard", t(lang, "sec_scorecard"), False)
    sc = data.scorecard
    if sc is None:
        sec.blocks.append(_missing_note(lang, ["marts.kpi_scorecard"]))
    elif sc.empty:
        sec.blocks.append(_empty_note(lang, ["marts.kpi_scorecard"]))
    else:
        sec.present = True
        used = data.scorecard_date
        if used is not None and used != data.period.as_of:
            sec.blocks.append(
                _note(
                    t(
                        lang,
                        "scorecard_missing_day",
                        date=fmt_date(data.period.as_of, lang),
                        used=fmt_date(used, lang),
                    )
                )
            )
        active = active_horizon(sc, data.period.as_of)
        if active is not None:
            sec.blocks.append(
                _note(
                    t(
                        lang,
                        "scorecard_as_of",
                        date=fmt_date(used, lang),
                        horizon=label(lang, "horizon", active[0]),
                        deadline=fmt_date(active[1], lang),
                    )
                )
            )
        overall = sc[sc["scope"] == "overall"].copy()
        overall["_k"] = overall["kpi"].map(_kpi_sort)
        overall = overall.sort_values(["_k", "horizon"])
        headers = [
            col(lang, c)
            for c in (
                "kpi",
                "horizon",
                "baseline",
                "actual",
                "target",
                "expected_by_now",
                "projected",
                "attainment",
                "status",
                "data_through",
            )
        ]
        rows = []
        for r in overall.to_dict("records"):
            fmt = _kpi_fmt(str(r["kpi"]), lang)
            rows.append(
                [
                    Cell(label(lang, "kpi", r["kpi"])),
                    Cell(label(lang, "horizon", r["horizon"])),
                    Cell(_baseline_fmt(str(r["kpi"]), lang)(r.get("baseline"))),
                    Cell(fmt(r.get("actual"))),
                    Cell(fmt(r.get("target"))),
                    Cell(fmt(r.get("expected_by_now"))),
                    Cell(fmt(r.get("projected_at_deadline"))),
                    Cell(fmt_pct(r.get("attainment"))),
                    Cell(label(lang, "status", r["status"]), f"status status-{r['status']}"),
                    Cell(fmt_date(_day(r.get("data_through_date")), lang)),
                ]
            )
        sec.blocks.append(_table(Table(headers, rows, t(lang, "overall"), numeric_from=2)))
        if active is not None:
            names = data.account_names()
            scoped = sc[
                (sc["scope"] != "overall") & (sc["horizon"] == active[0]) & sc["status"].isin(PACE_STATUSES)
            ].copy()
            if not scoped.empty:
                scoped["_k"] = scoped["kpi"].map(_kpi_sort)
                scoped["_s"] = scoped["scope"].map(
                    lambda s: (0 if str(s).startswith("platform:") else 1, str(s))
                )
                scoped = scoped.sort_values(["_s", "_k"])
                headers = [
                    col(lang, c)
                    for c in ("scope", "kpi", "actual", "target", "expected_by_now", "projected", "status")
                ]
                rows = []
                for r in scoped.to_dict("records"):
                    fmt = _kpi_fmt(str(r["kpi"]), lang)
                    rows.append(
                        [
                            Cell(scope_label(lang, str(r["scope"]), names)),
                            Cell(label(lang, "kpi", r["kpi"])),
                            Cell(fmt(r.get("actual"))),
                            Cell(fmt(r.get("target"))),
                            Cell(fmt(r.get("expected_by_now"))),
                            Cell(fmt(r.get("projected_at_deadline"))),
                            Cell(label(lang, "status", r["status"]), f"status status-{r['status']}"),
                        ]
                    )
                sec.blocks.append(_table(Table(headers, rows, t(lang, "scorecard_scopes"), numeric_from=2)))
    # kpi_daily trend charts (overall scope), with the targets as reference lines
    kd = data.kpi_daily
    if kd is None:
        sec.blocks.append(_missing_note(lang, ["marts.kpi_daily"]))
    elif kd.empty or kd["value"].notna().sum() == 0:
        sec.blocks.append(_empty_note(lang, ["marts.kpi_daily"]))
    else:
        sec.present = True
        sec.blocks.append(Block("note", text=t(lang, "scorecard_trend")))
        dates = sorted({pd.Timestamp(d).date() for d in kd["date_day"]})
        x_labels = [_short_date(d) for d in dates]
        grid = Block("grid")
        for kpi in sorted(set(kd["kpi"]), key=_kpi_sort):
            rows_k = kd[kd["kpi"] == kpi]
            if rows_k["value"].notna().sum() == 0:
                continue
            by_day = {pd.Timestamp(d).date(): _num(v) for d, v in zip(rows_k["date_day"], rows_k["value"])}
            refs: list[tuple[str, float]] = []
            if sc is not None and not sc.empty:
                for r in sc[(sc["scope"] == "overall") & (sc["kpi"] == kpi)].to_dict("records"):
                    target = _num(r.get("target"))
                    if target is not None:
                        refs.append((f"{col(lang, 'target')} {r['horizon']}", target))
            fmt = _kpi_fmt(str(kpi), lang)
            # half-width charts side by side: a narrower viewBox keeps the text at its size
            grid.svgs.append(
                charts.line_chart(
                    f"kpi-{kpi}",
                    x_labels,
                    [charts.Series(label(lang, "kpi", kpi), [by_day.get(d) for d in dates])],
                    title=label(lang, "kpi", kpi),
                    empty_text=t(lang, "no_chart_data"),
                    y_format=fmt,
                    refs=refs,
                    width=480,
                    height=250,
                )
            )
        sec.blocks.append(grid)
    return sec


def _sec_growth(data: ReportData, lang: Lang) -> Section:
    sec = Section("growth", t(lang, "sec_growth"), False)
    ap = data.account_period
    if ap is None:
        sec.blocks.append(_missing_note(lang, ["marts.fct_account_daily"]))
        return sec
    if ap.empty:
        sec.blocks.append(_empty_note(lang, ["marts.fct_account_daily"]))
        return sec
    sec.present = True
    names = data.account_names()
    sec.blocks.append(_note(t(lang, "window_period")))
    headers = [
        col(lang, c)
        for c in ("platform", "account", "followers_end", "net_new", "net_new_prev", "change", "new", "lost")
    ]
    rows = []
    for r in ap.to_dict("records"):
        rows.append(
            [
                Cell(label(lang, "platform", r["platform"])),
                Cell(names.get((r["platform"], r["account"]), r["account"])),
                Cell(fmt_count(r["followers_end"], lang)),
                Cell(fmt_count(r["net_new"], lang, signed=True), _sign_cls(r["net_new"])),
                Cell(fmt_count(r["net_new_prev"], lang, signed=True)),
                Cell(_change(r["net_new"], r["net_new_prev"])),
                Cell(fmt_count(r["new"], lang)),
                Cell(fmt_count(r["lost"], lang)),
            ]
        )
    sec.blocks.append(_table(Table(headers, rows, numeric_from=2)))
    fd = data.followers_daily
    if fd is not None and not fd.empty:
        dates = sorted({pd.Timestamp(d).date() for d in fd["date_day"]})
        series = []
        for (platform, account), group in fd.groupby(["platform", "account"], sort=True):
            by_day = {
                pd.Timestamp(d).date(): _num(v) for d, v in zip(group["date_day"], group["followers_total"])
            }
            name = f"{label(lang, 'platform', platform)}·{names.get((platform, account), account)}"
            series.append(charts.Series(name, [by_day.get(d) for d in dates]))
        sec.blocks.append(
            _chart(
                charts.line_chart(
                    "growth-followers",
                    [_short_date(d) for d in dates],
                    series,
                    title=t(lang, "followers_chart"),
                    empty_text=t(lang, "no_chart_data"),
                    y_format=lambda v: fmt_count(v, lang),
                )
            )
        )
    by_platform = ap.groupby("platform", sort=True)[["net_new", "net_new_prev"]].sum(min_count=1)
    sec.blocks.append(
        _chart(
            charts.grouped_bar_chart(
                "growth-net-new",
                [label(lang, "platform", p) for p in by_platform.index],
                [
                    charts.Series(t(lang, "current_short"), [_num(v) for v in by_platform["net_new"]]),
                    charts.Series(t(lang, "prev_short"), [_num(v) for v in by_platform["net_new_prev"]]),
                ],
                title=t(lang, "net_new_chart"),
                empty_text=t(lang, "no_chart_data"),
                y_format=lambda v: fmt_count(v, lang),
                value_format=lambda v: fmt_count(v, lang),
            )
        )
    )
    return sec


def _account_name(lang: Lang, names: dict[tuple[str, str], str], platform: Any, account: Any) -> str:
    return f"{label(lang, 'platform', platform)} · {names.get((str(platform), str(account)), str(account))}"


def _sep(lang: Lang) -> str:
    return "、" if lang == "zh" else ", "


def _shift_cls(change: float | None, th: Thresholds) -> str:
    """A share change of at least the segment-drop threshold (either way) is highlighted: red down, green up."""
    if change is None or abs(change) < th.portrait_share_drop - 1e-9:
        return ""
    return "neg" if change < 0 else "pos"


def _sec_audience(data: ReportData, lang: Lang, th: Thresholds) -> Section:
    """Who the followers are (each account's latest portrait snapshot in the window), how the mix moves
    (against the previous snapshot, in percentage points) and which segments the period's content and
    campaigns reach, at account level: the platforms give follower portraits, not per-post audiences."""
    sec = Section("audience", t(lang, "sec_audience"), False)
    pt = data.portrait
    if pt is None:
        sec.blocks.append(_missing_note(lang, ["marts.fct_fan_portrait"]))
        return sec
    p = data.period
    names = data.account_names()
    window = {"start": fmt_date(p.lookback_start, lang), "end": fmt_date(p.end, lang)}
    absent = data.portrait_absent
    absent_note = None
    if absent is not None and not absent.empty:
        accounts = _sep(lang).join(
            _account_name(lang, names, r["platform"], r["account"]) for r in absent.to_dict("records")
        )
        absent_note = _note(t(lang, "audience_no_data", accounts=accounts))
    if pt.empty:
        sec.blocks.append(_empty_note(lang, ["marts.fct_fan_portrait"]))
        if absent_note is not None:
            sec.blocks.append(absent_note)
        return sec
    sec.present = True
    sec.blocks.append(_note(t(lang, "audience_scope", **window)))
    if absent_note is not None:
        sec.blocks.append(absent_note)
    headers = [col(lang, c) for c in ("dimension", "bucket", "fans", "share", "share_prev", "share_change")]
    for (platform, account), group in pt.groupby(["platform", "account"], sort=False):
        who = _account_name(lang, names, platform, account)
        snapshots = sorted({d for d in (_day(v) for v in group["snapshot_date"]) if d is not None})
        previous = sorted({d for d in (_day(v) for v in group["previous_snapshot_date"]) if d is not None})
        caption = t(
            lang,
            "audience_account",
            account=who,
            date=_sep(lang).join(fmt_date(d, lang) for d in snapshots),
            previous=_sep(lang).join(fmt_date(d, lang) for d in previous) or MISSING,
        )
        rows = []
        grid = Block("grid")
        for dimension, dim_rows in group.groupby("dimension", sort=False):
            records = dim_rows.to_dict("records")
            for i, r in enumerate(records):
                change = _num(r["share_change"])
                rows.append(
                    [
                        Cell(label(lang, "dimension", dimension) if i == 0 else ""),
                        Cell(
                            bucket_label(lang, dimension, r["bucket"]), "current" if r["is_dominant"] else ""
                        ),
                        Cell(fmt_count(r["fans"], lang)),
                        Cell(fmt_pct(r["share"])),
                        Cell(fmt_pct(r["share_prev"])),
                        Cell(fmt_pp(change, lang), _shift_cls(change, th)),
                    ]
                )
            grid.svgs.append(
                charts.bar_chart(
                    f"audience-{platform}-{account}-{dimension}",
                    [bucket_label(lang, dimension, r["bucket"]) for r in records],
                    [_num(r["share"]) for r in records],
                    title=t(
                        lang, "audience_chart", account=who, dimension=label(lang, "dimension", dimension)
                    ),
                    empty_text=t(lang, "no_chart_data"),
                    y_format=fmt_pct,
                    value_format=fmt_pct,
                    width=480,
                    height=220,
                )
            )
        sec.blocks.append(_table(Table(headers, rows, caption, numeric_from=2)))
        sec.blocks.append(grid)
    ov = data.portrait_overall
    if ov is not None and not ov.empty:
        rows = []
        for dimension, dim_rows in ov.groupby("dimension", sort=False):
            for i, r in enumerate(dim_rows.to_dict("records")):
                rows.append(
                    [
                        Cell(label(lang, "dimension", dimension) if i == 0 else ""),
                        Cell(bucket_label(lang, dimension, r["bucket"])),
                        Cell(fmt_count(r["fans"], lang)),
                        Cell(fmt_pct(r["share"])),
                    ]
                )
        count = int(ov["accounts"].max())
        headers_ov = [col(lang, c) for c in ("dimension", "bucket", "fans", "share")]
        sec.blocks.append(
            _table(Table(headers_ov, rows, t(lang, "audience_overall", count=count), numeric_from=2))
        )
    movers = pt[pt["mover_rank"].notna()]
    movers = movers[
        (pd.to_numeric(movers["mover_rank"]) <= MOVERS_PER_ACCOUNT)
        & (pd.to_numeric(movers["share_change"]).abs() >= 0.0005)  # a change that shows at 0.1 pp
    ]
    if movers.empty:
        sec.blocks.append(_note(t(lang, "audience_movers_none")))
    else:
        headers_mv = [
            col(lang, c)
            for c in ("platform", "account", "dimension", "bucket", "share", "share_prev", "share_change")
        ]
        rows = []
        for r in movers.sort_values(["platform", "account", "mover_rank"]).to_dict("records"):
            change = _num(r["share_change"])
            rows.append(
                [
                    Cell(label(lang, "platform", r["platform"])),
                    Cell(names.get((str(r["platform"]), str(r["account"])), str(r["account"]))),
                    Cell(label(lang, "dimension", r["dimension"])),
                    Cell(bucket_label(lang, r["dimension"], r["bucket"])),
                    Cell(fmt_pct(r["share"])),
                    Cell(fmt_pct(r["share_prev"])),
                    Cell(fmt_pp(change, lang), _shift_cls(change, th)),
                ]
            )
        caption = t(lang, "audience_movers", n=MOVERS_PER_ACCOUNT)
        sec.blocks.append(_table(Table(headers_mv, rows, caption, numeric_from=4)))
    reach = data.portrait_reach
    if reach is not None:
        sec.blocks.append(_note(t(lang, "audience_reach_note")))
        dominant = pt[pt["is_dominant"].fillna(False).astype(bool)]
        campaigns = data.portrait_campaigns
        headers_r = [
            col(lang, c)
            for c in (
                "platform",
                "account",
                "dominant_segments",
                "top_content",
                "campaign_content",
                "posts",
                "interactions",
            )
        ]
        rows = []
        for r in reach.to_dict("records"):
            key = (str(r["platform"]), str(r["account"]))
            segs = dominant[(dominant["platform"] == key[0]) & (dominant["account"] == key[1])]
            segments = " · ".join(
                f"{bucket_label(lang, d['dimension'], d['bucket'])} {fmt_pct(d['share'])}"
                for d in segs.to_dict("records")
            )
            top = MISSING
            if not is_missing(r.get("top_title")):
                top = (
                    f"{r['top_title']}（{fmt_count(r['top_interactions'], lang)}）"
                    if lang == "zh"
                    else (f"{r['top_title']} ({fmt_count(r['top_interactions'], lang)})")
                )
            camp = MISSING
            if campaigns is not None:
                mine = campaigns[(campaigns["platform"] == key[0]) & (campaigns["account"] == key[1])]
                if not mine.empty:
                    camp = _sep(lang).join(
                        t(
                            lang,
                            "audience_campaign_item",
                            name=c["campaign_name"],
                            interactions=fmt_count(c["interactions"], lang),
                        )
                        for c in mine.to_dict("records")
                    )
            rows.append(
                [
                    Cell(label(lang, "platform", r["platform"])),
                    Cell(names.get(key, key[1])),
                    Cell(segments or MISSING),
                    Cell(top),
                    Cell(camp),
                    Cell(fmt_count(r["posts"], lang)),
                    Cell(fmt_count(r["interactions"], lang)),
                ]
            )
        sec.blocks.append(_table(Table(headers_r, rows, t(lang, "audience_reach"), numeric_from=5)))
    return sec


def _sign_cls(value: Any) -> str:
    v = _num(value)
    if v is None:
        return ""
    return "neg" if v < 0 else ""


def _sec_content(data: ReportData, lang: Lang, th: Thresholds) -> Section:
    sec = Section("content", t(lang, "sec_content"), False)
    ct = data.content_by_type
    if ct is None:
        sec.blocks.append(_missing_note(lang, ["marts.fct_content"]))
        return sec
    p = data.period
    if ct.empty and (data.content_by_format is None or data.content_by_format.empty):
        sec.blocks.append(_empty_note(lang, ["marts.fct_content"]))
        return sec
    sec.present = True
    sec.blocks.append(_note(t(lang, "window_period")))
    headers = [
        col(lang, c) for c in ("content_type", "posts", "views", "interactions", "er", "er_prev", "change")
    ]
    rows = []
    for r in ct.to_dict("records"):
        er, prev = _num(r["er"]), _num(r["er_prev"])
        rows.append(
            [
                Cell(label(lang, "content_type", r["content_type"])),
                Cell(fmt_count(r["posts"], lang)),
                Cell(fmt_count(r["views"], lang)),
                Cell(fmt_count(r["interactions"], lang)),
                Cell(fmt_pct(er)),
                Cell(fmt_pct(prev)),
                Cell(fmt_pp(er - prev, lang) if er is not None and prev is not None else MISSING),
            ]
        )
    sec.blocks.append(_table(Table(headers, rows)))
    sec.blocks.append(
        _chart(
            charts.grouped_bar_chart(
                "content-type-er",
                [label(lang, "content_type", c) for c in ct["content_type"]],
                [
                    charts.Series(t(lang, "current_short"), [_num(v) for v in ct["er"]]),
                    charts.Series(t(lang, "prev_short"), [_num(v) for v in ct["er_prev"]]),
                ],
                title=t(lang, "er_type_chart"),
                empty_text=t(lang, "no_chart_data"),
                y_format=fmt_pct,
                value_format=fmt_pct,
            )
        )
    )
    window = t(
        lang,
        "window_lookback",
        start=fmt_date(p.lookback_start, lang),
        end=fmt_date(p.end, lang),
        days=p.lookback_days,
    )
    sec.blocks.append(_note(window))
    cf = data.content_by_format
    if cf is not None and not cf.empty:
        headers = [col(lang, c) for c in ("platform", "format", "posts", "views", "interactions", "er")]
        rows = [
            [
                Cell(label(lang, "platform", r["platform"])),
                Cell(label(lang, "format", r["format"])),
                Cell(fmt_count(r["posts"], lang)),
                Cell(fmt_count(r["views"], lang)),
                Cell(fmt_count(r["interactions"], lang)),
                Cell(fmt_pct(r["er"])),
            ]
            for r in cf.to_dict("records")
        ]
        sec.blocks.append(_table(Table(headers, rows, numeric_from=2)))
        platforms = sorted(set(cf["platform"]))
        formats = sorted(set(cf["format"]))
        lookup = {(r["platform"], r["format"]): _num(r["er"]) for r in cf.to_dict("records")}
        sec.blocks.append(
            _chart(
                charts.grouped_bar_chart(
                    "content-format-er",
                    [label(lang, "platform", x) for x in platforms],
                    [
                        charts.Series(label(lang, "format", f), [lookup.get((pl, f)) for pl in platforms])
                        for f in formats
                    ],
                    title=t(lang, "er_format_chart"),
                    empty_text=t(lang, "no_chart_data"),
                    y_format=fmt_pct,
                    value_format=fmt_pct,
                )
            )
        )
    ch = data.content_by_hour
    if ch is not None:
        totals = ch.groupby("hour")[["views", "interactions"]].sum(min_count=1) if not ch.empty else None
        values: list[float | None] = []
        for h in range(24):
            if totals is not None and h in totals.index:
                views, inter = _num(totals.loc[h, "views"]), _num(totals.loc[h, "interactions"])
                values.append(inter / views if views and inter is not None else None)
            else:
                values.append(None)
        sec.blocks.append(
            _chart(
                charts.bar_chart(
                    "content-hour-er",
                    [f"{h:02d}" for h in range(24)],
                    values,
                    title=t(lang, "er_hour_chart"),
                    empty_text=t(lang, "no_chart_data"),
                    y_format=fmt_pct,
                )
            )
        )
        rows = []
        for platform, group in ch.groupby("platform", sort=True):
            views = pd.to_numeric(group["views"], errors="coerce").sum()
            inter = pd.to_numeric(group["interactions"], errors="coerce").sum()
            eligible = group[pd.to_numeric(group["posts"]) >= th.hour_min_posts].sort_values(
                ["er", "hour"], ascending=[False, True]
            )
            if eligible.empty:
                continue
            best = eligible.iloc[0]
            rows.append(
                [
                    Cell(label(lang, "platform", platform)),
                    Cell(fmt_hour(best["hour"])),
                    Cell(fmt_pct(best["er"])),
                    Cell(fmt_count(best["posts"], lang)),
                    Cell(fmt_pct(inter / views if views else None)),
                ]
            )
        if rows:
            headers = [col(lang, c) for c in ("platform", "best_hour", "er", "posts", "platform_er")]
            sec.blocks.append(_table(Table(headers, rows)))
    return sec


def _sec_campaigns(data: ReportData, lang: Lang) -> Section:
    sec = Section("campaigns", t(lang, "sec_campaigns"), False)
    cp = data.campaigns
    if cp is None:
        sec.blocks.append(_missing_note(lang, ["marts.fct_campaign_performance"]))
        return sec
    if cp.empty:
        sec.blocks.append(_empty_note(lang, ["marts.fct_campaign_performance"]))
        return sec
    sec.present = True
    p = data.period
    current = cp[cp["in_period"]]
    if current.empty:
        sec.blocks.append(_note(t(lang, "funnel_none")))
        funnel = cp
    else:
        sec.blocks.append(
            _note(
                t(
                    lang,
                    "funnel_note",
                    names="、".join(current["campaign_name"])
                    if lang == "zh"
                    else ", ".join(current["campaign_name"]),
                )
            )
        )
        funnel = current
    stages = ["exposures", "interactions", "orders"]
    totals = [_num(pd.to_numeric(funnel[s], errors="coerce").sum(min_count=1)) for s in stages]
    labels_ = []
    for i, v in enumerate(totals):
        text = fmt_count(v, lang)
        prev = totals[i - 1] if i else None
        if prev and v is not None:
            text += t(lang, "funnel_step", share=fmt_pct(v / prev, decimals=2))
        labels_.append(text)
    sec.blocks.append(
        _chart(
            charts.hbar_chart(
                "campaign-funnel",
                [label(lang, "funnel", s) for s in stages],
                totals,
                title=t(lang, "funnel_chart"),
                empty_text=t(lang, "no_chart_data"),
                value_labels=labels_,
            )
        )
    )
    sec.blocks.append(
        _note(
            t(
                lang,
                "window_lookback",
                start=fmt_date(p.lookback_start, lang),
                end=fmt_date(p.end, lang),
                days=p.lookback_days,
            )
        )
    )
    headers = [
        col(lang, c)
        for c in (
            "campaign",
            "campaign_type",
            "window",
            "cost",
            "exposures",
            "interactions",
            "orders",
            "gmv",
            "roas",
            "roi",
            "cpe",
            "conversion",
            "budget_used",
        )
    ]
    rows = []
    for r in cp.to_dict("records"):
        start, end = _v(r.get("starts_date")), _v(r.get("ends_date"))
        window = (
            f"{_short_date(start)}~{_short_date(end)}" if start is not None and end is not None else MISSING
        )
        roi = _num(r.get("roi"))
        name = str(r["campaign_name"] or r["campaign_id"])
        if r.get("status") not in (None, "ended"):  # the status only when it is news
            name += t(lang, "bracketed", text=label(lang, "campaign_status", r.get("status")))
        rows.append(
            [
                Cell(name, "current" if r["in_period"] else ""),
                Cell(label(lang, "campaign_type", r.get("campaign_type"))),
                Cell(window, "nowrap"),
                Cell(fmt_money(r.get("cost"), lang)),
                Cell(fmt_count(r.get("exposures"), lang)),
                Cell(fmt_count(r.get("interactions"), lang)),
                Cell(fmt_count(r.get("orders"), lang)),
                Cell(fmt_money(r.get("gmv"), lang)),
                Cell(fmt_ratio(r.get("roas"))),
                Cell(
                    fmt_pct(roi),
                    "neg" if roi is not None and roi < 0 else "pos" if roi is not None and roi > 0 else "",
                ),
                Cell(fmt_money(r.get("cpe"), lang)),
                Cell(fmt_pct(r.get("conversion_rate_by_exposures"), decimals=2)),
                Cell(fmt_pct(r.get("budget_used"))),
            ]
        )
    sec.blocks.append(_table(Table(headers, rows, numeric_from=3)))
    kols = data.kols
    if kols is None:
        sec.blocks.append(_missing_note(lang, ["marts.fct_kol_performance"]))
    elif kols.empty:
        sec.blocks.append(_empty_note(lang, ["marts.fct_kol_performance"]))
    else:
        names = dict(zip(cp["campaign_id"], cp["campaign_name"]))
        headers = [
            col(lang, c)
            for c in (
                "kol",
                "platform",
                "tier",
                "campaign",
                "fee",
                "views",
                "interactions",
                "orders",
                "gmv",
                "cpe",
                "roas",
            )
        ]
        rows = [
            [
                Cell(str(r.get("kol_name") or r["kol_id"])),
                Cell(label(lang, "platform", r.get("kol_platform"))),
                Cell(label(lang, "tier", r.get("tier"))),
                Cell(str(names.get(r["campaign_id"], r["campaign_id"]))),
                Cell(fmt_money(r.get("fee"), lang)),
                Cell(fmt_count(r.get("views"), lang)),
                Cell(fmt_count(r.get("interactions"), lang)),
                Cell(fmt_count(r.get("orders"), lang)),
                Cell(fmt_money(r.get("gmv"), lang)),
                Cell(fmt_money(r.get("cpe"), lang)),
                Cell(fmt_ratio(r.get("roas"))),
            ]
            for r in sorted(
                kols.to_dict("records"),
                key=lambda r: (_tier_key(r.get("tier")), str(r["kol_id"]), str(r["campaign_id"])),
            )
        ]
        sec.blocks.append(_table(Table(headers, rows, numeric_from=4)))
        tiers = kols.groupby("tier", sort=True)[["fee", "interactions"]].sum(min_count=1)
        tiers = tiers.loc[sorted(tiers.index, key=_tier_key)]
        cpe = [
            (float(f) / float(i)) if _num(f) is not None and _num(i) else None
            for f, i in zip(tiers["fee"], tiers["interactions"])
        ]
        sec.blocks.append(
            _chart(
                charts.bar_chart(
                    "campaign-kol-tier-cpe",
                    [label(lang, "tier", x) for x in tiers.index],
                    cpe,
                    title=t(lang, "kol_tier_chart"),
                    empty_text=t(lang, "no_chart_data"),
                    y_format=lambda v: fmt_money(v, lang),
                    value_format=lambda v: fmt_money(v, lang),
                )
            )
        )
    return sec


def _sec_service(data: ReportData, lang: Lang, th: Thresholds) -> Section:
    sec = Section("service", t(lang, "sec_service"), False)
    sv = data.service
    if sv is None:
        sec.blocks.append(_missing_note(lang, ["marts.fct_service_daily"]))
        return sec
    current = sv[pd.to_numeric(sv["inbound"], errors="coerce").fillna(0) > 0]
    if current.empty:
        sec.blocks.append(_empty_note(lang, ["marts.fct_service_daily"]))
        return sec
    sec.present = True
    sec.blocks.append(_note(t(lang, "window_period")))
    headers = [
        col(lang, c)
        for c in (
            "platform",
            "channel",
            "inbound",
            "responded",
            "response_rate",
            "median_response",
            "p90_response",
            "sla",
            "sla_prev",
        )
    ]
    rows = []
    for r in current.to_dict("records"):
        sla = _num(r["sla_attainment"])
        rows.append(
            [
                Cell(label(lang, "platform", r["platform"])),
                Cell(label(lang, "channel", r["channel"])),
                Cell(fmt_count(r["inbound"], lang)),
                Cell(fmt_count(r["responded"], lang)),
                Cell(fmt_pct(r["response_rate"])),
                Cell(fmt_minutes(r.get("median_response_minutes"), lang)),
                Cell(fmt_minutes(r.get("p90_response_minutes"), lang)),
                Cell(
                    fmt_pct(sla),
                    "neg" if sla is not None and sla < th.sla_target else "pos" if sla is not None else "",
                ),
                Cell(fmt_pct(r["sla_attainment_prev"])),
            ]
        )
    eligible = pd.to_numeric(current["sla_eligible"], errors="coerce").sum()
    met = pd.to_numeric(current["sla_met"], errors="coerce").sum()
    rows.append(
        [
            Cell(t(lang, "total"), "total"),
            Cell(""),
            Cell(fmt_count(pd.to_numeric(current["inbound"]).sum(), lang), "total"),
            Cell(fmt_count(pd.to_numeric(current["responded"]).sum(), lang), "total"),
            Cell(
                fmt_pct(pd.to_numeric(current["responded"]).sum() / pd.to_numeric(current["inbound"]).sum()),
                "total",
            ),
            Cell(""),
            Cell(""),
            Cell(fmt_pct(met / eligible if eligible else None), "total"),
            Cell(""),
        ]
    )
    sec.blocks.append(_table(Table(headers, rows, numeric_from=2)))
    cats = [
        f"{label(lang, 'platform', r['platform'])}\n{label(lang, 'channel', r['channel'])}"
        for r in current.to_dict("records")
    ]
    sec.blocks.append(
        _chart(
            charts.grouped_bar_chart(
                "service-sla",
                cats,
                [
                    charts.Series(t(lang, "current_short"), [_num(v) for v in current["sla_attainment"]]),
                    charts.Series(t(lang, "prev_short"), [_num(v) for v in current["sla_attainment_prev"]]),
                ],
                title=t(lang, "sla_chart"),
                empty_text=t(lang, "no_chart_data"),
                y_format=fmt_pct,
            )
        )
    )
    wk = data.service_weekly
    if wk is not None and not wk.empty:
        weeks = sorted({pd.Timestamp(d).date() for d in wk["week_start"]})
        series = []
        for channel, group in wk.groupby("channel", sort=True):
            by_week = {
                pd.Timestamp(d).date(): _num(v) for d, v in zip(group["week_start"], group["sla_attainment"])
            }
            series.append(charts.Series(label(lang, "channel", channel), [by_week.get(w) for w in weeks]))
        sec.blocks.append(
            _chart(
                charts.line_chart(
                    "service-sla-weekly",
                    [_short_date(w) for w in weeks],
                    series,
                    title=t(lang, "sla_weekly_chart"),
                    empty_text=t(lang, "no_chart_data"),
                    y_format=fmt_pct,
                    refs=[(col(lang, "target"), th.sla_target)],
                )
            )
        )
    return sec


def _sec_sentiment(data: ReportData, lang: Lang) -> Section:
    """Crisis alerts of the period (table, playbook, calendar items, timeline), then the own brand's
    sentiment: period vs previous per platform, the daily negative share against its baseline, the brands
    compared and the crisis terms of negative texts."""
    sec = Section("sentiment", t(lang, "sec_sentiment"), False)
    if data.alerts is None and data.sentiment_platforms is None and data.sentiment_daily is None:
        sec.blocks.append(
            _note(t(lang, "no_data_yet", tables="marts.fct_sentiment_hourly, marts.fct_crisis_alerts"))
        )
        return sec
    sec.present = True
    own = _own_totals(data, lang)
    if own is not None:
        sec.blocks.append(_note(own))
    _alert_blocks(sec, data, lang)
    _sentiment_blocks(sec, data, lang)
    return sec


def _sums(frame: pd.DataFrame, *columns: str) -> list[float | None]:
    return [_num(pd.to_numeric(frame[c], errors="coerce").sum(min_count=1)) for c in columns]


def _share(num: float | None, den: float | None) -> float | None:
    return num / den if num is not None and den else None


def _pp_change(cur: float | None, prev: float | None, lang: Lang) -> str:
    return fmt_pp(cur - prev, lang) if cur is not None and prev is not None else MISSING


def own_shares(data: ReportData) -> dict[str, float | None] | None:
    """The own brand's texts, negative and positive share in the period and the previous period."""
    sp = data.sentiment_platforms
    if sp is None or sp.empty:
        return None
    texts, neg, pos, texts_prev, neg_prev, pos_prev = _sums(
        sp, "mentions", "negative", "positive", "mentions_prev", "negative_prev", "positive_prev"
    )
    return {
        "texts": texts,
        "texts_prev": texts_prev,
        "negative_share": _share(neg, texts),
        "negative_share_prev": _share(neg_prev, texts_prev),
        "positive_share": _share(pos, texts),
        "positive_share_prev": _share(pos_prev, texts_prev),
    }


def _own_totals(data: ReportData, lang: Lang) -> str | None:
    shares = own_shares(data)
    if shares is None:
        return None
    brand = MISSING
    sb = data.sentiment_brands
    if sb is not None and not sb.empty:
        own_rows = sb[sb["is_own_brand"].fillna(False).astype(bool)]
        if not own_rows.empty:
            brand = str(own_rows.iloc[0]["brand"])
    neg, neg_prev = shares["negative_share"], shares["negative_share_prev"]
    pos, pos_prev = shares["positive_share"], shares["positive_share_prev"]
    return t(
        lang,
        "sentiment_own",
        brand=brand,
        neg=fmt_pct(neg),
        neg_prev=fmt_pct(neg_prev),
        neg_change=_pp_change(neg, neg_prev, lang),
        pos=fmt_pct(pos),
        pos_prev=fmt_pct(pos_prev),
        pos_change=_pp_change(pos, pos_prev, lang),
        texts=fmt_count(shares["texts"], lang),
    )


def _alert_time(value: Any, lang: Lang) -> str:
    return fmt_datetime(local_time(value), lang)


def _level_cls(level: Any) -> str:
    v = _num(level)
    return f"level level-{int(v)}" if v is not None else ""


def _alert_blocks(sec: Section, data: ReportData, lang: Lang) -> None:
    alerts = data.alerts
    if alerts is None:
        sec.blocks.append(_missing_note(lang, ["marts.fct_crisis_alerts"]))
        return
    if alerts.empty:
        sec.blocks.append(_note(t(lang, "alerts_none")))
        return
    sec.blocks.append(_note(t(lang, "alerts_note")))
    records = alerts.to_dict("records")
    headers = [
        col(lang, c)
        for c in (
            "alert_no",
            "level",
            "alert_status",
            "opened_at",
            "closed_at",
            "platforms",
            "top_terms",
            "peak_negative",
            "negative_texts",
            "max_reach",
        )
    ]
    rows = []
    for i, r in enumerate(records, 1):
        is_open = str(r.get("status")) == "open" or (
            is_missing(r.get("closed_at")) and is_missing(r.get("status"))
        )
        status = t(lang, "alert_open") if is_open else t(lang, "alert_closed")
        rows.append(
            [
                Cell(str(i)),
                Cell(level_label(lang, r["level"], r.get("level_name")), _level_cls(r["level"])),
                Cell(status, "neg nowrap" if is_open else "nowrap"),
                Cell(_alert_time(r["opened_at"], lang), "nowrap"),
                Cell(
                    t(lang, "alert_open")
                    if is_missing(r.get("closed_at"))
                    else _alert_time(r["closed_at"], lang),
                    "nowrap",
                ),
                Cell(platform_list(lang, r.get("platforms"))),
                Cell(terms_text(lang, r.get("top_terms"))),
                Cell(fmt_count(r.get("peak_negative"), lang)),
                Cell(fmt_count(r.get("negative_texts"), lang)),
                Cell(fmt_count(r.get("max_reach"), lang)),
            ]
        )
    sec.blocks.append(_table(Table(headers, rows, t(lang, "sentiment_alerts"), numeric_from=7)))
    # the playbook of each alert's peak level and what it does to the content calendar
    sep = "；" if lang == "zh" else "; "
    rows = []
    for i, r in enumerate(records, 1):
        steps = playbook_steps(lang, r.get("playbook_codes"), r["level"])
        action = r.get("calendar_action")
        items = split_ids(r.get("calendar_plan_ids"))
        calendar = (
            t(lang, "calendar_items", action=label(lang, "calendar_action", action), count=len(items))
            if not is_missing(action)
            else MISSING
        )
        rows.append(
            [
                Cell(str(i)),
                Cell(level_label(lang, r["level"], r.get("level_name")), _level_cls(r["level"])),
                Cell(sep.join(f"{n}. {step}" for n, step in enumerate(steps, 1)) or MISSING),
                Cell(calendar),
                Cell(MISSING if is_missing(r.get("trigger")) else str(r["trigger"])),
            ]
        )
    headers = [col(lang, c) for c in ("alert_no", "level", "playbook", "calendar_action", "trigger")]
    sec.blocks.append(_table(Table(headers, rows, t(lang, "playbook_caption"), numeric_from=99)))
    _alert_calendar_block(sec, data, lang, records)
    _alert_timeline_block(sec, data, lang, records)


def _alert_calendar_block(sec: Section, data: ReportData, lang: Lang, records: list[dict[str, Any]]) -> None:
    known: dict[str, dict[str, Any]] = {}
    if data.alert_calendar is not None:
        known = {str(r["plan_id"]): r for r in data.alert_calendar.to_dict("records")}
    rows = []
    for i, r in enumerate(records, 1):
        action = r.get("calendar_action")
        for plan_id in split_ids(r.get("calendar_plan_ids")):
            item = known.get(plan_id, {})
            rows.append(
                [
                    Cell(str(i)),
                    Cell(label(lang, "calendar_action", action) if not is_missing(action) else MISSING),
                    Cell(fmt_date(_day(item.get("planned_date")), lang), "nowrap"),
                    Cell(label(lang, "platform", item.get("platform"))),
                    Cell(MISSING if is_missing(item.get("title")) else str(item["title"])),
                    Cell(plan_id, "nowrap"),
                ]
            )
    if rows:
        headers = [
            col(lang, c) for c in ("alert_no", "action", "planned_date", "platform", "title", "plan_id")
        ]
        sec.blocks.append(_table(Table(headers, rows, t(lang, "calendar_caption"), numeric_from=99)))


def _alert_timeline_block(sec: Section, data: ReportData, lang: Lang, records: list[dict[str, Any]]) -> None:
    events = data.alert_events
    if events is None:
        sec.blocks.append(_missing_note(lang, ["marts.fct_crisis_alert_events"]))
        return
    number = {str(r["alert_id"]): i for i, r in enumerate(records, 1)}
    rows = []
    for e in events.to_dict("records"):
        previous, level = _num(e.get("previous_level")), _num(e.get("level"))
        if previous is None or previous == level:
            change = level_short(lang, level)
        else:
            change = f"{level_short(lang, previous)} → {level_short(lang, level)}"
        event = str(e.get("event"))
        rows.append(
            [
                Cell(str(number.get(str(e["alert_id"]), MISSING))),
                Cell(_alert_time(e["event_at"], lang), "nowrap"),
                Cell(label(lang, "alert_event", event), "neg" if event in ("opened", "escalated") else ""),
                Cell(change, _level_cls(level)),
                Cell(fmt_count(e.get("negative"), lang)),
                Cell(fmt_count(e.get("mentions"), lang)),
                Cell(fmt_ratio(e.get("anomaly_score"), 1)),
                Cell(fmt_count(e.get("platforms"), lang)),
                Cell(fmt_count(e.get("reach"), lang)),
            ]
        )
    if rows:
        headers = [
            col(lang, c)
            for c in (
                "alert_no",
                "event_at",
                "event",
                "level_change",
                "negative",
                "texts",
                "anomaly_score",
                "spread",
                "reach",
            )
        ]
        sec.blocks.append(_table(Table(headers, rows, t(lang, "timeline_caption"), numeric_from=4)))


def _share_cells(r: dict[str, Any], lang: Lang) -> list[Cell]:
    neg, neg_prev = _num(r.get("negative_share")), _num(r.get("negative_share_prev"))
    pos, pos_prev = _num(r.get("positive_share")), _num(r.get("positive_share_prev"))
    rise = neg - neg_prev if neg is not None and neg_prev is not None else None
    return [
        Cell(fmt_pct(neg)),
        Cell(fmt_pct(neg_prev)),
        Cell(_pp_change(neg, neg_prev, lang), "neg" if rise is not None and rise > 0 else ""),
        Cell(fmt_pct(pos)),
        Cell(fmt_pct(pos_prev)),
        Cell(_pp_change(pos, pos_prev, lang)),
    ]


SHARE_COLUMNS = ("negative_share", "prev", "change", "positive_share", "prev", "change")


def _sentiment_blocks(sec: Section, data: ReportData, lang: Lang) -> None:
    sp = data.sentiment_platforms
    if sp is None:
        sec.blocks.append(_missing_note(lang, ["marts.fct_sentiment_hourly"]))
        return
    if sp.empty or not (_sums(sp, "mentions")[0] or _sums(sp, "mentions_prev")[0]):
        sec.blocks.append(_empty_note(lang, ["marts.fct_sentiment_hourly"]))
    else:
        headers = [col(lang, c) for c in ("platform", "texts", "negative", *SHARE_COLUMNS)]
        rows = [
            [
                Cell(label(lang, "platform", r["platform"])),
                Cell(fmt_count(r["mentions"], lang)),
                Cell(fmt_count(r["negative"], lang)),
                *_share_cells(r, lang),
            ]
            for r in sp.to_dict("records")
            if _num(r["mentions"]) or _num(r["mentions_prev"])  # a platform silent in both periods: no row
        ]
        shares = own_shares(data) or {}
        texts, negative = _sums(sp, "mentions", "negative")
        rows.append(
            [
                Cell(t(lang, "total"), "total"),
                Cell(fmt_count(texts, lang), "total"),
                Cell(fmt_count(negative, lang), "total"),
                *[Cell(c.text, f"{c.cls} total".strip()) for c in _share_cells(shares, lang)],
            ]
        )
        sec.blocks.append(_table(Table(headers, rows, t(lang, "sentiment_platforms_caption"))))
    sd = data.sentiment_daily
    if sd is not None and not sd.empty:
        labels = [_short_date(d) for d in sd["date_day"]]
        sec.blocks.append(
            _chart(
                charts.line_chart(
                    "sentiment-negative-share",
                    labels,
                    [
                        charts.Series(col(lang, "negative_share"), [_num(v) for v in sd["negative_share"]]),
                        charts.Series(
                            t(lang, "sentiment_baseline", days=SHARE_BASELINE_DAYS),
                            [_num(v) for v in sd["baseline_share"]],
                            dashed=True,
                        ),
                    ],
                    title=t(lang, "sentiment_daily"),
                    empty_text=t(lang, "no_chart_data"),
                    y_format=fmt_pct,
                )
            )
        )
    sb = data.sentiment_brands
    if sb is not None and len(sb) > 1:
        sec.blocks.append(_note(t(lang, "sentiment_brands_note")))
        headers = [col(lang, c) for c in ("brand", "texts", *SHARE_COLUMNS)]
        rows = [
            [
                Cell(str(r["brand"]), "own" if bool(r["is_own_brand"]) else ""),
                Cell(fmt_count(r["mentions"], lang)),
                *_share_cells(r, lang),
            ]
            for r in sb.to_dict("records")
        ]
        sec.blocks.append(_table(Table(headers, rows, t(lang, "sentiment_brands_caption"))))
    terms = data.negative_terms
    if terms is not None and not terms.empty:
        headers = [col(lang, "term"), t(lang, "current_short"), t(lang, "prev_short")]
        rows = [
            [Cell(str(r["term"])), Cell(fmt_count(r["texts"], lang)), Cell(fmt_count(r["texts_prev"], lang))]
            for r in terms.to_dict("records")
        ]
        sec.blocks.append(_table(Table(headers, rows, t(lang, "negative_terms_caption"))))


def _sec_competitors(data: ReportData, lang: Lang) -> Section:
    sec = Section("competitors", t(lang, "sec_competitors"), False)
    cb = data.competitors
    if cb is None:
        sec.blocks.append(_missing_note(lang, ["marts.fct_competitor_benchmark"]))
        return sec
    if cb.empty:
        sec.blocks.append(_empty_note(lang, ["marts.fct_competitor_benchmark"]))
        return sec
    sec.present = True
    weeks = sorted({pd.Timestamp(d).date() for d in cb["week_start"]})
    latest = weeks[-1]
    previous = weeks[-2] if len(weeks) > 1 else None
    brands = cb.drop_duplicates("brand").sort_values(["is_own_brand", "brand"], ascending=[False, True])
    series = []
    for b in brands.to_dict("records"):
        rows_b = cb[cb["brand"] == b["brand"]]
        by_week = {
            pd.Timestamp(d).date(): _num(v) for d, v in zip(rows_b["week_start"], rows_b["share_of_voice"])
        }
        series.append(
            charts.Series(
                str(b["brand_name"]), [by_week.get(w) for w in weeks], dashed=not bool(b["is_own_brand"])
            )
        )
    sec.blocks.append(
        _chart(
            charts.line_chart(
                "competitors-sov",
                [_short_date(w) for w in weeks],
                series,
                title=t(lang, "sov_chart"),
                empty_text=t(lang, "no_chart_data"),
                y_format=fmt_pct,
            )
        )
    )
    headers = [
        col(lang, c)
        for c in (
            "brand",
            "sov",
            "sov_change",
            "mentions",
            "followers",
            "follower_growth",
            "posts",
            "interactions",
        )
    ]
    rows = []
    for b in brands.to_dict("records"):
        cur = cb[
            (cb["brand"] == b["brand"]) & (cb["week_start"].map(lambda d: pd.Timestamp(d).date()) == latest)
        ]
        prev = (
            cb[
                (cb["brand"] == b["brand"])
                & (cb["week_start"].map(lambda d: pd.Timestamp(d).date()) == previous)
            ]
            if previous
            else cb.iloc[0:0]
        )
        if cur.empty:
            continue
        r = cur.iloc[0]
        sov = _num(r["share_of_voice"])
        psov = _num(prev.iloc[0]["share_of_voice"]) if not prev.empty else None
        rows.append(
            [
                Cell(str(r["brand_name"]), "own" if bool(r["is_own_brand"]) else ""),
                Cell(fmt_pct(sov)),
                Cell(fmt_pp(sov - psov, lang) if sov is not None and psov is not None else MISSING),
                Cell(fmt_count(r["mentions"], lang)),
                Cell(fmt_count(r.get("followers"), lang)),
                Cell(fmt_count(r.get("follower_growth"), lang, signed=True)),
                Cell(fmt_count(r.get("posts"), lang)),
                Cell(fmt_count(r.get("interactions"), lang)),
            ]
        )
    caption = f"{col(lang, 'week')} {fmt_range(latest, latest + timedelta(days=6), lang)}"
    sec.blocks.append(_table(Table(headers, rows, caption)))
    return sec


def _sec_quality(data: ReportData, lang: Lang) -> Section:
    sec = Section("quality", t(lang, "sec_quality"), False)
    suites, failures = data.dq_suites, data.dq_failures
    if suites is None and failures is None:
        sec.blocks.append(_missing_note(lang, ["marts.dq_daily", "dq.validation_results"]))
        return sec
    if (suites is None or suites.empty) and (failures is None or failures.empty):
        sec.blocks.append(_empty_note(lang, ["marts.dq_daily", "dq.validation_results"]))
        return sec
    sec.present = True
    if suites is not None and not suites.empty:
        status = suites["status"].astype(str)
        sec.blocks.append(
            _note(
                t(
                    lang,
                    "dq_note",
                    suites=len(suites),
                    passed=int((status == "pass").sum()),
                    warned=int((status == "warn").sum()),
                    failed=int(status.isin(["error", "fail"]).sum()),
                )
            )
        )
        bad = suites[status != "pass"]
        if not bad.empty:
            headers = [col(lang, c) for c in ("suite", "status", "failing", "pass_rate", "latest")]
            rows = [
                [
                    Cell(str(r["suite"])),
                    Cell(label(lang, "dq_status", r["status"]), f"dq dq-{r['status']}"),
                    Cell(fmt_count(r.get("failing_rows"), lang)),
                    Cell(fmt_pct(r.get("pass_rate"))),
                    Cell(str(r.get("latest_validated_at") or r.get("dq_date"))[:16]),
                ]
                for r in bad.to_dict("records")
            ]
            sec.blocks.append(_table(Table(headers, rows, numeric_from=2)))
    if failures is not None:
        if failures.empty:
            sec.blocks.append(_note(t(lang, "dq_all_pass")))
        else:
            headers = [col(lang, c) for c in ("check", "severity", "table", "failing")]
            rows = [
                [
                    Cell(
                        f"{r['check_name']}"
                        + (f" — {r['label_zh']}" if lang == "zh" and r.get("label_zh") else "")
                    ),
                    Cell(label(lang, "severity", r["severity"]), f"dq dq-{r['severity']}"),
                    Cell(str(r.get("table_name") or MISSING)),
                    Cell(
                        f"{fmt_count(r.get('failing_count'), lang)} / {fmt_count(r.get('element_count'), lang)}"
                    ),
                ]
                for r in failures.to_dict("records")
            ]
            sec.blocks.append(_table(Table(headers, rows, numeric_from=3)))
    return sec


def _sec_execution(data: ReportData, lang: Lang, th: Thresholds) -> Section:
    sec = Section("execution", t(lang, "sec_execution"), False)
    cal, team = data.calendar, data.team
    if cal is None:
        sec.blocks.append(_missing_note(lang, ["marts.fct_content_calendar"]))
    elif cal.empty:
        sec.blocks.append(_empty_note(lang, ["marts.fct_content_calendar"]))
    else:
        sec.present = True
        sec.blocks.append(_note(t(lang, "calendar_note")))
        headers = [
            col(lang, c)
            for c in (
                "platform",
                "planned",
                "published",
                "on_time_rate",
                "change",
                "overdue",
                "cancelled",
                "avg_days_late",
            )
        ]
        rows = []
        for r in cal.to_dict("records"):
            rate = _num(r["on_time_rate"])
            prev = _num(r["on_time_rate_prev"])
            rows.append(
                [
                    Cell(label(lang, "platform", r["platform"])),
                    Cell(fmt_count(r["planned"], lang)),
                    Cell(fmt_count(r["published"], lang)),
                    Cell(fmt_pct(rate), "neg" if rate is not None and rate < th.on_time_target else ""),
                    Cell(fmt_pp(rate - prev, lang) if rate is not None and prev is not None else MISSING),
                    Cell(fmt_count(r["overdue"], lang)),
                    Cell(fmt_count(r["cancelled"], lang)),
                    Cell(fmt_ratio(r["avg_days_late"], 1)),
                ]
            )
        sec.blocks.append(_table(Table(headers, rows)))
    if team is None:
        sec.blocks.append(_missing_note(lang, ["marts.fct_team_weekly"]))
    elif team.empty:
        sec.blocks.append(_empty_note(lang, ["marts.fct_team_weekly"]))
    else:
        sec.present = True
        weeks = ", ".join(fmt_date(w, lang) for w in data.team_weeks)
        sec.blocks.append(_note(t(lang, "team_note", weeks=weeks)))
        headers = [
            col(lang, c) for c in ("member", "role", "posts", "replies", "median_response", "on_time_rate")
        ]
        rows = [
            [
                Cell(str(r["member"])),
                Cell(label(lang, "role", r.get("role"))),
                Cell(fmt_count(r["posts_published"], lang)),
                Cell(fmt_count(r["replies"], lang)),
                Cell(fmt_minutes(r.get("median_response_minutes"), lang)),
                Cell(fmt_pct(r.get("on_time_rate"))),
            ]
            for r in team.to_dict("records")
        ]
        sec.blocks.append(_table(Table(headers, rows, numeric_from=2)))
    return sec


def _sec_suggestions(suggestions: Sequence[Suggestion], lang: Lang, th: Thresholds) -> Section:
    sec = Section("suggestions", t(lang, "sec_suggestions"), True)
    if suggestions:
        sec.blocks.append(
            Block(
                "suggestions",
                items=[
                    {
                        "priority": s.priority,
                        "rule": s.rule,
                        "text": s.text(lang),
                        "evidence": s.evidence_lines(lang),
                    }
                    for s in suggestions
                ],
            )
        )
    else:
        sec.blocks.append(_note(t(lang, "suggestions_none")))
    rules = describe_rules(lang, th)
    sec.blocks.append(
        _table(
            Table(
                [col(lang, "rule"), t(lang, "threshold")],
                [[Cell(a), Cell(b)] for a, b in rules],
                t(lang, "suggestions_rules"),
                numeric_from=99,
            )
        )
    )
    return sec


@dataclass(frozen=True)
class Tile:
    key: str
    value: str
    sub: str = ""
    cls: str = ""


def _summary(data: ReportData, lang: Lang, suggestions: Sequence[Suggestion]) -> list[Tile]:
    """Headline figures for the top of the report."""
    tiles: list[Tile] = []
    vs = t(lang, "vs_previous")
    sc = data.scorecard
    if sc is not None and not sc.empty:
        overall = sc[(sc["scope"] == "overall") & sc["status"].isin(PACE_STATUSES)]
        active = active_horizon(sc, data.period.as_of)
        if active is not None:
            overall = overall[overall["horizon"] == active[0]]
        for status in PACE_STATUSES:
            count = int((overall["status"] == status).sum())
            tiles.append(
                Tile(label(lang, "status", status), str(count), t(lang, "kpis_overall"), f"status-{status}")
            )
    ap = data.account_period
    if ap is not None and not ap.empty:
        cur = pd.to_numeric(ap["net_new"], errors="coerce").sum(min_count=1)
        prev = pd.to_numeric(ap["net_new_prev"], errors="coerce").sum(min_count=1)
        tiles.append(
            Tile(col(lang, "net_new"), fmt_count(cur, lang, signed=True), f"{vs} {_change(cur, prev)}")
        )
    ct = data.content_by_type
    if ct is not None and not ct.empty:
        inter = _num(pd.to_numeric(ct["interactions"]).sum(min_count=1))
        views = _num(pd.to_numeric(ct["views"]).sum(min_count=1))
        inter_prev = _num(pd.to_numeric(ct["interactions_prev"]).sum(min_count=1))
        views_prev = _num(pd.to_numeric(ct["views_prev"]).sum(min_count=1))
        rate = inter / views if inter is not None and views else None
        rate_prev = inter_prev / views_prev if inter_prev is not None and views_prev else None
        delta = fmt_pp(rate - rate_prev, lang) if rate is not None and rate_prev is not None else MISSING
        tiles.append(Tile(col(lang, "er"), fmt_pct(rate), f"{vs} {delta}"))
    sv = data.service
    if sv is not None and not sv.empty:
        eligible = pd.to_numeric(sv["sla_eligible"], errors="coerce").sum()
        met = pd.to_numeric(sv["sla_met"], errors="coerce").sum()
        eligible_prev = pd.to_numeric(sv["sla_eligible_prev"], errors="coerce").sum()
        met_prev = pd.to_numeric(sv["sla_met_prev"], errors="coerce").sum()
        rate = met / eligible if eligible else None
        rate_prev = met_prev / eligible_prev if eligible_prev else None
        delta = fmt_pp(rate - rate_prev, lang) if rate is not None and rate_prev is not None else MISSING
        tiles.append(Tile(col(lang, "sla"), fmt_pct(rate), f"{vs} {delta}"))
    shares = own_shares(data)
    if shares is not None and shares["negative_share"] is not None:
        delta = _pp_change(shares["negative_share"], shares["negative_share_prev"], lang)
        tiles.append(Tile(t(lang, "tile_negative_share"), fmt_pct(shares["negative_share"]), f"{vs} {delta}"))
    if data.alerts is not None:
        open_count = int((data.alerts["status"] == "open").sum())
        tiles.append(
            Tile(
                t(lang, "tile_alerts"),
                str(len(data.alerts)),
                t(lang, "tile_alerts_open", count=open_count),
                "status-off_track" if open_count else "",
            )
        )
    tiles.append(Tile(t(lang, "suggestions_tile"), str(len(suggestions))))
    return tiles


# ----------------------------------------------------------------------------------------------- template

TEMPLATE = """<!DOCTYPE html>
<html lang="{{ html_lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
:root { --ok:#2e7d32; --ok-bg:#e8f5e9; --risk:#b26a00; --risk-bg:#fff4e0; --bad:#c62828; --bad-bg:#fdecea;
        --muted:#6b7280; --line:#e5e7eb; --ink:#1f2933; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #f6f7f9; line-height: 1.55;
       font-family: "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC",
                    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif; font-size: 14px; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
header h1 { font-size: 26px; margin: 0 0 6px; }
header .meta { color: var(--muted); margin: 2px 0; }
nav.toc { margin: 18px 0; padding: 12px 16px; background: #f9fafb; border: 1px solid var(--line); border-radius: 8px; }
nav.toc ol { margin: 4px 0 0; padding-left: 0; list-style: none; columns: 2; }
nav.toc a { color: #2457a6; text-decoration: none; }
nav.toc .absent { color: var(--muted); }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0 8px; }
.tile { flex: 1 1 110px; border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.tile .k { color: var(--muted); font-size: 12px; }
.tile .v { font-size: 22px; font-weight: 600; }
.tile .s { color: var(--muted); font-size: 12px; min-height: 1em; }
section { margin-top: 30px; page-break-inside: auto; }
section h2 { font-size: 20px; border-bottom: 2px solid var(--ink); padding-bottom: 4px; }
p.note { color: var(--muted); margin: 6px 0 10px; }
figure.chart { margin: 10px 0 18px; page-break-inside: avoid; break-inside: avoid; }
.chart-grid { display: grid; grid-template-columns: 1fr 1fr; column-gap: 24px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 18px; font-size: 13px; page-break-inside: auto; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; white-space: nowrap; }
th.num { text-align: right; }
td.nowrap { white-space: nowrap; }
table.wide { font-size: 12px; }
table.wide th, table.wide td { padding: 4px 5px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr { page-break-inside: avoid; break-inside: avoid; }
.status { font-weight: 600; border-radius: 4px; text-align: center !important; }
.status-on_track { color: var(--ok); background: var(--ok-bg); }
.status-at_risk { color: var(--risk); background: var(--risk-bg); }
.status-off_track { color: var(--bad); background: var(--bad-bg); }
.status-no_target, .status-not_applicable { color: var(--muted); }
.neg { color: var(--bad); }
.level { font-weight: 600; white-space: nowrap; }
.level-1, .level-2 { color: var(--bad); }
.level-3 { color: var(--risk); }
.level-4 { color: var(--muted); }
.pos { color: var(--ok); }
.current, .own, .total { font-weight: 600; }
.dq-warn { color: var(--risk); font-weight: 600; }
.dq-error, .dq-fail { color: var(--bad); font-weight: 600; }
ol.suggestions { padding-left: 0; list-style: none; }
ol.suggestions li { border: 1px solid var(--line); border-left: 5px solid var(--muted); border-radius: 6px;
                    padding: 10px 14px; margin: 10px 0; page-break-inside: avoid; break-inside: avoid; }
ol.suggestions li.p1 { border-left-color: var(--bad); }
ol.suggestions li.p2 { border-left-color: var(--risk); }
ol.suggestions li.p3 { border-left-color: var(--ok); }
ol.suggestions .text { font-weight: 600; }
ol.suggestions dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0 0;
                    color: var(--muted); font-size: 13px; }
ol.suggestions dd { margin: 0; color: var(--ink); }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
@media print { body { background: #fff; } main { padding: 0; max-width: none; } nav.toc { display: none; } }
</style>
</head>
<body>
<main>
<header>
<h1>{{ title }}</h1>
<p class="meta">{{ period_line }}</p>
<p class="meta">{{ as_of_line }}</p>
</header>
<div class="tiles">
{% for tile in tiles %}<div class="tile {{ tile.cls }}"><div class="k">{{ tile.key }}</div><div class="v">{{ tile.value }}</div><div class="s">{{ tile.sub }}</div></div>
{% endfor %}</div>
<nav class="toc"><strong>{{ toc }}</strong><ol>
{% for s in sections %}<li><a href="#{{ s.id }}"{% if not s.present %} class="absent"{% endif %}>{{ s.title }}</a></li>
{% endfor %}</ol></nav>
{% for s in sections %}
<section id="{{ s.id }}" data-present="{{ 'true' if s.present else 'false' }}">
<h2>{{ s.title }}</h2>
{% for b in s.blocks %}
{% if b.kind == 'note' %}<p class="note">{{ b.text }}</p>
{% elif b.kind == 'chart' %}<figure class="chart">{{ b.svg|safe }}</figure>
{% elif b.kind == 'grid' %}<div class="chart-grid">{% for svg in b.svgs %}<figure class="chart">{{ svg|safe }}</figure>{% endfor %}</div>
{% elif b.kind == 'table' %}<table{% if b.table.headers|length > 10 %} class="wide"{% endif %}>{% if b.table.caption %}<caption>{{ b.table.caption }}</caption>{% endif %}
<thead><tr>{% for h in b.table.headers %}<th{% if loop.index0 >= b.table.numeric_from %} class="num"{% endif %}>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in b.table.rows %}<tr>{% for c in row %}<td class="{{ 'num ' if loop.index0 >= b.table.numeric_from else '' }}{{ c.cls }}">{{ c.text }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
{% elif b.kind == 'suggestions' %}<ol class="suggestions">
{% for item in b.items %}<li class="p{{ item.priority }}" data-rule="{{ item.rule }}"><div class="text">{{ item.text }}</div>
<dl>{% for k, v in item.evidence %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl></li>
{% endfor %}</ol>
{% endif %}
{% endfor %}
</section>
{% endfor %}
<footer>{{ generated_by }}</footer>
</main>
</body>
</html>
"""


def render_html(
    data: ReportData, lang: Lang, th: Thresholds = DEFAULT_THRESHOLDS
) -> tuple[str, list[Section], list[Suggestion]]:
    suggestions = derive(data, th)
    sections = [
        _sec_scorecard(data, lang),
        _sec_growth(data, lang),
        _sec_audience(data, lang, th),
        _sec_content(data, lang, th),
        _sec_campaigns(data, lang),
        _sec_service(data, lang, th),
        _sec_sentiment(data, lang),
        _sec_competitors(data, lang),
        _sec_quality(data, lang),
        _sec_execution(data, lang, th),
        _sec_suggestions(suggestions, lang, th),
    ]
    assert tuple(s.id for s in sections) == SECTION_IDS
    p = data.period
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    html = env.from_string(TEMPLATE).render(
        html_lang="zh-CN" if lang == "zh" else "en",
        title=t(lang, "report_title", period_name=t(lang, f"period_{p.kind}")),
        period_line=t(
            lang,
            "period_line",
            period=fmt_range(p.start, p.end, lang),
            previous=fmt_range(p.prev_start, p.prev_end, lang),
        ),
        as_of_line=t(
            lang,
            "as_of_line",
            as_of=fmt_date(p.as_of, lang),
            source=t(lang, f"as_of_source_{data.as_of_source}"),
        ),
        tiles=_summary(data, lang, suggestions),
        toc=t(lang, "toc"),
        sections=sections,
        generated_by=t(lang, "generated_by", warehouse=data.warehouse.name),
    )
    return html, sections, suggestions


def scorecard_markdown(data: ReportData, lang: Lang) -> str:
    """The overall scorecard as a Markdown table (Dagster asset metadata)."""
    sc = data.scorecard
    if sc is None or sc.empty:
        return (
            "_"
            + (
                t(lang, "no_mart", tables="marts.kpi_scorecard")
                if sc is None
                else t(lang, "no_rows", tables="marts.kpi_scorecard")
            )
            + "_"
        )
    overall = sc[sc["scope"] == "overall"].copy()
    overall["_k"] = overall["kpi"].map(_kpi_sort)
    overall = overall.sort_values(["_k", "horizon"])
    cols = ("kpi", "horizon", "actual", "target", "expected_by_now", "projected", "attainment", "status")
    lines = ["| " + " | ".join(col(lang, c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for r in overall.to_dict("records"):
        fmt = _kpi_fmt(str(r["kpi"]), lang)
        cells = [
            label(lang, "kpi", r["kpi"]),
            str(r["horizon"]),
            fmt(r.get("actual")),
            fmt(r.get("target")),
            fmt(r.get("expected_by_now")),
            fmt(r.get("projected_at_deadline")),
            fmt_pct(r.get("attainment")),
            label(lang, "status", r["status"]),
        ]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def report_filename(period: str, end: date, lang: str) -> str:
    return f"report_{period}_{end.isoformat()}_{lang}.html"


def write_report(
    warehouse: Path,
    out_dir: Path,
    *,
    period: Literal["week", "month"],
    lang: Literal["zh", "en"],
    as_of: date | None = None,
    pdf: bool = True,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> ReportResult:
    """Gather (read-only), render and write `report_<period>_<period end>_<lang>.html` into out_dir, plus a
    PDF beside it when a Chromium binary exists and pdf is true. Raises build.ReportDataError when the
    warehouse is missing, locked by a writer, or has no as-of date."""
    if period not in ("week", "month"):
        raise ValueError(f"period must be 'week' or 'month', got {period!r}")
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    data = gather(warehouse, period, as_of)
    html, sections, suggestions = render_html(data, lang, thresholds)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / report_filename(period, data.period.end, lang)
    tmp = html_path.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(html_path)
    outcome = (
        html_to_pdf(html_path, html_path.with_suffix(".pdf"))
        if pdf
        else PdfOutcome(None, "PDF not requested")
    )
    return ReportResult(
        html_path=html_path,
        pdf_path=outcome.path,
        pdf_message=outcome.message,
        period=period,
        lang=lang,
        as_of=data.period.as_of,
        period_start=data.period.start,
        period_end=data.period.end,
        sections_present=tuple(s.id for s in sections if s.present),
        sections_missing=tuple(s.id for s in sections if not s.present),
        suggestion_count=len(suggestions),
        scorecard_markdown=scorecard_markdown(data, lang),
    )
