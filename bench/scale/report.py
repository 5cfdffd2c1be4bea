"""The benchmark's derived figures (rates, ratios, targets) and its tables (Markdown, printed)."""

from __future__ import annotations

from typing import Any

from bench.scale.index_size import markdown as size_markdown

KINDS = ("word", "phrase", "filtered", "browse")
# Item 3 of the issue « Performance and scale » (request targets in ms, by corpus size).
P95_TARGETS = {"10k": {"word": 50, "filtered": 50, "browse": 50, "phrase": 100}, "100k": dict.fromkeys(KINDS, 200)}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def derive(state: dict[str, Any]) -> dict[str, Any]:
    """Rates, ratios and target checks from one size's measured steps (which are kept in `steps`)."""
    corpus = state.get("corpus", {})
    base, cold, warm = state.get("baseline") or {}, state.get("cold") or {}, state.get("warm") or {}
    text = state.get("text") or {}
    requests, conc = state.get("requests") or {}, state.get("concurrent") or {}
    inproc, fts = state.get("inprocess") or {}, state.get("fts") or {}
    n = corpus.get("documents")
    pages = base.get("pdf_pages") or corpus.get("expected", {}).get("pdf_pages")
    cold_s = cold.get("wall_s")
    out: dict[str, Any] = {
        "code": state.get("code"),
        "documents": n,
        "html": corpus.get("html"),
        "pdf": corpus.get("pdf"),
        "pdf_share": corpus.get("pdf_share"),
        "pdf_pages": pages,
        "text_mb": text.get("text_mb"),
        "corpus_mb": corpus.get("bytes_mb"),
        "baseline_s": base.get("wall_s"),
        "cold_s": cold_s,
        "docs_per_s": _ratio(n, cold_s),
        "pdf_pages_per_s": _ratio(pages, cold_s),
        "text_mb_per_s": _ratio(text.get("text_mb"), cold_s),
        "cold_split_s": cold.get("timings"),
        "cold_cores_used": cold.get("cores_used"),
        "cold_over_baseline": _ratio(cold_s, base.get("wall_s")),
        "peak_rss_mb": cold.get("peak_rss_tree_mb"),
        "peak_anon_mb": cold.get("peak_anon_tree_mb"),
        "warm_s": warm.get("wall_s"),
        "warm_split_s": warm.get("timings"),
        "cold_over_warm": _ratio(cold_s, warm.get("wall_s")),
        "warm_peak_rss_mb": warm.get("peak_rss_tree_mb"),
        "index_mb": cold.get("index_mb"),
        "other_load_cores": {
            k: (state.get(k) or {}).get("other_processes_cores")
            for k in ("baseline", "cold", "warm", "requests", "concurrent", "inprocess", "fts")
        },
    }
    seq = requests.get("sequential") or {}
    out["http"] = {k: {"median_ms": seq[k].get("median_ms"), "p95_ms": seq[k].get("p95_ms")} for k in seq}
    out["first_request_ms"] = requests.get("first_request_ms")
    out["server_peak_rss_mb"] = max(requests.get("server_peak_rss_mb") or 0, conc.get("server_peak_rss_mb") or 0)
    out["server_peak_anon_mb"] = max(requests.get("server_peak_anon_mb") or 0, conc.get("server_peak_anon_mb") or 0)
    out["concurrent"] = {
        k: conc.get(k) for k in ("clients", "completed", "errors", "throughput_rps", "median_ms", "p95_ms")
    }
    wseq, fseq = (inproc.get("sequential") or {}), (fts.get("sequential") or {})
    out["inprocess"] = {k: {"median_ms": wseq[k].get("median_ms"), "p95_ms": wseq[k].get("p95_ms")} for k in wseq}
    out["fts"] = {k: {"median_ms": fseq[k].get("median_ms"), "p95_ms": fseq[k].get("p95_ms")} for k in fseq}
    out["whoosh_over_fts"] = {
        k: {
            "http_median": _ratio(seq.get(k, {}).get("median_ms"), fseq[k].get("median_ms")),
            "inprocess_median": _ratio(wseq.get(k, {}).get("median_ms"), fseq[k].get("median_ms")),
            "inprocess_p95": _ratio(wseq.get(k, {}).get("p95_ms"), fseq[k].get("p95_ms")),
        }
        for k in fseq
    }
    out["fts_same_counts"] = fts.get("same_total_and_facets")
    out["fts_build"] = fts.get("build")
    size = next((k for k, v in {"10k": 10_000, "100k": 100_000}.items() if v == n), None)
    targets: dict[str, Any] = {}
    if size:
        for kind, limit in P95_TARGETS[size].items():
            p95 = seq.get(kind, {}).get("p95_ms")
            targets[f"http_p95_{kind}<={limit}ms"] = None if p95 is None else p95 <= limit
    if out["cold_over_baseline"] is not None:
        targets["cold_build<=1.3x_baseline"] = out["cold_over_baseline"] <= 1.3
    if out["cold_over_warm"] is not None:
        targets["warm_rebuild>=5x_faster"] = out["cold_over_warm"] >= 5
    if size == "100k" and out["peak_rss_mb"] is not None:
        targets["peak_rss<=1GB"] = out["peak_rss_mb"] <= 1024
    _speed_issue(out, state, seq)
    out["targets"] = {**targets, **out.pop("speed_targets")}
    out["steps"] = state
    return out


