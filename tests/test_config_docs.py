"""The generated stack-file schema and config reference: current, correct, and complete.

When a test here fails after a change to ``stack_config/models.py``, run
``python tools/config_docs.py`` and commit the two regenerated files.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal, Optional, Union

import pytest
import yaml
from conftest import FIXTURES_DIR, seed_config
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError
from pydantic import ValidationError

from stack_config.models import PlanConfig, StackConfig
from tools import config_docs

PROJECT_DIR = Path(__file__).resolve().parent.parent
NAMESPACE = "windows-server-backup"
SCHEMA_FILE = PROJECT_DIR / "schema" / "pulumi-stack.schema.json"
REFERENCE_FILE = PROJECT_DIR / "docs" / "config-reference.md"
#: Folders that hold no stack files of this project (environments, caches).
_NOT_SEARCHED = {".git", ".venv", "venv", "node_modules", ".pytest_cache", ".mypy_cache", ".ruff_cache", "__pycache__"}
#: A value as Pulumi writes it for `pulumi config set --secret` (the ciphertext is made up).
SECRET = {"secure": "v1:bm90LWEtcmVhbC1jaXBoZXJ0ZXh0"}


def stack_files() -> list[Path]:
    """Every ``Pulumi.<stack>.yaml`` in the repository, in any folder but environments and caches."""
    found = []
    for folder, subfolders, files in os.walk(PROJECT_DIR):
        subfolders[:] = sorted(name for name in subfolders if name not in _NOT_SEARCHED)
        found += [Path(folder) / name for name in files if re.fullmatch(r"Pulumi\..+\.yaml", name)]
    return sorted(found)


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def leaf_errors(validator: Draft202012Validator, document: Any) -> list[tuple[tuple[Any, ...], str, str]]:
    """``(path, keyword, message)`` of every error, with anyOf failures opened up into the
    errors of their branches (where the real reason is)."""
    found = []

    def visit(error: SchemaError) -> None:
        if error.context:
            for sub in error.context:
                visit(sub)
        else:
            found.append((tuple(error.absolute_path), str(error.validator), error.message))

    for error in validator.iter_errors(document):
        visit(error)
    return found


def seed_stack() -> dict[str, Any]:
    return {"config": seed_config()}


def own(document: dict[str, Any]) -> dict[str, Any]:
    """The keys under the project's namespace, as the program hands them to StackConfig."""
    prefix = f"{NAMESPACE}:"
    return {key[len(prefix) :]: value for key, value in document["config"].items() if key.startswith(prefix)}


# --- The checked-in files are what the generator makes now --------------------------------


@pytest.mark.parametrize("relative", [config_docs.SCHEMA_PATH, config_docs.REFERENCE_PATH])
def test_checked_in_file_is_current(relative):
    expected = config_docs.generated()[relative]
    path = PROJECT_DIR / relative
    assert path.is_file(), f"{relative} is missing: run `python tools/config_docs.py`"
    assert path.read_text(encoding="utf-8") == expected, f"{relative} is stale: run `python tools/config_docs.py`"


