"""The cache suite: Redis under Sentinel, the Redis Cluster, region B's replica."""
