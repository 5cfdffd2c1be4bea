"""`python -m search_app`: serve the search page and API with waitress (a production WSGI server)."""

from __future__ import annotations

import argparse
import logging
import sys

from indexer.config import ConfigError, Settings
from search_app import create_app
from search_app.index_handle import check_index

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
    parser.add_argument("--threads", type=int, default=8, help="fils de traitement (défaut : 8)")
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
    app = create_app({"SETTINGS": settings})
    from waitress import serve

    print(f"Recherche disponible sur http://{args.host}:{args.port}/", file=sys.stderr)
    serve(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="crpv-recherche",
        max_request_header_size=64 * 1024,  # the app refuses URLs over CRPV_MAX_URL_BYTES anyway
        max_request_body_size=1024 * 1024,  # only small admin forms are ever posted
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
