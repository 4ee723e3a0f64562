"""The API's resources, one router per area, all under /v1."""
