"""Generate the stack file's JSON Schema and the config reference from ``stack_config.models``.

Run from the repository root after any change to the models::

    python tools/config_docs.py            # (re)write both files
    python tools/config_docs.py --check    # exit 1, naming each stale file, if they are not current

Writes ``schema/pulumi-stack.schema.json`` (draft 2020-12, for editors: validation, completion and
hover text in ``Pulumi.<stack>.yaml``) and ``docs/config-reference.md`` (a table per model).
Everything about the program's own keys is read from the models, so the two files cannot drift
from what the program accepts; ``tests/test_config_docs.py`` fails when they are stale.

The schema checks shape and types only. The AWS rules (name formats, cron syntax, lock ranges,
cross-field checks) live in validators the schema cannot express; ``python -m offline <stack>``
runs them all.
"""

from __future__ import annotations

import argparse
import enum
import inspect
import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python tools/config_docs.py` puts tools/, not the root, on the path
    sys.path.insert(0, str(ROOT))

from pydantic import BaseModel  # noqa: E402

from stack_config.models import StackConfig  # noqa: E402

SCHEMA_PATH = "schema/pulumi-stack.schema.json"
REFERENCE_PATH = "docs/config-reference.md"
COMMAND = "python tools/config_docs.py"

#: The schema of a value Pulumi encrypted (`pulumi config set --secret`); accepted wherever a
#: string is, because the engine decrypts it before the program reads it.
SECRET_DEF = "PulumiSecret"
_SECRET_REF = {"$ref": f"#/$defs/{SECRET_DEF}"}
_SECRET_SCHEMA = {
    "description": "A secret value, encrypted by Pulumi (`pulumi config set --secret`).",
    "type": "object",
    "properties": {"secure": {"type": "string"}},
    "required": ["secure"],
    "additionalProperties": False,
}
#: Annotation keywords that stay on the outside when a string schema is wrapped to accept secrets,
#: so editors still show the description and offer the default.
_ANNOTATIONS = ("title", "description", "default", "examples")
#: What a region code looks like in every partition (us-east-1, cn-north-1, us-gov-west-1, eusc-de-east-1).
REGION_SHAPE = r"^[a-z]{2,4}(-[a-z]+)+-\d+$"


def project_name(root: Path = ROOT) -> str:
    """The Pulumi project's name (``name:`` in ``Pulumi.yaml``): the config namespace."""
    name = yaml.safe_load((root / "Pulumi.yaml").read_text(encoding="utf-8"))["name"]
    # The name goes into a regex below; Pulumi project names use only these characters.
    if not isinstance(name, str) or not name or any(not (c.isalnum() or c in "-_.") for c in name):
        raise ValueError(f"unexpected project name in Pulumi.yaml: {name!r}")
    return name


# --- JSON Schema ----------------------------------------------------------------------------


def _accept_secrets(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every string schema in it also accepting ``{secure: ...}``."""
    schema = dict(schema)
    for key in ("properties", "patternProperties", "$defs"):
        if key in schema:
            schema[key] = {name: _accept_secrets(sub) for name, sub in schema[key].items()}
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            schema[key] = _accept_secrets(schema[key])
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if key in schema:
            schema[key] = [_accept_secrets(sub) for sub in schema[key]]
    if "anyOf" in schema:
        # Splice wrapped branches in: anyOf [string, null] becomes anyOf [string, secret, null].
        branches: list[dict[str, Any]] = []
        for branch in schema["anyOf"]:
            for item in branch["anyOf"] if set(branch) == {"anyOf"} else [branch]:
                if item not in branches:
                    branches.append(item)
        schema["anyOf"] = branches
    if schema.get("type") == "string":
        outside = {key: schema.pop(key) for key in _ANNOTATIONS if key in schema}
        return {**outside, "anyOf": [schema, _SECRET_REF]}
    return schema


def _aws_keys() -> dict[str, Any]:
    """The AWS provider keys the program reads (other ``aws:`` keys pass unchecked)."""
    return {
        "aws:region": {
            "description": "The stack's AWS region, e.g. us-east-1. Required (here or from an ESC environment). "
            "The program checks it against the regions botocore lists for AWS Backup.",
            "type": "string",
            # Only the shape: which regions are real is botocore's data, checked by the program.
            "pattern": REGION_SHAPE,
        },
        "aws:profile": {
            "description": "A named AWS CLI profile to deploy with. Default: the usual credential chain.",
            "type": "string",
        },
        "aws:allowedAccountIds": {
            "description": "Pulumi refuses to deploy into any other account. Quote the IDs so leading zeros survive.",
            "type": "array",
            "items": {"type": "string", "pattern": r"^\d{12}$"},
        },
    }


def build_schema(namespace: str) -> dict[str, Any]:
    """The JSON Schema of a whole ``Pulumi.<stack>.yaml`` of this project."""
    model = StackConfig.model_json_schema()
    defs = dict(model.get("$defs", {}))
    if SECRET_DEF in defs:
        raise ValueError(f"a model is named {SECRET_DEF}; rename it or change SECRET_DEF")
    own = {f"{namespace}:{key}": sub for key, sub in model["properties"].items()}
    escaped = namespace.replace(".", "\\.")  # the only regex metacharacter a project name may hold
    config: dict[str, Any] = {
        "description": f"Stack config: the program's settings under '{namespace}:', and other namespaces' keys.",
        "type": "object",
        "properties": {**own, **_aws_keys()},
        # Other namespaces (providers, libraries) pass; an unknown '<project>:' key is a typo and
        # falls through to additionalProperties, as the models' extra="forbid" would reject it.
        "patternProperties": {
            f"^(?!{escaped}:)[^:]+:.+$": {"description": "A key of another namespace; not checked here."}
        },
        "additionalProperties": False,
    }
    required = [f"{namespace}:{key}" for key in model.get("required", [])]
    if required:
        config["required"] = required
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"Generated from stack_config.models by `{COMMAND}`; do not edit by hand.",
        "title": f"Pulumi.<stack>.yaml of {namespace}",
        "description": "A Pulumi stack settings file. Checks shape and types; `python -m offline <stack>` "
        "checks every AWS rule.",
        "type": "object",
        "properties": {
            "config": _accept_secrets(config),
            "secretsprovider": {"description": "The secrets provider of the stack's secrets.", "type": "string"},
            "encryptedkey": {"description": "The data key, encrypted by a cloud secrets provider.", "type": "string"},
            "encryptionsalt": {"description": "The salt of a passphrase secrets provider.", "type": "string"},
            "environment": {
                "description": "Pulumi ESC environments the stack imports (a list, or an environment definition).",
                "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}],
            },
        },
        "additionalProperties": False,
        "$defs": {**{name: _accept_secrets(sub) for name, sub in defs.items()}, SECRET_DEF: _SECRET_SCHEMA},
    }


def render_schema(namespace: str) -> str:
    """The schema file's text."""
    return json.dumps(build_schema(namespace), indent=2, ensure_ascii=False) + "\n"


# --- Config reference -----------------------------------------------------------------------

_SCALARS = {str: "string", int: "int", bool: "bool", float: "number"}


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_union(origin: Any) -> bool:
    return origin is Union or origin is types.UnionType


def type_text(annotation: Any) -> str:
    """A field's annotation in words: ``int``, ``list of [PlanConfig](#planconfig)``, ``optional string``,
    ``"governance" | "compliance"``."""
    return _describe(annotation)[0]


def _inner(annotation: Any) -> str:
    """A type inside ``list of`` / ``map of``: in parentheses when it is a choice."""
    text, is_choice = _describe(annotation)
    return f"({text})" if is_choice else text


def _describe(annotation: Any) -> tuple[str, bool]:
    """The annotation in words, and whether those words are a choice (``a | b``, ``a or b``)."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _describe(args[0])
    if _is_union(origin):
        present = [arg for arg in args if arg is not type(None)]
        if len(present) == 1:
            text, is_choice = _describe(present[0])
        else:
            text, is_choice = " or ".join(_inner(arg) for arg in present), True
        if len(present) < len(args):
            return f"optional ({text})" if is_choice else f"optional {text}", False
        return text, is_choice
    if origin is Literal:
        return " | ".join(json.dumps(arg) for arg in args), len(args) > 1
    if origin is list:
        return f"list of {_inner(args[0])}", False
    if origin is dict:
        return f"map of {_inner(args[0])} to {_inner(args[1])}", False
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " | ".join(json.dumps(member.value) for member in annotation), len(annotation) > 1
    if _is_model(annotation):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})", False
    return _SCALARS.get(annotation, getattr(annotation, "__name__", str(annotation))), False


def _models_in(annotation: Any, suffix: str = "") -> Iterator[tuple[type[BaseModel], str]]:
    """The models a field holds, each with the key-path suffix that reaches it (``[]`` per list)."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        yield from _models_in(args[0], suffix)
    elif _is_union(origin):
        for arg in args:
            yield from _models_in(arg, suffix)
    elif origin is list:
        yield from _models_in(args[0], suffix + "[]")
    elif origin is dict:
        yield from _models_in(args[1], suffix + ".<key>")
    elif _is_model(annotation):
        yield annotation, suffix


def _key(field_name: str, model: type[BaseModel]) -> str:
    return model.model_fields[field_name].alias or field_name


def _join(namespace: str, path: str, key: str) -> str:
    return f"{path}.{key}" if path else f"{namespace}:{key}"


def model_paths(namespace: str) -> dict[type[BaseModel], list[str]]:
    """Every model reachable from StackConfig, depth first in field order, with the key paths
    where it is used (``windows-server-backup:plans[].rules[]``); StackConfig's path is ``""``."""
    found: dict[type[BaseModel], list[str]] = {}

    def walk(model: type[BaseModel], path: str, ancestors: tuple[type[BaseModel], ...]) -> None:
        found.setdefault(model, []).append(path)
        if model in ancestors:  # a model that contains itself: list the path once, stop there
            return
        for name, field in model.model_fields.items():
            for sub, suffix in _models_in(field.annotation):
                walk(sub, _join(namespace, path, _key(name, model)) + suffix, (*ancestors, model))

    walk(StackConfig, "", ())
    return found


def _default_text(field: Any) -> str:
    if field.is_required():
        return "*required*"
    value = field.get_default(call_default_factory=True, validated_data={})
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_defaults=True)
    elif isinstance(value, enum.Enum):
        value = value.value
    return _code(json.dumps(value, ensure_ascii=False))


def _code(text: str) -> str:
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _prose(text: str) -> str:
    """Text for a table cell: one line, pipes escaped, ``<`` and ``>`` escaped outside code spans
    (Markdown would take ``<org>`` for an HTML tag and drop it)."""
    text = " ".join(text.replace("``", "`").split())
    parts = text.split("`")
    for index in range(0, len(parts), 2):  # even parts are outside backticks
        parts[index] = parts[index].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts).replace("|", "\\|")


