"""Douyin open platform (open.douyin.com): user fans data, item comments and replies, fans portrait
(contract §3.5, §3.6, §3.18).

- Token: the user access token travels in the `access-token` header. Credentials: `client_key`,
  `refresh_token` (-> `POST /oauth/refresh_token/` form `client_key, grant_type=refresh_token,
  refresh_token`; answer `data.access_token`), optionally a ready `access_token`; `open_id` of the
  authorised account (query parameter of every data API; not recorded in landing files).
- Endpoints: `GET /data/external/user/fans/?open_id&date_type` (7/15/30: the last N days up to yesterday),
  `GET /video/list/?open_id&cursor&count` (item discovery for comments, not landed: no dataset takes it),
  `GET /item/comment/list/?open_id&item_id&cursor&count`, `GET /item/comment/reply/list/?open_id&item_id&
  comment_id&cursor&count`, `GET /fans/data/?open_id` (api name `fans_data`). Paging: `cursor` + `has_more`.
- Errors: `data.error_code` or `extra.error_code` != 0. 2190008/2190002 token expired or invalid -> refresh
  once; 2100004 system busy -> transient; 2100005 bad parameter -> request bug; 2190004/2190015/2190016/
  2100007/2100009 -> authorisation; HTTP 429 -> rate limited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ingestion.connectors.base import Session, TokenProvider, Window
from ingestion.connectors.http import ApiClient, AuthError, CredentialsMissing, Verdict, classify_code
from ingestion.timeutil import SHANGHAI

PLATFORM = "douyin"
DEFAULT_BASE_URL = "https://open.douyin.com"
CREDENTIAL_FIELDS = ("client_key", "refresh_token", "access_token", "open_id")
PAGE = 50
DATE_TYPES = (7, 15, 30)

TOKEN_EXPIRED = (2190008, 2190002)
TRANSIENT = (2100004,)
BAD_REQUEST = (2100005,)
AUTH = (2190004, 2190015, 2190016, 2100007, 2100009)
RATE_LIMIT = (2100011,)


def _error_code(body: dict[str, Any]) -> tuple[Any, str]:
    for part in ("data", "extra"):
        block = body.get(part)
        if isinstance(block, dict) and block.get("error_code") not in (0, None):
            return block.get("error_code"), str(block.get("description", ""))
    return 0, ""


def classify(status: int, body: Any) -> Verdict:
    if not isinstance(body, dict):
        return Verdict("error", f"HTTP {status}", "the answer is not a JSON object")
    code, msg = _error_code(body)
    if code in (0, None):
        return Verdict("ok") if 200 <= status < 300 else Verdict("error", f"HTTP {status}", "")
    return classify_code(
        code,
        msg,
        (
            ("token_expired", TOKEN_EXPIRED),
            ("rate_limit", RATE_LIMIT),
            ("transient", TRANSIENT),
            ("bad_request", BAD_REQUEST),
            ("auth", AUTH),
        ),
    )


class DouyinTokens(TokenProvider):
    def _fetch(self, initial: bool) -> str:
        if initial and self.creds.get("access_token"):
            return self.creds["access_token"]
        if not (self.creds.get("client_key") and self.creds.get("refresh_token")):
            if initial:
                raise CredentialsMissing("douyin: no credentials (set client_key and refresh_token, or access_token)")
            raise AuthError("douyin: the access token expired and no client_key/refresh_token is set to refresh it")
        body = self.client.call(
            "POST",
            "oauth/refresh_token/",
            api="oauth/refresh_token",
            form={
                "client_key": self.creds["client_key"],
                "grant_type": "refresh_token",
                "refresh_token": self.creds["refresh_token"],
            },
        )
        data = body.get("data") if isinstance(body, dict) else None
        token = data.get("access_token") if isinstance(data, dict) else None
        if not token:
            raise AuthError("douyin oauth/refresh_token: the answer holds no access_token")
        return str(token)


def _open_id(session: Session) -> str:
    open_id = session.credentials.get("open_id")
    if not open_id:
        raise CredentialsMissing(f"douyin/{session.account}: open_id is not set")
    return open_id


def _get(session: Session, path: str, api: str, params: dict[str, Any]) -> Any:
    full = {"open_id": _open_id(session), **params}
    return session.request(
        lambda token: session.client.call("GET", path, api=api, params=full, headers={"access-token": token})
    )


def pull_fans(session: Session, window: Window) -> None:
    """`data/external/user/fans` with the smallest date_type (7/15/30) covering the window up to yesterday."""
    days = (window.end - window.start).days + 1
    date_type = next((d for d in DATE_TYPES if d >= days), DATE_TYPES[-1])
    req = {"date_type": date_type}
    session.record("data/external/user/fans", req, _get(session, "data/external/user/fans/", "data/external/user/fans", req))


def _items(session: Session, window: Window) -> list[dict[str, Any]]:
    """The account's videos created in the window (newest first; paging stops past the window start)."""
    out: list[dict[str, Any]] = []
    cursor: Any = 0
    while True:
        resp = _get(session, "video/list/", "video/list", {"cursor": cursor, "count": PAGE})
        data = resp.get("data") or {}
        page = [i for i in (data.get("list") or []) if isinstance(i, dict)]
        out.extend(i for i in page if isinstance(i.get("create_time"), int) and window.contains_epoch(i["create_time"]))
        start_epoch = dt.datetime.combine(window.start, dt.time(), tzinfo=SHANGHAI).timestamp()
        oldest = min((i.get("create_time") or 0 for i in page), default=0)
        if not data.get("has_more") or not page or oldest < start_epoch:
            return out
        cursor = data.get("cursor")


def pull_comments(session: Session, window: Window) -> None:
    """Comments of the videos created in the window, and the replies of comments that have any."""
    for item in _items(session, window):
        item_id = str(item.get("item_id"))
        cursor: Any = 0
        while True:
            req = {
                "item_id": item_id,
                "item_create_time": item.get("create_time"),
                "item_title": item.get("title"),
                "cursor": cursor,
                "count": PAGE,
            }
            params = {"item_id": item_id, "cursor": cursor, "count": PAGE}
            resp = _get(session, "item/comment/list/", "item/comment/list", params)
            session.record("item/comment/list", req, resp)
            data = resp.get("data") or {}
            for comment in data.get("list") or []:
                if isinstance(comment, dict) and (comment.get("reply_comment_total") or 0) > 0:
                    _replies(session, item_id, str(comment.get("comment_id")))
            if not data.get("has_more"):
                break
            cursor = data.get("cursor")


def _replies(session: Session, item_id: str, comment_id: str) -> None:
    cursor: Any = 0
    while True:
        req = {"item_id": item_id, "comment_id": comment_id, "cursor": cursor, "count": PAGE}
        resp = _get(session, "item/comment/reply/list/", "item/comment/reply/list", req)
        session.record("item/comment/reply/list", req, resp)
        data = resp.get("data") or {}
        if not data.get("has_more"):
            return
        cursor = data.get("cursor")


def pull_fans_portrait(session: Session, window: Window) -> None:
    """`fans_data`: the current follower portrait (its snapshot date is the fetch date)."""
    session.record("fans_data", {}, _get(session, "fans/data/", "fans_data", {}))


DATASETS: dict[str, Callable[[Session, Window], None]] = {
    "fans": pull_fans,
    "comments": pull_comments,
    "fans_portrait": pull_fans_portrait,
}
RANGE_DATASETS: tuple[str, ...] = ()


def make_tokens(client: ApiClient, credentials: dict[str, str]) -> TokenProvider:
    return DouyinTokens(client, credentials)
