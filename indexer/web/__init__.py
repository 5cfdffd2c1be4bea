"""Following websites: harvest a centre's WordPress site (REST API) or any site with sitemaps into the corpus.

The harvested files land in a mirror inside the corpus (`corpus/web/<source>/<host>/…`, a path that tells the
URL), so `build` and `update` index them like files saved by hand, with no network. The modules, one concept each:
`fetch` (polite HTTP), `sources` (the sources file), `mirror` (URL ↔ file, atomic writes, removals), `state`
(what the last sync saw), `wordpress` and `sitemaps` (the two ways of listing a site), `sync` (one run).
"""
