"""Admission notices (录取通知书): one page per student holding a seat (offered or accepted), read back
with pdftotext; who may download which; no ID numbers on them."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

from competitions.camps.tables import CampApplication
from competitions.checkin.credentials import credential_for
from competitions.registration.tables import Member
from tests.competitions.camps.conftest import sid
from tests.competitions.camps.test_camps_api import _allocated
from tests.judging.certificates.test_certificates import poppler


def _text(tmp_path, data: bytes, name="n.pdf") -> tuple[int, str]:
    path = tmp_path / name
    path.write_bytes(data)
    info = subprocess.run([poppler("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    text = subprocess.run([poppler("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True).stdout
    return pages, text


def test_admission_notices_per_site_school_and_role(camp, world, tmp_path):
    apps = _allocated(camp)  # 甲 offered A, 乙 offered B, 丙 waiting; all of HK01
    r = camp.client.patch(
        f"/api/v1/events/{camp.id}/sites/{camp.client.get(f'/api/v1/events/{camp.id}/sites', headers=camp.h('org')).json()[0]['id']}",
        json={
            "report_time": "7月15日 9:00",
            "report_place": "图书馆一楼大厅",
            "city": "海口",
            "starts_on": "2027-07-15",
            "ends_on": "2027-07-21",
        },
        headers=camp.h("org"),
    )
    assert r.status_code == 200, r.text
    # 甲 accepts; 乙 stays offered
    assert (
        camp.client.post(f"/api/v1/applications/{apps['甲']['id']}/accept", headers=camp.h("hk01")).status_code == 200
    )
    url = f"/api/v1/events/{camp.id}/admission-notices.pdf"
    r = camp.client.get(url, headers=camp.h("org"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
    pages, text = _text(tmp_path, r.content)
    import os

    if os.environ.get("CAMP_NOTICE_DUMP"):
        open(os.environ["CAMP_NOTICE_DUMP"], "wb").write(r.content)
    assert pages == 2  # 甲 and 乙 hold seats; 丙 waits: no notice
    assert "甲" in text and "乙" in text and "丙" not in text
    assert "7月15日 9:00" in text and "图书馆一楼大厅" in text and "2027-07-15 — 2027-07-21" in text
    assert "A大学" in text and "海口市第一中学" in text
    # the QR's text is the student's credential; no ID number anywhere
    member = world.run(
        Member.select(Member.id, Member.credential_generation).where(Member.entry == apps["甲"]["entry_id"]).first()
    )
    assert credential_for(member["id"], member["credential_generation"]) in text
    assert sid(1) not in text and sid(1)[-6:] not in text
    # offered (乙) is told by when to confirm; accepted (甲) is not
    assert text.count("前由学校确认参营") == 1
    # the offered one says so at the top, with its deadline, instead of congratulating (finding 17)
    flat = text.replace("\n", "")
    assert text.count("祝贺你被录取") == 1 and "录取待学校确认，确认期限 " in flat
    # one site
    pages, text = _text(tmp_path, camp.client.get(url, params={"site_code": "A"}, headers=camp.h("org")).content)
    assert pages == 1 and "甲" in text and "乙" not in text
    # a school gets its own; another school has none (409); a city may not (403); unknown site 404
    assert _text(tmp_path, camp.client.get(url, headers=camp.h("hk01")).content)[0] == 2
    assert camp.client.get(url, headers=camp.h("hk02")).status_code == 409
    assert camp.client.get(url, params={"school_code": "HK01"}, headers=camp.h("hk02")).status_code == 409
    assert camp.client.get(url, headers=camp.h("haikou")).status_code == 403
    assert camp.client.get(url, params={"site_code": "Z"}, headers=camp.h("org")).status_code == 404
    assert camp.client.get(url).status_code == 401


def _deadline_at(world, application_id: int, when: dt.datetime) -> None:
    world.run(
        CampApplication.update({CampApplication.offer_expires_at: when}).where(CampApplication.id == application_id)
    )


def test_admission_notices_in_english(camp, world, tmp_path):
    apps = _allocated(camp)
    # 乙's offer ends at 10:00 UTC, which is 18:00 in Beijing (UTC+8)
    _deadline_at(world, apps["乙"]["id"], dt.datetime(2027, 7, 10, 10, 0, tzinfo=dt.timezone.utc))
    r = camp.client.get(
        f"/api/v1/events/{camp.id}/admission-notices.pdf", headers={**camp.h("org"), "Accept-Language": "en"}
    )
    _pages, text = _text(tmp_path, r.content)
    assert "Admission notice" in text and "Leading teachers" in text
    # English lines break between words (joined with spaces the sentences read whole): the deadline
    # as a date and a Beijing time, in the greeting and in the closing line
    spaced = " ".join(line.strip() for line in text.splitlines() if line.strip())
    assert "Your school must confirm it by 2027-07-10 at 18:00 Beijing time (UTC+8), or the place lapses." in spaced
    assert (
        "Your school must confirm your place by 2027-07-10 at 18:00 Beijing time (UTC+8); "
        "an unconfirmed place passes to the waiting list." in spaced
    )
    assert "10:00" not in text  # never the UTC time
    # the values start after the widest label: "Leading teachers" stands clear of the teachers' names
    path = tmp_path / "bbox.html"
    subprocess.run(
        [poppler("pdftotext"), "-bbox", "-f", "1", "-l", "1", str(tmp_path / "n.pdf"), str(path)], check=True
    )
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', path.read_text()
    )
    labels = {w: (float(x0), float(y0), float(x1)) for x0, y0, x1, w in words if w in ("teachers", "Student")}
    _x0, y0, label_end = labels["teachers"]
    values = [float(x0) for x0, y, _x1, w in words if abs(float(y) - y0) < 2 and float(x0) > label_end - 1]
    student_value = [
        float(x0) for x0, y, _x1, w in words if abs(float(y) - labels["Student"][1]) < 2 and w != "Student"
    ]
    assert values and min(values) >= label_end + 5 and student_value == [min(values)]  # one column for all values


def test_admission_notice_deadline_in_chinese(camp, world, tmp_path):
    apps = _allocated(camp)
    # 16:30 UTC on 9 July is 00:30 on 10 July in Beijing: the date is Beijing's too
    _deadline_at(world, apps["乙"]["id"], dt.datetime(2027, 7, 9, 16, 30, tzinfo=dt.timezone.utc))
    r = camp.client.get(f"/api/v1/events/{camp.id}/admission-notices.pdf", headers=camp.h("org"))
    _pages, text = _text(tmp_path, r.content)
    flat = text.replace("\n", "")
    assert "录取待学校确认，确认期限 2027年7月10日 00:30（北京时间），逾期视为放弃。" in flat
    assert "请于 2027年7月10日 00:30（北京时间）前由学校确认参营" in flat
