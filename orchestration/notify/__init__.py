"""Crisis-alert and run notices to chat robots (WeCom, DingTalk, Feishu/Lark) and JSON webhooks.

    from orchestration.notify import parse_notifications, deliver_pending, send_text
    channels = parse_notifications(raw_yaml["notifications"])
    summary = deliver_pending(con, channels, events)      # crisis.notifications: once per level change
    send_text(channels[0], "fanops 运行失败", "...")       # a free-form notice, no table

Modules: config (the `notifications:` list, env var names, secrets read at send time), messages (the
text in zh/en and each platform's payload and signature), delivery (HTTP with retries, the log table).
"""

from orchestration.notify.config import (
    CHANNEL_TYPES,
    EVENTS,
    Channel,
    MissingSecretError,
    NotificationConfigError,
    parse_notifications,
    resolve_env_names,
)
from orchestration.notify.delivery import (
    TABLE,
    DeliveryResult,
    DeliverySummary,
    SendResult,
    deliver_pending,
    ensure_table,
    preview,
    send_text,
)
from orchestration.notify.messages import AlertEvent

__all__ = [
    "CHANNEL_TYPES",
    "EVENTS",
    "TABLE",
    "AlertEvent",
    "Channel",
    "DeliveryResult",
    "DeliverySummary",
    "MissingSecretError",
    "NotificationConfigError",
    "SendResult",
    "deliver_pending",
    "ensure_table",
    "parse_notifications",
    "preview",
    "resolve_env_names",
    "send_text",
]
