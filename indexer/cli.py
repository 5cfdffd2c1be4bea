"""Command line: ``python -m indexer build | update | sync | status | catalogue`` (a thin layer over the library).

Errors that stop a run (corpus missing, index locked…) print one line in French and exit 1; files that fail
are reported, and the run still exits 0.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.cli_parser import FrenchArgumentParser
from indexer.config import Settings
from indexer.errors import IndexerError
from indexer.vocab import NO_YEAR, NO_YEAR_LABEL
from indexer.wording import count, decimal, french_datetime, page_list

if TYPE_CHECKING:
    from indexer.web.harvest import SyncReport

logger = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        prog="python -m indexer",
        description="Indexation des publications du centre de ressources (pages HTML et dossiers PDF).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="journal détaillé")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")

    common = _add_common_options
    build = sub.add_parser("build", help="reconstruit tout l’index (remplacé d’un coup à la fin)")
    common(build)
    update = sub.add_parser("update", help="fichiers nouveaux, modifiés et supprimés seulement")
    common(update)
    update.add_argument(
        "--watch",
        action="store_true",
        help="surveiller le corpus et mettre à jour après chaque changement (Ctrl-C arrête)",
    )
    update.add_argument(
        "--interval",
        type=_seconds(minimum=0.1),
        default=2.0,
        metavar="S",
        help="avec --watch : examiner le corpus toutes les S secondes (défaut : 2)",
    )
    update.add_argument(
        "--debounce",
        type=_seconds(minimum=0.0),
        default=5.0,
        metavar="S",
        help="avec --watch : attendre S secondes sans changement avant la mise à jour (défaut : 5)",
    )
    sync = sub.add_parser(
        "sync", help="suit les sites des centres (API WordPress ou sitemaps), puis met l’index à jour"
    )
    sync.add_argument("urls", nargs="*", metavar="URL", help="sites à suivre (sinon : le fichier des sources)")
    sync.add_argument("--sources", help="fichier des sources (défaut : <corpus>/sources.toml)")
    common(sync)
    sync.add_argument("--no-update", action="store_true", help="ne pas mettre l’index à jour ensuite")
    sync.add_argument("--json", action="store_true", help="rapport JSON")
    status = sub.add_parser("status", help="état de l’index : comptes, échecs, dernière exécution")
    common(status, writes=False)
    status.add_argument("--json", action="store_true", help="sortie JSON")
    catalogue = sub.add_parser("catalogue", help="vérifie le catalogue : lignes ignorées ou appliquées en partie")
    common(catalogue, index=False)
    catalogue.add_argument("--check", action="store_true", help="vérifier le catalogue (action par défaut)")
    catalogue.add_argument("--json", action="store_true", help="sortie JSON")
    return parser


def _add_common_options(p: argparse.ArgumentParser, writes: bool = True, index: bool = True) -> None:
    """The options every command takes: -v again after the command, the corpus, the index, --wait."""
    # -v after the command too (« update -v »); SUPPRESS keeps a -v given before it.
    p.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="journal détaillé")
    if writes:
        p.add_argument("--corpus", help="dossier du corpus (défaut : corpus, ou CRPV_CORPUS)")
    if index:
        p.add_argument("--index", help="dossier de l’index (défaut : index, ou CRPV_INDEX)")
    if writes and index:
        p.add_argument(
            "--wait",
            type=float,
            default=0.0,
            metavar="S",
            help="attendre au plus S secondes qu’une autre exécution finisse",
        )


def _seconds(minimum: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"nombre de secondes attendu : « {raw} »") from None
        if not minimum <= value < float("inf"):
            raise argparse.ArgumentTypeError(f"au moins {minimum:g} s")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    _configure_logging(args.verbose)
    try:
        settings = Settings.load(corpus=getattr(args, "corpus", None), index=getattr(args, "index", None))
        return _run(args, settings)
    except IndexerError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrompu : l’index précédent reste en place.", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            print(
                f"Erreur : disque plein, l’index n’a pas pu être écrit dans {settings.index} ; l’index précédent "
                "reste en place. Libérez de la place puis relancez.",
                file=sys.stderr,
            )
            return 1
        filename = getattr(exc, "filename", "") or ""
        hint = ""
        if exc.errno in (errno.EINVAL, errno.EIO) or not filename:  # e.g. a seek past the end of a truncated file
            hint = " ; si l’index est endommagé, reconstruisez-le avec « python -m indexer build »"
        print(f"Erreur système : {exc.strerror or exc} ({filename}){hint}", file=sys.stderr)
        return 1
    except Exception as exc:  # e.g. an index damaged on disk: one line here, the traceback with -v
        logger.debug("Erreur inattendue", exc_info=True)
        detail = " ".join(str(exc).split())[:200]
        print(
            f"Erreur inattendue ({type(exc).__name__} : {detail}) ; si l’index est endommagé, reconstruisez-le avec "
            "« python -m indexer build » (détail avec -v).",
            file=sys.stderr,
        )
        return 1
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one command; its exit status (a sync whose source could not be read at all: 1)."""
    if args.command == "build":
        from indexer.build import build_index

        _print_report(build_index(settings, wait=args.wait).summary())
    elif args.command == "update" and args.watch:
        from indexer.watch import watch

        watch(settings, interval=args.interval, debounce=args.debounce, wait=args.wait)
    elif args.command == "sync":
        return _sync(settings, args)
    elif args.command == "update":
        from indexer.update import update_index

        _print_report(update_index(settings, wait=args.wait).summary())
    elif args.command == "catalogue":
        _check_catalogue(settings, as_json=args.json)
    else:
        from indexer.status import index_status

        status = index_status(settings.index)
        if args.json:
            print(json.dumps(status, ensure_ascii=False, indent=2))
        else:
            _print_status(status)
    return 0


