"""Shared pytest set-up: fixture modules by concern, listed here."""

pytest_plugins = ("tests.fix_sandbox",)
