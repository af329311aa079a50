"""WeChat Official Account APIs (api.weixin.qq.com): datacube user summary/cumulate and article totals, and
the article comment list (contract §3.1 B, §3.2 B, §3.3).

- Token: `GET /cgi-bin/token?grant_type=client_credential&appid=&secret=` (credentials `appid`, `secret`), or a
  ready `access_token` (e.g. from a central token service; then an expired token cannot be refreshed here).
- Errors (`errcode` in the JSON body): 40001/40014/42001 token invalid or expired -> refresh once and retry;
  45009 (daily quota) and 45011 (minute quota) -> rate limited, retried with backoff, then the run fails
  with the window left for the next run; -1 (system busy) -> transient; 61500/61501 (date format / range),
  44002, 47001, 40097 -> a request bug, never retried; 40013/40125/40164/48001/50001 -> authorisation, never
  retried; anything else -> error.
- Datacube: `POST /datacube/<api>?access_token=`, body `{"begin_date","end_date"}`; user APIs span <= 7 days,
  getarticletotal exactly 1 day; `end_date` <= yesterday (Asia/Shanghai), so windows are clamped and split.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ingestion.connectors.base import Session, TokenProvider, Window
from ingestion.connectors.http import (
    ApiClient,
    AuthError,
    CredentialsMissing,
    Verdict,
    classify_code,
)

PLATFORM = "wechat"
DEFAULT_BASE_URL = "https://api.weixin.qq.com"
CREDENTIAL_FIELDS = ("appid", "secret", "access_token")
USER_SPAN_DAYS = 7
ARTICLE_SPAN_DAYS = 1
COMMENT_PAGE = 49  # the API takes count < 50

TOKEN_EXPIRED = (40001, 40014, 42001)
RATE_LIMIT = (45009, 45011)
TRANSIENT = (-1,)
BAD_REQUEST = (61500, 61501, 44002, 47001, 40097)
AUTH = (40013, 40125, 40164, 48001, 50001, 41001, 41002, 41004)


def classify(status: int, body: Any) -> Verdict:
    if not isinstance(body, dict):
        return Verdict("error", f"HTTP {status}", "the answer is not a JSON object")
    code = body.get("errcode", 0)
    if code in (0, None):
        return Verdict("ok") if 200 <= status < 300 else Verdict("error", f"HTTP {status}", "")
    msg = str(body.get("errmsg", ""))
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


class WechatTokens(TokenProvider):
    def _fetch(self, initial: bool) -> str:
        if initial and self.creds.get("access_token"):
            return self.creds["access_token"]
        if not (self.creds.get("appid") and self.creds.get("secret")):
            if initial:
                raise CredentialsMissing(
                    "wechat: no credentials (set appid and secret, or access_token; see `fanops pull --help`)"
                )
            raise AuthError("wechat: the access token expired and no appid/secret is set to get a new one")
        body = self.client.call(
            "GET",
            "cgi-bin/token",
            api="cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.creds["appid"], "secret": self.creds["secret"]},
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise AuthError("wechat cgi-bin/token: the answer holds no access_token")
        return str(token)


def _post(session: Session, path: str, api: str, body: dict[str, Any]) -> Any:
    return session.request(
        lambda token: session.client.call("POST", path, api=api, params={"access_token": token}, json_body=body)
    )


def clamp(window: Window, yesterday: dt.date) -> Window | None:
    end = min(window.end, yesterday)
    return Window(window.start, end) if window.start <= end else None


def pull_user_growth(session: Session, window: Window) -> None:
    """getusersummary + getusercumulate, each range split into spans of at most 7 days."""
    for chunk in window.chunks(USER_SPAN_DAYS):
        for api in ("datacube/getusersummary", "datacube/getusercumulate"):
            req = {"begin_date": chunk.start.isoformat(), "end_date": chunk.end.isoformat()}
            session.record(api, req, _post(session, api, api, req))


def _article_totals(session: Session, window: Window, record: bool) -> list[dict[str, Any]]:
    articles: list[dict[str, Any]] = []
    for day in window.days():
        api = "datacube/getarticletotal"
        req = {"begin_date": day.isoformat(), "end_date": day.isoformat()}
        resp = _post(session, api, api, req)
        if record:
            session.record(api, req, resp)
        articles.extend(a for a in (resp.get("list") or []) if isinstance(a, dict))
    return articles


def pull_articles(session: Session, window: Window) -> None:
    """getarticletotal, one call per send date (its span is one day)."""
    _article_totals(session, window, record=True)


def pull_comments(session: Session, window: Window) -> None:
    """The comments of every article sent in the window (found through getarticletotal, not landed here):
    `cgi-bin/comment/list` paged by `begin` in pages of 49, type 0 (all)."""
    seen: set[str] = set()
    for article in _article_totals(session, window, record=False):
        msgid = str(article.get("msgid") or "")
        mid, _, idx = msgid.partition("_")
        if not mid.isdigit() or not idx.isdigit() or msgid in seen:
            continue
        seen.add(msgid)
        begin = 0
        while True:
            api = "cgi-bin/comment/list"
            req = {"msg_data_id": int(mid), "index": int(idx) - 1, "begin": begin, "count": COMMENT_PAGE, "type": 0}
            resp = _post(session, api, api, req)
            session.record(api, req, resp)
            page = resp.get("comment") or []
            if len(page) < COMMENT_PAGE:
                break
            begin += COMMENT_PAGE


DATASETS: dict[str, Callable[[Session, Window], None]] = {
    "user_growth": pull_user_growth,
    "articles": pull_articles,
    "comments": pull_comments,
}
# datasets whose pull is an exact date range (the others read the current state, looking back over the window)
RANGE_DATASETS = ("user_growth", "articles")


def make_tokens(client: ApiClient, credentials: dict[str, str]) -> TokenProvider:
    return WechatTokens(client, credentials)
