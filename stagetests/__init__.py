"""stagetests: tests staging PostgreSQL, Redis and Kafka, and reports on what it measured."""

from stagetests.errors import StagetestsError
from stagetests.profiles import load_settings
from stagetests.settings import Settings

__all__ = ["Settings", "StagetestsError", "load_settings"]
__version__ = "0.1.0"
