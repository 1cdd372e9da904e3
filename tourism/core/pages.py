"""Request helpers shared by page views: safe query parameters and page caching."""

from datetime import date, datetime
from functools import wraps
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, request, session, url_for

from tourism.extensions import cache

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_now() -> datetime:
    """Return the time in the province."""
    return datetime.now(LOCAL_TZ)


def int_arg(name: str, default: int = 1, minimum: int = 1, maximum: int = 10_000) -> int:
    """Read a bounded integer query parameter, falling back to the default on bad input."""
    try:
        value = int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default
    return value if minimum <= value <= maximum else default


# Filter dates outside this span are typing errors (and would overflow date arithmetic at the edges).
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2100, 12, 31)


def date_arg(name: str, notices: list) -> date | None:
    """Read a YYYY-MM-DD filter; a bad one is ignored with a notice in the visitor's language."""
    from flask_babel import gettext as _

    value = "".join(ch for ch in request.args.get(name, "") if ch.isprintable()).strip()[:40]
    if not value:
        return None
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or not EARLIEST_DATE <= day <= LATEST_DATE:
        notices.append(_("“%(value)s” is not a date; that filter was ignored.", value=value))
        return None
    return day


def flag_arg(name: str) -> bool:
    """Read a checkbox-style query parameter."""
    return request.args.get(name, "").lower() in {"1", "on", "true", "yes"}


def _page_key() -> str:
    from tourism.portal.services import content_version

    # The host is part of the key: pages carry absolute URLs built from it.
    return f"page:{content_version()}:{request.host}{request.full_path}"


def _personal(session) -> bool:
    # A CSRF token alone (left by a form page) changes nothing on public pages; a sign-in or a
    # pending flash message does.
    return any(key != "csrf_token" for key in session)


def cached_page(timeout: int | None = None):
    """Cache a public page per URL and content version, for visitors without a session."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            # PAGE_CACHE_SECONDS caps every page's own timeout; 0 switches page caching off.
            seconds = current_app.config["PAGE_CACHE_SECONDS"]
            if timeout is not None:
                seconds = min(seconds, timeout)
            if seconds <= 0 or _personal(session):
                return view(*args, **kwargs)
            key = _page_key()
            page = cache.get(key)
            if page is None:
                page = view(*args, **kwargs)
                cache.set(key, page, timeout=seconds)
            return page

        return wrapper

    return decorator


def safe_next(target: str | None) -> str | None:
    """Return `target` when it is a path on this site, else None (no open redirects)."""
    if not target or len(target) > 2000:
        return None
    # Browsers treat backslashes as slashes and ignore tabs and newlines inside URLs.
    cleaned = target.replace("\\", "/")
    if any(char in cleaned for char in "\t\r\n") or any(ord(char) < 32 for char in cleaned):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    return target


def absolute_url(endpoint: str, **values) -> str:
    """Return an absolute URL, on `SITE_URL` when it is set (behind a proxy the host may differ)."""
    site = current_app.config["SITE_URL"]
    if site:
        return site + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
