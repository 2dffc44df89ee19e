"""Piccolo configuration: the engine is chosen from ``XINMIAO_DATABASE_URL`` by
:func:`app.db.configure_database`, which replaces ``DB`` here and on every table."""

from piccolo.conf.apps import AppRegistry

from app.engines import engine_from_url
from app.settings import get_settings

DB = engine_from_url(get_settings().database_url)

APP_REGISTRY = AppRegistry(apps=["app.piccolo_app", "competitions.piccolo_app", "judging.piccolo_app"])