def _speed_issue(out: dict[str, Any], state: dict[str, Any], seq: dict[str, Any]) -> None:
    """The figures and targets of the issue « Speed and size on long, real documents », each a ratio
    measured in the same run: full request p95 against FTS5's bare query p95, index against FTS5's index with
    positions, cold build against extraction alone on two processes, warm against cold, 8 clients against 1."""
    fts, single, conc = state.get("fts") or {}, state.get("single") or {}, state.get("concurrent") or {}
    bare = fts.get("bare_sequential") or {}
    out["fts_bare"] = {k: {"median_ms": v.get("median_ms"), "p95_ms": v.get("p95_ms")} for k, v in bare.items()}
    http_p95, bare_p95 = (seq.get("all") or {}).get("p95_ms"), (bare.get("all") or {}).get("p95_ms")
    out["http_p95_over_fts_bare_p95"] = _ratio(http_p95, bare_p95)
    # On a shared machine the wall times carry the others' load; the CPU seconds of the two phases do not.
    base, cold = state.get("baseline") or {}, state.get("cold") or {}
    out["cold_cpu_over_baseline_cpu"] = _ratio(cold.get("cpu_s"), base.get("cpu_s"))
    out["fts_db_mb"] = fts.get("db_mb")
    out["index_over_fts"] = _ratio(out.get("index_mb"), fts.get("db_mb"))
    out["single"] = {k: single.get(k) for k in ("completed", "errors", "throughput_rps", "median_ms", "p95_ms")}
    out["throughput_8_over_1"] = _ratio(conc.get("throughput_rps"), single.get("throughput_rps"))
    out["index_size"] = state.get("size")
    checks: dict[str, Any] = {}
    if out["http_p95_over_fts_bare_p95"] is not None:
        checks["http_p95<=5x_fts_bare_p95"] = out["http_p95_over_fts_bare_p95"] <= 5
    if http_p95 is not None and (state.get("corpus") or {}).get("profile") == "long":
        checks["http_p95<=50ms_at_1500_long"] = http_p95 <= 50
    if out["index_over_fts"] is not None:
        checks["index<=3x_fts"] = out["index_over_fts"] <= 3
    if out["cold_over_baseline"] is not None:
        checks["cold_build<=1.5x_baseline"] = out["cold_over_baseline"] <= 1.5
    if out["cold_over_warm"] is not None:
        checks["warm_rebuild>=3x_faster"] = out["cold_over_warm"] >= 3
    if out["throughput_8_over_1"] is not None:
        checks["throughput_8_clients>=1.7x_one"] = out["throughput_8_over_1"] >= 1.7
    out["speed_targets"] = checks


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".replace(",", " ")
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return str(value)


def _mp(d: dict[str, Any] | None) -> str:
    d = d or {}
    return f"{_f(d.get('median_ms'))} / {_f(d.get('p95_ms'))}"


