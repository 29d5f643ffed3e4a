"""The operator's documents name only settings that exist, each documented where it belongs."""
import re
from pathlib import Path

import pytest

import corrections.config

ROOT = Path(__file__).resolve().parents[1]
#: Upper-case names in the documents that are not the app's settings.
NOT_SETTINGS = {"CORRECTIONS_INSTANCE_PATH", "WEB_CONCURRENCY", "GUNICORN_BIND",
                "CORRECTIONS_TEST_POSTGRESQL_URL", "CORRECTIONS_TEST_REDIS_URL",
                "CORRECTIONS_TEST_REQUIRE", "SMTP_PORT", "PYTEST_ARGS", "VACUUM_INTO",
                "LC_ALL", "LC_MESSAGES"}


def settings_named_in(path: Path) -> set[str]:
    names = set(re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", path.read_text()))
    return {name.removeprefix("CORRECTIONS_") for name in names - NOT_SETTINGS}


@pytest.mark.parametrize("document", ["docs/deploy.md", "README.md"])
def test_every_setting_a_document_names_exists_and_is_in_the_example_config(document):
    example = (ROOT / "instance/config.example.py").read_text()
    named = settings_named_in(ROOT / document)
    assert named, "the pattern found no setting at all"
    assert sorted(n for n in named if not hasattr(corrections.config, n)) == []
    assert sorted(n for n in named if not re.search(rf"^#? ?{n} = ", example, re.M)) == []
