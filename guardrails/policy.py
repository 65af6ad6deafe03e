"""Policy files (YAML, TOML or JSON) as pydantic models, with errors that name the file and field.

The core owns the rails, the settings and the shadow launch. Other top-level sections (``audit``,
``metrics``, ``escalation``, a third party's own) belong to plugins, which declare them with the
``register_policy_sections`` hook; they are validated here against the plugin's model, with the
same file-and-field errors, and read back with ``policy.section(name)``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from guardrails.errors import PluginError, PolicyError
from guardrails.results import Action

__all__ = [
    "DEFAULT_POLICY_FILE",
    "ESCALATING_CATEGORIES",
    "SUPPORT_MESSAGE",
    "Policy",
    "PolicySettings",
    "RailSpec",
    "ShadowSettings",
    "default_policy_text",
    "format_validation_error",
    "load_policy",
    "load_policy_source",
]

Sections = Mapping[str, type[BaseModel]]
"""Plugin-owned policy sections: top-level name -> the pydantic model that validates it."""

DEFAULT_POLICY_FILE = "default_policy.yaml"
DEFAULT_THRESHOLD = 0.5

SUPPORT_MESSAGE = (
    "It sounds like you might be going through a lot right now. You don't have to face it alone: "
    "please reach out to someone you trust, or contact a local crisis line (for example, call or "
    "text 988 in the US, or find your country's line at findahelpline.com). If you are in "
    "immediate danger, call your local emergency number."
)


ESCALATING_CATEGORIES = ("self_harm", "sexual_minors")
"""The default ``settings.escalate``: self-harm (support first) and the sexualisation of minors."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RailSpec(_Strict):
    """One rail: a guard, its configuration, and how its category scores become actions."""

    guard: str
    """Name of a registered guard (``guardrails plugins`` lists them)."""
    id: str | None = None
    """Unique id of the rail within its stage; defaults to the guard name."""
    config: dict[str, Any] = Field(default_factory=dict)
    """Validated against the guard's own ``Config`` model when the Guard is built."""
    threshold: float | None = Field(None, ge=0.0, le=1.0)
    """Score at or above which a category triggers, for categories without their own threshold.

    None: the guard's ``recommended_thresholds`` (calibrated with its model), else 0.5."""
    thresholds: dict[str, float] = Field(default_factory=dict)
    action: Action = Action.BLOCK
    """Action for triggered categories without their own action."""
    actions: dict[str, Action] = Field(default_factory=dict)
    mode: Literal["enforce", "shadow"] = "enforce"
    """``shadow``: evaluate and record what would have happened, never act."""
    on_error: Literal["fail_open", "fail_closed"] = "fail_open"
    """When the guard raises or times out: allow (fail_open) or block (fail_closed)."""
    timeout_ms: float | None = Field(None, ge=0)
    """Cut the guard off after this long (it runs on its own worker threads); None inherits
    ``settings.timeout_ms`` (or, for a third-party guard, ``settings.third_party_timeout_ms``);
    0 runs the guard inline with no timeout."""
    languages: list[str] | None = None
    """Run only when the request's detected language is one of these (always runs when unknown)."""
    enabled: bool = True

    @field_validator("thresholds")
    @classmethod
    def _thresholds_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for category, threshold in value.items():
            if not 0.0 <= threshold <= 1.0:
                raise ValueError(f"threshold for {category!r} must be between 0 and 1, got {threshold}")
        return value

    @property
    def rail_id(self) -> str:
        """The rail's id (``id`` or the guard name)."""
        return self.id or self.guard

    def threshold_for(self, category: str, recommended: Mapping[str, float] | None = None) -> float:
        """The threshold of ``category``: the rail's own, else the guard's recommendation, else 0.5."""
        if category in self.thresholds:
            return self.thresholds[category]
        if self.threshold is not None:
            return self.threshold
        return (recommended or {}).get(category, DEFAULT_THRESHOLD)

    def action_for(self, category: str) -> Action:
        """The action of ``category`` on this rail."""
        return self.actions.get(category, self.action)


