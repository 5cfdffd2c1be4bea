"""Scale benchmarks of the search engine: generate large corpora, then measure builds and requests at each size.

    python bench/scale.py generate --n 1000 --out /tmp/scale-1k [--seed S] [--pdf-share F]
    python bench/scale.py run --n 1000 [--n 10000] [--n 100000] [--work /tmp] [--json bench/out/scale.json]

See `bench/scale/` (the package) for what each step does, and `python bench/scale.py run --help`.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scale.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
