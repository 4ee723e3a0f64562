"""The HTTP API of spreidingstoets for case-management systems (NL API Design Rules 2.x).

A thin layer over the service layer (``spreidingstoets.service``): handlers validate input,
call the service and shape the answer; rules, checks and decisions live in the library, which
never imports this package. Start it with ``spreidingstoets serve`` or any ASGI server with the
factory ``spreidingstoets_api.app:app_from_env``.
"""

API_VERSION = "1.0.0"  # the API's semantic version (the API-Version header); /v1 is its major
