"""scripts/verify_camp_lottery.py: a bare python3 re-computes the lottery from the public record alone
(a saved JSON file or the URL of GET /api/v1/events/{id}/lottery)."""

from __future__ import annotations

import ast
import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path

from competitions.camps.lottery import draw_order, lottery_number, public_record

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "verify_camp_lottery.py"
SEED = "9c1e" * 16
PUBLIC = "08 11 19 24 26 31 + 12"
IDS = list(range(101, 131))


def run(arg: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # -I: isolated mode (no site-packages, no cwd or script dir on sys.path): only the standard library
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), arg], capture_output=True, text=True, timeout=60, cwd=cwd, check=False
    )


def test_the_script_imports_only_the_standard_library():
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    modules = {n.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for n in node.names}
    modules |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert modules and modules <= set(sys.stdlib_module_names) | {"__future__"}, modules


def test_a_genuine_record_is_ok(tmp_path):
    path = tmp_path / "lottery.json"
    path.write_text(json.dumps(public_record(SEED, PUBLIC, IDS, "福彩双色球 2026080 期"), ensure_ascii=False), "utf-8")
    done = run(str(path), tmp_path)
    assert done.returncode == 0, done.stdout
    assert done.stdout.rstrip().endswith("OK")
    first = draw_order(SEED, PUBLIC, IDS)[0]
    assert f"     1  {first:>10}  {lottery_number(SEED, PUBLIC, first)}" in done.stdout
    assert "recomputed order (30 applications)" in done.stdout


def test_a_tampered_record_fails(tmp_path):
    record = public_record(SEED, PUBLIC, IDS, "福彩")
    order = record["order"]
    tampered = record | {"order": [order[1], order[0], *order[2:]]}
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(tampered), "utf-8")
    done = run(str(path), tmp_path)
    assert done.returncode == 1
    assert "PROBLEM: order differs from the recomputed order from position 1" in done.stdout
    assert "OK" not in done.stdout.splitlines()

    path.write_text(json.dumps(record | {"seed": "0" * 64}), "utf-8")
    done = run(str(path), tmp_path)
    assert done.returncode == 1 and "PROBLEM: commitment is not the SHA-256 of the revealed seed" in done.stdout

    path.write_text(json.dumps(record | {"application_ids": IDS[:-1]}), "utf-8")
    done = run(str(path), tmp_path)
    assert done.returncode == 1 and "PROBLEM: applications_hash" in done.stdout


def test_before_the_draw_and_unreadable_input(tmp_path):
    path = tmp_path / "before.json"
    path.write_text(json.dumps(public_record(SEED, None, IDS, "福彩", drawn=False)), "utf-8")
    done = run(str(path), tmp_path)
    assert done.returncode == 0 and "not drawn yet" in done.stdout
    done = run(str(tmp_path / "missing.json"), tmp_path)
    assert done.returncode == 1 and "cannot read" in done.stdout


def test_from_a_url(tmp_path):
    body = json.dumps(public_record(SEED, PUBLIC, IDS, "福彩")).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200 if self.path == "/api/v1/events/7/lottery" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        done = run(f"http://127.0.0.1:{server.server_port}/api/v1/events/7/lottery", tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0 and done.stdout.rstrip().endswith("OK"), done.stdout
