"""Locale selection, locale-prefixed URLs and content-translation fallback."""

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request, url_for
from flask_babel import get_locale
from werkzeug.routing import BaseConverter

LOCALES = ("vi", "en", "ko", "zh", "ja", "ru", "fr")
DEFAULT_LOCALE = "vi"
# Content missing in the visitor's language is shown in English, then Vietnamese.
CONTENT_FALLBACK = ("en", "vi")
# BCP 47 tags for `<html lang>` and `hreflang`; the URL keeps the short code.
LANGUAGE_TAGS = {"zh": "zh-Hans"}
OG_LOCALES = {
    "vi": "vi_VN", "en": "en_US", "ko": "ko_KR", "zh": "zh_CN",
    "ja": "ja_JP", "ru": "ru_RU", "fr": "fr_FR",
}


class LocaleConverter(BaseConverter):
    """Match only the supported locale codes, so `/xx/…` is a 404."""

    regex = "(?:" + "|".join(LOCALES) + ")"


def negotiate_locale() -> str:
    """Pick the best supported locale from Accept-Language, or the default."""
    if not has_request_context():  # the CLI and background jobs
        return DEFAULT_LOCALE
    try:
        best = request.accept_languages.best_match(LOCALES)
    except (ValueError, TypeError):
        best = None
    return best or DEFAULT_LOCALE


def select_locale() -> str:
    """Return the locale of the URL, or the negotiated one for unprefixed URLs."""
    return getattr(g, "locale", None) or negotiate_locale()


def current_locale() -> str:
    """Return the short code of the active locale."""
    return getattr(g, "locale", None) or str(get_locale() or DEFAULT_LOCALE).split("_")[0]


def language_tag(code: str) -> str:
    """Return the BCP 47 tag for a locale code."""
    return LANGUAGE_TAGS.get(code, code)


def native_name(code: str) -> str:
    """Return the language's own name for itself, capitalised, from Babel's data."""
    name = Locale.parse(code).display_name or code
    return name[:1].upper() + name[1:]


def language_name(code: str, in_locale: str) -> str:
    """Return the name of language `code` in language `in_locale`."""
    return Locale.parse(in_locale).languages.get(code, code)


def country_name(code: str, in_locale: str | None = None) -> str:
    """Return the localized name of an ISO 3166 country code."""
    return Locale.parse(in_locale or current_locale()).territories.get(code.upper(), code)


def localized_url(code: str, external: bool = False) -> str:
    """Return the current page in another locale, keeping its query string."""
    endpoint = request.endpoint
    if not endpoint or not current_app.url_map.is_endpoint_expecting(endpoint, "locale"):
        return url_for("portal.home", locale=code, _external=external)
    # Repeated parameters (?category=a&category=b) stay repeated; the path's own values win.
    values = {**request.args.to_dict(flat=False), **(request.view_args or {}), "locale": code}
    return url_for(endpoint, _external=external, **values)


def fallback_chain(locale: str) -> tuple[str, ...]:
    """Return the locales whose content may stand in, best first: locale → English → Vietnamese."""
    return (locale, *[c for c in CONTENT_FALLBACK if c != locale])


def pick_translation(translations, fields: tuple[str, ...], locale: str) -> "Localized":
    """Choose each field from the first locale in the fallback chain that has it."""
    by_locale = {t.locale: t for t in translations}
    chain = fallback_chain(locale)
    values, langs = {}, {}
    for field in fields:
        for code in chain:
            row = by_locale.get(code)
            value = getattr(row, field, None) if row else None
            if value:
                values[field], langs[field] = value, code
                break
        else:
            values[field], langs[field] = "", locale
    return Localized(values, langs, locale)


class Localized:
    """Translated fields of one item, remembering which locale each came from."""

    def __init__(self, values: dict, langs: dict, locale: str):
        self._values = values
        self._langs = langs
        self.locale = locale

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def lang(self, field: str) -> str:
        """Return the BCP 47 tag of the language a field is written in."""
        return language_tag(self._langs[field])

    def is_fallback(self, field: str) -> bool:
        """Say whether a field is shown in another language than the visitor's."""
        return self._langs[field] != self.locale

    def fallback_language(self, field: str) -> str:
        """Return the name, in the visitor's language, of the language a field fell back to."""
        return language_name(self._langs[field], self.locale)


def _pull_locale(endpoint, values):
    if values and "locale" in values:
        g.locale = values.pop("locale")


def _add_locale(endpoint, values):
    if "locale" in values or not getattr(g, "locale", None):
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "locale"):
        values["locale"] = g.locale


def init_app(app: Flask) -> None:
    """Register the locale converter, URL hooks and template helpers."""
    app.url_map.converters["lang"] = LocaleConverter
    app.url_value_preprocessor(_pull_locale)
    app.url_defaults(_add_locale)

    @app.context_processor
    def inject_i18n():
        return {
            "LOCALES": LOCALES,
            "current_locale": current_locale,
            "language_tag": language_tag,
            "native_name": native_name,
            "localized_url": localized_url,
            "country_name": country_name,
            "og_locale": OG_LOCALES,
        }
