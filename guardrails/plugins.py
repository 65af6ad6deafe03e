"""The plugin manager: built on demand (no global at import), loading the ``guardrails`` entry points.

The SDK's own plugins are plugins like any other. ``runtime`` (the shipped encoder) and ``ops``
(audit, metrics, escalation) are entry points of this distribution, and are also registered
directly, under the same names, when entry points are not loaded (the test kit, a source
checkout that was never installed). ``commands`` (the core CLI commands), ``serve`` (the HTTP
sidecar) and ``offline`` (build-time commands) are registered only for the command line, so
building a Guard never imports them. The block list applies to every one of them.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pluggy
from pydantic import BaseModel

from guardrails import hookspecs
from guardrails.errors import PluginError
from guardrails.protocol import EncoderLike

__all__ = [
    "BUILTIN_PLUGINS",
    "COMMAND_PLUGINS",
    "DISABLE_ENV",
    "GuardInfo",
    "collect_encoders",
    "collect_guards",
    "collect_policy_sections",
    "get_plugin_manager",
    "validate_guard_class",
]

DISABLE_ENV = "GUARDRAILS_DISABLE_PLUGINS"
"""Comma-separated entry-point names (or plugin names) that are not loaded."""

BUILTIN_PLUGINS: dict[str, str] = {"runtime": "guardrails.runtime", "ops": "guardrails.ops"}
"""The SDK's own plugins, by entry-point name: module."""
COMMAND_PLUGINS: dict[str, str] = {
    "commands": "guardrails.cli", "serve": "guardrails.serve", "offline": "guardrails.offline",
}
"""Plugins registered only by the ``guardrails`` command (``get_plugin_manager(commands=True)``)."""
_VALID_STAGES = {"input", "output", "context"}


@dataclass(frozen=True)
class GuardInfo:
    """A registered guard class and where it came from."""

    name: str
    cls: type[Any]
    plugin: str
    distribution: str | None


def _blocked_names(extra: Iterable[str] | None) -> set[str]:
    names = {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}
    return names | set(extra or ())


