"""``guardrails policy validate``: every problem of a policy file in one pass.

Reports syntax errors with the file, line and column; schema errors (core fields, plugin
sections, each rail's guard name, stage and ``config``) with the file, the line of the field
(YAML files) and its path; and, where a value is close to a valid one, a "did you mean"
suggestion (:func:`difflib.get_close_matches`). Threshold and action keys that are close to,
but not, a category the guard declares are warnings.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from guardrails.policy import CORE_FIELDS, Policy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Problem", "check_policy_file", "suggest"]

_STAGES = ("input", "output", "context")


@dataclass(frozen=True)
class Problem:
    """One problem of a policy file: where (field path), what, on which line (1-based, or None)."""

    where: str
    message: str
    line: int | None = None
    severity: Literal["error", "warning"] = "error"

    def format(self, source: str) -> str:
        """``file:line: field.path: message`` (the line when known)."""
        at = f"{source}:{self.line}" if self.line else source
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{at}: {prefix}{self.where}: {self.message}"


def suggest(word: Any, choices: Any) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` to ``word``, else ``""``."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_policy_file(path: Path, plugin_manager: Any) -> tuple[list[Problem], Policy | None]:
    """Every problem of the policy file ``path`` and, when it has no errors, the Policy.

    ``plugin_manager`` gives the installed guards and plugin sections. Never raises for a bad
    file: a missing file, a folder, undecodable bytes and syntax errors are problems too.
    """
    from guardrails.plugins import collect_guards, collect_policy_sections

    data, lines, problems = _parse(path)
    if problems:
        return problems, None
    if not isinstance(data, dict):
        return [Problem("(top level)", f"a policy must be a mapping, got {type(data).__name__}", 1)], None
    sections = collect_policy_sections(plugin_manager)
    guards = collect_guards(plugin_manager)
    found: list[Problem] = []

    def line_of(loc: tuple[Any, ...]) -> int | None:
        for n in range(len(loc), -1, -1):
            if loc[:n] in lines:
                return lines[loc[:n]]
        return None

    def add_errors(exc: ValidationError, model: type[BaseModel], prefix: tuple[Any, ...] = ()) -> None:
        for err in exc.errors():
            loc = prefix + tuple(err["loc"])
            found.append(Problem(_where(loc), _message(err, model, tuple(err["loc"])), line_of(loc)))

    for key in data:
        if key not in CORE_FIELDS and key not in sections:
            choices = sorted(CORE_FIELDS | set(sections))
            found.append(Problem(str(key), "not a policy field, and no installed plugin declares a section of "
                                 f"that name{suggest(key, choices)}", line_of((key,))))
    policy = None
    try:
        policy = Policy.model_validate({k: v for k, v in data.items() if k in CORE_FIELDS})
    except ValidationError as exc:
        add_errors(exc, Policy)
    for key, model in sections.items():
        if data.get(key) is not None:
            try:
                model.model_validate(data[key])
            except ValidationError as exc:
                add_errors(exc, model, (key,))
    for stage in _STAGES:
        rails = data.get(stage)
        for index, rail in enumerate(rails if isinstance(rails, list) else []):
            if isinstance(rail, dict) and isinstance(rail.get("guard"), str):
                found += _check_rail(stage, index, rail, guards, line_of, add_errors)
    found.sort(key=lambda p: (p.line is None, p.line or 0))
    errors = [p for p in found if p.severity == "error"]
    return found, (policy if not errors else None)


def _check_rail(stage: str, index: int, rail: dict[str, Any], guards: dict[str, Any], line_of: Any,
                add_errors: Any) -> list[Problem]:
    loc: tuple[Any, ...] = (stage, index)
    name = rail["guard"]
    info = guards.get(name)
    if info is None:
        installed = ", ".join(sorted(guards)) or "none"
        return [Problem(_where((*loc, "guard")), f"no guard named {name!r} is installed{suggest(name, guards)} "
                        f"(installed: {installed})", line_of((*loc, "guard")))]
    out = []
    if stage not in info.cls.stages:
        out.append(Problem(_where((*loc, "guard")), f"guard {name!r} does not support stage {stage!r} (it "
                           f"supports {', '.join(sorted(info.cls.stages))})", line_of((*loc, "guard"))))
    config = rail.get("config", {})
    if isinstance(config, dict):
        try:
            info.cls.Config.model_validate(config)
        except ValidationError as exc:
            add_errors(exc, info.cls.Config, (*loc, "config"))
    declared = set(getattr(info.cls, "categories", ()) or ())
    for field in ("thresholds", "actions"):
        keys = rail.get(field)
        for key in keys if isinstance(keys, dict) and declared else ():
            hint = suggest(key, declared) if key not in declared else ""
            if hint:
                out.append(Problem(_where((*loc, field, key)), f"guard {name!r} declares no category {key!r}{hint}",
                                   line_of((*loc, field, key)), "warning"))
    return out


def _message(err: ErrorDetails, model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    got = err.get("input")
    if err["type"] == "extra_forbidden":
        holder = _model_at(model, loc[:-1])
        fields = sorted(holder.model_fields) if holder is not None else []
        known = f"; known fields: {', '.join(fields)}" if fields else ""
        return f"unknown field{suggest(loc[-1], fields)}{known}"
    text = err["msg"]
    if not isinstance(got, dict | list) and err["type"] != "missing":
        text += f" (got {got!r})"
    expected = (err.get("ctx") or {}).get("expected")
    if isinstance(expected, str):
        text += suggest(got, re.findall(r"'([^']*)'", expected))
    return text


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that validates the object at ``loc`` inside ``model`` (None: not a model)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
            continue
        args = typing.get_args(current)
        if not args:
            return None
        current = args[-1]  # list[X] -> X, dict[str, X] -> X
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _parse(path: Path) -> tuple[Any, dict[tuple[Any, ...], int], list[Problem]]:
    """The file's data, the line of each field (YAML), and any problem reading or parsing it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, {}, [Problem("(file)", "no such file")]
    except IsADirectoryError:
        return None, {}, [Problem("(file)", "is a folder, not a policy file")]
    except OSError as exc:
        return None, {}, [Problem("(file)", f"cannot read: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, {}, [Problem("(file)", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line)]
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            return json.loads(text), {}, []
        except json.JSONDecodeError as exc:
            return None, {}, [Problem("(file)", f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno)]
    if suffix == ".toml":
        try:
            return tomllib.loads(text), {}, []
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            return None, {}, [Problem("(file)", f"not valid TOML: {exc}", int(m.group(1)) if m else None)]
    if suffix not in (".yaml", ".yml", ""):
        return None, {}, [Problem("(file)", f"unknown policy format {suffix!r}; use .yaml, .yml, .toml or .json")]
    return _parse_yaml(text)


def _parse_yaml(text: str) -> tuple[Any, dict[tuple[Any, ...], int], list[Problem]]:
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{exc.problem}" + (f" ({exc.context})" if exc.context else "")
        line = mark.line + 1 if mark else None
        column = f" (column {mark.column + 1})" if mark else ""
        return None, {}, [Problem("(file)", f"not valid YAML: {where}{column}", line)]
    except yaml.YAMLError as exc:
        return None, {}, [Problem("(file)", f"not valid YAML: {exc}")]
    finally:
        loader.dispose()
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _node_lines(node, (), lines)
    return data, lines, []


def _node_lines(node: Any, loc: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    import yaml

    out.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*loc, key.value)
            out[child] = key.start_mark.line + 1
            _node_lines(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_lines(item, (*loc, i), out)
