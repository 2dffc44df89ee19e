"""Judging tables (issue 3 onwards)."""
