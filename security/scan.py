"""Security scans for `make security`: bandit on the code, sqlmap and wapiti on a local demo server.

Run with the app's venv (`.venv/bin/python security/scan.py`); the scanners come from `.venv-security`.
Exits 1 when a scan reports a finding that security/exclusions.toml does not explain, or a scan fails.
"""

import argparse
import fnmatch
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "security"
APP_BIN = ROOT / ".venv" / "bin"
SCAN_BIN = ROOT / ".venv-security" / "bin"
REPORTS = HERE / "reports"
TARGETS_FILE = HERE / "sqlmap-targets.txt"
EXCLUSIONS_FILE = HERE / "exclusions.toml"

BANDIT_PATHS = ["tourism", "app.py"]
# Every severity and every confidence: ruff's S rules already keep the code clear of these, so
# whatever bandit still reports is either real or a false positive to write down with its reason.
BANDIT_THRESHOLDS = ["--severity-level", "low", "--confidence-level", "low"]

# The scanned server runs SQLite: payloads written for other databases cannot succeed on it and
# would triple the run time. Generic payloads (boolean, UNION, inline) are sent as well.
# Level 3 adds boundaries (prefixes and suffixes) and risk 3 OR-based payloads, which catch
# injections in queries whose AND-variant changes nothing on the page.
SQLMAP_OPTIONS = [
    "--dbms", "SQLite", "--level", "3", "--risk", "3", "--batch", "--disable-coloring", "--skip-waf",
    "--timeout", "15", "--retries", "1", "--time-sec", "3",
]
SQLMAP_SECONDS_PER_PARAMETER = 150
SQLMAP_PARALLEL = 2

# Each pass crawls one folder, anonymously or signed in as a role (an account the scan creates).
# Signed-in passes stay inside their folder, so they never reach the sign-out form.
WAPITI_PASSES = [
    (None, "/en/"),
    ("admin", "/en/backoffice/"),
    ("tourist", "/en/account/"),
    ("lodging_manager", "/en/lodging/"),
]
# Pages that would end the scan's own session or account (wildcards after the server's address).
WAPITI_EXCLUDED = ["/*/account/sign-out*", "/*/account/sessions/*", "/*/account/delete*"]
# xss finds reflected XSS and permanentxss the stored kind from the same taints; sql is error- and
# boolean-based SQL injection; http_headers, cookieflags and csp check the answers' protections.
WAPITI_MODULES = "xss,permanentxss,sql,http_headers,cookieflags,csp"
WAPITI_CRAWL_SECONDS = 120
WAPITI_MODULE_SECONDS = 360
WAPITI_OPTIONS = [
    "--scope", "folder", "--depth", "4", "--max-links-per-page", "60", "--max-files-per-dir", "150",
    # "sneaky" caps how many URLs of one path with the same parameter names are crawled (54 with one
    # parameter, 13 with two, 1 with four): one place-list filter value exercises the same code as the next.
    "--scan-force", "sneaky",
    # Bounds: crawling, then each module; the summary says when a bound cut a scan short.
    "--max-scan-time", str(WAPITI_CRAWL_SECONDS), "--max-attack-time", str(WAPITI_MODULE_SECONDS),
    "--tasks", "4", "--timeout", "15",
    "--flush-session", "--no-bugreport", "--verbose", "1",
    # Flask-WTF's signed CSRF token: a tampered one is refused before any view code runs.
    "--skip", "csrf_token",
    # Wapiti resolves its DNS endpoint at start-up even when log4shell is off: keep that lookup local.
    "--dns-endpoint", "localhost",
]
# The hard limit on one pass follows from wapiti's own bounds: the crawl, then the three attacking
# modules (xss, permanentxss, sql) each up to its bound (the header checks take seconds), plus
# room for a slow machine. A tighter limit killed a pass that was within its bounds.
WAPITI_SECONDS = WAPITI_CRAWL_SECONDS + 3 * WAPITI_MODULE_SECONDS + 300

