"""Serve the components as the Pulumi package ``windows-server-backup`` (any-language use)."""

from pulumi.provider.experimental import component_provider_host

from components import PACKAGE_COMPONENTS

PACKAGE_NAME = "windows-server-backup"
PACKAGE_VERSION = "0.1.0"

if __name__ == "__main__":
    component_provider_host(components=PACKAGE_COMPONENTS, name=PACKAGE_NAME, version=PACKAGE_VERSION)
