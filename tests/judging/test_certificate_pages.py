"""Certificate pages: the organizer designs a template on a background image with an
uploaded font, previews it, sees the coverage check, makes a batch in the background
with progress, revokes and reissues; a school downloads its own; the public verifies
on /verify."""
from __future__ import annotations

import io
import re
import subprocess
import time

from PIL import Image

from judging import certificates
from tests.judging.test_certificates import RARE, awarded, pdf_pages, pdf_text, save
from tests.judging.test_judging_api import ev, ok, org
from tests.judging.test_pages import post, text_of


def background_png(width: int = 1188, height: int = 840) -> bytes:
    img = Image.new("RGB", (width, height), (250, 244, 230))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_designer_background_preview_and_layout(world, tmp_path):
    awarded(world, finalize=False)
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging/certificates"
    page = client.get(f"{base}/design?kind=award")
    assert page.status_code == 200
    text = text_of(page)
    assert "版面示意" in text and "背景图片" in text and "思源宋体（Noto Serif SC，内置）" in text
    # a background: not an image is refused, a PNG is stored
    bad = client.post(f"{base}/background?kind=award", data={"_csrf_token": client.cookies.get("xinmiao_csrf")},
                      files={"file": ("bg.png", b"GIF89a....", "image/png")}, follow_redirects=True)
    assert "背景图片必须是 PNG 或 JPEG 文件。" in text_of(bad)
    good = client.post(f"{base}/background?kind=award", data={"_csrf_token": client.cookies.get("xinmiao_csrf")},
                       files={"file": ("bg.png", background_png(), "image/png")}, follow_redirects=True)
    assert "背景图片已上传" in text_of(good)
    template = world.run(certificates.get_template(world.event_id, "award"))
    assert template["background_type"] == "png" and certificates.background_path(template).read_bytes() == background_png()
    # move the name to the centre, drop the school line, add a free text
    rows = template["fields"]
    form: dict[str, list[str]] = {k: [] for k in ("f_type", "f_x", "f_y", "f_w", "f_h", "f_size", "f_align", "f_font", "f_color",
                                                  "f_prefix", "f_suffix", "f_text")}
    shrink = []
    for i, f in enumerate(rows + [{"type": "text", "x": 20, "y": 196, "w": 100, "h": 0, "size": 8, "align": "L", "font": "",
                                    "color": "#333333", "prefix": "", "suffix": "", "text": "第{number}号"}]):
        keep_type = "" if f["type"] == "school" else f["type"]
        values = {**f, "x": 20 if f["type"] == "name" else f["x"], "w": 257 if f["type"] == "name" else f["w"],
                  "align": "C" if f["type"] == "name" else f["align"]}
        form["f_type"].append(keep_type)
        for key in ("x", "y", "w", "h", "size", "align", "font", "color", "prefix", "suffix", "text"):
            form[f"f_{key}"].append(str(values[key]))
        shrink.append(str(i))
    saved = client.post(f"{base}/design?kind=award", data={**form, "f_shrink": shrink, "page_format": "A4", "orientation": "L",
                                                           "font": "builtin:serif", "fallback_font": "builtin:sans", "date_text": "2026年12月1日",
                                                           "min_award": "first", "verify_base_url": "https://xinmiao.example.org",
                                                           "_csrf_token": client.cookies.get("xinmiao_csrf")}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    template = world.run(certificates.get_template(world.event_id, "award"))
    types = [f["type"] for f in template["fields"]]
    assert "school" not in types and types[-1] == "text" and template["fields"][-1]["text"] == "第{number}号"
    name = next(f for f in template["fields"] if f["type"] == "name")
    assert (name["x"], name["w"], name["align"]) == (20.0, 257.0, "C")
    assert (template["fallback_font"], template["date_text"], template["verify_base_url"]) == (
        "builtin:sans", "2026年12月1日", "https://xinmiao.example.org")
    # an invalid position is refused with the reason, nothing stored
    form["f_x"][0] = "999"
    refused = client.post(f"{base}/design?kind=award", data={**form, "page_format": "A4", "orientation": "L", "font": "builtin:serif",
                                                             "_csrf_token": client.cookies.get("xinmiao_csrf")})
    assert refused.status_code == 422 and "第 1 个字段的横坐标必须在 0 到 297.0 之间。" in text_of(refused)
    # preview before finalization: real data (the best-placed student), sample number
    preview = client.get(f"{base}/preview.pdf?kind=award")
    assert preview.status_code == 200 and preview.headers["content-type"] == "application/pdf"
    path = save(tmp_path, preview.content)
    text = pdf_text(path)
    assert pdf_pages(path) == 1
    assert "王小明 同学：" in text and "2026年12月1日" in text and "证书编号：XM2026-0000-0000-0000-0000" in text
    assert "第XM2026-0000-0000-0000-0000号" in text and "海口市第一中学" not in text
    png = client.get(f"{base}/preview.png?kind=award")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(png.content)).size == (702, 497)  # A4 landscape (297 × 210 mm) at 60 dpi
    # the overview says to finalize first
    assert "结果定稿后才能生成证书。" in text_of(client.get(f"{base}/?kind=award"))


