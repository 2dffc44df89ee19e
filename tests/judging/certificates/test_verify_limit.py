"""The public certificate look-up's rate limit under truly parallel requests (issue 11, item 5):
300 look-ups at once from one address get exactly the limit's number of answers; another
address has its own allowance."""

from __future__ import annotations

from judging.certificates import services as certificates
from tests.judging.api import ev, ok, org
from tests.judging.certificates.test_certificates import awarded
from tests.server import LiveServer, parallel


def test_three_hundred_parallel_look_ups_get_exactly_the_limit(world, settings):
    from app.factory import create_app

    awarded(world)
    ok(world.client.post(ev(world, "/certificates/issue"), headers=org(world)))
    number = ok(world.client.get(ev(world, "/certificates"), headers=org(world)))[0]["number"]
    limit = certificates.VERIFY_LIMIT_PER_MINUTE
    with LiveServer(create_app(settings)) as server:
        answers = parallel(server.url, [{"method": "GET", "url": f"/api/v1/certificates/{number}"}] * 300)
        codes = [r.status_code for r in answers]
        assert codes.count(200) == limit == 60
        assert codes.count(429) == 300 - limit
        assert all(r.json()["valid"] is True for r in answers if r.status_code == 200)
        assert {r.headers["retry-after"] for r in answers if r.status_code == 429} == {"60"}
        with server.client("127.0.0.2") as other:
            assert other.get(f"/api/v1/certificates/{number}").status_code == 200
