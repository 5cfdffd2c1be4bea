"""Inline markup of the sources: `**bold**`, `*italic*`, `[text](target)` and backslash escapes.

A line is parsed into a list of `Run` values (text with a style and an optional link target), which the
HTML and PDF renderers turn into markup or drawn words. Markers that are not closed stay literal text and
are reported as problems (a message for the caller to attach to a file and line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Run", "links_of", "parse_inline", "plain_text"]

_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Run:
    """A piece of text with one style; `href` is the raw link target (``pdf:<id>`` or a URL) or None."""

    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None


def parse_inline(line: str, problems: list[str] | None = None) -> list[Run]:
    """Parse one line of inline markup into runs; unclosed markers are kept as text and reported."""
    runs: list[Run] = []
    _parse(line, False, False, None, runs, problems if problems is not None else [])
    return _merge(runs)


def plain_text(line: str) -> str:
    """The text of a line without its markup (links keep their text)."""
    return "".join(run.text for run in parse_inline(line))


def links_of(line: str) -> list[tuple[str, str]]:
    """The `(text, target)` pairs of the links of a line, in order."""
    found: list[tuple[str, str]] = []
    previous: Run | None = None
    for run in parse_inline(line):
        if run.href is not None:
            if previous is not None and previous.href == run.href:
                found[-1] = (found[-1][0] + run.text, run.href)
            else:
                found.append((run.text, run.href))
        previous = run
    return found


def _parse(text: str, bold: bool, italic: bool, href: str | None, out: list[Run], problems: list[str]) -> None:
    """Recursive descent over `text`, appending runs to `out`."""
    buf: list[str] = []

    def flush() -> None:
        if buf:
            out.append(Run("".join(buf), bold, italic, href))
            buf.clear()

    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "*[]()\\_":
            buf.append(text[i + 1])
            i += 2
            continue
        if ch == "[" and href is None:
            match = _LINK.match(text, i)
            if match:
                flush()
                _parse(match.group(1), bold, italic, match.group(2), out, problems)
                i = match.end()
                continue
        if text.startswith("**", i):
            end = text.find("**", i + 2)
            if end > i + 2 and not bold:
                flush()
                _parse(text[i + 2 : end], True, italic, href, out, problems)
                i = end + 2
                continue
            problems.append(f"unclosed bold marker '**' at column {i + 1}")
            buf.append("**")
            i += 2
            continue
        if ch == "*":
            end = _closing_star(text, i + 1)
            if end > i + 1 and not italic and not text[i + 1].isspace():
                flush()
                _parse(text[i + 1 : end], bold, True, href, out, problems)
                i = end + 1
                continue
            if i + 1 < n and not text[i + 1].isspace():
                problems.append(f"unclosed italic marker '*' at column {i + 1}")
            buf.append("*")
            i += 1
            continue
        buf.append(ch)
        i += 1
    flush()


def _closing_star(text: str, start: int) -> int:
    """Index of the single `*` closing an italic span opened before `start`, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith("**", i):
            close = text.find("**", i + 2)
            if close < 0:
                return -1
            i = close + 2
            continue
        if text[i] == "*" and not text[i - 1].isspace():
            return i
        i += 1
    return -1


def _merge(runs: list[Run]) -> list[Run]:
    """Join neighbouring runs of the same style and drop empty ones."""
    merged: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        if merged and (merged[-1].bold, merged[-1].italic, merged[-1].href) == (
            run.bold,
            run.italic,
            run.href,
        ):
            last = merged.pop()
            run = Run(last.text + run.text, run.bold, run.italic, run.href)
        merged.append(run)
    return merged
