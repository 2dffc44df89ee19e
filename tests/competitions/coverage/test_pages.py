"""The coverage page for the organizer and a city, in Chinese and in English (no Chinese words of our
own in English), with the map and charts beside their tables; and the organizer's page actions:
the school-year boundary, the enrolment workbook (errors listed by row and column), a refresh."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from tests.competitions.coverage.conftest import XLSX, YEAR, enrolment_workbook

CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff0a\uff0c-\uff1f\uff5b-\uff65]+")


def _own_chinese(html: str, data: list[str]) -> list[str]:
    text = re.sub(r"<(script|style|svg)[^>]*>.*?</\1>", " ", html, flags=re.S)  # the map's <title>s name places
    text = re.sub(r"<[^>]+>", " ", text)
    for piece in sorted(data, key=len, reverse=True):
        text = text.replace(piece, " ")
    return sorted(set(CHINESE.findall(text)))


# data, not our words: school names, the demo contest's name, the workbook's Chinese column names
DATA = [
    "海口市第一中学",
    "海南华侨中学",
    "三亚市第一中学",
    "省组委会",
    "组委会",
    "中文",
    "“市县”",
    "市县",
    "小学",
    "初中",
    "高中",
]


def test_organizer_page_in_chinese_and_english(world, province, app):
    with TestClient(app=app) as org:
        world.login_page("org", org)
        page = org.get(f"/coverage/?year={YEAR}")
        assert page.status_code == 200
        html = page.text
        assert "覆盖面和受益面 · 海南省" in html
        assert html.count('class="chart map"') == 1 and 'data-code="460100"' in html and 'data-code="469030"' in html
        assert html.count('class="chart bars"') == 3
        # the map's numbers are in the table beside it: 海口 2 students, 4 participations
        row = re.search(r'<tr id="region-460100">(.*?)</tr>', html, re.S).group(1)
        assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)[:2] == ["2", "4"]
        assert "2026–2027学年" in html and "（2026-09-01 – 2027-08-31）" in html
        org.cookies.set("lang", "en")
        english = org.get(f"/coverage/?year={YEAR}")
        assert english.status_code == 200
        assert "Coverage and reach · Hainan Province" in english.text and "Haikou" in english.text
        assert "School year 2026–2027 (2026-09-01 – 2027-08-31)" in english.text
        assert _own_chinese(english.text, DATA + ["海南大学营"]) == []


def test_city_page_shows_its_own_city(world, province, app):
    with TestClient(app=app) as city:
        world.login_page("haikou", city)
        page = city.get(f"/coverage/?year={YEAR}")
        assert page.status_code == 200
        assert "覆盖面和受益面 · 海口市" in page.text
        assert 'id="region-460100"' in page.text and 'id="region-460200"' not in page.text
        # the other regions are outlines with their names only: no figure in their tooltips
        sanya = re.search(r'data-code="460200"><title>([^<]*)</title>', page.text).group(1)
        assert sanya == "三亚市"
        assert "三亚市第一中学" not in page.text
        assert "/coverage/refresh" not in page.text and 'action="/coverage/enrolment"' not in page.text
        assert city.post("/coverage/refresh", data={"_csrf_token": city.cookies.get("xinmiao_csrf")}).status_code == 403
        workbook = city.get(f"/coverage/report.xlsx?year={YEAR}")
        assert workbook.status_code == 200 and workbook.headers["content-type"] == XLSX
        pdf = city.get(f"/coverage/report.pdf?year={YEAR}")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with TestClient(app=app) as school:
        world.login_page("hk01", school)
        assert school.get("/coverage/").status_code == 403


def test_organizer_actions_on_the_page(world, province, app, monkeypatch):
    from app import jobs
    from competitions.coverage import services
    from competitions.coverage.tables import CoverageEnrolment, CoverageRefresh

    submitted = []

    async def submit(name, kwargs, **_options):
        submitted.append(kwargs)
        return "local"

    monkeypatch.setattr(jobs, "submit", submit)
    with TestClient(app=app) as org:
        world.login_page("org", org)
        csrf = org.cookies.get("xinmiao_csrf")
        bad = org.post(
            "/coverage/enrolment",
            data={"year": str(YEAR), "_csrf_token": csrf},
            files={"file": ("e.xlsx", enrolment_workbook([("海口市", "x", 1, 1)]), XLSX)},
        )
        assert bad.status_code == 422
        assert "在校生数表有 1 处错误" in bad.text and "在校生数应为 0 到 5000000 之间的整数，这里是“x”。" in bad.text
        assert world.run(CoverageEnrolment.count()) == 0
        good = org.post(
            "/coverage/enrolment",
            data={"year": str(YEAR), "_csrf_token": csrf},
            files={"file": ("e.xlsx", enrolment_workbook([("海口市", 1000, 500, 500)]), XLSX)},
            follow_redirects=False,
        )
        assert good.status_code == 303
        page = org.get(f"/coverage/?year={YEAR}")
        assert "已导入 2026 学年在校生数：1 个市县，共 2,000 人。" in page.text
        assert (
            re.findall(
                r'<td class="num[^"]*">([^<]*)</td>',
                re.search(r'<tr id="region-460100">(.*?)</tr>', page.text, re.S).group(1),
            )[2]
            == "1.00"
        )
        template = org.get(f"/coverage/enrolment.xlsx?year={YEAR}")
        assert template.status_code == 200 and template.headers["content-type"] == XLSX

        refreshed = org.post("/coverage/refresh", data={"year": str(YEAR), "_csrf_token": csrf}, follow_redirects=False)
        assert refreshed.status_code == 303 and refreshed.headers["location"] == f"/coverage/?year={YEAR}"
        assert len(submitted) == 1
        running = org.get(f"/coverage/?year={YEAR}")
        assert "正在重新计算近五个学年的数字：已完成 0/5" in running.text and 'http-equiv="refresh"' in running.text
        world.run(services.refresh_job(submitted[0]["refresh_id"]))
        done = org.get(f"/coverage/?year={YEAR}")
        assert 'http-equiv="refresh"' not in done.text
        assert world.run(CoverageRefresh.select(CoverageRefresh.status, CoverageRefresh.done).first()) == {
            "status": "done",
            "done": 5,
        }

        saved = org.post(
            "/coverage/settings",
            data={"year_start_month": "8", "year_start_day": "15", "_csrf_token": csrf},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        assert world.run(services.settings_out()) == {"year_start_month": 8, "year_start_day": 15}
        wrong = org.post(
            "/coverage/settings", data={"year_start_month": "2", "year_start_day": "30", "_csrf_token": csrf}
        )
        assert wrong.status_code == 200 and "这一天不是每年都有，请另选一天。" in wrong.text  # flashed, not saved
        assert world.run(services.settings_out()) == {"year_start_month": 8, "year_start_day": 15}


def test_the_page_says_when_the_data_changed_and_lists_schools_with_talks_only(world, province, app):
    import datetime as dt

    from competitions.outreach.tables import Talk
    from tests.factories import competitions as factories

    with TestClient(app=app) as org, TestClient(app=app) as city:
        world.login_page("org", org)
        world.login_page("haikou", city)
        first = org.get(f"/coverage/?year={YEAR}").text
        assert "计算之后数据有变化" not in first
        assert "本学年没有活动的学校（2 所）" in first and "只有科普报告、没有学生参与的学校（0 所）" in first
        factories.entry(world, "HK01", students=["周八"], division="高中")
        world.run(
            Talk(
                school=world.schools["HK02"]["id"], on_date=dt.date(2026, 10, 9), status="delivered", audience=90
            ).save()
        )
        changed = org.get(f"/coverage/?year={YEAR}").text
        assert "计算之后数据有变化，这些数字还不是最新的。" in changed and "点“重新计算”更新。" in changed
        assert "本学年没有活动的学校（2 所）" in changed  # the figures stay as computed until a refresh
        assert "组委会重新计算后更新。" in city.get(f"/coverage/?year={YEAR}").text
        from competitions.coverage import services

        world.run(services.recompute([YEAR]))
        fresh = org.get(f"/coverage/?year={YEAR}").text
        assert "计算之后数据有变化" not in fresh
        assert "本学年没有活动的学校（1 所）" in fresh and "只有科普报告、没有学生参与的学校（1 所）" in fresh
        section = fresh[fresh.index("只有科普报告、没有学生参与的学校") :]
        assert "海南华侨中学（HK02）" in section[:2000] and '<td class="num">90</td>' in section[:2000]
        org.cookies.set("lang", "en")
        english = org.get(f"/coverage/?year={YEAR}").text
        assert "Schools with outreach talks only, no student taking part (1)" in english
        assert _own_chinese(english, DATA + ["海南大学营"]) == []