def test_check_mode_names_each_stale_file_and_write_mode_fixes_them(tmp_path, capsys):
    for name in ("Pulumi.yaml", "README.md"):  # the namespace, and the README with its markers
        (tmp_path / name).write_text((PROJECT_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    assert config_docs.main(["--check"], root=tmp_path) == 1
    err = capsys.readouterr().err
    assert "schema/pulumi-stack.schema.json is stale" in err
    assert "docs/config-reference.md is stale" in err

    assert config_docs.main([], root=tmp_path) == 0
    assert capsys.readouterr().out.splitlines() == [
        "wrote schema/pulumi-stack.schema.json",
        "wrote docs/config-reference.md",
    ]
    assert config_docs.main(["--check"], root=tmp_path) == 0
    assert capsys.readouterr().err == ""

    reference = tmp_path / "docs" / "config-reference.md"
    reference.write_text(reference.read_text(encoding="utf-8") + "hand edit\n", encoding="utf-8")
    assert config_docs.main(["--check"], root=tmp_path) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "docs/config-reference.md is stale: run `python tools/config_docs.py` and commit the result"
    ]


# --- The schema -------------------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_schema_has_one_config_key_per_stack_config_field_plus_the_aws_keys():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    config = schema["properties"]["config"]
    assert set(config["properties"]) == {f"{NAMESPACE}:{name}" for name in StackConfig.model_fields} | {
        "aws:region",
        "aws:profile",
        "aws:allowedAccountIds",
    }
    assert set(schema["properties"]) == {"config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"}
    assert schema["additionalProperties"] is False
    assert config["additionalProperties"] is False
    # Every model forbids unknown keys, as the models' extra="forbid" does.
    models = {name: sub for name, sub in schema["$defs"].items() if name != config_docs.SECRET_DEF}
    assert set(models) == set(StackConfig.model_json_schema()["$defs"])
    assert all(sub["additionalProperties"] is False for sub in models.values())


#: Keywords that draft 7 and draft 2020-12 define the same way: editors whose validator knows only
#: draft 7 (the YAML extension's, for years) then check stack files exactly as the tests do.
_DRAFT_7_COMPATIBLE = {
    "$schema",
    "$comment",
    "$defs",
    "$ref",
    "title",
    "description",
    "default",
    "examples",
    "type",
    "properties",
    "patternProperties",
    "additionalProperties",
    "required",
    "items",
    "anyOf",
    "oneOf",
    "allOf",
    "not",
    "enum",
    "const",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "format",
}


def test_schema_uses_only_keywords_draft_7_editors_understand():
    used: set[str] = set()

    def visit(schema: Any) -> None:
        if not isinstance(schema, dict):
            return
        used.update(schema)
        for key in ("properties", "patternProperties", "$defs"):
            for sub in schema.get(key, {}).values():
                visit(sub)
        for key in ("items", "additionalProperties", "not"):
            visit(schema.get(key))
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                visit(sub)

    visit(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    assert used - _DRAFT_7_COMPATIBLE == set(), "a model produced a keyword draft-7 editors ignore"


def test_the_search_finds_the_fixture_stacks_and_the_shipped_ones():
    names = {path.relative_to(PROJECT_DIR).as_posix() for path in stack_files()}
    assert {f"tests/stacks/{path.name}" for path in FIXTURES_DIR.glob("Pulumi.*.yaml")} <= names
    assert {path.name for path in PROJECT_DIR.glob("Pulumi.*.yaml")} <= names


@pytest.mark.parametrize("path", stack_files(), ids=lambda path: path.relative_to(PROJECT_DIR).as_posix())
def test_every_stack_file_validates(validator, path):
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert leaf_errors(validator, document) == []


def test_an_unknown_key_under_the_namespace_fails(validator):
    document = seed_stack()
    document["config"][f"{NAMESPACE}:vaults"] = {"name": "backup-vault-us-east-1"}
    assert leaf_errors(validator, document) == [
        (
            ("config",),
            "additionalProperties",
            f"'{NAMESPACE}:vaults' does not match any of the regexes: '^(?!{NAMESPACE}:)[^:]+:.+$'",
        ),
    ]
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        StackConfig.model_validate(own(document))


def test_an_unknown_key_inside_a_setting_fails(validator):
    document = seed_stack()
    document["config"][f"{NAMESPACE}:plans"][0]["rules"][0]["retention_days"] = 30
    assert leaf_errors(validator, document) == [
        (
            ("config", f"{NAMESPACE}:plans", 0, "rules", 0),
            "additionalProperties",
            "Additional properties are not allowed ('retention_days' was unexpected)",
        ),
    ]


def test_a_wrong_type_fails(validator):
    document = seed_stack()
    document["config"][f"{NAMESPACE}:plans"][0]["rules"][0]["start_window_minutes"] = "60"
    document["config"][f"{NAMESPACE}:plans"][1]["windows_vss"] = "yes"
    assert leaf_errors(validator, document) == [
        (
            ("config", f"{NAMESPACE}:plans", 0, "rules", 0, "start_window_minutes"),
            "type",
            "'60' is not of type 'integer'",
        ),
        (("config", f"{NAMESPACE}:plans", 1, "windows_vss"), "type", "'yes' is not of type 'boolean'"),
    ]
    with pytest.raises(ValidationError, match="Input should be a valid integer"):
        StackConfig.model_validate(own(document))


def test_a_plan_without_a_name_fails(validator):
    document = seed_stack()
    del document["config"][f"{NAMESPACE}:plans"][0]["name"]
    assert leaf_errors(validator, document) == [
        (("config", f"{NAMESPACE}:plans", 0), "required", "'name' is a required property"),
    ]
    with pytest.raises(ValidationError, match=r"plans\.0\.name\n  Field required"):
        StackConfig.model_validate(own(document))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda config: config.update({"vault": {"name": "v"}}), (("config",), "additionalProperties")),
        (
            lambda config: config.update({"aws:allowedAccountIds": [111111111111]}),
            (("config", "aws:allowedAccountIds", 0), "type"),
        ),
        (
            lambda config: config.update({"aws:allowedAccountIds": ["11111111111"]}),
            (("config", "aws:allowedAccountIds", 0), "pattern"),
        ),
        (lambda config: config.update({"aws:region": "US East"}), (("config", "aws:region"), "pattern")),
        (
            lambda config: config[f"{NAMESPACE}:plans"][0]["rules"][0].update({"delete_after_days": SECRET}),
            (("config", f"{NAMESPACE}:plans", 0, "rules", 0, "delete_after_days"), "type"),
        ),
        (
            lambda config: config[f"{NAMESPACE}:plans"][0].update({"rules": []}),
            (("config", f"{NAMESPACE}:plans", 0, "rules"), "minItems"),
        ),
    ],
    ids=[
        "key-without-namespace",
        "unquoted-account-id",
        "short-account-id",
        "bad-region",
        "secret-where-a-number-goes",
        "plan-without-rules",
    ],
)
def test_other_broken_files_fail(validator, change, expected):
    document = seed_stack()
    change(document["config"])
    assert {(path, keyword) for path, keyword, _ in leaf_errors(validator, document)} >= {expected}


