"""Plugin discovery through entry points, the block list, misspelled hooks, and every hook."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from guardrails import Action, Guard, PluginError, Verdict, get_plugin_manager, hookimpl, hookspecs
from guardrails.plugins import collect_guards
from guardrails.testing import FakeEncoder, check_guard_contract
from tests.toy_guards import DigitRedactor, KeywordGuard, SimilarityGuard

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "spoiler-plugin"


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory):
    """docs/examples/spoiler-plugin installed (for real, with pip) into a temporary directory."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(EXAMPLE)],
        check=True,
    )
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))
    sys.modules.pop("tako_spoilers", None)
    importlib.invalidate_caches()


def test_third_party_plugin_is_discovered_configured_from_a_file_and_run(installed_example):
    pm = get_plugin_manager()
    guards = collect_guards(pm)
    assert guards["spoilers"].plugin == "spoilers"
    assert guards["spoilers"].distribution == "tako-spoilers 1.0.0"
    guard = Guard.from_policy(EXAMPLE / "policy.yaml", plugin_manager=pm)
    d = guard.check_output("Great film. Spoiler: the killer is the butler.", prompt="is it good?")
    assert d.action is Action.WARN and d.triggered == ("spoiler",)
    assert (d.policy, d.policy_version) == ("video-answers", "2")
    assert guard.check_output("A calm documentary about whales.").action is Action.ALLOW


def test_block_list_disables_an_entry_point(installed_example, monkeypatch):
    monkeypatch.setenv("GUARDRAILS_DISABLE_PLUGINS", "spoilers, nothing-else")
    assert "spoilers" not in collect_guards(get_plugin_manager())
    assert "spoilers" not in collect_guards(get_plugin_manager(disable=["spoilers"], load_entrypoints=True))


def test_misspelled_hook_is_rejected():
    class Typo:
        @hookimpl
        def register_guard(self, register):  # missing "s"
            pass

    with pytest.raises(PluginError, match="register_guard.*known hooks: guard_built, on_decision, register_commands, "
                                          "register_encoders, register_guards, register_policy_sections"):
        get_plugin_manager(load_entrypoints=False, plugins=[Typo()])


def test_bad_guard_classes_are_rejected_with_the_plugin_named(guardrails_pm):
    class NoConfig:
        name = "x"
        stages = frozenset({"input"})
        changes_text = False
        categories = ()

        def check(self, text, context):
            return Verdict()

    class BadPlugin:
        @hookimpl
        def register_guards(self, register):
            register(NoConfig)

    guardrails_pm.register(BadPlugin(), name="bad-plugin")
    with pytest.raises(PluginError, match="from plugin 'bad-plugin': needs a nested pydantic 'Config'"):
        collect_guards(guardrails_pm)


def test_duplicate_guard_names_name_both_plugins(guardrails_pm):
    class A:
        @hookimpl
        def register_guards(self, register):
            register(KeywordGuard)

    class KeywordAgain(KeywordGuard):
        pass

    class B:
        @hookimpl
        def register_guards(self, register):
            register(KeywordAgain)

    guardrails_pm.register(A(), name="plugin-a")
    guardrails_pm.register(B(), name="plugin-b")
    with pytest.raises(PluginError, match="registered twice: by plugin 'plugin-[ab]' and by plugin 'plugin-[ab]'"):
        collect_guards(guardrails_pm)


def test_register_encoders_hook_swaps_the_encoder(make_guard):
    built = []

    class EncoderPlugin:
        @hookimpl
        def register_encoders(self, register):
            def factory():
                built.append(1)
                return FakeEncoder(name="team-encoder")

            register("team", factory)

        @hookimpl
        def register_guards(self, register):
            register(SimilarityGuard)

    pm = get_plugin_manager(load_entrypoints=False, plugins=[EncoderPlugin()])
    from guardrails.plugins import collect_encoders

    assert "team" in collect_encoders(pm)
    policy = {"name": "p", "input": [{"guard": "similarity", "config": {"description": "cats", "encoder": "team"}}]}
    guard = Guard.from_policy(policy, plugin_manager=pm)
    assert built == [1] and guard.resources.encoder("team").name == "team-encoder"
    Guard.from_policy(policy, plugin_manager=pm, resources=guard.resources)
    assert built == [1]  # shared, built once
    with pytest.raises(Exception, match="no encoder named 'missing'"):
        guard.resources.encoder("missing")


