"""A real HTTP server on 127.0.0.1 implementing the platform APIs the connectors call, as their public
documentation describes them (request shape, maximum spans, error envelopes and codes, paging, tokens).

One server answers all four families under path prefixes (`/wechat`, `/douyin`, `/kuaishou`, `/weibo`),
so a test points `connectors.base_urls.<family>` at `<server>/<family>`. Its data is seeded from the bundled
sample's hand-made dumps (`calls[].response`), so what the connectors land can be compared row for row with
those dumps. Failure injection: `fail(path, *answers)` queues answers (status, body, headers) that a path
returns before its normal answer; `expire_tokens()` invalidates every token issued so far.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SH = dt.timezone(dt.timedelta(hours=8))

APPID, APPSECRET = "wx-appid-0001", "WX-APPSECRET-do-not-leak-7f3a"
DY_CLIENT_KEY, DY_REFRESH = "dy-client-key-01", "DY-REFRESH-do-not-leak-91be"
DY_OPEN_ID = "dy-open-id-5c2e"
KS_APP_ID, KS_APP_SECRET, KS_REFRESH = "ks-app-0001", "KS-APPSECRET-do-not-leak-1d0c", "KS-REFRESH-do-not-leak-33aa"
WB_TOKEN, WB_UID = "WB-TOKEN-do-not-leak-6e21", "7712345678"
SECRETS = (APPSECRET, DY_REFRESH, KS_APP_SECRET, KS_REFRESH, WB_TOKEN, DY_CLIENT_KEY, DY_OPEN_ID)


def credentials_env(secrets_file: Path | None = None) -> dict[str, str]:
    """Environment variables holding every test account's credentials (the connectors' env convention)."""
    return {
        "FANOPS_WECHAT_QINGHE_WX_APPID": APPID,
        "FANOPS_WECHAT_QINGHE_WX_SECRET": APPSECRET,
        "FANOPS_DOUYIN_QINGHE_DY_CLIENT_KEY": DY_CLIENT_KEY,
        "FANOPS_DOUYIN_QINGHE_DY_REFRESH_TOKEN": DY_REFRESH,
        "FANOPS_DOUYIN_QINGHE_DY_OPEN_ID": DY_OPEN_ID,
        "FANOPS_KUAISHOU_QINGHE_KS_APP_ID": KS_APP_ID,
        "FANOPS_KUAISHOU_QINGHE_KS_APP_SECRET": KS_APP_SECRET,
        "FANOPS_KUAISHOU_QINGHE_KS_REFRESH_TOKEN": KS_REFRESH,
        "FANOPS_WEIBO_QINGHE_WB_ACCESS_TOKEN": WB_TOKEN,
        "FANOPS_WEIBO_QINGHE_WB_UID": WB_UID,
    }


@dataclass
class ApiData:
    """What the server knows (seeded from sample dumps or by a test)."""

    wx_summary: dict[str, list[dict]] = field(default_factory=dict)  # ref_date -> source rows
    wx_cumulate: dict[str, dict] = field(default_factory=dict)  # ref_date -> row
    wx_articles: dict[str, list[dict]] = field(default_factory=dict)  # send date -> getarticletotal list items
    wx_comments: dict[tuple[int, int], list[dict]] = field(default_factory=dict)  # (msg_data_id, index) -> comments
    dy_fans: dict[str, dict] = field(default_factory=dict)  # date -> result row
    dy_items: list[dict] = field(default_factory=list)  # video list items, newest first
    dy_comments: dict[str, list[dict]] = field(default_factory=dict)  # item_id -> comments
    dy_replies: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # (item_id, comment_id) -> replies
    dy_fans_data: dict | None = None
    ks_videos: list[dict] = field(default_factory=list)  # newest first
    wb_statuses: list[dict] = field(default_factory=list)  # newest first
    wb_comments: dict[str, list[dict]] = field(default_factory=dict)  # status idstr -> comments


class MockApi:
    def __init__(self, data: ApiData | None = None, today: dt.date | None = None) -> None:
        self.data = data or ApiData()
        self.today = today or dt.date(2026, 11, 15)  # the server's "today" (Asia/Shanghai)
        self.tokens: dict[str, set[str]] = defaultdict(set)
        self.issued = 0
        self.weibo_token_valid = True  # Weibo tokens are long-lived and cannot be refreshed by the app
        self.log: list[tuple[str, str, dict[str, Any]]] = []  # (method, path, params incl. json body)
        self._fail: dict[str, list[tuple[int, Any, dict[str, str]]]] = defaultdict(list)
        self._lock = threading.Lock()
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # ------------------------------------------------------------------ control
    def start(self) -> MockApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def base_urls(self) -> dict[str, str]:
        return {p: f"{self.url}/{p}" for p in ("wechat", "douyin", "kuaishou", "weibo")}

    def fail(self, path: str, *answers: tuple[int, Any] | tuple[int, Any, dict[str, str]]) -> None:
        with self._lock:
            for a in answers:
                self._fail[path].append((a[0], a[1], a[2] if len(a) > 2 else {}))  # type: ignore[misc]

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def calls(self, path: str) -> list[dict[str, Any]]:
        return [p for _m, pa, p in self.log if pa == path]

    def _new_token(self, family: str) -> str:
        with self._lock:
            self.issued += 1
            token = f"TOKEN-{family}-{self.issued:04d}-do-not-leak"
            self.tokens[family].add(token)
            return token

    def _valid(self, family: str, token: str | None) -> bool:
        return bool(token) and token in self.tokens[family]

    # ------------------------------------------------------------------ HTTP
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                ctype = self.headers.get("content-type") or ""
                if raw and "json" in ctype:
                    params.update(json.loads(raw.decode("utf-8")))
                elif raw:
                    params.update({k: v[-1] for k, v in parse_qs(raw.decode("utf-8")).items()})
                if self.headers.get("access-token"):
                    params["access-token"] = self.headers["access-token"]
                path = parts.path
                api.log.append((self.command, path, params))
                with api._lock:
                    queued = api._fail[path].pop(0) if api._fail.get(path) else None
                if queued is not None:
                    status, body, headers = queued
                else:
                    status, body, headers = api.route(self.command, path, params)
                data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("content-length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = _answer
            do_POST = _answer

        return Handler

    def route(self, method: str, path: str, p: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        family, _, rest = path.lstrip("/").partition("/")
        fn = getattr(self, f"_{family}", None)
        if fn is None:
            return 404, {"error": "no such family"}, {}
        return fn(method, rest, p)

    # ------------------------------------------------------------------ WeChat
    def _wechat(self, method: str, rest: str, p: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if rest == "cgi-bin/token":
            if p.get("appid") != APPID or p.get("secret") != APPSECRET:
                return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}, {}
            return 200, {"access_token": self._new_token("wechat"), "expires_in": 7200}, {}
        token = p.get("access_token")
        if not token:
            return 200, {"errcode": 41001, "errmsg": "access_token missing"}, {}
        if not self._valid("wechat", token):
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}, {}
        if method != "POST":
            return 200, {"errcode": 43002, "errmsg": "require POST method"}, {}
        if rest.startswith("datacube/"):
            return 200, self._datacube(rest.split("/", 1)[1], p), {}
        if rest == "cgi-bin/comment/list":
            count = int(p.get("count", 0))
            if count >= 50 or count <= 0:
                return 200, {"errcode": 40097, "errmsg": "invalid args"}, {}
            rows = self.data.wx_comments.get((int(p["msg_data_id"]), int(p.get("index", 0))), [])
            begin = int(p.get("begin", 0))
            page = rows[begin : begin + count]
            return 200, {"errcode": 0, "errmsg": "ok", "total": len(page), "comment": page}, {}
        return 200, {"errcode": 48001, "errmsg": "api unauthorized"}, {}

    def _datacube(self, name: str, p: dict[str, Any]) -> dict[str, Any]:
        span = {"getusersummary": 7, "getusercumulate": 7, "getarticletotal": 1}.get(name)
        if span is None:
            return {"errcode": 48001, "errmsg": "api unauthorized"}
        try:
            begin, end = dt.date.fromisoformat(p["begin_date"]), dt.date.fromisoformat(p["end_date"])
        except (KeyError, ValueError):
            return {"errcode": 61500, "errmsg": "date format error"}
        if end < begin or (end - begin).days + 1 > span or end >= self.today or begin < dt.date(2014, 12, 1):
            return {"errcode": 61501, "errmsg": "date range error"}
        days = [(begin + dt.timedelta(days=i)).isoformat() for i in range((end - begin).days + 1)]
        if name == "getusersummary":
            return {"list": [r for d in days for r in self.data.wx_summary.get(d, [])]}
        if name == "getusercumulate":
            return {"list": [self.data.wx_cumulate[d] for d in days if d in self.data.wx_cumulate]}
        return {"list": [a for d in days for a in self.data.wx_articles.get(d, [])]}

    # ------------------------------------------------------------------ Douyin
    @staticmethod
    def _dy(data: dict[str, Any], code: int = 0, description: str = "") -> dict[str, Any]:
        return {
            "data": {"error_code": code, "description": description, **data},
            "extra": {"logid": "20261115093000010203040506", "now": 1763170200000, "error_code": code,
                      "description": description, "sub_error_code": 0, "sub_description": ""},
        }

    def _douyin(self, method: str, rest: str, p: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if rest == "oauth/refresh_token/":
            if method != "POST" or p.get("client_key") != DY_CLIENT_KEY or p.get("refresh_token") != DY_REFRESH:
                return 200, {"data": {"error_code": 10010, "description": "refresh_token invalid"}, "message": "error"}, {}
            return 200, {"data": {"error_code": 0, "description": "", "access_token": self._new_token("douyin"),
                                  "expires_in": 1296000, "open_id": DY_OPEN_ID, "refresh_token": DY_REFRESH,
                                  "scope": "data.external.user,item.comment,fans.data"}, "message": "success"}, {}
        if not self._valid("douyin", p.get("access-token")):
            return 200, self._dy({}, 2190008, "access_token过期,请刷新或重新授权"), {}
        if p.get("open_id") != DY_OPEN_ID:
            return 200, self._dy({}, 2190015, "请求参数access_token openid不匹配"), {}
        count = int(p.get("count", 10) or 10)
        cursor = int(p.get("cursor", 0) or 0)

        def paged(rows: list[dict], key: str = "list") -> dict[str, Any]:
            page = rows[cursor : cursor + count]
            return {key: page, "cursor": cursor + len(page), "has_more": cursor + len(page) < len(rows)}

        if rest == "data/external/user/fans/":
            n = int(p.get("date_type", 0))
            if n not in (7, 15, 30):
                return 200, self._dy({}, 2100005, "参数不合法"), {}
            days = [(self.today - dt.timedelta(days=i)).isoformat() for i in range(n, 0, -1)]
            return 200, self._dy({"result_list": [self.data.dy_fans[d] for d in days if d in self.data.dy_fans]}), {}
        if rest == "video/list/":
            return 200, self._dy(paged(self.data.dy_items)), {}
        if rest == "item/comment/list/":
            return 200, self._dy(paged(self.data.dy_comments.get(p.get("item_id", ""), []))), {}
        if rest == "item/comment/reply/list/":
            rows = self.data.dy_replies.get((p.get("item_id", ""), p.get("comment_id", "")), [])
            return 200, self._dy(paged(rows)), {}
        if rest == "fans/data/":
            return 200, self._dy({"fans_data": self.data.dy_fans_data or {"all_fans_num": 0}}), {}
        return 404, self._dy({}, 2100005, "no such api"), {}

    # ------------------------------------------------------------------ Kuaishou
    def _kuaishou(self, method: str, rest: str, p: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if rest == "oauth2/refresh_token":
            if (p.get("app_id"), p.get("app_secret"), p.get("refresh_token")) != (KS_APP_ID, KS_APP_SECRET, KS_REFRESH):
                return 200, {"result": 100200101, "error_msg": "验证出错"}, {}
            return 200, {"result": 1, "access_token": self._new_token("kuaishou"), "expires_in": 172800,
                         "refresh_token": KS_REFRESH, "refresh_token_expires_in": 15552000}, {}
        if p.get("app_id") != KS_APP_ID:
            return 200, {"result": 100200100, "error_msg": "参数有误"}, {}
        if not self._valid("kuaishou", p.get("access_token")):
            return 200, {"result": 100200101, "error_msg": "验证出错"}, {}
        if rest == "openapi/photo/list":
            count = int(p.get("count", 20))
            cursor = p.get("cursor") or ""
            rows = self.data.ks_videos
            start = 0
            if cursor:
                ids = [v["photo_id"] for v in rows]
                start = ids.index(cursor) + 1 if cursor in ids else len(rows)
            return 200, {"result": 1, "video_list": rows[start : start + count]}, {}
        return 404, {"result": 100200100, "error_msg": "no such api"}, {}

    # ------------------------------------------------------------------ Weibo
    def _weibo(self, method: str, rest: str, p: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        req = "/" + rest
        if p.get("access_token") != WB_TOKEN or not self.weibo_token_valid:
            return 403, {"request": req, "error_code": 21327, "error": "expired_token"}, {}
        count = int(p.get("count", 20))
        page = int(p.get("page", 1))
        if rest == "2/statuses/user_timeline.json":
            if p.get("uid") != WB_UID:
                return 400, {"request": req, "error_code": 20003, "error": "User does not exists!"}, {}
            rows = self.data.wb_statuses
            part = rows[(page - 1) * count : page * count]
            return 200, {"statuses": part, "total_number": len(rows)}, {}
        if rest == "2/comments/show.json":
            rows = self.data.wb_comments.get(p.get("id", ""), [])
            part = rows[(page - 1) * count : page * count]
            return 200, {"comments": part, "previous_cursor": 0, "next_cursor": 0, "total_number": len(rows)}, {}
        return 404, {"request": req, "error_code": 10008, "error": "Param error"}, {}


# ------------------------------------------------------------------------------------- seeding from dumps


def read_docs(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        return [json.loads(text)]
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def sample_calls(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Every wrapper call of the files, in file order."""
    return [c for p in paths for d in read_docs(p) if isinstance(d, dict) for c in d.get("calls", [])]


