"""API keys of the HTTP API, kept in the register database.

A key is a random token (``sst_`` + 43 URL-safe characters, 256 bits) shown once when it is
made; the database keeps only its sha256, which is enough for a token of that strength (no slow
password hash is needed: nobody can guess 256 random bits). Each key has a name (who uses it, for
the audit log) and scopes:

=========  ===========================================================
``read``   rulesets, register, stored decisions, their replay and ZGW objects
``check``  checks and the address search (no side effects)
``decide`` applications and decisions (writes the register)
``admin``  everything, and the audit log
=========  ===========================================================

Creating and revoking a key writes an audit row (action ``api-key``) under the register's write
lock, so the log shows which keys could write when; a revoked key stays in the table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from ..errors import ConflictError, InputError, NotFoundError, choice_error
from .db import Register
from .schema import api_key

SCOPES = ("read", "check", "decide", "admin")
TOKEN_PREFIX = "sst_"
PREFIX_SHOWN = 10  # characters of a key kept in clear, to tell keys apart in a listing


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    name: str
    scopes: tuple[str, ...]
    prefix: str
    created_at: dt.datetime
    created_by: str
    revoked_at: dt.datetime | None = None

    @property
    def actor(self) -> str:
        """How the audit log names writes made with this key."""
        return f"api-sleutel {self.id} ({self.name})"

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "scopes": list(self.scopes),
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def parse_scopes(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"check,decide"`` -> ``("check", "decide")``; an unknown scope names the valid ones."""
    items = text.split(",") if isinstance(text, str) else list(text)
    scopes = [s.strip().lower() for s in items if s.strip()]
    if not scopes:
        raise InputError(f"geef minstens een scope ({', '.join(SCOPES)})")
    for scope in scopes:
        if scope not in SCOPES:
            raise InputError(choice_error("scope", scope, SCOPES))
    return tuple(s for s in SCOPES if s in scopes)


def key_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _row(row: sa.Row[object]) -> ApiKey:
    m = row._mapping
    return ApiKey(
        id=int(m["id"]),
        name=m["name"],
        scopes=tuple(s for s in m["scopes"].split(",") if s),
        prefix=m["prefix"].strip(),
        created_at=m["created_at"],
        created_by=m["created_by"],
        revoked_at=m["revoked_at"],
    )


def create_key(
    register: Register, *, name: str, scopes: str | Iterable[str], actor: str
) -> tuple[ApiKey, str]:
    """A new key: its record and the token (shown once; only its sha256 is stored)."""
    name = (name or "").strip()
    if not name:
        raise InputError("geef de sleutel een naam (--name), bijv. de naam van het zaaksysteem")
    chosen = parse_scopes(scopes)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with register._write() as conn:
        moment = register._now(None)
        key_id = conn.execute(
            api_key.insert().returning(api_key.c.id),
            {
                "name": name,
                "scopes": ",".join(chosen),
                "key_sha256": key_hash(token),
                "prefix": token[:PREFIX_SHOWN],
                "created_at": moment,
                "created_by": actor,
            },
        ).scalar_one()
        _audit(register, conn, moment, actor, "create", int(key_id), name, chosen)
    key = ApiKey(int(key_id), name, chosen, token[:PREFIX_SHOWN], moment, actor)
    return key, token


def revoke_key(register: Register, key_id: int, *, actor: str) -> ApiKey:
    """Revoke a key: from then on it is refused (401); the record and the log stay."""
    with register._write() as conn:
        row = conn.execute(sa.select(api_key).where(api_key.c.id == key_id)).first()
        if row is None:
            raise NotFoundError(f"api-sleutel {key_id} bestaat niet")
        key = _row(row)
        if key.revoked_at is not None:
            raise ConflictError(
                f"api-sleutel {key_id} is al ingetrokken ({key.revoked_at:%Y-%m-%d})"
            )
        moment = register._now(None)
        conn.execute(api_key.update().where(api_key.c.id == key_id).values(revoked_at=moment))
        _audit(register, conn, moment, actor, "revoke", key_id, key.name, key.scopes)
    return ApiKey(key.id, key.name, key.scopes, key.prefix, key.created_at, key.created_by, moment)


def _audit(
    register: Register,
    conn: sa.Connection,
    moment: dt.datetime,
    actor: str,
    event: str,
    key_id: int,
    name: str,
    scopes: tuple[str, ...],
) -> None:
    payload = {"event": event, "key": key_id, "name": name, "scopes": list(scopes)}
    register._log(
        conn,
        at=moment,
        actor=actor,
        action="api-key",
        payload=json.dumps(payload, sort_keys=True, ensure_ascii=False),
        revision=register._current_revision(conn),
    )


def list_keys(register: Register) -> list[ApiKey]:
    with register._read() as conn:
        return [_row(r) for r in conn.execute(sa.select(api_key).order_by(api_key.c.id))]


def authenticate(register: Register, token: str) -> ApiKey | None:
    """The key a token belongs to, if it exists and is not revoked."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with register._read() as conn:
        row = conn.execute(
            sa.select(api_key).where(
                api_key.c.key_sha256 == key_hash(token), api_key.c.revoked_at.is_(None)
            )
        ).first()
    return None if row is None else _row(row)
