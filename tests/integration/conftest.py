"""Shared pytest setup: makes tests/integration importable so test files can
import their fixtures explicitly (from fixtures.pg_cluster import ...)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