class PolicySettings(_Strict):
    """Policy-wide behaviour."""

    run_all: bool = False
    """Keep running the remaining rails after a block (costs latency; useful for metrics)."""
    parallel: bool = False
    """Run consecutive read-only rails concurrently on a thread pool."""
    timeout_ms: float | None = Field(None, gt=0)
    """Default per-rail timeout in ms; None runs rails inline with no timeout unless a rail sets one
    (third-party rails get ``third_party_timeout_ms``)."""
    third_party_timeout_ms: float | None = Field(250.0, gt=0)
    """Timeout in ms of a rail whose guard does not come from this distribution's own plugins and
    that sets none; such a rail runs on its guard's own daemon workers. None: inline."""
    time_budget_ms: float | None = Field(1000.0, gt=0)
    """Time budget in ms of one call (a batch: per text). Rails not started when it is spent do not
    run, and a rail on its workers is cut off at it: the rail's ``on_error`` decides and the
    decision records ``details["budget_exceeded"]``. A stage's first call (it loads the models) has
    none. None: no budget."""
    max_chars: int | None = Field(100_000, ge=1_000)
    """Characters of one text the rails check; a longer text is handled by ``on_oversize`` and
    recorded in ``details["truncated"]``. None: no limit (cost grows with the text)."""
    on_oversize: Literal["truncate", "block"] = "truncate"
    """``truncate``: check the first ``max_chars`` characters (cut at a space when one is near) and
    pass on only those (``Decision.text``; the action is at least ``redact``); ``block``: block
    the text without running the rails."""
    breaker_threshold: int = Field(5, ge=1)
    """Consecutive timeouts after which a guard's circuit opens: its rails fail at once
    (``error_kind="unavailable"``) instead of waiting on it."""
    breaker_cooldown_ms: float = Field(30_000.0, gt=0)
    """How long an open circuit waits before letting one trial call through."""
    on_block: Literal["refuse", "raise"] = "refuse"
    """What a wrapped callable does on a blocked input or output: return the refusal, or raise Blocked."""
    refusal_message: str = "Sorry, I can't help with that request."
    messages: dict[str, str] = Field(default_factory=lambda: {"self_harm": SUPPORT_MESSAGE})
    """Per-category message shown instead of the refusal (self_harm gets support resources)."""
    escalate: list[str] = Field(default_factory=lambda: list(ESCALATING_CATEGORIES))
    """Categories that escalate whatever else triggered (the action is at least escalate and
    ``Decision.escalated`` is true); a rail that scores one is never skipped by the short-circuit."""
    def outcome(self, action: Action, triggered: Sequence[str]) -> tuple[Action, bool, str | None]:
        """(action, escalated, message) for a stage's most severe action and triggered categories.

        A category of ``escalate`` raises the action to at least escalate; self_harm carries the
        support message (``messages``) whatever else triggered, never a bare refusal; otherwise a
        block or escalation shows its first category's message, and a block the refusal.
        """
        escalating = bool(triggered) and any(c in self.escalate for c in triggered)
        if escalating and action.severity < Action.ESCALATE.severity:
            action = Action.ESCALATE
        message = None
        if "self_harm" in triggered:
            message = self.messages.get("self_harm") or SUPPORT_MESSAGE
        elif action is Action.BLOCK or action is Action.ESCALATE:
            message = next((self.messages[c] for c in triggered if c in self.messages), None)
            if message is None and action is Action.BLOCK:
                message = self.refusal_message
        return action, escalating or action is Action.ESCALATE, message

    stream_check_chars: int = Field(200, ge=16)
    """Streaming: the most characters held back (the window, at least 64) and the longest
    context a check carries; text before a possible entity is passed on at once (docs/wrapping.md)."""
    max_workers: int = Field(4, ge=1, le=64)
    """Worker threads per guard, for rails with a timeout and parallel rails (each guard has its own)."""
    decision_cache: int = Field(4096, ge=0)
    """Entries of the decision cache: the same check again returns an equal Decision without
    running the rails (docs/runtime.md#the-decision-cache); 0 turns it off."""


class ShadowSettings(_Strict):
    """``shadow:`` run a candidate policy beside this one and record what it would have done."""

    policy: str
    """The candidate policy file; a relative path is relative to this policy's file."""
    sample_rate: float = Field(1.0, ge=0.0, le=1.0)
    """Fraction of checks the candidate also runs on (it runs inline, after the enforcing policy)."""


class Policy(_Strict):
    """A named, versioned set of rails per stage; every Decision carries its name and version.

    Sections owned by plugins (``audit:``, ``metrics:``, ``escalation:``, ...) are validated when
    the policy is loaded and read with :meth:`section`.
    """

    name: str
    version: str = "1"
    description: str = ""
    settings: PolicySettings = Field(default_factory=PolicySettings)
    input: list[RailSpec] = Field(default_factory=list)
    output: list[RailSpec] = Field(default_factory=list)
    context: list[RailSpec] = Field(default_factory=list)
    """Rails for retrieved documents and tool outputs; a blocked document is dropped on its own."""
    shadow: ShadowSettings | None = None
    """A candidate policy run beside this one, recorded but never enforced (docs/operators.md)."""
    _sections: dict[str, BaseModel] = PrivateAttr(default_factory=dict)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="after")
    def _unique_rail_ids(self) -> Policy:
        for stage in ("input", "output", "context"):
            seen: set[str] = set()
            for rail in getattr(self, stage):
                if rail.rail_id in seen:
                    raise ValueError(
                        f"{stage}: two rails have the id {rail.rail_id!r}; give one of them an explicit 'id'"
                    )
                seen.add(rail.rail_id)
        return self

    def section(self, name: str) -> Any:
        """The validated plugin section ``name`` (e.g. ``audit``), or None when the policy has none."""
        return self._sections.get(name)

    @property
    def sections(self) -> dict[str, BaseModel]:
        """Every plugin section the policy holds, by name."""
        return dict(self._sections)

    def with_sections(self, sections: Mapping[str, BaseModel]) -> Policy:
        """A copy of the policy holding ``sections`` (already validated) instead of its own."""
        copy = self.model_copy()
        copy._sections = dict(sections)
        return copy

    def core_only(self) -> Policy:
        """The rails and settings alone: no plugin sections and no shadow (offline runs, candidates)."""
        return self.model_copy(update={"shadow": None}).with_sections({})


