"""What an update decides to write (`plan_update`), without a disk, an index or an extraction."""

from __future__ import annotations

from indexer.corpus import Failure, FileInfo
from indexer.document import Document, Link
from indexer.enrich import CatalogueEntry
from indexer.extract import EXTRACTOR_VERSION
from indexer.records import KIND_DOC, KIND_FAILURE, IndexedFile, catalogue_state
from indexer.update import UpdateInputs, files_to_extract, plan_update

POST = "site/2016/post.html"
PDF = "dossiers/2016/guide.pdf"
OTHER_PDF = "dossiers/2017/autre.pdf"


def indexed(fmt: str, links: list[str] | None = None, content_hash: str = "h", kind: str = KIND_DOC) -> IndexedFile:
    return IndexedFile(kind, content_hash, 10, 1.0, EXTRACTOR_VERSION, fmt, links or [])


def post(path: str = POST, content_hash: str = "h2", publishes: tuple[str, ...] = ()) -> Document:
    links = [Link(f"../../{p}", "document", p) for p in publishes]
    return Document(
        path, "html", "Un article", ["Texte."], links=links, content_hash=content_hash, publishes=list(publishes)
    )


def inputs(files: list[str], known: dict[str, IndexedFile], **changes: object) -> UpdateInputs:
    return UpdateInputs(
        files={p: FileInfo(p, 10, 1.0) for p in files},
        indexed=known,
        docs=changes.get("docs", {}),  # type: ignore[arg-type]
        failures=changes.get("failures", {}),  # type: ignore[arg-type]
        old_catalogue=changes.get("old_catalogue", {}),  # type: ignore[arg-type]
        catalogue=changes.get("catalogue", {}),  # type: ignore[arg-type]
    )


def test_only_new_and_changed_files_are_extracted() -> None:
    known = {POST: indexed("html"), PDF: indexed("pdf")}
    files = {POST: FileInfo(POST, 10, 1.0), PDF: FileInfo(PDF, 11, 1.0), OTHER_PDF: FileInfo(OTHER_PDF, 5, 2.0)}
    assert [f.path for f in files_to_extract(files, known)] == [PDF, OTHER_PDF]
    stale = {POST: IndexedFile(KIND_DOC, "h", 10, 1.0, "old-extractor", "html", [])}
    assert [f.path for f in files_to_extract({POST: files[POST]}, stale)] == [POST]


def test_nothing_changed_gives_an_empty_plan() -> None:
    known = {POST: indexed("html", [PDF]), PDF: indexed("pdf")}
    given = inputs([POST, PDF], known)
    plan = plan_update(given)
    assert (plan.removed, plan.added, plan.updated, plan.relinked_files) == ([], [], [], [])
    assert plan.is_empty(given)


def test_a_changed_post_relinks_the_files_it_published_and_now_publishes() -> None:
    known = {POST: indexed("html", [PDF]), PDF: indexed("pdf"), OTHER_PDF: indexed("pdf")}
    changed = post(publishes=(OTHER_PDF,))
    plan = plan_update(inputs([POST, PDF, OTHER_PDF], known, docs={POST: changed}))
    assert plan.updated == [POST]
    assert plan.relinked_files == [PDF, OTHER_PDF]  # the old link and the new one


def test_a_post_rewritten_with_the_same_content_is_touched_not_updated() -> None:
    known = {POST: indexed("html", [PDF], content_hash="same"), PDF: indexed("pdf")}
    plan = plan_update(inputs([POST, PDF], known, docs={POST: post(content_hash="same", publishes=(PDF,))}))
    assert plan.touched == {POST}
    assert plan.updated == [] and plan.relinked_files == []


def test_a_removed_post_relinks_its_files_and_a_removed_file_is_removed() -> None:
    known = {POST: indexed("html", [f"name:{OTHER_PDF.rsplit('/', 1)[1]}"]), OTHER_PDF: indexed("pdf")}
    plan = plan_update(inputs([OTHER_PDF], known))
    assert plan.removed == [POST]
    assert plan.relinked_files == [OTHER_PDF]  # found through its file name
    plan = plan_update(inputs([POST], {POST: indexed("html"), PDF: indexed("pdf")}))
    assert plan.removed == [PDF]


def test_a_catalogue_change_re_enriches_the_post_and_the_files_it_publishes() -> None:
    known = {POST: indexed("html", [PDF]), PDF: indexed("pdf"), OTHER_PDF: indexed("pdf")}
    old = catalogue_state({})
    new = {POST: CatalogueEntry(year=2015), OTHER_PDF: CatalogueEntry(themes=["sante"])}
    plan = plan_update(inputs([POST, PDF, OTHER_PDF], known, old_catalogue=old, catalogue=new))
    assert plan.recatalogued_posts == [POST]
    assert plan.relinked_files == [PDF, OTHER_PDF]  # its own entry; published by the post
    assert plan.catalogue_changed


def test_new_files_are_added_and_failures_are_not_unchanged() -> None:
    known = {POST: indexed("html"), PDF: indexed("pdf", kind=KIND_FAILURE)}
    fresh = Document(OTHER_PDF, "pdf", "Guide", ["Texte."], content_hash="x")
    failure = Failure(PDF, "fichier illisible")
    given = inputs([POST, PDF, OTHER_PDF], known, docs={OTHER_PDF: fresh}, failures={PDF: failure})
    plan = plan_update(given)
    assert plan.added == [OTHER_PDF] and plan.updated == []
    assert not plan.is_empty(given)
