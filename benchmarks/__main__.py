"""``python -m benchmarks``: run the benchmark harness (see ``benchmarks/run.py``)."""

from .run import main

raise SystemExit(main())