SIGNIN_PATH = "/en/account/sign-in"
# The roles the scan can sign in as; lodging roles belong to a demo establishment (demo-data loads it).
ROLES = ("tourist", "officer", "admin", "lodging_manager")
ESTABLISHMENT = {"lodging_manager": "doi-thong-homestay"}

# Scanners talk to 127.0.0.1 only: no proxy, and no terminal escapes in the captured output.
SCANNER_ENV = {**os.environ, "NO_PROXY": "*", "no_proxy": "*", "TERM": "dumb"}

EXCLUSION_KEYS = {
    "bandit": {"test", "file", "code"},
    "sqlmap": {"target", "parameter", "kind"},
    "wapiti": {"category", "module", "path", "parameter", "info"},
    "server": {"info"},
}


@dataclass
class Finding:
    """One thing a scanner reported: a line for people, fields for exclusions."""

    scanner: str
    title: str
    fields: dict = field(default_factory=dict)


@dataclass
class Outcome:
    """What one scanner returned: findings, failures of the scan itself, and notes."""

    found: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)


@dataclass
class ScanResult:
    """One scanner's findings after exclusions, with its errors, notes and duration."""

    name: str
    findings: list = field(default_factory=list)
    excluded: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seconds: float = 0.0


# -- exclusions -----------------------------------------------------------------------------

def load_exclusions(path: Path = EXCLUSIONS_FILE) -> list[dict]:
    """Read the written-down false positives, refusing any without a reason or with unknown keys."""
    rules = tomllib.loads(path.read_text(encoding="utf-8")).get("exclude", [])
    for number, rule in enumerate(rules, 1):
        scanner = rule.get("scanner")
        if scanner not in EXCLUSION_KEYS:
            sys.exit(f"{path}: exclusion {number} has no known scanner ({', '.join(EXCLUSION_KEYS)})")
        if not str(rule.get("reason", "")).strip():
            sys.exit(f"{path}: exclusion {number} has no reason")
        unknown = set(rule) - EXCLUSION_KEYS[scanner] - {"scanner", "reason"}
        if unknown:
            sys.exit(f"{path}: exclusion {number} has unknown keys for {scanner}: {', '.join(sorted(unknown))}")
    return rules


def excluding_rule(rules: list[dict], finding: Finding) -> dict | None:
    """Return the exclusion that explains a finding, if one does."""
    for rule in rules:
        if rule["scanner"] != finding.scanner:
            continue
        keys = [k for k in rule if k not in ("scanner", "reason")]
        if all(fnmatch.fnmatchcase(str(finding.fields.get(k, "")), str(rule[k])) for k in keys):
            return rule
    return None


# -- the local server -----------------------------------------------------------------------

def free_port() -> int:
    """Ask the OS for a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(workdir: Path) -> dict:
    """Production settings with throwaway keys, a fresh SQLite database and no outside calls."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "WAREHOUSE_DATABASE_URL", "REDIS_URL", "SITE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'scan.db'}",
        # The warehouse beside it: by default it would be the developer's instance/warehouse.db.
        WAREHOUSE_DATABASE_URL=f"sqlite:///{workdir / 'scan-warehouse.db'}",
        TOURISM_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(32),
        DATA_KEY=secrets.token_urlsafe(32),
        # Scanners send thousands of requests; the sign-in limits are covered by the test suite.
        RATELIMIT_ENABLED="false",
        # Every request must reach the view, not a cached copy of the page.
        PAGE_CACHE_SECONDS="0",
        # A closed port: the weather box shows "unavailable" at once instead of calling out.
        WEATHER_URL="http://127.0.0.1:9",
        FLASK_APP="app",
    )
    return env


