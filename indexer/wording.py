"""French wording shared by the command line and `/admin`: dates and counts, written the same way in both."""

from __future__ import annotations

from datetime import datetime

from indexer.vocab import MONTH_NAMES


def french_datetime(value: datetime | str | None) -> str:
    """« 29 novembre 2026 à 17 h 48 » (an ISO string or a datetime), in the time zone it carries."""
    if value is None or value == "":
        return "date inconnue"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return f"{value.day}\u00a0{MONTH_NAMES[value.month - 1]} {value.year} à {value.hour}\u00a0h\u00a0{value.minute:02d}"


def count(n: int, singular: str, plural: str) -> str:
    """« 0 ajouté », « 1 ajouté », « 2 ajoutés » (French: plural from 2), with a thin space every 3 digits."""
    return f"{n:,}".replace(",", "\u202f") + "\u00a0" + (plural if n >= 2 else singular)


def french_date(iso: str | None) -> str:
    """« 10 juin 2016 », « juin 2016 » or « 2016 » from an ISO date as precise as known; "" for none."""
    parts = (iso or "").split("-")
    if not parts[0].isdigit():
        return ""
    if len(parts) >= 2 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        month = f"{MONTH_NAMES[int(parts[1]) - 1]} {parts[0]}"
        return f"{int(parts[2])}\u00a0{month}" if len(parts) == 3 and parts[2].isdigit() else month
    return parts[0]


def page_list(pages: list[int]) -> str:
    """« page 2 », « pages 1 à 3 », « pages 1, 4 et 6 »."""
    if not pages:
        return ""
    if len(pages) == 1:
        return f"page {pages[0]}"
    if pages == list(range(pages[0], pages[-1] + 1)):
        return f"pages {pages[0]} à {pages[-1]}"
    return "pages " + ", ".join(str(p) for p in pages[:-1]) + f" et {pages[-1]}"


def decimal(value: float, places: int = 2) -> str:
    """« 0,48 » : a number with `places` decimals, a French decimal comma and a thin space every 3 digits."""
    return f"{value:,.{places}f}".replace(",", "\u202f").replace(".", ",")
