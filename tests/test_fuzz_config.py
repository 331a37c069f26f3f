"""Property-based tests of the stack config: random valid configs build what they describe and
send only valid AWS requests; random corruptions of the dev stack's config are refused, naming
the key path, before anything is registered."""

from __future__ import annotations

import copy
import string
import types
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

import contract
import pulumi
import pytest
from conftest import fixture_config
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from stack_config import StackConfig
from stack_config.models import RuleConfig, SelectionConfig

NS = "windows-server-backup"
ACCOUNT = "123456789012"

# run_config's temporary folder is shared by the examples of one test; each example rewrites
# the stack file before running, so sharing it is safe.
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


#: AWS's ranges for the numbers of a rule (AWS_RULES.md), stated here, not taken from the code.
RANGES = {
    "start_window_minutes": (60, 52_560_000),
    "completion_window_minutes": (1, 52_560_000),
    "delete_after_days": (1, 36_500),
    "cold_storage_after_days": (1, 36_500),
}
DAYS_MAX = RANGES["delete_after_days"][1]


# --- Valid configs ---------------------------------------------------------------------------

VAULT_CHARS = string.ascii_letters + string.digits + "-_"
NAME_CHARS = VAULT_CHARS + "."
# ',' is a valid role-name character but breaks the role's Name tag (a known gap, xfailed in
# test_contract.py); it is left out here until that is fixed.
ROLE_CHARS = string.ascii_letters + string.digits + "+=.@_-"
# Tags reach IAM (the role gets the stack's tags), whose tags allow letters, digits, spaces
# and _.:/=+-@ only; rules.tags does not check that yet (xfailed in test_contract.py).
TAG_CHARS = st.characters(categories=["L", "N"], include_characters=" _.:/=+-@")

tag_keys = st.text(TAG_CHARS, min_size=1, max_size=128).filter(lambda key: not key.lower().startswith("aws:"))
tag_values = st.text(TAG_CHARS, max_size=256)
tag_maps = st.dictionaries(tag_keys, tag_values, max_size=3)
names = st.text(NAME_CHARS, min_size=1, max_size=50)


@st.composite
def cron_expressions(draw) -> str:
    """Schedules of the shapes AWS documents, at least an hour apart: a single minute, then
    hours, days and months that keep runs at least monthly (so a few hundred runs stay in range)."""
    minute = draw(st.integers(0, 59))
    hour = draw(
        st.one_of(
            st.integers(0, 23).map(str),
            st.just("*"),
            st.integers(1, 12).map(lambda step: f"0/{step}"),
            st.lists(st.integers(0, 23), min_size=2, max_size=3, unique=True).map(
                lambda hs: ",".join(map(str, sorted(hs)))
            ),
            st.tuples(st.integers(0, 11), st.integers(12, 23)).map(lambda span: f"{span[0]}-{span[1]}"),
        )
    )
    day_of_month, day_of_week = draw(
        st.one_of(
            st.tuples(st.just("?"), st.sampled_from(["*", "SUN", "MON-FRI", "MON,WED,FRI", "1-7", "SAT", "2#1"])),
            st.tuples(st.sampled_from(["*", "1", "15", "1,15", "L", "28"]), st.just("?")),
        )
    )
    month = draw(st.sampled_from(["*", "*", "1-6", "JAN-JUN"]))
    return f"cron({minute} {hour} {day_of_month} {month} {day_of_week} *)"


@st.composite
def lifecycles(draw) -> dict[str, Any]:
    """Retention that obeys AWS: delete >= cold + 90; continuous backups keep 1-35 days, never cold."""
    if draw(st.integers(0, 9)) == 9:
        return {"continuous_backup": True, "delete_after_days": draw(st.integers(1, 35))}
    settings_: dict[str, Any] = {}
    cold = draw(st.none() | st.integers(1, DAYS_MAX - 90))
    if cold is not None:
        settings_["cold_storage_after_days"] = cold
    delete = draw(st.none() | st.integers(cold + 90 if cold else 1, DAYS_MAX))
    if delete is not None:
        settings_["delete_after_days"] = delete
    if draw(st.booleans()):
        settings_["opt_in_to_archive"] = True
    return settings_


