"""The report as one self-contained HTML document: inline CSS, PNGs as data: URIs, no script.

Every piece of text that comes from the user or the data (class names,
feature names, labels, paths, the checks' findings) goes through
:func:`text`, :func:`html.escape` with quotes, so a class named
``<script>alert(1)</script>`` is shown as those characters and never run.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Section", "document", "text"]

_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px;
       color: #222; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
p.note, p.meta { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; font-size: 0.9em; width: 100%; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.ok { background: #e3f4e0; } td.warn { background: #fdf1d6; } td.fail { background: #f8d9d7; }
td.status { font-weight: bold; text-align: center; width: 4em; }
img { max-width: 100%; height: auto; border: 0; }
figure { margin: 0.5em 0; } figcaption { color: #555; font-size: 0.88em; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; }
dl.summary dt { font-weight: bold; } dl.summary dd { margin: 0; }
"""


def text(value: Any) -> str:
    """``value`` as HTML text: ``str(value)`` with ``& < > " '`` escaped."""
    return html.escape(str(value), quote=True)


@dataclass
class Section:
    """One part of the report: a heading, an optional figure and paragraphs of HTML.

    Attributes
    ----------
    id : str
        The anchor (a fixed ASCII word chosen by the report, never user text).
    title : str
        Plain text (escaped here).
    png : bytes or None
        The figure, embedded as a data: URI.
    alt : str
        The figure's plain-text description (escaped here).
    body : list of str
        HTML fragments, already escaped by their author.
    """

    id: str
    title: str
    png: bytes | None = None
    alt: str = ""
    body: list[str] = field(default_factory=list)


def image_tag(png: bytes, alt: str) -> str:
    """An ``<img>`` whose source is the PNG itself (a data: URI), never a file or a URL."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{text(alt)}">'


def checks_table(checks: Sequence[Any]) -> str:
    """The checks (``name``, ``status``, ``finding``, ``advice``) as an HTML table.

    Parameters
    ----------
    checks : sequence of Check

    Returns
    -------
    str
        HTML, every field escaped.
    """
    rows = []
    for check in checks:
        status = str(check.status)
        css = status if status in ("ok", "warn", "fail") else "warn"
        rows.append(f'<tr><td>{text(check.name)}</td><td class="status {css}">{text(status)}'
                    f"</td><td>{text(check.finding)}</td><td>{text(check.advice)}</td></tr>")
    return ('<table class="checks"><thead><tr><th>check</th><th>status</th><th>finding</th>'
            "<th>advice</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def summary_list(items: Sequence[tuple[str, str]]) -> str:
    """Pairs of plain text as a definition list, both sides escaped."""
    return ('<dl class="summary">' + "".join(f"<dt>{text(k)}</dt><dd>{text(v)}</dd>"
                                             for k, v in items) + "</dl>")


def document(title: str, summary: Sequence[tuple[str, str]], sections: Sequence[Section]) -> str:
    """The whole report.

    Parameters
    ----------
    title : str
        Plain text.
    summary : sequence of (str, str)
        Plain-text facts shown under the title (model, data, accuracy).
    sections : sequence of Section

    Returns
    -------
    str
        An HTML5 document that needs nothing but itself: no script, no
        stylesheet or image from elsewhere.
    """
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{text(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{text(title)}</h1>", summary_list(summary)]
    for s in sections:
        parts.append(f'<section id="{text(s.id)}"><h2>{text(s.title)}</h2>')
        if s.png is not None:
            parts.append(f"<figure>{image_tag(s.png, s.alt)}</figure>")
        parts.extend(s.body)
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
