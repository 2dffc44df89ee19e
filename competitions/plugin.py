"""The competitions programme: events, registration and check-in, plugged into the platform."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app import signals
from app.plugins import DashboardBlock, NavItem, ProgrammePlugin
from competitions import demo
from competitions.camps import admission as camps_admission
from competitions.camps import controllers as camps_api
from competitions.camps import pages as camps_pages
from competitions.camps import services as camps_services
from competitions.checkin import badges
from competitions.checkin import controllers as checkin_api
from competitions.checkin import live as checkin_live
from competitions.checkin import pages as checkin_pages
from competitions.checkin import services as checkin_services
from competitions.checkin.scanstore import close_scan_stores
from competitions.coverage import controllers as coverage_api
from competitions.coverage import pages as coverage_pages
from competitions.coverage import services as coverage_services
from competitions.coverage import sources as coverage_sources
from competitions.coverage.demo import build_coverage_demo
from competitions.events import controllers as events_api
from competitions.events import pages as events_pages
from competitions.outreach import controllers as outreach_api
from competitions.outreach import demo as outreach_demo
from competitions.outreach import home as outreach_home
from competitions.outreach import notices as outreach_notices
from competitions.outreach import pages as outreach_pages
from competitions.registration import controllers as registration_api
from competitions.registration import dashboard, personal_data, roster
from competitions.registration import pages as registration_pages
from competitions.registration.pages import ACTION_LABELS
from competitions.talent import controllers as talent_api
from competitions.talent import pages as talent_pages
from competitions.talent import services as talent_services


class CompetitionsPlugin(ProgrammePlugin):
    name = "competitions"

    def route_handlers(self) -> Sequence[Any]:
        return [
            *events_api.api_routes(),
            *registration_api.api_routes(),
            *checkin_api.api_routes(),
            *camps_api.api_routes(),
            *talent_api.api_routes(),
            *outreach_api.api_routes(),
            *coverage_api.api_routes(),
            *events_pages.page_routes(),
            *registration_pages.page_routes(),
            *checkin_pages.page_routes(),
            *camps_pages.page_routes(),
            *talent_pages.page_routes(),
            *outreach_pages.page_routes(),
            *coverage_pages.page_routes(),
            checkin_live.live_events,
        ]

    def nav_items(self) -> Sequence[NavItem]:
        return [
            # only what a role can use: a judge's home is 我的评审, a referee's 裁判, check-in staff's 签到
            NavItem("首页", "/", ("organizer", "city", "school", "expert"), order=0),
            NavItem("赛事", "/events/", ("organizer", "city", "school"), order=10),
            NavItem("签到", "/checkin/", ("organizer", "staff"), order=40),
            NavItem("人才培养", "/talent/", ("organizer", "city", "school"), order=15),
            NavItem("我的学生", "/talent/", ("mentor",), order=10),
            NavItem("大手拉小手", "/outreach/", ("organizer", "city", "school", "expert"), order=30),
            NavItem("覆盖面", "/coverage/", ("organizer", "city"), order=60),
        ]

    def dashboard_blocks(self) -> Sequence[DashboardBlock]:
        return [
            DashboardBlock("personal_data.due", ("organizer",), dashboard.purge_due_block, order=5),
            DashboardBlock("registration.organizer", ("organizer",), dashboard.organizer_block, order=10),
            DashboardBlock("registration.city", ("city",), dashboard.city_block, order=10),
            DashboardBlock("registration.school", ("school",), dashboard.school_block, order=10),
            # what a school and an expert must do next in 大手拉小手 (requests, coming talks, talks to confirm
            # or record); a talk the school must confirm is shown above its registration work too
            DashboardBlock("outreach.school.confirm", ("school",), outreach_home.school_alert_block, order=4),
            DashboardBlock("outreach.school", ("school",), outreach_home.school_block, order=20),
            DashboardBlock("outreach.expert", ("expert",), outreach_home.expert_block, order=10),
        ]

    def home_redirects(self) -> dict[str, str]:
        return {
            "staff": "/checkin/",
            "mentor": "/talent/",
        }  # staff scan badges; mentors teach (an expert's home lists the talks to give and record)

    def demo_builders(self) -> Sequence[tuple[int, str, Any]]:
        return [
            (10, "province", demo.build_demo),
            (30, "checkin", demo.build_checkin_demo),
            (40, "camp", demo.build_camp_demo),
            (45, "outreach", outreach_demo.build_outreach_demo),
            (90, "coverage", build_coverage_demo),  # after every programme's demo: it counts them all
        ]

    def demo_logins(self) -> Sequence[tuple[str, str, str]]:
        return [*demo.DEMO_USERS, *outreach_demo.DEMO_USERS]

    def shutdown_hooks(self) -> Sequence[Any]:
        return [close_scan_stores, camps_services.stop_timer]

    def jobs(self) -> dict[str, Any]:
        return {
            badges.BADGE_JOB: badges.render_badges_job,  # big badge PDFs, drawn in another process
            roster.EXPORT_JOB: roster.export_registrations_job,  # big exports, written there too
            checkin_services.ATTENDANCE_JOB: checkin_services.attendance_workbook_job,
            coverage_services.REFRESH_JOB: coverage_services.refresh_job,  # recomputing the coverage report
        }

    def setup(self) -> None:
        signals.checkin_recorded.connect(checkin_live.publish_checkin)  # the live view follows the door
        # an event is finished (its personal data's retention period runs) while its results are final
        signals.results_finalized.connect(personal_data.on_results_finalized)
        signals.results_unlocked.connect(personal_data.on_results_unlocked)
        # a camp's registration workbook holds applications (志愿1–志愿3): camps import it
        roster.application_importers["camp"] = camps_services.import_applications
        roster.template_details["camp"] = camps_services.template_details  # the camp's grades in the workbook's notes
        # a camp's door and badges follow its offers: accepted students only, each at its own site
        checkin_services.admission_checks["camp"] = camps_admission.checkin_gate
        badges.badge_holders["camp"] = camps_admission.badge_holders
        # the talent programme: its workbook (学科, 导师志愿1–3), and the camps' application and allocation
        # endpoints answered by its own rules (mentors' rankings and refusals)
        roster.application_importers["talent"] = talent_services.import_applications
        camps_services.programmes["talent"] = camps_services.Programme(
            talent_services.apply, talent_services.list_applications, talent_services.run_allocation
        )
        ACTION_LABELS.update(camps_pages.ACTION_LABELS)  # camp actions appear in the entry's history
        ACTION_LABELS.update(talent_pages.ACTION_LABELS)
        # a confirmed tour, a moved, cancelled or added talk: notices to its schools and experts
        signals.outreach_talks_changed.connect(outreach_notices.on_talks_changed)
        # what the coverage report counts: each programme's participations (talent and outreach add theirs here)
        for source in coverage_sources.BUILT_IN:
            coverage_sources.register_participation(source)
        for reach in coverage_sources.REACH_BUILT_IN:
            coverage_sources.register_reach(reach)

    def on_app_init(self, app_config: Any) -> Any:
        app_config = super().on_app_init(app_config)
        app_config.on_startup.append(camps_services.start_timer)  # expired camp offers, after the pool starts
        return app_config

    def action_labels(self) -> dict[str, str]:
        return {
            **ACTION_LABELS,
            **camps_pages.ACTION_LABELS,
            **outreach_pages.ACTION_LABELS,
            **talent_pages.ACTION_LABELS,
        }