@st.composite
def rule_configs(draw) -> dict[str, Any]:
    rule: dict[str, Any] = {"schedule": draw(cron_expressions())}
    if draw(st.booleans()):
        rule["timezone"] = draw(st.sampled_from(["UTC", "Etc/UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo"]))
    if draw(st.booleans()):
        rule["start_window_minutes"] = draw(st.integers(*RANGES["start_window_minutes"]))
    if draw(st.booleans()):
        rule["completion_window_minutes"] = draw(st.integers(*RANGES["completion_window_minutes"]))
    if draw(st.booleans()):
        rule["recovery_point_tags"] = draw(tag_maps)
    return {**rule, **draw(lifecycles())}


specific_arns = st.one_of(
    st.from_regex(r"i-[0-9a-f]{17}", fullmatch=True).map(lambda i: f"arn:aws:ec2:*:{ACCOUNT}:instance/{i}"),
    st.from_regex(r"vol-[0-9a-f]{17}", fullmatch=True).map(lambda v: f"arn:aws:ec2:*:{ACCOUNT}:volume/{v}"),
    st.sampled_from([f"arn:aws:ec2:*:{ACCOUNT}:instance/*", f"arn:aws:ec2:*:{ACCOUNT}:volume/*"]),
)
resource_arns = st.just("*") | specific_arns


@st.composite
def selection_configs(draw) -> dict[str, Any]:
    """A selection that selects something: by tag, by ARN, by condition, or a mix."""
    ways = draw(st.sets(st.sampled_from(["tags", "resources", "conditions"]), min_size=1))
    selection: dict[str, Any] = {}
    if "tags" in ways:
        selection["tags"] = draw(st.dictionaries(tag_keys, tag_values, min_size=1, max_size=3))
    if "resources" in ways:
        selection["resources"] = draw(st.lists(resource_arns, min_size=1, max_size=2, unique=True))
        if draw(st.booleans()):
            selection["not_resources"] = draw(st.lists(specific_arns, max_size=2, unique=True))
    if "conditions" in ways:
        kinds = draw(
            st.sets(
                st.sampled_from(["string_equals", "string_not_equals", "string_like", "string_not_like"]), min_size=1
            )
        )
        selection["conditions"] = {
            kind: draw(st.dictionaries(tag_keys, tag_values, min_size=1, max_size=2)) for kind in kinds
        }
    return selection


VOLUMES = f"arn:aws:ec2:*:{ACCOUNT}:volume/*"


def _cold_where_aws_applies_it(plan: dict[str, Any]) -> None:
    """AWS Backup moves only EBS volume backups to cold storage, and only with the archive opt-in; it
    ignores cold storage for EC2 instances (AWS_RULES.md), and the program refuses a setting AWS would
    ignore for everything a plan selects. So a plan asking for cold storage opts in and selects volumes."""
    if not any("cold_storage_after_days" in rule for rule in plan["rules"]):
        return
    for rule in plan["rules"]:
        if "cold_storage_after_days" in rule:
            rule["opt_in_to_archive"] = True
    for selection in plan["selections"]:
        if "not_resources" in selection:
            selection["not_resources"] = [arn for arn in selection["not_resources"] if not arn.endswith(":volume/*")]
    if not any(arn in ("*", VOLUMES) for selection in plan["selections"] for arn in selection.get("resources", [])):
        plan["selections"][0].setdefault("resources", []).append(VOLUMES)


@st.composite
def plan_configs(draw, name: str) -> dict[str, Any]:
    plan: dict[str, Any] = {"name": name}
    rule_list = draw(st.lists(rule_configs(), min_size=1, max_size=2))
    selection_list = draw(st.lists(selection_configs(), min_size=1, max_size=3))
    # Several rules (or selections) each need a unique name; a single one may go without.
    for items in (rule_list, selection_list):
        if len(items) > 1 or draw(st.booleans()):
            for item, item_name in zip(
                items, draw(st.lists(names, min_size=len(items), max_size=len(items), unique=True)), strict=True
            ):
                item["name"] = item_name
    plan["rules"], plan["selections"] = rule_list, selection_list
    if draw(st.booleans()):
        plan["windows_vss"] = True
    _cold_where_aws_applies_it(plan)
    if draw(st.booleans()):
        plan["tags"] = draw(tag_maps)
    return plan


def _selection_logical_names(plans: list[dict[str, Any]]) -> list[str]:
    return [f"{p['name']}-{s.get('name', p['name'])}" for p in plans for s in p["selections"]]


