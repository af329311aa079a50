"""The ``notifications:`` list of ``fanops.yaml`` as frozen dataclasses.

    channels = parse_notifications(cfg_dict.get("notifications"))

Each item is one chat robot or webhook (a *channel*). Secrets never live in the file or in a
`Channel`: the config names environment variables (``url_env``, ``token_env``, ``secret_env``) and
they are read only when a message is sent (`resolve_secrets`). Problems raise
`NotificationConfigError` (a `ValueError`) whose lines each name the key path, e.g.
``notifications[1].secret_env: ...``.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

CHANNEL_TYPES = ("wecom", "dingtalk", "feishu", "webhook")
EVENTS = ("opened", "escalated", "deescalated", "closed")
LANGUAGES = ("zh", "en")
LEVELS = (1, 2, 3, 4)  # 1 = 特别严重 (most severe) ... 4 = 一般

# Where each robot lives when only token_env is given (the hostnames are defaults: `url` overrides them,
# e.g. Lark's open.larksuite.com or a local receiver in tests).
DEFAULT_URLS = {
    "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
    "dingtalk": "https://oapi.dingtalk.com/robot/send",
    "feishu": "https://open.feishu.cn/open-apis/bot/v2/hook",
}
# How a token from token_env is attached: a query parameter (WeCom, DingTalk) or the last path segment.
TOKEN_QUERY_PARAM = {"wecom": "key", "dingtalk": "access_token"}
# Types whose robot supports a signing secret (WeCom group robots have none).
SIGNED_TYPES = ("dingtalk", "feishu", "webhook")

KEYS = (
    "name",
    "type",
    "url",
    "url_env",
    "token_env",
    "secret_env",
    "min_level",
    "language",
    "events",
    "timeout_seconds",
    "max_attempts",
    "backoff_seconds",
    "backoff_max_seconds",
    "report_url",
    "enabled",
)
# Keys that would put a secret into fanops.yaml; each has an *_env twin.
SECRET_LIKE_KEYS = ("token", "key", "secret", "access_token", "sign", "password", "api_key", "webhook_key")
# Query parameters that carry a robot credential: a literal `url` with one of them is a secret in the file.
SECRET_QUERY_PARAMS = ("key", "access_token", "token", "sign", "secret")

DEFAULT_MIN_LEVEL = 4
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_BACKOFF_SECONDS = 1.0
DEFAULT_BACKOFF_MAX_SECONDS = 30.0

# Upper case only: a token pasted by mistake into token_env (hex, lower case, dashes) fails this check and
# the error then does not echo it back.
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")
_FEISHU_TOKEN_PATH = re.compile(r"/hook/[^/]+/?$")


class NotificationConfigError(ValueError):
    """One or more problems in the ``notifications:`` list; each line names the key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        if len(self.problems) == 1:
            text = self.problems[0]
        else:
            text = f"{len(self.problems)} problems:\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(text)


class MissingSecretError(RuntimeError):
    """An environment variable named by the config is not set (the message names the variable only)."""


@dataclass(frozen=True)
class Channel:
    """One notification target. Holds env var *names*, never their values; `url` (a literal from the
    file, which may not carry a credential) is kept out of the repr anyway."""

    name: str
    type: str
    url: str | None = field(default=None, repr=False)
    url_env: str | None = None
    token_env: str | None = None
    secret_env: str | None = None
    min_level: int = DEFAULT_MIN_LEVEL
    language: str = "zh"
    events: tuple[str, ...] = EVENTS
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS
    backoff_max_seconds: float = DEFAULT_BACKOFF_MAX_SECONDS
    report_url: str | None = None
    enabled: bool = True

    def accepts(self, level: int, event: str) -> bool:
        """Whether an alert event of this level and kind is routed here by the config alone (enabled,
        `events`, and level at least as severe as `min_level`). Delivery also routes a de-escalation or
        closing to a channel that was sent an earlier event of the same alert."""
        return self.enabled and event in self.events and level <= self.min_level


@dataclass(frozen=True)
class Secrets:
    """The values resolved from the environment at send time. Never logged, never stored."""

    base_url: str
    token: str | None
    secret: str | None

    def __repr__(self) -> str:  # a stray repr in a traceback must not leak them
        return "Secrets(<redacted>)"

    def values(self) -> tuple[str, ...]:
        """Every sensitive string, for redaction of error texts."""
        return tuple(v for v in (self.token, self.secret) if v)


