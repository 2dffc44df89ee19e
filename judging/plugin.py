"""The judging programme: panels, scoring, results and certificates, plugged into the platform."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app import pubcache, signals
from app.plugins import DEMO_PASSWORD, DashboardBlock, NavItem, ProgrammePlugin
from competitions.events import extensions, lifecycle
from competitions.registration import access
from judging import demo
from judging.certificates import controllers as certificates_api
from judging.certificates import live as certificates_live
from judging.certificates import pages as certificates_pages
from judging.certificates import services as certificates
from judging.matches import controllers as matches_api
from judging.matches import dashboard as matches_dashboard
from judging.matches import demo as matches_demo
from judging.matches import live as matches_live
from judging.matches import pages as matches_pages
from judging.matches import referee_pages as matches_referee_pages
from judging.matches import screens as matches_screens
from judging.matches import services as matches
from judging.panels import assignments
from judging.panels import controllers as panels_api
from judging.panels import pages as panels_pages
from judging.results import controllers as results_api
from judging.results import live as results_live
from judging.results import pages as results_pages
from judging.results import publication
from judging.results import stage as results_stage
from judging.robotics import cache as robotics_cache
from judging.robotics import controllers as robotics_api
from judging.robotics import live as robotics_live
from judging.robotics import livecache as robotics_livecache
from judging.robotics import pages as robotics_pages
from judging.robotics import public as robotics_public
from judging.robotics import ranking as robotics_ranking
from judging.robotics import sheet_pages as robotics_sheet_pages
from judging.rounds import settings as judging_settings
from judging.scoring import controllers as scoring_api
from judging.scoring import pages as scoring_pages
from judging.talent import controllers as talent_api
from judging.talent import demo as talent_demo
from judging.talent import pages as talent_pages
from judging.talent import services as talent_services


class JudgingPlugin(ProgrammePlugin):
    name = "judging"

    def route_handlers(self) -> Sequence[Any]:
        return [
            *scoring_api.api_routes(),
            *panels_api.api_routes(),
            *results_api.api_routes(),
            *certificates_api.api_routes(),
            *robotics_api.api_routes(),
            *matches_api.api_routes(),
            *talent_api.api_routes(),
            *scoring_pages.page_routes(),
            *panels_pages.page_routes(),
            *results_pages.page_routes(),
            *certificates_pages.page_routes(),
            *robotics_pages.page_routes(),
            *results_live.page_routes(),
            *certificates_live.page_routes(),
            *robotics_public.page_routes(),
            *robotics_sheet_pages.page_routes(),
            *robotics_live.routes(),
            *matches_pages.page_routes(),
            *matches_referee_pages.page_routes(),
            *matches_screens.page_routes(),
            *talent_pages.page_routes(),
        ]

    def nav_items(self) -> Sequence[NavItem]:
        return [
            NavItem("评审", "/judging/", ("organizer",), order=20),
            NavItem("我的评审", "/judging/", ("judge",), order=20),
            NavItem("证书", "/certificates/", ("school",), order=30),
            NavItem("裁判", "/referee/", ("referee",), order=20),
            NavItem("裁判台", "/referee/", ("organizer",), order=25),
        ]

    def dashboard_blocks(self) -> Sequence[DashboardBlock]:
        # a school's teams that play matches, each linked to its public "my matches" view
        return [DashboardBlock("matches.school", ("school",), matches_dashboard.school_block, order=20)]

    def home_redirects(self) -> dict[str, str]:
        # a judge's work is scoring; anonymous visitors come for the published results
        return {"judge": "/judging/", "referee": "/referee/", "public": "/results/"}

    def demo_builders(self) -> Sequence[tuple[int, str, Any]]:
        return [
            (20, "judging", lambda: demo.build_judging_demo(DEMO_PASSWORD)),
            (40, "robotics", lambda: demo.build_robotics_demo(DEMO_PASSWORD)),
            (45, "matches", matches_demo.build_matches_demo),
            (50, "talent", lambda: talent_demo.build_talent_demo(DEMO_PASSWORD)),
        ]

    def demo_logins(self) -> Sequence[tuple[str, str, str]]:
        return (*demo.ROBOTICS_LOGINS, *talent_demo.DEMO_LOGINS)

    def jobs(self) -> dict[str, Any]:
        return {
            certificates.BATCH_JOB: certificates.run_batch,  # certificate PDFs, made in a worker process
            matches.SCHEDULE_JOB: matches.schedule_job,  # a schedule's search takes seconds of CPU
            certificates.PDF_JOB: certificates.certificates_pdf_job,  # GET .../certificates.pdf, drawn there too
            publication.RESULTS_JOB: publication.results_workbook_job,  # a big event's results workbook
        }

    def setup(self) -> None:
        # judges see the entries assigned to them (registration asks; judging answers)
        access.entry_readers.connect(assignments.entry_access_for_judge)
        # the event lifecycle learns how far judging has gone (scores, 公示, final)
        lifecycle.register_judging_stage(results_stage.event_stages)
        # public_results, objection_contact, blind_review: event settings judging keeps
        extensions.register(
            extensions.EventSettings(
                keys=frozenset(judging_settings.DEFAULTS),
                validate=judging_settings.validated,
                store=judging_settings.store_settings,
                read=judging_settings.get_settings,
                read_many=judging_settings.get_settings_many,
            )
        )
        # finalizing results numbers the award certificates
        signals.results_finalized.connect(certificates.on_results_finalized)
        # live pages: 评分进度 follows score sheets, the certificates page its batches
        signals.scores_changed.connect(results_live.publish_scores)
        # a talent programme's interview rubric changed: interviews take the recomputed totals
        signals.rubric_changed.connect(talent_services.on_rubric_changed)
        signals.batch_progressed.connect(certificates_live.publish_batch)
        # robotics standings: the cache learns which team changed, then live screens are told
        signals.robotics_runs_changed.connect(robotics_cache.on_runs_changed)
        signals.robotics_runs_changed.connect(robotics_live.on_runs_changed)
        # teams of challenges scored by referees alone get no judges
        assignments.register_not_judged(robotics_ranking.run_only_codes)
        # matches on the same live stream: their state on connect, then match and bracket events
        robotics_live.add_state_provider(matches_live.matches_state)
        robotics_livecache.add_fingerprint_columns(*matches_live.FINGERPRINT)
        signals.matches_changed.connect(matches_live.on_matches_changed)
        # the referee's home page links the match list of challenges played as matches
        robotics_pages.add_home_provider(matches_referee_pages.home_links)
        # public pages served from what was already computed (app.pubcache): every action that changes
        # what the public sees raises the event's version, on every worker
        for signal in (
            signals.public_view_changed,
            signals.results_finalized,
            signals.results_unlocked,
            signals.scores_changed,
            signals.robotics_runs_changed,
            signals.matches_changed,
        ):
            signal.connect(pubcache.on_event_changed)