def prepare_database(env: dict) -> str | None:
    """Create the schema, load the demo content and the warehouse; return an error message on failure."""
    for args in (["db", "upgrade"], ["demo-data"], ["warehouse", "refresh"]):
        done = subprocess.run([APP_BIN / "flask", "--app", "app", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if done.returncode:
            return f"flask {' '.join(args)} failed:\n{(done.stdout + done.stderr)[-3000:]}"
    return None


def make_certificate(workdir: Path) -> tuple[Path, Path]:
    """Create a self-signed certificate for the scan's HTTPS server."""
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run([SCAN_BIN / "python", HERE / "certificate.py", cert, key], check=True)
    return cert, key


def start_server(env: dict, port: int, workdir: Path) -> subprocess.Popen | None:
    """Start gunicorn over HTTPS in its own process group and wait until /healthz answers."""
    cert, key = make_certificate(workdir)
    command = [
        APP_BIN / "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60",
        "--certfile", cert, "--keyfile", key,
        # Gunicorn's control socket defaults to one path per user, shared with any other server.
        "--no-control-socket",
        "--access-logfile", workdir / "access.log", "--access-logformat", "%(s)s %(m)s %(U)s",
        "--error-logfile", workdir / "server.log", "app:app",
    ]
    server = subprocess.Popen([str(part) for part in command], cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    unverified = ssl._create_unverified_context()  # noqa: S323 - our own throwaway certificate
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz", timeout=2,
                                        context=unverified) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    return None


def stop_server(server: subprocess.Popen) -> None:
    """Stop gunicorn and its workers (its own process group only)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def scan_server_logs(workdir: Path) -> Outcome:
    """Report 5xx answers and logged exceptions: bad input must never crash a view."""
    outcome = Outcome()
    statuses: dict[tuple[str, str], int] = {}
    access = workdir / "access.log"
    for line in access.read_text(errors="replace").splitlines() if access.exists() else []:
        status, _, request = line.partition(" ")
        if status.startswith("5"):
            statuses[(status, request)] = statuses.get((status, request), 0) + 1
    for (status, request), count in sorted(statuses.items()):
        info = f"HTTP {status} on {request} ({count}x)"
        outcome.found.append(Finding("server", info, {"info": info}))
    log = workdir / "server.log"
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        if "Exception on " in line or "WORKER TIMEOUT" in line:
            info = line.split("] ", 3)[-1].strip()
            outcome.found.append(Finding("server", f"logged: {info}", {"info": info}))
    outcome.notes.append(f"{sum(1 for _ in access.open(errors='replace')) if access.exists() else 0} requests served")
    return outcome


# -- bandit ---------------------------------------------------------------------------------

def run_bandit(workdir: Path) -> Outcome:
    """Scan the code with bandit and return its issues."""
    report = workdir / "bandit.json"
    command = [SCAN_BIN / "bandit", "-r", *BANDIT_PATHS, *BANDIT_THRESHOLDS, "-q", "-f", "json", "-o", report]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 1) or not report.exists():
        return Outcome(errors=[f"bandit exited {done.returncode}: {done.stderr.strip()[-2000:]}"])
    data = json.loads(report.read_text())
    outcome = Outcome(errors=[f"bandit could not scan {e['filename']}: {e['reason']}" for e in data["errors"]])
    for issue in data["results"]:
        numbered = dict(line.split(" ", 1) for line in issue["code"].splitlines() if " " in line)
        code = numbered.get(str(issue["line_number"]), "").strip()
        title = (
            f"{issue['test_id']} {issue['issue_severity']}/{issue['issue_confidence']} "
            f"{issue['filename']}:{issue['line_number']}: {issue['issue_text']} | {code}"
        )
        fields = {"test": issue["test_id"], "file": issue["filename"], "code": code}
        outcome.found.append(Finding("bandit", title, fields))
    metrics = data.get("metrics", {}).get("_totals", {})
    outcome.notes.append(f"{metrics.get('loc', '?')} lines scanned in {' '.join(BANDIT_PATHS)}")
    return outcome


# -- sqlmap ---------------------------------------------------------------------------------

@dataclass
class Target:
    """One line of sqlmap-targets.txt: a URL, the parameters to test, the role to sign in as."""

    url: str
    params: list[str]
    role: str | None


def read_targets(path: Path = TARGETS_FILE) -> list[Target]:
    """Parse the target list: `<path?query> [as=admin] [p=a,b]` per line, # for comments."""
    targets = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        url, *options = line.split()
        extra = dict(option.split("=", 1) for option in options if "=" in option)
        if not url.startswith("/") or set(extra) - {"as", "p"} or len(extra) != len(options):
            sys.exit(f"{path}:{number}: expected `<path?query> [as=admin] [p=a,b]`, got {raw!r}")
        query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
        params = extra["p"].split(",") if "p" in extra else list(dict.fromkeys(k for k, _ in query))
        if not params:
            sys.exit(f"{path}:{number}: {url} has no query parameter to test")
        targets.append(Target(url=url, params=params, role=extra.get("as")))
    return targets


class FormReader(HTMLParser):
    """Collect the action and inputs of every form on a page."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "inputs": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"].append(attrs)


def account_email(role: str) -> str:
    """Return the address of the account the scan creates for a role."""
    return f"security-{role}@example.com"


def create_accounts(env: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Create one confirmed account per role with `flask users create`; return passwords and failures."""
    passwords, problems = {}, {}
    for role in ROLES:
        password = secrets.token_urlsafe(24)
        command = [APP_BIN / "flask", "--app", "app", "users", "create", "--email", account_email(role),
                   "--role", role, "--locale", "en"]
        if role in ESTABLISHMENT:
            command += ["--establishment", ESTABLISHMENT[role]]
        done = subprocess.run(command, cwd=ROOT, env={**env, "USER_PASSWORD": password},
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if done.returncode:
            problems[role] = f"`flask users create` failed: {(done.stdout + done.stderr).strip()[-300:]}"
        else:
            passwords[role] = password
    return passwords, problems


class Sessions:
    """Sign in once per role through the HTML form, on demand, and keep the session cookie."""

    def __init__(self, base: str, passwords: dict[str, str], problems: dict[str, str]):
        self.base = base
        self.passwords = passwords
        self.problems = dict(problems)
        self.cookies: dict[str, dict[str, str]] = {}

    def cookie(self, role: str) -> dict[str, str]:
        """Return the cookies of a signed-in session, or raise RuntimeError saying why not."""
        if role not in ROLES:
            raise RuntimeError(f"unknown role {role!r} (the scan signs in as {', '.join(ROLES)})")
        if role not in self.cookies and role not in self.problems:
            try:
                self.cookies[role] = sign_in(self.base, account_email(role), self.passwords[role])
            except (RuntimeError, OSError) as error:
                self.problems[role] = str(error)
        if role in self.problems:
            raise RuntimeError(f"cannot sign in as {role}: {self.problems[role]}")
        return self.cookies[role]


def sign_in(base: str, email: str, password: str) -> dict[str, str]:
    """Sign in through the HTML form and return the cookies of the signed-in session."""
    import requests  # in the app's venv

    http = requests.Session()
    http.trust_env = False
    http.verify = False  # the scan's own self-signed certificate
    requests.packages.urllib3.disable_warnings()
    url = base + SIGNIN_PATH
    page = http.get(url, timeout=15)
    if page.status_code != 200:
        raise RuntimeError(f"GET {SIGNIN_PATH} answered {page.status_code}")
    reader = FormReader()
    reader.feed(page.text)
    form = next((f for f in reader.forms if any(i.get("type") == "password" for i in f["inputs"])), None)
    if form is None:
        raise RuntimeError(f"no form with a password field at {SIGNIN_PATH}")
    data = {}
    for item in form["inputs"]:
        name, kind = item.get("name"), (item.get("type") or "text").lower()
        if not name or kind in ("submit", "button", "checkbox", "radio"):
            continue
        if kind == "password":
            data[name] = password
        elif kind == "email" or name.lower() in ("email", "username", "login"):
            data[name] = email
        else:
            data[name] = item.get("value", "")
    # Flask-WTF checks the Referer of HTTPS form posts, as a browser sends it.
    answer = http.post(urljoin(url, form["action"]), data=data, headers={"Referer": url},
                       allow_redirects=False, timeout=15)
    if answer.status_code not in (302, 303) or SIGNIN_PATH.rsplit("/", 1)[1] in answer.headers.get("Location", ""):
        raise RuntimeError(f"signing in as {email} was refused (HTTP {answer.status_code})")
    return {cookie.name: cookie.value for cookie in http.cookies}


def sqlmap_hits(output: str) -> list[tuple[str, str, str]]:
    """Pull (parameter, kind, detail) of every injection or heuristic hit out of sqlmap's output."""
    hits = []
    # The heuristics: DBMS error text in the page (basic), unescaped <>'" (XSS), file inclusion (FI).
    for match in re.finditer(r"heuristic \((\w+)\) test shows that \S+ parameter '([^']+)' might be [^\n]*",
                             output):
        hits.append((match[2], f"heuristic-{match[1].lower()}", match[0]))
    # The injection points sqlmap confirmed, as listed after "identified the following injection point(s)".
    for parameter, place, block in re.findall(r"Parameter: (\S+) \((\w+)\)\n(.*?)(?=^---|^Parameter: |\Z)", output,
                                              re.DOTALL | re.MULTILINE):
        for kind, title in re.findall(r"Type: (.*)\n\s+Title: (.*)", block):
            hits.append((parameter, kind.strip(), f"{place} {title.strip()}"))
    return hits


def sqlmap_target(base: str, target: Target, cookies: dict[str, str] | None, outdir: Path) -> Outcome:
    """Run sqlmap on one URL and read its verdict."""
    outcome = Outcome()
    command = [SCAN_BIN / "sqlmap", "-u", base + target.url, "-p", ",".join(target.params),
               "--output-dir", outdir, *SQLMAP_OPTIONS]
    if cookies:
        command += ["--cookie", "; ".join(f"{name}={value}" for name, value in cookies.items())]
    limit = SQLMAP_SECONDS_PER_PARAMETER * len(target.params)
    started = time.monotonic()
    try:
        done = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=limit, env=SCANNER_ENV)
        output = done.stdout + done.stderr
    except subprocess.TimeoutExpired as expired:
        outcome.errors.append(f"{target.url}: sqlmap did not finish within {limit} s")
        output = (expired.stdout or b"").decode(errors="replace")
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "console.txt").write_text(output)
    outcome.notes.append(f"{target.url} [{', '.join(target.params)}]: {time.monotonic() - started:.0f} s")
    for parameter, kind, detail in sqlmap_hits(output):
        fields = {"target": target.url, "parameter": parameter, "kind": kind}
        outcome.found.append(Finding("sqlmap", f"{target.url} parameter {parameter}: {kind}: {detail}", fields))
    # sqlmap records the injection points it confirmed in <output-dir>/<host>/log.
    if not outcome.found and any(log.stat().st_size for log in outdir.glob("*/log")):
        fields = {"target": target.url, "parameter": "", "kind": "log"}
        outcome.found.append(Finding("sqlmap", f"{target.url}: injection recorded in sqlmap's log", fields))
    for line in output.splitlines():
        if "[CRITICAL]" in line and "do not appear to be injectable" not in line:
            outcome.errors.append(f"{target.url}: {line.split('[CRITICAL]', 1)[1].strip()}")
    if "do not appear to be injectable" not in output and not outcome.found:
        shown = REPORTS / outdir.relative_to(outdir.parent.parent) / "console.txt"
        outcome.errors.append(f"{target.url}: sqlmap gave no verdict (see {shown.relative_to(ROOT)})")
    return outcome


def run_sqlmap(base: str, workdir: Path, sessions: Sessions) -> Outcome:
    """Run sqlmap on every target, two at a time, signed in first for those that name a role."""
    outcome = Outcome()
    jobs = []
    for number, target in enumerate(read_targets(), 1):
        cookies = None
        if target.role:
            try:
                cookies = sessions.cookie(target.role)
            except RuntimeError as error:
                outcome.errors.append(f"{target.url}: not scanned, {error}")
                continue
        jobs.append((base, target, cookies, workdir / "sqlmap" / str(number)))
    # sqlmap spends most of its time comparing pages on one core: two at once use both.
    with ThreadPoolExecutor(max_workers=SQLMAP_PARALLEL) as pool:
        for one in pool.map(lambda job: sqlmap_target(*job), jobs):
            outcome.found += one.found
            outcome.errors += one.errors
            outcome.notes += one.notes
    return outcome


# -- wapiti ---------------------------------------------------------------------------------

def wapiti_pass(base: str, start: str, cookies: dict[str, str] | None, workdir: Path, name: str) -> Outcome:
    """Crawl and attack one folder with wapiti and read its JSON report."""
    report = workdir / f"{name}.json"
    command = [
        SCAN_BIN / "wapiti", "-u", base + start, "-m", WAPITI_MODULES, *WAPITI_OPTIONS,
        "--store-session", workdir / f"{name}-session", "--store-config", workdir / "wapiti-config",
        "-f", "json", "-o", report,
    ]
    for pattern in WAPITI_EXCLUDED:
        command += ["--exclude", base + pattern]
    # Flask-WTF refuses HTTPS form posts without a same-origin Referer; a browser sends one, and
    # without it every attack on a form would stop at the CSRF check.
    command += ["--header", f"Referer: {base}{start}"]
    if cookies:
        # A cookie file, not a fixed Cookie header: the session's cookie changes as the app
        # sets its CSRF token, and only wapiti's cookie jar follows that.
        jar = {"127.0.0.1": {"/": {
            name: {"value": value, "expires": None, "secure": True, "port": None, "version": 0}
            for name, value in cookies.items()
        }}}
        (workdir / f"{name}-cookies.json").write_text(json.dumps(jar))
        command += ["--cookie", workdir / f"{name}-cookies.json"]
    started = time.monotonic()
    try:
        done = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=WAPITI_SECONDS, env=SCANNER_ENV)
    except subprocess.TimeoutExpired:
        return Outcome(errors=[f"{start}: wapiti did not finish within {WAPITI_SECONDS} s"])
    output = done.stdout + done.stderr
    (workdir / f"{name}-console.txt").write_text(output)
    if done.returncode != 0 or not report.exists():
        return Outcome(errors=[f"{start}: wapiti exited {done.returncode}: {output.strip()[-2000:]}"])
    outcome = Outcome()
    crawled = re.findall(r"Wapiti found (\d+) URLs and forms", output)
    outcome.notes.append(f"{start}: {crawled[-1] if crawled else '?'} URLs and forms, "
                         f"{time.monotonic() - started:.0f} s")
    outcome.notes += [
        f"{start}: PARTIAL, {line.strip()}" for line in output.splitlines()
        if "time was reached" in line or "requests were skipped due to network issues" in line
    ]
    data = json.loads(report.read_text())
    # "vulnerabilities" are the modules' findings; "anomalies" are 500 answers and timeouts that
    # the attacks provoked. "additionals" only hold fingerprinting notes.
    for section in ("vulnerabilities", "anomalies"):
        for category, items in data.get(section, {}).items():
            for item in items:
                fields = {"category": category, "module": item.get("module", ""), "path": item.get("path", ""),
                          "parameter": item.get("parameter", ""), "info": item.get("info", "")}
                title = f"{category}: {item.get('method', '')} {fields['path']}"
                if fields["parameter"]:
                    title += f" parameter {fields['parameter']}"
                title += " | " + " ".join(fields["info"].split())
                outcome.found.append(Finding("wapiti", title, fields))
    return outcome


