"""Why a request to a followed site failed, in French: the cause of a transport error (connection refused,
unknown host, time-out…) read from the exception chain of httpx, httpcore and the socket, never its English text
(which goes to the debug log)."""

from __future__ import annotations

import errno
import socket
import ssl

import httpx

_ERRNO_REASONS = {
    errno.ECONNREFUSED: "connexion refusée",
    errno.ECONNRESET: "connexion coupée par le serveur",
    errno.ECONNABORTED: "connexion coupée",
    errno.EPIPE: "connexion coupée par le serveur",
    errno.EHOSTUNREACH: "hôte inaccessible",
    errno.ENETUNREACH: "réseau inaccessible",
    errno.ETIMEDOUT: "délai dépassé",
}
_RESOLVER_REASONS = {
    socket.EAI_NONAME: "nom d’hôte inconnu",
    socket.EAI_AGAIN: "nom d’hôte introuvable pour l’instant",
    socket.EAI_FAIL: "nom d’hôte introuvable (échec du serveur DNS)",
}
for _name in ("EAI_NODATA", "EAI_ADDRFAMILY"):  # glibc only
    if hasattr(socket, _name):
        _RESOLVER_REASONS[getattr(socket, _name)] = "nom d’hôte inconnu"


def transport_reason(error: BaseException) -> str:
    """Why a connection failed, in French, from the exception chain (httpx → httpcore → OSError)."""
    causes = _chain(error)
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return "certificat HTTPS non valide"
        if isinstance(cause, ssl.SSLError):
            return "échec de la connexion sécurisée (TLS)"
        if isinstance(cause, socket.gaierror):
            return _RESOLVER_REASONS.get(cause.errno or 0, "nom d’hôte introuvable")
        if isinstance(cause, OSError) and cause.errno in _ERRNO_REASONS:
            return _ERRNO_REASONS[cause.errno]
    if isinstance(error, httpx.RemoteProtocolError):
        if "disconnected" in str(error).lower():
            return "connexion coupée par le serveur"
        return "réponse du serveur non conforme au protocole HTTP"
    if isinstance(error, httpx.TimeoutException):
        return "délai dépassé"
    if isinstance(error, httpx.ProxyError):
        return "erreur du serveur mandataire (proxy)"
    if isinstance(error, httpx.ConnectError):
        return "connexion impossible"
    if isinstance(error, httpx.ReadError | httpx.WriteError | httpx.CloseError):
        return "connexion interrompue"
    return "erreur de connexion"


def _chain(error: BaseException) -> list[BaseException]:
    """The exception and its causes, outermost first (a cycle is cut)."""
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found
