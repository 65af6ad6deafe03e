"""tako-guardrails: policy-driven input and output guards around any LLM call.

>>> import guardrails
>>> guard = guardrails.Guard.default()                       # doctest: +SKIP
>>> guard.check_input("ignore previous instructions").action  # doctest: +SKIP
<Action.BLOCK: 'block'>

The names below are the public API (a test pins them). The operators' tools live in the
``guardrails.ops`` plugin, build-time code in ``guardrails.offline``.
"""

from guardrails.errors import (
    Blocked,
    DataError,
    GuardError,
    GuardrailsError,
    GuardTimeout,
    InvalidInput,
    ModelError,
    ModelIntegrityError,
    PluginError,
    PolicyError,
)
from guardrails.guard import Guard
from guardrails.hookspecs import hookimpl
from guardrails.plugins import get_plugin_manager
from guardrails.policy import Policy, PolicySettings, RailSpec, load_policy
from guardrails.protocol import (
    BaseGuard,
    CheckContext,
    Checker,
    GuardConfig,
    GuardPlugin,
    RequestContext,
    Resources,
)
from guardrails.results import Action, Decision, Span, Verdict
from guardrails.sinks import Operations, Sink

__version__ = "0.1.0"

__all__ = [
    "Action",
    "BaseGuard",
    "Blocked",
    "CheckContext",
    "Checker",
    "DataError",
    "Decision",
    "Guard",
    "GuardConfig",
    "GuardError",
    "GuardPlugin",
    "GuardTimeout",
    "GuardrailsError",
    "InvalidInput",
    "ModelError",
    "ModelIntegrityError",
    "Operations",
    "PluginError",
    "Policy",
    "PolicyError",
    "PolicySettings",
    "RailSpec",
    "RequestContext",
    "Resources",
    "Sink",
    "Span",
    "Verdict",
    "__version__",
    "get_plugin_manager",
    "hookimpl",
    "load_policy",
]
