"""Adapters to the systems under test: the only modules that import their client libraries."""
