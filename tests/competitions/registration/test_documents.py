"""Entry documents: types by content, size and count limits, storage, who may see,
upload and delete them, audit, downloads with RFC 5987 file names."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

import pytest

from tests.competitions.api import check_matrix, patch_event
from tests.competitions.registration.test_entries_api import adviser, new_entry, student

EVERYONE = ("org", "haikou", "sanya", "hk01", "hk02", "sy01", "judge", "referee", "staff", None)


# --------------------------------------------------------------------------- files built here


def pdf(text: str = "research") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + text.encode() + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx() -> bytes:
    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def ole2(stream: str) -> bytes:
    """An OLE2 compound file header followed by a directory entry named ``stream``."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    return header + stream.encode("utf-16-le") + b"\0" * 1000


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\0" * 200 + b"\xff\xd9"


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\0" * 200


# --------------------------------------------------------------------------- helpers


def hdr(world, username):
    return world.headers(username) if username else {}


def upload(
    world, username, entry_id, kind, data, filename="文件.pdf", content_type="application/octet-stream", **extra
):
    return world.client.post(
        f"/api/v1/entries/{entry_id}/documents",
        data={"kind": kind},
        files={"file": (filename, data, content_type)},
        headers={**hdr(world, username), **extra},
    )


@pytest.fixture
def entry(world):
    return new_entry(world, "hk01", "红树林湿地研究", [student("李明"), adviser("陈老师")])


def stored_files(settings):
    root = settings.uploads_dir / "documents"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --------------------------------------------------------------------------- types


def test_unit_type_sniffing_and_names():
    from competitions.registration import documents as d

    assert d.sniff_content_type(pdf()) == "application/pdf"
    assert d.sniff_content_type(docx()) == d.DOCX
    assert d.sniff_content_type(ole2("WordDocument")) == "application/msword"
    assert d.sniff_content_type(ole2("Workbook")) is None  # an old .xls
    assert d.sniff_content_type(xlsx()) is None
    assert d.sniff_content_type(b"PK\x03\x04broken") is None
    assert d.sniff_content_type(jpeg()) == "image/jpeg"
    assert d.sniff_content_type(png()) == "image/png"
    assert d.sniff_content_type(b"GIF89a....") is None
    assert d.sniff_content_type(b"<html>") is None

    assert d.sanitize_filename("研究报告.pdf", d.PDF) == "研究报告.pdf"
    assert d.sanitize_filename("C:\\Users\\老师\\Desktop\\申报书.PDF", d.PDF) == "申报书.pdf"
    assert d.sanitize_filename("../../etc/passwd", d.PDF) == "passwd.pdf"
    assert d.sanitize_filename('报告"\r\nX-Evil: 1;.txt', d.PDF) == "报告_X-Evil_ 1_.txt.pdf"
    assert d.sanitize_filename("照片.JPEG", d.JPEG) == "照片.jpeg"
    assert d.sanitize_filename("照片.png", d.JPEG) == "照片.png.jpg"  # the name follows the real type
    assert d.sanitize_filename("...", d.PNG) == "document.png"
    assert d.sanitize_filename("\u202egpj.exe", d.PNG) == "gpj.exe.png"  # bidi override removed
    assert len(d.sanitize_filename("长" * 300 + ".docx", d.DOCX)) == d.MAX_FILENAME_LENGTH

    assert d.content_disposition("研究报告 v2.pdf") == (
        "attachment; filename=\"____ v2.pdf\"; filename*=UTF-8''%E7%A0%94%E7%A9%B6%E6%8A%A5%E5%91%8A%20v2.pdf"
    )
    assert d.content_disposition("a.pdf", inline=True) == "inline; filename=\"a.pdf\"; filename*=UTF-8''a.pdf"