def get_plugin_manager(
    *,
    load_entrypoints: bool = True,
    disable: Iterable[str] | None = None,
    plugins: Iterable[Any] = (),
    commands: bool = False,
) -> pluggy.PluginManager:
    """A new plugin manager with the hook specs, builtin plugins and the entry-point group loaded.

    ``disable`` (and the ``GUARDRAILS_DISABLE_PLUGINS`` variable) names entry points not to load.
    ``plugins`` are extra plugin objects (modules or instances) to register. ``commands`` also
    registers the command-line plugins (COMMAND_PLUGINS). Implementations of hooks that do not
    exist (a misspelled hook) raise PluginError.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for blocked_name in _blocked_names(disable):
        pm.set_blocked(blocked_name)
    builtins = {**BUILTIN_PLUGINS, **(COMMAND_PLUGINS if commands else {})}
    for name, module_name in builtins.items():
        if not pm.is_blocked(name) and not pm.is_blocked(module_name):
            pm.register(importlib.import_module(module_name), name=name)
    if load_entrypoints:
        try:
            pm.load_setuptools_entrypoints(hookspecs.PROJECT)
        except Exception as exc:  # an entry point that fails to import
            raise PluginError(f"loading the {hookspecs.PROJECT!r} entry points failed: {exc}") from exc
    for plugin in plugins:
        pm.register(plugin)
    check_pending(pm)
    return pm


def check_pending(pm: pluggy.PluginManager) -> None:
    """Raise PluginError naming any hook implementation that matches no hook spec."""
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"{exc} (known hooks: {', '.join(_hook_names())})") from exc


def _hook_names() -> list[str]:
    return sorted(n for n, f in vars(hookspecs).items() if callable(f) and hasattr(f, "guardrails_spec"))


def validate_guard_class(cls: Any, plugin: str) -> None:
    """Raise PluginError unless ``cls`` has the attributes of a guard (see protocol.GuardPlugin)."""
    where = f"guard {getattr(cls, '__name__', cls)!r} from plugin {plugin!r}"
    if not inspect.isclass(cls):
        raise PluginError(f"{where}: register() takes a class, got {type(cls).__name__}")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise PluginError(f"{where}: 'name' must be an identifier string, got {name!r}")
    stages = getattr(cls, "stages", None)
    if not stages or not set(stages) <= _VALID_STAGES:
        raise PluginError(f"{where}: 'stages' must be a non-empty subset of {sorted(_VALID_STAGES)}, got {stages!r}")
    config = getattr(cls, "Config", None)
    if not (inspect.isclass(config) and issubclass(config, BaseModel)):
        raise PluginError(f"{where}: needs a nested pydantic 'Config' model")
    if not callable(getattr(cls, "check", None)):
        raise PluginError(f"{where}: needs a check(text, context) method")
    if not isinstance(getattr(cls, "changes_text", False), bool):
        raise PluginError(f"{where}: 'changes_text' must be a bool")


def _plugin_distributions(pm: pluggy.PluginManager) -> dict[int, str]:
    """``"name version"`` of the distribution each entry-point plugin came from, by ``id(plugin)``
    (each distribution's metadata file is read and parsed once, not once per guard)."""
    listing = getattr(pm, "list_plugin_distributions", None)  # pluggy >= 1.6: the raw distributions
    pairs = listing() if listing is not None else pm.list_plugin_distinfo()
    labels: dict[int, str] = {}
    out: dict[int, str] = {}
    for plugin, dist in pairs:
        label = labels.get(id(dist))
        if label is None:
            meta = dist.metadata
            label = labels[id(dist)] = f"{meta['name']} {meta['version']}"
        out.setdefault(id(plugin), label)
    return out


def collect_guards(pm: pluggy.PluginManager) -> dict[str, GuardInfo]:
    """Every guard class the registered plugins offer, by guard name."""
    found: dict[str, GuardInfo] = {}
    distributions = _plugin_distributions(pm)
    for impl in reversed(pm.hook.register_guards.get_hookimpls()):
        plugin_name = impl.plugin_name

        def register(cls: type[Any], _plugin: str = plugin_name, _obj: Any = impl.plugin) -> None:
            validate_guard_class(cls, _plugin)
            if cls.name in found and found[cls.name].cls is not cls:
                raise PluginError(
                    f"guard name {cls.name!r} is registered twice: by plugin {found[cls.name].plugin!r} "
                    f"and by plugin {_plugin!r}; disable one with {DISABLE_ENV}"
                )
            found[cls.name] = GuardInfo(cls.name, cls, _plugin, distributions.get(id(_obj)))

        impl.function(register=register)
    return found


def collect_policy_sections(pm: pluggy.PluginManager) -> dict[str, type[BaseModel]]:
    """Every top-level policy section the registered plugins declare, by name, with its model."""
    found: dict[str, tuple[type[BaseModel], str]] = {}
    for impl in pm.hook.register_policy_sections.get_hookimpls():

        def register(name: str, model: type[BaseModel], _plugin: str = impl.plugin_name) -> None:
            where = f"policy section {name!r} from plugin {_plugin!r}"
            if not (inspect.isclass(model) and issubclass(model, BaseModel)):
                raise PluginError(f"{where}: register() takes a pydantic model class, got {model!r}")
            if name in found and found[name][0] is not model:
                raise PluginError(f"{where}: also declared by plugin {found[name][1]!r}")
            found[name] = (model, _plugin)

        impl.function(register=register)
    return {name: model for name, (model, _) in sorted(found.items())}


def collect_encoders(pm: pluggy.PluginManager) -> dict[str, Callable[[], EncoderLike]]:
    """Every encoder factory the registered plugins offer, by encoder name (later plugins win)."""
    found: dict[str, Callable[[], EncoderLike]] = {}

    def register(name: str, factory: Callable[[], EncoderLike]) -> None:
        if not callable(factory):
            raise PluginError(f"encoder {name!r}: the factory must be callable")
        found[name] = factory

    pm.hook.register_encoders(register=register)
    return found
