"""`python -m search_app`: serve the search page and API with waitress (a production WSGI server)."""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from typing import Any

from indexer.cli_parser import FrenchArgumentParser, bounded_int
from indexer.config import ConfigError, Settings
from search_app import create_app
from search_app.index_handle import check_index

logger = logging.getLogger(__name__)

# Why a port cannot be listened on, in French (the rest say what the system says).
_BIND_ERRORS = {
    errno.EADDRINUSE: "le port {port} est déjà utilisé sur {host} (un autre serveur ?) : choisissez-en un autre",
    errno.EACCES: "droit refusé d’écouter sur le port {port} (en dessous de 1024, il faut être administrateur)",
    errno.EADDRNOTAVAIL: "l’adresse {host} n’appartient pas à cette machine",
}


def _parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        prog="python -m search_app", description="Sert la page de recherche et l’API JSON (waitress)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="adresse d’écoute (défaut : 127.0.0.1)")
    port = bounded_int(0, 65535, "port {value} hors limites (de 1 à 65535 ; 0 : un port libre)")
    parser.add_argument(
        "--port", type=port, default=5000, help="port, de 1 à 65535 (défaut : 5000 ; 0 : un port libre)"
    )
    parser.add_argument("--index", help="dossier de l’index (défaut : index, ou CRPV_INDEX)")
    parser.add_argument("--corpus", help="dossier du corpus (défaut : corpus, ou CRPV_CORPUS)")
    parser.add_argument(
        "--threads",
        type=bounded_int(1, 256, "{value} fils : de 1 à 256"),
        default=8,
        help="fils de traitement (défaut : 8)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the options and serve until interrupted."""
    args = _parser().parse_args(argv)
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
    from waitress.server import create_server

    try:  # bind first: the address announced is the one listened on, and a busy port is one line
        server = create_server(
            app,
            host=args.host,
            port=args.port,
            threads=args.threads,
            ident="crpv-recherche",
            max_request_header_size=64 * 1024,  # the app refuses URLs over CRPV_MAX_URL_BYTES anyway
            max_request_body_size=1024 * 1024,  # only small admin forms are ever posted
        )
    except OSError as exc:
        reason = _BIND_ERRORS.get(exc.errno or 0, "{error}").format(
            port=args.port, host=args.host, error=exc.strerror or exc
        )
        print(f"Erreur : impossible d’écouter sur {args.host}:{args.port} : {reason}.", file=sys.stderr)
        return 1
    for address in listening_on(server):
        print(f"Recherche disponible sur {address}", file=sys.stderr)
    try:
        server.run()
    except KeyboardInterrupt:
        print("Serveur arrêté.", file=sys.stderr)
    return 0


def listening_on(server: Any) -> list[str]:
    """The addresses a waitress server really listens on (one per socket, the port chosen by the system)."""
    pairs = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    return [f"http://{f'[{host}]' if ':' in str(host) else host}:{port}/" for host, port in pairs]


if __name__ == "__main__":
    sys.exit(main())