def _check_catalogue(settings: Settings, as_json: bool) -> None:
    from indexer.catalogue import CATALOGUE_NAME, DELIMITER_NAMES, read_catalogue
    from indexer.corpus import scan_corpus

    files, _ = scan_corpus(settings.corpus)
    catalogue = read_catalogue(settings.corpus, files.keys())
    issues = [
        {"line": i.line, "path": i.path, "reason": i.reason, "effect": i.effect, "ignored": i.ignored}
        for i in catalogue.issues
    ]
    if as_json:
        report = {"file": str(catalogue.file or ""), "rows": catalogue.rows, "issues": issues}
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    if catalogue.file is None:
        print(f"Pas de catalogue : {settings.corpus / CATALOGUE_NAME} n’existe pas.")
        return
    sep = catalogue.delimiter.replace("\t", "⇥")
    print(
        f"Catalogue : {catalogue.file} — séparateur « {sep} » ({DELIMITER_NAMES[catalogue.delimiter]}), "
        f"encodage {catalogue.encoding} ; {count(catalogue.rows, 'ligne', 'lignes')}."
    )
    to_fix = [i for i in catalogue.issues if i.to_fix]
    corrected = [i for i in catalogue.issues if not i.to_fix]
    if to_fix:
        print(f"Colonnes ou lignes ignorées, lignes appliquées en partie ({len(to_fix)}) :")
        for issue in to_fix:
            print(f"  {issue.describe()}")
    else:
        print("Toutes les lignes sont appliquées.")
    if corrected:
        print(f"Lignes appliquées après correction ({len(corrected)}) :")
        for issue in corrected:
            print(f"  {issue.describe()}")


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr
    )
    # httpx logs every request at INFO: the sync's summary says what matters.
    logging.getLogger("httpx").setLevel(logging.DEBUG if verbose else logging.WARNING)
    # pypdf warns in English of what a file's French failure reason already says.
    logging.getLogger("pypdf").setLevel(logging.DEBUG if verbose else logging.ERROR)


def _sync(settings: Settings, args: argparse.Namespace) -> int:
    """Harvest the sources, print one line each (or the JSON report), then update the index.

    The sources' lines come first: an update that cannot run (the index locked) does not hide what was fetched.
    """
    from indexer.web.sources import SOURCES_NAME, SourcesFile, load_sources, source_from_url
    from indexer.web.sync import SyncOptions, sync_sources

    if args.urls:
        sources = SourcesFile(tuple(source_from_url(url) for url in args.urls))
    else:
        sources = load_sources(Path(args.sources) if args.sources else settings.corpus / SOURCES_NAME)
    reports = sync_sources(settings.corpus, sources.sources, SyncOptions.from_settings(settings, sources.contact))
    if not args.json:
        _print_sync_reports(reports)
    summary, failure = None, None
    if not args.no_update and any(not r.fatal for r in reports):
        from indexer.update import update_index

        try:
            summary = update_index(settings, wait=args.wait).summary()
        except IndexerError as exc:
            failure = exc
    if args.json:
        out = {"sources": [r.as_dict() for r in reports], "index": summary, "index_error": failure and str(failure)}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    elif summary:
        _print_report(summary)
    if failure is not None:
        raise failure
    return 1 if any(r.fatal for r in reports) else 0


