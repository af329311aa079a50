"""Optimisation suggestions derived from the report's data by explicit rules. Each rule is a pure function
of small DataFrames (the shapes build.py gathers) and the thresholds below, the one place where a rule's
threshold is set; each suggestion carries the figures that made it fire, so a reader can check it.

Rules (thresholds: `Thresholds`):
- format_gap: on a platform, the best format's engagement rate (Σ interactions / Σ views, lookback window) is
  at least `format_min_relative` above the worst one's, each with at least `format_min_posts` rated posts.
- growth_off_track / uplift_off_track: a scope's scorecard row of a `pace_kpis` KPI in the current horizon
  (deadline on or after as-of) has a status in `pace_statuses`: fan growth gives the followers still
  needed and that gap per remaining week (followers at plan start = the baseline of fan-growth rows);
  uplift gives the trailing engagement rate now and the rate the target needs.
- kol_tier_cpe: the KOL tier with the lowest CPE (Σ fee / Σ interactions over its campaign x KOL rows, at
  least `kol_min_rows` each, at least two tiers) is at least `kol_cpe_margin` cheaper than the other tiers
  pooled.
- best_hour: per platform, the Asia/Shanghai publish hour with the highest engagement rate (at least
  `hour_min_posts` posts in the lookback window) beats the platform's overall rate by `hour_min_relative`.
- sla_below_target: a platform x channel with at least `sla_min_inbound` SLA-eligible inbound in the period
  answers below `sla_target` of them within SLA.
- calendar_on_time: a platform with at least `on_time_min_items` published calendar items in the period
  publishes below `on_time_target` of them on time.
- crisis_open: a crisis alert of the period (marts.fct_crisis_alerts) is still open (status open): follow the
  playbook of its level (ingestion.config CRISIS_LEVELS / PLAYBOOK_STEPS) and pause or review the calendar
  items it names.
- negative_share_rise: the own brand's negative share (negative / texts, fct_sentiment_hourly) rose by at
  least `negative_share_rise` (fraction points) against the previous period, with at least
  `negative_share_min_texts` texts in each period: review the period's top crisis terms.
- portrait_segment_drop: in an account's latest follower portrait of the window (fct_fan_portrait), a named
  bucket (not `other` / `unknown`) of a `portrait_dimensions` dimension lost at least `portrait_share_drop`
  (fraction points) of share against the previous snapshot: one suggestion per account, on its largest
  drop, naming the other buckets past the threshold."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from orchestration.reports.build import local_time, split_ids
from orchestration.reports.format import (
    Lang,
    fmt_count,
    fmt_date,
    fmt_datetime,
    fmt_hour,
    fmt_minutes,
    fmt_money,
    fmt_pct,
    fmt_pp,
    is_missing,
)
from orchestration.reports.i18n import (
    bucket_label,
    label,
    level_label,
    platform_list,
    playbook_steps,
    scope_label,
    terms_text,
)


@dataclass(frozen=True)
class Thresholds:
    format_min_relative: float = 0.20  # best format's ER >= (1 + this) x worst format's ER
    format_min_posts: int = 5  # rated posts per format (lookback window)
    pace_kpis: tuple[str, ...] = ("fan_growth_net", "interaction_rate_uplift")  # scorecard KPIs watched
    pace_statuses: tuple[str, ...] = ("off_track",)  # statuses that make a suggestion
    kol_cpe_margin: float = 0.20  # best tier's CPE <= (1 - this) x the other tiers' pooled CPE
    kol_min_rows: int = 2  # campaign x KOL rows per tier
    hour_min_relative: float = 0.20  # best hour's ER >= (1 + this) x the platform's ER
    hour_min_posts: int = 3  # posts in that hour (lookback window)
    sla_target: float = 0.90  # share of SLA-eligible inbound answered within SLA
    sla_min_inbound: int = 20  # SLA-eligible inbound per platform x channel in the period
    on_time_target: float = 0.80  # calendar items published on time / published
    on_time_min_items: int = 5  # published calendar items per platform in the period
    negative_share_rise: float = 0.03  # own brand's negative share >= previous period's + this (3 points)
    negative_share_min_texts: int = 100  # own-brand texts in each of the two periods
    portrait_share_drop: float = (
        0.02  # a segment's share <= the previous portrait snapshot's - this (2 points)
    )
    portrait_dimensions: tuple[str, ...] = ("gender", "age", "region", "interest")  # watched segments


DEFAULT_THRESHOLDS = Thresholds()
# a figure exactly at a threshold reaches it: comparisons allow for binary rounding (1.2 x 0.1 > 0.12 in floats)
EPS = 1e-9
RULE_ORDER = (
    "crisis_open",
    "growth_off_track",
    "uplift_off_track",
    "sla_below_target",
    "calendar_on_time",
    "negative_share_rise",
    "portrait_segment_drop",
    "format_gap",
    "best_hour",
    "kol_tier_cpe",
)


@dataclass(frozen=True)
class Suggestion:
    rule: str
    subject: str  # platform, scope, tier or platform/channel the suggestion is about
    priority: int  # 1 = act now, 2 = fix this period, 3 = opportunity
    evidence: Mapping[str, Any] = field(default_factory=dict)
    names: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (platform, account) -> name

    def text(self, lang: Lang) -> str:
        return _TEXT[self.rule](self, lang)

    def evidence_lines(self, lang: Lang) -> list[tuple[str, str]]:
        return _EVIDENCE[self.rule](self, lang)


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _er(interactions: Any, views: Any) -> float | None:
    i, v = _num(interactions), _num(views)
    if i is None or v is None or v <= 0:
        return None
    return i / v


# ------------------------------------------------------------------------------------------------ rules


def format_gap(by_format: pd.DataFrame | None, th: Thresholds = DEFAULT_THRESHOLDS) -> list[Suggestion]:
    """by_format: platform, format, rated_posts, views, interactions (lookback window)."""
    out: list[Suggestion] = []
    if by_format is None or by_format.empty:
        return out
    for platform, group in by_format.groupby("platform", sort=True):
        rows = []
        for r in group.itertuples():
            posts = _num(getattr(r, "rated_posts", None))
            er = _er(r.interactions, r.views)
            if posts is not None and posts >= th.format_min_posts and er is not None and r.format is not None:
                rows.append((er, str(r.format), int(posts)))
        if len(rows) < 2:
            continue
        rows.sort(key=lambda x: (-x[0], x[1]))
        best, worst = rows[0], rows[-1]
        if best[0] >= (1 + th.format_min_relative) * worst[0] - EPS and best[0] > worst[0]:
            relative = best[0] / worst[0] - 1 if worst[0] > 0 else math.inf
            out.append(
                Suggestion(
                    "format_gap",
                    str(platform),
                    3,
                    {
                        "platform": str(platform),
                        "best_format": best[1],
                        "best_er": best[0],
                        "best_posts": best[2],
                        "worst_format": worst[1],
                        "worst_er": worst[0],
                        "worst_posts": worst[2],
                        "relative": relative,
                        "threshold": th.format_min_relative,
                        "min_posts": th.format_min_posts,
                    },
                )
            )
    return out


_RULE_OF_KPI = {"fan_growth_net": "growth_off_track", "interaction_rate_uplift": "uplift_off_track"}


def pace_off_track(
    scorecard: pd.DataFrame | None,
    as_of: date,
    th: Thresholds = DEFAULT_THRESHOLDS,
    names: Mapping[tuple[str, str], str] | None = None,
) -> list[Suggestion]:
    """scorecard: scope, kpi, horizon, deadline, baseline, actual, target, expected_by_now, status.

    Per scope and KPI of `pace_kpis` (fan growth, interaction-rate uplift), the row of the current horizon
    (the nearest deadline on or after as-of) whose status is in `pace_statuses`. An account row identical
    to its platform's row (a platform with one account) is not repeated. Fan growth: the followers still
    needed (gap x followers at plan start, the row's baseline) and per remaining week; uplift: the trailing
    engagement rate now and the rate the target needs (baseline rate x (1 + uplift))."""
    out: list[Suggestion] = []
    if scorecard is None or scorecard.empty or "deadline" not in scorecard:
        return out
    rows = scorecard[scorecard["kpi"].isin(th.pace_kpis) & scorecard["status"].isin(th.pace_statuses)]
    chosen: dict[tuple[str, str], Any] = {}
    for r in rows.itertuples():
        deadline = None if is_missing(r.deadline) else pd.Timestamp(r.deadline).date()
        if deadline is None or deadline < as_of or _num(r.actual) is None or _num(r.target) is None:
            continue
        key = (str(r.kpi), str(r.scope))
        if key not in chosen or deadline < chosen[key][0]:
            chosen[key] = (deadline, r)
    for (kpi, scope), (_, r) in list(chosen.items()):
        if scope.startswith("account:"):
            platform = chosen.get((kpi, "platform:" + scope.split(":", 1)[1].split("/", 1)[0]))
            if platform is not None and (_num(platform[1].actual), _num(platform[1].target)) == (
                _num(r.actual),
                _num(r.target),
            ):
                del chosen[(kpi, scope)]
    order = {"overall": 0, "platform": 1, "account": 2}
    keys = sorted(chosen, key=lambda k: (th.pace_kpis.index(k[0]), order.get(k[1].split(":", 1)[0], 3), k[1]))
    for kpi, scope in keys:
        deadline, r = chosen[(kpi, scope)]
        actual, target = float(r.actual), float(r.target)
        gap = target - actual
        weeks_left = max((deadline - as_of).days / 7, 1.0)
        base = _num(getattr(r, "baseline", None))
        evidence: dict[str, Any] = {
            "scope": scope,
            "kpi": kpi,
            "horizon": str(r.horizon),
            "deadline": deadline,
            "actual": actual,
            "target": target,
            "expected_by_now": _num(getattr(r, "expected_by_now", None)),
            "status": str(r.status),
            "gap": gap,
            "weeks_left": weeks_left,
            "gap_per_week": gap / weeks_left,
            "baseline": base,
        }
        if kpi == "fan_growth_net":
            needed = gap * base if base is not None else None
            evidence["followers_at_start"] = base
            evidence["followers_needed"] = needed
            evidence["per_week"] = needed / weeks_left if needed is not None else None
        else:
            evidence["rate_now"] = base * (1 + actual) if base is not None else None
            evidence["rate_needed"] = base * (1 + target) if base is not None else None
        out.append(
            Suggestion(_RULE_OF_KPI.get(kpi, "growth_off_track"), scope, 1, evidence, dict(names or {}))
        )
    return out


def growth_off_track(
    scorecard: pd.DataFrame | None,
    as_of: date,
    th: Thresholds = DEFAULT_THRESHOLDS,
    names: Mapping[tuple[str, str], str] | None = None,
) -> list[Suggestion]:
    """pace_off_track for fan growth only."""
    return [s for s in pace_off_track(scorecard, as_of, th, names) if s.rule == "growth_off_track"]


def kol_tier_cpe(kols: pd.DataFrame | None, th: Thresholds = DEFAULT_THRESHOLDS) -> list[Suggestion]:
    """kols: tier, fee, interactions (one row per campaign x KOL)."""
    if kols is None or kols.empty:
        return []
    tiers = []
    for tier, group in kols.groupby("tier", sort=True):
        fee = pd.to_numeric(group["fee"], errors="coerce").astype("float64")
        inter = pd.to_numeric(group["interactions"], errors="coerce").astype("float64")
        ok = fee.notna() & inter.notna()
        if int(ok.sum()) < th.kol_min_rows or inter[ok].sum() <= 0:
            continue
        tiers.append(
            (
                float(fee[ok].sum()) / float(inter[ok].sum()),
                str(tier),
                int(ok.sum()),
                fee[ok].sum(),
                inter[ok].sum(),
            )
        )
    if len(tiers) < 2:
        return []
    tiers.sort(key=lambda x: (x[0], x[1]))
    best = tiers[0]
    other_fee = sum(x[3] for x in tiers[1:])
    other_inter = sum(x[4] for x in tiers[1:])
    others = other_fee / other_inter
    if best[0] > (1 - th.kol_cpe_margin) * others + EPS:
        return []
    return [
        Suggestion(
            "kol_tier_cpe",
            best[1],
            3,
            {
                "tier": best[1],
                "cpe": best[0],
                "rows": best[2],
                "fee": float(best[3]),
                "interactions": float(best[4]),
                "others_cpe": others,
                "others_tiers": [x[1] for x in tiers[1:]],
                "saving": 1 - best[0] / others,
                "threshold": th.kol_cpe_margin,
            },
        )
    ]


def best_hour(by_hour: pd.DataFrame | None, th: Thresholds = DEFAULT_THRESHOLDS) -> list[Suggestion]:
    """by_hour: platform, hour (0-23, Asia/Shanghai), posts, views, interactions (rated posts only)."""
    out: list[Suggestion] = []
    if by_hour is None or by_hour.empty:
        return out
    for platform, group in by_hour.groupby("platform", sort=True):
        platform_er = _er(
            pd.to_numeric(group["interactions"], errors="coerce").sum(),
            pd.to_numeric(group["views"], errors="coerce").sum(),
        )
        if platform_er is None:
            continue
        hours = []
        for r in group.itertuples():
            er = _er(r.interactions, r.views)
            posts = _num(r.posts)
            if er is not None and posts is not None and posts >= th.hour_min_posts:
                hours.append((er, int(r.hour), int(posts)))
        if not hours:
            continue
        hours.sort(key=lambda x: (-x[0], x[1]))
        er, hour, posts = hours[0]
        if er >= (1 + th.hour_min_relative) * platform_er - EPS:
            out.append(
                Suggestion(
                    "best_hour",
                    str(platform),
                    3,
                    {
                        "platform": str(platform),
                        "hour": hour,
                        "er": er,
                        "posts": posts,
                        "platform_er": platform_er,
                        "relative": er / platform_er - 1 if platform_er > 0 else math.inf,
                        "threshold": th.hour_min_relative,
                        "min_posts": th.hour_min_posts,
                    },
                )
            )
    return out


def sla_below_target(service: pd.DataFrame | None, th: Thresholds = DEFAULT_THRESHOLDS) -> list[Suggestion]:
    """service: platform, channel, sla_eligible, sla_met, median_response_minutes (the period)."""
    out: list[Suggestion] = []
    if service is None or service.empty:
        return out
    for r in service.sort_values(["platform", "channel"]).itertuples():
        eligible, met = _num(r.sla_eligible), _num(r.sla_met)
        if eligible is None or met is None or eligible < th.sla_min_inbound or eligible <= 0:
            continue
        attainment = met / eligible
        if attainment < th.sla_target - EPS:
            out.append(
                Suggestion(
                    "sla_below_target",
                    f"{r.platform}/{r.channel}",
                    1 if th.sla_target - attainment >= 0.2 else 2,
                    {
                        "platform": str(r.platform),
                        "channel": str(r.channel),
                        "attainment": attainment,
                        "target": th.sla_target,
                        "eligible": int(eligible),
                        "met": int(met),
                        "missed": int(eligible - met),
                        "median_minutes": _num(getattr(r, "median_response_minutes", None)),
                    },
                )
            )
    return out


def calendar_on_time(calendar: pd.DataFrame | None, th: Thresholds = DEFAULT_THRESHOLDS) -> list[Suggestion]:
    """calendar: platform, published, on_time, overdue (the period)."""
    out: list[Suggestion] = []
    if calendar is None or calendar.empty:
        return out
    for r in calendar.sort_values("platform").itertuples():
        published, on_time = _num(r.published), _num(r.on_time)
        if published is None or on_time is None or published < th.on_time_min_items:
            continue
        rate = on_time / published
        if rate < th.on_time_target - EPS:
            out.append(
                Suggestion(
                    "calendar_on_time",
                    str(r.platform),
                    2,
                    {
                        "platform": str(r.platform),
                        "rate": rate,
                        "target": th.on_time_target,
                        "published": int(published),
                        "on_time": int(on_time),
                        "overdue": int(_num(getattr(r, "overdue", None)) or 0),
                    },
                )
            )
    return out


def crisis_open(alerts: pd.DataFrame | None, th: Thresholds = DEFAULT_THRESHOLDS) -> list[Suggestion]:
    """alerts: alert_id, opened_at (UTC), status, level, platforms, peak_negative, max_reach, top_terms,
    playbook_codes, calendar_action, calendar_plan_ids, trigger: one suggestion per open alert, most severe
    level first."""
    out: list[Suggestion] = []
    if alerts is None or alerts.empty or "status" not in alerts:
        return out
    rows = alerts[alerts["status"] == "open"].sort_values(["level", "opened_at"], kind="stable")
    for r in rows.to_dict("records"):
        level = int(r["level"])
        plan_ids = split_ids(r.get("calendar_plan_ids"))
        out.append(
            Suggestion(
                "crisis_open",
                str(r["alert_id"]),
                1,
                {
                    "alert_id": str(r["alert_id"]),
                    "level": level,
                    "level_name": r.get("level_name"),
                    "opened_at": local_time(r["opened_at"]),
                    "platforms": r.get("platforms"),
                    "peak_negative": _num(r.get("peak_negative")),
                    "max_reach": _num(r.get("max_reach")),
                    "top_terms": r.get("top_terms"),
                    "playbook_codes": r.get("playbook_codes"),
                    "calendar_action": None if is_missing(r.get("calendar_action")) else r["calendar_action"],
                    "calendar_plan_ids": plan_ids,
                    "trigger": None if is_missing(r.get("trigger")) else str(r["trigger"]),
                },
            )
        )
    return out


def negative_share_rise(
    own_platforms: pd.DataFrame | None,
    terms: pd.DataFrame | None = None,
    th: Thresholds = DEFAULT_THRESHOLDS,
) -> list[Suggestion]:
    """own_platforms: the own brand's mentions, negative, mentions_prev, negative_prev per platform (summed
    here); terms: term, texts (the period's crisis terms in negative texts, most frequent first)."""
    if own_platforms is None or own_platforms.empty:
        return []
    texts, negative = (_num(pd.to_numeric(own_platforms[c]).sum()) for c in ("mentions", "negative"))
    texts_prev, negative_prev = (
        _num(pd.to_numeric(own_platforms[c]).sum()) for c in ("mentions_prev", "negative_prev")
    )
    if texts is None or texts_prev is None or negative is None or negative_prev is None:
        return []
    if min(texts, texts_prev) < th.negative_share_min_texts or min(texts, texts_prev) <= 0:
        return []
    share, share_prev = negative / texts, negative_prev / texts_prev
    if share - share_prev < th.negative_share_rise - EPS:
        return []
    top = (
        []
        if terms is None or terms.empty
        else [(str(r.term), int(r.texts)) for r in terms.itertuples() if _num(r.texts)][:5]
    )
    return [
        Suggestion(
            "negative_share_rise",
            "own",
            2,
            {
                "share": share,
                "share_prev": share_prev,
                "rise": share - share_prev,
                "negative": int(negative),
                "texts": int(texts),
                "negative_prev": int(negative_prev),
                "texts_prev": int(texts_prev),
                "terms": top,
                "threshold": th.negative_share_rise,
                "min_texts": th.negative_share_min_texts,
            },
        )
    ]


def portrait_segment_drop(
    portrait: pd.DataFrame | None,
    th: Thresholds = DEFAULT_THRESHOLDS,
    names: Mapping[tuple[str, str], str] | None = None,
) -> list[Suggestion]:
    """portrait: platform, account, dimension, bucket, snapshot_date, previous_snapshot_date, share,
    share_prev, share_change (build._audience: each account's latest snapshot per dimension)."""
    if portrait is None or portrait.empty:
        return []
    out: list[Suggestion] = []
    for (platform, account), group in portrait.groupby(["platform", "account"], sort=True):
        drops = []
        for r in group.to_dict("records"):
            change = _num(r.get("share_change"))
            if (
                change is None
                or r["dimension"] not in th.portrait_dimensions
                or r["bucket"] in ("other", "unknown")
                or change > -th.portrait_share_drop + EPS
            ):
                continue
            drops.append((change, th.portrait_dimensions.index(r["dimension"]), str(r["bucket"]), r))
        if not drops:
            continue
        drops.sort(key=lambda x: (x[0], x[1], x[2]))
        _, _, _, top = drops[0]
        out.append(
            Suggestion(
                "portrait_segment_drop",
                f"{platform}/{account}",
                2,
                {
                    "scope": f"account:{platform}/{account}",
                    "dimension": str(top["dimension"]),
                    "bucket": str(top["bucket"]),
                    "share": _num(top["share"]),
                    "share_prev": _num(top.get("share_prev")),
                    "change": _num(top["share_change"]),
                    "snapshot_date": _day(top.get("snapshot_date")),
                    "previous_snapshot_date": _day(top.get("previous_snapshot_date")),
                    "others": [(str(r["dimension"]), str(r["bucket"]), float(c)) for c, _, _, r in drops[1:]],
                    "threshold": th.portrait_share_drop,
                },
                dict(names or {}),
            )
        )
    return out


def _day(value: Any) -> date | None:
    return None if is_missing(value) else pd.Timestamp(value).date()


def derive(data: Any, th: Thresholds = DEFAULT_THRESHOLDS) -> list[Suggestion]:
    """Every rule over a build.ReportData; ordered by priority, then rule (stable: each rule's own order)."""
    names = data.account_names()
    found = [
        *pace_off_track(data.scorecard, data.period.as_of, th, names),
        *sla_below_target(data.service, th),
        *calendar_on_time(data.calendar, th),
        *crisis_open(data.alerts, th),
        *negative_share_rise(data.sentiment_platforms, data.negative_terms, th),
        *portrait_segment_drop(getattr(data, "portrait", None), th, names),
        *format_gap(data.content_by_format, th),
        *best_hour(data.content_by_hour, th),
        *kol_tier_cpe(data.kols, th),
    ]
    return sorted(found, key=lambda s: (s.priority, RULE_ORDER.index(s.rule)))


# ----------------------------------------------------------------------------------------------- wording


def _p(lang: Lang, code: str) -> str:
    return label(lang, "platform", code)


def _text_format_gap(s: Suggestion, lang: Lang) -> str:
    e = s.evidence
    best, worst = label(lang, "format", e["best_format"]), label(lang, "format", e["worst_format"])
    rel = fmt_pct(e["relative"]) if math.isfinite(e["relative"]) else "∞"
    if lang == "zh":
        return (
            f"{_p(lang, e['platform'])}：{best}互动率 {fmt_pct(e['best_er'])}，比{worst} {fmt_pct(e['worst_er'])} "
            f"高 {rel}，建议提高{best}占比、复盘{worst}选题。"
        )
    return (
        f"{_p(lang, e['platform'])}: {best} engages at {fmt_pct(e['best_er'])}, {rel} above {worst} "
        f"({fmt_pct(e['worst_er'])}); shift the mix towards {best.lower()} and review {worst.lower()} topics."
    )


def _ev_format_gap(s: Suggestion, lang: Lang) -> list[tuple[str, str]]:
    e = s.evidence
    zh = lang == "zh"
    return [
        (
            label(lang, "format", e["best_format"]),
            f"{fmt_pct(e['best_er'])} · {e['best_posts']}{' 篇' if zh else ' posts'}",
        ),
        (
            label(lang, "format", e["worst_format"]),
            f"{fmt_pct(e['worst_er'])} · {e['worst_posts']}{' 篇' if zh else ' posts'}",
        ),
        (
            "阈值" if zh else "Threshold",
            f"≥ {fmt_pct(e['threshold'])}，每种 ≥ {e['min_posts']} 篇"
            if zh
            else f"≥ {fmt_pct(e['threshold'])}, ≥ {e['min_posts']} posts each",
        ),
    ]


def _text_growth(s: Suggestion, lang: Lang) -> str:
    e = s.evidence
    who = scope_label(lang, e["scope"], dict(s.names))
    zh = lang == "zh"
    if e["followers_needed"] is not None:
        per_week = fmt_count(math.ceil(e["per_week"]), lang)
        if zh:
            return (
                f"{who}粉丝增长落后：实际 {fmt_pct(e['actual'])}，目标 {fmt_pct(e['target'])}，"
                f"到 {fmt_date(e['deadline'], lang)} 还需净增约 {fmt_count(math.ceil(e['followers_needed']), lang)} 粉丝，"
                f"即每周约 {per_week}。"
            )
        return (
            f"{who} is behind on fan growth: {fmt_pct(e['actual'])} against {fmt_pct(e['target'])}; it needs about "
            f"{fmt_count(math.ceil(e['followers_needed']), lang)} more net followers by {fmt_date(e['deadline'], lang)}, "
            f"about {per_week} a week."
        )
    if zh:
        return (
            f"{who}粉丝增长落后：实际 {fmt_pct(e['actual'])}，目标 {fmt_pct(e['target'])}，"
            f"每周需再提高约 {fmt_pct(e['gap_per_week'], decimals=2)}。"
        )
    return (
        f"{who} is behind on fan growth: {fmt_pct(e['actual'])} against {fmt_pct(e['target'])}; "
        f"about {fmt_pct(e['gap_per_week'], decimals=2)} more per week is needed."
    )


def _text_uplift(s: Suggestion, lang: Lang) -> str:
    e = s.evidence
    who = scope_label(lang, e["scope"], dict(s.names))
    zh = lang == "zh"
    actual, target = fmt_pct(e["actual"], signed=True), fmt_pct(e["target"], signed=True)
    if e["rate_now"] is not None:
        now, needed = fmt_pct(e["rate_now"], decimals=2), fmt_pct(e["rate_needed"], decimals=2)
        if zh:
            return (
                f"{who}互动率提升落后：实际 {actual}，目标 {target}；近 28 天互动率需从 {now} 提高到 {needed}"
                f"（到 {fmt_date(e['deadline'], lang)}，还剩 {e['weeks_left']:.1f} 周），建议复盘低互动内容与发布时段。"
            )
        return (
            f"{who} is behind on interaction-rate uplift: {actual} against {target}; the trailing engagement rate "
            f"must rise from {now} to {needed} by {fmt_date(e['deadline'], lang)} ({e['weeks_left']:.1f} weeks "
            f"left). Review low-engagement content and posting times."
        )
    if zh:
        return f"{who}互动率提升落后：实际 {actual}，目标 {target}，还差 {fmt_pp(e['gap'], lang)}。"
    return f"{who} is behind on interaction-rate uplift: {actual} against {target}, {fmt_pp(e['gap'], lang)} short."


def _ev_uplift(s: Suggestion, lang: Lang) -> list[tuple[str, str]]:
    e = s.evidence
    zh = lang == "zh"
    return [
        ("当前应达" if zh else "Expected by now", fmt_pct(e["expected_by_now"], signed=True)),
        ("基线互动率" if zh else "Baseline engagement rate", fmt_pct(e["baseline"], decimals=2)),
        (
            "考核期" if zh else "Horizon",
            f"{label(lang, 'horizon', e['horizon'])} → {fmt_date(e['deadline'], lang)}",
        ),
        (
            "阈值" if zh else "Threshold",
            ("状态 = " if zh else "status = ") + label(lang, "status", e["status"]),
        ),
    ]


def _ev_growth(s: Suggestion, lang: Lang) -> list[tuple[str, str]]:
    e = s.evidence
    zh = lang == "zh"
    lines = [
        ("实际 / 目标" if zh else "Actual / target", f"{fmt_pct(e['actual'])} / {fmt_pct(e['target'])}"),
        ("当前应达" if zh else "Expected by now", fmt_pct(e["expected_by_now"])),
        (
            "考核期" if zh else "Horizon",
            f"{label(lang, 'horizon', e['horizon'])} → {fmt_date(e['deadline'], lang)}",
        ),
        ("剩余周数" if zh else "Weeks left", f"{e['weeks_left']:.1f}"),
    ]
    if e["followers_at_start"] is not None:
        lines.append(
            ("计划开始时粉丝" if zh else "Followers at plan start", fmt_count(e["followers_at_start"], lang))
        )
    lines.append(
        (
            "阈值" if zh else "Threshold",
            ("状态 = " if zh else "status = ") + label(lang, "status", e["status"]),
        )
    )
    return lines


def _text_kol(s: Suggestion, lang: Lang) -> str:
    e = s.evidence
    tier = label(lang, "tier", e["tier"])
    if lang == "zh":
        return (
            f"{tier}达人 CPE 最低：{fmt_money(e['cpe'], lang)}/互动，比其他层级合计 {fmt_money(e['others_cpe'], lang)} "
            f"低 {fmt_pct(e['saving'])}，下次投放可向{tier}达人倾斜。"
        )
    return (
        f"{tier} KOLs have the lowest CPE: {fmt_money(e['cpe'], lang)} per interaction, {fmt_pct(e['saving'])} below "
        f"the other tiers pooled ({fmt_money(e['others_cpe'], lang)}); weight the next budget towards them."
    )


def _ev_kol(s: Suggestion, lang: Lang) -> list[tuple[str, str]]:
    e = s.evidence
    zh = lang == "zh"
    return [
        (
            "费用 / 互动" if zh else "Fee / interactions",
            f"{fmt_money(e['fee'], lang)} / {fmt_count(e['interactions'], lang)}",
        ),
        ("合作次数" if zh else "Collaborations", str(e["rows"])),
        (
            "其他层级" if zh else "Other tiers",
            "、".join(label(lang, "tier", x) for x in e["others_tiers"])
            if zh
            else ", ".join(label(lang, "tier", x) for x in e["others_tiers"]),
        ),
        ("阈值" if zh else "Threshold", f"≥ {fmt_pct(e['threshold'])}"),
    ]


def _text_hour(s: Suggestion, lang: Lang) -> str:
    e = s.evidence
    if lang == "zh":
        return (
            f"{_p(lang, e['platform'])}最佳发布时段 {fmt_hour(e['hour'])}（北京时间）：互动率 {fmt_pct(e['er'])}，"
            f"高于平台平均 {fmt_pct(e['platform_er'])}，重点内容可安排在此时段。"
        )
    return (
        f"{_p(lang, e['platform'])}: best publish hour {fmt_hour(e['hour'])} (Beijing time) engages at "
        f"{fmt_pct(e['er'])} against the platform's {fmt_pct(e['platform_er'])}; schedule key posts then."
    )


def _ev_hour(s: Suggestion, lang: Lang) -> list[tuple[str, str]]:
    e = s.evidence
    zh = lang == "zh"
    return [
        ("该时段发布数" if zh else "Posts in that hour", str(e["posts"])),
        (
            "相对提升" if zh else "Relative uplift",
            fmt_pct(e["relative"]) if math.isfinite(e["relative"]) else "∞",
        ),
        (
            "阈值" if zh else "Threshold",
            f"≥ {fmt_pct(e['threshold'])}，≥ {e['min_posts']} 篇"
            if zh
            else f"≥ {fmt_pct(e['threshold'])}, ≥ {e['min_posts']} posts",
        ),
    ]


def _text_sla(s: Suggestion, lang: Lang) -> str:
    e = s.evidence
    where = (
        f"{_p(lang, e['platform'])}{label(lang, 'channel', e['channel'])}"
        if lang == "zh"
        else (f"{_p(lang, e['platform'])} {label(lang, 'channel', e['channel']).lower()}")
    )
    if lang == "zh":
        return (
            f"{where} SLA 达成率 {fmt_pct(e['attainment'])}，低于目标 {fmt_pct(e['target'])}："
            f"{e['missed']} 条超时，建议增加该渠道值班或设置快捷回复。"
        )
    return (
        f"{where}: SLA attainment {fmt_pct(e['attainment'])} is below the {fmt_pct(e['target'])} target; "
        f"{e['missed']} went past SLA. Add cover on this channel or quick replies."
    )


def _ev_sla(s: Suggestion, lang: Lang) -> list[tuple[str, str]]:
    e = s.evidence
    zh = lang == "zh"
    return [
        ("按时 / 应答" if zh else "Within SLA / eligible", f"{e['met']} / {e['eligible']}"),
        ("中位响应" if zh else "Median response", fmt_minutes(e["median_minutes"], lang)),
        ("阈值" if zh else "Threshold", f"< {fmt_pct(e['target'])}"),
    ]


def _text_calendar(s: Suggestion, lang: Lang) -> str:
    e = s.evidence
    if lang == "zh":
        return (
            f"{_p(lang, e['platform'])}内容准时发布率 {fmt_pct(e['rate'])}，低于目标 {fmt_pct(e['target'])}，"
            f"请检查审核流程与排期余量。"
        )
    return (
        f"{_p(lang, e['platform'])}: {fmt_pct(e['rate'])} of planned content went out on time, below the "
        f"{fmt_pct(e['target'])} target; check the review step and schedule slack."
    )


def _ev_calendar(s: Suggestion, lang: Lang) -> list[tuple[str, str]]:
    e = s.evidence
    zh = lang == "zh"
    return [
        ("准时 / 已发布" if zh else "On time / published", f"{e['on_time']} / {e['published']}"),
        ("逾期未发" if zh else "Overdue", str(e["overdue"])),
        ("阈值" if zh else "Threshold", f"< {fmt_pct(e['target'])}"),
    ]


def _text_crisis(s: Suggestion, lang: Lang) -> str:
    e = s.evidence
    zh = lang == "zh"
    level = level_label(lang, e["level"], e["level_name"], paren=True)
    steps = playbook_steps(lang, e["playbook_codes"], e["level"])
    opened = fmt_datetime(e["opened_at"], lang)
    where = platform_list(lang, e["platforms"])
    items = len(e["calendar_plan_ids"])
    action = e["calendar_action"]
    if zh:
        text = (
            f"{level}舆情预警仍未关闭（{opened} 开启，涉及{where}）：请按该级别预案处置：{' → '.join(steps)}"
        )
        if action and items:
            text += f"；{label(lang, 'calendar_action', action)}相关排期内容 {items} 条"
        return text + "。"
    text = (
        f"{level} crisis alert opened {opened} on {where} is still open: follow the level's playbook: "
        f"{' → '.join(steps)}"
    )
    if action and items:
        text += f"; {label(lang, 'calendar_action', action).lower()} the {items} related scheduled item(s)"
    return text + "."


def _ev_crisis(s: Suggestion, lang: Lang) -> list[tuple[str, str]]:
    e = s.evidence
    zh = lang == "zh"
    lines = [
        ("峰值负面/小时" if zh else "Peak negative / hour", fmt_count(e["peak_negative"], lang)),
        ("最大作者粉丝" if zh else "Largest author (followers)", fmt_count(e["max_reach"], lang)),
        ("高频危机词" if zh else "Top terms", terms_text(lang, e["top_terms"])),
    ]
    if e["trigger"]:
        lines.append(("触发规则" if zh else "Trigger", e["trigger"]))
    if e["calendar_plan_ids"]:
        lines.append(("相关排期" if zh else "Scheduled items", ", ".join(e["calendar_plan_ids"])))
    lines.append(("阈值" if zh else "Threshold", "状态 = 进行中" if zh else "status = open"))
    return lines


def _terms_list(lang: Lang, terms: list[tuple[str, int]]) -> str:
    return ("、" if lang == "zh" else ", ").join(f"{term}({count})" for term, count in terms)


def _text_negative_rise(s: Suggestion, lang: Lang) -> str:
    e = s.evidence
    share, prev, rise = fmt_pct(e["share"]), fmt_pct(e["share_prev"]), fmt_pp(e["rise"], lang)
    terms = _terms_list(lang, e["terms"])
    if lang == "zh":
        what = f"本期高频负面词（{terms}）" if terms else "本期负面文本的集中问题"
        return (
            f"本品牌负面占比 {share}，较对比期 {prev} 上升 {rise}：请复盘{what}对应的内容、商品与客服话术，"
            f"必要时提前准备回应口径。"
        )
    what = (
        f"the period's top negative terms ({terms})"
        if terms
        else "what the period's negative texts are about"
    )
    return (
        f"The own brand's negative share rose to {share} from {prev} ({rise}): review {what} and the content, "
        f"products and service replies behind them; prepare a response line if needed."
    )


def _ev_negative_rise(s: Suggestion, lang: Lang) -> list[tuple[str, str]]:
    e = s.evidence
    zh = lang == "zh"
    return [
        ("负面 / 文本（本期）" if zh else "Negative / texts (period)", f"{e['negative']} / {e['texts']}"),
        (
            "负面 / 文本（对比期）" if zh else "Negative / texts (previous)",
            f"{e['negative_prev']} / {e['texts_prev']}",
        ),
        (
            "阈值" if zh else "Threshold",
            f"上升 ≥ {fmt_pp(e['threshold'], lang)}，每期 ≥ {e['min_texts']} 条"
            if zh
            else f"rise ≥ {fmt_pp(e['threshold'], lang)}, ≥ {e['min_texts']} texts each period",
        ),
    ]


def _segment(lang: Lang, dimension: str, bucket: str) -> str:
    seg = bucket_label(lang, dimension, bucket)
    dim = label(lang, "dimension", dimension)
    return f"{dim}「{seg}」" if lang == "zh" else f"{dim.lower()} “{seg}”"


def _text_portrait(s: Suggestion, lang: Lang) -> str:
    e = s.evidence
    who = scope_label(lang, e["scope"], dict(s.names))
    seg = _segment(lang, e["dimension"], e["bucket"])
    share, prev, change = fmt_pct(e["share"]), fmt_pct(e["share_prev"]), fmt_pp(e["change"], lang)
    before = fmt_date(e["previous_snapshot_date"], lang)
    if lang == "zh":
        return (
            f"{who}粉丝中{seg}占比降至 {share}，上一期画像（{before}）为 {prev}（{change}）：如该人群是目标人群，"
            f"请加强面向该人群的选题、达人与活动，并复盘近期内容是否偏离该人群。"
        )
    return (
        f"{who}: the {seg} share of followers fell to {share} from {prev} in the previous portrait ({before}), "
        f"{change}. If this is a target segment, aim topics, KOLs and campaigns at it and check whether recent "
        f"content drifted away from it."
    )


def _ev_portrait(s: Suggestion, lang: Lang) -> list[tuple[str, str]]:
    e = s.evidence
    zh = lang == "zh"
    lines = [
        (
            "画像快照" if zh else "Portrait snapshots",
            f"{fmt_date(e['previous_snapshot_date'], lang)} → {fmt_date(e['snapshot_date'], lang)}",
        )
    ]
    if e["others"]:
        lines.append(
            (
                "其他下降分组" if zh else "Other falling segments",
                ("、" if zh else ", ").join(
                    f"{_segment(lang, d, b)} {fmt_pp(c, lang)}" for d, b, c in e["others"]
                ),
            )
        )
    lines.append(
        (
            "阈值" if zh else "Threshold",
            f"下降 ≥ {fmt_pp(e['threshold'], lang).lstrip('+')}"
            if zh
            else f"fall ≥ {fmt_pp(e['threshold'], lang).lstrip('+')}",
        )
    )
    return lines


_TEXT = {
    "format_gap": _text_format_gap,
    "growth_off_track": _text_growth,
    "uplift_off_track": _text_uplift,
    "kol_tier_cpe": _text_kol,
    "best_hour": _text_hour,
    "sla_below_target": _text_sla,
    "calendar_on_time": _text_calendar,
    "crisis_open": _text_crisis,
    "negative_share_rise": _text_negative_rise,
    "portrait_segment_drop": _text_portrait,
}
_EVIDENCE = {
    "format_gap": _ev_format_gap,
    "growth_off_track": _ev_growth,
    "uplift_off_track": _ev_uplift,
    "kol_tier_cpe": _ev_kol,
    "best_hour": _ev_hour,
    "sla_below_target": _ev_sla,
    "calendar_on_time": _ev_calendar,
    "crisis_open": _ev_crisis,
    "negative_share_rise": _ev_negative_rise,
    "portrait_segment_drop": _ev_portrait,
}


def describe_rules(lang: Lang, th: Thresholds = DEFAULT_THRESHOLDS) -> list[tuple[str, str]]:
    """(rule, threshold) in words, for the report's rule table."""
    if lang == "zh":
        return [
            ("舆情预警未关闭", "本期预警状态为进行中：按其级别的处置预案执行，并暂停 / 复核其涉及的排期内容"),
            (
                "KPI 进度落后",
                f"当前考核期{'、'.join(label(lang, 'kpi', k) for k in th.pace_kpis)}状态为"
                f"{'、'.join(label(lang, 'status', x) for x in th.pace_statuses)}（与所属平台相同的账号行不重复）；"
                "给出每周需净增的粉丝数、互动率需达到的水平",
            ),
            ("SLA 未达标", f"本期应答 ≥ {th.sla_min_inbound} 条且按时率 < {fmt_pct(th.sla_target)}"),
            (
                "内容准时率低",
                f"本期已发布 ≥ {th.on_time_min_items} 条且准时率 < {fmt_pct(th.on_time_target)}",
            ),
            (
                "形式差距",
                f"同平台最佳形式互动率 ≥ 最差形式 ×(1+{fmt_pct(th.format_min_relative)})，每种 ≥ {th.format_min_posts} 篇",
            ),
            (
                "最佳发布时段",
                f"该时段互动率 ≥ 平台平均 ×(1+{fmt_pct(th.hour_min_relative)})，该时段 ≥ {th.hour_min_posts} 篇",
            ),
            (
                "负面占比上升",
                f"本品牌负面占比较对比期上升 ≥ {fmt_pp(th.negative_share_rise, lang)}，每期 ≥ "
                f"{th.negative_share_min_texts} 条文本",
            ),
            (
                "目标人群占比下降",
                f"账号最新粉丝画像中{'、'.join(label(lang, 'dimension', d) for d in th.portrait_dimensions)}的某一分组"
                f"（不含“其他”“未知”）占比较上一期快照下降 ≥ {fmt_pp(th.portrait_share_drop, lang).lstrip('+')}",
            ),
            (
                "达人层级 CPE",
                f"最低 CPE 层级 ≤ 其他层级合计 ×(1−{fmt_pct(th.kol_cpe_margin)})，每层 ≥ {th.kol_min_rows} 次合作",
            ),
        ]
    return [
        (
            "Crisis alert open",
            "an alert of the period is still open: follow its level's playbook and pause / review the scheduled "
            "content it names",
        ),
        (
            "KPI off pace",
            f"{', '.join(th.pace_kpis)} status in the current horizon is {', '.join(th.pace_statuses)} (an account "
            "row equal to its platform's is not repeated); gives the followers to add per week and the engagement "
            "rate to reach",
        ),
        (
            "SLA below target",
            f"≥ {th.sla_min_inbound} SLA-eligible inbound in the period and attainment < {fmt_pct(th.sla_target)}",
        ),
        (
            "Calendar on-time rate",
            f"≥ {th.on_time_min_items} published items in the period and on-time rate < {fmt_pct(th.on_time_target)}",
        ),
        (
            "Format gap",
            f"best format's ER ≥ worst's × (1 + {fmt_pct(th.format_min_relative)}) on a platform, ≥ {th.format_min_posts} posts each",
        ),
        (
            "Best posting hour",
            f"hour's ER ≥ platform ER × (1 + {fmt_pct(th.hour_min_relative)}), ≥ {th.hour_min_posts} posts in that hour",
        ),
        (
            "Negative share rising",
            f"own brand's negative share ≥ previous period's + {fmt_pp(th.negative_share_rise, lang)}, ≥ "
            f"{th.negative_share_min_texts} texts in each period",
        ),
        (
            "Segment share falling",
            f"in an account's latest follower portrait, a {', '.join(th.portrait_dimensions)} segment (not other / "
            f"unknown) lost ≥ {fmt_pp(th.portrait_share_drop, lang).lstrip('+')} of share against the previous "
            "snapshot",
        ),
        (
            "KOL tier CPE",
            f"lowest-CPE tier ≤ other tiers pooled × (1 − {fmt_pct(th.kol_cpe_margin)}), ≥ {th.kol_min_rows} collaborations per tier",
        ),
    ]
