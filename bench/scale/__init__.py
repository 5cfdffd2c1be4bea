"""Scale benchmarks: a generator of large French corpora shaped like the sample corpus, and the benchmark run.

- `sample`: what the generator learns from the sample corpus (templates, sentences, vocabulary, distributions);
- `textgen`: new sentences from the sample's sentence templates (words shuffled and substituted);
- `render_html`, `render_pdf`: WordPress post pages (the sample's own files as templates) and fpdf2 dossiers;
- `generate`: the deterministic plan of a corpus of N documents and its rendering in worker processes;
- `procmon`: peak memory of a process tree; `fts`: the SQLite FTS5 implementation compared with Whoosh;
- `runner`: the benchmark (extraction baseline, cold and warm builds, requests, concurrency, FTS5);
- `cli`: ``python bench/scale.py generate|run``.
"""
