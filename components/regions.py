"""Where AWS Backup runs: its regions and their partitions, from the endpoint data botocore ships.

The data is static (``botocore/data/endpoints.json`` of the installed botocore), read offline, so
a region name can be checked before anything is deployed. It lists opt-in regions too: whether
an account has *enabled* an opt-in region is account state that cannot be known offline, so a
region that is real but not enabled still only fails at deploy time. A region AWS opened after
the installed botocore was released is unknown here until botocore is upgraded.

Source: botocore's endpoint data for the ``backup`` service, read the way
``boto3.session.Session().get_available_regions("backup", partition_name=p)`` reads it for every
``get_available_partitions()`` (boto3 delegates both to the botocore session used here).
"""

from __future__ import annotations

import difflib
import functools
from typing import Optional

import botocore
import botocore.session

#: The service whose endpoints decide which regions count as real.
SERVICE = "backup"
#: The botocore release whose data is read (named in messages: newer regions need a newer one).
BOTOCORE_VERSION: str = botocore.__version__


@functools.cache
def backup_regions() -> dict[str, str]:
    """Every region where botocore lists an AWS Backup endpoint, with its partition (``aws``, ``aws-cn``, ...)."""
    session = botocore.session.get_session()
    return {
        region: partition
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(SERVICE, partition_name=partition)
    }


def partition_of(region: str) -> Optional[str]:
    """The partition of a region where AWS Backup runs, or ``None`` for a region botocore does not list."""
    return backup_regions().get(region)


def closest_regions(region: str, count: int = 3) -> list[str]:
    """Up to ``count`` real region names that look most like ``region`` (for a typo's fix)."""
    return difflib.get_close_matches(region, sorted(backup_regions()), n=count, cutoff=0.5)


__all__ = ["BOTOCORE_VERSION", "SERVICE", "backup_regions", "closest_regions", "partition_of"]
