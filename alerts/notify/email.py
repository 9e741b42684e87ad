"""SMTP email. Config: host, port, sender, recipients, optional starttls, ssl, username and
password (or password_env: the name of an environment variable holding it)."""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from alerts.notify.base import Message, PermanentError, TransientError

TIMEOUT = 15.0


def build(config: Mapping[str, Any], message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = str(config.get("sender") or "hallwatch@localhost")
    mail["To"] = ", ".join(_recipients(config))
    body = message.text + (f"\n\n查看告警: {message.url}" if message.url else "")
    mail.set_content(body, charset="utf-8")
    return mail


def _recipients(config: Mapping[str, Any]) -> list[str]:
    value = config.get("recipients") or []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _password(config: Mapping[str, Any]) -> str | None:
    if config.get("password_env"):
        return os.environ.get(str(config["password_env"]))
    value = config.get("password")
    return None if value is None else str(value)


def send(config: Mapping[str, Any], message: Message) -> None:
    if not config.get("host") or not _recipients(config):
        raise PermanentError("email channel needs host and recipients")
    host, port = str(config["host"]), int(config.get("port") or 25)
    cls = smtplib.SMTP_SSL if config.get("ssl") else smtplib.SMTP
    try:
        with cls(host, port, timeout=TIMEOUT) as smtp:
            if config.get("starttls"):
                smtp.starttls()
            if config.get("username"):
                smtp.login(str(config["username"]), _password(config) or "")
            smtp.send_message(build(config, message))
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPRecipientsRefused) as exc:
        raise PermanentError(f"{type(exc).__name__}: {exc}") from None
    except smtplib.SMTPSenderRefused as exc:
        raise PermanentError(f"sender refused: {exc.smtp_code}") from None
    except smtplib.SMTPResponseException as exc:
        cls_err = PermanentError if 500 <= exc.smtp_code < 600 else TransientError
        raise cls_err(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from None
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}") from None
