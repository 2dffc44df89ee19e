"""Certificates in a real browser: the organizer puts a background on the award
certificate, makes the batch PDF in the background (progress bar), downloads it; the QR
code printed on a certificate holds ``<server>/verify/<number>``; opened at phone size, that
page says the certificate is valid with the holder's name and award.

Set ``XINMIAO_SCREENSHOTS=/some/dir`` to keep screenshots.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

from PIL import Image

from app.pdf import qr_image
from tests.conftest import skip_or_fail
from tests.e2e.conftest import PHONE
from tests.e2e.test_judging_browser import log_in
from tests.judging.certificates.test_certificates import awarded

SHOTS = os.environ.get("XINMIAO_SCREENSHOTS")
DESKTOP = {"width": 1280, "height": 900}


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def background() -> bytes:
    img = Image.new("RGB", (1188, 840), (252, 245, 228))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


def test_batch_download_then_verify_the_qr_on_a_phone(world, live_server, browser, tmp_path):
    for tool in ("pdftotext", "pdfimages"):
        if not shutil.which(tool):
            skip_or_fail(f"{tool} (poppler-utils) is not installed")
    awarded(world)
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "org")
    base = f"{live_server}/events/{world.event_id}/judging/certificates"

    # a background image on the award certificate
    page.goto(f"{base}/design?kind=award")
    bg = tmp_path / "bg.jpg"
    bg.write_bytes(background())
    page.set_input_files("form[action*='/background'] input[type=file]", str(bg))
    page.click("form[action*='/background'] button")
    page.wait_for_load_state()
    assert "背景图片已上传" in page.inner_text("main")
    assert page.locator("img.cert-preview").evaluate("img => img.complete && img.naturalWidth") == 702
    shot(page, "certificate-design")

    # the overview lists the name no font can draw, then makes the batch with a progress bar
    page.goto(f"{base}/?kind=award")
    assert "共 5 张证书，可打印 4 张。" in page.inner_text("#check")
    assert "𠮷田春" in page.inner_text("#check")
    page.click("#batches button:has-text('开始生成')")
    page.wait_for_load_state()
    link = page.locator("tr.batch a.download").first
    link.wait_for(state="visible", timeout=30_000)
    assert page.locator("tr.batch .batch-text").first.inner_text() == "已完成 4 / 4"
    assert page.locator("tr.batch .bar-fill").first.evaluate("el => el.style.width") == "100%"
    shot(page, "certificate-batches")
    with page.expect_download() as info:
        link.click()
    pdf = tmp_path / "batch.pdf"
    info.value.save_as(str(pdf))
    context.close()

    # the certificate of 阿依古丽·买买提 (page 2): its number, and its QR code holds <server>/verify/<number>
    text = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "阿依古丽·买买提同学：" in text
    number = re.search(r"证书编号：(XM2026(?:-[0-9A-Z]{4}){4})", text).group(1)
    subprocess.run(["pdfimages", "-png", "-f", "2", "-l", "2", str(pdf), str(tmp_path / "img")], check=True)
    images = [Image.open(p).convert("L") for p in sorted(tmp_path.glob("img-*.png"))]
    qr = [img for img in images if img.width < 300]
    assert len(qr) == 1
    url = f"{live_server}/verify/{number}"
    assert qr[0].tobytes() == qr_image(url, border=4, scale=4).tobytes()

    # scanned with a phone
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = phone.new_page()
    page.goto(url)
    verdict = page.inner_text(".verdict")
    assert "有效" in verdict and "这是一张真实有效的证书。" in verdict
    facts = page.inner_text(".cert-facts")
    assert (
        "阿依古丽·买买提" in facts
        and "一等奖" in facts
        and "2026年海南省青少年科技创新大赛" in facts
        and number in facts
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing sticks out sideways on a phone
    shot(page, "verify-phone")
    # a mistyped number says so plainly
    page.fill("input[name=number]", number[:-1] + ("A" if number[-1] != "A" else "B"))
    page.click(".verify-form button")
    page.wait_for_load_state()
    assert "查无此证书" in page.inner_text(".verdict")
    phone.close()
