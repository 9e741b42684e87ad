"""摄像机管理: the camera registry (RTSP, HTTP, file or the sim), each camera's seat regions and
privacy masks drawn on a fresh snapshot, calibration of the empty seat, and where each centre's
video service is (a hall's edge box registers itself; empty: this console's own)."""

import cv2
import numpy as np
import pandas as pd
import streamlit as st

from console.services import pool, record, require_user, scope, settings
from store.repos import reference
from store.repos import video as video_repo
from video.client import VideoClient, VideoServiceError, parse_video_url
from video.geometry import GeometryError, check_polygon, parse_rect
from video.relay import LiveMode

MODE_LABELS = {
    LiveMode.AUTO: "自动",
    LiveMode.PASSTHROUGH: "直通 H.264",
    LiveMode.TRANSCODE: "转码 VP8",
}
user = require_user()
sc = scope()
client = VideoClient(settings(), user.username, user.region_code)
st.title("摄像机管理")


def hide_secret(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def polygons_text(polys) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(" ".join(f"{x},{y}" for x, y in p) for p in polys)


def parse_polygons(text: str, size: tuple[int, int]) -> list:
    """One polygon per line: `x,y x,y x,y …`, or a rectangle `X,Y,W,H`."""
    out = []
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        if " " not in line and line.count(",") == 3:
            out.append(check_polygon(parse_rect(line), size))
        else:
            pts = [tuple(int(v) for v in p.split(",")) for p in line.split()]
            out.append(check_polygon(pts, size))
    return out


with pool().connection() as conn:
    cams = video_repo.cameras(conn, region_prefix=sc.region_prefix)
    centers = reference.centers(conn, sc.region_prefix)
    services = video_repo.center_videos(conn, sc.region_prefix)

st.dataframe(
    pd.DataFrame(
        [
            {
                "编码": k.code,
                "名称": k.name,
                "窗口": k.window_code or "—",
                "地址": hide_secret(k.url),
                "子码流": hide_secret(k.sub_url or "") or "—",
                "实时方式": MODE_LABELS[LiveMode(k.live_mode)],
                "座位区域": len(k.seat_regions),
                "遮挡区域": len(k.privacy_masks),
                "分析帧率": k.analysis_fps,
                "启用": k.enabled,
            }
            for k in cams
        ]
    ),
    hide_index=True,
    use_container_width=True,
)

regions_tab, stream_tab, service_tab = st.tabs(
    ["座位区域与标定", "登记 / 修改摄像机", "视频服务地址"]
)

with regions_tab:
    cam = st.selectbox("摄像机", cams, format_func=lambda k: f"{k.code} {k.name}")
    if cam is not None:
        at_centre = client.at(cam.video_url)  # the camera's centre's video service
        try:
            jpeg = at_centre.snapshot_jpeg(cam.code)
            picture = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        except VideoServiceError as exc:
            picture = None
            st.warning(f"取不到实时截图：{exc}")
        size = (picture.shape[1], picture.shape[0]) if picture is not None else (10_000, 10_000)
        c1, c2 = st.columns(2)
        seats_text = c1.text_area(
            "座位区域（每行一个多边形 x,y x,y …，或矩形 X,Y,W,H）",
            polygons_text(cam.seat_regions),
            height=120,
        )
        masks_text = c2.text_area(
            "隐私遮挡区域（同上）", polygons_text(cam.privacy_masks), height=120
        )
        seats: list | None
        masks: list | None
        try:
            seats = parse_polygons(seats_text, size)
            masks = parse_polygons(masks_text, size)
        except (GeometryError, ValueError) as exc:
            st.error(f"区域格式错误：{exc}")
            seats = masks = None
        if picture is not None and seats is not None and masks is not None:
            shown = picture.copy()
            for poly in masks:
                cv2.fillPoly(shown, [np.asarray(poly, np.int32)], (40, 40, 40))
            for i, poly in enumerate(seats):
                cv2.polylines(shown, [np.asarray(poly, np.int32)], True, (0, 200, 0), 2)
                cv2.putText(shown, f"{i}", poly[0], cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 200, 0), 2)
            st.image(shown, channels="BGR", caption=f"{cam.code} 实时截图（绿框：座位区域）")
        b1, b2 = st.columns(2)
        if (
            b1.button("保存区域", type="primary", disabled=seats is None)
            and seats is not None
            and masks is not None
        ):
            with pool().connection() as conn:
                video_repo.save_regions(conn, cam.code, seats, masks)
            record("video.regions", cam.code, seats=len(seats), masks=len(masks))
            st.success("已保存，视频分析将在数秒内使用新区域")
        if b2.button("标定空座（当前画面中座位无人）"):
            try:
                cid = at_centre.calibrate(cam.code)
            except VideoServiceError as exc:
                st.error(f"标定失败：{exc}")
            else:
                record("video.calibrate", cam.code, calibration_id=cid)
                st.success(f"已标定（#{cid}）：以当前画面作为空座参考")

