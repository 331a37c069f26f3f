"""Where AWS Backup runs: its regions and their partitions, from the endpoint data botocore ships.

The data is static (``botocore/data/endpoints.json`` of the installed botocore), read offline, so
a region name can be checked before anything is deployed. It lists opt-in regions too: whether
an account has *enabled* an opt-in region is account state that cannot be known offline, so a
region that is real but not enabled still only fails at deploy time. A region AWS opened after
the installed botocore was released is unknown here until botocore is upgraded.

Source: botocore's endpoint data for the ``backup`` service, which
``boto3.session.Session().get_available_regions("backup", partition_name=p)`` reads for every
``get_available_partitions()``. It is read here as botocore's ``EndpointResolver`` reads it, without
a botocore session: a session costs a run about 130 ms and 38 MB (it imports most of botocore and
loads the whole AWS Backup API model to find the service's endpoint prefix, ``backup``), the data
file alone about 8 ms and 7 MB (bench/RESULTS.md). The tests check both give the same regions.
"""

from __future__ import annotations

import difflib
import functools
import json
from importlib import resources
from typing import Optional

import botocore  # the package alone (light): its version and its data folder

#: The service whose endpoints decide which regions count as real.
SERVICE = "backup"
#: The botocore release whose data is read (named in messages: newer regions need a newer one).
BOTOCORE_VERSION: str = botocore.__version__


@functools.cache
def backup_regions() -> dict[str, str]:
    """Every region where botocore lists an AWS Backup endpoint, with its partition (``aws``, ``aws-cn``, ...).

    As ``EndpointResolver.get_available_endpoints`` reads the data: in each partition, the
    service's endpoints that are regions of that partition (not ``fips-...`` and the like).
    """
    data = json.loads((resources.files(botocore) / "data" / "endpoints.json").read_text(encoding="utf-8"))
    return {
        region: partition["partition"]
        for partition in data["partitions"]
        for region in partition["services"].get(SERVICE, {}).get("endpoints", {})
        if region in partition["regions"]
    }


def partition_of(region: str) -> Optional[str]:
    """The partition of a region where AWS Backup runs, or ``None`` for a region botocore does not list."""
    return backup_regions().get(region)


def partitions() -> frozenset[str]:
    """The partitions with an AWS Backup region (``aws``, ``aws-cn``, ``aws-us-gov``, ...)."""
    return frozenset(backup_regions().values())


def closest_regions(region: str, count: int = 3) -> list[str]:
    """Up to ``count`` real region names that look most like ``region`` (for a typo's fix)."""
    return difflib.get_close_matches(region, sorted(backup_regions()), n=count, cutoff=0.5)


__all__ = ["BOTOCORE_VERSION", "SERVICE", "backup_regions", "closest_regions", "partition_of", "partitions"]
