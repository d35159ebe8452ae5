"""The one error tree of stagetests.

Every error the project raises on purpose derives from ``StagetestsError`` and carries the
exit code the CLI ends with. Anything else escaping the CLI is a bug and keeps its traceback.

    StagetestsError                      exit 1
    ├── ServiceError                              a server answered a request with an error
    ├── UsageError                       exit 2  bad command line, profile, parameter, platform
    │   ├── ConfigError                           a profile or setting that cannot be used
    │   ├── PlatformError                         the machine cannot run the sandbox (not root, ...)
    │   └── FaultRefusedError                     a fault aimed at a profile that forbids them
    └── InfrastructureError              exit 3  something we need does not answer
        ├── ServiceUnreachableError               an endpoint refused, timed out or reset
        ├── AuthenticationError                   an endpoint rejected the credentials
        ├── NotReadyError                         a server did not become ready in time
        ├── PortInUseError                        a sandbox port is taken by someone else
        └── SandboxError                          a sandbox server failed to install or start

Client-library exceptions (psycopg2, redis, kafka) are wrapped into this tree in
``stagetests.services`` only, with ``raise ... from exc``.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ConfigError",
    "FaultRefusedError",
    "InfrastructureError",
    "NotReadyError",
    "PlatformError",
    "PortInUseError",
    "SandboxError",
    "ServiceError",
    "ServiceUnreachableError",
    "StagetestsError",
    "UsageError",
]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INFRASTRUCTURE = 3


class StagetestsError(Exception):
    """Base of every error stagetests raises on purpose.

    ``kind`` names what the client library saw (``ReadOnlySqlTransaction``,
    ``ConnectionError``): timelines count errors by it.
    """

    exit_code: int = EXIT_FAILED

    def __init__(self, message: str = "", kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind or type(self).__name__


class ServiceError(StagetestsError):
    """A server was reached but answered a request with an error (SQL error, Redis error)."""


class UsageError(StagetestsError):
    """The user asked for something that cannot work as asked."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A profile, an environment variable or an override has a bad or missing value."""


class PlatformError(UsageError):
    """This machine cannot do what was asked (not root, not Debian, a tool missing)."""


class FaultRefusedError(UsageError):
    """A fault was aimed at a profile without ``allow_destructive: true``."""


class InfrastructureError(StagetestsError):
    """A server or endpoint the run needs is not there or not usable."""

    exit_code = EXIT_INFRASTRUCTURE


class ServiceUnreachableError(InfrastructureError):
    """An endpoint refused the connection, timed out or dropped it."""


class AuthenticationError(InfrastructureError):
    """An endpoint answered but rejected the credentials."""


class NotReadyError(InfrastructureError):
    """A wait for readiness ran out of time; the message names the service and last error."""


class PortInUseError(InfrastructureError):
    """A port the sandbox needs is held by a process the sandbox did not start."""


class SandboxError(InfrastructureError):
    """A sandbox server could not be installed, configured or started."""