def run_wapiti(base: str, workdir: Path, sessions: Sessions) -> Outcome:
    """Run every wapiti pass, signed in where the pass names a role."""
    outcome = Outcome()
    for number, (role, start) in enumerate(WAPITI_PASSES, 1):
        cookies = None
        if role:
            try:
                cookies = sessions.cookie(role)
            except RuntimeError as error:
                outcome.errors.append(f"{start}: not scanned, {error}")
                continue
        one = wapiti_pass(base, start, cookies, workdir, f"wapiti-{number}-{role or 'anonymous'}")
        outcome.found += one.found
        outcome.errors += one.errors
        outcome.notes += one.notes
    return outcome


# -- main -----------------------------------------------------------------------------------

def run(name: str, scan, rules: list[dict], used: set[int]) -> ScanResult:
    """Time one scanner and sort its findings through the exclusions."""
    print(f"== {name} …", flush=True)
    started = time.monotonic()
    outcome = scan()
    result = ScanResult(name, errors=outcome.errors, notes=outcome.notes, seconds=time.monotonic() - started)
    for finding in outcome.found:
        rule = excluding_rule(rules, finding)
        if rule is None:
            result.findings.append(finding)
        else:
            used.add(id(rule))
            result.excluded.append((finding, rule["reason"]))
    return result