def _print_sync_reports(reports: list[SyncReport]) -> None:
    from indexer.web.sync import summary_line

    for report in reports:
        print(summary_line(report))
        for note in report.notes:
            print(f"  remarque : {note}")
        for error in report.errors[:20]:
            print(f"  erreur : {error['url']} — {error['reason']}")
        if len(report.errors) > 20:
            print(f"  … et {len(report.errors) - 20} autre(s) erreur(s) (détail avec --json)")
    sys.stdout.flush()  # before the index update, and before its error in a log that takes both streams


def _print_report(summary: dict[str, Any]) -> None:
    verb = "Construction" if summary["mode"] == "build" else "Mise à jour"
    print(
        f"{verb} terminée en {decimal(summary['duration_s'])} s : {summary['added']} ajouté(s), "
        f"{summary['updated']} modifié(s), {summary['removed']} supprimé(s), "
        f"{summary['failed']} en échec, {summary['unchanged']} inchangé(s)."
    )
    if summary.get("relinked"):
        print(f"Relations mises à jour pour {summary['relinked']} document(s) lié(s).")
    for failure in summary.get("failed_paths", []):
        print(f"  échec : {failure['path']} — {failure['reason']}")


def _print_status(status: dict[str, Any]) -> None:
    fmt = status["by_format"]
    print(f"Index : {status['index']}")
    print(f"Documents : {status['documents']} ({fmt['html']} pages web, {fmt['pdf']} PDF ; {status['pages']} pages)")
    years = ", ".join(f"{NO_YEAR_LABEL if y == NO_YEAR else y} : {n}" for y, n in status["by_year"].items())
    print(f"Par année : {years}")
    print("Par thème : " + ", ".join(f"{k} : {v}" for k, v in status["by_theme"].items()))
    print("Par type : " + ", ".join(f"{k} : {v}" for k, v in status["by_type_label"].items()))
    last = status.get("last_run")
    if last:
        mode = "construction complète" if last["mode"] == "build" else "mise à jour"
        print(
            f"Dernière exécution : {mode}, le {french_datetime(last['when'])} — {last['added']} ajouté(s), "
            f"{last['updated']} modifié(s), {last['removed']} supprimé(s), {last['failed']} en échec"
        )
    if status["failures"]:
        print(f"Fichiers en échec ({len(status['failures'])}) :")
        for f in status["failures"]:
            print(f"  {f['path']} — {f['reason']}")
    if status["empty"]:
        print(f"Fichiers sans texte ({len(status['empty'])}) :")
        for f in status["empty"]:
            print(f"  {f['path']} — {f['reason']}")
    _print_ocr(status.get("ocr") or {})
    if status.get("skipped"):
        print(f"Fichiers ignorés ({len(status['skipped'])}) :")
        for f in status["skipped"]:
            print(f"  {f['path']} — {f['reason']}")


# At most this many files per list of `status` in text form (all of them with --json).
STATUS_LIST_LIMIT = 20


def _print_ocr(ocr: dict[str, Any]) -> None:
    """The documents read by OCR and the pages it left unread, with their reason (as /admin gives them)."""
    documents, pages = ocr.get("documents", 0), ocr.get("pages", 0)
    read = f"{count(documents, 'document', 'documents')}, {count(pages, 'page', 'pages')}" if documents else "aucun"
    print(f"Lus par OCR : {read}")
    _print_bounded([f"{d['path']} — {page_list(d['pages'])}" for d in ocr.get("list", [])])
    if ocr.get("unread"):
        print(f"Pages scannées non lues : {count(ocr.get('unread_pages', 0), 'page', 'pages')}")
        _print_bounded([f"{d['path']} — {page_list(d['pages'])} : {d['reason']}" for d in ocr["unread"]])


def _print_bounded(lines: list[str]) -> None:
    for line in lines[:STATUS_LIST_LIMIT]:
        print(f"  {line}")
    if len(lines) > STATUS_LIST_LIMIT:
        print(f"  … et {len(lines) - STATUS_LIST_LIMIT} autre(s) (liste complète avec --json)")
