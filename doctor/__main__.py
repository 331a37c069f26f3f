"""``python -m doctor``: check that tagged Windows instances are ready for VSS-enabled AWS Backup.

Exit status: 0 when every check passed (warnings allowed), 1 when a check failed or no
instance carries the tag, 2 for a usage error or an AWS error (reported in one line).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console

from components.rules import aws_region

from .aws_errors import explain
from .fetch import Clients, fetch_instances
from .report import EXIT_ERROR, build_report
from .table import render

#: The article's tag for Windows instances backed up weekly with VSS.
DEFAULT_TAG_KEY = "alk:backup"
DEFAULT_TAG_VALUE = "windows-weekly-ec2-vss"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line; argparse exits with status 2 on a usage error."""
    parser = argparse.ArgumentParser(
        prog="python -m doctor",
        description="Check that the tagged Windows instances are ready for VSS-enabled AWS Backup jobs.",
        epilog="Exit status: 0 all checks passed (warnings allowed), 1 a check failed or no instance is tagged, "
        "2 usage or AWS error.",
    )
    parser.add_argument("--region", required=True, help="AWS region of the instances, e.g. us-east-1")
    parser.add_argument(
        "--tag-key", default=DEFAULT_TAG_KEY, help=f"tag key that selects the instances (default: {DEFAULT_TAG_KEY})"
    )
    parser.add_argument(
        "--tag-value",
        default=DEFAULT_TAG_VALUE,
        help=f"tag value that selects the instances (default: {DEFAULT_TAG_VALUE})",
    )
    parser.add_argument(
        "--archive-copies",
        action="store_true",
        help="also check that no EBS volume uses the AWS-managed aws/ebs key, which blocks cross-account copies",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
    parser.add_argument("--profile", help="AWS profile to use (default: the standard credential chain)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, clients_for: Callable[[str, str | None], Clients] = Clients.for_region) -> int:
    """Run the doctor; returns the exit status. ``clients_for(region, profile)`` makes the boto3 clients."""
    options = parse_args(argv)
    problem = aws_region(options.region)
    if problem:
        return _error(options, "usage", f"--region {options.region!r}: {problem}")
    try:
        clients = clients_for(options.region, options.profile)
        facts = fetch_instances(clients, options.tag_key, options.tag_value, options.archive_copies)
    except (BotoCoreError, ClientError) as error:
        aws = explain(error)
        return _error(options, aws.kind, aws.message)

    report = build_report(facts, options.region, options.tag_key, options.tag_value, options.archive_copies)
    if options.json:
        print(json.dumps(report.to_json(), indent=2))
    elif not report.instances:
        print(
            f"No instance in {options.region} carries the tag {options.tag_key}={options.tag_value} "
            "(terminated instances are not counted): nothing is selected for this VSS plan."
        )
    else:
        render(report, Console(highlight=False))
    return report.exit_code


def _error(options: argparse.Namespace, kind: str, message: str) -> int:
    """One line on stderr; with ``--json`` also a JSON object on stdout, so scripts always get JSON."""
    print(f"error: {message}", file=sys.stderr)
    if options.json:
        print(json.dumps({"error": {"kind": kind, "message": message}}))
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
