"""Benchmarks for clicksend_async: ``python -m benchmarks`` (see ``benchmarks/README.md``)."""
