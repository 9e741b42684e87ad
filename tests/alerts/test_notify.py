"""Notifications to local servers: a generic webhook, DingTalk and WeCom robots (their JSON
formats and DingTalk's signature), SMTP email (aiosmtpd); retries with backoff; a permanent
failure saved on the channel."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller

from alerts.deliver import deliver_once, render
from alerts.findings import Clear, Finding, Place, Rule
from alerts.notify import Message, PermanentError, TransientError, sender
from alerts.notify.base import BACKOFF, next_attempt
from core.enums import AlertLevel
from store.repos.alerts import notify, records
from tests.fix_alerts import at
from tests.fix_ingest import free_port

MESSAGE = Message(
    "【红牌·新告警】收费与标准不符", "收费 40 元与标准 20 元不符\n中心 YY-ZW", "red", "opened", 7
)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_the_webhook_posts_the_alert_as_json(robot):
    sender("webhook")({"url": robot.url + "/hook", "token": "t0k"}, MESSAGE)
    path, body = robot.requests[0].path, robot.requests[0].body
    assert path == "/hook" and body["level"] == "red" and body["alert_id"] == 7


def test_dingtalk_gets_a_signed_markdown_message(robot):
    sender("dingtalk")(
        {"url": robot.url + "/robot/send?access_token=abc", "secret": "SEC"}, MESSAGE
    )
    path, body = robot.requests[0].path, robot.requests[0].body
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == MESSAGE.title
    assert "收费 40 元" in body["markdown"]["text"]
    query = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
    ts = query["timestamp"][0]
    digest = hmac.new(b"SEC", f"{ts}\nSEC".encode(), hashlib.sha256).digest()
    assert query["sign"][0] == base64.b64encode(digest).decode()


def test_wecom_gets_a_markdown_message(robot):
    sender("wecom")({"url": robot.url + "/cgi-bin/webhook/send?key=k"}, MESSAGE)
    body = robot.requests[0].body
    assert body["msgtype"] == "markdown" and MESSAGE.title in body["markdown"]["content"]


def test_robot_error_codes_are_transient_or_permanent(robot):
    robot.answers = [
        (200, {"errcode": 130101, "errmsg": "send too fast"}),
        (200, {"errcode": 310000, "errmsg": "sign not match"}),
    ]
    with pytest.raises(TransientError):
        sender("dingtalk")({"url": robot.url}, MESSAGE)
    with pytest.raises(PermanentError):
        sender("dingtalk")({"url": robot.url}, MESSAGE)
    robot.answers = [(503, {}), (404, {})]
    with pytest.raises(TransientError):
        sender("webhook")({"url": robot.url}, MESSAGE)
    with pytest.raises(PermanentError):
        sender("webhook")({"url": robot.url}, MESSAGE)
    with pytest.raises(TransientError):  # nothing listens there
        sender("webhook")({"url": f"http://127.0.0.1:{free_port()}/"}, MESSAGE)


def test_email_is_sent_over_smtp(smtp):
    controller, inbox = smtp
    sender("email")(
        {
            "host": "127.0.0.1",
            "port": controller.port,
            "sender": "hw@example.org",
            "recipients": ["duty@example.org"],
        },
        MESSAGE,
    )
    mail = message_from_bytes(inbox.messages[0])
    assert str(make_header(decode_header(mail["Subject"]))) == MESSAGE.title
    assert "收费 40 元" in mail.get_payload(decode=True).decode("utf-8")


def test_the_backoff_grows_then_gives_up():
    now = datetime(2025, 9, 16, tzinfo=UTC)
    waits = [next_attempt(n, now) - now for n in range(1, len(BACKOFF) + 1)]
    assert waits == sorted(waits) and next_attempt(len(BACKOFF) + 1, now) is None


def _alert(conn) -> int:
    f = Finding(
        Rule.FEE_OFF_STANDARD,
        "C1:R1",
        Place("610802", "YY-ZW", "YY-ZW-GA"),
        AlertLevel.RED,
        at("2025-09-16 10:00"),
        "收费 40 元与标准 20 元不符",
        {},
        "C1",
    )
    return records.apply_finding(conn, f).alert_id


def test_the_outbox_retries_a_transient_failure_then_delivers(conn, small, pool, robot, registry):
    from alerts.metrics import AlertMetrics

    metrics = AlertMetrics(registry)
    notify.add_channel(conn, "值班群", "wecom", {"url": robot.url}, min_level="yellow")
    notify.add_channel(
        conn,
        "红牌邮件",
        "webhook",
        {"url": robot.url},
        min_level="red",
        matchers={"center_code": "OTHER"},
    )
    alert_id = _alert(conn)
    assert (
        notify.enqueue(
            conn, alert_id, "opened", "red", {"center_code": "YY-ZW", "rule": "fee.off_standard"}
        )
        == 1
    )
    robot.answers = [(502, {})]
    assert deliver_once(pool, metrics) == 1
    [d] = notify.deliveries(conn, alert_id)
    assert (d["status"], d["attempts"]) == ("pending", 1) and "502" in d["last_error"]
    conn.execute("update notification_deliveries set next_attempt_at = now()")
    assert deliver_once(pool, metrics) == 1
    [d] = notify.deliveries(conn, alert_id)
    assert d["status"] == "sent"
    assert (
        registry.get_sample_value(
            "hallwatch_notifications_total", {"kind": "wecom", "outcome": "retry"}
        )
        == 1
    )
    assert (
        registry.get_sample_value(
            "hallwatch_notifications_total", {"kind": "wecom", "outcome": "sent"}
        )
        == 1
    )


def test_a_permanent_failure_is_saved_on_the_channel(conn, small, pool, robot):
    channel = notify.add_channel(conn, "钉钉", "dingtalk", {"url": robot.url}, min_level="warning")
    alert_id = _alert(conn)
    notify.enqueue(conn, alert_id, "opened", "red", {})
    robot.answers = [(200, {"errcode": 300001, "errmsg": "token is not exist"})]
    deliver_once(pool)
    [d] = notify.deliveries(conn, alert_id)
    assert d["status"] == "failed"
    [c] = [c for c in notify.channels(conn) if c.id == channel]
    assert "300001" in c.last_error and c.failed_at is not None


def test_render_names_the_rule_and_level_in_chinese():
    m = render(
        {
            "id": 3,
            "rule": "window.empty",
            "level": "yellow",
            "summary": "窗口空岗 20 分钟",
            "center_code": "YY-ZW",
        },
        "opened",
        "http://console",
    )
    assert m.title == "【黄牌·新告警】窗口空岗" and m.url == "http://console/alerts?alert=3"


def test_a_channel_hears_of_a_resolved_alert_only_if_it_heard_it_open(conn, small, pool, robot):
    notify.add_channel(conn, "值班群", "webhook", {"url": robot.url}, min_level="yellow")
    clear = Clear(Rule.FEE_OFF_STANDARD, "C1:R1", "已退费")

    flap = _alert(conn)  # raised and resolved before the worker came round: nothing is sent
    notify.enqueue(conn, flap, "opened", "red", {})
    assert notify.enqueue_resolved(conn, records.apply_clears(conn, [clear])) == 0
    assert deliver_once(pool) == 0 and robot.requests == []
    assert [d["status"] for d in notify.deliveries(conn, flap)] == ["superseded"]

    told = _alert(conn)  # raised, sent, then resolved: the channel hears both
    notify.enqueue(conn, told, "opened", "red", {})
    assert deliver_once(pool) == 1
    assert notify.enqueue_resolved(conn, records.apply_clears(conn, [clear])) == 1
    assert deliver_once(pool) == 1
    assert [r.body["event"] for r in robot.requests] == ["opened", "resolved"]
    assert [r.body["alert_id"] for r in robot.requests] == [told, told]
