"""Each suite's own glue for the generic scenario kinds, one folder per suite: its write
paths, faults and budgets, health probes, test-data namespace and suite-only scenarios."""
