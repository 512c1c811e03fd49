"""CI's dependency audit fails on a known vulnerability and skips only when nothing could be looked up."""

import importlib.util
import json
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location(
    "audit_dependencies", Path(__file__).resolve().parents[1] / ".ci" / "audit_dependencies.py"
)
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def report(*dependencies):
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


CLEAN = {"name": "nh3", "version": "0.3.8", "vulns": []}
VULNERABLE = {"name": "django", "version": "4.2.0", "vulns": [{"id": "PYSEC-2023-100", "fix_versions": ["4.2.2"]}]}
UNFOUND = {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2)"}


def test_a_known_vulnerability_fails_and_names_the_fix():
    status, message = audit.verdict(1, report(CLEAN, VULNERABLE), "")
    assert status == 1
    assert "django 4.2.0: PYSEC-2023-100 (fixed in 4.2.2)" in message


def test_a_vulnerability_fails_even_when_other_packages_could_not_be_looked_up():
    status, message = audit.verdict(1, report(UNFOUND, VULNERABLE), "")
    assert status == 1
    assert "PYSEC-2023-100" in message


def test_a_vulnerability_without_a_fixed_release_fails_and_says_so():
    unfixed = {**VULNERABLE, "vulns": [{"id": "GHSA-xxxx", "fix_versions": []}]}
    status, message = audit.verdict(1, report(unfixed), "")
    assert status == 1
    assert "GHSA-xxxx (fixed in no release yet)" in message


def test_clean_packages_pass():
    assert audit.verdict(0, report(CLEAN), "") == (0, "1 packages audited: no known vulnerabilities.")


def test_a_report_listing_no_package_is_not_a_pass():
    assert audit.verdict(0, report(), "")[0] == 1


def test_pip_audit_failing_after_a_clean_report_fails():
    assert audit.verdict(2, report(CLEAN), "error: could not write the report")[0] == 1


def test_a_package_that_could_not_be_audited_among_others_fails():
    """pip-audit itself says "No known vulnerabilities found" here and exits 0."""
    assert audit.verdict(0, report(CLEAN, UNFOUND), "")[0] == 1


@pytest.mark.parametrize(
    "returncode,stdout,stderr",
    [
        (0, report(UNFOUND, {**UNFOUND, "name": "nh3"}), ""),
        (1, "", "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org'): Max retries exceeded"),
    ],
    ids=["no package found", "connection error"],
)
def test_an_unreachable_service_is_a_loud_skip(returncode, stdout, stderr):
    status, message = audit.verdict(returncode, stdout, stderr)
    assert status == 0
    assert message.startswith("SKIPPED:")
    assert "audited" in message


def test_any_other_failure_of_pip_audit_fails():
    assert audit.verdict(1, "", "ResolutionImpossible: django-csp>=9")[0] == 1
