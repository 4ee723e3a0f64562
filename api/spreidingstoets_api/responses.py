"""Building answers: JSON bytes (verdicts embedded as the library wrote them, never re-encoded),
pagination links, and the OpenAPI ``responses`` of each operation."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from spreidingstoets_api.problems import bad_parameter

JSON = "application/json"
GEOJSON = "application/geo+json"


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":"))


def with_raw(data: dict[str, Any], **raw: str) -> str:
    """``data`` as JSON with the members in ``raw`` inserted as JSON text they already are."""
    text = dumps(data)
    extra = ",".join(f"{json.dumps(k)}:{v}" for k, v in raw.items())
    if not extra:
        return text
    return text[:-1] + ("," if len(text) > 2 else "") + extra + "}"


def json_response(
    body: str | bytes,
    status: int = 200,
    *,
    media_type: str = JSON,
    headers: dict[str, str] | None = None,
) -> Response:
    data = body.encode() if isinstance(body, str) else body
    return Response(data, status_code=status, media_type=media_type, headers=headers)


def page_params(request: Request, page: int, size: int, total: int) -> tuple[int, int]:
    """Offset and limit of a page; 400 for a page past the last (except page 1 of nothing)."""
    last = max(1, -(-total // size))
    if page > last:
        raise bad_parameter(
            "page",
            f"pagina {page} bestaat niet; er zijn {last} pagina's van {size}",
            f"hoogstens {last}",
        )
    return (page - 1) * size, size


def page_links(request: Request, page: int, size: int, total: int) -> dict[str, dict[str, str]]:
    last = max(1, -(-total // size))

    def href(n: int) -> str:
        return str(request.url.include_query_params(page=n, pageSize=size))

    links = {"self": {"href": href(page)}, "first": {"href": href(1)}, "last": {"href": href(last)}}
    if page > 1:
        links["prev"] = {"href": href(page - 1)}
    if page < last:
        links["next"] = {"href": href(page + 1)}
    return links


def link_header(links: dict[str, dict[str, str]]) -> str:
    return ", ".join(f'<{v["href"]}>; rel="{k}"' for k, v in links.items())


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for errors: problem+json with the Problem schema."""
    from spreidingstoets_api.problems import TITLES

    return {
        s: {
            "description": TITLES.get(s, "Fout"),
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
        for s in statuses
    }
