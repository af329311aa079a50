"""Weibo open API (api.weibo.com): the account's timeline and its posts' comments (contract §3.11, §3.13).

- `GET /2/statuses/user_timeline.json?access_token&uid&count&page` (newest first; paging stops at an empty or
  short page, or once a page reaches posts created before the window) and `GET /2/comments/show.json?
  access_token&id&count&page` for every post created in the window (the timeline pages of the comments
  pull are discovery only and not landed).
- Token: a ready `access_token` (Weibo's OAuth2 code flow has no refresh grant for ordinary apps): an
  expired token (21327) or an invalid one (21314-21317, 21332) is an authorisation error, never retried.
  `uid` (the account's numeric id) is a credential field too but is recorded: the contract's requests
  carry it.
- Errors: an `error_code` key. 10022/10023/10024 (IP/user/API rate limits) -> rate limited with backoff;
  10001/10002/10009 (system error, unavailable, busy) -> transient; 10008/10016/10017 -> request bug.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

from ingestion.connectors.base import Session, TokenProvider, Window
from ingestion.connectors.http import ApiClient, AuthError, CredentialsMissing, Verdict, classify_code
from ingestion.timeutil import SHANGHAI

PLATFORM = "weibo"
DEFAULT_BASE_URL = "https://api.weibo.com"
CREDENTIAL_FIELDS = ("access_token", "uid")
TIMELINE_PAGE = 100
COMMENT_PAGE = 200

AUTH = (21327, 21314, 21315, 21316, 21317, 21332, 21301, 10006, 10014)
RATE_LIMIT = (10022, 10023, 10024)
TRANSIENT = (10001, 10002, 10009)
BAD_REQUEST = (10008, 10016, 10017)


def classify(status: int, body: Any) -> Verdict:
    if isinstance(body, dict) and "error_code" in body:
        code = body.get("error_code")
        msg = str(body.get("error", ""))
        return classify_code(
            code,
            msg,
            (
                ("rate_limit", RATE_LIMIT),
                ("transient", TRANSIENT),
                ("bad_request", BAD_REQUEST),
                ("auth", AUTH),
            ),
        )
    if not 200 <= status < 300 or not isinstance(body, dict | list):
        return Verdict("error", f"HTTP {status}", "not a Weibo API answer")
    return Verdict("ok")


class WeiboTokens(TokenProvider):
    def _fetch(self, initial: bool) -> str:
        if initial and self.creds.get("access_token"):
            return self.creds["access_token"]
        if initial:
            raise CredentialsMissing("weibo: no access_token is set")
        raise AuthError("weibo: the access token expired; authorise the app again and set a new access_token")


def _get(session: Session, path: str, api: str, params: dict[str, Any]) -> Any:
    return session.request(
        lambda token: session.client.call("GET", path, api=api, params={"access_token": token, **params})
    )


def _created_date(status: dict[str, Any]) -> Any:
    try:
        return parsedate_to_datetime(str(status.get("created_at"))).astimezone(SHANGHAI).date()
    except (TypeError, ValueError):
        return None


def _timeline(session: Session, window: Window, record: bool) -> list[dict[str, Any]]:
    uid = session.credentials.get("uid")
    if not uid:
        raise CredentialsMissing(f"weibo/{session.account}: uid is not set")
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        req = {"uid": uid, "count": TIMELINE_PAGE, "page": page}
        resp = _get(session, "2/statuses/user_timeline.json", "2/statuses/user_timeline", req)
        if record:
            session.record("2/statuses/user_timeline", req, resp)
        statuses = [s for s in (resp.get("statuses") or []) if isinstance(s, dict)]
        out.extend(statuses)
        dates = [d for d in (_created_date(s) for s in statuses) if d is not None]
        if len(statuses) < TIMELINE_PAGE or (dates and min(dates) < window.start):
            return out
        page += 1


def pull_posts(session: Session, window: Window) -> None:
    _timeline(session, window, record=True)


def pull_comments(session: Session, window: Window) -> None:
    for status in _timeline(session, window, record=False):
        day = _created_date(status)
        post_id = str(status.get("idstr") or status.get("mid") or "")
        if day is None or not window.start <= day <= window.end or not post_id:
            continue
        page = 1
        while True:
            req = {"id": post_id, "count": COMMENT_PAGE, "page": page}
            resp = _get(session, "2/comments/show.json", "2/comments/show", req)
            session.record("2/comments/show", req, resp)
            if len(resp.get("comments") or []) < COMMENT_PAGE:
                break
            page += 1


DATASETS: dict[str, Callable[[Session, Window], None]] = {"posts": pull_posts, "comments": pull_comments}
RANGE_DATASETS: tuple[str, ...] = ()


def make_tokens(client: ApiClient, credentials: dict[str, str]) -> TokenProvider:
    return WeiboTokens(client, credentials)
