"""Single-use log-in QR codes for judges (valid 10 minutes)."""

import datetime as dt
import re

from app.tables import LoginCode, User


def _judge_id(world) -> int:
    return world.run(User.select(User.id).where(User.username == "judge").first())["id"]


def test_organizer_qr_logs_a_judge_in_once(world, client):
    world.login_page("org")
    page = client.get(f"/users/{_judge_id(world)}/login-qr")
    assert page.status_code == 200 and "<svg" in page.text
    url = re.search(r"/login/code/[A-Za-z0-9_\-]+", page.text).group(0)
    client.cookies.clear()
    assert client.get(url).status_code == 200  # confirmation page: opening it does not spend the code
    client.get("/login")
    csrf = client.cookies.get("xinmiao_csrf")
    first = client.post(url, data={"_csrf_token": csrf}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/"
    assert client.get("/", follow_redirects=False).headers["location"] == "/judging/"  # logged in as the judge
    client.cookies.clear()
    client.get("/login")
    again = client.post(url, data={"_csrf_token": client.cookies.get("xinmiao_csrf")}, follow_redirects=False)
    assert again.status_code == 403 and "已使用" in again.text


def test_expired_code_and_roles(world, client, run):
    from app.accounts import services as accounts

    issued = run(accounts.issue_login_code(world.org, _judge_id(world)))
    run(
        LoginCode.update({LoginCode.expires_at: dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)}).where(
            LoginCode.id > 0
        )
    )
    client.get("/login")
    response = client.post(
        f"/login/code/{issued['code']}",
        data={"_csrf_token": client.cookies.get("xinmiao_csrf")},
        follow_redirects=False,
    )
    assert response.status_code == 403 and "有效期" in response.text
    school_id = run(User.select(User.id).where(User.username == "hk01").first())["id"]
    world.login_page("org")
    refused = client.get(f"/users/{school_id}/login-qr", follow_redirects=False)
    assert refused.status_code == 303  # back to the list with a message: school accounts log in with passwords
    stored = run(LoginCode.select(LoginCode.code_hash))
    assert all(issued["code"] not in row["code_hash"] for row in stored)  # only the hash is kept
