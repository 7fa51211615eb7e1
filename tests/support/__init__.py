"""Helpers shared by test suites (importable as `support`: tests/ is on sys.path)."""
