"""All of robot's settings, in one pydantic-settings model.

Sources, strongest first: keyword arguments, environment (`ROBOT_` prefix, nested with `__`, e.g.
`ROBOT_ESL__PASSWORD`), a `.env` file in the working directory, a TOML file given with `--config`, then the
defaults written here. Every field says its unit. Secrets are `SecretStr`: they print as `**********`.

The sections live in this package's modules: switch (esl, media), speech (asr, vad, asr_service), amd,
dialog, campaign (campaign, log, console) and sim; every section class is importable from `robot.settings`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from robot.errors import ConfigError
from robot.settings.amd import AmdSettings
from robot.settings.campaign import CampaignSettings, ConsoleSettings, LogSettings
from robot.settings.dialog import DialogSettings
from robot.settings.sim import SimSettings
from robot.settings.speech import AsrServiceSettings, AsrSettings, VadSettings
from robot.settings.switch import EslEndpoint, EslSettings, MediaSettings

__all__ = [
    "AmdSettings",
    "AsrServiceSettings",
    "AsrSettings",
    "CampaignSettings",
    "ConsoleSettings",
    "DialogSettings",
    "EslEndpoint",
    "EslSettings",
    "LogSettings",
    "MediaSettings",
    "Settings",
    "SimSettings",
    "VadSettings",
    "load_settings",
]


class Settings(BaseSettings):
    """robot's settings. See each section's fields for units and defaults."""

    model_config = SettingsConfigDict(
        env_prefix="ROBOT_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        # A .env shared with docker compose holds non-ROBOT_ keys too: ignore them at the top level.
        # Sections forbid unknown fields, so a typo in ROBOT_ESL__PASWORD or a TOML section is still an error.
        extra="ignore",
        nested_model_default_partial_update=True,
    )

    esl: EslSettings = Field(default_factory=EslSettings)  # type: ignore[arg-type]
    media: MediaSettings = Field(default_factory=MediaSettings)  # type: ignore[arg-type]
    asr: AsrSettings = Field(default_factory=AsrSettings)  # type: ignore[arg-type]
    vad: VadSettings = Field(default_factory=VadSettings)  # type: ignore[arg-type]
    asr_service: AsrServiceSettings = Field(default_factory=AsrServiceSettings)  # type: ignore[arg-type]
    amd: AmdSettings = Field(default_factory=AmdSettings)  # type: ignore[arg-type]
    dialog: DialogSettings = Field(default_factory=DialogSettings)  # type: ignore[arg-type]
    campaign: CampaignSettings = Field(default_factory=CampaignSettings)  # type: ignore[arg-type]
    log: LogSettings = Field(default_factory=LogSettings)  # type: ignore[arg-type]
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)  # type: ignore[arg-type]
    sim: SimSettings = Field(default_factory=SimSettings)  # type: ignore[arg-type]


def _describe(err: ValidationError, source: str) -> str:
    lines = [f"invalid settings ({source}):"]
    for item in err.errors():
        where = ".".join(str(p) for p in item["loc"])
        secret = any(word in where for word in ("password", "secret", "token"))
        got = "" if secret else f" (got {item.get('input')!r})"
        lines.append(f"  {where}: {item['msg']}{got}")
    return "\n".join(lines)


def _describe_source_error(err: SettingsError) -> str:
    cause = f": {err.__cause__}" if err.__cause__ else ""
    return f"invalid settings: {err}{cause} (nested values in ROBOT_* variables are JSON)"


def _check_sections(config: Path) -> None:
    """A misspelt section ([campain]) or a top-level key is an error, not silently ignored."""
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{config}: {err}") from err
    known = set(Settings.model_fields)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{config}: unknown section(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings; `config` is an optional TOML file (weaker than env and .env).

    Raises ConfigError naming the file and the field on any invalid value.
    """
    if config is None:
        try:
            return Settings(**overrides)
        except ValidationError as err:
            raise ConfigError(_describe(err, "environment/.env")) from err
        except SettingsError as err:  # e.g. ROBOT_CAMPAIGN__RETRY_DELAY_S='{bad' (not JSON)
            raise ConfigError(_describe_source_error(err)) from err
    if not config.is_file():
        raise ConfigError(f"{config}: config file not found")
    _check_sections(config)
    toml_path = config

    class _FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=toml_path)

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (
                init_settings,
                env_settings,
                dotenv_settings,
                TomlConfigSettingsSource(settings_cls),
                file_secret_settings,
            )

    try:
        return _FileSettings(**overrides)
    except ValidationError as err:
        raise ConfigError(_describe(err, str(config))) from err
    except SettingsError as err:
        raise ConfigError(_describe_source_error(err)) from err
    except ValueError as err:  # TOML syntax errors carry line/column in their message
        raise ConfigError(f"{config}: {err}") from err
