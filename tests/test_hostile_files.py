"""Hostile files: a build or an update never stops, each bad file is reported with its reason, good ones are kept.

Every hostile file is generated here, in `tmp_path` (large ones are never committed): empty, truncated and
corrupt files, files that lie about their type or their charset, encrypted and image-only PDFs, a 5,000-page
PDF, a 30 MB page, deep nesting, binary junk, awkward names (spaces, NFC and NFD accents, quotes, guillemets,
upper-case extensions, bytes that are not UTF-8), unsupported formats, pipes and symbolic links leading out.
The extraction workers themselves are attacked too: killed, out of memory, stuck where SIGALRM cannot reach.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import random
import signal
import time
import unicodedata
from pathlib import Path
from urllib.parse import quote

import pdf_fixtures
import pytest
from conftest import wp_page
from pypdf import PdfReader, PdfWriter

import indexer.extract as extract
from indexer.build import build_index
from indexer.config import Settings
from indexer.corpus import Failure, FileInfo, scan_corpus
from indexer.document import Document
from indexer.schema import pre_analyse
from indexer.status import index_status
from indexer.store import open_index
from indexer.update import update_index
from indexer.workers import extract_many

NFC_NAME = unicodedata.normalize("NFC", "équipe-santé.html")
NFD_NAME = unicodedata.normalize("NFD", "Médiation numérique.html")
# One word per awkward name: each file must be found by its word, whatever its name.
NAMED_FILES = {
    "site/avec des espaces.html": "salicorne",
    f"site/{NFC_NAME}": "micocoulier",
    f"site/{NFD_NAME}": "lavandin",
    'site/l\'apostrophe et "guillemets".html': "tamaris",
    "site/« Guillemets français ».html": "garrigue",
    "site/MAJUSCULES.HTML": "arbousier",
    "site/lien-interne.html": "salicorne",  # a link inside the corpus is followed (to « avec des espaces »)
}


def many_pages_pdf(pages: int) -> bytes:
    """A PDF of `pages` small pages (one page duplicated: quick to make, quick to count)."""
    from fpdf import FPDF

    pdf = FPDF(format=(60, 40))
    pdf.set_font("helvetica", size=8)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.multi_cell(0, 4, "Annuaire des structures d'insertion du territoire.")
    page = PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0]
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def junk_page() -> bytes:
    """A UTF-8 page with a block of binary junk in the middle of its content."""
    head = wp_page(
        "Page avec des octets parasites",
        "<p>L’économie sociale et solidaire à Nîmes : le cade et le romarin.</p>\n"
        + "<p>Un paragraphe ordinaire sur les quartiers prioritaires et leurs habitants.</p>\n" * 60,
        date="2017-04-01",
    )
    cut = head.index('<div class="sharedaddy">')
    return (
        head[:cut].encode()
        + random.Random(3000).randbytes(3000)
        + "\n<p>Fin du chapitre sur le genévrier.</p>".encode()
        + head[cut:].encode()
    )


def write_hostile_corpus(root: Path, outside: Path) -> Path:
    """A corpus where every kind of hostile file sits next to good ones."""
    site, dossiers = root / "site", root / "dossiers"
    site.mkdir(parents=True)
    dossiers.mkdir()
    # Good files, which must all be indexed.
    (site / "bon.html").write_text(
        wp_page(
            "Les clauses sociales",
            '<p>Les clauses sociales des marchés publics.</p><p><a href="../dossiers/bon.pdf">Le dossier</a></p>',
            date="2016-06-10",
        ),
        encoding="utf-8",
    )
    (dossiers / "bon.pdf").write_bytes(pdf_fixtures.dossier_pdf())
    (dossiers / "chiffre-sans-mot-de-passe.pdf").write_bytes(pdf_fixtures.encrypted_empty_password_pdf())
    (dossiers / "RAPPORT.PDF").write_bytes(pdf_fixtures.word_export_pdf())
    for path, word in NAMED_FILES.items():
        if path != "site/lien-interne.html":
            (root / path).write_text(wp_page(f"Le mot {word}", f"<p>Le {word} pousse ici.</p>"), encoding="utf-8")
    (site / "lien-interne.html").symlink_to("avec des espaces.html")
    depth = 10_000
    (site / "profond.html").write_text(
        "<html><body><main>" + "<div><span>" * depth + "profondeur abyssale" + "</span></div>" * depth + "</main>"
    )
    (site / "octets-parasites.html").write_bytes(junk_page())
    # Lying charsets, both ways.
    (site / "dit-utf8-est-cp1252.html").write_bytes(
        wp_page("Cohésion sociale", "<p>La cohésion des quartiers, l’œuvre commune.</p>", charset="utf-8").encode(
            "cp1252"
        )
    )
    (site / "dit-latin1-est-utf8.html").write_bytes(
        wp_page("Hérault", "<p>Les conseils citoyens de l’Hérault réunis à Sète.</p>", charset="iso-8859-1").encode()
    )
    # Bad files, which must be reported as failures with their reason.
    (site / "vide.html").write_bytes(b"")
    (dossiers / "vide.pdf").write_bytes(b"")
    (dossiers / "tronque.pdf").write_bytes(pdf_fixtures.truncated_pdf())
    (dossiers / "corrompu.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    (dossiers / "pas-un-pdf.pdf").write_bytes(pdf_fixtures.text_file_named_pdf())
    (site / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    (dossiers / "protege.pdf").write_bytes(pdf_fixtures.encrypted_with_password_pdf())
    (dossiers / "annuaire-5000-pages.pdf").write_bytes(many_pages_pdf(5000))
    # Indexed, but reported as without text.
    (dossiers / "scan.pdf").write_bytes(pdf_fixtures.image_only_pdf())
    # Skipped on purpose, with a reason.
    (root / "note.txt").write_text("Une note de la documentaliste.")
    (root / "rapport.docx").write_bytes(b"PK\x03\x04" + os.urandom(100))
    (root / "tableur.odt").write_bytes(b"PK\x03\x04" + os.urandom(100))
    outside.mkdir()
    (outside / "secret.html").write_text("<html><body><p>Mot de passe : hors-corpus</p></body></html>")
    (site / "lien-externe.html").symlink_to(outside / "secret.html")
    (site / "dossier-externe").symlink_to(outside)
    (site / "lien-casse.html").symlink_to("nulle-part.html")
    os.mkfifo(site / "tube.html")
    fd = os.open(os.fsencode(site) + b"/caf\xe9-latin1.html", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"<html><body><p>Nom en latin-1</p></body></html>")
    os.close(fd)
    return root


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The hostile corpus, built once with two watched extraction workers."""
    base = tmp_path_factory.mktemp("hostile")
    corpus = write_hostile_corpus(base / "corpus", base / "ailleurs")
    settings = Settings(corpus=corpus, index=base / "index", workers=2)
    build_index(settings)
    return settings