@st.composite
def stack_configs(draw) -> dict[str, Any]:
    """The ``config:`` of a valid stack file (the dict form of StackConfig plus aws:region)."""
    region = draw(st.sampled_from(["us-east-1", "us-west-2", "eu-central-1"]))
    vault: dict[str, Any] = {"name": draw(st.text(VAULT_CHARS, min_size=2, max_size=50))}
    if draw(st.booleans()):
        vault["kms_key"] = draw(st.uuids().map(lambda key: f"arn:aws:kms:{region}:{ACCOUNT}:key/{key}"))
    if draw(st.booleans()):
        vault["protect"] = draw(st.booleans())
    if draw(st.booleans()):
        vault["tags"] = draw(tag_maps)
    role: dict[str, Any] = draw(
        st.one_of(
            st.just({}),
            st.text(ROLE_CHARS, min_size=1, max_size=64).map(lambda name: {"name": name}),
            st.text(ROLE_CHARS, min_size=1, max_size=64).map(
                lambda name: {"existing_arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"}
            ),
        )
    )
    if draw(st.booleans()):
        role["allow_restores"] = draw(st.booleans())
    if draw(st.booleans()):
        role["tags"] = draw(tag_maps)
    plan_names = draw(st.lists(names, min_size=1, max_size=2, unique=True))
    plans = [draw(plan_configs(name)) for name in plan_names]
    # Plan 'a' with selection 'b-c' and plan 'a-b' with selection 'c' give two children the same
    # name (a known gap, xfailed in test_contract.py): such pairs are left out here.
    logical = _selection_logical_names(plans)
    if len(set(logical)) != len(logical):
        reject()
    config = {"aws:region": region, f"{NS}:vault": vault, f"{NS}:plans": plans}
    if role:
        config[f"{NS}:role"] = role
    if draw(st.booleans()):
        config[f"{NS}:tags"] = draw(tag_maps)
    return config


@settings(FUZZ, max_examples=60)
@given(config=stack_configs())
def test_a_valid_config_builds_what_it_describes_with_valid_requests(run_config, config):
    run = run_config(config)
    assert run.error is None, run.error
    vault, plans, role = config[f"{NS}:vault"], config[f"{NS}:plans"], config.get(f"{NS}:role", {})
    creates_role = "existing_arn" not in role

    counts = Counter(r.type for r in run.resources if r.custom)
    assert counts["aws:backup/vault:Vault"] == 1
    assert (
        counts["aws:iam/role:Role"]
        == counts["aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"]
        == (1 if creates_role else 0)
    )
    assert counts["aws:backup/plan:Plan"] == len(plans)
    assert counts["aws:backup/selection:Selection"] == sum(len(plan["selections"]) for plan in plans)
    urns = [r.urn for r in run.registrations]
    assert len(urns) == len(set(urns))

    requests = contract.translate(run)
    assert contract.invalid_requests(requests) == {}
    by_operation: dict[str, list[dict[str, Any]]] = {}
    for request in requests:
        by_operation.setdefault(request.operation, []).append(request.params)
    assert [v["BackupVaultName"] for v in by_operation["CreateBackupVault"]] == [vault["name"]]
    sent_plans = {p["BackupPlan"]["BackupPlanName"]: p["BackupPlan"] for p in by_operation["CreateBackupPlan"]}
    assert sent_plans.keys() == {plan["name"] for plan in plans}
    for plan in plans:
        sent = sent_plans[plan["name"]]
        assert [r["RuleName"] for r in sent["Rules"]] == [r.get("name", plan["name"]) for r in plan["rules"]]
        assert [r["ScheduleExpression"] for r in sent["Rules"]] == [r["schedule"] for r in plan["rules"]]
        assert ("AdvancedBackupSettings" in sent) == plan.get("windows_vss", False)
    assert sorted(s["BackupSelection"]["SelectionName"] for s in by_operation["CreateBackupSelection"]) == sorted(
        s.get("name", p["name"]) for p in plans for s in p["selections"]
    )
    if "name" in role:
        assert [r["RoleName"] for r in by_operation["CreateRole"]] == [role["name"]]


# --- Corruptions of the seed fixture's config -----------------------------------------------

_SEED = fixture_config("seed")
#: The settings under the project's namespace, as a tree to corrupt.
SEED = {key[len(NS) + 1 :]: value for key, value in _SEED.items() if key.startswith(f"{NS}:")}
OTHER_KEYS = {key: value for key, value in _SEED.items() if not key.startswith(f"{NS}:")}

Path_ = tuple[str | int, ...]


