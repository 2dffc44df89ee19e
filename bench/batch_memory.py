"""Benchmark: the peak memory of a batch worker drawing N certificates into one PDF.

    python bench/batch_memory.py [--pages 5000] [--copy | --parts]

Draws ``--pages`` award certificates (the built-in template, an A4 background JPEG as
``bench/certificates.py`` makes it, a QR code per page, random three-character names) with
:class:`judging.certificates.render.CertificateRenderer`, 200 pages at a time as a batch does, writes
the PDF the way :func:`judging.certificates.services._write_pdf` does (``--copy``: the way it did
before, the whole PDF copied into ``bytes`` and then written), and prints the file's size, the time and
the process's peak RSS (no database: the renderer alone).

Measured here (2 shared cores): 5,000 pages 173 MB (178 MB with ``--copy``), 20,000 pages 334 MB
(362 MB with ``--copy``); the PDF is 9.3 MB / 36.3 MB. fpdf2 keeps every drawn page until the file is
written, so the peak grows by about 10 KB a page. Drawing the batch as parts of 1,000 pages (a fresh
fpdf2 document each, written to disk) keeps the drawing itself flat (130-160 MB), but joining the parts
with pikepdf (qpdf 12.4) held every copied page in memory: 223 MB at 5,000 pages, 525 MB at 20,000 (and
the file 16-19 % larger: each part embeds its own font subsets and background). pikepdf also brings
lxml, which openpyxl then uses instead of defusedxml (``test_xml_entity_expansion_is_refused`` fails).

So a batch over ``PART_PAGES`` (2,000) pages is drawn in parts packed into one ZIP (``--parts``):
5,000 pages 185 MB, 20,000 pages 193 MB peak RSS (10.0 MB / 39.3 MB ZIP) — flat with the batch size.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "明华强伟芳娜敏静丽军洋勇艳杰娟涛超霞平刚桂英秀兰玉梅春晓红海燕鹏飞宇浩然子轩梓涵欣怡雨桐思远嘉琪"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--copy", action="store_true", help="write as before: the PDF copied into bytes first")
    parser.add_argument(
        "--parts", action="store_true", help="as a batch over PART_PAGES does: parts on disk, packed into a ZIP"
    )
    args = parser.parse_args()

    from certificates import background_jpeg

    from app.pdf import default_font_path
    from judging.certificates import render
    from judging.certificates.services import PART_PAGES, _write_pdf, _zip_parts, default_template, new_number

    folder = Path(tempfile.mkdtemp(prefix="xinmiao-batch-memory-"))
    background = folder / "background.jpg"
    background.write_bytes(background_jpeg())
    template = default_template("award")
    settings = render.RenderSettings(
        page_format=template["page_format"],
        orientation=template["orientation"],
        fonts={"builtin:serif": default_font_path("serif"), "builtin:sans": default_font_path("sans")},
        font=template["font"],
        fields=template["fields"],
        background=background,
        verify_url=lambda number: "https://xinmiao.example.org/verify/" + number,
    )
    rng = random.Random(1)

    def values() -> dict[str, str]:
        return {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "school": "海口市第一中学",
            "title": "基于物联网的校园垃圾分类智能回收装置",
            "category": "工程学",
            "division": "初中",
            "award": "一等奖",
            "event": "2026年海南省青少年科技创新大赛",
            "date": "2026年7月20日",
            "number": new_number(2026),
        }

    start = time.perf_counter()
    path = folder / ("batch.zip" if args.parts else "batch.pdf")
    if args.parts:
        parts = []
        for first in range(0, args.pages, PART_PAGES):
            renderer = render.CertificateRenderer(settings)
            for chunk in range(first, min(first + PART_PAGES, args.pages), 200):
                renderer.add([values() for _ in range(min(200, args.pages - chunk, first + PART_PAGES - chunk))])
            part = folder / f"part{len(parts):03d}.pdf"
            _write_pdf(renderer, part)
            parts.append(part)
            del renderer
        size = _zip_parts(parts, path, args.pages)
    else:
        renderer = render.CertificateRenderer(settings)
        for first in range(0, args.pages, 200):
            renderer.add([values() for _ in range(min(200, args.pages - first))])
        if args.copy:
            data = renderer.output()
            path.write_bytes(data)
            size = len(data)
            del data
        else:
            size = _write_pdf(renderer, path)
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.pages} pages ({'parts of %d in a ZIP' % PART_PAGES if args.parts else 'bytes copy' if args.copy else 'one PDF written straight to the file'}): "
        f"{size / 1e6:.1f} MB in {took:.0f} s, peak RSS {peak:.0f} MB"
    )
    path.unlink()
    background.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
