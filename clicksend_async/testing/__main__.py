"""Run the emulator: ``python -m clicksend_async.testing --port 8080``."""

from ._cli import main

raise SystemExit(main())