def search_paths(settings: Settings, word: str) -> list[str]:
    """The documents that have every word of `word` (those with only some of them are left out)."""
    from search_app.index_handle import IndexHandle
    from search_app.params import SearchParams
    from search_app.search import run_search

    handle = IndexHandle(settings.index)
    try:
        result = run_search(SearchParams.from_args({"q": word}, settings), handle)
    finally:
        handle.close()
    return sorted(hit["path"] for hit in result["results"] if not hit["partial"])


def test_the_build_completes_and_reports_every_bad_file_with_its_reason(hostile: Settings) -> None:
    status = index_status(hostile.index)
    failures = {f["path"]: f["reason"] for f in status["failures"]}
    assert failures == {
        "site/vide.html": "fichier vide",
        "dossiers/vide.pdf": "fichier vide",
        "dossiers/tronque.pdf": failures["dossiers/tronque.pdf"],
        "dossiers/corrompu.pdf": failures["dossiers/corrompu.pdf"],
        "dossiers/pas-un-pdf.pdf": "ce fichier n’est pas un PDF (contenu : texte)",
        "site/image.html": "ce fichier n’est pas une page HTML (contenu : image PNG)",
        "dossiers/protege.pdf": "PDF protégé par un mot de passe",
        "dossiers/annuaire-5000-pages.pdf": "PDF trop long (5\u202f000 pages, limite 3\u202f000)",
    }
    assert failures["dossiers/tronque.pdf"].startswith("PDF endommagé ou tronqué")
    assert failures["dossiers/corrompu.pdf"].startswith("PDF endommagé ou tronqué")
    assert status["empty"] == [{"path": "dossiers/scan.pdf", "reason": "sans texte (aucun texte reconnu par l’OCR)"}]