def parse_notifications(raw: object, path: str = "notifications") -> tuple[Channel, ...]:
    """The channels of a ``notifications:`` value (None or an empty list give no channels)."""
    problems: list[str] = []
    if raw is None:
        return ()
    if not isinstance(raw, list | tuple):
        raise NotificationConfigError([f"{path}: expected a list of channels, got {_describe(raw)}"])
    channels: list[Channel] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        where = f"{path}[{i}]"
        channel = _parse_channel(item, where, problems)
        if channel is None:
            continue
        if channel.name in seen:
            problems.append(
                f"{where}.name: duplicate channel name {channel.name!r} (also {path}[{seen[channel.name]}]); "
                "give each channel its own name"
            )
            continue
        seen[channel.name] = i
        channels.append(channel)
    if problems:
        raise NotificationConfigError(problems)
    return tuple(channels)


def resolve_env_names(channels: Iterable[Channel]) -> tuple[str, ...]:
    """The environment variable names the channels read, sorted and distinct (for docs and checks)."""
    names = {
        n for c in channels for n in (c.url_env, c.token_env, c.secret_env) if n is not None and c.enabled
    }
    return tuple(sorted(names))


def resolve_secrets(channel: Channel, env: Mapping[str, str] | None = None) -> Secrets:
    """Read the channel's env vars now. A missing or empty variable raises `MissingSecretError` naming
    the variable and the channel (never a value)."""
    environ = os.environ if env is None else env

    def read(var: str, key: str) -> str:
        value = environ.get(var, "").strip()
        if not value:
            raise MissingSecretError(
                f"environment variable {var} is not set (channel {channel.name!r}, {key})"
            )
        return value

    if channel.url_env is not None:
        base_url = read(channel.url_env, "url_env")
        if not base_url.startswith(("http://", "https://")):
            raise MissingSecretError(
                f"environment variable {channel.url_env} does not hold an http(s) URL "
                f"(channel {channel.name!r}, url_env)"
            )
    elif channel.url is not None:
        base_url = channel.url
    else:
        base_url = DEFAULT_URLS[channel.type]
    token = read(channel.token_env, "token_env") if channel.token_env is not None else None
    secret = read(channel.secret_env, "secret_env") if channel.secret_env is not None else None
    return Secrets(base_url=base_url, token=token, secret=secret)


# --------------------------------------------------------------------------------------------- parsing


def _parse_channel(item: object, where: str, problems: list[str]) -> Channel | None:
    if not isinstance(item, Mapping):
        problems.append(f"{where}: expected a mapping, got {_describe(item)}")
        return None
    before = len(problems)
    for key in item:
        k = str(key)
        if k.lower() in SECRET_LIKE_KEYS:
            problems.append(
                f"{where}.{k}: secrets are not allowed in fanops.yaml; name an environment variable "
                f"instead ({'secret_env' if 'secret' in k.lower() or k.lower() == 'sign' else 'token_env'}: "
                "FANOPS_...)"
            )
        elif k not in KEYS:
            problems.append(f"{where}.{k}: unknown key (allowed: {', '.join(KEYS)})")

    ctype = item.get("type")
    if ctype is None:
        problems.append(f"{where}.type: required, one of {', '.join(CHANNEL_TYPES)}")
        return None
    if ctype not in CHANNEL_TYPES:
        problems.append(f"{where}.type: {ctype!r} is not one of {', '.join(CHANNEL_TYPES)}")
        return None

    name = item.get("name", ctype)
    if not isinstance(name, str) or not name.strip() or len(name) > 64 or name != name.strip():
        problems.append(f"{where}.name: expected a non-empty name of at most 64 characters, got {name!r}")

    env_names: dict[str, str | None] = {}
    for key in ("url_env", "token_env", "secret_env"):
        value = item.get(key)
        if value is not None and (not isinstance(value, str) or not _ENV_NAME.match(value)):
            problems.append(
                f"{where}.{key}: expected the name of an environment variable in upper case, like "
                "FANOPS_WECOM_KEY (the value given is not repeated here: it may be the secret itself)"
            )
            value = None
        env_names[key] = value

    url = item.get("url")
    if url is not None:
        url = _check_url(url, ctype, f"{where}.url", problems)
    if url is not None and env_names["url_env"] is not None:
        problems.append(f"{where}.url_env: give either url or url_env, not both")
    if ctype == "webhook":
        if env_names["token_env"] is not None:
            problems.append(
                f"{where}.token_env: a generic webhook has no token parameter; put a URL that carries "
                "one into url_env, or sign the body with secret_env"
            )
        if url is None and env_names["url_env"] is None and "url" not in item:
            problems.append(f"{where}.url: a webhook needs url or url_env")
    elif (
        url is None and env_names["url_env"] is None and env_names["token_env"] is None and "url" not in item
    ):
        problems.append(f"{where}: a {ctype} channel needs token_env (the robot's token), url_env or url")
    if env_names["secret_env"] is not None and ctype not in SIGNED_TYPES:
        problems.append(f"{where}.secret_env: {ctype} group robots have no signing secret")

    min_level = _int(item.get("min_level", DEFAULT_MIN_LEVEL), f"{where}.min_level", 1, 4, problems)
    language = item.get("language", "zh")
    if language not in LANGUAGES:
        problems.append(f"{where}.language: {language!r} is not one of {', '.join(LANGUAGES)}")
    events = _events(item.get("events", list(EVENTS)), f"{where}.events", problems)
    timeout = _number(
        item.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS), f"{where}.timeout_seconds", 0.05, 120, problems
    )
    attempts = _int(item.get("max_attempts", DEFAULT_MAX_ATTEMPTS), f"{where}.max_attempts", 1, 10, problems)
    backoff = _number(
        item.get("backoff_seconds", DEFAULT_BACKOFF_SECONDS), f"{where}.backoff_seconds", 0, 60, problems
    )
    backoff_max = _number(
        item.get("backoff_max_seconds", DEFAULT_BACKOFF_MAX_SECONDS),
        f"{where}.backoff_max_seconds",
        0,
        600,
        problems,
    )
    report_url = item.get("report_url")
    if report_url is not None and (not isinstance(report_url, str) or not report_url.strip()):
        problems.append(f"{where}.report_url: expected a link (text), got {_describe(report_url)}")
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        problems.append(f"{where}.enabled: expected true or false, got {_describe(enabled)}")

    if len(problems) > before:
        return None
    return Channel(
        name=str(name),
        type=str(ctype),
        url=url,
        url_env=env_names["url_env"],
        token_env=env_names["token_env"],
        secret_env=env_names["secret_env"],
        min_level=int(min_level),  # type: ignore[arg-type]
        language=str(language),
        events=events,
        timeout_seconds=float(timeout),  # type: ignore[arg-type]
        max_attempts=int(attempts),  # type: ignore[arg-type]
        backoff_seconds=float(backoff),  # type: ignore[arg-type]
        backoff_max_seconds=float(backoff_max),  # type: ignore[arg-type]
        report_url=report_url.strip() if isinstance(report_url, str) else None,
        enabled=bool(enabled),
    )


