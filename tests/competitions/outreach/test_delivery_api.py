"""Delivery (issue 17 item 4) and the numbers per year (item 5).

Confirmation rules: only the talk's own school (another school: 404, the office, a city, the expert:
403), only once the day has come, only a scheduled talk (not cancelled, not twice), audience 1..5000,
rating 1..5. The expert records hours after the day (0 < h <= 12). The office cancels with a reason and
lists the talks not confirmed within ``confirm_within_days``. Time passes in these tests by moving the
talks' days into the past in the database (a tour cannot be planned in the past)."""

from __future__ import annotations

import datetime as dt
import io

from tests.competitions.outreach.conftest import monday_in

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def _tour(outreach, *schools, division="初中"):
    """A confirmed tour of one expert (account expert1, travels anywhere, generally available) giving one
    talk at each of ``schools`` (request weeks 4 weeks ahead); returns ``{school code: talk}``."""
    expert = outreach.expert("王海洋", username="expert1", generally_available=True)
    topic = outreach.topic(expert["id"], "珊瑚礁的秘密", divisions=["小学", "初中", "高中"], subject="海洋")
    for code in schools:
        outreach.request(code.lower(), weeks=(4,), topic_id=topic["id"], division=division)
    monday = monday_in(4)
    body = {"name": "巡讲", "starts_on": monday.isoformat(), "ends_on": (monday + dt.timedelta(days=4)).isoformat()}
    tour = outreach.call("POST", "/tours", json=body).json()
    assert outreach.call("POST", f"/tours/{tour['id']}/confirm").status_code == 200
    return {t["school_code"]: t for t in tour["talks"]}, expert


def _days_ago(outreach, talk_id, days):
    from app.times import local_now
    from competitions.outreach.tables import Talk

    outreach.world.run(
        Talk.update({Talk.on_date: local_now().date() - dt.timedelta(days=days)}).where(Talk.id == talk_id)
    )


def test_only_the_school_of_the_talk_confirms_it_after_the_day(outreach):
    talks, _expert = _tour(outreach, "HK01", "SY01")
    talk = talks["HK01"]["id"]
    good = {"audience": 180, "rating": 5, "comment": "学生们很喜欢"}
    # before the day: refused, whatever the numbers
    early = outreach.call("POST", f"/talks/{talk}/confirm", user="hk01", json=good)
    assert early.status_code == 409 and "还没到" in early.json()["detail"]
    _days_ago(outreach, talk, 0)  # today is the day: allowed from now on
    assert outreach.call("POST", f"/talks/{talk}/confirm", user="hk02", json=good).status_code == 404  # not its talk
    assert outreach.call("POST", f"/talks/{talk}/confirm", user="sy01", json=good).status_code == 404
    assert outreach.call("POST", f"/talks/{talk}/confirm", user="org", json=good).status_code == 403
    assert outreach.call("POST", f"/talks/{talk}/confirm", user="haikou", json=good).status_code == 403
    assert outreach.call("POST", f"/talks/{talk}/confirm", user="expert1", json=good).status_code == 403
    for body, field in (
        ({**good, "audience": 0}, "audience"),
        ({**good, "audience": 5001}, "audience"),
        ({**good, "rating": 0}, "rating"),
        ({**good, "rating": 6}, "rating"),
        ({**good, "comment": "长" * 501}, "comment"),
    ):
        r = outreach.call("POST", f"/talks/{talk}/confirm", user="hk01", json=body)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, (field, r.text)
    done = outreach.call("POST", f"/talks/{talk}/confirm", user="hk01", json=good)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["audience"], done.json()["rating"]) == ("delivered", 180, 5)
    assert done.json()["comment"] == "学生们很喜欢" and done.json()["confirmed_at"]
    assert outreach.call("GET", f"/requests/{talks['HK01']['request_id']}", user="hk01").json()["status"] == "delivered"
    twice = outreach.call("POST", f"/talks/{talk}/confirm", user="hk01", json={**good, "audience": 999})
    assert twice.status_code == 409
    assert outreach.call("GET", f"/talks/{talk}", user="hk01").json()["audience"] == 180
    # a cancelled talk cannot be confirmed
    other = talks["SY01"]["id"]
    assert outreach.call("POST", f"/talks/{other}/cancel", json={"reason": "停电"}).status_code == 200
    _days_ago(outreach, other, 1)
    assert outreach.call("POST", f"/talks/{other}/confirm", user="sy01", json=good).status_code == 409


