"""The pure core: domain types and vocabulary that every layer imports.

Nothing here imports a file, database, web or YAML library (``tests/test_architecture.py``).
"""
