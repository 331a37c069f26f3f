"""Where this engine is imported from, for the commands it prints and the interpreters it starts.

In this repository the engine is the top-level package ``offline``, beside ``components``.
Installed (pyproject.toml maps the folders), it is ``windows_server_backup.offline``, inside the
components' own package. Nothing here imports the components.
"""

from __future__ import annotations

from pathlib import Path

#: What ``python -m`` runs: ``offline`` here, ``windows_server_backup.offline`` when installed.
ENGINE_MODULE = __name__.rpartition(".")[0]

#: The package of the components the reports describe: the engine's parent package when
#: installed, the folder ``components`` beside it here.
COMPONENTS_PACKAGE = ENGINE_MODULE.rpartition(".")[0] or "components"

#: The folder the engine's top-level package is imported from (this repository's root, or
#: site-packages): child interpreters start there, so they import this same engine.
IMPORT_ROOT = Path(__file__).resolve().parents[ENGINE_MODULE.count(".") + 1]


def engine_command(*args: str) -> str:
    """The command line a person types to run the engine with ``args``."""
    return " ".join(["python -m", ENGINE_MODULE, *args])


__all__ = ["COMPONENTS_PACKAGE", "ENGINE_MODULE", "IMPORT_ROOT", "engine_command"]
