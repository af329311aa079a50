"""Data Docs: a static HTML site of one run's validations, rendered by GX's own renderers.

Layout (under ``site_dir``, e.g. ``<warehouse folder>/dq/data_docs``)::

    index.html                      fanops overview: suites, status 通过/警告/阻断, failing checks, links
    validations/<suite>.html        one page per suite: GX's validation-results page
                                    (ValidationResultsPageRenderer + DefaultJinjaPageView) below a fanops
                                    summary of its checks (Chinese labels, counts, failing-row samples)

The site is self-contained and offline: GX's pages load Bootstrap, jQuery, Font Awesome, Vega and the GX logo
from CDNs; those tags (and GX's page scripts, which only drive collapsible sections) are stripped and a
small inline stylesheet replaces them, so a page opened without network shows all of its content and the
browser fetches nothing. The site is written into a temporary sibling folder and swapped in with renames,
so a reader sees the previous complete site or the new complete one, never a half-written one.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from expectations.engine import SuiteValidation, json_safe
from expectations.model import CheckResult

_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "fanops 数据质量报告",
        "run": "运行",
        "generated": "生成时间 (UTC)",
        "suites": "校验套件",
        "suite": "套件",
        "asset": "资产",
        "table": "表",
        "engine": "引擎",
        "rows": "行数",
        "status": "状态",
        "checks": "检查",
        "passed_checks": "通过/总数",
        "failing": "未通过的检查",
        "pass": "通过",
        "warn": "警告",
        "error": "阻断",
        "sev_error": "阻断",
        "sev_warn": "警告",
        "check": "检查",
        "label": "说明",
        "severity": "级别",
        "result": "结果",
        "ok": "通过",
        "failed": "未通过",
        "failing_count": "失败行数",
        "failing_percent": "失败比例",
        "observed": "观测值",
        "sample": "失败样例",
        "rows_unit": "行",
        "back": "返回索引",
        "exception": "无法评估",
        "none": "无",
        "gx_details": "Great Expectations 校验详情",
        "render_failed": "GX 页面渲染失败",
        "batch_failed": "批次读取失败",
        "summary": "汇总",
    },
    "en": {
        "title": "fanops data quality",
        "run": "Run",
        "generated": "Generated (UTC)",
        "suites": "Suites",
        "suite": "Suite",
        "asset": "Asset",
        "table": "Table",
        "engine": "Engine",
        "rows": "Rows",
        "status": "Status",
        "checks": "Checks",
        "passed_checks": "passed/total",
        "failing": "Failing checks",
        "pass": "Passed",
        "warn": "Warning",
        "error": "Blocking",
        "sev_error": "error (blocking)",
        "sev_warn": "warn",
        "check": "Check",
        "label": "Label",
        "severity": "Severity",
        "result": "Result",
        "ok": "passed",
        "failed": "failed",
        "failing_count": "Failing rows",
        "failing_percent": "Failing %",
        "observed": "Observed",
        "sample": "Failing rows (sample)",
        "rows_unit": "rows",
        "back": "Back to index",
        "exception": "could not be evaluated",
        "none": "none",
        "gx_details": "Great Expectations validation details",
        "render_failed": "GX page rendering failed",
        "batch_failed": "Batch could not be read",
        "summary": "Summary",
    },
}

_STATUS_ORDER = {"error": 0, "warn": 1, "pass": 2}

# replaces Bootstrap / Font Awesome from the CDN: enough for GX's markup to read well offline
_CSS = """
body{font-family:-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
 margin:0;color:#212529;background:#fff;font-size:14px;line-height:1.45}
a{color:#0b5cad} code{font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.fanops{padding:16px 28px;border-bottom:1px solid #dee2e6;background:#f8f9fa}
.fanops h1{font-size:22px;margin:0 0 6px} .fanops h2{font-size:17px;margin:18px 0 8px}
.meta{color:#555;margin:2px 0}
table{border-collapse:collapse;margin:6px 0}
th,td{border:1px solid #dee2e6;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#eef1f4}
.st{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;white-space:nowrap}
.st-pass{background:#2e7d32} .st-warn{background:#ef8f00} .st-error{background:#c62828}
.fail-list{margin:0;padding-left:18px} .small{font-size:12px;color:#555}
.sample{max-width:560px;white-space:pre-wrap;word-break:break-all}
.row{display:flex;flex-wrap:wrap} [class*="col-"]{box-sizing:border-box;padding:0 8px}
.col-lg-2{flex:0 0 16%;max-width:16%} .col-md-10,.col-lg-10{flex:1 1 80%;max-width:84%}
.col-12{flex:0 0 100%;max-width:100%} .col-6{flex:0 0 50%;max-width:50%}
.container-fluid{padding:16px 28px} .card{border:1px solid #dee2e6;border-radius:4px;margin-bottom:12px}
.card-header{background:#f1f3f5;padding:6px 10px;border-bottom:1px solid #dee2e6} .card-body{padding:8px 10px}
.table{width:100%} .table-sm td,.table-sm th{padding:3px 6px}
.badge{display:inline-block;padding:1px 6px;border-radius:4px;background:#6c757d;color:#fff;font-size:11px}
.alert{padding:8px 12px;border:1px solid #ccc;border-radius:4px;background:#f6f6f6}
.text-danger{color:#c62828} .text-success{color:#2e7d32} .text-warning{color:#ef8f00}
.fas,.fa{font-style:normal} .fa-check-circle::before{content:"\\2714"} .fa-times::before{content:"\\2718"}
.fa-exclamation-triangle::before{content:"\\26A0"} .fa-circle::before{content:"\\25CF"}
.navbar,.ge-breadcrumbs,.ge-walkthrough-modal,.modal,#ge-cta-footer,.cta-footer,footer{display:none!important}
.sticky{position:static} .nav{list-style:none;padding-left:0}
button{display:none}
"""

_SCRIPT_RE = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_REMOTE_LINK_RE = re.compile(r"<link\b[^>]*href=\"(?:https?:)?//[^\"]*\"[^>]*>", re.IGNORECASE)
_ICON_LINK_RE = re.compile(r"<link\b[^>]*rel=\"shortcut icon\"[^>]*>", re.IGNORECASE)
_REMOTE_IMG_RE = re.compile(r"<img\b[^>]*src=\"(?:https?:)?//[^\"]*\"[^>]*>", re.IGNORECASE | re.DOTALL)
_CSS_URL_RE = re.compile(r"url\(\s*['\"]?(?:https?:)?//[^)]*\)", re.IGNORECASE)
_SLUG_RE = re.compile(r"[^A-Za-z0-9._-]+")


def _slug(name: str) -> str:
    slug = _SLUG_RE.sub("_", name).strip("._") or "suite"
    return slug


def suite_page(site_dir: Path, suite_name: str) -> Path:
    """The page of one suite inside the site (deterministic: usable in Dagster metadata before a build)."""
    return Path(site_dir) / "validations" / f"{_slug(suite_name)}.html"


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _fmt_pct(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}%"


def _status_badge(status: str, t: dict[str, str]) -> str:
    return f'<span class="st st-{_e(status)}">{_e(t[status])}</span>'


def _check_status(r: CheckResult) -> str:
    if r.success:
        return "pass"
    return "error" if r.severity == "error" else "warn"


def _failing_items(v: SuiteValidation, t: dict[str, str]) -> str:
    failed = [r for r in v.results if not r.success]
    if not failed:
        return f'<span class="small">{_e(t["none"])}</span>'
    failed.sort(key=lambda r: (r.severity != "error", r.check))
    items = []
    for r in failed:
        label = f" {_e(r.label_zh)}" if r.label_zh else ""
        if r.exception:
            what = f'{_e(t["exception"])}: <span class="small">{_e(r.exception[:300])}</span>'
        elif r.expectation_type == "expect_table_row_count_to_be_between":
            what = f"{_e(t['observed'])} {_e(r.observed_value)}"
        else:
            what = f"{r.failing_count:,} {_e(t['rows_unit'])} ({_fmt_pct(r.failing_percent)})"
        items.append(
            f"<li>{_status_badge(_check_status(r), t)} <code>{_e(r.check)}</code>{label} &mdash; {what}</li>"
        )
    return '<ul class="fail-list">' + "".join(items) + "</ul>"


def _index_html(validations: Sequence[SuiteValidation], run_id: str, t: dict[str, str], lang: str) -> str:
    ordered = sorted(validations, key=lambda v: (_STATUS_ORDER[v.status], v.suite.name))
    counts = {s: sum(1 for v in validations if v.status == s) for s in ("error", "warn", "pass")}
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    rows = []
    for v in ordered:
        href = "validations/" + suite_page(Path("."), v.suite.name).name
        passed = sum(1 for r in v.results if r.success)
        rows.append(
            "<tr>"
            f'<td><a href="{_e(href)}">{_e(v.suite.name)}</a><div class="small">{_e(v.suite.table)}</div></td>'
            f"<td>{_status_badge(v.status, t)}</td>"
            f"<td>{passed}/{len(v.results)}</td>"
            f"<td>{_e('' if v.batch_rows is None else f'{v.batch_rows:,}')}</td>"
            f"<td>{_e(v.engine)}<div class='small'>{v.duration_s:.2f}s</div></td>"
            f"<td>{_failing_items(v, t)}</td>"
            "</tr>"
        )
    summary = " &middot; ".join(f"{_status_badge(s, t)} {counts[s]}" for s in ("error", "warn", "pass"))
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(t['title'])} · {_e(run_id)}</title><style>{_CSS}</style></head><body>"
        f'<div class="fanops"><h1>{_e(t["title"])}</h1>'
        f'<p class="meta">{_e(t["run"])}: <code>{_e(run_id)}</code> &middot; {_e(t["generated"])}: {now}'
        f" &middot; {_e(t['suites'])}: {len(validations)}</p>"
        f'<p class="meta">{_e(t["summary"])}: {summary}</p></div>'
        f'<div class="container-fluid"><table class="table"><thead><tr>'
        f"<th>{_e(t['suite'])}</th><th>{_e(t['status'])}</th><th>{_e(t['checks'])} "
        f"({_e(t['passed_checks'])})</th><th>{_e(t['rows'])}</th><th>{_e(t['engine'])}</th>"
        f"<th>{_e(t['failing'])}</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        "</body></html>\n"
    )


def _suite_banner(v: SuiteValidation, run_id: str, t: dict[str, str]) -> str:
    rows = []
    for r in sorted(v.results, key=lambda r: (r.success, r.severity != "error", r.check)):
        if r.exception:
            result = f'<span class="text-danger">{_e(t["exception"])}</span><div class="small">{_e(r.exception)}</div>'
        else:
            status = _check_status(r)
            result = f'<span class="st st-{status}">{_e(t["ok"] if r.success else t["failed"])}</span>'
        sample = ""
        if r.sample:
            sample = _e(json.dumps(json_safe(list(r.sample)), ensure_ascii=False, indent=None))
        rows.append(
            "<tr>"
            f"<td><code>{_e(r.check)}</code><div class='small'>{_e(r.expectation_type)}"
            f"{' · ' + _e(r.column_name) if r.column_name else ''}</div></td>"
            f"<td>{_e(r.label_zh)}</td>"
            f"<td>{_e(t.get('sev_' + r.severity, r.severity))}</td>"
            f"<td>{result}</td>"
            f"<td>{r.failing_count:,}</td><td>{_fmt_pct(r.failing_percent)}</td>"
            f"<td>{_e(json.dumps(json_safe(r.observed_value), ensure_ascii=False))}</td>"
            f'<td class="sample">{sample}</td>'
            "</tr>"
        )
    failed_batch = (
        f'<p class="text-danger">{_e(t["batch_failed"])}: {_e(v.exception)}</p>' if v.exception else ""
    )
    rows_txt = "" if v.batch_rows is None else f"{v.batch_rows:,}"
    return (
        f'<div class="fanops"><p><a href="../index.html">&larr; {_e(t["back"])}</a></p>'
        f"<h1>{_e(v.suite.name)} {_status_badge(v.status, t)}</h1>"
        f'<p class="meta">{_e(t["asset"])}: <code>{_e("/".join(v.suite.asset_key))}</code> &middot; '
        f"{_e(t['table'])}: <code>{_e(v.suite.table)}</code> &middot; {_e(t['rows'])}: {rows_txt} &middot; "
        f"{_e(t['engine'])}: {_e(v.engine)} ({v.duration_s:.2f}s) &middot; {_e(t['run'])}: "
        f"<code>{_e(run_id)}</code></p>{failed_batch}"
        f"<table><thead><tr><th>{_e(t['check'])}</th><th>{_e(t['label'])}</th><th>{_e(t['severity'])}</th>"
        f"<th>{_e(t['result'])}</th><th>{_e(t['failing_count'])}</th><th>{_e(t['failing_percent'])}</th>"
        f"<th>{_e(t['observed'])}</th><th>{_e(t['sample'])}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<h2>{_e(t['gx_details'])}</h2></div>"
    )


def _offline(page: str, banner: str, lang: str) -> str:
    """GX's page without remote assets or scripts, with our stylesheet and the fanops summary on top."""
    page = _SCRIPT_RE.sub("", page)
    page = _REMOTE_LINK_RE.sub("", page)
    page = _ICON_LINK_RE.sub("", page)
    page = _REMOTE_IMG_RE.sub("", page)
    page = _CSS_URL_RE.sub("none", page)
    page = page.replace("../../../../../index.html", "../index.html")
    page = page.replace("<html>", f'<html lang="{"zh-CN" if lang == "zh" else "en"}">', 1)
    page = page.replace("</head>", f"<style>{_CSS}</style></head>", 1)
    page = re.sub(r"<body\b[^>]*>", lambda m: m.group(0) + banner, page, count=1)
    return page


def _fallback_page(title: str, banner: str, error: str, t: dict[str, str], lang: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>{banner}"
        f'<div class="container-fluid"><p class="text-danger">{_e(t["render_failed"])}: {_e(error)}</p></div>'
        "</body></html>\n"
    )


def _cleanup_stale(parent: Path, name: str, max_age_s: float = 600.0) -> None:
    now = time.time()
    for p in parent.glob(f".{name}.*"):
        try:
            if p.is_dir() and now - p.stat().st_mtime > max_age_s:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def build_data_docs(
    validations: Sequence[SuiteValidation], site_dir: Path, *, run_id: str, lang: str = "zh"
) -> Path:
    """Write the site for these validations (replacing the previous one atomically); returns index.html."""
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    t = _LABELS.get(lang)
    if t is None:
        raise ValueError(f"lang must be one of {sorted(_LABELS)}, got {lang!r}")
    site_dir = Path(site_dir)
    parent = site_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    _cleanup_stale(parent, site_dir.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.tmp-", dir=parent))
    try:
        os.chmod(tmp, 0o755)
        (tmp / "validations").mkdir()
        renderer = ValidationResultsPageRenderer()
        view = DefaultJinjaPageView()
        for v in validations:
            banner = _suite_banner(v, run_id, t)
            try:
                page = _offline(view.render(renderer.render(v.gx_result)), banner, lang)
            except Exception as exc:
                page = _fallback_page(v.suite.name, banner, f"{type(exc).__name__}: {exc}", t, lang)
            suite_page(tmp, v.suite.name).write_text(page, encoding="utf-8")
        (tmp / "index.html").write_text(_index_html(validations, run_id, t, lang), encoding="utf-8")
        old: Path | None = None
        if site_dir.exists() or site_dir.is_symlink():
            old = parent / f".{site_dir.name}.old-{uuid.uuid4().hex}"
            os.replace(site_dir, old)
        os.replace(tmp, site_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return site_dir / "index.html"
