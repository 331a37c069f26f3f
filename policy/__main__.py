"""Entry point of the policy pack: `pulumi preview --policy-pack policy` runs this file.

PolicyPack starts pulumi-policy's analyzer server and serves until the CLI stops it, so the
policies themselves live in importable modules (backup_policies, backup_policy_pack) that the
tests call directly.
"""

from backup_policy_pack import PACK_NAME, policies
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(name=PACK_NAME, policies=policies(), enforcement_level=EnforcementLevel.MANDATORY)
