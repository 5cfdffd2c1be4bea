"""`python -m search_app`: serve the search page and API (gunicorn workers on Linux, else waitress; see
`search_app.serving`)."""

from __future__ import annotations

import errno
import logging
import socket
import sys

from indexer.cli_parser import FrenchArgumentParser, bounded_int
from indexer.config import ConfigError, Settings
from search_app import create_app
from search_app.index_handle import check_index
from search_app.serving import ServeOptions, default_workers, serve

logger = logging.getLogger(__name__)

# Why a port cannot be listened on, in French (the rest say what the system says).
_BIND_ERRORS = {
    errno.EADDRINUSE: "le port {port} est déjà utilisé sur {host} (un autre serveur ?) : choisissez-en un autre",
    errno.EACCES: "droit refusé d’écouter sur le port {port} (en dessous de 1024, il faut être administrateur)",
    errno.EADDRNOTAVAIL: "l’adresse {host} n’appartient pas à cette machine",
}


def bind_problem(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on, in French, or None: checked before the server announces its
    address (a busy port used to print « Recherche disponible sur … » then a traceback)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"adresse {host} introuvable ({exc.strerror or exc})"
    for family, kind, proto, _name, address in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
            try:
                probe.bind(address)
            except OSError as exc:
                return _BIND_ERRORS.get(exc.errno or 0, "{error}").format(port=port, host=host, error=exc.strerror)
    return None


def main(argv: list[str] | None = None) -> int:
    """Parse the options and serve until interrupted."""
    parser = FrenchArgumentParser(prog="python -m search_app", description="Sert la page de recherche et l’API JSON.")
    parser.add_argument("--host", default="127.0.0.1", help="adresse d’écoute (défaut : 127.0.0.1)")
    port = bounded_int(1, 65535, "port {value} hors limites (de 1 à 65535)")
    parser.add_argument("--port", type=port, default=5000, help="port, de 1 à 65535 (défaut : 5000)")
    parser.add_argument("--index", help="dossier de l’index (défaut : index, ou CRPV_INDEX)")
    parser.add_argument("--corpus", help="dossier du corpus (défaut : corpus, ou CRPV_CORPUS)")
    parser.add_argument(
        "--workers",
        type=bounded_int(1, 64, "{value} processus : de 1 à 64"),
        default=default_workers(),
        help=f"processus de service, un par cœur (défaut : {default_workers()} ; 1 = un seul processus, waitress)",
    )
    parser.add_argument(
        "--threads",
        type=bounded_int(1, 256, "{value} fils : de 1 à 256"),
        default=4,
        help="fils de traitement par processus (défaut : 4)",
    )
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
    problem = bind_problem(args.host, args.port)
    if problem:
        print(f"Erreur : impossible d’écouter sur {args.host}:{args.port} : {problem}.", file=sys.stderr)
        return 1
    print(f"Recherche disponible sur http://{args.host}:{args.port}/", file=sys.stderr)
    options = ServeOptions(args.host, args.port, args.workers, args.threads, args.journal_acces)
    serve(lambda served: create_app({"SETTINGS": served}), settings, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
