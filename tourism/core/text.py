"""Accent- and case-insensitive text folding for search."""

import functools
import re
import unicodedata

from markupsafe import Markup, escape

# `đ` and `Đ` are letters of their own in Unicode, not `d` plus a mark, so NFD leaves them alone.
_SPECIAL = {
    "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ø": "o", "Ø": "o", "ß": "ss", "æ": "ae", "Æ": "ae",
    "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l", "ё": "е", "Ё": "е",
}
_SPACE = re.compile(r"\s+")


def _is_latin(char: str) -> bool:
    code = ord(char)
    return code < 0x250 or 0x1E00 <= code <= 0x1EFF


@functools.lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """Fold one character to lower-case, without diacritics on Latin letters."""
    if char in _SPECIAL:
        return _SPECIAL[char]
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed and _is_latin(decomposed[0]):
        decomposed = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Marks outside Latin carry meaning (Japanese dakuten, Russian й): keep them, recomposed.
    return unicodedata.normalize("NFC", decomposed).casefold()


def fold(text: str) -> str:
    """Fold text for matching: "Đà Lạt", "da lat" and "DA LAT" all become "da lat"."""
    return _SPACE.sub(" ", "".join(map(fold_char, text or ""))).strip()


def search_terms(query: str, max_terms: int = 8, max_length: int = 100) -> list[str]:
    """Split a query into folded terms, bounded so a huge query stays cheap."""
    folded = fold(query[: max_length * 2])[:max_length]
    terms = [t for t in re.split(r"[\W_]+", folded) if t]
    return list(dict.fromkeys(terms))[:max_terms]


def _folded_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold text and remember, for each folded character, the original index it came from."""
    pieces = list(map(fold_char, text))
    if all(len(piece) == 1 for piece in pieces):
        return "".join(pieces), list(range(len(text)))
    offsets = [index for index, piece in enumerate(pieces) for _ in piece]
    return "".join(pieces), offsets


def highlight(text: str, terms: list[str], width: int = 180) -> Markup:
    """Return an escaped snippet of `text` around the first match, with matches in <mark>."""
    text = text or ""
    folded, offsets = _folded_with_offsets(text)
    spans = []
    for term in terms:
        start = 0
        while term and (found := folded.find(term, start)) != -1:
            end = found + len(term) - 1
            spans.append((offsets[found], offsets[end] + 1))
            start = found + len(term)
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])

    if merged:
        begin = max(0, merged[0][0] - width // 3)
        if begin:
            space = text.rfind(" ", 0, begin)
            begin = space + 1 if space > begin - 20 else begin
    else:
        begin = 0
    finish = min(len(text), begin + width)
    if finish < len(text):
        space = text.rfind(" ", begin, finish)
        finish = space if space > finish - 20 else finish

    out = [Markup("… ") if begin else Markup("")]
    cursor = begin
    for start, end in merged:
        if end <= begin or start >= finish:
            continue
        start, end = max(start, begin), min(end, finish)
        out.append(escape(text[cursor:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        cursor = end
    out.append(escape(text[cursor:finish]))
    if finish < len(text):
        out.append(Markup(" …"))
    return Markup("").join(out)
