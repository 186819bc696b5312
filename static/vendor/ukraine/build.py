"""Builds ukraine.geojson, the country outline the dashboard's map draws under the communities
when no tile server is configured (and under the tiles when one is).

Source: the npm package world-atlas 2.0.2 (ISC licence, © Michael Bostock), countries-50m.json,
itself Natural Earth 1:50m Admin 0 (public domain). Natural Earth draws de facto control, so it
gives Crimea to Russia's shape: this outline is Ukraine within its internationally recognised
borders, Crimea included, as Ukraine's own maps and the UN draw it. Natural Earth has no
licence-compatible oblast outlines in a package on the registries we use, so the map has the
country outline only.

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python static/vendor/ukraine/build.py package/countries-50m.json > static/vendor/ukraine/ukraine.geojson
"""

import json
import sys
from collections import Counter

SIMFEROPOL = (34.10, 44.95)


def main(path: str) -> None:
    topology = json.load(open(path, encoding="utf-8"))
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((round(x * sx + tx, 4), round(y * sy + ty, 4)))
        arcs.append(points)

    def points_of(index):
        return arcs[index] if index >= 0 else arcs[~index][::-1]

    def ring(indices):
        points = []
        for k, index in enumerate(indices):
            points.extend(points_of(index)[1 if k else 0 :])
        return points

    def inside(point, outer):
        x, y = point
        found = False
        for (x1, y1), (x2, y2) in zip(outer, outer[1:] + outer[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                found = not found
        return found

    countries = {g["properties"]["name"]: g for g in topology["objects"]["countries"]["geometries"]}
    polygons = list(countries["Ukraine"]["arcs"])
    polygons += [p for p in countries["Russia"]["arcs"] if inside(SIMFEROPOL, ring(p[0]))]
    # The outline is every arc used once: the line between Crimea and Kherson oblast, shared
    # by the two shapes, is not a border and is not drawn.
    used = Counter(index if index >= 0 else ~index for p in polygons for r in p for index in r)
    outline = [points_of(i) for i, n in sorted(used.items()) if n == 1]
    feature = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": "area", "name": "Україна / Ukraine"},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [[ring(r) for r in p] for p in polygons],
                },
            },
            {
                "type": "Feature",
                "properties": {"kind": "border"},
                "geometry": {"type": "MultiLineString", "coordinates": outline},
            },
        ],
    }
    json.dump(feature, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1])