def tables(report: dict[str, Any]) -> str:
    """The Markdown tables of a report (all sizes measured so far)."""
    runs = report.get("runs", {})
    order = sorted(runs, key=lambda k: runs[k].get("documents") or 0)
    lines = ["Build (full rebuild: `python -m indexer build`, 2 extraction workers, one writer)", ""]
    lines.append(
        "| N | HTML / PDF | PDF pages | text MB | PDFium+bs4 alone s | cold build s | docs/s | PDF pages/s | MB/s "
        "| scan / extract / enrich / write s | cold ÷ alone | peak RSS MB | warm build s | cold ÷ warm |"
    )
    lines.append("|" + "---|" * 14)
    for key in order:
        r = runs[key]
        split = r.get("cold_split_s") or {}
        split_text = " / ".join(_f(split.get(k)) for k in ("scan", "extract", "enrich", "write"))
        lines.append(
            f"| {key} | {_f(r.get('html'))} / {_f(r.get('pdf'))} | {_f(r.get('pdf_pages'))} | {_f(r.get('text_mb'))} "
            f"| {_f(r.get('baseline_s'))} | {_f(r.get('cold_s'))} | {_f(r.get('docs_per_s'))} "
            f"| {_f(r.get('pdf_pages_per_s'))} | {_f(r.get('text_mb_per_s'), 2)} | {split_text} "
            f"| {_f(r.get('cold_over_baseline'), 2)} | {_f(r.get('peak_rss_mb'), 0)} | {_f(r.get('warm_s'))} "
            f"| {_f(r.get('cold_over_warm'), 1)} |"
        )
    lines += ["", "Full requests through `python -m search_app` on loopback (median / p95 ms, sequential)", ""]
    lines.append(
        "| N | word | phrase | filtered | browse | all | first request ms | 8 clients: req/s, median / p95 ms |"
    )
    lines.append("|" + "---|" * 8)
    for key in order:
        r = runs[key]
        http = r.get("http") or {}
        c = r.get("concurrent") or {}
        conc = (
            f"{_f(c.get('throughput_rps'))} req/s, {_f(c.get('median_ms'))} / {_f(c.get('p95_ms'))}"
            f" ({_f(c.get('completed'))} req, {_f(c.get('errors'))} err)"
            if c.get("completed")
            else "–"
        )
        lines.append(
            f"| {key} | {_mp(http.get('word'))} | {_mp(http.get('phrase'))} | {_mp(http.get('filtered'))} "
            f"| {_mp(http.get('browse'))} | {_mp(http.get('all'))} | {_f(r.get('first_request_ms'))} | {conc} |"
        )
    lines += ["", "Whoosh and SQLite FTS5 on the same corpus and queries, in-process (median / p95 ms)", ""]
    lines.append("| N | kind | Whoosh in-process | FTS5 | Whoosh ÷ FTS5 (median, p95) | HTTP Whoosh ÷ FTS5 (median) |")
    lines.append("|" + "---|" * 6)
    for key in order:
        r = runs[key]
        for kind in (*KINDS, "all"):
            ratio = (r.get("whoosh_over_fts") or {}).get(kind) or {}
            lines.append(
                f"| {key} | {kind} | {_mp((r.get('inprocess') or {}).get(kind))} "
                f"| {_mp((r.get('fts') or {}).get(kind))} "
                f"| {_f(ratio.get('inprocess_median'), 1)}, {_f(ratio.get('inprocess_p95'), 1)} "
                f"| {_f(ratio.get('http_median'), 1)} |"
            )
        lines.append(f"| {key} | same totals and facet counts | {r.get('fts_same_counts') or '–'} | | | |")
    lines += ["", "Ratios of the speed issue (each measured in one run)", ""]
    lines.append(
        "| N | HTTP p95 ms | FTS5 bare p95 ms | ratio | index MB | FTS5 MB | ratio | cold ÷ alone | cold ÷ warm "
        "| peak build MB | server RSS MB | 1 client req/s | 8 clients req/s | ratio |"
    )
    lines.append("|" + "---|" * 14)
    for key in order:
        r = runs[key]
        lines.append(
            f"| {key} | {_f(((r.get('http') or {}).get('all') or {}).get('p95_ms'))} "
            f"| {_f(((r.get('fts_bare') or {}).get('all') or {}).get('p95_ms'))} "
            f"| {_f(r.get('http_p95_over_fts_bare_p95'), 1)} | {_f(r.get('index_mb'))} | {_f(r.get('fts_db_mb'))} "
            f"| {_f(r.get('index_over_fts'), 1)} | {_f(r.get('cold_over_baseline'), 2)} "
            f"| {_f(r.get('cold_over_warm'), 1)} | {_f(r.get('peak_rss_mb'), 0)} "
            f"| {_f(r.get('server_peak_rss_mb'), 0)} | {_f((r.get('single') or {}).get('throughput_rps'))} "
            f"| {_f((r.get('concurrent') or {}).get('throughput_rps'))} | {_f(r.get('throughput_8_over_1'), 2)} |"
        )
    for key in order:
        size = runs[key].get("index_size")
        if size and "inverted" in size:
            lines += ["", f"Index size by field and kind of term ({key})", "", size_markdown(size)]
    lines += ["", "Targets and load from other processes", ""]
    for key in order:
        r = runs[key]
        checks = ", ".join(f"{k}: {'yes' if v else ('no' if v is not None else '–')}" for k, v in r["targets"].items())
        load = ", ".join(f"{k} {_f(v, 1)}" for k, v in (r.get("other_load_cores") or {}).items() if v is not None)
        lines.append(f"- {key}: {checks or '–'}")
        lines.append(f"  - other processes' CPU during each phase (cores of 2): {load or '–'}")
    return "\n".join(lines)


def print_tables(report: dict[str, Any]) -> None:
    """Print the tables and the machine."""
    m = report.get("machine", {})
    print(f"Machine: {m.get('cpus')} CPU ({m.get('cpu_model')}), {m.get('memory_mb')} MB RAM, Python {m.get('python')}")
    print(tables(report))
