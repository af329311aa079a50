"""Send alert events to the configured channels, once each, with retries; log every delivery in DuckDB.

    summary = deliver_pending(con, channels, events)

`crisis.notifications` holds one row per (alert_id, event_seq, channel): ``sent`` rows are never sent
again; ``failed`` rows are tried again on the next call (a failure is recorded, never dropped);
``skipped`` rows are events that were already older than ``max_event_age`` when first seen (so adding
a channel or backfilling history does not flood a chat with old alerts). Within one call a message is
tried up to ``max_attempts`` times with exponential backoff and jitter on transient errors (HTTP
429/5xx/408, timeouts, connection errors, the robots' rate-limit codes); a permanent error (bad token,
signature mismatch, keyword filter, HTTP 4xx) stops the retries for that message at once.

Secrets are read from the environment only while sending; errors, logs and the table hold the
variable names and redacted texts, never a token, a secret or a URL's query string.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from orchestration.notify.config import Channel, MissingSecretError, Secrets, resolve_secrets
from orchestration.notify.messages import (
    AlertEvent,
    OutgoingRequest,
    build_payload,
    build_request,
    plain_text,
    render_alert,
    render_notice,
)

log = logging.getLogger("orchestration.notify")

TABLE = "crisis.notifications"
STATUSES = ("sent", "failed", "skipped")
# Robot error codes that mean "try again later" (rate limits, system busy); any other non-zero code is
# permanent for this call (invalid key 93000, sign mismatch 310000 / 19021, keyword filter, bot removed).
TRANSIENT_CODES = {
    "wecom": {45009, -1},  # 45009 api freq out of limit (20 msgs/min per robot); -1 system busy
    "dingtalk": {130101, -1},  # 130101 send too fast (20 msgs/min); -1 system busy
    "feishu": {11232, 230020},  # 11232 message rate limit (100/min, 5/s); 230020 per-chat limit
}
TRANSIENT_HTTP = {408, 425, 429}
MAX_ERROR_CHARS = 300

_DDL = f"""
create schema if not exists crisis;
create table if not exists {TABLE} (
    alert_id varchar not null,
    event_seq integer not null,
    channel varchar not null,
    channel_type varchar not null,
    level integer,
    event varchar,
    status varchar not null,
    attempts integer not null,
    first_attempt_at timestamp,
    last_attempt_at timestamp,
    sent_at timestamp,
    http_status integer,
    response_code varchar,
    last_error varchar,
    payload_sha256 varchar,
    primary key (alert_id, event_seq, channel)
)
"""
_COLUMNS = (
    "alert_id",
    "event_seq",
    "channel",
    "channel_type",
    "level",
    "event",
    "status",
    "attempts",
    "first_attempt_at",
    "last_attempt_at",
    "sent_at",
    "http_status",
    "response_code",
    "last_error",
    "payload_sha256",
)


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SendResult:
    """The outcome of one message (all its attempts in this call)."""

    ok: bool
    attempts: int
    http_status: int | None = None
    response_code: str | None = None
    error: str | None = None  # redacted
    transient: bool = False  # the last error was transient (the channel looked unavailable)
    payload_sha256: str | None = None


@dataclass(frozen=True)
class DeliveryResult:
    """One (event, channel) handled in this call."""

    alert_id: str
    event_seq: int
    channel: str
    status: str  # sent | failed | skipped
    attempts: int  # HTTP attempts made in this call
    error: str | None = None


@dataclass(frozen=True)
class DeliverySummary:
    results: tuple[DeliveryResult, ...] = ()
    already_sent: int = 0  # (event, channel) pairs found `sent` in the table: nothing to do
    not_routed: int = 0  # (event, channel) pairs the channel does not take (level, events, disabled)

    @property
    def sent(self) -> int:
        return sum(r.status == "sent" for r in self.results)

    @property
    def failed(self) -> int:
        return sum(r.status == "failed" for r in self.results)

    @property
    def skipped(self) -> int:
        return sum(r.status == "skipped" for r in self.results)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def describe(self) -> str:
        text = (
            f"{self.sent} sent, {self.failed} failed, {self.skipped} skipped as too old, "
            f"{self.already_sent} already sent"
        )
        fails = [
            f"{r.channel} {r.alert_id}#{r.event_seq}: {r.error}" for r in self.results if r.status == "failed"
        ]
        return text + ("; " + "; ".join(fails[:5]) if fails else "")


# ------------------------------------------------------------------------------------------------ table


def ensure_table(con: Any) -> None:
    """Create schema `crisis` and table `crisis.notifications` when missing."""
    con.execute(_DDL)


def _load_rows(con: Any, alert_ids: Sequence[str]) -> dict[tuple[str, int, str], dict[str, Any]]:
    if not alert_ids:
        return {}
    rows = con.execute(
        f"select {', '.join(_COLUMNS)} from {TABLE} where alert_id in (select unnest(?::varchar[]))",
        [list(alert_ids)],
    ).fetchall()
    return {(r[0], int(r[1]), r[2]): dict(zip(_COLUMNS, r, strict=True)) for r in rows}


def _write_row(con: Any, row: Mapping[str, Any]) -> None:
    marks = ", ".join("?" for _ in _COLUMNS)
    con.execute(
        f"insert or replace into {TABLE} ({', '.join(_COLUMNS)}) values ({marks})",
        [row.get(c) for c in _COLUMNS],
    )


# ------------------------------------------------------------------------------------------------ deliver


def deliver_pending(
    con: Any,
    channels: Iterable[Channel],
    events: Iterable[AlertEvent | Mapping[str, Any]],
    *,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    env: Mapping[str, str] | None = None,
    max_event_age: dt.timedelta | None = None,
    as_of: dt.datetime | None = None,
    rng: random.Random | None = None,
) -> DeliverySummary:
    """Send every (event, channel) pair that the channel takes and that is not `sent` yet.

    `con` is a DuckDB connection to the working warehouse. `events` are the alert level changes (pass
    the whole recent timeline: sent pairs are skipped). `now` is the time recorded in the table and the
    reference for `max_event_age` (default: the wall clock; signatures always use the wall clock).
    With `max_event_age`, an event older than that (measured from `as_of`, default `now`) when a channel
    first sees it is recorded `skipped` (a replayed sample passes its data's as-of time here).
    A channel that exhausted its retries (or lacks an env var) is not tried again for later events in
    the same call: those are recorded `failed` ("deferred") and retried on the next call.
    """
    ensure_table(con)
    chans = [c for c in channels if c.enabled]
    evs = sorted(
        (e if isinstance(e, AlertEvent) else AlertEvent.from_mapping(e) for e in events),
        key=lambda e: (_naive_utc(e.event_at), e.alert_id, e.event_seq),
    )
    if not chans or not evs:
        return DeliverySummary()
    existing = _load_rows(con, sorted({e.alert_id for e in evs}))
    # channels that were sent something about an alert also hear about its de-escalation and closing
    told = {(k[0], k[2]) for k, row in existing.items() if row["status"] == "sent"}
    rng = rng or random.Random()
    results: list[DeliveryResult] = []
    already = not_routed = 0
    broken: dict[str, str] = {}  # channel -> why later messages in this call are deferred
    secrets: dict[str, Secrets] = {}

    with ExitStack() as stack:
        clients: dict[str, httpx.Client] = {}
        for ev in evs:
            for ch in chans:
                follow_up = ev.event in ("deescalated", "closed") and (ev.alert_id, ch.name) in told
                if not (ch.accepts(ev.level, ev.event) or (follow_up and ev.event in ch.events)):
                    not_routed += 1
                    continue
                key = (ev.alert_id, ev.event_seq, ch.name)
                prev = existing.get(key)
                if prev is not None and prev["status"] == "sent":
                    already += 1
                    continue
                if prev is not None and prev["status"] == "skipped":
                    continue
                stamp = _naive_utc(now) if now is not None else _utcnow()
                row: dict[str, Any] = (
                    dict(prev)
                    if prev
                    else {
                        "alert_id": ev.alert_id,
                        "event_seq": ev.event_seq,
                        "channel": ch.name,
                        "attempts": 0,
                        "first_attempt_at": None,
                    }
                )
                row.update(channel_type=ch.type, level=ev.level, event=ev.event)
                if (
                    prev is None
                    and max_event_age is not None
                    and (_naive_utc(as_of) if as_of is not None else stamp) - _naive_utc(ev.event_at)
                    > max_event_age
                ):
                    row.update(
                        status="skipped",
                        last_attempt_at=stamp,
                        last_error=f"event older than {max_event_age} when first seen; not sent",
                    )
                    _write_row(con, row)
                    results.append(
                        DeliveryResult(ev.alert_id, ev.event_seq, ch.name, "skipped", 0, row["last_error"])
                    )
                    continue
                if ch.name in broken:
                    error = f"deferred to the next run: {broken[ch.name]}"
                    row.update(status="failed", last_attempt_at=stamp, last_error=error)
                    _write_row(con, row)
                    results.append(DeliveryResult(ev.alert_id, ev.event_seq, ch.name, "failed", 0, error))
                    continue
                if ch.name not in secrets:
                    try:
                        secrets[ch.name] = resolve_secrets(ch, env)
                    except MissingSecretError as exc:
                        broken[ch.name] = str(exc)
                        row.update(status="failed", last_attempt_at=stamp, last_error=str(exc))
                        _write_row(con, row)
                        log.error("notification %s to %s not sent: %s", _ref(ev), ch.name, exc)
                        results.append(
                            DeliveryResult(ev.alert_id, ev.event_seq, ch.name, "failed", 0, str(exc))
                        )
                        continue
                sec = secrets[ch.name]
                if ch.name not in clients:
                    clients[ch.name] = stack.enter_context(_client(ch, sec))
                try:
                    rendered = render_alert(ev, ch.language, ch.report_url)
                    payload = build_payload(ch.type, rendered, event=ev)
                    result = _send(
                        ch, sec, payload, client=clients[ch.name], sleep=sleep, rng=rng, label=_ref(ev)
                    )
                except Exception as exc:  # a bug must not cost the other messages: record it, log it, go on
                    log.exception("notification %s to %s: internal error", _ref(ev), ch.name)
                    result = SendResult(
                        False, 0, error=_redact(f"internal error: {type(exc).__name__}: {exc}", sec)
                    )
                end = _naive_utc(now) if now is not None else _utcnow()
                row.update(
                    status="sent" if result.ok else "failed",
                    attempts=int(row.get("attempts") or 0) + result.attempts,
                    first_attempt_at=row.get("first_attempt_at") or stamp,
                    last_attempt_at=end,
                    sent_at=end if result.ok else None,
                    http_status=result.http_status,
                    response_code=result.response_code,
                    last_error=result.error,
                    payload_sha256=result.payload_sha256,
                )
                _write_row(con, row)
                results.append(
                    DeliveryResult(
                        ev.alert_id, ev.event_seq, ch.name, str(row["status"]), result.attempts, result.error
                    )
                )
                if result.ok:
                    told.add((ev.alert_id, ch.name))
                elif result.transient:
                    broken[ch.name] = f"channel {ch.name!r} unavailable earlier in this run ({result.error})"
    summary = DeliverySummary(tuple(results), already_sent=already, not_routed=not_routed)
    if results:
        log.info("notifications: %s", summary.describe())
    return summary


def send_text(
    channel: Channel,
    title: str,
    text: str,
    *,
    kind: str = "notice",
    link: str | None = None,
    env: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> SendResult:
    """Send a free-form notice (e.g. a failed run) to one channel with the same retries; no table.
    Never raises for delivery problems (including a missing env var): the result says what happened."""
    try:
        sec = resolve_secrets(channel, env)
    except MissingSecretError as exc:
        log.error("notice %r to %s not sent: %s", kind, channel.name, exc)
        return SendResult(ok=False, attempts=0, error=str(exc))
    rendered = render_notice(title, text, channel.language, link or channel.report_url)
    payload = build_payload(channel.type, rendered, kind=kind)
    with _client(channel, sec) as client:
        return _send(
            channel, sec, payload, client=client, sleep=sleep, rng=rng or random.Random(), label=kind
        )


def preview(
    event: AlertEvent | Mapping[str, Any], language: str = "zh", report_url: str | None = None
) -> str:
    """The plain-text message for an event (CLI previews, logs of what would be sent)."""
    ev = event if isinstance(event, AlertEvent) else AlertEvent.from_mapping(event)
    return plain_text(render_alert(ev, language, report_url))


# ------------------------------------------------------------------------------------------------- HTTP


def _client(channel: Channel, sec: Secrets) -> httpx.Client:
    """One client per channel: explicit timeouts, no redirects; proxy settings from the environment are
    honoured only for remote hosts (a local receiver on 127.0.0.1 is always reached directly)."""
    host = (urlsplit(sec.base_url).hostname or "").lower()
    local = host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")
    return httpx.Client(
        timeout=httpx.Timeout(channel.timeout_seconds),
        trust_env=not local,
        follow_redirects=False,
    )


def _send(
    channel: Channel,
    sec: Secrets,
    payload: Mapping[str, Any],
    *,
    client: httpx.Client,
    sleep: Callable[[float], None],
    rng: random.Random,
    label: str,
) -> SendResult:
    attempts = 0
    last = Outcome(False, False, error="not attempted")
    digest: str | None = None
    while attempts < channel.max_attempts:
        attempts += 1
        request = build_request(channel, sec, payload, now_s=time.time())  # re-signed on every attempt
        digest = request.payload_sha256
        last = _attempt(channel, sec, request, client)
        if last.ok:
            log.info("notification %s sent to %s (attempt %d)", label, channel.name, attempts)
            return SendResult(True, attempts, last.http_status, last.response_code, None, False, digest)
        if not last.transient:
            log.error("notification %s to %s failed permanently: %s", label, channel.name, last.error)
            break
        if attempts < channel.max_attempts:
            delay = backoff_delay(channel, attempts, rng, retry_after=last.retry_after)
            log.warning(
                "notification %s to %s: attempt %d failed (%s); retrying in %.1f s",
                label,
                channel.name,
                attempts,
                last.error,
                delay,
            )
            sleep(delay)
        else:
            log.error(
                "notification %s to %s failed after %d attempts: %s",
                label,
                channel.name,
                attempts,
                last.error,
            )
    return SendResult(
        False, attempts, last.http_status, last.response_code, last.error, last.transient, digest
    )


def backoff_delay(
    channel: Channel, failed_attempts: int, rng: random.Random, retry_after: float | None = None
) -> float:
    """Seconds before the next attempt: backoff * 2**(n-1), capped at backoff_max_seconds, times a jitter
    in [0.5, 1.0); a server's Retry-After (seconds) raises it, still within the cap."""
    base = min(channel.backoff_max_seconds, channel.backoff_seconds * 2 ** (failed_attempts - 1))
    delay = base * (0.5 + 0.5 * rng.random())
    if retry_after is not None:
        delay = max(delay, min(retry_after, channel.backoff_max_seconds))
    return delay


@dataclass(frozen=True)
class Outcome:
    """One HTTP attempt classified."""

    ok: bool
    transient: bool
    http_status: int | None = None
    response_code: str | None = None
    error: str | None = None
    retry_after: float | None = None


def _attempt(channel: Channel, sec: Secrets, request: OutgoingRequest, client: httpx.Client) -> Outcome:
    flag = _SENDING.set(True)
    try:
        resp = client.post(request.url, content=request.body, headers=dict(request.headers))
    except httpx.TimeoutException as exc:
        error = f"timeout after {channel.timeout_seconds:g} s ({type(exc).__name__})"
        return Outcome(False, True, error=_redact(error, sec))
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:  # a bad URL in url_env: not transient
        return Outcome(False, False, error=_redact(f"invalid URL ({type(exc).__name__})", sec))
    except httpx.HTTPError as exc:  # connection refused/reset, protocol errors: try again
        return Outcome(False, True, error=_redact(f"{type(exc).__name__}: {exc}", sec))
    finally:
        _SENDING.reset(flag)
    return classify_response(channel.type, resp.status_code, resp.content, resp.headers, sec)


def classify_response(
    channel_type: str,
    status: int,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    sec: Secrets | None = None,
) -> Outcome:
    """Success, transient or permanent failure from an HTTP status and the robot's JSON answer."""
    retry_after = _parse_retry_after((headers or {}).get("retry-after"))
    transient_http = status in TRANSIENT_HTTP or status >= 500
    if channel_type == "webhook":
        if 200 <= status < 300:
            return Outcome(True, False, status)
        return Outcome(
            False, transient_http, status, None, _redact(f"HTTP {status}: {_snippet(body)}", sec), retry_after
        )
    code, msg = _robot_code(channel_type, body)
    if 200 <= status < 300 and code == 0:
        return Outcome(True, False, status, "0")
    if transient_http:
        return Outcome(
            False,
            True,
            status,
            _str(code),
            _redact(f"HTTP {status}: {msg or _snippet(body)}", sec),
            retry_after,
        )
    if code is None:
        what = "not a JSON answer" if 200 <= status < 300 else _snippet(body)
        return Outcome(False, False, status, None, _redact(f"HTTP {status}: {what}", sec))
    transient = code in TRANSIENT_CODES.get(channel_type, set())
    return Outcome(
        False, transient, status, str(code), _redact(f"HTTP {status} code {code}: {msg}", sec), retry_after
    )


def _robot_code(channel_type: str, body: bytes) -> tuple[int | None, str]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, ""
    if not isinstance(data, dict):
        return None, ""
    keys = ("code", "StatusCode") if channel_type == "feishu" else ("errcode",)
    for k in keys:
        v = data.get(k)
        if isinstance(v, int) and not isinstance(v, bool):
            msg = data.get("msg") or data.get("StatusMessage") or data.get("errmsg") or ""
            return v, str(msg)
    return None, ""


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _snippet(body: bytes) -> str:
    return re.sub(r"\s+", " ", body[:200].decode("utf-8", errors="replace")).strip() or "(empty body)"


def _str(v: int | None) -> str | None:
    return None if v is None else str(v)


# ----------------------------------------------------------------------------------------------- safety

_URL_QUERY = re.compile(r"(https?://[^\s?#'\"<>]*)\?[^\s'\"<>]*")
_HOOK_TOKEN = re.compile(r"(/hook/)[^/\s?#'\"<>]+")
_SECRET_PARAM = re.compile(r"(?i)\b(key|access_token|token|sign|secret|signature)=[^&\s'\"<>]*")


def _redact(text: str, sec: Secrets | None) -> str:
    """No token, secret, URL query string or Feishu hook token in an error text; bounded length."""
    out = text
    if sec is not None:
        for value in sorted(sec.values(), key=len, reverse=True):
            out = out.replace(value, "***")
        if sec.base_url and sec.base_url in out:
            parts = urlsplit(sec.base_url)
            out = out.replace(sec.base_url, f"{parts.scheme}://{parts.netloc}/***")
    out = _URL_QUERY.sub(r"\1?***", out)
    out = _HOOK_TOKEN.sub(r"\1***", out)
    out = _SECRET_PARAM.sub(r"\1=***", out)  # a bare path?query echoed back by a server
    return out[:MAX_ERROR_CHARS]


_SENDING: contextvars.ContextVar[bool] = contextvars.ContextVar("fanops_notify_sending", default=False)
_ANY_URL = re.compile(r"(https?://[^/\s'\"<>]+)[^\s'\"<>]*")


class _RedactingFilter(logging.Filter):
    """httpx logs every request URL at INFO ("HTTP Request: POST https://...?key=..."). While this
    module sends (a context flag, so other httpx users in the process are untouched), URLs in those
    records are cut to scheme://host: the path (Feishu token, a url_env URL) and query (WeCom key,
    DingTalk access_token and sign) never reach a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _SENDING.get():
            return True
        try:
            text = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        clean = _ANY_URL.sub(r"\1/***", text)
        if clean != text:
            record.msg, record.args = clean, ()
        return True


def _install_log_redaction() -> None:
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactingFilter) for f in logger.filters):
            logger.addFilter(_RedactingFilter())


_install_log_redaction()


def _ref(ev: AlertEvent) -> str:
    return f"{ev.alert_id}#{ev.event_seq}"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _naive_utc(v: dt.datetime) -> dt.datetime:
    return v if v.tzinfo is None else v.astimezone(dt.UTC).replace(tzinfo=None)