def _docstring(model: type[BaseModel]) -> str:
    doc = inspect.cleandoc(model.__doc__ or "")
    return "\n\n".join(_prose(paragraph) for paragraph in doc.split("\n\n") if paragraph.strip())


def _model_section(namespace: str, model: type[BaseModel], paths: list[str]) -> str:
    # Rows show the shortest path (archive_vault.name rather than archive.deploy_here.vault.name).
    shortest = min(paths, key=lambda path: path.count(".") + path.count("[]"))
    if model is StackConfig:
        where = f"Keys under `config:`, each written `{namespace}:<key>`."
    else:
        where = "Used at " + ", ".join(_code(path) for path in paths) + "."
    lines = [f"### {model.__name__}", "", where, ""]
    if doc := _docstring(model):
        lines += [doc, ""]
    lines += ["| Key path | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for name, field in model.model_fields.items():
        key = _join(namespace, shortest, _key(name, model))
        cells = [
            _code(key),
            type_text(field.annotation).replace("|", "\\|"),
            _default_text(field),
            _prose(field.description or ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _introduction(namespace: str) -> str:
    return f"""\
<!-- Generated from stack_config.models by `{COMMAND}`; do not edit by hand. -->
# Stack config reference

Every setting under `{namespace}:` in a `Pulumi.<stack>.yaml`, generated from the pydantic
models in `stack_config/models.py`. After changing the models, run `{COMMAND}`;
`{COMMAND} --check` (and the test suite) fails while this file or the schema is stale.

## Validation and completion in your editor

`{SCHEMA_PATH}` is a JSON Schema of the whole stack file. With it, an editor completes
keys, shows each setting's description on hover, and marks unknown keys (typos) and wrong
types as you type. It checks shape and types only: the AWS rules (name formats, cron
expressions, lock ranges, settings that depend on each other) are checked by
`python -m offline <stack>` and by `pulumi preview`. Values encrypted by
`pulumi config set --secret` are accepted wherever text is expected.

- **VS Code**: install the YAML extension by Red Hat (`redhat.vscode-yaml`) and open the
  repository's root folder. Its `.vscode/settings.json` maps the schema to every
  `Pulumi.*.yaml` through the `yaml.schemas` setting.
- **JetBrains IDEs** (IntelliJ IDEA, PyCharm, ...): in Settings, Languages & Frameworks >
  Schemas and DTDs > JSON Schema Mappings, add a mapping with `{SCHEMA_PATH}` as the
  schema file and `Pulumi.*.yaml` as a file path pattern.
- **Without editor settings**: put a modeline on the first line of a stack file. Editors
  built on yaml-language-server (VS Code's YAML extension, Neovim, Helix, ...) read

  ```yaml
  # yaml-language-server: $schema=./{SCHEMA_PATH}
  ```

  and JetBrains IDEs read `# $schema: ./{SCHEMA_PATH}`.

The schema declares draft 2020-12 but uses only keywords that draft 7 defines the same way, so
editors whose validator implements only draft 7 check a stack file exactly the same.

## Reading the tables

Key paths are written the way `pulumi config set --path` takes them; `[]` stands for each item
of a list. Default *required* means the key must be given whenever its parent is; any other
key may be left out and then takes the default shown. A type `optional X` also accepts `null`.

## Settings
"""


def render_reference(namespace: str) -> str:
    """The reference's text: the introduction, then one section per model from StackConfig down."""
    sections = [_model_section(namespace, model, paths) for model, paths in model_paths(namespace).items()]
    return _introduction(namespace) + "\n" + "\n".join(sections)


# --- Command line ---------------------------------------------------------------------------


README_PATH = "README.md"
README_START = "<!-- config-keys: generated by tools/config_docs.py from stack_config/models.py; do not edit -->"
README_END = "<!-- end of config-keys -->"


def render_readme(namespace: str, current: str) -> str:
    """The README with its table of top-level config keys regenerated between the markers."""
    before, found, rest = current.partition(README_START)
    _, found_end, after = rest.partition(README_END)
    if not (found and found_end):
        raise SystemExit(f"{README_PATH} lacks the markers {README_START!r} ... {README_END!r}")
    section = _model_section(namespace, StackConfig, model_paths(namespace)[StackConfig])
    # Without the "### StackConfig" heading; the model links point into the reference.
    table = section.split("\n", 2)[2].replace("](#", f"]({REFERENCE_PATH}#")
    return f"{before}{README_START}\n{table}{README_END}{after}"


def generated(root: Path = ROOT) -> dict[str, str]:
    """Each generated file's path (relative to the repository root) and its text."""
    namespace = project_name(root)
    readme = (root / README_PATH).read_text(encoding="utf-8")
    return {
        SCHEMA_PATH: render_schema(namespace),
        REFERENCE_PATH: render_reference(namespace),
        README_PATH: render_readme(namespace, readme),
    }


def main(argv: Optional[list[str]] = None, root: Path = ROOT) -> int:
    """Write the generated files under ``root`` (default: this repository), or with ``--check``
    only compare them; returns the exit code (1 when ``--check`` finds a stale or missing file)."""
    parser = argparse.ArgumentParser(description="Generate the stack file's JSON Schema and config reference.")
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is not current")
    options = parser.parse_args(argv)
    stale = []
    for relative, text in generated(root).items():
        path = root / relative
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        if options.check:
            stale.append(relative)
            print(f"{relative} is stale: run `{COMMAND}` and commit the result", file=sys.stderr)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {relative}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