def test_skipped_files_are_in_status_with_their_reason(hostile: Settings) -> None:
    skipped = {f["path"]: f["reason"] for f in index_status(hostile.index)["skipped"]}
    assert skipped == {
        "note.txt": "format non pris en charge (« .txt »)",
        "rapport.docx": "format non pris en charge (« .docx »)",
        "tableur.odt": "format non pris en charge (« .odt »)",
        "site/lien-externe.html": "lien symbolique vers l’extérieur du corpus",
        "site/dossier-externe": "lien symbolique vers l’extérieur du corpus",
        "site/lien-casse.html": "lien symbolique cassé",
        "site/tube.html": "pas un fichier ordinaire (tube, périphérique…)",
        "site/caf\ufffd-latin1.html": "nom de fichier illisible (octets non UTF-8) : renommez le fichier",
    }


def test_status_command_lists_skipped_files(hostile: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from indexer.cli import main

    assert main(["status", "--index", str(hostile.index)]) == 0
    out = capsys.readouterr().out
    assert "Fichiers ignorés (8)" in out and "rapport.docx — format non pris en charge" in out


def test_nothing_good_is_lost(hostile: Settings) -> None:
    ix = open_index(hostile.index)
    with ix.searcher() as searcher:
        indexed = {fields["path"] for fields in searcher.documents(kind="doc")}
    ix.close()
    assert indexed == {
        "site/bon.html",
        "dossiers/bon.pdf",
        "dossiers/chiffre-sans-mot-de-passe.pdf",
        "dossiers/RAPPORT.PDF",
        "dossiers/scan.pdf",
        "site/profond.html",
        "site/octets-parasites.html",
        "site/dit-utf8-est-cp1252.html",
        "site/dit-latin1-est-utf8.html",
        *NAMED_FILES,
    }
    assert search_paths(hostile, "clauses sociales") == ["dossiers/bon.pdf", "site/bon.html"]
    assert search_paths(hostile, "profondeur abyssale") == ["site/profond.html"]
    assert search_paths(hostile, "contrat de ville pilotage") == ["dossiers/chiffre-sans-mot-de-passe.pdf"]
    assert search_paths(hostile, "coordination psychiatrie") == ["dossiers/RAPPORT.PDF"]


def test_lying_charsets_and_binary_junk_keep_the_text_readable(hostile: Settings) -> None:
    assert search_paths(hostile, "cohésion œuvre") == ["site/dit-utf8-est-cp1252.html"]
    assert search_paths(hostile, "Hérault Sète") == ["site/dit-latin1-est-utf8.html"]
    assert search_paths(hostile, "économie romarin") == ["site/octets-parasites.html"]
    assert search_paths(hostile, "genévrier") == ["site/octets-parasites.html"]  # after the junk


@pytest.mark.parametrize(("path", "word"), sorted(NAMED_FILES.items()))
def test_a_readable_file_is_indexed_whatever_its_name(hostile: Settings, path: str, word: str) -> None:
    assert path in search_paths(hostile, word)


def test_the_url_of_a_result_opens_the_file_exactly_as_named_on_disk(hostile: Settings) -> None:
    from search_app import create_app

    client = create_app({"SETTINGS": hostile, "TESTING": True}).test_client()
    for path, word in NAMED_FILES.items():
        data = client.get("/api/search?q=" + quote(word)).get_json()
        hit = next(h for h in data["results"] if h["path"] == path)
        assert hit["path"] == path  # NFD stays NFD: no normalisation of the on-disk name
        with client.get(hit["url"]) as response:
            assert response.status_code == 200, path
            assert response.data == (hostile.corpus / path).read_bytes()
        assert client.get(hit["document_url"]).status_code == 200
    assert unicodedata.is_normalized("NFD", NFD_NAME) and not unicodedata.is_normalized("NFC", NFD_NAME)
    nfc_twin = quote("site/" + unicodedata.normalize("NFC", NFD_NAME))
    assert client.get("/corpus/" + nfc_twin).status_code == 404  # only the exact name opens it


def test_an_update_over_hostile_files_completes(hostile: Settings, tmp_path: Path) -> None:
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(hostile.corpus, corpus, symlinks=True, ignore=lambda d, names: [n for n in names if "tube" in n])
    settings = Settings(corpus=corpus, index=tmp_path / "index", workers=2)
    build_index(settings)
    (corpus / "site" / "nouveau vide.HTM").write_bytes(b"")
    (corpus / "site" / "nouveau.html").write_text(wp_page("Nouveau", "<p>Le cyprès est arrivé.</p>"))
    (corpus / "dossiers" / "bon.pdf").write_bytes(pdf_fixtures.truncated_pdf())  # a good file goes bad
    (corpus / "site" / "vide.html").write_text(wp_page("Réparé", "<p>Le figuier est réparé.</p>"))
    (corpus / "presentation.pptx").write_bytes(b"PK")
    report = update_index(settings)
    assert report.added == ["site/nouveau.html"]
    assert report.updated == ["site/vide.html"]
    failed = {f["path"]: f["reason"] for f in report.failed}
    assert failed["site/nouveau vide.HTM"] == "fichier vide"
    assert failed["dossiers/bon.pdf"].startswith("PDF endommagé ou tronqué")
    status = index_status(settings.index)
    assert {"path": "presentation.pptx", "reason": "format non pris en charge (« .pptx »)"} in status["skipped"]
    assert search_paths(settings, "cyprès") == ["site/nouveau.html"]
    assert search_paths(settings, "figuier") == ["site/vide.html"]


# --- Limits: size, pages, time ------------------------------------------------------------------------


def big_page(megabytes: int) -> bytes:
    paragraph = "<p>Les clauses sociales favorisent l’insertion des habitants des quartiers prioritaires.</p>\n"
    body = paragraph * (megabytes * 1024 * 1024 // len(paragraph.encode()))
    return f"<html><head><title>Énorme</title></head><body><article>{body}</article></body></html>".encode()


def test_a_30_mb_page_is_refused_by_the_size_cap_or_stopped_by_the_time_limit(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "enorme.html").write_bytes(big_page(30))
    (corpus / "petit.html").write_text(wp_page("Petit", "<p>Le petit texte sur les jardins partagés.</p>"))
    files, _ = scan_corpus(corpus)
    capped = Settings(max_html_mb=20, workers=1)
    results = {r.path: r for r in extract_many(corpus, files.values(), capped, None)}
    assert results["enorme.html"].reason == "fichier trop volumineux (30 Mo, limite 20 Mo)"
    assert results["petit.html"].title == "Petit"
    timed = Settings(extraction_timeout=0.5, workers=1)
    results = {r.path: r for r in extract_many(corpus, files.values(), timed, None)}
    assert isinstance(results["enorme.html"], Failure)
    assert results["enorme.html"].reason.startswith("extraction trop longue (plus de 0,5 s)")
    assert results["petit.html"].title == "Petit"


def test_a_huge_text_is_capped_per_page_and_per_document() -> None:
    # A huge web page is cut into sections (`html_sections`): the document's cap bounds them all.
    document = extract.extract_data(big_page(1), "grand.html", Settings(max_document_chars=100_000))
    kept = [page for page in document.pages if page]
    assert len(kept) > 1 and 90_000 <= sum(len(page) for page in document.pages) <= 100_000
    assert kept[-1].rsplit(maxsplit=1)[-1] in ["Les", "clauses", "sociales", "favorisent"]  # whole words
    doc = Document(path="p.pdf", format="pdf", title="", pages=["mot " * 50_000] * 5)  # 200,000 characters each
    assert extract.cap_text(doc, Settings(max_page_chars=150_000, max_document_chars=400_000))
    assert len(doc.pages) == 5 and doc.pages[-1] == ""  # page numbers stay right
    assert max(len(p) for p in doc.pages) <= 150_000 and sum(len(p) for p in doc.pages) <= 400_000
    assert all(p.endswith("mot") for p in doc.pages[:3])  # cut between words
    untouched = Document(path="q.pdf", format="pdf", title="", pages=["court"])
    assert not extract.cap_text(untouched, Settings()) and untouched.pages == ["court"]


def test_a_5000_page_pdf_is_read_within_the_time_limit_under_a_higher_page_cap(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "annuaire.pdf").write_bytes(many_pages_pdf(5000))
    files, _ = scan_corpus(corpus)
    settings = Settings(max_pdf_pages=5000, workers=1)  # default time limit (120 s)
    [document] = extract_many(corpus, files.values(), settings, None)
    assert document.page_count == 5000 and document.empty_reason is None


# --- Extraction workers under attack -------------------------------------------------------------------


def corpus_of(tmp_path: Path, names: list[str]) -> tuple[Path, list[FileInfo]]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in names:
        (corpus / name).write_text(wp_page(name, f"<p>Contenu de {name}.</p>"), encoding="utf-8")
    files, _ = scan_corpus(corpus)
    return corpus, sorted(files.values(), key=lambda f: f.path)


def sabotage(monkeypatch: pytest.MonkeyPatch, culprit: str, action) -> None:  # type: ignore[no-untyped-def]
    """Make the extraction of `culprit` run `action` (in the worker: workers are forked)."""
    real = extract.extract_data

    def extract_data(data: bytes, rel_path: str, settings: Settings):  # type: ignore[no-untyped-def]
        if rel_path == culprit:
            action()
        return real(data, rel_path, settings)

    monkeypatch.setattr(extract, "extract_data", extract_data)


NAMES = [f"page-{n}.html" for n in range(8)]


def run_batch(corpus: Path, files: list[FileInfo], **limits: float) -> dict[str, object]:
    settings = Settings(workers=2, **limits)  # type: ignore[arg-type]
    results = list(extract_many(corpus, files, settings, None))
    assert len(results) == len(files)  # exactly one result per file, whatever happened
    assert not multiprocessing.active_children()  # every worker stopped, none left behind
    return {r.path: r for r in results}


def test_a_worker_that_exits_loses_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, files = corpus_of(tmp_path, NAMES)
    sabotage(monkeypatch, "page-2.html", lambda: os._exit(3))
    results = run_batch(corpus, files)
    assert results["page-2.html"].reason == "le processus d’extraction s’est arrêté brutalement (code 3)"
    assert all(results[n].title == n for n in NAMES if n != "page-2.html")


def test_a_worker_killed_by_the_system_loses_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, files = corpus_of(tmp_path, NAMES)
    sabotage(monkeypatch, "page-5.html", lambda: os.kill(os.getpid(), signal.SIGKILL))
    results = run_batch(corpus, files)
    assert results["page-5.html"].reason.startswith("le processus d’extraction a été tué par le système")
    assert all(results[n].title == n for n in NAMES if n != "page-5.html")


def test_a_file_that_needs_too_much_memory_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import resource

    def allocate() -> None:
        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
        assert soft != resource.RLIM_INFINITY, "no memory cap in the worker"
        bytearray(soft)  # more than the whole cap: MemoryError

    corpus, files = corpus_of(tmp_path, NAMES)
    sabotage(monkeypatch, "page-1.html", allocate)
    results = run_batch(corpus, files, max_worker_memory_mb=1500)
    assert results["page-1.html"].reason == "mémoire insuffisante pour lire ce fichier"
    assert all(results[n].title == n for n in NAMES if n != "page-1.html")


def test_a_stuck_worker_is_killed_after_the_grace_period(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def stuck_in_c_code() -> None:  # SIGALRM blocked: what a long loop in a C extension looks like
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)

    corpus, files = corpus_of(tmp_path, NAMES)
    sabotage(monkeypatch, "page-0.html", stuck_in_c_code)
    started = time.monotonic()
    results = run_batch(corpus, files, extraction_timeout=0.3, extraction_grace=0.3)
    assert time.monotonic() - started < 30  # not the 60 s of the stuck extraction
    assert results["page-0.html"].reason == "extraction trop longue (plus de 0,3 s) : processus arrêté"
    assert all(results[n].title == n for n in NAMES if n != "page-0.html")


def test_a_slow_extraction_is_stopped_by_its_time_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, files = corpus_of(tmp_path, NAMES)
    sabotage(monkeypatch, "page-7.html", lambda: time.sleep(60))
    results = run_batch(corpus, files, extraction_timeout=0.3)
    assert results["page-7.html"].reason == "extraction trop longue (plus de 0,3 s)"
    assert all(results[n].title == n for n in NAMES if n != "page-7.html")


def test_a_build_survives_a_dying_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, _files = corpus_of(tmp_path, NAMES)
    sabotage(monkeypatch, "page-4.html", lambda: os._exit(1))
    settings = Settings(corpus=corpus, index=tmp_path / "index", workers=2)
    report = build_index(settings)
    assert report.failed == [
        {"path": "page-4.html", "reason": "le processus d’extraction s’est arrêté brutalement (code 1)"}
    ]
    assert len(report.added) == len(NAMES) - 1


def test_a_file_swapped_for_a_pipe_or_an_outside_link_after_the_scan_is_refused(tmp_path: Path) -> None:
    corpus, files = corpus_of(tmp_path, ["a.html", "b.html", "c.html"])
    (corpus / "a.html").unlink()
    os.mkfifo(corpus / "a.html")  # a plain read would block forever
    (corpus / "b.html").unlink()
    (tmp_path / "dehors.html").write_text("<p>secret</p>")
    (corpus / "b.html").symlink_to(tmp_path / "dehors.html")
    results = run_batch(corpus, files)
    assert results["a.html"].reason == "pas un fichier ordinaire (tube, périphérique…)"
    assert results["b.html"].reason == "lien symbolique vers l’extérieur du corpus"
    assert results["c.html"].title == "c.html"


def test_a_batch_abandoned_by_its_consumer_stops_its_workers_and_feeding_thread(tmp_path: Path) -> None:
    """The writer may fail after a few documents: the workers (busy on a slow file or not) and the thread
    that feeds them must stop with the batch, not finish the queue."""
    import multiprocessing
    import threading

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in range(12):
        (corpus / f"page-{number:02d}.html").write_text(wp_page(f"Page {number}", "<p>Jardins partagés.</p>"))
    (corpus / "enorme.html").write_bytes(big_page(12))  # long to parse: a worker is busy with it
    files, _ = scan_corpus(corpus)
    ordered = sorted(files.values(), key=lambda f: f.path != "enorme.html")
    batch = extract_many(corpus, ordered, Settings(workers=2, extraction_timeout=600), None, analyse=pre_analyse)
    first = next(batch)
    assert first.path.startswith("page-") and first.analysed is not None  # analysed by the worker
    batch.close()
    assert not multiprocessing.active_children()
    assert not [t for t in threading.enumerate() if t.name == "crpv-extraction"]


def test_the_file_sent_ahead_to_a_dying_worker_is_extracted_by_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker holds its next file while it extracts one; when it dies, that next file goes to another."""
    from indexer import workers

    corpus, files = corpus_of(tmp_path, NAMES)

    def die_once_the_next_file_is_sent() -> None:
        # The parent sends page-2 right after page-0 and page-1; a worker that died at once could be gone before
        # that send, which then fails and keeps page-2 in the queue (also right, but not what is tested here).
        time.sleep(1.0)
        os._exit(3)

    sabotage(monkeypatch, "page-0.html", die_once_the_next_file_is_sent)
    requeued: list[str] = []
    real = workers._WorkerPool._requeue

    def spy(worker, pending):  # type: ignore[no-untyped-def]
        if worker.queued is not None:
            requeued.append(worker.queued.path)
        real(worker, pending)

    monkeypatch.setattr(workers._WorkerPool, "_requeue", staticmethod(spy))
    results = run_batch(corpus, files)
    assert requeued == ["page-2.html"]  # sent ahead to the worker of page-0 (page-1 went to the other one)
    assert results["page-0.html"].reason == "le processus d’extraction s’est arrêté brutalement (code 3)"
    assert all(results[n].title == n for n in NAMES if n != "page-0.html")
