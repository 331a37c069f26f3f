"""Serve the components as the Pulumi package ``windows-server-backup`` (any-language use)."""

from importlib.metadata import version

from pulumi.provider.experimental import component_provider_host

# Installed from the folder above by requirements.txt (``../``), under its package name.
from windows_server_backup import PACKAGE_COMPONENTS

PACKAGE_NAME = "windows-server-backup"
#: The version of the installed components (pyproject.toml), so the two cannot drift apart.
PACKAGE_VERSION = version("windows-server-backup")

if __name__ == "__main__":
    component_provider_host(components=PACKAGE_COMPONENTS, name=PACKAGE_NAME, version=PACKAGE_VERSION)
