"""An `argparse` parser that speaks French: usage, help headings and the errors argparse itself writes.

argparse writes its messages in English (« the following arguments are required »); the commands of this
project are used by French-speaking documentalists, so the parser translates them before printing.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import IO, NoReturn

# argparse's own messages (Python 3.11 to 3.13), most specific first.
_ERRORS = (
    (r"the following arguments are required: (.*)", r"arguments obligatoires manquants : \1"),
    (r"unrecognized arguments: (.*)", r"arguments non reconnus : \1"),
    (r"argument (\S+): invalid \w+ value: '(.*)'", r"argument \1 : valeur « \2 » invalide"),
    (r"argument (\S+): expected one argument", r"argument \1 : une valeur est attendue"),
    (r"argument (\S+): not allowed with argument (\S+)", r"argument \1 : incompatible avec \2"),
    (r"ambiguous option: (\S+) could match (.*)", r"option ambiguë : \1 peut désigner \2"),
    (r"argument (\S+): (.*)", r"argument \1 : \2"),
)
# Its possible values are quoted 'build' (Python 3.11, 3.12) or bare (3.13): both are given in French quotes.
_INVALID_CHOICE = re.compile(r"argument (\S+): invalid choice: '(.*)' \(choose from (.*)\)", flags=re.DOTALL)
_HEADINGS = (
    ("usage: ", "utilisation : "),
    ("\npositional arguments:\n", "\narguments :\n"),
    ("\noptions:\n", "\noptions :\n"),
)


def french_error(message: str) -> str:
    """argparse's English error `message` in French (our own messages are French already)."""
    choice = _INVALID_CHOICE.fullmatch(message)
    if choice:
        argument, value, choices = choice.groups()
        possible = ", ".join(f"« {name.strip().strip(chr(39))} »" for name in choices.split(", "))
        return f"argument {argument} : choix « {value} » inconnu (possibles : {possible})"
    for pattern, replacement in _ERRORS:
        if re.fullmatch(pattern, message, flags=re.DOTALL):
            return re.sub(pattern, replacement, message, flags=re.DOTALL)
    return message


class FrenchArgumentParser(argparse.ArgumentParser):
    """`argparse.ArgumentParser` whose usage, help and errors are in French (sub-commands inherit it)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def format_usage(self) -> str:
        return _french_headings(super().format_usage())

    def format_help(self) -> str:
        return _french_headings(super().format_help())

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {french_error(message)}\n")

    def print_usage(self, file: IO[str] | None = None) -> None:
        self._print_message(self.format_usage(), file)


def bounded_int(low: int, high: int, out_of_range: str) -> Callable[[str], int]:
    """An argparse `type` for a whole number from `low` to `high`; `out_of_range` is the French message, with
    « {value} » for the number given."""

    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"nombre entier attendu : « {raw} »") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(out_of_range.format(value=value))
        return value

    return parse


def _french_headings(text: str) -> str:
    for english, french in _HEADINGS:
        text = text.replace(english, french)
    return text
