"""VSS readiness doctor: are the tagged Windows instances able to take VSS-enabled AWS Backup jobs?

``python -m doctor --region us-east-1`` reads EC2, IAM, SSM (and with ``--archive-copies`` KMS)
and reports, per instance, the checks of the article's VSS FAQ with a fix for each failure.
See ``doctor/README.md``. The checks are pure functions over :mod:`doctor.facts`; the AWS
reading lives in :mod:`doctor.fetch`.
"""

from .aws_errors import AwsProblem, explain
from .checks import (
    MIN_SSM_AGENT_VERSION,
    MIN_VSS_COMPONENTS_VERSION,
    CheckResult,
    Status,
    managed_policy_arn,
    run_checks,
)
from .facts import AgentFacts, InstanceFacts, InventoryFacts, ProfileFacts, VolumeFacts
from .fetch import Clients, fetch_instances
from .report import Report, build_report

__all__ = [
    "MIN_SSM_AGENT_VERSION",
    "MIN_VSS_COMPONENTS_VERSION",
    "AgentFacts",
    "AwsProblem",
    "CheckResult",
    "Clients",
    "InstanceFacts",
    "InventoryFacts",
    "ProfileFacts",
    "Report",
    "Status",
    "VolumeFacts",
    "build_report",
    "explain",
    "fetch_instances",
    "managed_policy_arn",
    "run_checks",
]