with stream_tab, st.form("camera"):
    existing = st.selectbox(
        "修改已有摄像机（留空为新增）",
        [None, *cams],
        format_func=lambda k: "新增" if k is None else k.code,
    )
    c1, c2 = st.columns(2)
    code = c1.text_input("编码", existing.code if existing else "")
    name = c2.text_input("名称", existing.name if existing else "")
    center = c1.selectbox("服务中心", centers, format_func=lambda c: c.name)
    window = c2.text_input("窗口编码", existing.window_code or "" if existing else "")
    url = st.text_input(
        "视频地址（rtsp://、http://、文件路径或 sim://窗口编码）",
        existing.url if existing else "",
    )
    sub_url = st.text_input("分析用子码流（可选）", existing.sub_url or "" if existing else "")
    mode = c1.selectbox("实时方式", list(LiveMode), format_func=lambda m: MODE_LABELS[m])
    fps = c2.number_input("分析帧率", 0.2, 10.0, float(existing.analysis_fps) if existing else 1.0)
    enabled = st.checkbox("启用", existing.enabled if existing else True)
    if st.form_submit_button("保存摄像机", type="primary"):
        if not code.strip() or not url.strip() or center is None:
            st.error("编码、地址和服务中心必填")
        else:
            with pool().connection() as conn:
                video_repo.save_camera(
                    conn,
                    code.strip(),
                    center_code=center.code,
                    window_code=window.strip() or None,
                    name=name.strip() or code.strip(),
                    url=url.strip(),
                    sub_url=sub_url.strip() or None,
                    live_mode=(mode or LiveMode.AUTO).value,
                    analysis_fps=fps,
                    enabled=enabled,
                )
            record(
                "video.camera_save",
                code.strip(),
                live_mode=(mode or LiveMode.AUTO).value,
                enabled=enabled,
            )
            st.success(f"已保存摄像机 {code.strip()}")
            st.rerun()


def save_video_url(center: video_repo.CenterVideo, key: str) -> None:
    """保存地址 (a button callback: the table shows the new address in the same run)."""
    try:
        url = parse_video_url(st.session_state.get(key))
    except ValueError as exc:
        st.session_state["video_url_message"] = ("error", str(exc))
        return
    with pool().connection() as conn:
        video_repo.set_center_video_url(conn, center.code, url, actor=user.username)
    if url is not None and not client.at(url).healthy():
        text = f"已保存{center.name}的视频服务地址 {url}，但现在连不上它，请检查地址和网络"
        st.session_state["video_url_message"] = ("warning", text)
    else:
        text = f"已保存{center.name}的视频服务地址：{url or '默认'}"
        st.session_state["video_url_message"] = ("success", text)


with service_tab:
    st.caption(
        "各服务中心的视频服务（大厅边缘节点 `hallwatch edge run --video --public-video-url …`"
        " 启动时自动登记）。浏览器和本控制台都从这个地址取实时画面、截图和证据文件；"
        f"留空则使用本控制台的视频服务（{client.public_url}）。"
    )
    if "video_url_message" in st.session_state:
        kind, text = st.session_state.pop("video_url_message")
        {"error": st.error, "warning": st.warning, "success": st.success}[kind](text)
    st.dataframe(
        pd.DataFrame(
            [
                {"编码": c.code, "服务中心": c.name, "视频服务地址": c.video_url or "默认"}
                for c in services
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    by_code = {c.code: c for c in services}  # codes, not rows: a row read anew every run
    code = st.selectbox("服务中心", list(by_code), format_func=lambda c: f"{c} {by_code[c].name}")
    if code is not None:
        chosen = by_code[code]
        key = f"video-url-{chosen.code}-{chosen.video_url}"  # shows the saved address anew
        st.text_input(
            "视频服务地址（如 http://10.61.8.2:8603，留空为默认）", chosen.video_url or "", key=key
        )
        st.button("保存地址", type="primary", on_click=save_video_url, args=(chosen, key))
