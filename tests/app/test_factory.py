"""The application factory: templates are compiled once at start-up, not read per request."""

from __future__ import annotations

from app.settings import TEMPLATES_DIR, load_settings


def test_every_template_is_compiled_at_start_up_and_never_read_again(world, monkeypatch):
    """Deploying new templates without a restart must not mix them with the running code:
    the app renders only what it compiled when it started."""
    from jinja2 import FileSystemLoader

    from app.factory import template_environment

    env = template_environment()
    assert env.auto_reload is False
    on_disk = sorted(str(p.relative_to(TEMPLATES_DIR)) for p in TEMPLATES_DIR.rglob("*.html"))
    assert len(on_disk) > 40
    assert sorted(t.name for t in env.cache.values()) == on_disk  # every one compiled already

    def no_disk(*args, **kwargs):
        raise AssertionError("a template was read from disk while serving")

    monkeypatch.setattr(FileSystemLoader, "get_source", no_disk)
    client = world.login_page("hk01")
    page = client.get(f"/events/{world.event_id}/entries")
    assert page.status_code == 200 and "登记新作品" in page.text
    assert client.get("/").status_code == 200


def test_reloading_templates_is_a_setting_for_template_work(tmp_path):
    from app.factory import template_environment

    assert load_settings({"XINMIAO_DATA_DIR": str(tmp_path)}).reload_templates is False
    settings = load_settings({"XINMIAO_DATA_DIR": str(tmp_path), "XINMIAO_RELOAD_TEMPLATES": "1"})
    assert settings.reload_templates is True
    env = template_environment(reload=True)
    assert env.auto_reload is True and len(env.cache) == 0  # compiled on first use, checked on each
    assert env is not template_environment()
