"""Benchmark: 5,000 award certificates with a background image and a QR code into one PDF.

    python bench/certificates.py [--entries 2500] [--students 2] [--runs 1] [--profile] [--out FILE]

Builds a temporary database (see ``bench/judging_data.py``): ``--entries`` approved entries
with ``--students`` students each (some names with a middle dot), k=3 judges each, every
score sheet complete, award quotas covering every ranked entry, results finalized. An A4
landscape background (3508 × 2480 px JPEG, 300 dpi) is uploaded to the award template.
Then it times:

- ``issue``: :func:`judging.certificates.services.ensure_certificates` (numbers for every student);
- ``pdf``: :func:`judging.certificates.services.certificates_pdf_job`, the job behind
  ``GET /api/v1/events/{id}/certificates.pdf`` (results, coverage check, drawing, writing);
- ``draw``/``write``: the renderer alone on the prepared certificates (background, QR, texts,
  shrink-to-fit) and fpdf2's output with font subsetting;
- ``floor``: fpdf2 alone writing the same number of pages with the same texts and font,
  without background and QR.

Prints the times, pages per second and peak memory (``ru_maxrss``). Targets on a 2-core
machine: the PDF at ≥ 400 pages/s (about 4.5 × the floor), peak memory < 500 MB.
``XINMIAO_BENCH_DATABASE_URL`` runs it on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import random
import resource
import sys
import time
from pathlib import Path

from judging_data import Database, build, complete_scores, name

TARGET_PAGES_PER_SECOND = 400
TARGET_PEAK_MB = 500
BASE_URL = "https://xinmiao.example.org"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def background_jpeg() -> bytes:
    """A 300 dpi A4-landscape certificate background: paper tint, double border, corner
    ornaments and a red seal, saved as JPEG (about what an office's scanned design is)."""
    from PIL import Image, ImageDraw

    w, h = 3508, 2480
    img = Image.new("RGB", (w, h), (251, 246, 232))
    d = ImageDraw.Draw(img)
    for i in range(0, h, 6):
        shade = 246 - (i * 8 // h)
        d.line([(0, i), (w, i)], fill=(251, shade, 232 - (i * 10 // h)), width=6)
    d.rectangle((90, 90, w - 90, h - 90), outline=(178, 34, 34), width=28)
    d.rectangle((150, 150, w - 150, h - 150), outline=(201, 162, 39), width=10)
    for cx, cy in ((150, 150), (w - 150, 150), (150, h - 150), (w - 150, h - 150)):
        d.ellipse((cx - 70, cy - 70, cx + 70, cy + 70), outline=(201, 162, 39), width=10)
    d.ellipse((w - 1000, h - 900, w - 560, h - 460), outline=(210, 30, 30), width=22)
    d.regular_polygon((w - 780, h - 680, 90), 5, fill=(210, 30, 30))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


async def setup(args: argparse.Namespace) -> dict:
    from app.times import now
    from competitions.events.tables import Event
    from competitions.registration.tables import Entry, Member
    from judging.certificates.services import upload_background
    from judging.panels import assignments
    from judging.results import publication

    world = await build(args.entries, judges=150)
    event_id = world["event_id"]
    rng = random.Random(5)
    entry_ids = [r["id"] for r in await Entry.select(Entry.id).where(Entry.event == event_id)]
    titles = [
        "基于物联网的校园垃圾分类智能回收装置的设计与实现",
        "红树林湿地鸟类多样性调查",
        "海南黎锦纹样的数学之美",
        "珊瑚白化与海水温度关系的观察研究",
        "智能浇花器",
        "校园雨水花园的设计",
    ]
    await Entry.update({Entry.title: titles[0]}).where(Entry.event == event_id)
    for i, entry_id in enumerate(entry_ids[:600]):
        await Entry.update({Entry.title: f"{titles[i % len(titles)]}（{i}）"}).where(Entry.id == entry_id)
    students = []
    for entry_id in entry_ids:
        for position in range(args.students):
            student = (
                name(rng) if rng.random() > 0.05 else rng.choice(("阿依古丽·买买提", "王·阿不都", "热依拉·艾买提"))
            )
            students.append(
                Member(
                    entry=entry_id,
                    event=event_id,
                    role="student",
                    name=student,
                    position=position,
                    consent_participation=True,
                )
            )
    for start in range(0, len(students), 500):
        await Member.insert(*students[start : start + 500])
    await assignments.generate(world["organizer"], event_id, 3)
    await complete_scores(event_id)
    await Event.update(
        {
            Event.award_first: "0.2",
            Event.award_second: "0.3",
            Event.award_third: "0.5",
            Event.status: "closed",  # finalizing needs registration closed and judging begun
            Event.judging_started_at: now(),
        }
    ).where(Event.id == event_id)
    await publication.finalize(world["organizer"], event_id)
    await upload_background(world["organizer"], event_id, "award", background_jpeg())
    return world


def floor(values: list[dict], font: Path) -> float:
    """fpdf2 alone: the same texts, font and layout per page, no background and no QR."""
    from fpdf import FPDF

    from judging.certificates.render import field_text
    from judging.certificates.services import default_fields

    fields = [f for f in default_fields("award") if f["type"] != "qr"]
    start = time.perf_counter()
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.add_font("f", "", str(font))
    for v in values:
        pdf.add_page()
        for f in fields:
            text = field_text(f, v)
            if text:
                pdf.set_font("f", size=f["size"])
                pdf.text(f["x"], f["y"] + f["size"] * 0.35, text)  # the cheapest way fpdf2 puts text on a page
    pdf.output()
    return time.perf_counter() - start


async def main(args: argparse.Namespace) -> None:
    from app.pdf import default_font_path
    from judging.certificates import services as certificates

    t0 = time.perf_counter()
    world = await setup(args)
    event_id, org = world["event_id"], world["organizer"]
    print(
        f"set-up {time.perf_counter() - t0:.1f} s: {args.entries} entries × {args.students} students, finalized; "
        f"peak so far {peak_mb():.0f} MB"
    )

    start = time.perf_counter()
    issued = await certificates.ensure_certificates(event_id, "award", org)
    issue_s = time.perf_counter() - start
    print(f"issue     {issue_s:6.2f} s  {issued['issued']} certificates numbered")

    best_pdf = None
    for run in range(args.runs):
        profiler = cProfile.Profile() if args.profile and run == 0 else None
        if profiler:
            profiler.enable()
        start = time.perf_counter()
        # the job behind GET .../certificates.pdf, run here (the server runs it in another process)
        info = await certificates.certificates_pdf_job(event_id, BASE_URL)
        made = Path(info["path"])
        data = made.read_bytes()
        made.unlink()
        took = time.perf_counter() - start
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        best_pdf = took if best_pdf is None else min(best_pdf, took)
    pages = info["pages"]
    if args.out:
        Path(args.out).write_bytes(data)
    print(
        f"pdf       {best_pdf:6.2f} s  {pages} pages, {len(data) / 1e6:.1f} MB, {len(info['unprintable'])} unprintable "
        f"-> {pages / best_pdf:.0f} pages/s (service: results, check, draw, write)"
    )

    start = time.perf_counter()
    renderer, printable, _unprintable, _total = await certificates._prepare(event_id, "award", None, None, BASE_URL)
    prepare_s = time.perf_counter() - start
    start = time.perf_counter()
    renderer.add(printable)
    draw_s = time.perf_counter() - start
    start = time.perf_counter()
    renderer.output()
    write_s = time.perf_counter() - start
    render_rate = len(printable) / (draw_s + write_s)
    print(f"prepare   {prepare_s:6.2f} s  (results, issued certificates, coverage check)")
    print(f"draw      {draw_s:6.2f} s  ({draw_s / len(printable) * 1000:.2f} ms/page: background, QR, texts)")
    print(f"write     {write_s:6.2f} s  (fpdf2 output, font subset)")
    print(f"render    {draw_s + write_s:6.2f} s  -> {render_rate:.0f} pages/s")

    floor_s = floor(printable, default_font_path("serif"))
    print(
        f"floor     {floor_s:6.2f} s  -> {len(printable) / floor_s:.0f} pages/s (fpdf2 alone, same text, no background, no QR)"
    )
    rate = pages / best_pdf
    peak = peak_mb()
    print(f"peak memory {peak:.0f} MB (ru_maxrss, whole process incl. set-up)")
    print(
        f"certificates.pdf: {rate:.0f} pages/s (target >= {TARGET_PAGES_PER_SECOND}) "
        f"{'OK' if rate >= TARGET_PAGES_PER_SECOND else 'MISSED'}; rendering alone {render_rate:.0f} pages/s; "
        f"{best_pdf / floor_s:.2f} x the floor's time; peak {peak:.0f} MB (target < {TARGET_PEAK_MB}) "
        f"{'OK' if peak < TARGET_PEAK_MB else 'MISSED'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=2500)
    parser.add_argument("--students", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--out", help="keep the PDF here")
    arguments = parser.parse_args()
    with Database() as database:
        print(f"database: {database.engine_name}")
        asyncio.run(main(arguments))
    sys.exit(0)
