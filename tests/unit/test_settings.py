"""Settings: layer precedence, profile inheritance, typed values, secret masking."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagetests.errors import ConfigError
from stagetests.profiles import load_settings
from stagetests.settings import Endpoint, Secret


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STAGETESTS_PROFILES_DIR", str(tmp_path))
    (tmp_path / "base.yaml").write_text(
        "postgres:\n  writer: db.example:5000\n  user: base_user\n  password: from_yaml\n"
        "run:\n  duration_s: 30\n  repetitions: 3\n")
    (tmp_path / "child.yaml").write_text(
        "inherit: base\nallow_destructive: true\nrun:\n  duration_s: 5\n")
    return tmp_path


def test_local_profile_is_the_default_and_matches_the_seed() -> None:
    settings = load_settings()
    assert settings.profile == "local"
    assert settings.postgres.database == "test_db"
    assert settings.postgres.user == "test_user"
    assert settings.postgres.password == Secret("test_password")
    assert settings.postgres.nodes == tuple(Endpoint("127.0.0.1", p) for p in (5432, 5433, 5434))
    assert settings.redis.service_name == "mymaster"
    assert settings.sandbox.patroni_retry_timeout == 2


def test_smoke_inherits_local_with_tiny_durations() -> None:
    smoke, local = load_settings("smoke"), load_settings("local")
    assert smoke.postgres == local.postgres
    assert smoke.run.duration_s < local.run.duration_s


def test_staging_example_refuses_destruction() -> None:
    staging = load_settings("staging.example")
    assert staging.allow_destructive is False
    assert staging.postgres.sslmode == "verify-full"
    assert staging.redis.tls is True


def test_child_profile_overrides_only_what_it_names(profiles: Path) -> None:
    settings = load_settings("child")
    assert settings.run.duration_s == 5
    assert settings.run.repetitions == 3
    assert settings.postgres.user == "base_user"
    assert settings.allow_destructive is True


def test_precedence_overrides_beat_env_beat_profile(
    profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAGETESTS_POSTGRES_USER", "env_user")
    monkeypatch.setenv("STAGETESTS_RUN_DURATION_S", "7")
    settings = load_settings("child", overrides={"run.duration_s": 9})
    assert settings.postgres.user == "env_user"
    assert settings.run.duration_s == 9
    assert load_settings("child").run.duration_s == 7


def test_env_selects_the_profile(profiles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGETESTS_PROFILE", "child")
    assert load_settings().profile == "child"


def test_password_from_a_file_beats_the_profile(
    profiles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "pw"
    secret.write_text("from_file\n")
    monkeypatch.setenv("STAGETESTS_POSTGRES_PASSWORD_FILE", str(secret))
    assert load_settings("child").postgres.password == Secret("from_file")


def test_endpoint_lists_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGETESTS_REDIS_SENTINELS", "10.0.0.1:26379,10.0.0.2:26379")
    sentinels = load_settings().redis.sentinels
    assert sentinels == (Endpoint("10.0.0.1", 26379), Endpoint("10.0.0.2", 26379))


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"postgres.writer": "no-port"}, "postgres.writer"),
        ({"postgres.nosuch": 1}, "postgres.nosuch"),
        ({"nosection.x": 1}, "nosection"),
        ({"run.duration_s": "soon"}, "run.duration_s"),
        ({"redis.tls": "maybe"}, "redis.tls"),
    ],
)
def test_bad_values_name_the_setting(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(overrides=overrides)


def test_unknown_profile_names_it() -> None:
    with pytest.raises(ConfigError, match="'nosuch' not found"):
        load_settings("nosuch")


def test_inheritance_cycle_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGETESTS_PROFILES_DIR", str(tmp_path))
    (tmp_path / "a.yaml").write_text("inherit: b\n")
    (tmp_path / "b.yaml").write_text("inherit: a\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_settings("a")


def test_unreadable_password_file_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGETESTS_POSTGRES_PASSWORD_FILE", "/nonexistent/pw")
    with pytest.raises(ConfigError, match=r"postgres\.password"):
        load_settings()


def test_secrets_never_show(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGETESTS_REDIS_PASSWORD", "hunter2-redis")
    settings = load_settings()
    shown = f"{settings!r} {settings} {settings.postgres.password} {settings.redis.password!r}"
    assert "test_password" not in shown
    assert "hunter2-redis" not in shown
    assert settings.scrub("dsn password=test_password and hunter2-redis") == \
        "dsn password=**** and ****"


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(AttributeError):
        settings.postgres.user = "other"  # type: ignore[misc]


def test_a_profile_file_elsewhere_resolves_the_same_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "staging.yaml").write_text(
        "inherit: smoke\nredis:\n  socket_timeout_s: 7\n")
    monkeypatch.chdir(tmp_path)
    given = load_settings("mine/staging.yaml")
    assert given.profile == "staging" and given.profile_source == str(
        tmp_path / "mine" / "staging.yaml")
    monkeypatch.chdir(tmp_path / "mine")  # the kernel's own working directory
    again = load_settings(given.profile_source)
    assert again == given and again.redis.socket_timeout_s == 7
