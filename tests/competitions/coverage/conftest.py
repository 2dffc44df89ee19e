"""The coverage tests' province: the test world's innovation contest, a camp with one site, and a fake
talent programme registered as a participation source in place of the real one (whose own rows are
tested in tests/competitions/talent/test_coverage.py and, with the contest and a camp, in
test_sources.py here)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from competitions.coverage import sources
from competitions.coverage.counting import APPLICANT, PARTICIPANT, Participation
from tests.conftest import gb11643
from tests.factories import competitions as factories

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR = 2026


def sid(n: int, male: bool = True, birth: str = "20100315") -> str:
    """A valid ID number of a 16-year-old (region 469005, used by no other test here)."""
    return gb11643(f"469005{birth}{(n * 2 + (1 if male else 0)) % 1000:03d}")


class FakeTalent:
    """A talent programme: ``placed`` / ``applied`` hold (ID number, school id, gender) of its students."""

    def __init__(self, world):
        self.world = world
        self.placed: list[tuple[str, int, str]] = []
        self.applied: list[tuple[str, int, str]] = []

    async def rows(self, period):
        from app.security import keyed_hash
        from app.tables import School

        regions = {r["id"]: r["region"] for r in await School.select(School.id, School.region)}
        out = []
        for status, people in ((PARTICIPANT, self.placed), (APPLICANT, self.applied)):
            for id_number, school_id, gender in people:
                person = keyed_hash(f"居民身份证:{id_number}")
                out.append(Participation(person, school_id, regions[school_id], "高中", gender, "talent", 900, status))
        return out


@pytest.fixture
def talent(world):
    """A fake talent programme in place of the real one (put back afterwards: the sources are global)."""
    fake = FakeTalent(world)
    real = sources.participation_sources.get("talent")
    sources.register_participation(sources.ParticipationSource("talent", "后备人才培养计划", fake.rows, order=40))
    yield fake
    if real is None:  # the registry is the process's: leave it as this test found it
        sources.participation_sources.pop("talent", None)
    else:
        sources.register_participation(real)


class Camp:
    def __init__(self, world, event_id: int):
        self.world = world
        self.id = event_id

    def apply(self, name: str, id_number: str, school: str = "HK01", male: bool = True) -> int:
        response = self.world.client.post(
            f"/api/v1/events/{self.id}/applications",
            json={
                "name": name,
                "gender": "男" if male else "女",
                "id_number": id_number,
                "grade": "高一",
                "phone": "13812345678",
                "preferences": ["HNU"],
                "consent_participation": True,
                "school_code": school,
            },
            headers=self.world.headers("org"),
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def set_status(self, application_id: int, status: str) -> None:
        from competitions.camps.tables import CampApplication

        self.world.run(
            CampApplication.update({CampApplication.status: status}).where(CampApplication.id == application_id)
        )


@pytest.fixture
def camp(world):
    event = factories.event(world, "2026年高校科学营", kind="camp", registration_closes_at="2099-01-01T00:00:00+08:00")
    response = world.client.post(
        f"/api/v1/events/{event['id']}/sites",
        json={"code": "HNU", "name": "海南大学营", "host": "海南大学", "capacity": 30, "starts_on": "2027-01-20"},
        headers=world.headers("org"),
    )
    assert response.status_code == 201, response.text
    return Camp(world, event["id"])


def fix_day(world, event_id: int, closes: str) -> None:
    """Pin the day an event counts on (its registration's close) so the tests do not depend on today."""
    from competitions.events.tables import Event

    world.run(
        Event.update({Event.registration_closes_at: dt.datetime.fromisoformat(closes)}).where(Event.id == event_id)
    )


def enrolment_workbook(rows, header=("市县", "小学", "初中", "高中")) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026学年在校生数"])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def province(world, camp, talent):
    """李明 (HK01) in a contest entry, admitted to the camp and placed with a mentor; 王芳 (HK01) in the same
    entry; their adviser; 张三 (SY01) not placed at the camp; 钱五 (SY01) applied to the talent programme;
    赵四 withdrew his camp application."""
    fix_day(world, world.event_id, "2027-03-01T18:00:00+08:00")
    li, wang, zhang, zhao, qian = sid(1), sid(2, male=False), sid(3), sid(4), sid(5)
    factories.entry(
        world,
        "HK01",
        students=[
            factories.student("李明", id_number=li, grade="高一"),
            factories.student("王芳", gender="女", id_number=wang, grade="高一"),
        ],
        advisers=["陈老师"],
        division="高中",
    )
    camp.set_status(camp.apply("李明", li), "offered")
    camp.set_status(camp.apply("张三", zhang, school="SY01"), "unplaced")
    camp.set_status(camp.apply("赵四", zhao, school="SY01"), "withdrawn")
    hk01, sy01 = world.schools["HK01"]["id"], world.schools["SY01"]["id"]
    talent.placed.append((li, hk01, "男"))
    talent.applied.append((qian, sy01, "男"))
    return {"li": li}
