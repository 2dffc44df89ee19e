"""Pages once schools can no longer change entries (a fresh user's second season): a returned entry's
banner says changes are closed, the import page says why it is closed instead of offering the
upload, and the school's dashboard stops offering the registration template."""

from __future__ import annotations

from competitions.events import services as events
from competitions.registration import services as registration
from tests import factories
from tests.competitions.registration.test_pages import student, text_of, valid_id


def _close(world):
    world.run(
        events.update_event(
            world.org,
            world.event_id,
            {"registration_opens_at": "2025-01-01T00:00", "registration_closes_at": "2025-02-01T00:00"},
        )
    )


def test_a_returned_entry_after_closing_says_it_can_no_longer_be_changed(world):
    entry = factories.entry(
        world, "HK01", by="hk01", title="潮汐灯", category="PH", students=[student("孙八", valid_id())]
    )
    world.run(registration.submit_entry(world.principal("hk01"), entry["id"]))
    world.run(registration.review_entry(world.org, entry["id"], "return", "请补充实验数据。"))
    _close(world)
    client = world.login_page("hk01")
    page = text_of(client.get(f"/entries/{entry['id']}"))
    assert "请按以下原因修改后重新提交" not in page
    assert "本作品已被退回；现在学校不能再修改或重新提交，如需更改请联系组委会。 退回原因：请补充实验数据。" in page


def test_the_import_page_says_why_it_is_closed_for_schools_and_organizers(world):
    school = world.login_page("hk01")
    assert "上传并导入" in text_of(school.get(f"/events/{world.event_id}/import"))
    _close(world)
    page = text_of(school.get(f"/events/{world.event_id}/import"))
    assert "上传并导入" not in page
    assert "报名已于 2025-02-01 00:00 截止，学校不能再修改报名；如需更改请联系组委会。" in page
    assert "下载报名表模板" not in text_of(school.get("/"))
    organizer = world.client.__class__(app=world.client.app)
    with organizer:
        world.login_page("org", organizer)
        # organizers may import until judging starts (lifecycle.py)
        assert "上传并导入" in text_of(organizer.get(f"/events/{world.event_id}/import"))
        world.run(events.start_judging(world.org, world.event_id))
        page = text_of(organizer.get(f"/events/{world.event_id}/import"))
        assert "上传并导入" not in page and "评审已经开始，不能再导入报名表" in page


def test_once_judging_started_the_organizer_is_not_offered_registering_or_importing(world):
    factories.entry(world, "HK01", title="潮汐灯", category="PH")
    client = world.login_page("org")
    home = client.get("/").text
    assert f'href="/events/{world.event_id}/entries/new"' in home and f'href="/events/{world.event_id}/import"' in home
    _close(world)
    world.run(events.start_judging(world.org, world.event_id))
    home = client.get("/").text
    assert f'href="/events/{world.event_id}/entries/new"' not in home
    assert f'href="/events/{world.event_id}/import"' not in home
    assert "评审已经开始：组委会不能再代学校登记作品或导入报名表。" in text_of(client.get("/"))
    # the entry form speaks to the organizer, not to a school coordinator
    form = text_of(client.get(f"/events/{world.event_id}/entries/new"))
    assert "组委会只能在评审开始前登记、导入或修改作品；您仍可查看全部作品和审查结果。" in form
    assert "您仍可查看本校作品" not in form
