"""Shared pytest setup: makes tests/integration importable so test files can
import their fixtures explicitly (from fixtures.pg_cluster import ...)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # pylint: disable=unused-argument
    """A skipped test fails: every test here checks something the product
    must do on the machine tests/run-all.sh sets up, so a skip (a plugin that
    does not load, a missing binary or service) can only hide a
    regression."""
    outcome = yield
    rep = outcome.get_result()
    if rep.skipped and not hasattr(rep, "wasxfail"):
        rep.outcome = "failed"
        rep.longrepr = "skipped, which fails this suite (tests/integration/conftest.py): %s" % (
            rep.longrepr,)