def test_document_types_are_decided_by_content(world, entry, settings):
    eid = entry["id"]
    ok = [
        ("application_form", pdf(), "申报书.pdf", "application/pdf"),
        (
            "research_report",
            docx(),
            "研究报告.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("novelty_report", ole2("WordDocument"), "查新报告.doc", "application/msword"),
        ("photo", jpeg(), "实验.jpg", "image/jpeg"),
        ("photo", png(), "装置.png", "image/png"),
        ("other", pdf(), "获奖证书.pdf", "application/pdf"),
        # a misleading name does not matter: the content decides, and the name gets the right extension
        ("research_report", pdf(), "报告.docx", "application/pdf"),
    ]
    for kind, data, name, content_type in ok:
        response = upload(world, "hk01", eid, kind, data, filename=name, content_type="text/plain")
        assert response.status_code == 201, (kind, name, response.text)
        assert response.json()["content_type"] == content_type
        assert response.json()["size"] == len(data)
    assert (
        upload(world, "hk01", eid, "research_report", pdf(), filename="报告.docx").json()["filename"] == "报告.docx.pdf"
    )

    refused = [
        ("photo", pdf(), "照片只接受 JPEG 或 PNG 格式，这个文件是PDF。请在手机或电脑上另存为 JPG 或 PNG 后再上传。"),
        (
            "photo",
            b"GIF89a" + b"\0" * 50,
            "照片只接受 JPEG 或 PNG 格式，这个文件是GIF。请在手机或电脑上另存为 JPG 或 PNG 后再上传。",
        ),
        (
            "application_form",
            jpeg(),
            "申报书只接受 PDF 或 Word（.doc、.docx）文件，这个文件是JPEG。请另存为 PDF 后再上传。",
        ),
        (
            "application_form",
            xlsx(),
            "申报书只接受 PDF 或 Word（.doc、.docx）文件，这个文件是压缩包或 Excel/PowerPoint 文件。请另存为 PDF 后再上传。",
        ),
        (
            "research_report",
            ole2("Workbook"),
            "研究报告只接受 PDF 或 Word（.doc、.docx）文件，这个文件是旧版 Excel/PowerPoint 文件。请另存为 PDF 后再上传。",
        ),
        (
            "novelty_report",
            b"<html><body>report</body></html>",
            "查新报告只接受 PDF 或 Word（.doc、.docx）文件，这个文件是无法识别的文件。请另存为 PDF 后再上传。",
        ),
        (
            "other",
            b"MZ\x90\x00" + b"\0" * 100,
            "其他只接受 PDF 或 Word（.doc、.docx）文件，这个文件是无法识别的文件。请另存为 PDF 后再上传。",
        ),
        ("photo", b"", "上传的文件是空的，请重新选择文件。"),
    ]
    for kind, data, message in refused:
        response = upload(world, "hk01", eid, kind, data, filename="伪装.pdf")
        assert response.status_code == 422, (kind, response.text)
        assert response.json()["detail"] == message
    bad_kind = upload(world, "hk01", eid, "video", pdf())
    assert bad_kind.status_code == 422 and bad_kind.json()["detail"].startswith(
        "材料类型“video”无效，可选：application_form（申报书）"
    )
    no_file = world.client.post(
        f"/api/v1/entries/{eid}/documents", data={"kind": "photo"}, headers=world.headers("hk01")
    )
    assert no_file.status_code == 422 and no_file.json()["detail"] == "请选择要上传的文件（表单字段 file）。"
    listed = world.client.get(f"/api/v1/entries/{eid}/documents", headers=world.headers("hk01")).json()
    assert len(listed) == 8
    assert len(stored_files(settings)) == 8  # refused uploads left no file behind


def test_size_limit(world, entry, settings):
    limit = settings.max_document_bytes
    assert limit == 20 * 1024 * 1024
    over = pdf() + b"\0" * (limit + 1 - len(pdf()))
    response = upload(world, "hk01", entry["id"], "research_report", over)
    assert response.status_code == 413
    # one byte over 20 MB is said as 20.1 MB (rounded up): "20.0 MB is over the 20 MB limit" read as a bug
    assert response.json()["detail"] == "文件大小 20.1 MB 超过上限 20 MB。请压缩图片或拆分文件后再上传。"
    exact = pdf() + b"\0" * (limit - len(pdf()))
    assert upload(world, "hk01", entry["id"], "research_report", exact).status_code == 201
    # a body far over the limit is refused before it is read, still naming the 20 MB limit
    huge = b"\0" * (limit + 512 * 1024)
    refused = upload(world, "hk01", entry["id"], "research_report", huge)
    assert refused.status_code == 413
    assert "20 MB" in refused.json()["detail"]
    assert len(stored_files(settings)) == 1


def test_count_limits_per_kind(world, entry):
    for i in range(10):
        assert upload(world, "hk01", entry["id"], "photo", png(), filename=f"照片{i}.png").status_code == 201
    eleventh = upload(world, "hk01", entry["id"], "photo", png())
    assert eleventh.status_code == 422
    assert eleventh.json()["detail"] == "每个作品最多上传 10 个“照片”文件。请先删除不需要的文件再上传。"
    for i in range(3):
        assert upload(world, "hk01", entry["id"], "application_form", pdf()).status_code == 201
    fourth = upload(world, "hk01", entry["id"], "application_form", pdf())
    assert fourth.status_code == 422
    assert fourth.json()["detail"] == "每个作品最多上传 3 个“申报书”文件。请先删除不需要的文件再上传。"
    assert upload(world, "hk01", entry["id"], "research_report", pdf()).status_code == 201  # other kinds unaffected
    # deleting one frees a slot
    photo_id = next(
        d["id"]
        for d in world.client.get(f"/api/v1/entries/{entry['id']}/documents", headers=world.headers("hk01")).json()
        if d["kind"] == "photo"
    )
    assert world.client.delete(f"/api/v1/documents/{photo_id}", headers=world.headers("hk01")).status_code == 204
    assert upload(world, "hk01", entry["id"], "photo", jpeg()).status_code == 201


# --------------------------------------------------------------------------- storage and download


def test_storage_uses_random_keys_and_download_gives_the_bytes_back(world, entry, settings):
    data = pdf("湿地".encode().hex())
    created = upload(
        world, "hk01", entry["id"], "research_report", data, filename="../../../红树林 研究报告.pdf"
    ).json()
    assert created["filename"] == "红树林 研究报告.pdf"
    assert created["kind_label"] == "研究报告"
    again = upload(world, "hk01", entry["id"], "research_report", data, filename="红树林 研究报告.pdf").json()
    files = stored_files(settings)
    assert len(files) == 2 and files[0].name != files[1].name
    for path in files:
        assert path.resolve().is_relative_to(settings.uploads_dir.resolve())
        assert len(path.name) == 32 and all(c in "0123456789abcdef" for c in path.name)
        assert "红树林" not in str(path) and path.read_bytes() == data
    from competitions.registration.tables import EntryDocument

    keys = {r["storage_key"] for r in world.run(EntryDocument.select(EntryDocument.storage_key))}
    assert keys == {p.name for p in files}

    response = world.client.get(f"/api/v1/documents/{created['id']}", headers=world.headers("hk01"))
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"___ ____.pdf\"; filename*=UTF-8''" + quote("红树林 研究报告.pdf", safe="")
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    inline = world.client.get(
        f"/api/v1/documents/{again['id']}", params={"inline": "true"}, headers=world.headers("haikou")
    )
    assert inline.headers["content-disposition"].startswith("inline; ")

    listing = world.client.get(f"/api/v1/entries/{entry['id']}/documents", headers=world.headers("org")).json()
    assert [d["id"] for d in listing] == [created["id"], again["id"]]
    assert set(listing[0]) == {
        "id",
        "entry_id",
        "kind",
        "kind_label",
        "filename",
        "content_type",
        "size",
        "uploaded_at",
    }
    assert listing[0]["uploaded_at"].endswith("+00:00")
    assert "storage_key" not in str(listing)

    # a stored file that disappeared is a clear 404
    files[0].unlink()
    gone = [world.client.get(f"/api/v1/documents/{d['id']}", headers=world.headers("hk01")) for d in (created, again)]
    assert sorted(r.status_code for r in gone) == [200, 404]
    assert (
        next(r for r in gone if r.status_code == 404).json()["detail"]
        == "文件“红树林 研究报告.pdf”已丢失，请重新上传。"
    )


def test_documents_listed_in_kind_order(world, entry):
    for kind, data in (
        ("photo", png()),
        ("other", pdf()),
        ("application_form", pdf()),
        ("research_report", docx()),
        ("novelty_report", pdf()),
    ):
        upload(world, "hk01", entry["id"], kind, data)
    listing = world.client.get(f"/api/v1/entries/{entry['id']}/documents", headers=world.headers("hk01")).json()
    assert [d["kind"] for d in listing] == ["application_form", "research_report", "novelty_report", "photo", "other"]
    assert [d["kind_label"] for d in listing] == ["申报书", "研究报告", "查新报告", "照片", "其他"]


# --------------------------------------------------------------------------- who may do what


def test_document_access_on_every_endpoint(world, entry, settings, monkeypatch):
    eid = entry["id"]
    path = f"/api/v1/entries/{eid}/documents"
    files = {"file": ("申报书.pdf", pdf(), "application/pdf")}
    # upload: the entry's school and the organizer only
    for username, status in {
        "hk02": 404,
        "sy01": 404,
        "haikou": 403,
        "sanya": 403,
        "judge": 403,
        "referee": 403,
        "staff": 403,
        None: 401,
    }.items():
        response = world.client.post(path, data={"kind": "application_form"}, files=files, headers=hdr(world, username))
        assert response.status_code == status, (username, response.text)
        assert "红树林" not in response.text
    assert stored_files(settings) == []
    mine = upload(world, "hk01", eid, "application_form", pdf()).json()
    by_org = upload(world, "org", eid, "other", pdf(), filename="组委会补充.pdf").json()
    assert by_org["filename"] == "组委会补充.pdf"

    # list and download: whoever may see the entry
    readers = {
        "org": 200,
        "haikou": 200,
        "hk01": 200,
        "sanya": 404,
        "hk02": 404,
        "sy01": 404,
        "judge": 404,
        "referee": 403,
        "staff": 403,
        None: 401,
    }
    listed = check_matrix(world, "GET", path, readers)
    assert [d["id"] for d in listed["haikou"].json()] == [mine["id"], by_org["id"]]
    downloads = check_matrix(world, "GET", f"/api/v1/documents/{mine['id']}", readers)
    assert downloads["haikou"].content == pdf()
    for username in ("sanya", "hk02", "sy01", "judge"):
        assert downloads[username].json()["detail"] == "文件不存在或您无权查看。"
        assert "申报书" not in downloads[username].text
    missing = world.client.get("/api/v1/documents/999999", headers=world.headers("hk02"))
    assert (missing.status_code, missing.json()["detail"]) == (404, "文件不存在或您无权查看。")

    # an assigned judge reads the documents but cannot change them
    from competitions.registration import services as registration

    async def assigned(actor, entry_id):
        return entry_id == eid

    monkeypatch.setattr(registration, "_judge_assigned", assigned)
    assert [d["id"] for d in world.client.get(path, headers=world.headers("judge")).json()] == [
        mine["id"],
        by_org["id"],
    ]
    assert world.client.get(f"/api/v1/documents/{mine['id']}", headers=world.headers("judge")).content == pdf()
    assert world.client.delete(f"/api/v1/documents/{mine['id']}", headers=world.headers("judge")).status_code == 403
    assert upload(world, "judge", eid, "photo", png()).status_code == 403

    # delete: the entry's school and the organizer only
    check_matrix(
        world,
        "DELETE",
        f"/api/v1/documents/{mine['id']}",
        {
            "hk02": 404,
            "sy01": 404,
            "sanya": 403,
            "haikou": 403,
            "referee": 403,
            "staff": 403,
            None: 401,
        },
    )
    assert len(stored_files(settings)) == 2
    check_matrix(world, "DELETE", f"/api/v1/documents/{mine['id']}", {"hk01": 204})
    check_matrix(world, "DELETE", f"/api/v1/documents/{by_org['id']}", {"org": 204})
    assert stored_files(settings) == []
    assert world.client.get(f"/api/v1/documents/{mine['id']}", headers=world.headers("hk01")).status_code == 404
    assert world.client.delete(f"/api/v1/documents/{mine['id']}", headers=world.headers("hk01")).status_code == 404


def test_uploads_follow_the_entry_edit_rules(world, entry):
    eid = entry["id"]
    # a submitted entry may still get documents; an approved one only from the organizer
    assert (
        world.client.post(f"/api/v1/entries/{eid}/submit", headers=world.headers("hk01")).json()["status"]
        == "submitted"
    )
    doc = upload(world, "hk01", eid, "application_form", pdf())
    assert doc.status_code == 201
    world.client.post(f"/api/v1/entries/{eid}/review", json={"decision": "approve"}, headers=world.headers("org"))
    late = upload(world, "hk01", eid, "photo", png())
    assert (
        late.status_code == 409
        and late.json()["detail"] == "作品状态为“已通过”，学校不能再修改；如需更改请联系组委会。"
    )
    assert (
        world.client.delete(f"/api/v1/documents/{doc.json()['id']}", headers=world.headers("hk01")).status_code == 409
    )
    assert upload(world, "org", eid, "photo", png()).status_code == 201
    # after the registration deadline schools cannot change documents of their drafts either
    draft = new_entry(world, "hk01", "截止前草稿", [student("王芳", male=False)])
    draft_doc = upload(world, "hk01", draft["id"], "application_form", pdf()).json()
    patch_event(world, {"registration_closes_at": "2020-01-01T00:00:00+08:00"})
    closed = upload(world, "hk01", draft["id"], "photo", png())
    assert closed.status_code == 409 and closed.json()["detail"].startswith("报名已于 2020-01-01 00:00 截止")
    assert world.client.delete(f"/api/v1/documents/{draft_doc['id']}", headers=world.headers("hk01")).status_code == 409
    # but they still see and download them
    assert world.client.get(f"/api/v1/documents/{draft_doc['id']}", headers=world.headers("hk01")).status_code == 200
    assert upload(world, "org", draft["id"], "photo", png()).status_code == 201
    # withdrawn entries take no documents at all
    world.client.post(f"/api/v1/entries/{draft['id']}/withdraw", json={"reason": "x"}, headers=world.headers("org"))
    assert upload(world, "org", draft["id"], "photo", png()).status_code == 409


def test_uploads_and_deletions_are_audited(world, entry):
    doc = upload(world, "hk01", entry["id"], "novelty_report", pdf(), filename="查新报告.pdf").json()
    world.client.delete(f"/api/v1/documents/{doc['id']}", headers=world.headers("org"))
    history = world.client.get(f"/api/v1/entries/{entry['id']}/history", headers=world.headers("hk01")).json()
    uploads = [h for h in history if h["action"].startswith("document.")]
    assert [(h["action"], h["actor_name"], h["summary"]) for h in uploads] == [
        ("document.upload", "hk01", "查新报告 查新报告.pdf"),
        ("document.delete", "组委会", "查新报告 查新报告.pdf"),
    ]
    assert uploads[0]["changes"] == {
        "document": [
            None,
            {
                "kind": "novelty_report",
                "filename": "查新报告.pdf",
                "content_type": "application/pdf",
                "size": len(pdf()),
            },
        ]
    }
    assert uploads[1]["changes"]["document"][1] is None


def test_service_functions_directly(world, entry, settings):
    from app.errors import Conflict, NotFound, TooLarge, ValidationFailed
    from competitions.registration import documents

    school, other = world.principal("hk01"), world.principal("sy01")
    doc = world.run(documents.upload_document(school, entry["id"], "photo", "合影.png", png()))
    assert doc["kind_label"] == "照片" and doc["filename"] == "合影.png"
    meta, path = world.run(documents.open_document(world.principal("haikou"), doc["id"]))
    assert meta == doc and path.read_bytes() == png()
    assert [d["id"] for d in world.run(documents.list_documents(school, entry["id"]))] == [doc["id"]]
    with pytest.raises(NotFound):
        world.run(documents.open_document(other, doc["id"]))
    with pytest.raises(NotFound):
        world.run(documents.list_documents(other, entry["id"]))
    with pytest.raises(NotFound):
        world.run(documents.delete_document(other, doc["id"]))
    with pytest.raises(TooLarge) as exc:
        world.run(
            documents.upload_document(
                school, entry["id"], "photo", "大.png", png() + b"\0" * settings.max_document_bytes
            )
        )
    assert "20 MB" in exc.value.message
    with pytest.raises(ValidationFailed):
        world.run(documents.upload_document(school, entry["id"], "photo", "x.pdf", pdf()))
    world.run(documents.delete_document(school, doc["id"]))
    assert world.run(documents.list_documents(school, entry["id"])) == []
    world.client.post(f"/api/v1/entries/{entry['id']}/withdraw", json={}, headers=world.headers("hk01"))
    with pytest.raises(Conflict):
        world.run(documents.upload_document(world.principal("org"), entry["id"], "photo", "合影.png", png()))


def test_english_messages(world, entry):
    """With Accept-Language: en (or the lang cookie) errors come back in English."""
    refused = upload(world, "hk01", entry["id"], "photo", pdf(), **{"Accept-Language": "en-GB,en;q=0.9"})
    assert refused.status_code == 422
    assert (
        refused.json()["detail"]
        == "Photos must be JPEG or PNG; this file is PDF. Save it as JPG or PNG on your phone or computer and upload it again."
    )
    too_many = world.client.post(
        f"/api/v1/entries/{entry['id']}/review",
        json={"decision": "return"},
        headers={**world.headers("org"), "Accept-Language": "en"},
    )
    assert too_many.json()["detail"] == "A returned entry needs a reason; the school will see it."
    world.client.cookies.set("lang", "en")
    try:
        hidden = world.client.get(f"/api/v1/entries/{entry['id']}", headers=world.headers("sy01"))
        assert hidden.json()["detail"] == "The entry does not exist or you may not see it."
        anonymous = world.client.get(f"/api/v1/entries/{entry['id']}")
        assert anonymous.json()["detail"] == "Please log in first."
        guard = world.client.post(
            f"/api/v1/entries/{entry['id']}/documents",
            data={"kind": "photo"},
            files={"file": ("a.png", png(), "image/png")},
            headers=world.headers("haikou"),
        )
        assert (guard.status_code, guard.json()["detail"]) == (
            403,
            "Your account (City/county association) may not do this.",
        )
        unknown = world.client.get("/api/v1/no-such-thing", headers=world.headers("org"))
        assert (unknown.status_code, unknown.json()["detail"]) == (404, "The page or data does not exist.")
        wrong = world.client.post("/api/v1/auth/login", json={"username": "hk01", "password": "nope"})
        assert wrong.json()["detail"] == "Wrong user name or password."
    finally:
        world.client.cookies.delete("lang")
    chinese = world.client.get(f"/api/v1/entries/{entry['id']}", headers=world.headers("sy01"))
    assert chinese.json()["detail"] == "作品不存在或您无权查看。"


def test_uploading_or_deleting_a_document_changes_the_entrys_last_modified(world):
    """A fresh user's finding: "最后修改" on the entry stayed put when documents were uploaded."""
    import time

    from tests.competitions.registration.test_entries_api import new_entry, student

    entry = new_entry(world, "hk01", "材料时间", [student("周一")])
    before = entry["updated_at"]
    time.sleep(0.01)
    uploaded = upload(world, "hk01", entry["id"], "research_report", pdf())
    assert uploaded.status_code == 201
    after_upload = world.client.get(f"/api/v1/entries/{entry['id']}", headers=hdr(world, "hk01")).json()["updated_at"]
    assert after_upload > before
    time.sleep(0.01)
    client = world.login_page("hk01")
    deleted = client.post(
        f"/documents/{uploaded.json()['id']}/delete?entry={entry['id']}",
        data={"_csrf_token": client.cookies.get("xinmiao_csrf")},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    after_delete = world.client.get(f"/api/v1/entries/{entry['id']}", headers=hdr(world, "hk01")).json()["updated_at"]
    assert after_delete > after_upload


def test_uploaded_files_are_private(world, entry, settings):
    """Uploaded documents (guardians' forms, ID copies) are 0600 in 0700 folders (issue 11)."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        assert upload(world, "hk01", entry["id"], "research_report", pdf()).status_code == 201
    finally:
        os.umask(old)
    (stored,) = stored_files(settings)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