def _check_url(url: object, ctype: str, where: str, problems: list[str]) -> str | None:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        # the value is not echoed: a URL without its scheme may still carry a token
        problems.append(f"{where}: expected an http:// or https:// URL (a {type(url).__name__} was given)")
        return None
    parts = urlsplit(url)
    hint = "keep the credential out of fanops.yaml: use token_env, or url_env for the whole URL"
    if not parts.hostname:
        problems.append(f"{where}: the URL has no host")
        return None
    if parts.username is not None or parts.password is not None:
        problems.append(f"{where}: the URL carries a user name or password; {hint}")
        return None
    secret_params = sorted({k for k, _ in parse_qsl(parts.query) if k.lower() in SECRET_QUERY_PARAMS})
    if secret_params:
        problems.append(f"{where}: the URL carries a credential ({', '.join(secret_params)}=...); {hint}")
        return None
    if ctype == "feishu" and _FEISHU_TOKEN_PATH.search(parts.path):
        problems.append(f"{where}: the URL ends with the bot token (/hook/...); {hint}")
        return None
    return url


def _events(raw: object, where: str, problems: list[str]) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple) or not raw:
        problems.append(f"{where}: expected a non-empty list of {', '.join(EVENTS)}, got {_describe(raw)}")
        return EVENTS
    bad = [e for e in raw if e not in EVENTS]
    if bad:
        problems.append(f"{where}: {', '.join(map(repr, bad))} not among {', '.join(EVENTS)}")
        return EVENTS
    return tuple(e for e in EVENTS if e in raw)


def _int(value: object, where: str, lo: int, hi: int, problems: list[str]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{where}: expected a whole number from {lo} to {hi}, got {_describe(value)}")
        return None
    if not lo <= value <= hi:
        problems.append(f"{where}: {value} is outside {lo}..{hi}")
        return None
    return value


def _number(value: object, where: str, lo: float, hi: float, problems: list[str]) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{where}: expected a number from {lo:g} to {hi:g}, got {_describe(value)}")
        return None
    if not lo <= value <= hi:
        problems.append(f"{where}: {value:g} is outside {lo:g}..{hi:g}")
        return None
    return float(value)


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"{value!r}" if len(value) <= 40 else f"a text of {len(value)} characters"
    return f"{type(value).__name__} {value!r}"[:80]
