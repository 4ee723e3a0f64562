"""The service layer every front-end calls (CLI, API, web page, workers): a workspace built
once from settings, and checks, batches and decisions on it. No rules live here."""
