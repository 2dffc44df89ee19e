"""The coverage tests' province: the test world's innovation contest, a camp with one site, and a fake
talent programme registered as a participation source (the real one lives on another branch)."""

from __future__ import annotations

import pytest

from competitions.coverage import sources
from competitions.coverage.counting import APPLICANT, PARTICIPANT, Participation
from tests.conftest import gb11643

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    fake = FakeTalent(world)
    sources.register_participation(sources.ParticipationSource("talent", "后备人才培养计划", fake.rows, order=40))
    yield fake
    sources.participation_sources.pop("talent", None)


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
    from tests.factories import competitions as factories

    event = factories.event(world, "2026年高校科学营", kind="camp", registration_closes_at="2099-01-01T00:00:00+08:00")
    response = world.client.post(
        f"/api/v1/events/{event['id']}/sites",
        json={"code": "HNU", "name": "海南大学营", "host": "海南大学", "capacity": 30, "starts_on": "2027-01-20"},
        headers=world.headers("org"),
    )
    assert response.status_code == 201, response.text
    return Camp(world, event["id"])
