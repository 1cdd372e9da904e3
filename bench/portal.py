"""Portal throughput and latency against a bare Flask page of the same size, under gunicorn.

Serves the app with gunicorn (2 workers) on 127.0.0.1 with the demo data, loads the home page,
a place page and a search with wrk at 32 connections, then does the same for a bare Flask app
that renders a static template of the same byte size. Prints requests/s, p50, p99 and the ratio.
Targets (issue 2): ratio >= 0.5 of the bare throughput, p99 < 100 ms. Public pages are served
through the page cache, as in production; a last table shows the same pages with it switched off.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
PAGES = {
    "home": "/en/",
    "place": "/en/places/ho-xuan-huong",
    "search": "/en/search?q=da+lat",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WeatherStandIn(BaseHTTPRequestHandler):
    """Answers like Open-Meteo, so the home page carries real weather markup."""

    def do_GET(self):
        days = [f"2026-11-{d}" for d in range(22, 26)]
        location = {
            "current": {"temperature_2m": 18.4, "relative_humidity_2m": 80, "weather_code": 2,
                        "wind_speed_10m": 6.0},
            "daily": {"time": days, "weather_code": [2, 3, 61, 0], "temperature_2m_max": [23, 22, 21, 24],
                      "temperature_2m_min": [15, 14, 15, 13], "precipitation_probability_max": [10, 20, 70, 5]},
        }
        body = json.dumps([location, location]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


def gunicorn(app: str, port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app],
        cwd=ROOT, env=env,
    )


def parse_wrk(output: str) -> dict:
    def latency_ms(label):
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50": latency_ms("50"), "p99": latency_ms("99"),
            "errors": int(errors.group(1)) if errors else 0}


def load(url: str, headers: list[str] = ()) -> dict:
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is missing: `apt-get install -y wrk` (make bench does it as root)")
    # A short warm-up fills each worker's caches, as a running site's would be.
    extra = [arg for header in headers for arg in ("-H", header)]
    subprocess.run([wrk, "-t2", f"-c{CONNECTIONS}", "-d2s", *extra, url], capture_output=True, check=True)
    result = subprocess.run(
        [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", *extra, url],
        capture_output=True, text=True, check=True,
    )
    return parse_wrk(result.stdout)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    weather = ThreadingHTTPServer(("127.0.0.1", 0), WeatherStandIn)
    threading.Thread(target=weather.serve_forever, daemon=True).start()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'tourism.db'}",
        "WEATHER_URL": f"http://127.0.0.1:{weather.server_port}",
        "FLASK_APP": "app",
        "BARE_TEMPLATES": str(work / "bare"),
    }
    flask = str(VENV_BIN / "flask")
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([flask, "demo-data"], cwd=ROOT, env=env, check=True, capture_output=True)

    app_port, bare_port = free_port(), free_port()
    servers = [gunicorn("app:app", app_port, env)]
    try:
        wait_for(f"http://127.0.0.1:{app_port}/healthz")
        (work / "bare").mkdir()
        sizes = {}
        for name, path in PAGES.items():
            body = urllib.request.urlopen(f"http://127.0.0.1:{app_port}{path}").read()
            sizes[name] = len(body)
            # Same byte size, no template logic: what Flask costs with nothing of ours.
            (work / "bare" / f"{name}.html").write_bytes(body.replace(b"{", b"(").replace(b"}", b")"))
        servers.append(gunicorn("bench.bare_app:app", bare_port, env))
        wait_for(f"http://127.0.0.1:{bare_port}/home")

        print(f"wrk, 2 threads, {CONNECTIONS} connections, {DURATION} per page; gunicorn, 2 workers")
        print(f"{'page':8} {'bytes':>7} | {'ours req/s':>10} {'p50 ms':>7} {'p99 ms':>7} | "
              f"{'bare req/s':>10} {'p50 ms':>7} {'p99 ms':>7} | {'ratio':>5}")
        worst_ratio, worst_p99 = 1e9, 0.0
        for name, path in PAGES.items():
            ours = load(f"http://127.0.0.1:{app_port}{path}")
            bare = load(f"http://127.0.0.1:{bare_port}/{name}")
            ratio = ours["rps"] / bare["rps"]
            worst_ratio, worst_p99 = min(worst_ratio, ratio), max(worst_p99, ours["p99"])
            print(f"{name:8} {sizes[name]:>7} | {ours['rps']:>10.0f} {ours['p50']:>7.2f} {ours['p99']:>7.2f} | "
                  f"{bare['rps']:>10.0f} {bare['p50']:>7.2f} {bare['p99']:>7.2f} | {ratio:>5.2f}"
                  + (f"  ({ours['errors']} non-2xx)" if ours["errors"] else ""))
        verdict = "meets" if worst_ratio >= 0.5 and worst_p99 < 100 else "MISSES"
        print(f"worst ratio {worst_ratio:.2f} (target >= 0.50), worst p99 {worst_p99:.1f} ms "
              f"(target < 100): {verdict} the target")

        # Every request a cache miss: the cost of a page's first view, tracked but not judged.
        cold_port = free_port()
        servers.append(gunicorn("app:app", cold_port, {**env, "PAGE_CACHE_SECONDS": "0"}))
        wait_for(f"http://127.0.0.1:{cold_port}/healthz")
        print("page cache off (every request renders), for reference:")
        for name, path in PAGES.items():
            cold = load(f"http://127.0.0.1:{cold_port}{path}")
            print(f"{name:8} {sizes[name]:>7} | {cold['rps']:>10.0f} {cold['p50']:>7.2f} {cold['p99']:>7.2f}")
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
        weather.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