def key_path(path: Path_) -> str:
    """``('plans', 0, 'rules')`` -> ``plans[0].rules``, as the error messages write it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _bare(annotation: Any) -> Any:
    """The type under ``Annotated[...]`` and ``Optional[...]``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


@dataclass(frozen=True)
class Node:
    """One value of the config tree, with what the models say about it."""

    path: Path_
    value: Any
    type: Any
    """The field's type without Annotated/Optional (a model class, list[...], dict[...], str...)."""
    owner: Any = None
    """The model the value is a field of (None for list items, mapping values and the root)."""
    min_length: int = 0


def nodes(value: Any, annotation: Any = StackConfig, path: Path_ = (), owner: Any = None, min_length: int = 0):
    """Every node of the config tree, walking the models alongside the values."""
    bare = _bare(annotation)
    yield Node(path, value, bare, owner, min_length)
    if _is_model(bare) and isinstance(value, dict):
        for key, item in value.items():
            field = bare.model_fields.get(key)
            if field is not None:
                least = next((m.min_length for m in field.metadata if hasattr(m, "min_length")), 0)
                yield from nodes(item, field.annotation, (*path, key), bare, least)
    elif get_origin(bare) is list and isinstance(value, list):
        for index, item in enumerate(value):
            yield from nodes(item, get_args(bare)[0], (*path, index))
    elif get_origin(bare) is dict and isinstance(value, dict):
        for key, item in value.items():
            yield from nodes(item, get_args(bare)[1], (*path, key))


NODES = list(nodes(SEED))


def _get(tree: Any, path: Path_) -> Any:
    for part in path:
        tree = tree[part]
    return tree


def _set(tree: dict[str, Any], path: Path_, value: Any) -> None:
    _get(tree, path[:-1])[path[-1]] = value


def _delete(tree: dict[str, Any], path: Path_) -> None:
    del _get(tree, path[:-1])[path[-1]]


# A plain word is never read as JSON or YAML (the engine passes top-level values as text).
words = st.text(string.ascii_lowercase, min_size=1, max_size=8).map(lambda w: f"x{w}")


def other_types(value: Any) -> st.SearchStrategy[Any]:
    """Values of any JSON type but ``value``'s (never null: null means 'not set' for optional keys)."""
    choices = {
        str: words,
        int: st.integers(-5, 10**6),
        float: st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
        bool: st.booleans(),
        list: st.lists(words, max_size=2),
        dict: st.dictionaries(words, words, max_size=2),
    }
    own = type(value)
    return st.one_of([strategy for kind, strategy in choices.items() if kind is not own])


bad_crons = st.one_of(
    st.sampled_from(
        [
            "rate(7 days)",
            "cron(0 18 * * SUN *)",  # both day fields set
            "cron(0 18 ? * ? *)",  # neither
            "cron(0 18 ? * SUN)",  # five fields
            "cron(0 18 ? * SUN * *)",  # seven
            "0 18 ? * SUN *",  # no cron(...)
            "cron(0/30 * ? * * *)",  # every 30 minutes
            "cron(* 18 ? * SUN *)",  # every minute of an hour
            "cron(0,15 18 ? * SUN *)",
            "",
        ]
    ),
    # One field out of its range, the others fine.
    st.integers(60, 99).map(lambda m: f"cron({m} 18 ? * SUN *)"),
    st.integers(24, 99).map(lambda h: f"cron(0 {h} ? * SUN *)"),
    st.integers(32, 99).map(lambda d: f"cron(0 18 {d} * ? *)"),
    st.integers(13, 99).map(lambda m: f"cron(0 18 1 {m} ? *)"),
    st.integers(8, 99).map(lambda d: f"cron(0 18 ? * {d} *)"),
    st.one_of(st.integers(1000, 1969), st.integers(2200, 9999)).map(lambda y: f"cron(0 18 ? * SUN {y})"),
)


def _corruptions() -> list[tuple[str, Path_]]:
    """Every (kind of corruption, path) the seed config offers."""
    found: list[tuple[str, Path_]] = [("delete", ("aws:region",))]
    for node in NODES:
        path, value = node.path, node.value
        if path:
            found.append(("wrong_type", path))
        if node.owner is RuleConfig and path[-1] in RANGES and isinstance(value, int):
            found.append(("out_of_range", path))
        if node.owner is RuleConfig and path[-1] == "schedule":
            found.append(("bad_cron", path))
        if _is_model(node.type) and isinstance(value, dict):
            found.append(("unknown_key", path))
            found += [("delete", (*path, key)) for key in value if node.type.model_fields[key].is_required()]
            if node.type is SelectionConfig and set(value) <= {"name", "tags"}:
                found.append(("empty_selection", path))
            if node.type is RuleConfig and isinstance(value.get("delete_after_days"), int):
                found.append(("cold_too_late", path))
        if node.min_length and isinstance(value, list):
            found.append(("empty_list", path))
    return found


