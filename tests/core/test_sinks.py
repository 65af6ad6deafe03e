"""Per-Guard sinks, and a third-party sink configured from its own policy section through the hooks."""

from __future__ import annotations

import pytest
import yaml
from pydantic import BaseModel, ConfigDict

from guardrails import (
    Action,
    Guard,
    PluginError,
    PolicyError,
    get_plugin_manager,
    hookimpl,
    load_policy,
)
from guardrails.plugins import collect_policy_sections
from tests.toy_guards import ToyPlugin

KEYWORD = {"guard": "keyword", "config": {"words": {"hate": ["hateword"]}}}


class PagerSettings(BaseModel):
    """The ``pager:`` section a third-party plugin declares."""

    model_config = ConfigDict(extra="forbid")
    channel: str
    actions: list[Action] = [Action.BLOCK]


class PagerSink:
    """Pages on the actions its section names; counts what it saw."""

    def __init__(self, settings: PagerSettings) -> None:
        self.settings = settings
        self.pages: list[tuple[str, str]] = []
        self.seen = 0
        self.closed = False

    def on_decision(self, decision, context):
        self.seen += 1
        if decision.action in self.settings.actions:
            self.pages.append((self.settings.channel, decision.id))

    def flush(self, timeout: float = 10.0) -> bool:
        return True

    def stats(self) -> dict:
        return {"pages": len(self.pages)}

    def close(self) -> None:
        self.closed = True


class PagerPlugin:
    """A third-party plugin: declares ``pager:`` and attaches a PagerSink where a policy has it."""

    @hookimpl
    def register_policy_sections(self, register):
        register("pager", PagerSettings)

    @hookimpl
    def guard_built(self, guard):
        settings = guard.policy.section("pager")
        if settings is not None:
            guard.add_sink(PagerSink(settings))


@pytest.fixture
def pm():
    return get_plugin_manager(load_entrypoints=False, plugins=[ToyPlugin(), PagerPlugin()])


def test_a_third_party_sink_is_configured_from_a_policy_file(pm, tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump({"name": "paged", "input": [KEYWORD], "pager": {"channel": "#safety"}}))
    guard = Guard.from_policy(path, plugin_manager=pm)
    other = Guard.from_policy({"name": "quiet", "input": [KEYWORD]}, plugin_manager=pm)
    sink = guard.operations.sink(PagerSink)
    assert isinstance(sink, PagerSink) and guard.policy.section("pager").channel == "#safety"
    assert other.operations.sinks == []

    blocked = guard.check_input("hateword")
    guard.check_input("hello")
    other.check_input("hateword")  # another Guard on the same plugin manager: not this sink's
    assert sink.pages == [("#safety", blocked.id)] and sink.seen == 2
    assert guard.operations.flush() and guard.operations.stats() == {"PagerSink": {"pages": 1}}
    guard.close()
    assert sink.closed


def test_a_plugin_section_is_validated_with_the_file_and_field(pm, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"name": "p", "pager": {"chanel": "#x"}}))
    with pytest.raises(PolicyError) as info:
        Guard.from_policy(path, plugin_manager=pm)
    message = str(info.value)
    assert f"{path}: pager.channel: Field required" in message
    assert f"{path}: pager.chanel: Extra inputs are not permitted" in message


def test_an_undeclared_section_names_the_declared_ones(pm):
    with pytest.raises(PolicyError, match=r"paging: not a policy field.*plugin sections: .*pager"):
        Guard.from_policy({"name": "p", "paging": {}}, plugin_manager=pm)
    sections = collect_policy_sections(pm)
    assert {"pager", "audit", "metrics", "escalation"} <= set(sections)
    policy = load_policy({"name": "p", "pager": {"channel": "#c"}}, sections=sections)
    assert policy.section("pager") == PagerSettings(channel="#c")
    assert policy.core_only().section("pager") is None


def test_sections_may_not_clash(pm):
    class Clash:
        @hookimpl
        def register_policy_sections(self, register):
            register("pager", dict)

    with pytest.raises(PluginError, match="pydantic model"):
        collect_policy_sections(get_plugin_manager(load_entrypoints=False, plugins=[Clash()]))

    class Twice:
        @hookimpl
        def register_policy_sections(self, register):
            register("pager", BaseModel)

    pm.register(Twice())
    with pytest.raises(PluginError, match="also declared by plugin"):
        collect_policy_sections(pm)

    with pytest.raises(PluginError, match="core policy fields"):
        load_policy({"name": "p"}, sections={"settings": PagerSettings})


def test_a_failing_guard_built_hook_fails_the_build_and_closes_what_was_attached(pm):
    closed = []

    class Early:
        def on_decision(self, decision, context):
            pass

        def close(self):
            closed.append("early")

    class Attach:
        @hookimpl(tryfirst=True)
        def guard_built(self, guard):
            guard.add_sink(Early())

    class Broken:
        @hookimpl(trylast=True)
        def guard_built(self, guard):
            raise RuntimeError("no pager credentials")

    pm.register(Attach())
    pm.register(Broken())
    with pytest.raises(PluginError, match="guard_built hook failed: no pager credentials"):
        Guard.from_policy({"name": "p", "input": [KEYWORD]}, plugin_manager=pm)
    assert closed == ["early"]


def test_sinks_cannot_break_a_request_and_need_on_decision(pm):
    guard = Guard.from_policy({"name": "p", "input": [KEYWORD]}, plugin_manager=pm)

    class Broken:
        def on_decision(self, decision, context):
            raise OSError("disk full")

    guard.add_sink(Broken())
    assert guard.check_input("hateword").action is Action.BLOCK
    with pytest.raises(TypeError, match="on_decision"):
        guard.add_sink(object())
    guard.close()