def seed(data: ApiData, paths: Iterable[Path]) -> ApiData:
    """Fill `data` with the recorded responses of sample dump files (wrappers)."""
    for call in sample_calls(paths):
        api, req, resp = call["api"], call["request"], call["response"]
        if api == "datacube/getusersummary":
            for r in resp["list"]:
                data.wx_summary.setdefault(r["ref_date"], []).append(r)
        elif api == "datacube/getusercumulate":
            for r in resp["list"]:
                data.wx_cumulate[r["ref_date"]] = r
        elif api == "datacube/getarticletotal":
            for a in resp["list"]:
                data.wx_articles.setdefault(a["ref_date"], []).append(a)
        elif api == "cgi-bin/comment/list":
            data.wx_comments.setdefault((int(req["msg_data_id"]), int(req.get("index", 0))), []).extend(resp["comment"])
        elif api == "data/external/user/fans":
            for r in resp["data"]["result_list"]:
                data.dy_fans[r["date"]] = r
        elif api == "item/comment/list":
            item = {"item_id": req["item_id"], "create_time": req["item_create_time"], "title": req["item_title"]}
            if all(i["item_id"] != item["item_id"] for i in data.dy_items):
                data.dy_items.append(item)
            data.dy_comments.setdefault(req["item_id"], []).extend(resp["data"]["list"])
        elif api == "item/comment/reply/list":
            data.dy_replies.setdefault((req["item_id"], req["comment_id"]), []).extend(resp["data"]["list"])
        elif api == "fans_data":
            data.dy_fans_data = resp["data"]["fans_data"]
        elif api == "openapi/photo/list":
            data.ks_videos.extend(resp["video_list"])
        elif api == "2/statuses/user_timeline":
            data.wb_statuses.extend(resp["statuses"])
        elif api == "2/comments/show":
            data.wb_comments.setdefault(str(req["id"]), []).extend(resp["comments"])
    data.dy_items.sort(key=lambda i: -int(i["create_time"]))
    data.ks_videos.sort(key=lambda v: -int(v["create_time"]))
    data.wb_statuses.sort(key=lambda s: -parsedate_to_datetime(s["created_at"]).timestamp())
    return data
