"""Run the command line: ``python -m clicksend_async campaign ...``."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
