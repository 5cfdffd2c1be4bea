"""Renderer of the sample corpus: WordPress posts (HTML) and PDF dossiers from `tools/corpus_src/`.

The command line is `tools/make_corpus.py`; this package holds its parts:

- `sources`: parsing and validation of the source files (`FORMAT.md`), errors with file and line;
- `inline`: the inline markup shared by posts and dossiers (bold, italic, links);
- `html_post`: a post as a Twenty Sixteen WordPress theme serves it;
- `pdf_dossier`: a dossier as an A4 PDF (cover, « Sommaire », running header and footer, hyphenation);
- `textfx`: the text-layer effects of PDFs (ligatures, decomposed or spacing accents, hyphenation);
- `defects`: the two defective example PDFs (truncated, scanned without text layer).
"""

from __future__ import annotations

SITE_URL = "https://www.villesetterritoireslr.fr"
SITE_NAME = "Villes et Territoires LR"
ORG_NAME = "Villes et Territoires Languedoc-Roussillon"
