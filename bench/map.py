"""The map with 5,000 places: build time, warm responses, size, and drawing in Chromium.

Generates places over the province (on top of the demo data) in a throwaway SQLite database,
then prints:
- the cold build of the province map (query, folium, render), in-process, median of 3;
- warm (cached) responses of the map page and its script under gunicorn (2 workers) with wrk,
  beside the portal home page, with the ratio that is judged: map / home time per response ≤ 2;
- the HTML and script sizes (the script plain and gzipped, as browsers fetch it);
- in headless Chromium, the time from navigation until markers and clusters are drawn, against a
  bare Leaflet + markercluster page showing the same points from a static GeoJSON file served by
  the same server; judged: ours / bare ≤ 1.5, medians of alternating rounds.
Lodgings join the map with the lodging issue; until then all 5,000 points are places.
Run with `make bench` (or `python -m bench.map`); BENCH_POINTS and BENCH_ROUNDS change the sizes.
"""

import gzip
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

from bench.portal import CONNECTIONS, DURATION, ROOT, WeatherStandIn, free_port, gunicorn, load, wait_for

POINTS = int(os.environ.get("BENCH_POINTS", "5000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# A function, not an expression: Playwright would eval() an expression, which our CSP forbids.
DRAWN = "() => document.querySelectorAll('.leaflet-marker-pane .leaflet-marker-icon').length > 0"

BARE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bare</title>
<link rel="stylesheet" href="{leaflet}/leaflet.css">
<link rel="stylesheet" href="{cluster}/MarkerCluster.css">
<link rel="stylesheet" href="{cluster}/MarkerCluster.Default.css">
<link rel="stylesheet" href="/bench/bare.css">
</head><body><div id="map"></div>
<script src="{leaflet}/leaflet.js"></script>
<script src="{cluster}/leaflet.markercluster.js"></script>
<script src="/bench/bare.js"></script>
</body></html>
"""
BARE_SCRIPT = """
var map = L.map("map");
L.tileLayer(%(tiles)s, {maxZoom: 19, attribution: "OpenStreetMap"}).addTo(map);
fetch("/bench/points.geojson").then(function (r) { return r.json(); }).then(function (data) {
  var points = L.geoJSON(data);
  map.fitBounds(points.getBounds());
  map.addLayer(L.markerClusterGroup().addLayer(points));
});
"""


def generate_places(count: int, seed: int = 4) -> int:
    """Add generated places until the database holds `count`, scattered around real localities."""
    import sqlalchemy as sa

    from tourism import create_app
    from tourism.extensions import db
    from tourism.portal.models import CATEGORIES, Area, Place, PlaceImage, PlaceTranslation

    rng = random.Random(seed)
    app = create_app()
    with app.app_context():
        have = db.session.scalar(sa.select(sa.func.count(Place.id)))
        areas = list(db.session.scalars(sa.select(Area)))
        hours = {day: [["07:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        for number in range(count - have):
            area = rng.choice(areas)
            category = rng.choice(CATEGORIES)
            place = Place(
                slug=f"bench-{number}", category=category, area_id=area.id,
                lat=min(12.9, max(10.45, area.locality.lat + rng.gauss(0, 0.08))),
                lon=min(108.95, max(107.2, area.locality.lon + rng.gauss(0, 0.08))),
                opening_hours=hours, step_free=rng.random() < 0.4,
            )
            place.translations = [
                PlaceTranslation(locale="vi", name=f"Điểm tham quan {number}", summary="", description=""),
                PlaceTranslation(locale="en", name=f"Generated place {number}", summary="", description=""),
            ]
            place.images = [PlaceImage(path=f"img/categories/{category}.svg", credit="bench", licence="CC0-1.0")]
            db.session.add(place)
        db.session.commit()
        return db.session.scalar(sa.select(sa.func.count(Place.id)))


def cold_build_seconds() -> list[float]:
    """Time building the province map from the database with an empty cache."""
    from tourism import create_app
    from tourism.core.pages import local_now
    from tourism.extensions import cache
    from tourism.map import services
    from tourism.map.points import MapFilters

    app = create_app({"CACHE_TYPE": "SimpleCache", "CACHE_REDIS_URL": None})
    timings = []
    with app.test_request_context("/en/map"):
        from flask import g

        g.locale = "en"
        for _ in range(3):
            cache.clear()
            started = time.perf_counter()
            bundle = services.main_map(MapFilters(), "en", local_now())
            timings.append(time.perf_counter() - started)
    assert sum(bundle.counts.values()) >= POINTS
    return timings


def draw_times(base: str, paths: dict[str, str]) -> dict[str, list[float]]:
    """Return, per page, the ms from navigation start until the first markers are on screen."""
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {name: [] for name in paths}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        for round_number in range(ROUNDS + 1):
            for name, path in paths.items():
                # A fresh context each time: nothing in the browser cache, as on a first visit.
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                           else route.abort())
                page.goto(base + path, wait_until="commit")
                page.wait_for_function(DRAWN, polling="raf", timeout=60_000)
                elapsed = page.evaluate("performance.now()")
                if round_number:  # the first round warms the server and Chromium's own caches
                    times[name].append(elapsed)
                context.close()
        browser.close()
    return times


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-map-"))
    # The home page it is compared with carries real weather, as in production.
    weather = ThreadingHTTPServer(("127.0.0.1", 0), WeatherStandIn)
    threading.Thread(target=weather.serve_forever, daemon=True).start()
    static = work / "static"
    static.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'tourism.db'}",
        "WEATHER_URL": f"http://127.0.0.1:{weather.server_port}",
        "FLASK_APP": "app",
        "BENCH_STATIC": str(static),
        "RATELIMIT_ENABLED": "false",
    }
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "WEATHER_URL", "RATELIMIT_ENABLED")})
    flask = str(Path(sys.executable).parent / "flask")
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([flask, "demo-data"], cwd=ROOT, env=env, check=True, capture_output=True)
    total = generate_places(POINTS)
    print(f"{total} places in the database")

    cold = cold_build_seconds()
    print("cold map build (query + folium + render), 3 runs: "
          + ", ".join(f"{t * 1000:.0f} ms" for t in cold) + f"; median {statistics.median(cold) * 1000:.0f} ms")

    port = free_port()
    server = gunicorn("bench.map_server:app", port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", timeout=60)
        page = urllib.request.urlopen(f"{base}/en/map").read()
        script_path = page.decode().rsplit('<script src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        script = urllib.request.urlopen(f"{base}{script_path}").read()
        print(f"map page HTML {len(page):,} bytes; map script {len(script):,} bytes, "
              f"{len(gzip.compress(script)):,} gzipped")

        print(f"warm responses: wrk, 2 threads, {CONNECTIONS} connections, {DURATION} each; gunicorn, 2 workers")
        results = {
            "home": load(f"{base}/en/"),
            "map page": load(f"{base}/en/map"),
            "map script (gzip)": load(f"{base}{script_path}", headers=["Accept-Encoding: gzip"]),
        }
        for name, result in results.items():
            print(f"  {name:18} {result['rps']:>8.0f} req/s  p50 {result['p50']:>7.2f} ms  p99 {result['p99']:>7.2f} ms"
                  + (f"  ({result['errors']} non-2xx)" if result["errors"] else ""))
        for name in ("map page", "map script (gzip)"):
            ratio = results["home"]["rps"] / results[name]["rps"]
            verdict = "meets" if ratio <= 2 else "MISSES"
            print(f"  {name} time per response / home page's: {ratio:.2f} (target <= 2): {verdict}")

        geojson = urllib.request.urlopen(f"{base}/api/v1/places?lang=en").read()
        (static / "points.geojson").write_bytes(geojson)
        leaflet, cluster = (
            path.rsplit("/", 1)[0] for path in (
                next(p for p in _srcs(page) if p.endswith("/leaflet.js")),
                next(p for p in _srcs(page) if p.endswith("/leaflet.markercluster.js")),
            )
        )
        (static / "bare.html").write_text(BARE_PAGE.format(leaflet=leaflet, cluster=cluster))
        (static / "bare.css").write_text("html, body { margin: 0 } #map { height: 70vh }")
        import json

        tiles = json.dumps(os.environ.get("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"))
        (static / "bare.js").write_text(BARE_SCRIPT % {"tiles": tiles})

        times = draw_times(base, {"ours": "/en/map", "bare": "/bench/bare.html"})
        ours, bare = statistics.median(times["ours"]), statistics.median(times["bare"])
        print(f"Chromium, time until markers and clusters are drawn ({ROUNDS} rounds, fresh browser cache, "
              f"tiles blocked):")
        for name, values in times.items():
            print(f"  {name:5} median {statistics.median(values):7.0f} ms  ("
                  + ", ".join(f"{v:.0f}" for v in values) + ")")
        ratio = ours / bare
        print(f"  ratio ours / bare Leaflet page: {ratio:.2f} (target <= 1.5): "
              + ("meets" if ratio <= 1.5 else "MISSES"))
    finally:
        server.terminate()
        server.wait(10)
        weather.shutdown()
        shutil.rmtree(work, ignore_errors=True)


def _srcs(html: bytes) -> list[str]:
    return [part.split('"', 1)[0] for part in html.decode().split('<script src="')[1:]]


if __name__ == "__main__":
    main()
