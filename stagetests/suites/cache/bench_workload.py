"""What the latency benchmark sends: one command (or a pipeline of the same command), under
this run's key prefix, to the master or to the cluster node owning a worker's hash tag.

Everything here is plain data and module-level functions, so a worker process (spawn) can
rebuild a worker's operation from a pickled ``functools.partial``.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Sequence
from typing import Any

from stagetests.errors import ServiceUnreachableError
from stagetests.services.redis import RedisService
from stagetests.services.redis_bench import bench_op, key_slot
from stagetests.settings import Endpoint, RedisSettings

__all__ = ["COMMANDS", "command_line", "make_op_for", "slot_owners"]

# Same keys and arguments as redis-benchmark's own tests (its MSET also writes 10 keys).
COMMANDS = ("GET", "SET", "INCR", "LPUSH", "HSET", "MSET", "MGET")
_MULTI = 10

SlotTable = tuple[tuple[int, ...], tuple[Endpoint, ...]]  # first slot of each range, owner


def command_line(command: str, base: str, value: str) -> tuple[str, ...]:
    """One ``command`` on keys under ``base`` (``<base>:str``, ``<base>:list``...)."""
    many = [f"{base}:m{i}" for i in range(_MULTI)]
    lines: dict[str, tuple[str, ...]] = {
        "GET": ("GET", f"{base}:str"),
        "SET": ("SET", f"{base}:str", value),
        "INCR": ("INCR", f"{base}:counter"),
        "LPUSH": ("LPUSH", f"{base}:list", value),
        "HSET": ("HSET", f"{base}:hash", "field", value),
        "MSET": ("MSET", *[part for key in many for part in (key, value)]),
        "MGET": ("MGET", *many),
    }
    return lines[command]


def slot_owners(service: RedisService) -> SlotTable:
    """Which master owns which slots now (``CLUSTER SLOTS`` of the first node that answers)."""
    reply: Any = None
    for node in service.settings.cluster_nodes:
        try:
            reply = service.command(node, "CLUSTER SLOTS")
            break
        except ServiceUnreachableError:  # a killed node: ask the next one
            continue
    if not reply:
        raise ServiceUnreachableError("redis cluster: no node answered CLUSTER SLOTS")
    ranges = sorted((int(r[0]), Endpoint(str(r[2][0]), int(r[2][1]))) for r in reply)
    return tuple(r[0] for r in ranges), tuple(r[1] for r in ranges)


def _owner(table: SlotTable, prefix: str, tag: str) -> Endpoint:
    starts, owners = table
    return owners[bisect.bisect_right(starts, key_slot(_base(prefix, tag, True))) - 1]


def _fixed(endpoint: Endpoint, tag: str) -> Endpoint:
    return endpoint


def _base(prefix: str, tag: str, cluster: bool) -> str:
    # On the cluster a worker's keys share one hash tag, so one node serves all of them.
    return f"{prefix}{{{tag}}}" if cluster else f"{prefix}{tag}"


def _build(command: str, depth: int, value: str, prefix: str, cluster: bool,
           tag: str) -> Sequence[Sequence[object]]:
    return [command_line(command, _base(prefix, tag, cluster), value)] * depth


def make_op_for(settings: RedisSettings, command: str, depth: int, value_size: int,
                prefix: str, target: Endpoint | SlotTable) -> Callable[[], Callable[[], object]]:
    """A picklable ``make_op``: each worker its own keys under ``prefix`` and a kept bare
    connection to ``target`` (an endpoint), or to the owner of its tag (a slot table)."""
    cluster = not isinstance(target, Endpoint)
    route = functools.partial(_fixed, target) if isinstance(target, Endpoint) \
        else functools.partial(_owner, target, prefix)
    build = functools.partial(_build, command, depth, "x" * value_size, prefix, cluster)
    return functools.partial(bench_op, settings, route, build)
