"""`python -m search_app`: serve the search page and API (gunicorn workers on Linux, else waitress; see
`search_app.serving`)."""

from __future__ import annotations

import argparse
import logging
import sys

from indexer.config import ConfigError, Settings
from search_app import create_app
from search_app.index_handle import check_index
from search_app.serving import ServeOptions, default_workers, serve

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Parse the options and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m search_app",
        description="Sert la page de recherche et l’API JSON / serves the search app.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="adresse d’écoute (défaut : 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="port (défaut : 5000)")
    parser.add_argument("--index", help="dossier de l’index (défaut : index, ou CRPV_INDEX)")
    parser.add_argument("--corpus", help="dossier du corpus (défaut : corpus, ou CRPV_CORPUS)")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help=f"processus de service, un par cœur (défaut : {default_workers()} ; 1 = un seul processus, waitress)",
    )
    parser.add_argument("--threads", type=int, default=4, help="fils de traitement par processus (défaut : 4)")
    parser.add_argument("--journal-acces", metavar="FICHIER", help="journal des requêtes (avec plusieurs processus)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s", stream=sys.stderr)
    try:
        settings = Settings.load(index=args.index, corpus=args.corpus)
    except ConfigError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    ok, reason = check_index(settings.index)
    if not ok:  # start anyway: the index may be built or repaired while the server runs
        print(f"Attention : {reason}", file=sys.stderr)
        print(
            "Le serveur démarre quand même ; /healthz répondra 503 tant que l’index sera inutilisable.", file=sys.stderr
        )
    if args.workers < 1 or args.threads < 1:
        print("Erreur : --workers et --threads demandent un nombre entier positif.", file=sys.stderr)
        return 2
    print(f"Recherche disponible sur http://{args.host}:{args.port}/", file=sys.stderr)
    options = ServeOptions(args.host, args.port, args.workers, args.threads, args.journal_acces)
    serve(lambda served: create_app({"SETTINGS": served}), settings, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
