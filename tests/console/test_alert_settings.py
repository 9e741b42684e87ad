"""告警设置: silences and notification channels. In a real Chromium an admin creates a silence and
ends it early, adds a webhook channel whose test message reaches a local HTTP server, and sees a
channel's permanent delivery failure (here and on 实时告警); a supervisor manages silences but
no channels, a liaison does not get the page. Below: the page's pure helpers and the silence
repository's scoping."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from alerts.deliver import deliver_once
from alerts.findings import Finding, Place, Rule
from alerts.notify.base import ChannelKind
from alerts.silences import Silence, SilenceSchedule
from console.alert_settings_forms import (
    FormError,
    build_silence,
    channel_config,
    channel_target,
    describe_matchers,
    describe_schedule,
    mask_url,
    redact,
)
from core.enums import AlertLevel
from store.repos import audit
from store.repos.alerts import notify, records
from store.repos.alerts import silences as silence_repo
from tests.fix_alerts import at
from tests.fix_browser import login, screenshot
from tests.fix_people import PASSWORD

TZ = ZoneInfo("Asia/Shanghai")
NAMES = {"YY-ZW": "榆阳区政务服务中心", "YY-ZW-SCJG": "市场监管局", "YY-ZW-W01": "1号窗口"}
URL_TOKEN = "TOPSECRET-access-token-7f3a9c"
BEARER = "bearer-secret-0000-XYZW"


def _open_settings(page, console_url: str, username: str) -> None:
    login(page, console_url, username, PASSWORD)
    page.get_by_role("heading", name="总览").wait_for()
    page.get_by_role("link", name="告警设置", exact=True).click()
    page.get_by_role("heading", name="告警设置").wait_for()


def _choose(page, scope: str, label: str, option: str) -> None:
    """Pick an option of a select box; a rerun (the field just left) may close the list, so
    open it again until the option shows."""
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(4):
        page.locator(scope).get_by_label(label, exact=True).click()
        try:
            choice.wait_for(timeout=5_000)
        except PlaywrightTimeout:
            continue
        choice.click()
        return
    raise AssertionError(f"option {option} of {label} never showed")


def _fill(scope, label: str, value: str) -> None:
    scope.locator(f'[aria-label="{label}"]').fill(value)


# ---------------------------------------------------------------- in the browser


@pytest.mark.browser
def test_an_admin_creates_a_silence_sees_it_listed_and_ends_it_early(page, console_url, conn):
    _open_settings(page, console_url, "admin")
    form = ".st-key-new-silence"
    _choose(page, form, "部门", "市场监管局")
    _choose(page, form, "规则", "窗口空岗")
    _fill(page.locator(form), "静默原因（必填）", "市场监管局窗口整体搬迁，今日停办")
    page.get_by_role("button", name="创建静默").click()
    page.get_by_text("已创建静默 #").wait_for()
    [row] = silence_repo.list_silences(
        conn, region_prefix="610802", now=datetime.now(UTC), ended_since=None
    )
    assert row.matchers == {
        "center_code": "YY-ZW",
        "department_code": "YY-ZW-SCJG",
        "rule": "window.empty",
    }
    assert row.created_by == "admin" and row.scope_region == "610802"
    card = page.locator(f".st-key-silence-{row.id}")
    card.get_by_text("中心：榆阳区政务服务中心；部门：市场监管局；规则：窗口空岗").wait_for()
    card.get_by_text("原因：市场监管局窗口整体搬迁，今日停办").wait_for()
    expect(card.get_by_text("生效中")).to_be_visible()
    screenshot(page, "alert-settings-silences")
    card.get_by_role("button", name="提前结束").click()
    page.get_by_text(f"静默 #{row.id} 已结束").wait_for()
    expect(page.locator(f".st-key-silence-{row.id}")).to_have_count(0)
    assert (
        silence_repo.list_silences(
            conn, region_prefix="610802", now=datetime.now(UTC), ended_since=None
        )
        == []
    )
    actions = [e.action for e in audit.recent(conn, actor="admin")]
    assert "alert.silence_create" in actions and "alert.silence_end" in actions


@pytest.mark.browser
def test_an_admin_adds_a_webhook_channel_and_its_test_message_arrives(
    page, console_url, conn, robot
):
    _open_settings(page, console_url, "admin")
    page.get_by_role("tab", name="通知渠道").click()
    form = page.locator(".st-key-new-channel")
    _fill(form, "渠道名称", "值班 Webhook")
    _fill(form, "推送地址（URL）", f"{robot.url}/hook?access_token={URL_TOKEN}")
    _fill(form, "Bearer 令牌（可选）", BEARER)
    form.get_by_role("button", name="保存渠道").click()
    page.get_by_text("渠道已保存").wait_for()
    [channel] = notify.channels(conn)
    assert channel.config == {
        "url": f"{robot.url}/hook?access_token={URL_TOKEN}",
        "token": BEARER,
    }
    card = page.locator(f".st-key-channel-{channel.id}")
    card.get_by_text("值班 Webhook").wait_for()
    card.get_by_text("access_token=****3a9c", exact=False).wait_for()
    card.get_by_role("button", name="发送测试消息").click()
    page.get_by_text("测试消息已发出").wait_for()
    [sent] = robot.requests
    assert sent.path == f"/hook?access_token={URL_TOKEN}"
    assert sent.headers["Authorization"] == f"Bearer {BEARER}"
    assert sent.body["event"] == "test" and "测试" in sent.body["title"]
    card.get_by_role("button", name="停用").wait_for()
    html = page.content()
    assert URL_TOKEN not in html and BEARER not in html
    screenshot(page, "alert-settings-channels")
    card.get_by_text("修改").click()  # rename only: the saved URL and token are kept
    _fill(card, "渠道名称", "值班 Webhook（红牌）")
    _choose(page, f".st-key-channel-{channel.id}", "最低级别", "红牌及以上")
    card.get_by_role("button", name="保存渠道").click()
    page.get_by_text("值班 Webhook（红牌）").first.wait_for()
    edited = notify.channel(conn, channel.id)
    assert edited.config == channel.config and edited.min_level == "red"
    entries = [e for e in audit.recent(conn, actor="admin") if e.action.startswith("alert.")]
    assert {e.action for e in entries} == {
        "alert.channel_add",
        "alert.channel_test",
        "alert.channel_update",
    }
    logged = json.dumps([e.detail for e in entries], ensure_ascii=False)
    assert URL_TOKEN not in logged and BEARER not in logged


@pytest.mark.browser
def test_a_channel_that_fails_for_good_is_shown_to_admins_until_a_test_gets_through(
    page, console_url, conn, pool, robot
):
    robot.status = 404
    config = {"url": f"{robot.url}/robot/send?access_token={URL_TOKEN}"}
    channel = notify.save_channel(
        conn, None, "钉钉值班群", "dingtalk", config, min_level="warning", matchers={}
    )
    finding = Finding(
        Rule.FEE_OFF_STANDARD, "C1:R1", Place("610802", "YY-ZW", "YY-ZW-GA"), AlertLevel.RED,
        at("2025-09-16 10:00"), "收费 40 元与标准 20 元不符", {}, "C1",
    )  # fmt: skip
    alert_id = records.apply_finding(conn, finding).alert_id
    notify.enqueue(conn, alert_id, "opened", "red", {"center_code": "YY-ZW"})
    deliver_once(pool)  # the real delivery worker: HTTP 404 is permanent
    assert "404" in (notify.channel(conn, channel).last_error or "")

    _open_settings(page, console_url, "admin")
    banner = page.get_by_text("通知渠道「钉钉值班群」投递失败")
    banner.wait_for()
    assert "HTTP 404" in banner.inner_text()
    assert URL_TOKEN not in page.content()
    page.get_by_role("tab", name="通知渠道").click()
    page.locator(f".st-key-channel-{channel}").get_by_text("投递失败（").wait_for()
    page.locator(f".st-key-channel-{channel}").get_by_role("button", name="停用").wait_for()
    screenshot(page, "alert-settings-failed-channel")
    page.get_by_role("link", name="实时告警", exact=True).click()
    page.get_by_text("通知渠道投递失败：钉钉值班群").wait_for()
    screenshot(page, "alerts-board-failed-channel-banner")

    robot.status = 200  # fixed: a test message gets through and clears the failure
    page.get_by_role("link", name="前往告警设置处理").click()
    page.get_by_role("tab", name="通知渠道").click()
    page.locator(f".st-key-channel-{channel}").get_by_role("button", name="发送测试消息").click()
    page.get_by_text("测试消息已发出").wait_for()
    expect(page.get_by_text("通知渠道「钉钉值班群」投递失败")).to_have_count(0)
    assert notify.channel(conn, channel).last_error is None


@pytest.mark.browser
def test_a_supervisor_manages_silences_but_not_channels_and_a_liaison_gets_neither(
    browser, page, console_url, conn
):
    _open_settings(page, console_url, "supervisor")
    page.get_by_text("通知渠道由系统管理员维护").wait_for()
    form = page.locator(".st-key-new-silence")
    _choose(page, ".st-key-new-silence", "窗口", "2号窗口")
    form.get_by_text("每周固定时段").click()
    form.get_by_role("group", name="每日开始").wait_for()
    form.get_by_text("不设结束时间").click()
    _fill(form, "静默原因（必填）", "2号窗口午休轮岗，午间空岗不必推送")
    page.get_by_role("button", name="创建静默").click()
    page.get_by_text("已创建静默 #").wait_for()
    [row] = silence_repo.list_silences(
        conn, region_prefix="610802", now=datetime.now(UTC), ended_since=None
    )
    assert (row.created_by, row.schedule, row.weekdays) == ("supervisor", "weekly", [0, 1, 2, 3, 4])
    assert row.matchers == {"center_code": "YY-ZW", "window_code": "YY-ZW-W02"}
    assert row.ends_at is None
    card = page.locator(f".st-key-silence-{row.id}")
    card.get_by_text("周一至周五 12:00–13:30", exact=False).wait_for()
    card.get_by_text("直至手动结束", exact=False).wait_for()
    expect(page.get_by_role("tab", name="通知渠道")).to_have_count(0)
    expect(page.get_by_role("button", name="发送测试消息")).to_have_count(0)
    expect(page.get_by_role("button", name="保存渠道")).to_have_count(0)

    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    liaison = context.new_page()
    login(liaison, console_url, "liaison", PASSWORD)
    liaison.get_by_role("heading", name="总览").wait_for()
    liaison.get_by_role("link", name="实时告警", exact=True).wait_for()
    expect(liaison.get_by_role("link", name="告警设置", exact=True)).to_have_count(0)
    context.close()


# ---------------------------------------------------------------- helpers and repository


def test_matchers_and_schedules_read_in_chinese():
    text = describe_matchers(
        {
            "rule": "window.empty",
            "center_code": "YY-ZW",
            "window_code": "YY-ZW-W0*",
            "level": "red",
        },
        NAMES,
    )
    assert text == "中心：榆阳区政务服务中心；窗口：以「YY-ZW-W0」开头；规则：窗口空岗；级别：红牌"
    assert describe_matchers({}, NAMES) == "全部告警"
    assert (
        describe_schedule("weekly", [0, 2, 4], time(12), time(13, 30))
        == "每周一、三、五 12:00–13:30"
    )
    assert describe_schedule("weekly", range(5), time(12), time(13, 30)).startswith("周一至周五")
    assert describe_schedule("rest_days", [], time(0), time(0)).startswith("仅休息日")


def _form(**changes):
    now = datetime(2025, 9, 16, 10, 0, tzinfo=TZ)
    values = {
        "matchers": {"center_code": "YY-ZW", "rule": None, "subject": " "},
        "starts_at": now,
        "ends_at": now + timedelta(hours=2),
        "schedule": SilenceSchedule.ALWAYS,
        "weekdays": (),
        "from_time": time(0),
        "to_time": time(23, 59, 59),
        "reason": "装修",
        "now": now,
        "need_center": True,
    }
    return build_silence(**(values | changes))


def test_the_silence_form_names_the_field_that_is_wrong():
    assert _form().matchers == {"center_code": "YY-ZW"}
    cases = {
        "中心": {"matchers": {"rule": "window.empty"}},
        "原因": {"reason": "  "},
        "结束时间": {"ends_at": None},
        "星期": {"schedule": SilenceSchedule.WEEKLY, "weekdays": ()},
        "每日时段": {"schedule": SilenceSchedule.WEEKLY, "weekdays": (0,), "to_time": time(0)},
    }
    for field, changes in cases.items():
        with pytest.raises(FormError) as caught:
            _form(**changes)
        assert caught.value.field == field
    weekly = _form(schedule=SilenceSchedule.WEEKLY, weekdays=(1, 0), ends_at=None,
                   from_time=time(12), to_time=time(13, 30))  # fmt: skip
    assert weekly.weekdays == (0, 1) and weekly.ends_at is None


def test_saved_secrets_are_never_shown_in_full_and_a_blank_field_keeps_them():
    url = f"https://oapi.dingtalk.com/robot/send?access_token={URL_TOKEN}"
    config = {"url": url, "secret": "SEC0123456789abcdef"}
    shown = channel_target("dingtalk", config)
    assert URL_TOKEN not in shown and "SEC0123456789abcdef" not in shown
    assert shown == "https://oapi.dingtalk.com/robot/send?access_token=****3a9c · 已加签"
    assert mask_url("https://user:pw@example.org/hooks/abcdefghijklmnopqrstu") == (
        "https://***@example.org/hooks/****rstu"
    )
    assert URL_TOKEN not in redact(f"invalid URL: {url}", config)
    kept = channel_config(
        ChannelKind.DINGTALK, {"url": "", "secret": "", "at_mobiles": "138, 139"}, config
    )
    assert kept == {"url": url, "secret": "SEC0123456789abcdef", "at_mobiles": ["138", "139"]}
    with pytest.raises(FormError) as caught:
        channel_config(ChannelKind.WEBHOOK, {"url": "ftp://x"})
    assert caught.value.field == "推送地址（URL）"
    email = channel_config(
        ChannelKind.EMAIL, {"host": "smtp.example.org", "recipients": "a@x.cn；b@x.cn"}
    )
    assert email == {"host": "smtp.example.org", "port": 25, "recipients": ["a@x.cn", "b@x.cn"]}


def test_silences_are_listed_and_ended_only_within_the_users_region(conn, hall):
    now = datetime.now(UTC)
    here = Silence(0, {"center_code": "YY-ZW"}, now - timedelta(hours=1), now + timedelta(hours=1))
    there = Silence(0, {"rule": "window.empty"}, now, now + timedelta(hours=1), comment="别处")
    everywhere = Silence(0, {"level": "warning"}, now, None, SilenceSchedule.REST_DAYS)
    mine = silence_repo.create_silence(conn, here, created_by="admin", region_code="610802")
    # written without a region (as older rows were): the named centre's region
    legacy = silence_repo.create_silence(conn, here, created_by="engine", region_code="")
    other = silence_repo.create_silence(conn, there, created_by="x", region_code="610803")
    net = silence_repo.create_silence(conn, everywhere, created_by="root", region_code="")

    def listed(prefix: str) -> set[int]:
        rows = silence_repo.list_silences(conn, region_prefix=prefix, now=now, ended_since=None)
        return {r.id for r in rows}

    assert listed("610802") == {mine, legacy, net}
    assert listed("6108") == {mine, legacy, other, net}
    assert not silence_repo.end_silence(conn, other, now, region_prefix="610802")
    assert not silence_repo.end_silence(conn, net, now, region_prefix="610802")
    assert silence_repo.end_silence(conn, mine, now, region_prefix="610802")
    assert not silence_repo.end_silence(conn, mine, now, region_prefix="610802")  # already ended
    assert silence_repo.end_silence(conn, legacy, now, region_prefix="610802")
    assert listed("610802") == {net}
    ended = silence_repo.list_silences(
        conn, region_prefix="610802", now=now, ended_since=now - timedelta(days=1)
    )
    assert ended[0].id == net  # not ended first
    assert {r.id for r in ended} == {net, mine, legacy}