def summary(results: list[ScanResult], rules: list[dict], used: set[int]) -> int:
    """Print every scanner's outcome and return the exit status."""
    print("\n== security scan summary")
    failed = not results
    for result in results:
        ok = not (result.findings or result.errors)
        failed |= not ok
        print(f"-- {result.name}: {'OK' if ok else 'FAIL'}, {len(result.findings)} finding(s), "
              f"{len(result.excluded)} excluded, {len(result.errors)} error(s), {result.seconds:.0f} s")
        for finding in result.findings:
            print(f"   FINDING  {finding.title}")
        for finding, reason in result.excluded:
            print(f"   excluded {finding.title}\n            because {reason}")
        for error in result.errors:
            print(f"   ERROR    {error}")
        for note in result.notes:
            print(f"   note     {note}")
    ran = {result.name for result in results}
    for rule in rules:
        if id(rule) not in used and rule["scanner"] in ran:
            print(f"   stale exclusion (matched nothing this run): {rule}")
    print(f"Reports in {REPORTS.relative_to(ROOT)}/")
    passed = sum(1 for result in results if not (result.findings or result.errors))
    print(f"security: {passed} passed, {len(results) - passed} failed")
    return 1 if failed else 0


def keep_reports(workdir: Path) -> None:
    """Copy the scanners' reports and logs to security/reports/, replacing the last run's."""
    shutil.rmtree(REPORTS, ignore_errors=True)
    REPORTS.mkdir(parents=True)
    for item in workdir.iterdir():
        if item.name.startswith(("scan.db", "key.pem", "cert.pem", "wapiti-config")) or "cookies" in item.name:
            continue
        (shutil.copytree if item.is_dir() else shutil.copy2)(item, REPORTS / item.name)


