"""The shared HTTP client of the pull connectors: httpx with explicit timeouts, retries with exponential
backoff and jitter on rate limits and transient errors, and no retry on authorisation or request errors.

Each API family classifies its own answers (`Verdict`): a platform error code inside an HTTP 200 is as
common as an HTTP status. Secrets never reach an exception text or a log record: every error message is
passed through `Redactor`, and the httpx/httpcore loggers get a filter that masks credential query
parameters (WeChat, Kuaishou and Weibo put `access_token` in the URL).
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

log = logging.getLogger("fanops.connectors")

# Parameters that carry a credential or an app identity: never recorded in a landing file, a log or an error.
SECRET_PARAMS = frozenset(
    {
        "access_token",
        "access-token",
        "appid",
        "secret",
        "client_key",
        "client_secret",
        "refresh_token",
        "app_id",
        "app_secret",
        "open_id",
        "code",
    }
)

Kind = Literal["ok", "rate_limit", "transient", "token_expired", "auth", "bad_request", "error"]


@dataclass(frozen=True)
class Verdict:
    """One answer classified by the API family."""

    kind: Kind
    code: str | None = None
    message: str = ""
    retry_after: float | None = None


class ConnectorError(RuntimeError):
    """A pull failed; the text names platform, API and code but never a credential."""

    kind: Kind = "error"

    def __init__(self, message: str, *, code: str | None = None, api: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.api = api


class RateLimited(ConnectorError):
    kind: Kind = "rate_limit"


class TransientError(ConnectorError):
    kind: Kind = "transient"


class TokenExpired(ConnectorError):
    kind: Kind = "token_expired"


class AuthError(ConnectorError):
    kind: Kind = "auth"


class RequestError(ConnectorError):
    """The request itself is wrong (a date range the API refuses, a bad parameter): a bug, never retried."""

    kind: Kind = "bad_request"


class CredentialsMissing(ConnectorError):
    kind: Kind = "auth"


_ERRORS: dict[str, type[ConnectorError]] = {
    "rate_limit": RateLimited,
    "transient": TransientError,
    "token_expired": TokenExpired,
    "auth": AuthError,
    "bad_request": RequestError,
    "error": ConnectorError,
}

_SECRET_QUERY = re.compile(
    r"(?i)\b(" + "|".join(re.escape(p) for p in sorted(SECRET_PARAMS)) + r")=[^&\s'\"<>]*"
)


class Redactor:
    """Masks every known secret value and every credential query parameter in a text."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def add(self, *values: str | None) -> None:
        for v in values:
            if v and len(v) >= 4:
                self._values.add(v)

    def __call__(self, text: str) -> str:
        out = text
        for value in sorted(self._values, key=len, reverse=True):
            out = out.replace(value, "***")
        return _SECRET_QUERY.sub(r"\1=***", out)


class _QueryRedactingFilter(logging.Filter):
    """httpx logs each request line with its URL ("HTTP Request: GET https://...?access_token=..."):
    credential parameters are masked in every such record, whoever sends."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record: logging reports it itself
            return True
        clean = _SECRET_QUERY.sub(r"\1=***", text)
        if clean != text:
            record.msg, record.args = clean, ()
        return True


def install_log_redaction() -> None:
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _QueryRedactingFilter) for f in logger.filters):
            logger.addFilter(_QueryRedactingFilter())


install_log_redaction()


@dataclass(frozen=True)
class RetryPolicy:
    timeout_seconds: float = 30.0
    max_attempts: int = 5
    backoff_seconds: float = 2.0
    backoff_max_seconds: float = 60.0

    def delay(self, failed_attempts: int, rng: random.Random, retry_after: float | None = None) -> float:
        """backoff x 2^(n-1), capped, times a jitter in [0.5, 1.0); a server's Retry-After raises it (capped)."""
        base = min(self.backoff_max_seconds, self.backoff_seconds * 2 ** (failed_attempts - 1))
        delay = base * (0.5 + 0.5 * rng.random())
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.backoff_max_seconds))
        return delay


Classifier = Callable[[int, Any], Verdict]


