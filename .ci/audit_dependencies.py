"""
CI: pip-audit on requirements.txt. Exit 1 on a known vulnerability.

pip-audit reports "No known vulnerabilities found" even when it could look up
none of the packages (it skips those it cannot find), which would be a false
green. So: a vulnerability fails; a package that could not be audited while
others could fails; only when the vulnerability service answered for no package
at all (it is unreachable from this machine) is the audit skipped, loudly.

Other sources were looked for (issue 7): pip-audit's other services (OSV,
ecosyste.ms) are network services too, and no package on PyPI ships a current
advisory database to audit against offline (safety-db's stops in 2021, before
any version pinned here). Where the machine reaches a service, the audit is real.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
UNREACHABLE = re.compile(r"ConnectionError|Max retries|Failed to establish|timed out|Name or service not known", re.I)


def verdict(returncode, stdout, stderr):
    """(exit status, message) for one pip-audit run in JSON format."""
    try:
        report = json.loads(stdout)
    except ValueError:
        if UNREACHABLE.search(stderr):
            return 0, f"SKIPPED: the vulnerability service is unreachable; nothing was audited.\n{stderr.strip()}"
        return 1, f"pip-audit failed (exit {returncode}):\n{stderr.strip()}"
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    if vulnerable:
        lines = [
            f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v.get('fix_versions') or ['no release yet'])})"
            for d in vulnerable
            for v in d["vulns"]
        ]
        return 1, "Known vulnerabilities in requirements.txt:\n" + "\n".join(lines)
    if returncode != 0:
        return 1, f"pip-audit failed (exit {returncode}):\n{stderr.strip()}"
    if not dependencies:
        return 1, "pip-audit listed no packages at all: nothing was audited."
    if len(skipped) == len(dependencies):
        return 0, (
            f"SKIPPED: the vulnerability service answered for none of the {len(dependencies)} packages "
            f"(first: {skipped[0]['skip_reason']}). Nothing was audited: "
            "run pip-audit where PyPI's JSON API is reachable."
        )
    if skipped:
        return 1, "Packages that could not be audited:\n" + "\n".join(d["skip_reason"] for d in skipped)
    return 0, f"{len(dependencies)} packages audited: no known vulnerabilities."


def main():
    command = [str(PIP_AUDIT), "-r", "requirements.txt", "--format", "json", "--progress-spinner", "off"]
    result = subprocess.run(command, capture_output=True, text=True)
    status, message = verdict(result.returncode, result.stdout, result.stderr)
    print(message, file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
