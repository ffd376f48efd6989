"""The coverage table in docs/coverage.md is current, and every operation is covered."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "coverage.py"


def load_coverage_script() -> ModuleType:
    """Import scripts/coverage.py as a module, once (the spec answer fuzz reads it too)."""
    if "coverage_script" in sys.modules:
        return sys.modules["coverage_script"]
    spec = importlib.util.spec_from_file_location("coverage_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["coverage_script"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def coverage() -> ModuleType:
    """scripts/coverage.py as a module."""
    return load_coverage_script()


class TestCoverageTable:
    def test_committed_table_equals_the_generated_one(self, coverage: ModuleType) -> None:
        document = coverage.DOC.read_text(encoding="utf-8")
        assert coverage.render(document, coverage.table()) == document, (
            "docs/coverage.md is stale: run python scripts/coverage.py"
        )

    def test_the_readme_line_is_current(self, coverage: ModuleType) -> None:
        readme = coverage.README.read_text(encoding="utf-8")
        line = coverage.readme_line()
        assert coverage.render(readme, line, coverage.README_START, coverage.README_END) == readme
        both, total = coverage.counts()
        assert f"**{both} of {total}**" in line

    def test_check_mode_says_up_to_date(
        self, coverage: ModuleType, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert coverage.main(["--check"]) == 0
        assert "up to date" in capsys.readouterr().out

    def test_the_table_lists_the_current_spec_and_the_2021_post_and_fax_operations(
        self, coverage: ModuleType
    ) -> None:
        ops = coverage.spec_operations()
        assert sum(o.source == "current" for o in ops) == 175
        only_2021 = {(o.method, o.path) for o in ops if o.source == "2021"}
        assert ("POST", "/v3/fax/send") in only_2021
        assert ("POST", "/v3/post/letters/send") in only_2021
        assert ("GET", "/v3/fax/history") in only_2021  # its query string parsed out
        assert all(p.startswith(("/v3/post/", "/v3/fax/")) for _, p in only_2021)

    def test_every_mark_names_an_operation_of_a_spec(self, coverage: ModuleType) -> None:
        known = {coverage.key(o.method, o.path) for o in coverage.spec_operations()}
        # Marks outside the table must at least be operations of the 2021 spec (older APIs).
        older = {
            coverage.key(m.upper(), "/v3" + p)
            for p, item in coverage._load(coverage.SPEC_2021)["paths"].items()
            for m in item
            if m in coverage.METHODS
        }
        unknown = set(coverage.sdk_methods()) - known - older
        assert not unknown, f"@operation marks naming no spec operation: {sorted(unknown)}"

    def test_every_operation_has_an_sdk_method_and_an_emulator_route(
        self, coverage: ModuleType
    ) -> None:
        sdk, emulator = coverage.sdk_methods(), coverage.emulator_routes()
        missing = [
            f"{o.method} {o.path}"
            for o in coverage.spec_operations()
            if coverage.key(o.method, o.path) not in sdk
            or coverage.key(o.method, o.path) not in emulator
        ]
        assert not missing, f"{len(missing)} operations not covered: {missing}"

    def test_each_method_carries_one_mark_and_requests_its_path(self) -> None:
        """A mark stacked on a neighbour's method once listed ``cs.voice.price`` for
        ``GET /voice/lang``: each method names the one operation whose path it requests."""
        import importlib
        import inspect
        import pkgutil
        import re

        import clicksend_async.resources as resources
        from clicksend_async.resources._base import OPERATIONS_ATTR

        wrong = []
        for info in pkgutil.iter_modules(resources.__path__):
            module = importlib.import_module(f"clicksend_async.resources.{info.name}")
            for cls_name, cls in inspect.getmembers(module, inspect.isclass):
                for name, func in vars(cls).items():
                    marks = getattr(func, OPERATIONS_ATTR, ())
                    if not marks:
                        continue
                    source = inspect.getsource(func)
                    for method, path in marks:
                        # The path's fixed text (every literal piece between its {params}).
                        pieces = [p for p in re.split(r"\{[^}]+\}", path[3:]) if p.strip("/")]
                        if len(marks) > 1 or not all(p.rstrip("/") in source for p in pieces):
                            wrong.append(f"{cls_name}.{name}: {method} {path}")
        assert not wrong, wrong