def test_on_decision_hook_sees_every_decision_and_cannot_break_requests(toy):
    guard = toy({"input": [{"guard": "keyword", "config": {"words": {"custom": ["bad"]}}}]})
    seen = []

    class Sink:
        @hookimpl
        def on_decision(self, decision, context):
            seen.append((decision.action, context.stage))

    class BrokenSink:
        @hookimpl
        def on_decision(self, decision, context):
            raise OSError("disk full")

    guard.plugin_manager.register(Sink())
    guard.check_input("bad")
    guard.check_output("fine")
    guard.check_input_batch(["x", "bad"])
    assert seen == [(Action.BLOCK, "input"), (Action.ALLOW, "output"), (Action.ALLOW, "input"), (Action.BLOCK, "input")]
    guard.plugin_manager.register(BrokenSink())
    assert guard.check_input("bad").action is Action.BLOCK


@pytest.mark.parametrize("cls", [KeywordGuard, DigitRedactor, SimilarityGuard])
def test_contract_kit_passes_real_guards(cls):
    config = {"description": "cooking"} if cls is SimilarityGuard else None
    check_guard_contract(cls, config)


def test_contract_kit_catches_a_broken_guard():
    class Leaky(KeywordGuard):
        name = "leaky"

        def check(self, text, context):
            return Verdict(categories={"custom": 2.0})

    with pytest.raises(AssertionError, match="outside 0..1"):
        check_guard_contract(Leaky)


def test_every_hook_is_documented_and_tested():
    names = sorted(n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "guardrails_spec"))
    assert names == ["guard_built", "on_decision", "register_commands", "register_encoders", "register_guards",
                     "register_policy_sections"]
    docs = (REPO / "docs" / "hooks.md").read_text()
    here = Path(__file__).resolve()
    tests = "\n".join(p.read_text() for p in (REPO / "tests").rglob("test_*.py") if p.resolve() != here)
    tests += here.read_text().split("def test_every_hook_is_documented_and_tested")[0]
    for name in names:
        assert re.search(rf"^## `?{name}", docs, re.M), f"hook {name} has no section in docs/hooks.md"
        assert f"def {name}(" in tests, f"hook {name} is not implemented by any test"
        spec = getattr(hookspecs, name)
        params = [p for p in inspect.signature(spec).parameters]
        for param in params:
            assert f":param {param}:" in (spec.__doc__ or ""), f"hook {name} does not document {param!r}"


def test_base_guard_and_guard_config_are_an_optional_base(make_guard):
    from pydantic import ValidationError

    from guardrails import BaseGuard, GuardConfig, GuardPlugin

    class Shout(BaseGuard):
        name = "shout"
        stages = frozenset({"input", "context"})
        categories = ("shouting",)

        class Config(GuardConfig):
            min_letters: int = 4

        def check(self, text, context):
            letters = [c for c in text if c.isalpha()]
            loud = len(letters) >= self.config.min_letters and all(c.isupper() for c in letters)
            return Verdict(categories={"shouting": float(loud)})

    with pytest.raises(ValidationError, match="Extra inputs"):
        Shout.Config.model_validate({"min_leters": 3})
    assert isinstance(Shout(Shout.Config()), GuardPlugin) and Shout.changes_text is False
    check_guard_contract(Shout)
    guard_obj = Shout(Shout.Config())
    assert guard_obj.check_batch(["HEY YOU", "hello"], [None, None])[0].categories == {"shouting": 1.0}

    class Plugin:
        @hookimpl
        def register_guards(self, register):
            register(Shout)

    guard = make_guard({"name": "p", "input": [{"guard": "shout", "thresholds": {"shouting": 0.7}}],
                        "context": [{"guard": "shout"}]}, plugins=[Plugin()])
    decisions = guard.check_batch("context", ["STOP THAT", "fine"])
    assert [d.action for d in decisions] == [Action.BLOCK, Action.ALLOW]
    assert all(d.stage == "context" for d in decisions)
    assert guard.thresholds("input") == {"shout": {"shouting": 0.7}}
    assert guard.thresholds("context", ["other"]) == {"shout": {"shouting": 0.5, "other": 0.5}}
    rail = guard._runners["input"].rails[0]  # noqa: SLF001 - the pipeline's view of the guard
    assert rail.batch is None  # the base's one-by-one check_batch: each text timed on its own
