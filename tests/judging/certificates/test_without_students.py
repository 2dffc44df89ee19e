"""Entries without a student get no certificate (a fresh tester's finding: an organizer-registered
robotics team with 0 students was approved, the event finalized, and 0 certificates came out for it
without a word). Finalizing names those entries, the publication page lists them before and after,
and the certificates' check and issuing say which entries get no certificate and why, in an
innovation contest and in a robotics competition with matches."""

from __future__ import annotations

from judging.certificates import services as certificates
from tests.factories import competitions as factories
from tests.judging.api import ev, new_entry, ok, org, score
from tests.judging.certificates.test_certificates import awarded
from tests.judging.matches.test_api import Arena
from tests.judging.pages import text_of


def test_an_awarded_entry_without_students_is_named_at_finalization_and_in_the_certificate_check(world):
    empty = new_entry(world, "HK02", title="没有学生的作品")  # the organizer's, approved at once
    ids = awarded(world, finalize=False)  # assigns every approved entry to judge j1
    score(world, "j1", empty, {"s": 95})  # the best of its group: a first prize nobody can receive
    client = world.login_page("org")
    before = client.get(f"/events/{world.event_id}/judging/publication")
    assert 'id="without-students"' in before.text
    assert "定稿后不会为它们颁发任何证书" in text_of(before) and "没有学生的作品" in text_of(before)
    done = ok(world.client.post(ev(world, "/finalize"), headers=org(world)))
    (missing,) = done["without_students"]
    assert (missing["entry_id"], missing["title"], missing["rank"], missing["award"]) == (
        empty,
        "没有学生的作品",
        1,
        "first",
    )
    assert ids["team"] not in [e["entry_id"] for e in done["without_students"]]
    # award certificates were numbered for every student of an awarded entry: none for it
    certs = world.run(certificates.list_certificates(world.event_id, "award"))
    assert empty not in {c["entry"] for c in certs} and len(certs) == 5
    check = ok(world.client.get(ev(world, "/certificates/check"), headers=org(world)))
    assert [(w["entry_id"], w["award"], w["reason"], w["message"]) for w in check["without_holders"]] == [
        (empty, "first", "no_students", "没有登记学生，不能颁发证书。")
    ]
    page = client.get(f"/events/{world.event_id}/judging/certificates/?kind=award")
    assert 'id="without-holders"' in page.text and "没有学生的作品" in text_of(page)
    english = world.client.get(ev(world, "/certificates/check"), headers={**org(world), "Accept-Language": "en"})
    assert english.json()["without_holders"][0]["message"] == "No student registered: no certificate can be issued."
    # the adviser certificate (first prizes): the team has an adviser, the empty entry none
    issued = ok(world.client.post(ev(world, "/certificates/issue?kind=adviser"), headers=org(world)))
    assert issued["issued"] == 1
    assert [(w["entry_id"], w["reason"]) for w in issued["without_holders"]] == [(empty, "no_advisers")]


def test_a_robotics_team_without_students_is_named_at_finalization(world):
    """The tester's tournament, small: 8 teams and a team the organizer registered without students."""
    arena = Arena(world)
    ghost = factories.entry(world, "HK02", title="V队空", category="V", event_id=arena.event_id)["id"]
    assert ghost not in arena.teams
    matches = arena.schedule(matches_per_team=2, teams_per_alliance=1, min_gap=0).json()["matches"]
    for m in matches:  # the team listed first in the schedule always wins its match
        arena.score(m["id"], {"items": {"goals": 3, "fouls": 0}}, {"items": {"goals": 1, "fouls": 0}})
        assert arena.commit(m["id"]).status_code == 200
    ok(world.client.patch(f"/api/v1/events/{arena.event_id}", json={"status": "closed"}, headers=arena.org))
    done = arena.client.post(f"/api/v1/events/{arena.event_id}/finalize", headers=arena.org)
    assert done.status_code == 200, done.text
    assert [(e["entry_id"], e["title"]) for e in done.json()["without_students"]] == [(ghost, "V队空")]
    check = ok(
        world.client.get(f"/api/v1/events/{arena.event_id}/certificates/check?kind=participation", headers=arena.org)
    )
    assert [(w["entry_id"], w["reason"]) for w in check["without_holders"]] == [(ghost, "no_students")]
    client = world.login_page("org")
    page = text_of(client.get(f"/events/{arena.event_id}/judging/certificates/?kind=participation"))
    assert "以下 1 个队伍按定稿结果应得这类证书，但没有可以领取证书的人" in page and "V队空" in page
