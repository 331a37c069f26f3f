"""Developer tools, run from the repository root (not part of the Pulumi program).

This file must stay: cron-descriptor's wheel installs a stray top-level ``tools`` folder into
site-packages, and only a regular package (one with ``__init__.py``) wins over it on import.
"""
