"""Kuaishou open platform (open.kuaishou.com): the account's photo list (contract §3.8 B).

- `GET /openapi/photo/list?app_id&access_token&cursor&count`: newest first; `cursor` of the next page = the
  last `photo_id` of this one (first page: empty); the list ends with a page shorter than `count`. Paging
  also stops once a page reaches videos created before the window (the pull keeps the recent videos' counts
  current; older snapshots stay as they were).
- Token: credentials `app_id`, `app_secret`, `refresh_token` -> `GET /oauth2/refresh_token?app_id&app_secret&
  refresh_token&grant_type=refresh_token` (answer `result` 1, `access_token`), or a ready `access_token`.
- Errors: `result` != 1. 100200101 (authentication failed) on a data call -> refresh once and retry, then an
  authorisation error; 100200100 (bad parameter) -> request bug; HTTP 429/5xx -> retried.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ingestion.connectors.base import Session, TokenProvider, Window
from ingestion.connectors.http import ApiClient, AuthError, CredentialsMissing, Verdict, code_in
from ingestion.timeutil import SHANGHAI

PLATFORM = "kuaishou"
DEFAULT_BASE_URL = "https://open.kuaishou.com"
CREDENTIAL_FIELDS = ("app_id", "app_secret", "refresh_token", "access_token")
PAGE = 50

TOKEN_EXPIRED = (100200101,)
BAD_REQUEST = (100200100,)


def classify(status: int, body: Any) -> Verdict:
    if not isinstance(body, dict):
        return Verdict("error", f"HTTP {status}", "the answer is not a JSON object")
    result = body.get("result")
    if result == 1:
        return Verdict("ok") if 200 <= status < 300 else Verdict("error", f"HTTP {status}", "")
    msg = str(body.get("error_msg") or body.get("message") or "")
    if code_in(result, TOKEN_EXPIRED):
        return Verdict("token_expired", str(result), msg)
    if code_in(result, BAD_REQUEST):
        return Verdict("bad_request", str(result), msg)
    return Verdict("error", str(result), msg)


class KuaishouTokens(TokenProvider):
    def _fetch(self, initial: bool) -> str:
        if initial and self.creds.get("access_token"):
            return self.creds["access_token"]
        if not all(self.creds.get(k) for k in ("app_id", "app_secret", "refresh_token")):
            if initial:
                raise CredentialsMissing("kuaishou: no credentials (set app_id, app_secret and refresh_token)")
            raise AuthError("kuaishou: the access token expired and no refresh_token is set to refresh it")
        body = self.client.call(
            "GET",
            "oauth2/refresh_token",
            api="oauth2/refresh_token",
            params={
                "app_id": self.creds["app_id"],
                "app_secret": self.creds["app_secret"],
                "refresh_token": self.creds["refresh_token"],
                "grant_type": "refresh_token",
            },
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise AuthError("kuaishou oauth2/refresh_token: the answer holds no access_token")
        return str(token)


def pull_videos(session: Session, window: Window) -> None:
    app_id = session.credentials.get("app_id")
    if not app_id:
        raise CredentialsMissing(f"kuaishou/{session.account}: app_id is not set")
    start_ms = dt.datetime.combine(window.start, dt.time(), tzinfo=SHANGHAI).timestamp() * 1000
    cursor = ""
    while True:
        req = {"cursor": cursor, "count": PAGE}

        def send(token: str, req: dict[str, Any] = req) -> Any:
            params = {"app_id": app_id, "access_token": token, **req}
            return session.client.call("GET", "openapi/photo/list", api="openapi/photo/list", params=params)

        resp = session.request(send)
        session.record("openapi/photo/list", req, resp)
        page = [v for v in (resp.get("video_list") or []) if isinstance(v, dict)]
        oldest = min((v.get("create_time") or 0 for v in page), default=0)
        if len(page) < PAGE or oldest < start_ms or not page[-1].get("photo_id"):
            return
        cursor = str(page[-1]["photo_id"])


DATASETS: dict[str, Callable[[Session, Window], None]] = {"videos": pull_videos}
RANGE_DATASETS: tuple[str, ...] = ()


def make_tokens(client: ApiClient, credentials: dict[str, str]) -> TokenProvider:
    return KuaishouTokens(client, credentials)