def test_photos_of_a_talk(outreach):
    talks, _expert = _tour(outreach, "HK01")
    talk = talks["HK01"]["id"]
    files = lambda data, name="p.jpg": {"file": (name, data, "image/jpeg")}  # noqa: E731
    assert outreach.call("POST", f"/talks/{talk}/photos", user="hk01", files=files(JPEG)).status_code == 409  # not yet
    _days_ago(outreach, talk, 1)
    made = outreach.call("POST", f"/talks/{talk}/photos", user="hk01", files=files(JPEG, "报告现场.jpg"))
    assert made.status_code == 201, made.text
    assert made.json()["content_type"] == "image/jpeg" and made.json()["filename"] == "报告现场.jpg"
    assert outreach.call("POST", f"/talks/{talk}/photos", user="hk01", files=files(PNG, "b.png")).status_code == 201
    bad = outreach.call("POST", f"/talks/{talk}/photos", user="hk01", files=files(b"GIF89a" + b"\x00" * 50, "x.gif"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "file"
    assert outreach.call("POST", f"/talks/{talk}/photos", user="hk02", files=files(JPEG)).status_code == 404
    assert outreach.call("POST", f"/talks/{talk}/photos", user="expert1", files=files(JPEG)).status_code == 403
    listed = outreach.call("GET", f"/talks/{talk}/photos", user="expert1").json()
    assert [p["filename"] for p in listed] == ["报告现场.jpg", "b.png"]
    photo = outreach.call("GET", f"/photos/{listed[0]['id']}", user="haikou")
    assert photo.status_code == 200 and photo.content == JPEG and photo.headers["content-type"] == "image/jpeg"
    assert outreach.call("GET", f"/photos/{listed[0]['id']}", user="sanya").status_code == 404
    assert outreach.call("GET", f"/talks/{talk}", user="org").json()["photos"] == 2


def test_a_photo_is_deleted_by_the_talks_school_or_the_office(outreach):
    """Deleting: the talk's school and the office (204, the file gone, audited); anyone else who sees the
    photo (the expert, the city) 403; a school that does not see it 404; a second delete 404."""
    from app.tables import AuditLog
    from competitions.outreach.tables import TalkPhoto
    from competitions.registration.documents import storage_path

    talks, _expert = _tour(outreach, "HK01")
    talk = talks["HK01"]["id"]
    _days_ago(outreach, talk, 1)
    files = {"file": ("现场.jpg", JPEG, "image/jpeg")}
    first = outreach.call("POST", f"/talks/{talk}/photos", user="hk01", files=files).json()["id"]
    second = outreach.call("POST", f"/talks/{talk}/photos", user="hk01", files=files).json()["id"]
    key = outreach.world.run(TalkPhoto.select(TalkPhoto.storage_key).where(TalkPhoto.id == first).first())
    path = storage_path(key["storage_key"])
    assert path.is_file()
    assert outreach.call("DELETE", f"/photos/{first}", user="hk02").status_code == 404
    assert outreach.call("DELETE", f"/photos/{first}", user="expert1").status_code == 403
    assert outreach.call("DELETE", f"/photos/{first}", user="haikou").status_code == 403
    assert outreach.call("DELETE", f"/photos/{first}", user="hk01").status_code == 204
    assert not path.exists()
    assert outreach.call("GET", f"/photos/{first}", user="hk01").status_code == 404
    assert outreach.call("DELETE", f"/photos/{first}", user="hk01").status_code == 404
    assert outreach.call("DELETE", f"/photos/{second}", user="org").status_code == 204
    assert outreach.call("GET", f"/talks/{talk}/photos", user="hk01").json() == []
    rows = outreach.world.run(
        AuditLog.select(AuditLog.summary).where(AuditLog.action == "outreach.photo.delete").order_by(AuditLog.id)
    )
    assert [r["summary"] for r in rows] == ["现场.jpg", "现场.jpg"]


def test_the_expert_records_hours_after_the_talk(outreach):
    talks, expert = _tour(outreach, "HK01")
    talk = talks["HK01"]["id"]
    assert outreach.call("PUT", f"/talks/{talk}/hours", user="expert1", json={"hours": "2"}).status_code == 409
    _days_ago(outreach, talk, 2)
    for value in ("0", "-1", "12.5", "abc", "NaN"):
        r = outreach.call("PUT", f"/talks/{talk}/hours", user="expert1", json={"hours": value})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "hours", value
    r = outreach.call("PUT", f"/talks/{talk}/hours", user="expert1", json={"hours": "2.5"})
    assert r.status_code == 200 and r.json()["hours"] == "2.5"
    assert outreach.call("PUT", f"/talks/{talk}/hours", user="expert1", json={"hours": 1.25}).json()["hours"] == "1.25"
    assert outreach.call("PUT", f"/talks/{talk}/hours", user="expert2", json={"hours": "1"}).status_code == 404
    assert outreach.call("PUT", f"/talks/{talk}/hours", user="hk01", json={"hours": "1"}).status_code == 403
    from app.tables import AuditLog

    rows = outreach.world.run(
        AuditLog.select().output(load_json=True).where(AuditLog.action == "outreach.talk.hours").order_by(AuditLog.id)
    )
    assert [r["changes"] for r in rows] == [{"hours": [None, "2.5"]}, {"hours": ["2.5", "1.25"]}]


def test_talks_not_confirmed_in_time_are_listed_for_the_office(outreach):
    talks, _expert = _tour(outreach, "HK01", "HK02", "SY01")
    year = monday_in(0).year
    assert outreach.call("PUT", f"/settings/{year}", json={"confirm_within_days": 7}).status_code == 200
    _days_ago(outreach, talks["HK01"]["id"], 8)  # more than 7 days ago: overdue
    _days_ago(outreach, talks["HK02"]["id"], 7)  # exactly 7: still in time
    _days_ago(outreach, talks["SY01"]["id"], 30)  # overdue, but confirmed below
    assert (
        outreach.call(
            "POST", f"/talks/{talks['SY01']['id']}/confirm", user="sy01", json={"audience": 50, "rating": 4}
        ).status_code
        == 200
    )
    listed = outreach.call("GET", "/talks/unconfirmed").json()
    from app.times import local_now

    if (local_now().date() - dt.timedelta(days=8)).year == year:
        assert [(t["school_code"], t["days_since"]) for t in listed] == [("HK01", 8)]
    assert outreach.call("GET", "/talks/unconfirmed", user="haikou").status_code == 403
    assert [t["school_code"] for t in outreach.call("GET", "/talks", params={"unconfirmed": True}).json()] == [
        t["school_code"] for t in listed
    ]


def test_numbers_per_year_counted_by_hand(outreach):
    """Three schools: HK01 (海口, urban) 200 heard it, rating 5; HK02 (海口) made rural, 100, rating 4;
    SY01 (三亚, urban) cancelled. Delivered 2 talks, 2 schools, 1 county, audience 300, rural share 1/2,
    rural audience 100/300, mean rating 4.50; hours 1.5 + 2 = 3.5 (the cancelled talk's none)."""
    hk02 = outreach.world.schools["HK02"]["id"]
    r = outreach.client.post(f"/api/v1/schools/{hk02}", json={"rural": True}, headers=outreach.h("org"))
    assert r.status_code == 200 and r.json()["rural"] is True
    talks, expert = _tour(outreach, "HK01", "HK02", "SY01")
    for code, days in (("HK01", 3), ("HK02", 2), ("SY01", 2)):
        _days_ago(outreach, talks[code]["id"], days)
    assert outreach.call("POST", f"/talks/{talks['SY01']['id']}/cancel", json={"reason": "台风"}).status_code == 200
    for code, audience, rating, hours in (("HK01", 200, 5, "1.5"), ("HK02", 100, 4, "2")):
        assert (
            outreach.call(
                "POST",
                f"/talks/{talks[code]['id']}/confirm",
                user=code.lower(),
                json={"audience": audience, "rating": rating},
            ).status_code
            == 200
        )
        assert (
            outreach.call("PUT", f"/talks/{talks[code]['id']}/hours", user="expert1", json={"hours": hours}).status_code
            == 200
        )
    from app.times import local_now

    year = (local_now().date() - dt.timedelta(days=3)).year
    if (local_now().date() - dt.timedelta(days=2)).year != year:  # pragma: no cover
        return  # the two talks straddle New Year: the figures below are for one year
    n = outreach.call("GET", f"/numbers/{year}").json()
    assert {k: n[k] for k in ("talks", "schools", "counties", "audience", "rural_talks", "experts", "ratings")} == {
        "talks": 2,
        "schools": 2,
        "counties": 1,
        "audience": 300,
        "rural_talks": 1,
        "experts": 1,
        "ratings": 2,
    }
    assert (n["rural_share"], n["rural_audience_share"], n["mean_rating"], n["expert_hours"]) == (
        "0.5000",
        "0.3333",
        "4.50",
        "3.5",
    )
    assert n["rating_counts"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}
    haikou = next(c for c in n["by_county"] if c["code"] == "460100")
    assert haikou == {"code": "460100", "name": "海口市", "talks": 2, "schools": 2, "audience": 300, "rural_talks": 1}
    assert n["by_expert"] == [{"id": expert["id"], "name": "王海洋", "talks": 2, "hours": "3.5", "mean_rating": "4.50"}]
    # the city sees its own; Sanya had only the cancelled talk
    sanya = outreach.call("GET", f"/numbers/{year}", user="sanya").json()
    assert (sanya["talks"], sanya["cancelled"], [c["code"] for c in sanya["by_county"]]) == (0, 1, ["460200"])
    assert outreach.call("GET", f"/numbers/{year}", user="hk01").status_code == 403
    # the workbook holds the same figures and the delivered talks
    import openpyxl

    book = outreach.call("GET", f"/numbers/{year}/workbook")
    assert book.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(book.content))
    figures = {row[0]: row[1] for row in wb["概况"].iter_rows(min_row=2, values_only=True)}
    assert figures["报告场次"] == 2 and figures["听众人次"] == 300 and figures["平均评分"] == "4.50"
    detail = list(wb["报告明细"].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[4], r[7], r[8]) for r in detail] == [("HK01", "否", 200, 5), ("HK02", "是", 100, 4)]
    # what the coverage report counts
    from competitions.outreach.numbers import talks_in_year

    rows = outreach.world.run(talks_in_year(year))
    assert [(r["school_id"], r["region"], r["audience"], r["rural"]) for r in rows] == [
        (outreach.world.schools["HK01"]["id"], "460100", 200, False),
        (hk02, "460100", 100, True),
    ]
