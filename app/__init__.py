"""Xinmiao platform: web shell, settings, database, auth, schools, i18n, audit and CLI."""
