"""The plugin manager: built on demand (no global at import), loading the ``guardrails`` entry points."""

from __future__ import annotations

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
    "DISABLE_ENV",
    "GuardInfo",
    "collect_encoders",
    "collect_guards",
    "get_plugin_manager",
    "validate_guard_class",
]

DISABLE_ENV = "GUARDRAILS_DISABLE_PLUGINS"
"""Comma-separated entry-point names (or plugin names) that are not loaded."""

_BUILTIN_PLUGINS = ("guardrails.runtime",)
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
) -> pluggy.PluginManager:
    """A new plugin manager with the hook specs, builtin plugins and the entry-point group loaded.

    ``disable`` (and the ``GUARDRAILS_DISABLE_PLUGINS`` variable) names entry points not to load.
    ``plugins`` are extra plugin objects (modules or instances) to register. Implementations of
    hooks that do not exist (a misspelled hook) raise PluginError.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    blocked = _blocked_names(disable)
    for blocked_name in blocked:
        pm.set_blocked(blocked_name)
    for module_name in _BUILTIN_PLUGINS:
        if module_name not in blocked:
            module = __import__(module_name, fromlist=["_"])
            pm.register(module, name=module_name)
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


def _plugin_distribution(pm: pluggy.PluginManager, plugin: Any) -> str | None:
    for p, dist in pm.list_plugin_distinfo():
        if p is plugin:
            return f"{dist.project_name} {dist.version}"
    return None


def collect_guards(pm: pluggy.PluginManager) -> dict[str, GuardInfo]:
    """Every guard class the registered plugins offer, by guard name."""
    found: dict[str, GuardInfo] = {}
    for impl in reversed(pm.hook.register_guards.get_hookimpls()):
        plugin_name = impl.plugin_name

        def register(cls: type[Any], _plugin: str = plugin_name, _obj: Any = impl.plugin) -> None:
            validate_guard_class(cls, _plugin)
            if cls.name in found and found[cls.name].cls is not cls:
                raise PluginError(
                    f"guard name {cls.name!r} is registered twice: by plugin {found[cls.name].plugin!r} "
                    f"and by plugin {_plugin!r}; disable one with {DISABLE_ENV}"
                )
            found[cls.name] = GuardInfo(cls.name, cls, _plugin, _plugin_distribution(pm, _obj))

        impl.function(register=register)
    return found


def collect_encoders(pm: pluggy.PluginManager) -> dict[str, Callable[[], EncoderLike]]:
    """Every encoder factory the registered plugins offer, by encoder name (later plugins win)."""
    found: dict[str, Callable[[], EncoderLike]] = {}

    def register(name: str, factory: Callable[[], EncoderLike]) -> None:
        if not callable(factory):
            raise PluginError(f"encoder {name!r}: the factory must be callable")
        found[name] = factory

    pm.hook.register_encoders(register=register)
    return found