def test_overview_check_batch_revoke_and_school_download(world, tmp_path):
    awarded(world)
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging/certificates"
    page = text_of(client.get(f"{base}/?kind=award"))
    assert "共 5 张证书，可打印 4 张。" in page
    assert f"{RARE} （姓名）" in page and "U+20BB7" in page
    # a batch for the whole event, in the background, with progress
    response = post(client, f"{base}/batches?kind=award", {"school_code": "", "category_id": ""})
    assert response.status_code == 303
    batch_id = world.run(certificates.CertificateBatch.select(certificates.CertificateBatch.id).first())["id"]
    for _ in range(100):
        status = client.get(f"{base}/batches/{batch_id}/status").json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert (status["status"], status["total"], status["done"], status["percent"]) == ("done", 4, 4, 100)
    assert [s["name"] for s in status["skipped"]] == [RARE]
    pdf = client.get(f"{base}/batches/{batch_id}/file")
    path = save(tmp_path, pdf.content)
    assert pdf_pages(path) == 4
    assert "阿依古丽·买买提 同学：" in pdf_text(path)
    # one school's batch
    post(client, f"{base}/batches?kind=award", {"school_code": "HK02"})
    second = world.run(certificates.CertificateBatch.select(certificates.CertificateBatch.id).order_by(
        certificates.CertificateBatch.id, ascending=False).first())["id"]
    for _ in range(100):
        status = client.get(f"{base}/batches/{second}/status").json()
        if status["status"] == "done":
            break
        time.sleep(0.1)
    assert (status["status"], status["total"]) == ("done", 1)
    # revoke from the page, with a reason
    rows = world.run(certificates.list_certificates(world.event_id, "award"))
    li = next(r for r in rows if r["name"] == "李华")
    assert post(client, f"{base}/{li['id']}/revoke?kind=award", {"reason": ""}).status_code == 303
    assert world.run(certificates.list_certificates(world.event_id, "award", search="李华"))[0]["status"] == "valid"
    post(client, f"{base}/{li['id']}/revoke?kind=award", {"reason": "重复颁发"})
    verify = client.get(f"/verify/{li['number']}")
    assert verify.status_code == 200, text_of(verify)
    assert "已作废" in text_of(verify) and "重复颁发" in text_of(verify)
    zhang = next(r for r in rows if r["name"] == "张三")
    post(client, f"{base}/{zhang['id']}/reissue?kind=award", {"reason": "证书损坏"})
    listing = text_of(client.get(f"{base}/?kind=award&status=all&q=张三"))
    assert listing.count("张三") >= 2 and "证书损坏" in listing
    # school coordinator: own certificates only, from its page
    school = world.login_page("hk01", client=type(client)(app=client.app, raise_server_exceptions=False))
    with school:
        index = text_of(school.get("/certificates/"))
        assert "2026年海南省青少年科技创新大赛" in index and "下载获奖证书" in index
        own = school.get(f"/certificates/{world.event_id}/certificates.pdf")
        assert own.status_code == 200
        text = pdf_text(save(tmp_path, own.content, "school.pdf"))
        assert "王小明 同学：" in text and "阿依古丽·买买提 同学：" in text and "李华" not in text
        assert school.get(f"{base}/?kind=award").status_code in (401, 403)


def test_public_verification_page(world):
    awarded(world)
    ok(world.client.post(ev(world, "/certificates/issue"), headers=org(world)))
    rows = world.run(certificates.list_certificates(world.event_id, "award"))
    wang = next(r for r in rows if r["name"] == "阿依古丽·买买提")
    page = world.client.get(f"/verify/{wang['number'].lower()}")
    assert page.status_code == 200
    text = text_of(page)
    assert "有效" in text and "阿依古丽·买买提" in text and "一等奖" in text and "2026年海南省青少年科技创新大赛" in text
    assert wang["number"] in text
    unknown = world.client.get("/verify/XM2026-AAAA-BBBB-CCCC-DDDD")
    assert unknown.status_code == 404 and "查无此证书" in text_of(unknown)
    form = world.client.get("/verify/", params={"number": wang["number"].lower().replace("-", " ")}, follow_redirects=False)
    assert form.status_code == 303 and form.headers["location"] == f"/verify/{wang['number']}"
    english = world.client.get(f"/verify/{wang['number']}", headers={"Accept-Language": "en"})
    assert "Valid" in text_of(english) and "First prize" in text_of(english)
    results_page = text_of(world.client.get(f"/results/{world.event_id}"))
    assert "证书查验" in results_page
    assert re.search(r"/verify/", world.client.get(f"/results/{world.event_id}").text)


def test_reset_to_the_default_layout_on_a_portrait_page(world, tmp_path):
    awarded(world)
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging/certificates"
    response = post(client, f"{base}/design?kind=award", {"page_format": "A5", "orientation": "P", "font": "builtin:sans", "reset": "1"})
    assert response.status_code == 303, text_of(response)
    template = world.run(certificates.get_template(world.event_id, "award"))
    assert (template["page_format"], template["orientation"], template["font"]) == ("A5", "P", "builtin:sans")
    name = next(f for f in template["fields"] if f["type"] == "name")
    assert (name["x"], name["y"], name["w"]) == (19.93, 60.0, 108.13)
    pdf = save(tmp_path, client.get(f"{base}/preview.pdf?kind=award").content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+419\.53 x 595\.28 pts", info)  # A5 portrait
    assert "王小明 同学：" in pdf_text(pdf)
