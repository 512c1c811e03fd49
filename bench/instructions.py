"""
What a page costs the application's process, in instructions per request, counted by valgrind's callgrind.

wrk's requests/s move by 10 to 20 % from one run to the next on a shared machine; an instruction count is the
same from run to run (give or take a few tenths of a percent), whatever else the machine is doing. It leaves
out what the page costs PostgreSQL (another process), so it complements wrk's figures, and tells whether a
change made the application's work smaller.

    python -m bench.run --instructions            # every page of the benchmark, after its wrk rounds

or, against a database already generated (DATABASE_URL, DJANGO_SETTINGS_MODULE=bench.settings):

    python -m bench.instructions /articles/2023/12/29/some-slug/ /authors/some-author/

Each address is requested through Django's WSGI handler in one process 10 times and in another 30 times,
both under callgrind; the difference over 20 is one request, without the process's start and with the
per-process caches warm. Needs valgrind (Debian's package).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FEW, MANY = 10, 30
# As from the TLS-terminating proxy in front of production (SECURE_PROXY_SSL_HEADER).
PROXY = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "127.0.0.1"}


def serve(url, times):
    """Request ``url`` ``times`` times in this process (the program callgrind counts)."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    handler, factory = WSGIHandler(), RequestFactory()
    for _ in range(times):
        response = handler(factory.get(url, **PROXY).environ, lambda status, headers: None)
        b"".join(response)
        response.close()


def _instructions(url, times, env):
    """Instructions callgrind counts for a process that requests ``url`` ``times`` times."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        command += [sys.executable, "-m", "bench.instructions", "--serve", url, str(times)]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode:
            raise SystemExit(f"callgrind failed for {url}:\n{result.stderr[-2000:]}")
        return int(re.search(r"Collected : (\d+)", result.stderr)[1])


def per_request(url, env=None):
    """Millions of instructions one request for ``url`` costs the application's process."""
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed: apt-get install valgrind")
    # The same hash seed in both processes: dictionaries and sets then do the same work.
    env = {**(env or os.environ), "PYTHONHASHSEED": "0"}
    with ThreadPoolExecutor(2) as pool:
        few, many = pool.map(lambda times: _instructions(url, times, env), (FEW, MANY))
    return (many - few) / (MANY - FEW) / 1e6


def main(argv):
    if argv[:1] == ["--serve"]:
        serve(argv[1], int(argv[2]))
        return
    for url in argv:
        sys.stdout.write(f"{per_request(url):8.2f} M instructions/request  {url}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