CORRUPTIONS = _corruptions()
KINDS = {kind for kind, _ in CORRUPTIONS}


@st.composite
def corrupted_configs(draw, kind: str, path: Path_) -> tuple[dict[str, Any], str, str]:
    """(stack config, the key path the error must name, what was done): the seed's config with
    the corruption ``kind`` at ``path``, its bad value drawn."""
    tree, others = copy.deepcopy(SEED), dict(OTHER_KEYS)
    expected = path
    if kind == "delete" and path == ("aws:region",):
        del others["aws:region"]
    elif kind == "delete":
        _delete(tree, path)
    elif kind == "wrong_type":
        _set(tree, path, draw(other_types(_get(tree, path))))
    elif kind == "out_of_range":
        low, high = RANGES[str(path[-1])]
        _set(tree, path, draw(st.integers(-(10**9), low - 1) | st.integers(high + 1, 10**12)))
    elif kind == "bad_cron":
        _set(tree, path, draw(bad_crons))
    elif kind == "unknown_key":
        node = _get(tree, path)
        known = set(next(n.type for n in NODES if n.path == path).model_fields)
        key = draw(st.from_regex(r"[a-z][a-z_]{0,15}", fullmatch=True).filter(lambda k: k not in known))
        node[key] = draw(st.one_of(words, st.integers(), st.booleans()))
        expected = (*path, key)
    elif kind == "empty_selection":
        # No tags left (emptied or removed) and nothing else: the selection would take everything.
        if draw(st.booleans()):
            _get(tree, path)["tags"] = {}
        else:
            _get(tree, path).pop("tags", None)
        expected = (*path, "tags")
    elif kind == "cold_too_late":
        # Cold storage closer than 90 days to deletion; the rule names delete_after_days.
        rule = _get(tree, path)
        delete = rule["delete_after_days"]
        rule["cold_storage_after_days"] = draw(st.integers(max(1, delete - 89), delete + 1000))
        expected = (*path, "delete_after_days")
    elif kind == "empty_list":
        _set(tree, path, [])
    config = {**others, **{f"{NS}:{key}": value for key, value in tree.items()}}
    return config, key_path(expected), f"{kind} at {key_path(path)}"


def test_the_seed_offers_every_kind_of_corruption():
    assert {
        "delete",
        "wrong_type",
        "out_of_range",
        "bad_cron",
        "unknown_key",
        "empty_selection",
        "cold_too_late",
        "empty_list",
    } == KINDS


#: Bad values drawn per kind of corruption, shared among the places the seed offers it (at least
#: 3 per place): the kinds with few places (bad schedules, cold storage) get more values each.
VALUES_PER_KIND = 30


# Every corruption at every place the seed offers it, each with values drawn for it.
@pytest.mark.parametrize(("kind", "path"), CORRUPTIONS, ids=[f"{kind}-{key_path(path)}" for kind, path in CORRUPTIONS])
def test_a_corrupted_config_is_refused_naming_the_key_path(run_config, kind, path):
    places = sum(1 for other, _ in CORRUPTIONS if other == kind)

    @settings(FUZZ, max_examples=max(3, VALUES_PER_KIND // places))
    @given(corruption=corrupted_configs(kind, path))
    def refused(corruption: tuple[dict[str, Any], str, str]) -> None:
        config, expected_path, what = corruption
        # Any other exception (KeyError, TypeError, AttributeError...) propagates and fails the test.
        run = run_config(config)
        assert isinstance(run.error, pulumi.RunError), f"{what}: accepted"
        assert f"  - {expected_path}: " in str(run.error), f"{what}: {run.error}"
        assert [r.type for r in run.registrations] == ["pulumi:pulumi:Stack"], what

    refused()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((), ""),
        (("vault",), "vault"),
        (("plans", 0, "rules", 1, "schedule"), "plans[0].rules[1].schedule"),
        (("plans", 0, "selections", 0, "tags", "alk:backup"), "plans[0].selections[0].tags.alk:backup"),
    ],
)
def test_key_path(path, expected):
    assert key_path(path) == expected
