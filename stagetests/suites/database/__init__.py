"""The database suite: PostgreSQL under Patroni, HAProxy endpoints, PgBouncer, region B."""
