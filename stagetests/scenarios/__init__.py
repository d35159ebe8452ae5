"""Scenarios: one function per kind (load, failover, lag, health), written once against the
service adapters and used by every suite notebook."""
