"""`python -m search_app`: serve the search page and API with waitress (a production WSGI server)."""

from __future__ import annotations

import argparse
import logging
import sys

from indexer.config import Settings
from search_app import create_app
from search_app.engine import index_exists

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
    settings = Settings.load(index=args.index, corpus=args.corpus)
    if not index_exists(settings.index):
        print(
            f"Attention : aucun index dans {settings.index} ; lancez « python -m indexer build ». "
            "/healthz répondra 503 en attendant.",
            file=sys.stderr,
        )
    app = create_app({"SETTINGS": settings})
    from waitress import serve

    print(f"Recherche disponible sur http://{args.host}:{args.port}/", file=sys.stderr)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="crpv-recherche")
    return 0


if __name__ == "__main__":
    sys.exit(main())
