"""Markup, character references and URLs read as the recipient sees them (a second reading).

A word can hide behind markup that a chat app, a mail client or a browser renders away, or behind
an encoding that a link shows decoded: ``**ki**ll`` and ``k**ill**`` (Markdown emphasis),
``&#107;ill``, ``k&#105;ll`` (HTML character references), ``k<b>i</b>ll``,
``<span>po</span>lice`` (tags), ``%6Bill``, ``%E8%80%81%E8%B5%96`` (percent-encoding, here 老赖),
and the path or query of a URL (``https://pay.example.com/we-will-tell-your-employer``,
``?msg=we+will+sue+you``), whose words the Latin view joins into one (its joiners ``-``, ``_``,
``.`` and ``+`` glue words together).

Heed sends e-mail as plain text and prints letters with their text escaped, so no channel of its
own renders any of this; but an SMS or IM provider, a chat app or a mail client may. A reference
or a tag must never hide a word in any channel, so texts with such markup get a second reading,
:func:`rendered`, whatever the channel: the text as rendered, with

* Markdown emphasis and code markers removed: a run of one to three ``*``, ``_``, ``~`` or
  ````` that touches a letter and is closed by the same run further on the line (a single
  ``_`` or ``~`` between two letters is a joiner the Latin view already drops:
  ``snake_case_ids`` gets no reading; a lone run such as ``f*ck`` is no emphasis);
* HTML comments and tags removed (a block tag such as ``<br>`` or ``</p>`` is a space), named and
  numeric character references decoded (``&amp;`` → ``&``, ``&nbsp;`` → a no-break space);
* percent-escapes decoded (runs of them as UTF-8);
* in a URL's path, query and fragment (never its host: ``actionfraud.police.uk`` stays one
  name), ``/ - _ + = ? & . # ~ : ; , !`` read as spaces, so the words are words again.

The screener scans the reading's CJK and Latin views (built by the usual normalisation, with
their own second readings) as it scans the other second readings; every character of the
reading maps back to the original characters it was rendered from (a decoded reference to the
whole reference), so findings point at the text as written. Texts without a trigger character
(``* _ ~ ` & < % /``) cost one regular-expression search; texts whose markup changes nothing
the views see get no reading.

Pure Python, no database.
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # normalize imports this module; its names are imported where they are used
    from heed.screening.engine.normalize import Offsets, View

# The cheap test: a text without any of these has no markup, reference, escape or URL.
_TRIGGER = re.compile(r"[*_~`&<%/]")

# URLs: with a scheme, starting www., or a bare domain name followed by a path.
_URL = re.compile(
    r"(?:[a-z][a-z0-9+.-]{1,9}://|www\.)[^\s<>\"'`]+"
    r"|(?<![\w@.\-])[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
    r"\.[a-z]{2,24}/[^\s<>\"'`]*",
    re.IGNORECASE,
)
# Where a URL's host ends: its first "/", "?" or "#" after the scheme.
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{1,9}://", re.IGNORECASE)
_HOST_END = re.compile(r"[/?#]")
# Characters of a path or query that separate words.
_URL_SEPARATORS = frozenset("/-_+=?&.#~:;,!()[]{}|*'\"")
_PERCENT_RUN = re.compile(r"(?:%[0-9a-f]{2})+", re.IGNORECASE)
# Hosts of public authorities, whose paths are their own pages ("consumerfinance.gov/ask-cfpb/
# can-a-debt-collector-threaten-to-have-me-arrested-…"): read as written.
_PUBLIC_HOSTS = (".gov", ".gov.uk", ".gov.cn", ".police.uk", ".nhs.uk", ".mil", ".gov.au")

# Outside URLs: HTML comments and tags, character references, percent-escapes, Markdown markers.
_MARKUP = re.compile(
    r"(?P<comment><!--)"
    r"|(?P<tag></?(?P<name>[a-z][a-z0-9]*)(?:[\s/][^<>]*)?>)"
    r"|(?P<reference>&(?:#[0-9]{1,7};?|#x[0-9a-f]{1,6};?|[a-z][a-z0-9]{1,31};))"
    r"|(?P<escapes>(?:%[0-9a-f]{2})+)"
    r"|(?P<markers>[*_~`]+)",
    re.IGNORECASE | re.DOTALL,
)
# Tags a renderer shows as a break between words; any other tag (b, i, span, a, font…) as nothing.
_BLOCK_TAGS = frozenset(
    (
        *("address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl"),
        *("dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("header", "hr", "img", "li", "main", "nav", "ol", "p", "pre", "section", "table"),
        *("tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul"),
    )
)
# A single "_" or "~" between two letters or digits is a joiner the Latin view drops already.
_JOINER_MARKERS = frozenset("_~")
# Emphasis is one to three markers (``*a*``, ``**a**``, ``***a***``; ``~~a~~``; code spans),
# opened and closed on one line, a few words apart.
_MARKERS_MAX = 3
_EMPHASIS_REACH = 80

# One edit: original ``[start, end)`` rendered as ``pieces`` — each piece a string and the
# original ``[start, end)`` its characters come from.
_Piece = tuple[str, int, int]


@dataclass(frozen=True)
class Rendered:
    """The text as rendered; ``starts[i]``/``ends[i]``: the original span of character ``i``."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]


