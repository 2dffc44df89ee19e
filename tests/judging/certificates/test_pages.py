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

from judging.certificates import services as certificates
from tests.judging.api import ev, ok, org
from tests.judging.certificates.test_certificates import RARE, awarded, pdf_pages, pdf_text, save
from tests.judging.pages import post, text_of


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
    bad = client.post(
        f"{base}/background?kind=award",
        data={"_csrf_token": client.cookies.get("xinmiao_csrf")},
        files={"file": ("bg.png", b"GIF89a....", "image/png")},
        follow_redirects=True,
    )
    assert "背景图片必须是 PNG 或 JPEG 文件。" in text_of(bad)
    good = client.post(
        f"{base}/background?kind=award",
        data={"_csrf_token": client.cookies.get("xinmiao_csrf")},
        files={"file": ("bg.png", background_png(), "image/png")},
        follow_redirects=True,
    )
    assert "背景图片已上传" in text_of(good)
    template = world.run(certificates.get_template(world.event_id, "award"))
    assert (
        template["background_type"] == "png" and certificates.background_path(template).read_bytes() == background_png()
    )
    # move the name to the centre, drop the school line, add a free text
    rows = template["fields"]
    form: dict[str, list[str]] = {
        k: []
        for k in (
            "f_type",
            "f_x",
            "f_y",
            "f_w",
            "f_h",
            "f_size",
            "f_align",
            "f_font",
            "f_color",
            "f_prefix",
            "f_suffix",
            "f_text",
        )
    }
    shrink = []
    for i, f in enumerate(
        rows
        + [
            {
                "type": "text",
                "x": 20,
                "y": 196,
                "w": 100,
                "h": 0,
                "size": 8,
                "align": "L",
                "font": "",
                "color": "#333333",
                "prefix": "",
                "suffix": "",
                "text": "第{number}号",
            }
        ]
    ):
        keep_type = "" if f["type"] == "school" else f["type"]
        values = {
            **f,
            "x": 20 if f["type"] == "name" else f["x"],
            "w": 257 if f["type"] == "name" else f["w"],
            "align": "C" if f["type"] == "name" else f["align"],
        }
        form["f_type"].append(keep_type)
        for key in ("x", "y", "w", "h", "size", "align", "font", "color", "prefix", "suffix", "text"):
            form[f"f_{key}"].append(str(values[key]))
        shrink.append(str(i))
    saved = client.post(
        f"{base}/design?kind=award",
        data={
            **form,
            "f_shrink": shrink,
            "page_format": "A4",
            "orientation": "L",
            "font": "builtin:serif",
            "fallback_font": "builtin:sans",
            "date_text": "2026年12月1日",
            "min_award": "first",
            "verify_base_url": "https://xinmiao.example.org",
            "_csrf_token": client.cookies.get("xinmiao_csrf"),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    template = world.run(certificates.get_template(world.event_id, "award"))
    types = [f["type"] for f in template["fields"]]
    assert "school" not in types and types[-1] == "text" and template["fields"][-1]["text"] == "第{number}号"
    name = next(f for f in template["fields"] if f["type"] == "name")
    assert (name["x"], name["w"], name["align"]) == (20.0, 257.0, "C")
    assert (template["fallback_font"], template["date_text"], template["verify_base_url"]) == (
        "builtin:sans",
        "2026年12月1日",
        "https://xinmiao.example.org",
    )
    # an invalid position is refused with the reason, nothing stored
    form["f_x"][0] = "999"
    refused = client.post(
        f"{base}/design?kind=award",
        data={
            **form,
            "page_format": "A4",
            "orientation": "L",
            "font": "builtin:serif",
            "_csrf_token": client.cookies.get("xinmiao_csrf"),
        },
    )
    assert refused.status_code == 422 and "第 1 个字段的横坐标必须在 0 到 297.0 之间。" in text_of(refused)
    # preview before finalization: real data (the best-placed student), sample number
    preview = client.get(f"{base}/preview.pdf?kind=award")
    assert preview.status_code == 200 and preview.headers["content-type"] == "application/pdf"
    path = save(tmp_path, preview.content)
    text = pdf_text(path)
    assert pdf_pages(path) == 1
    assert "王小明同学：" in text and "2026年12月1日" in text and "证书编号：XM2026-0000-0000-0000-0000" in text
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
    status = wait_done(client, base, batch_id)
    assert (status["status"], status["total"], status["done"], status["percent"]) == ("done", 4, 4, 100)
    assert [s["name"] for s in status["skipped"]] == [RARE]
    pdf = client.get(f"{base}/batches/{batch_id}/file")
    path = save(tmp_path, pdf.content)
    assert pdf_pages(path) == 4
    assert "阿依古丽·买买提同学：" in pdf_text(path)
    # one school's batch
    post(client, f"{base}/batches?kind=award", {"school_code": "HK02"})
    second = world.run(
        certificates.CertificateBatch.select(certificates.CertificateBatch.id)
        .order_by(certificates.CertificateBatch.id, ascending=False)
        .first()
    )["id"]
    status = wait_done(client, base, second)
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
        assert "王小明同学：" in text and "阿依古丽·买买提同学：" in text and "李华" not in text
        assert school.get(f"{base}/?kind=award").status_code in (401, 403)


def test_public_verification_page(world):
    awarded(world)
    ok(world.client.post(ev(world, "/certificates/issue"), headers=org(world)))
    rows = world.run(certificates.list_certificates(world.event_id, "award"))
    wang = next(r for r in rows if r["name"] == "阿依古丽·买买提")
    page = world.client.get(f"/verify/{wang['number'].lower()}")
    assert page.status_code == 200
    text = text_of(page)
    assert (
        "有效" in text and "阿依古丽·买买提" in text and "一等奖" in text and "2026年海南省青少年科技创新大赛" in text
    )
    assert wang["number"] in text
    assert wang["school_name"] and wang["school_name"] in text  # issue 12 item 3: the school as printed
    assert world.client.get(f"/api/v1/certificates/{wang['number']}").json()["school"] == wang["school_name"]
    unknown = world.client.get("/verify/XM2026-AAAA-BBBB-CCCC-DDDD")
    assert unknown.status_code == 404 and "查无此证书" in text_of(unknown)
    form = world.client.get(
        "/verify/", params={"number": wang["number"].lower().replace("-", " ")}, follow_redirects=False
    )
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
    response = post(
        client,
        f"{base}/design?kind=award",
        {"page_format": "A5", "orientation": "P", "font": "builtin:sans", "reset": "1"},
    )
    assert response.status_code == 303, text_of(response)
    template = world.run(certificates.get_template(world.event_id, "award"))
    assert (template["page_format"], template["orientation"], template["font"]) == ("A5", "P", "builtin:sans")
    name = next(f for f in template["fields"] if f["type"] == "name")
    assert (name["x"], name["y"], name["w"]) == (19.93, 60.0, 108.13)
    pdf = save(tmp_path, client.get(f"{base}/preview.pdf?kind=award").content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+419\.53 x 595\.28 pts", info)  # A5 portrait
    assert "王小明同学：" in pdf_text(pdf)


def wait_done(client, base: str, batch_id: int, timeout: float = 60.0) -> dict:
    """The batch's status once it is done or failed; a deadline, not a count: a loaded machine is slow."""
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(f"{base}/batches/{batch_id}/status").json()
        if status["status"] in ("done", "failed") or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def test_overview_warnings_grouping_stale_batches_and_paging(world, tmp_path, monkeypatch):
    awarded(world)
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging/certificates"
    warning = "证书二维码将指向 http://testserver.local，手机扫码可能无法打开；请在模板中填写公网验证网址。"
    # award certificates were issued at finalization; looking at the pages issues nothing more
    issued = world.run(certificates.Certificate.count())
    assert (
        issued > 0 and world.run(certificates.Certificate.count().where(certificates.Certificate.kind != "award")) == 0
    )
    for kind in ("award", "participation", "adviser"):
        assert client.get(f"{base}/?kind={kind}").status_code == 200
    assert world.run(certificates.Certificate.count()) == issued
    page = client.get(f"{base}/?kind=award")
    text = text_of(page)
    assert text.count(warning) == 2  # at the top and at the batch form
    assert "结营证书" not in text  # no camp tab on an innovation contest
    rows = re.findall(r'<tr class="missing-group">(.*?)</tr>', page.text, re.S)
    assert len(rows) == 1 and "U+20BB7" in rows[0] and RARE in rows[0]
    assert warning in text_of(client.get(f"{base}/design?kind=award"))
    # a batch: who was skipped, by name; revoking one makes it out of date
    post(client, f"{base}/batches?kind=award", {"school_code": "", "category_id": ""})
    batch_id = world.run(certificates.CertificateBatch.select(certificates.CertificateBatch.id).first())["id"]
    assert wait_done(client, base, batch_id)["status"] == "done"
    cell = re.search(
        r'<td data-label="跳过" class="skipped">(.*?)</td>', client.get(f"{base}/?kind=award").text, re.S
    ).group(1)
    assert cell == f"1：{RARE}"
    li = next(r for r in world.run(certificates.list_certificates(world.event_id, "award")) if r["name"] == "李华")
    post(client, f"{base}/{li['id']}/revoke?kind=award", {"reason": "重复颁发"})
    listing = client.get(f"{base}/?kind=award").text
    row = re.search(r'<tr class="batch stale".*?</tr>', listing, re.S).group(0)
    assert "已过期" in row and "download hidden" in row
    refused = client.get(f"{base}/batches/{batch_id}/file")
    assert refused.status_code == 409 and "这份证书 PDF 已过期" in text_of(refused)
    # the office's links: a number opens that certificate's PDF; the public page does not count against the limit
    wang = next(r for r in world.run(certificates.list_certificates(world.event_id, "award")) if r["name"] == "王小明")
    assert f'href="{base}/{wang["id"]}/certificate.pdf"' in listing
    one = client.get(f"{base}/{wang['id']}/certificate.pdf")
    assert one.status_code == 200 and pdf_pages(save(tmp_path, one.content)) == 1
    assert 'filename="certificate-' + wang["number"] + '.pdf"' in one.headers["content-disposition"]
    for _ in range(certificates.VERIFY_LIMIT_PER_MINUTE + 5):
        assert client.get(f"/verify/{wang['number']}").status_code == 200
    # a revoked one (by mistake) can be reissued from the list
    assert "重新补发" in text_of(client.get(f"{base}/?kind=award&status=revoked"))
    post(client, f"{base}/{li['id']}/reissue?kind=award", {"reason": "误作废"})
    assert len(world.run(certificates.list_certificates(world.event_id, "award", search="李华"))) == 1
    # paging
    monkeypatch.setattr(certificates, "LIST_PAGE_SIZE", 2)
    first = text_of(client.get(f"{base}/?kind=award"))
    assert "第 1 / 3 页" in first and "下一页" in first
    last = client.get(f"{base}/?kind=award&page=3")
    assert "第 3 / 3 页" in text_of(last) and len(re.findall(r'class="one-pdf"', last.text)) == 1
    # while unlocked: certificates issued earlier stay valid
    ok(world.client.post(ev(world, "/unlock"), json={"reason": "复核"}, headers=org(world)))
    assert "结果已解锁：之前颁发的 5 张证书仍然有效；重新定稿后，结果有变化的证书才会作废并重新颁发。" in text_of(
        client.get(f"{base}/?kind=award")
    )


def test_designer_date_background_ratio_and_font_uploads(world):
    from judging.certificates.pages import today_text

    awarded(world, finalize=False)
    client = world.login_page("org")
    base = f"/events/{world.event_id}/judging/certificates"
    page = client.get(f"{base}/design?kind=award").text
    assert f'placeholder="{today_text()}"' in page and re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", today_text())
    # a square background on a landscape page: stretched, and said so
    square = client.post(
        f"{base}/background?kind=award",
        data={"_csrf_token": client.cookies.get("xinmiao_csrf")},
        files={"file": ("bg.png", background_png(800, 800), "image/png")},
        follow_redirects=True,
    )
    message = "背景图片的比例（800×800 像素）与纸张（297×210 毫米）不同，打印时会被拉伸铺满整页。请按纸张比例裁剪后重新上传，或改变纸张方向。"
    assert message in text_of(square)
    assert message in text_of(client.get(f"{base}/design?kind=award"))
    client.post(
        f"{base}/background?kind=award",
        data={"_csrf_token": client.cookies.get("xinmiao_csrf")},
        files={"file": ("bg.png", background_png(), "image/png")},
        follow_redirects=True,
    )
    assert "背景图片的比例" not in text_of(client.get(f"{base}/design?kind=award"))
    # a font larger than 40 MB: a message about fonts, not about spreadsheets
    big = client.post(
        f"{base}/fonts?kind=award",
        data={"_csrf_token": client.cookies.get("xinmiao_csrf")},
        files={"file": ("huge.ttf", b"\0" * (41 * 1024 * 1024), "font/ttf")},
        follow_redirects=True,
    )
    text = text_of(big)
    assert (
        "字体文件超过 40 MB 上限。请上传单个字体文件，或从字体集中只导出需要的字体。" in text and "工作表" not in text
    )
    # 30 MB is under the limit: refused for what it is (not a font), not for its size
    junk = client.post(
        f"{base}/fonts?kind=award",
        data={"_csrf_token": client.cookies.get("xinmiao_csrf")},
        files={"file": ("big.ttf", b"\0" * (30 * 1024 * 1024), "font/ttf")},
        follow_redirects=True,
    )
    assert "字体文件无效：请上传 TTF、OTF 或 TTC 字体（不支持 WOFF）。" in text_of(junk)


def test_school_page_counts_and_names_who_is_left_out(world):
    awarded(world)
    ok(
        world.client.post(ev(world, "/certificates/issue?kind=participation"), headers=org(world))
    )  # nobody: all awarded
    client = world.login_page("org")
    fresh = lambda: type(client)(app=client.app, raise_server_exceptions=False)  # noqa: E731
    school = world.login_page("sy01", client=fresh())
    with school:
        text = text_of(school.get("/certificates/"))
        assert "本校应得 1 张，可下载 0 张。" in text and f"{RARE}（缺字）" in text
        assert "下载获奖证书" not in text
    school = world.login_page("hk01", client=fresh())
    with school:
        text = text_of(school.get("/certificates/"))
        assert "本校应得 3 张，可下载 3 张。" in text and "下载获奖证书" in text and "无法打印" not in text
        response = school.get(f"/certificates/{world.event_id}/certificates.pdf?kind=award")
        assert response.headers["content-disposition"].startswith(
            'attachment; filename="certificates-1-award-HK01.pdf"'
        )
        assert (
            "%E6%B5%B7%E5%8F%A3%E5%B8%82%E7%AC%AC%E4%B8%80%E4%B8%AD%E5%AD%A6.pdf"
            in response.headers["content-disposition"]
        )


def test_the_check_warns_about_a_label_around_an_empty_placeholder(world):
    """A fresh user's finding: "同队：{teammates}；指导教师：{advisers}" printed "同队：；指导教师：李老师"
    on a one-student entry: only wholly empty free texts are dropped. The pre-print check (page and
    GET .../certificates/check) now counts the certificates that would print such a label."""
    awarded(world)  # a team of two and three one-student entries: five award certificates
    template = world.run(certificates.get_template(world.event_id, "award"))
    line = certificates._f("text", 20, 150, 257, 14, "C", text="{name}，同队：{teammates}；")
    world.run(certificates.save_template(world.org, world.event_id, "award", {"fields": [*template["fields"], line]}))
    warning = "3 张证书的“同队：{teammates}；”为空，会印成“同队：；”——可把这一段放进方括号：[同队：{teammates}；]"
    client = world.login_page("org")
    page = text_of(client.get(f"/events/{world.event_id}/judging/certificates/?kind=award"))
    assert warning in page
    checked = client.get(f"/api/v1/events/{world.event_id}/certificates/check", headers=world.headers("org")).json()
    assert [(w["segment"], w["printed"], w["certificates"]) for w in checked["empty_labels"]] == [
        ("同队：{teammates}；", "同队：；", 3)
    ]
    # in brackets the segment is left out where empty: nothing to warn about
    line = {**line, "text": "{name}[，同队：{teammates}；]"}
    world.run(certificates.save_template(world.org, world.event_id, "award", {"fields": [*template["fields"], line]}))
    assert "会印成" not in text_of(client.get(f"/events/{world.event_id}/judging/certificates/?kind=award"))


def test_a_robotics_event_previews_a_team_in_a_challenge_before_it_has_results(world, tmp_path):
    """Fresh tester (12-team tournament): the designer of a robotics event previewed a contest
    project ("基于物联网的校园垃圾分类智能回收装置", 工程学). With no results yet a robotics event
    previews a sample team in one of its own challenges (赛项) with a place and a prize, its coach
    on the adviser certificate; the designer names the fields as a robotics event does, zh and en."""
    from tests.factories import competitions as competition_factories

    event = competition_factories.event(world, "2026年海南省青少年机器人竞赛", kind="robotics")
    competition_factories.category(world, "ZH", "机器人综合技能", event_id=event["id"])
    client = world.login_page("org")
    base = f"/events/{event['id']}/judging/certificates"

    def preview(kind: str) -> str:
        response = client.get(f"{base}/preview.pdf?kind={kind}")
        assert response.status_code == 200, response.text
        return "".join(pdf_text(save(tmp_path, response.content, f"{kind}.pdf")).split())

    award = preview("award")
    assert "你所在的队伍“椰城飞鹰队”" in award
    assert "在2026年海南省青少年机器人竞赛机器人综合技能（初中组）中获得第1名，荣获" in award and "一等奖" in award
    participation = preview("participation")
    assert (
        "你所在的队伍“椰城飞鹰队”" in participation
        and "参加2026年海南省青少年机器人竞赛机器人综合技能" in participation
    )
    adviser = preview("adviser")
    assert "林志强老师：" in adviser and "您指导的队伍“椰城飞鹰队”" in adviser
    for text in (award, participation, adviser):
        assert "工程学" not in text and "基于物联网" not in text and "作品" not in text
    page = client.get(f"{base}/design?kind=award")
    assert "示例数据：还没有可以颁发这类证书的结果，用一个示例队伍预览" in text_of(page)
    assert (
        '<option value="title" >队伍名称</option>' in page.text
        and '<option value="category" >赛项</option>' in page.text
    )
    english = client.get(f"{base}/design?kind=award", headers={"Accept-Language": "en"})
    assert "a sample team is shown" in text_of(english)
    assert '<option value="title" >Team name</option>' in english.text
    assert '<option value="category" >Challenge</option>' in english.text
    # an innovation contest keeps its project sample and its words
    contest = client.get(f"/events/{world.event_id}/judging/certificates/design?kind=award")
    assert '<option value="title" >作品名称</option>' in contest.text
    sample = "".join(
        pdf_text(
            save(tmp_path, client.get(f"/events/{world.event_id}/judging/certificates/preview.pdf?kind=award").content)
        ).split()
    )
    assert "基于物联网的校园垃圾分类智能回收装置" in sample
