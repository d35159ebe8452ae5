"""The local sandbox: real PostgreSQL, Redis (and later Kafka) servers on loopback."""