def test_a_misspelt_top_level_key_fails(validator):
    document = {"configs": seed_stack()["config"]}
    assert leaf_errors(validator, document) == [
        ((), "additionalProperties", "Additional properties are not allowed ('configs' was unexpected)"),
    ]


def test_secrets_other_namespaces_and_stack_settings_are_accepted(validator):
    document = seed_stack()
    config = document["config"]
    config["aws:region"] = SECRET
    config["aws:profile"] = "backup-admin"
    config["aws:allowedAccountIds"] = ["111111111111"]
    config["aws:skipMetadataApiCheck"] = False
    config["other-library:settings"] = {"nested": [1, 2]}
    vault = config[f"{NAMESPACE}:vault"]
    vault["name"] = SECRET
    vault["tags"] = {"owner": SECRET}
    vault["lock"] = {"mode": "compliance", "min_retention_days": 7, "max_retention_days": 35, "changeable_for_days": 3}
    config[f"{NAMESPACE}:plans"][0]["selections"][0]["resources"] = [SECRET]
    document.update(secretsprovider="passphrase", encryptionsalt="v1:c2FsdA==", environment=["my-project/dev"])
    assert leaf_errors(validator, document) == []


# --- The reference ----------------------------------------------------------------------------


def sections(reference: str) -> dict[str, str]:
    """Each ``### Model`` section's text, by model name."""
    parts = re.split(r"^### (\w+)\n", reference, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def rows(section: str) -> dict[str, list[str]]:
    """A section's table: key path -> [type, default, description] cells."""
    table = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            table[cells[0].strip("`")] = cells[1:]
    return table


def test_the_reference_mentions_every_field_of_every_model():
    # Read from pydantic's own schema, not from the generator, so a model it failed to reach shows.
    reference = sections(REFERENCE_FILE.read_text(encoding="utf-8"))
    model_schema = StackConfig.model_json_schema()
    models = {"StackConfig": model_schema, **model_schema["$defs"]}
    assert set(reference) == set(models)
    for name, schema in models.items():
        keys = rows(reference[name])
        for field in schema["properties"]:
            assert any(re.search(rf"[.:]{field}$", key) for key in keys), f"{name}.{field} is not in the reference"
        assert len(keys) == len(schema["properties"])


def test_the_reference_renders_types_and_defaults_readably():
    reference = sections(REFERENCE_FILE.read_text(encoding="utf-8"))
    ns = NAMESPACE
    assert rows(reference["StackConfig"])[f"{ns}:plans"][:2] == ["list of [PlanConfig](#planconfig)", "`[]`"]
    assert rows(reference["StackConfig"])[f"{ns}:vault"][:2] == ["optional [VaultConfig](#vaultconfig)", "`null`"]
    assert rows(reference["StackConfig"])[f"{ns}:tags"][:2] == ["map of string to string", "`{}`"]
    assert rows(reference["PlanConfig"])[f"{ns}:plans[].name"][:2] == ["string", "*required*"]
    rule = rows(reference["RuleConfig"])
    assert rule[f"{ns}:plans[].rules[].start_window_minutes"][:2] == ["int", "`60`"]
    assert rule[f"{ns}:plans[].rules[].delete_after_days"][:2] == ["optional int", "`null`"]
    assert rule[f"{ns}:plans[].rules[].copy_to"][0] == 'optional list of ("cross_region" \\| "archive")'
    assert rows(reference["LockConfig"])[f"{ns}:vault.lock.mode"][:2] == [
        '"governance" \\| "compliance"',
        '`"governance"`',
    ]
    assert rows(reference["VaultConfig"])[f"{ns}:vault.kms_key"][:2] == ["string", '`"aws/backup"`']
    # A model used at several paths shows the shortest one in its rows.
    assert rows(reference["ArchiveVaultConfig"])[f"{ns}:archive_vault.name"][:2] == ["string", "*required*"]


def _refs(schema: Any) -> list[str]:
    """The model names a piece of pydantic's JSON schema refers to, in order of appearance."""
    return re.findall(r'"\$ref": "#/\$defs/(\w+)"', json.dumps(schema))


def test_the_reference_lists_models_from_stack_config_down_and_where_each_is_used():
    # From StackConfig down: depth first, in field order, each model where it is first reached;
    # worked out here from pydantic's JSON schema, independently of the generator's walk.
    model_schema = StackConfig.model_json_schema()
    schemas = {"StackConfig": model_schema["properties"], **model_schema["$defs"]}
    expected: list[str] = []

    def walk(name: str) -> None:
        if name not in expected:
            expected.append(name)
            for sub in _refs(schemas[name]):
                walk(sub)

    walk("StackConfig")
    text = REFERENCE_FILE.read_text(encoding="utf-8")
    assert list(sections(text)) == expected
    assert (
        f"Used at `{NAMESPACE}:vault.lock`, `{NAMESPACE}:cross_region.lock`, `{NAMESPACE}:organization.cross_region.lock`."
        in sections(text)["LockConfig"]
    )


def test_type_text_covers_the_annotations_models_use():
    assert config_docs.type_text(int) == "int"
    assert config_docs.type_text(str) == "string"
    assert config_docs.type_text(bool) == "bool"
    assert config_docs.type_text(Optional[int]) == "optional int"
    assert config_docs.type_text(int | None) == "optional int"
    assert config_docs.type_text(Literal["governance", "compliance"]) == '"governance" | "compliance"'
    assert config_docs.type_text(Optional[Literal["a", "b"]]) == 'optional ("a" | "b")'
    assert config_docs.type_text(list[PlanConfig]) == "list of [PlanConfig](#planconfig)"
    assert config_docs.type_text(list[Union[int, str]]) == "list of (int or string)"
    assert config_docs.type_text(dict[str, PlanConfig]) == "map of string to [PlanConfig](#planconfig)"


def test_the_reference_explains_editor_setup():
    text = REFERENCE_FILE.read_text(encoding="utf-8")
    assert text.startswith("<!-- Generated from stack_config.models by `python tools/config_docs.py`")
    assert "# yaml-language-server: $schema=./schema/pulumi-stack.schema.json" in text
    assert "JSON Schema Mappings" in text
    assert "redhat.vscode-yaml" in text


def test_vscode_maps_the_schema_to_the_stack_files():
    settings = json.loads((PROJECT_DIR / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.schemas"] == {"./schema/pulumi-stack.schema.json": ["Pulumi.*.yaml"]}
    assert (PROJECT_DIR / "schema" / "pulumi-stack.schema.json").is_file()


def test_the_readmes_table_of_config_keys_is_generated():
    """README.md's key table comes from the models too (between its markers), so it cannot drift."""
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    assert config_docs.generated(PROJECT_DIR)["README.md"] == readme
    table = readme.split(config_docs.README_START)[1].split(config_docs.README_END)[0]
    for field in StackConfig.model_fields:
        assert f"`windows-server-backup:{field}`" in table