class ApiClient:
    """One httpx client per API family and account (base URL configurable, e.g. a local test server)."""

    def __init__(
        self,
        platform: str,
        base_url: str,
        classify: Classifier,
        policy: RetryPolicy,
        redactor: Redactor,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.platform = platform
        self.base_url = base_url.rstrip("/")
        self.classify = classify
        self.policy = policy
        self.redact = redactor
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.attempts = 0  # HTTP requests sent (for metadata)
        self.retries = 0
        host = (urlsplit(self.base_url).hostname or "").lower()
        local = host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")
        self._http = httpx.Client(
            timeout=httpx.Timeout(policy.timeout_seconds), trust_env=not local, follow_redirects=False
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        api: str,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request, retrying rate-limited and transient failures; return the parsed JSON answer.
        Raises a `ConnectorError` subclass (`TokenExpired`, `AuthError`, `RequestError`, `RateLimited`...)."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        failed = 0
        while True:
            self.attempts += 1
            verdict, body = self._attempt(method, url, params, json_body, form, headers)
            if verdict.kind == "ok":
                return body
            what = f"{self.platform} {api}: " + (
                f"code {verdict.code}: " if verdict.code is not None else ""
            ) + (verdict.message or verdict.kind)
            what = self.redact(what)[:500]
            if verdict.kind in ("rate_limit", "transient"):
                failed += 1
                if failed < self.policy.max_attempts:
                    delay = self.policy.delay(failed, self.rng, verdict.retry_after)
                    log.warning("%s (attempt %d); retrying in %.2f s", what, failed, delay)
                    self.retries += 1
                    self.sleep(delay)
                    continue
                what = f"{what} (gave up after {failed} attempts; the next run retries this window)"
            raise _ERRORS[verdict.kind](what, code=verdict.code, api=api)

    def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json_body: Mapping[str, Any] | None,
        form: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
    ) -> tuple[Verdict, Any]:
        try:
            resp = self._http.request(
                method,
                url,
                params={k: _param(v) for k, v in (params or {}).items()},
                content=None if json_body is None else json.dumps(json_body, ensure_ascii=False).encode(),
                data=None if form is None else {k: _param(v) for k, v in form.items()},
                headers={
                    **({"content-type": "application/json"} if json_body is not None else {}),
                    **(headers or {}),
                },
            )
        except httpx.TimeoutException as exc:
            return Verdict("transient", None, f"timeout after {self.policy.timeout_seconds:g} s "
                                               f"({type(exc).__name__})"), None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            return Verdict("error", None, f"invalid URL ({type(exc).__name__})"), None
        except httpx.HTTPError as exc:  # refused, reset, protocol errors: transient
            return Verdict("transient", None, f"{type(exc).__name__}: {exc}"), None
        retry_after = _retry_after(resp.headers.get("retry-after"))
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code == 429:
            return Verdict("rate_limit", "HTTP 429", "too many requests", retry_after), body
        if resp.status_code >= 500:
            return Verdict("transient", f"HTTP {resp.status_code}", _snippet(resp.content), retry_after), body
        verdict = self.classify(resp.status_code, body)
        if verdict.kind != "ok" or body is not None:
            if verdict.retry_after is None and retry_after is not None:
                verdict = Verdict(verdict.kind, verdict.code, verdict.message, retry_after)
            return verdict, body
        return Verdict("error", f"HTTP {resp.status_code}", "the answer is not JSON"), None


def _param(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _snippet(body: bytes) -> str:
    return re.sub(r"\s+", " ", body[:200].decode("utf-8", errors="replace")).strip() or "(empty body)"


def code_in(code: Any, codes: Iterable[int]) -> bool:
    try:
        return int(code) in set(codes)
    except (TypeError, ValueError):
        return False


def classify_code(code: Any, message: str, tables: Iterable[tuple[Kind, Iterable[int]]]) -> Verdict:
    """The verdict for a family's error code: the kind of the first table holding it, else an error."""
    for kind, codes in tables:
        if code_in(code, codes):
            return Verdict(kind, str(code), message)
    return Verdict("error", str(code), message)


def recorded_request(params: Mapping[str, Any]) -> dict[str, Any]:
    """The request as a landing file records it: every credential or app identity removed."""
    return {k: v for k, v in params.items() if k.lower() not in SECRET_PARAMS}