@dataclass(frozen=True)
class MarkupViews:
    """The CJK and Latin views of :func:`rendered` that differ from the text's own views."""

    cjk: tuple[View, ...] = ()
    latin: tuple[View, ...] = ()


NO_MARKUP = MarkupViews()


def _as_written(text: str, offset: int) -> list[_Piece]:
    return [(char, offset + number, offset + number + 1) for number, char in enumerate(text)]


def _decoded_escapes(run: str, offset: int) -> list[_Piece]:
    """A run of percent-escapes decoded as UTF-8, each character mapped to its escapes; bytes
    that do not decode stay as written."""
    pieces: list[_Piece] = []
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = offset  # where the escapes of the character being decoded start
    for number in range(len(run) // 3):
        start = offset + 3 * number
        byte = bytes((int(run[3 * number + 1 : 3 * number + 3], 16),))
        try:
            char = decoder.decode(byte)
        except UnicodeDecodeError:
            decoder.reset()
            pieces.extend(_as_written(run[pending - offset : start - offset + 3], pending))
            pending = start + 3
            continue
        if char:
            pieces.append((char, pending, start + 3))
            pending = start + 3
    if pending < offset + len(run):  # an unfinished sequence at the end
        pieces.extend(_as_written(run[pending - offset :], pending))
    return pieces


def _url_edits(text: str, start: int, end: int) -> list[tuple[int, int, list[_Piece]]]:
    """The path, query and fragment of the URL ``text[start:end]`` with escapes decoded and
    separators read as spaces; the host is left as written."""
    scheme = _SCHEME.match(text, start, end)
    host_start = scheme.end() if scheme else start
    host_end = _HOST_END.search(text, host_start, end)
    if host_end is None:
        return []
    host = text[host_start : host_end.start()].lower().rpartition("@")[2].partition(":")[0]
    if host.endswith(_PUBLIC_HOSTS):
        return []  # a government's own page (advice on debtors' rights): no collector wrote it
    edits: list[tuple[int, int, list[_Piece]]] = []
    position = host_end.start()
    while position < end:
        char = text[position]
        escapes = _PERCENT_RUN.match(text, position, end) if char == "%" else None
        if escapes is not None:
            pieces = [
                (" " if decoded in _URL_SEPARATORS or decoded.isspace() else decoded, low, high)
                for decoded, low, high in _decoded_escapes(escapes.group(), position)
            ]
            edits.append((position, escapes.end(), pieces))
            position = escapes.end()
            continue
        if char in _URL_SEPARATORS:
            edits.append((position, position + 1, [(" ", position, position + 1)]))
        position += 1
    return edits


def _markers_rendered(text: str, start: int, end: int) -> bool:
    """Whether a run of Markdown markers is markup that hides part of a word: at most three of
    them (a longer run masks: ``3201**********1234``, ``h***@163.com``) touching a letter, and
    not a single ``_``/``~`` between two letters or digits (a joiner)."""
    if end - start > _MARKERS_MAX:
        return False
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if not (before.isalpha() or after.isalpha()):
        return False
    return not (
        end - start == 1 and text[start] in _JOINER_MARKERS and before.isalnum() and after.isalnum()
    )


def _paired(text: str, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The runs of Markdown markers that open and close emphasis: each with the next run of the
    same markers on its line, at most ``_EMPHASIS_REACH`` characters on (``**ki**ll``,
    ``k**ill**``); a run alone (``f*ck``, ``sh*t``) is shown as written."""
    paired: list[tuple[int, int]] = []
    opened: dict[str, tuple[int, int]] = {}
    for start, end in runs:
        run = text[start:end]
        opening = opened.pop(run, None)
        if (
            opening is not None
            and start - opening[1] <= _EMPHASIS_REACH
            and "\n" not in text[opening[1] : start]
        ):
            paired.extend((opening, (start, end)))
        else:
            opened[run] = (start, end)
    return paired


def _markup_edit(text: str, match: re.Match[str]) -> list[_Piece] | None:
    """How one match of ``_MARKUP`` renders (None: as written)."""
    start, end = match.span()
    kind = match.lastgroup
    if kind == "tag":
        return [(" ", start, end)] if match.group("name").lower() in _BLOCK_TAGS else []
    if kind == "reference":
        decoded = html.unescape(match.group())
        if decoded == match.group():
            return None
        return [(char, start, end) for char in decoded]
    decoded_pieces = _decoded_escapes(match.group(), start)
    if all(high - low == 1 for _char, low, high in decoded_pieces):
        return None  # nothing decoded: "100%ABC"
    return decoded_pieces


def _urls_within(urls: list[tuple[int, int]], first: int, end: int) -> list[int]:
    """The numbers of the URLs (in order, none overlapping) from ``first`` on that start before
    ``end``."""
    numbers: list[int] = []
    while first < len(urls) and urls[first][0] < end:
        numbers.append(first)
        first += 1
    return numbers


def _edits(text: str) -> list[tuple[int, int, list[_Piece]]]:
    """Every edit of the text, in order, none overlapping another."""
    urls = [match.span() for match in _URL.finditer(text)]
    edits: list[tuple[int, int, list[_Piece]]] = []
    read_in_tags: set[int] = set()  # URLs in a tag's attributes, read with the tag
    comments: list[tuple[int, int]] = []
    markers: list[tuple[int, int]] = []
    url_number = 0
    covered = 0  # the end of the last comment
    comments_closed = True  # False once a "<!--" has no "-->" after it (nor has any later one)
    for match in _MARKUP.finditer(text):
        start, end = match.span()
        if start < covered:
            continue
        if match.lastgroup == "comment":
            close = text.find("-->", end) if comments_closed else -1
            if close < 0:
                comments_closed = False
                continue  # not a comment: "<!--" is shown as written
            covered = close + 3
            edits.append((start, covered, []))
            comments.append((start, covered))
            continue
        while url_number < len(urls) and urls[url_number][1] <= start:
            url_number += 1
        inside = _urls_within(urls, url_number, end)
        if inside and match.lastgroup == "tag":
            # A URL in an attribute (href="…") is read; the rest of the tag is a space.
            position = start
            for number in inside:
                low, high = urls[number][0], min(urls[number][1], end)
                edits.append((position, low, [(" ", position, low)]))
                edits.extend(_url_edits(text, low, high))
                read_in_tags.add(number)
                position = high
            edits.append((position, end, [(" ", position, end)]))
            continue
        if inside:
            continue  # inside a URL: its path is read below
        if match.lastgroup == "markers":
            if _markers_rendered(text, start, end):
                markers.append((start, end))
            continue
        pieces = _markup_edit(text, match)
        if pieces is not None:
            edits.append((start, end, pieces))
    edits.extend((start, end, []) for start, end in _paired(text, markers))
    comment_number = 0
    for number, (low, high) in enumerate(urls):
        while comment_number < len(comments) and comments[comment_number][1] <= low:
            comment_number += 1
        if comment_number < len(comments) and comments[comment_number][0] <= low:
            continue  # inside a comment: not shown
        if number not in read_in_tags:
            edits.extend(_url_edits(text, low, high))
    edits.sort(key=lambda edit: edit[0])
    return edits


def rendered(text: str) -> Rendered | None:
    """The text as rendered (see the module's docstring); None when it has no markup."""
    if _TRIGGER.search(text) is None:
        return None
    edits = _edits(text)
    if not edits:
        return None
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for start, end, pieces in edits:
        chars.append(text[position:start])
        starts.extend(range(position, start))
        ends.extend(range(position + 1, start + 1))
        for piece, low, high in pieces:
            chars.append(piece)
            starts.extend([low] * len(piece))
            ends.extend([high] * len(piece))
        position = end
    chars.append(text[position:])
    starts.extend(range(position, len(text)))
    ends.extend(range(position + 1, len(text) + 1))
    return Rendered("".join(chars), tuple(starts), tuple(ends))


def _mapped(view: View, reading: Rendered) -> View:
    """``view`` (of the rendered text) with its offsets mapped to the original text."""
    from heed.screening.engine.normalize import View

    def offsets() -> Offsets:
        inner_starts: Sequence[int] = view.starts
        inner_ends: Sequence[int] = view.ends
        outer_starts, outer_ends = reading.starts, reading.ends
        starts: list[int] = []
        ends: list[int] = []
        for start, end in zip(inner_starts, inner_ends, strict=True):
            if end <= start:  # a separator: where the character before it ends
                place = outer_ends[end - 1] if end > 0 else 0
                starts.append(place)
                ends.append(place)
            else:
                starts.append(outer_starts[start])
                ends.append(outer_ends[end - 1])
        return tuple(starts), tuple(ends), view.soft

    return View(view.text, build=offsets, reordered=view.reordered)


def markup_views(original: str, cjk: View, latin: View) -> MarkupViews:
    """The views of ``original`` as rendered, with their own second readings (``k&#105;11``
    renders ``ki11``, read ``kill`` as any ``ki11`` is), where they differ from the text's own
    ``cjk`` and ``latin`` views (:data:`NO_MARKUP` for most texts)."""
    reading = rendered(original)
    if reading is None:
        return NO_MARKUP
    from heed.screening.engine.normalize import build_views

    views = build_views(reading.text)
    return MarkupViews(
        cjk=tuple(
            _mapped(view, reading)
            for view in (views.cjk, *views.cjk_alternates)
            if view.text != cjk.text
        ),
        latin=tuple(
            _mapped(view, reading)
            for view in (views.latin, *views.latin_alternates)
            if view.text != latin.text and view.text.strip()
        ),
    )