CORE_FIELDS = frozenset(Policy.model_fields)
"""Top-level keys the core owns; every other top-level key must be a plugin's section."""


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _error_lines(exc: ValidationError, source: str, prefix: str = "") -> list[str]:
    lines = []
    for err in exc.errors():
        where = _loc(tuple(err["loc"]))
        if prefix:
            where = f"{prefix}.{where}" if where != "(top level)" else prefix
        got = err.get("input")
        got_text = "" if isinstance(got, dict | list) else f" (got {got!r})"
        lines.append(f"{source}: {where}: {err['msg']}{got_text}")
    return lines


def format_validation_error(exc: ValidationError, source: str, prefix: str = "") -> PolicyError:
    """A PolicyError whose message lists ``source: field.path: what was expected`` per problem."""
    return _policy_error(_error_lines(exc, source, prefix), source, exc.errors())


def _policy_error(lines: list[str], source: str, errors: list[Any]) -> PolicyError:
    return PolicyError("invalid policy\n  " + "\n  ".join(lines), source=source, errors=errors)


def _parse_file(path: Path) -> Any:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path}: policy file not found", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read policy file: {exc}", source=str(path)) from exc
    suffix = path.suffix.lower()
    import json  # the parsers load with a policy file, not on import

    import yaml

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    try:
        if suffix == ".json":
            return json.loads(raw)
        if suffix == ".toml":
            return tomllib.loads(raw)
        if suffix in (".yaml", ".yml", ""):
            return yaml.safe_load(raw)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path}: not valid {suffix.lstrip('.').upper() or 'YAML'}: {exc}", source=str(path)) from exc
    raise PolicyError(f"{path}: unknown policy format {suffix!r}; use .yaml, .yml, .toml or .json", source=str(path))


def _installed_sections() -> dict[str, type[BaseModel]]:
    from guardrails.plugins import collect_policy_sections, get_plugin_manager

    return collect_policy_sections(get_plugin_manager())


def _validate(data: dict[str, Any], origin: str, sections: Sections | None) -> Policy:
    extra = [key for key in data if key not in CORE_FIELDS]
    if extra and sections is None:  # only a policy with plugin sections needs the plugins
        sections = _installed_sections()
    sections = sections or {}
    clash = sorted(CORE_FIELDS & set(sections))
    if clash:
        raise PluginError(f"a plugin declares the policy section(s) {clash}, which are core policy fields")
    lines: list[str] = []
    errors: list[Any] = []
    policy: Policy | None = None
    try:
        policy = Policy.model_validate({k: v for k, v in data.items() if k in CORE_FIELDS})
    except ValidationError as exc:
        lines += _error_lines(exc, origin)
        errors += exc.errors()
    found: dict[str, BaseModel] = {}
    for key in extra:
        model = sections.get(key)
        if model is None:
            known = ", ".join(sorted(sections)) or "none installed"
            lines.append(f"{origin}: {key}: not a policy field, and no installed plugin declares a "
                         f"section of that name (plugin sections: {known})")
            continue
        if data[key] is None:  # an empty section (``metrics:`` with nothing under it) is no section
            continue
        try:
            found[key] = model.model_validate(data[key])
        except ValidationError as exc:
            lines += _error_lines(exc, origin, key)
            errors += exc.errors()
    if lines or policy is None:
        raise _policy_error(lines, origin, errors)
    return policy.with_sections(found) if found else policy


def load_policy_source(
    source: str | Path | Mapping[str, Any] | Policy, *, sections: Sections | None = None
) -> tuple[Policy, str]:
    """Parse and validate a policy; returns it with a name for the source used in error messages.

    ``sections`` are the plugin sections the policy may hold (``collect_policy_sections``); by
    default those of the installed plugins, looked up only when the policy has a section.
    """
    if isinstance(source, Policy):
        return source, f"<policy {source.name}>"
    if isinstance(source, Mapping):
        data: Any = dict(source)
        origin = "<policy dict>"
    else:
        path = Path(source)
        data = _parse_file(path)
        origin = str(path)
    if not isinstance(data, dict):
        raise PolicyError(f"{origin}: a policy must be a mapping at the top level, got {type(data).__name__}", source=origin)
    return _validate(data, origin, sections), origin


def default_policy_text() -> str:
    """The shipped default policy file, as text (``guardrails policy show`` prints it)."""
    return importlib_resources.files("guardrails").joinpath(DEFAULT_POLICY_FILE).read_text(encoding="utf-8")


def load_policy(
    source: str | Path | Mapping[str, Any] | Policy | None = None, *, sections: Sections | None = None
) -> Policy:
    """Load a policy from a file path, a dict, or (None) the shipped default policy."""
    if source is None:
        import yaml

        shipped = yaml.load(default_policy_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 5x faster
        return load_policy_source(shipped, sections=sections)[0]
    return load_policy_source(source, sections=sections)[0]
