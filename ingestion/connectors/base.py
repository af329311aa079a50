"""What every connector shares: credentials (environment or a secrets file outside the repo), the token
session (refresh once on expiry, then retry), date windows in Asia/Shanghai, and the landing writer that
writes the contract's §2.14 wrapper under a temporary name and renames it when complete."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingestion.config import REPO_ROOT
from ingestion.connectors.http import (
    ApiClient,
    CredentialsMissing,
    TokenExpired,
    recorded_request,
)
from ingestion.timeutil import SHANGHAI

ENV_SECRETS_FILE = "FANOPS_CONNECTOR_SECRETS"


# ------------------------------------------------------------------------------------------- credentials


def env_name(platform: str, account: str, name: str) -> str:
    """FANOPS_<PLATFORM>_<ACCOUNT>_<NAME>, e.g. FANOPS_WECHAT_QINGHE_WX_SECRET."""
    return "FANOPS_" + re.sub(r"[^A-Z0-9]", "_", f"{platform}_{account}_{name}".upper())


def load_credentials(
    platform: str, account: str, fields: tuple[str, ...], env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The account's credential fields: `FANOPS_<PLATFORM>_<ACCOUNT>_<FIELD>` environment variables win over
    the secrets file named by FANOPS_CONNECTOR_SECRETS (YAML or JSON: `{"<platform>/<account>": {field:
    value}}`), which must live outside the repository. Missing fields are simply absent."""
    env = os.environ if env is None else env
    found: dict[str, str] = {}
    path_text = env.get(ENV_SECRETS_FILE, "").strip()
    if path_text:
        path = Path(path_text).expanduser().resolve()
        if path.is_relative_to(REPO_ROOT):
            raise CredentialsMissing(
                f"{ENV_SECRETS_FILE} points inside the repository ({path.name}); keep the secrets file "
                "outside it (e.g. ~/.config/fanops/connectors.yaml, mode 0600)"
            )
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise CredentialsMissing(
                f"cannot read the secrets file named by {ENV_SECRETS_FILE}: {type(exc).__name__}"
            ) from None
        entry = doc.get(f"{platform}/{account}") if isinstance(doc, Mapping) else None
        if isinstance(entry, Mapping):
            found.update({str(k): str(v) for k, v in entry.items() if k in fields and v not in (None, "")})
    for name in fields:
        value = env.get(env_name(platform, account, name), "").strip()
        if value:
            found[name] = value
    return found


# ----------------------------------------------------------------------------------------------- session


@dataclass
class Call:
    api: str
    request: dict[str, Any]
    response: Any


class TokenProvider:
    """Holds the current access token; `refresh()` fetches a new one (or raises AuthError)."""

    def __init__(self, client: ApiClient, credentials: dict[str, str]) -> None:
        self.client = client
        self.creds = credentials
        self.redact = client.redact
        self._token: str | None = None
        self.refreshes = 0

    def token(self) -> str:
        if self._token is None:
            self._token = self._fetch(initial=True)
            self.redact.add(self._token)
        return self._token

    def refresh(self) -> str:
        self.refreshes += 1
        self._token = self._fetch(initial=False)
        self.redact.add(self._token)
        return self._token

    def _fetch(self, initial: bool) -> str:  # pragma: no cover - every family overrides it
        raise NotImplementedError


@dataclass
class Session:
    """One account of one API family: the client, the token and the calls recorded so far."""

    platform: str
    account: str
    client: ApiClient
    tokens: TokenProvider
    credentials: dict[str, str]
    calls: list[Call] = field(default_factory=list)

    def request(self, send: Callable[[str], Any]) -> Any:
        """`send(token)` once; on an expired token refresh it once and send again."""
        try:
            return send(self.tokens.token())
        except TokenExpired:
            return send(self.tokens.refresh())

    def record(self, api: str, params: Mapping[str, Any], response: Any) -> None:
        self.calls.append(Call(api, recorded_request(params), response))

    @property
    def stats(self) -> dict[str, int]:
        return {
            "http_requests": self.client.attempts,
            "retries": self.client.retries,
            "token_refreshes": self.tokens.refreshes,
        }


# ------------------------------------------------------------------------------------------------ windows


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date  # inclusive

    def days(self) -> Iterator[dt.date]:
        d = self.start
        while d <= self.end:
            yield d
            d += dt.timedelta(days=1)

    def chunks(self, max_days: int) -> Iterator[Window]:
        """Consecutive sub-windows of at most `max_days` days (an API's maximum span)."""
        d = self.start
        while d <= self.end:
            e = min(self.end, d + dt.timedelta(days=max_days - 1))
            yield Window(d, e)
            d = e + dt.timedelta(days=1)

    def contains_epoch(self, seconds: float) -> bool:
        day = dt.datetime.fromtimestamp(seconds, SHANGHAI).date()
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start}..{self.end}"


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(SHANGHAI).date()


# ------------------------------------------------------------------------------------------ landing files


def fetched_at_text(now: dt.datetime) -> str:
    return now.astimezone(SHANGHAI).replace(microsecond=0).isoformat()


def dump_path(landing: Path, platform: str, account: str, dataset: str, window: Window, now: dt.datetime) -> Path:
    """`<landing>/<platform>/<account>/<dataset>/pull/<YYYY-MM>/<dataset>_<start>_<end>_<fetched>.json`:
    one new name per pull, so a re-pull is a new delivery (a correction), never a path reuse."""
    stamp = now.astimezone(SHANGHAI).strftime("%Y%m%dT%H%M%S")
    name = f"{dataset}_{window.start:%Y%m%d}_{window.end:%Y%m%d}_{stamp}.json"
    return landing / platform / account / dataset / "pull" / f"{window.end:%Y-%m}" / name


def write_dump(path: Path, platform: str, account: str, calls: list[Call], now: dt.datetime) -> Path:
    """Write the §2.14 wrapper atomically: `.<name>.part` (a name the landing scan ignores, rule 3), fsync,
    rename. A failure leaves no file under either name."""
    doc = {
        "fanops_api_dump": 1,
        "platform": platform,
        "account": account,
        "fetched_at": fetched_at_text(now),
        "calls": [{"api": c.api, "request": c.request, "response": c.response} for c in calls],
    }
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
