"""Certificate batches off the request path (issue 11, item 13): the PDF is made in another
process (a spawned process pool here; ``tests/app/test_jobs.py`` covers ``xinmiao worker`` on
Redis), progress reaches the live pages, cancellation stops the work and leaves no file.

The server's memory staying flat whatever the batch's size is measured by ``bench/batches.py``
(it starts a real server and samples its RSS); here it shows as the pid of the process that
made the PDF, which is never the server's."""

from __future__ import annotations

import os
import stat
import time

from app import signals
from app.settings import get_settings
from judging.certificates.services import new_number
from tests.judging.api import ok
from tests.judging.certificates.test_certificates import awarded, ev, org, pdf_pages, save


def batch_files(world) -> list[str]:
    """What is in the batches folder (finished PDFs, files being written)."""
    from app.settings import get_settings

    folder = get_settings().data_dir / "certificates" / "batches"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def wait_for(world, batch_id: int, until, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = ok(world.client.get(f"/api/v1/certificate-batches/{batch_id}", headers=org(world)))
        if until(status) or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def participation_certificates(world, n: int) -> None:
    """A finalized event (``awarded``) plus ``n`` issued participation certificates, inserted
    directly: what a batch prints is the valid certificates of its kind."""
    from app.tables import School
    from app.times import now
    from judging.certificates.tables import Certificate

    awarded(world)
    school = world.run(School.select().where(School.code == "HK01").first())
    rows = [
        Certificate(
            number=new_number(2026),
            event=world.event_id,
            kind="participation",
            school=school["id"],
            school_name=school["name"],
            school_code=school["code"],
            name=f"学生{i:05d}",
            title=f"作品{i:05d}",
            category_name="数学",
            division="初中",
            position=i,
            issued_at=now(),
        )
        for i in range(n)
    ]
    for start in range(0, n, 500):
        world.run(Certificate.insert(*rows[start : start + 500]))


def start(world, body: dict) -> dict:
    return ok(world.client.post(ev(world, "/certificate-batches"), json=body, headers=org(world)), 202)


def test_a_batch_is_made_in_another_process_and_reaches_100_percent(world, tmp_path):
    awarded(world)
    batch = start(world, {})
    assert batch["status"] == "queued"  # answered before any page is drawn
    done = wait_for(world, batch["id"], lambda s: s["status"] in ("done", "failed"))
    # five awarded students; the one whose name the fonts cannot draw is left out
    assert (done["status"], done["done"], done["total"], done["percent"]) == ("done", 4, 4, 100)
    assert len(done["skipped"]) == 1
    pid, _, host = done["worker"].partition("@")
    assert int(pid) != os.getpid() and host  # the test client serves the app in this process
    response = world.client.get(f"/api/v1/certificate-batches/{batch['id']}/file", headers=org(world))
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert int(response.headers["content-length"]) == done["size"]
    assert pdf_pages(save(tmp_path, response.content)) == 4
    assert batch_files(world) == [f"{_key(world, batch['id'])}"]  # the PDF alone: no parts left over
    made = get_settings().data_dir / "certificates" / "batches" / _key(world, batch["id"])
    assert (stat.S_IMODE(made.stat().st_mode), stat.S_IMODE(made.parent.stat().st_mode)) == (0o600, 0o700)


def _key(world, batch_id: int) -> str:
    from judging.certificates.tables import CertificateBatch

    return world.run(CertificateBatch.select(CertificateBatch.storage_key).where(CertificateBatch.id == batch_id))[0][
        "storage_key"
    ]


def test_progress_reaches_the_live_pages_of_the_server(world, tmp_path):
    """1,100 pages: the worker records its progress every 200 pages; the server, which runs no
    batch itself, relays it as batch_progressed signals (they feed the live page's stream)."""
    participation_certificates(world, 1100)
    seen: list[tuple[str, int, int]] = []

    async def receiver(*, batch_id: int, state: str, done: int, total: int, **_kw) -> None:
        seen.append((state, done, total))

    signals.batch_progressed.connect(receiver)
    try:
        batch = start(world, {"kind": "participation"})
        final = wait_for(world, batch["id"], lambda s: s["status"] in ("done", "failed"), timeout=180)
        time.sleep(1.0)  # the server's follower reads the finished row once more
    finally:
        signals.batch_progressed.disconnect(receiver)
    assert (final["status"], final["done"], final["total"], final["percent"]) == ("done", 1100, 1100, 100)
    assert seen[-1] == ("done", 1100, 1100)
    running = [done for state, done, total in seen if state == "running" and total == 1100]
    assert running == sorted(running) and any(0 < d < 1100 for d in running)  # progress in between
    assert set(running) <= {0, 200, 400, 600, 800, 1000, 1100}  # as recorded after each chunk
    response = world.client.get(f"/api/v1/certificate-batches/{batch['id']}/file", headers=org(world))
    assert pdf_pages(save(tmp_path, response.content)) == 1100
    assert batch_files(world) == [_key(world, batch["id"])]  # no half-written file beside it


def test_cancel_stops_a_running_batch_and_leaves_no_file(world):
    participation_certificates(world, 3000)
    batch = start(world, {"kind": "participation"})
    running = wait_for(world, batch["id"], lambda s: s["status"] != "queued" and s["done"] > 0, timeout=120)
    assert running["status"] == "running" and 0 < running["done"] < 3000
    cancelled = ok(world.client.post(f"/api/v1/certificate-batches/{batch['id']}/cancel", headers=org(world)))
    assert cancelled["status"] == "cancelled" and cancelled["finished_at"]
    # the worker stops at its next 200 pages, before any file is written
    deadline = time.monotonic() + 60
    while batch_files(world) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert batch_files(world) == []
    after = ok(world.client.get(f"/api/v1/certificate-batches/{batch['id']}", headers=org(world)))
    time.sleep(1.5)
    later = ok(world.client.get(f"/api/v1/certificate-batches/{batch['id']}", headers=org(world)))
    assert later["status"] == "cancelled" and later["done"] == after["done"] < 3000  # it stopped
    assert later["size"] == 0
    refused = world.client.get(f"/api/v1/certificate-batches/{batch['id']}/file", headers=org(world))
    assert refused.status_code == 409 and refused.json()["detail"] == "这份证书 PDF 已取消生成。"
    again = world.client.post(f"/api/v1/certificate-batches/{batch['id']}/cancel", headers=org(world))
    assert again.status_code == 409 and again.json()["detail"] == "这个批次已经结束，不能取消。"


def test_cancel_a_queued_batch_and_who_may_cancel(world):
    awarded(world)
    mine = ok(world.client.post(ev(world, "/certificate-batches"), json={}, headers=world.headers("hk01")), 202)
    # another school does not see it; cancelling it is 404 like reading it
    other = world.client.post(f"/api/v1/certificate-batches/{mine['id']}/cancel", headers=world.headers("hk02"))
    assert other.status_code == 404
    assert (
        world.client.post(
            f"/api/v1/certificate-batches/{mine['id']}/cancel", headers=world.headers("judge")
        ).status_code
        == 403
    )
    answer = world.client.post(f"/api/v1/certificate-batches/{mine['id']}/cancel", headers=world.headers("hk01"))
    if answer.status_code == 409:  # the 3 pages were already made: nothing to cancel
        assert ok(world.client.get(f"/api/v1/certificate-batches/{mine['id']}", headers=org(world)))["status"] == "done"
        return
    assert ok(answer)["status"] == "cancelled"
    time.sleep(3.0)  # whether the worker had claimed it or not, it leaves nothing behind
    final = ok(world.client.get(f"/api/v1/certificate-batches/{mine['id']}", headers=org(world)))
    assert final["status"] == "cancelled" and batch_files(world) == []


def test_cancel_from_the_certificates_page(world):
    participation_certificates(world, 1500)
    batch = start(world, {"kind": "participation"})
    page = world.login_page("org")
    html = page.get(f"/events/{world.event_id}/judging/certificates/?kind=participation").text
    assert f'action="/events/{world.event_id}/judging/certificates/batches/{batch["id"]}/cancel"' in html
    response = page.post(
        f"/events/{world.event_id}/judging/certificates/batches/{batch['id']}/cancel",
        data={"_csrf_token": page.cookies.get("xinmiao_csrf")},
        follow_redirects=True,
    )
    assert response.status_code == 200 and f"已取消生成证书 PDF（批次 {batch['id']}）。" in response.text
    assert (
        ok(world.client.get(f"/api/v1/certificate-batches/{batch['id']}", headers=org(world)))["status"] == "cancelled"
    )


def test_a_stopping_server_does_not_wait_for_a_batch_and_says_it_was_interrupted(world, app):
    """Stopping the server (Ctrl-C, a restart) stops its batch processes at once; the batch then
    reads as interrupted instead of running for ever, and leaves no file."""
    from litestar.testing import TestClient

    participation_certificates(world, 3000)
    with TestClient(app=app, raise_server_exceptions=False) as other:  # a second start of the app: its own loop
        token = ok(other.post("/api/v1/auth/login", json={"username": "org", "password": "password-123"}))
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        batch = ok(other.post(ev(world, "/certificate-batches"), json={"kind": "participation"}, headers=headers), 202)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = ok(other.get(f"/api/v1/certificate-batches/{batch['id']}", headers=headers))
            if status["done"] > 0:
                break
            time.sleep(0.05)
        assert status["status"] == "running" and status["done"] < 3000
        stopping = time.monotonic()
    stopped_in = time.monotonic() - stopping
    assert stopped_in < 10  # the old in-process batch held a stop until its last page
    final = ok(world.client.get(f"/api/v1/certificate-batches/{batch['id']}", headers=org(world)))
    assert (final["status"], final["error"]) == ("failed", "生成中断（服务重启），请重新生成。")
    assert batch_files(world) == []


def test_a_batch_writes_its_pdf_straight_into_the_file(tmp_path, monkeypatch):
    """The worker writes the finished PDF with fpdf2 straight into ``<key>.partial`` (issue 11, item 13):
    never a ``bytes`` copy of the whole file beside fpdf2's own buffer (at 20,000 pages the copy alone is
    about 36 MB: the peak of 20,000 pages drawn alone fell from 362 MB to 334 MB)."""
    from app.pdf import default_font_path
    from judging.certificates import render
    from judging.certificates import services as certificates

    template = certificates.default_template("award")
    settings = render.RenderSettings(
        page_format=template["page_format"],
        orientation=template["orientation"],
        fonts={"builtin:serif": default_font_path("serif"), "builtin:sans": default_font_path("sans")},
        font=template["font"],
        fields=template["fields"],
    )
    renderer = render.CertificateRenderer(settings)
    people = ["王小明", "阿依古丽·买买提", "李华"]
    renderer.add([{"name": name, "award": "一等奖", "number": new_number(2026)} for name in people])

    def no_copy(self):
        raise AssertionError("the PDF was copied into bytes")

    monkeypatch.setattr(render.CertificateRenderer, "output", no_copy)
    path = tmp_path / "batch.pdf.partial"
    size = certificates._write_pdf(renderer, path)
    assert size == path.stat().st_size > 0 and path.read_bytes()[:5] == b"%PDF-"
    assert pdf_pages(save(tmp_path, path.read_bytes(), "copy.pdf")) == 3


def test_a_large_batch_is_drawn_in_parts_and_packed_into_one_zip(world, tmp_path, monkeypatch):
    """Above the part size a batch is drawn as PDFs of that many pages, each written to disk and
    freed before the next (the worker's memory stays that of one part), packed into one ZIP."""
    import io
    import zipfile

    monkeypatch.setenv("XINMIAO_BATCH_PART_PAGES", "200")  # the worker process inherits it
    participation_certificates(world, 450)
    batch = start(world, {"kind": "participation"})
    done = wait_for(world, batch["id"], lambda s: s["status"] in ("done", "failed"), timeout=180)
    assert (done["status"], done["done"], done["total"]) == ("done", 450, 450)
    response = world.client.get(f"/api/v1/certificate-batches/{batch['id']}/file", headers=org(world))
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert ".zip" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    # 450 pages in parts of 200: 200 + 200 + 50, named by their pages
    assert archive.namelist() == [
        "certificates-00001-00200.pdf",
        "certificates-00201-00400.pdf",
        "certificates-00401-00450.pdf",
    ]
    pages = [pdf_pages(save(tmp_path, archive.read(name), name)) for name in archive.namelist()]
    assert pages == [200, 200, 50]
    assert batch_files(world) == [_key(world, batch["id"])]  # the ZIP alone: every part was packed and deleted
