"""The style sheet and scripts every page loads travel gzip-compressed to a browser that takes it:
a parent opening the public results page on a slow phone network waited for 47 KB of app.css
(about 1 s at 400 kbit/s) before anything showed; compressed it is a fifth of that."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[3] / "app" / "static"


@pytest.mark.parametrize("name", ["app.css", "results-filter.js"])
def test_static_files_are_compressed_for_a_browser_that_takes_gzip(client, name):
    on_disk = (STATIC / name).read_bytes()
    packed = client.get(f"/static/{name}", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.status_code == 200
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()  # caches keep the two apart
    assert packed.content == on_disk  # the client unpacked it: the same bytes
    plain = client.get(f"/static/{name}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == on_disk


def test_the_style_sheet_sent_compressed_is_at_most_a_third_of_its_size(client):
    on_disk = (STATIC / "app.css").read_bytes()
    raw = client.stream("GET", "/static/app.css", headers={"Accept-Encoding": "gzip"})
    with raw as answer:
        sent = b"".join(answer.iter_raw())
    assert gzip.decompress(sent) == on_disk
    assert len(sent) * 3 < len(on_disk)
