"""secrets: every shipped detector on a realistic token, and look-alikes that must pass."""

from __future__ import annotations

import pytest
from tako_rules.secrets import SecretsGuard

from guardrails.protocol import CheckContext

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4Vb\nq0rT9=\n-----END RSA PRIVATE KEY-----"
GCP_JSON = (
    '{"type": "service_account", "private_key_id": "' + "a1b2c3d4e5" * 4 + '", '
    '"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"}'
)


@pytest.fixture(scope="module")
def guard() -> SecretsGuard:
    return SecretsGuard(SecretsGuard.Config())


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("key AKIAIOSFODNN7EXAMPLE ok", "AWS_ACCESS_KEY_ID"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SECRET_ACCESS_KEY"),
        ("key=AIzaSyD-1234567890abcdefghijklmnopqrstu", "GCP_API_KEY"),
        (GCP_JSON, "PRIVATE_KEY"),
        (GCP_JSON, "GCP_PRIVATE_KEY_ID"),
        ("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + "A1b2" * 22 + "==;", "AZURE_STORAGE_KEY"),
        ("https://acct.blob.core.windows.net/c?sv=2022&sig=" + "aB3dE5fG7h" * 4 + "%3D", "AZURE_SAS_TOKEN"),
        ("token ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij", "GITHUB_TOKEN"),
        ("github_pat_11ABCDEFG0" + "x1Y2z3" * 12, "GITHUB_PAT"),
        ("glpat-abcdefghij1234567890", "GITLAB_TOKEN"),
        ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "SLACK_TOKEN"),
        ("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "SLACK_WEBHOOK"),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "STRIPE_KEY"),
        ("rk_live_4eC39HqLyjWDarjtT1zdp7dc", "STRIPE_KEY"),
        ("OPENAI_API_KEY=sk-proj-abc123DEF456ghi789JKL012mno345PQR678", "OPENAI_API_KEY"),
        ("sk-ant-api03-" + "aB3x_Z9" * 14, "ANTHROPIC_API_KEY"),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "JWT"),
        (PEM, "PRIVATE_KEY"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU", "PRIVATE_KEY"),
        ("postgres://admin:s3cr3tP4ss@db.example.com:5432/app", "CONNECTION_STRING_PASSWORD"),
        ("mongodb+srv://u:Zq81xLp@cluster0.mongodb.net", "CONNECTION_STRING_PASSWORD"),
        ("password: hunter2hunter", "PASSWORD_ASSIGNMENT"),
        ("my api key is Zx81kLq0PpWm3nB7vT2rYs9Hd4Fc6Ga1", "HIGH_ENTROPY_TOKEN"),
    ],
)
def test_positives(guard: SecretsGuard, text: str, label: str) -> None:
    verdict = guard.check(text, CheckContext(stage="input"))
    assert label in {s.label for s in verdict.spans}, verdict.spans
    assert verdict.categories["secrets"] >= 0.8
    assert f"[{label}]" in verdict.text


@pytest.mark.parametrize(
    "text",
    [
        "the commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 fixed it",
        "sk-learn is a python library; so is scikit-learn",
        "use the task-list-for-the-internationalization-work",
        "password=${DB_PASSWORD}",
        "password: <your password>",
        "postgres://user:${PGPASSWORD}@localhost/db",
        "https://example.com/path/to/some/really/long/resource-name-here",
        "what is an API key and how do tokens work?",
        "the token was ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "AKIA is a prefix of AWS access keys",
    ],
)
def test_hard_negatives(guard: SecretsGuard, text: str) -> None:
    assert guard.check(text, CheckContext(stage="input")).categories == {}


def test_connection_string_keeps_structure(guard: SecretsGuard) -> None:
    v = guard.check("db: postgres://admin:s3cr3tP4ss@db.example.com/app", CheckContext(stage="input"))
    assert v.text == "db: postgres://admin:[CONNECTION_STRING_PASSWORD]@db.example.com/app"


def test_unterminated_pem_is_redacted(guard: SecretsGuard) -> None:
    v = guard.check("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\nBgkqhkiG9w0", CheckContext(stage="input"))
    assert v.text == "[PRIVATE_KEY]"


def test_disable_and_entropy_switch() -> None:
    g = SecretsGuard(SecretsGuard.Config(disable=["STRIPE_TEST_KEY"], entropy=False))
    assert g.check("sk_test_4eC39HqLyjWDarjtT1zdp7dc", CheckContext(stage="input")).categories == {}
    assert g.check("api key Zx81kLq0PpWm3nB7vT2rYs9Hd4Fc6Ga1", CheckContext(stage="input")).categories == {}


def test_contract() -> None:
    from guardrails.testing import check_guard_contract

    check_guard_contract(SecretsGuard, threads=4)


def test_one_scan_finds_every_detectors_quick_literal(guard) -> None:
    """The pre-check before the detectors is one scan for all their quick literals: it must find
    each of them, in any case, and nothing in an ordinary query."""
    assert guard._quick is not None
    for label, literals, _ in guard._patterns:
        for literal in literals:
            assert guard._quick.search(f"so {literal} ok".lower()), (label, literal)
    for root in ("key", "secret", "token", "auth", "bearer", "credential", "signature", "passw"):
        assert guard._keyword_root.search(f"my {root}s")
    assert guard._quick.search("best cheap flight to rome tomorrow morning") is None
    off = SecretsGuard(SecretsGuard.Config(disable=["OPENAI_API_KEY"]))
    assert off._quick.search("sk-") is None and off.find("sk-proj-Xy7Qa9Lm2Vb4Nc8Rt1Zw6Kd3Hf5Js0Pq") == []
