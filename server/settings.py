"""Process settings, read once from the environment into one typed object."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent
MIN_SECRET_BYTES = 32


class Settings(msgspec.Struct, frozen=True):
    """``MADOGUCHI_*`` environment variables, with the embedded defaults."""

    config_dir: Path = ROOT / "config"
    store: str = f"sqlite:{ROOT / 'var' / 'madoguchi.db'}"
    host: str = "127.0.0.1"
    port: int = 8000
    secret: str = ""
    allowed_origins: tuple[str, ...] = ()
    public_origin: str = ""
    metrics_token: str = ""
    metrics_from: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    max_message_bytes: int = 64 * 1024
    outbox_size: int = 256
    snapshot_every: int = 500
    secure_cookies: bool = False
    summon_max_age: float = 10.0
    heartbeat: float = 1.0
    # Server speech for the boards (server/speech/): engines allowed, cache size, how many
    # waiting tickets per queue are rendered before they are called (0: none ahead).
    speech_engines: frozenset[str] = frozenset({"open_jtalk", "espeak-ng"})
    speech_cache_mb: int = 64
    speech_ahead: int = 3
    session_idle_seconds: float = 30 * 60.0
    session_absolute_seconds: float = 12 * 3600.0
    demo: bool = False
    rate_limits: bool = True
    hello_seconds: float = 10.0
    request_seconds: float = 10.0
    waiting_per_address: int = 50
    # Notices to visitors who step out (server/notify/, docs/notifications.md).
    notifiers: tuple[str, ...] = ("webpush",)
    vapid_private_key: str = ""
    vapid_subject: str = ""
    push_loopback: bool = False  # tests only: accept http://127.0.0.1 push endpoints
    notice_timeout: float = 5.0
    notice_backoff: float = 1.0
    notice_attempts: int = 4
    notice_queue: int = 1000

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        default = cls()
        secret = env.get("MADOGUCHI_SECRET", "")
        if secret and len(secret.encode()) < MIN_SECRET_BYTES:
            raise SystemExit(
                f"madoguchi: MADOGUCHI_SECRET must be at least {MIN_SECRET_BYTES} bytes "
                "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)"
            )
        if not secret:
            secret_file = ROOT / "var" / "secret"
            secret_file.parent.mkdir(parents=True, exist_ok=True)
            if not secret_file.exists():
                secret_file.write_text(secrets.token_hex(32))
                secret_file.chmod(0o600)
            secret = secret_file.read_text().strip()
        try:
            return cls(
                config_dir=Path(env.get("MADOGUCHI_CONFIG", str(default.config_dir))),
                store=env.get("MADOGUCHI_STORE", default.store),
                host=env.get("MADOGUCHI_HOST", default.host),
                port=int(env.get("PORT", env.get("MADOGUCHI_PORT", str(default.port)))),
                secret=secret,
                allowed_origins=_list(env.get("MADOGUCHI_ORIGINS"), ()),
                public_origin=env.get("MADOGUCHI_PUBLIC_ORIGIN", "").strip().rstrip("/"),
                metrics_token=env.get("MADOGUCHI_METRICS_TOKEN", ""),
                metrics_from=_list(env.get("MADOGUCHI_METRICS_FROM"), default.metrics_from),
                max_message_bytes=int(
                    env.get("MADOGUCHI_MAX_MESSAGE", str(default.max_message_bytes))
                ),
                outbox_size=int(env.get("MADOGUCHI_OUTBOX", str(default.outbox_size))),
                snapshot_every=int(
                    env.get("MADOGUCHI_SNAPSHOT_EVERY", str(default.snapshot_every))
                ),
                summon_max_age=float(
                    env.get("MADOGUCHI_SUMMON_MAX_AGE", str(default.summon_max_age))
                ),
                heartbeat=float(env.get("MADOGUCHI_HEARTBEAT", str(default.heartbeat))),
                speech_engines=frozenset(
                    e.strip()
                    for e in env.get(
                        "MADOGUCHI_SPEECH_ENGINES", ",".join(sorted(default.speech_engines))
                    ).split(",")
                    if e.strip()
                ),
                speech_cache_mb=int(
                    env.get("MADOGUCHI_SPEECH_CACHE_MB", str(default.speech_cache_mb))
                ),
                speech_ahead=int(env.get("MADOGUCHI_SPEECH_AHEAD", str(default.speech_ahead))),
                secure_cookies=_flag(env, "MADOGUCHI_SECURE_COOKIES"),
                session_idle_seconds=60 * float(env.get("MADOGUCHI_SESSION_IDLE_MINUTES", "30")),
                session_absolute_seconds=3600 * float(env.get("MADOGUCHI_SESSION_HOURS", "12")),
                demo=_flag(env, "MADOGUCHI_DEMO"),
                # Off only for load tests: a benchmark's few actors send thousands a second.
                hello_seconds=float(env.get("MADOGUCHI_HELLO_SECONDS", "10")),
                request_seconds=float(env.get("MADOGUCHI_REQUEST_SECONDS", "10")),
                waiting_per_address=int(env.get("MADOGUCHI_WAITING_PER_ADDRESS", "50")),
                notifiers=_list(env.get("MADOGUCHI_NOTIFIERS"), default.notifiers),
                vapid_private_key=env.get("MADOGUCHI_VAPID_PRIVATE_KEY", ""),
                vapid_subject=env.get("MADOGUCHI_VAPID_SUBJECT", ""),
                push_loopback=_flag(env, "MADOGUCHI_PUSH_LOOPBACK"),
                notice_timeout=float(env.get("MADOGUCHI_NOTICE_TIMEOUT", "5")),
                notice_backoff=float(env.get("MADOGUCHI_NOTICE_BACKOFF", "1")),
                notice_attempts=int(env.get("MADOGUCHI_NOTICE_ATTEMPTS", "4")),
                notice_queue=int(env.get("MADOGUCHI_NOTICE_QUEUE", "1000")),
                rate_limits=env.get("MADOGUCHI_RATE_LIMITS", "1") not in ("0", "off", "no"),
            )
        except ValueError as exc:
            raise SystemExit(f"madoguchi: bad setting in the environment: {exc}") from None


def _list(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated setting; unset means ``default``, empty means none."""
    if value is None:
        return default
    return tuple(item.strip().rstrip("/") for item in value.split(",") if item.strip())


def _flag(env: dict[str, str], name: str) -> bool:
    return env.get(name, "") in ("1", "true", "yes")
