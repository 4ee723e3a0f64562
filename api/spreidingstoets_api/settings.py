"""Settings of the HTTP API, read from the environment (prefix ``SPREIDINGSTOETS_API_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SPREIDINGSTOETS_API_", env_file=".env", extra="ignore", frozen=True
    )

    public_checks: bool = Field(
        False, description="checks and the address search without an API key (a public check)"
    )
    cors_origins: list[str] = Field(
        default_factory=lambda: ["*"], description="origins a browser may call the API from"
    )
    max_body_bytes: int = Field(1_000_000, gt=0, description="largest request body accepted")
    max_page_size: int = Field(100, gt=0, le=1000)
    key_cache_seconds: float = Field(
        2.0,
        ge=0,
        le=60,
        description="how long a worker trusts a key it has checked (a revoked key is refused "
        "at most this long after)",
    )