def main() -> int:
    """Set up the server, run the scans, always stop the server, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["bandit", "sqlmap", "wapiti"], action="append",
                        help="run only this scanner (repeatable)")
    wanted = set(parser.parse_args().only or ["bandit", "sqlmap", "wapiti"])
    for tool in ("bandit", "sqlmap", "wapiti"):
        if not (SCAN_BIN / tool).exists():
            sys.exit(f"{SCAN_BIN / tool} is missing: `make security` creates .venv-security")
    rules = load_exclusions()
    used: set[int] = set()
    results = []
    workdir = Path(tempfile.mkdtemp(prefix="tourism-security-"))
    try:
        if "bandit" in wanted:
            results.append(run("bandit", lambda: run_bandit(workdir), rules, used))
        if wanted & {"sqlmap", "wapiti"}:
            print("== starting the app in production mode with demo data …", flush=True)
            env = app_environment(workdir)
            port = free_port()
            base = f"https://127.0.0.1:{port}"
            error = prepare_database(env)
            passwords, problems = create_accounts(env) if not error else ({}, {})
            server = None if error else start_server(env, port, workdir)
            if server is None:
                error = error or f"the app did not answer {base}/healthz within 60 s (see server.log)"
                results.append(ScanResult("server", errors=[error]))
            else:
                sessions = Sessions(base, passwords, problems)
                try:
                    if "sqlmap" in wanted:
                        results.append(run("sqlmap", lambda: run_sqlmap(base, workdir, sessions), rules, used))
                    if "wapiti" in wanted:
                        results.append(run("wapiti", lambda: run_wapiti(base, workdir, sessions), rules, used))
                finally:
                    stop_server(server)
                results.append(run("server", lambda: scan_server_logs(workdir), rules, used))
    finally:
        keep_reports(workdir)
        shutil.rmtree(workdir, ignore_errors=True)
    return summary(results, rules, used)


if __name__ == "__main__":
    sys.exit(main())
