"""
The benchmark behind `make bench` and `make bench-import`.

    python -m bench.run [--articles N] [--import-only]

1. Generates the same archive (``generate_archive``) into a fresh SQLite file and
   a fresh PostgreSQL database, and reports articles/s and the generator's peak
   memory for each.
2. Collects static files, counts each page's SQL queries in-process (Django's
   test client, anonymous), then serves the PostgreSQL site with gunicorn and
   production settings on 127.0.0.1 and loads every page with wrk, ROUNDS times,
   interleaved; prints the median requests/s, p50 and p99 of the rounds, as
   ratios to a bare Django view served by the same gunicorn, and the workers'
   memory before and after each page.

Everything it starts it stops, and the benchmark database is dropped on exit,
also after an error or Ctrl-C. Knobs are arguments or environment variables:
ARTICLES, ROUNDS, BENCH_DURATION, BENCH_THREADS, BENCH_CONNECTIONS,
BENCH_WORKERS, BENCH_DEEP_PAGE, BENCH_SEED, BENCH_DB, BENCH_PG_URL, BENCH_JSON,
BENCH_INSTRUCTIONS (1: each page's instructions per request too, bench.instructions),
BENCH_CACHE (``redis``: the shared page cache on, in BENCH_REDIS_URL under a key
prefix of the run's own, removed on exit).
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
# Requests arrive as from the TLS-terminating proxy production runs behind (SECURE_PROXY_SSL_HEADER).
PROXY_HEADER = ("X-Forwarded-Proto", "https")

# Generated rows skip save() and its signals: what those signals keep current is rebuilt by these, when they exist.
INDEX_COMMANDS = ["rebuild_search_index"]

WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def options(argv):
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=int(env("ARTICLES", "10000")))
    parser.add_argument("--import-only", action="store_true", help="Only the generation rate and memory.")
    parser.add_argument("--rounds", type=int, default=int(env("ROUNDS", "3")))
    parser.add_argument("--duration", default=env("BENCH_DURATION", "10s"), help="wrk's -d per page and round.")
    parser.add_argument("--threads", type=int, default=int(env("BENCH_THREADS", "2")))
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "8")))
    parser.add_argument("--workers", type=int, default=int(env("BENCH_WORKERS", "2")))
    parser.add_argument("--deep-page", type=int, default=int(env("BENCH_DEEP_PAGE", "200")))
    parser.add_argument("--seed", type=int, default=int(env("BENCH_SEED", "1")))
    parser.add_argument("--db", default=env("BENCH_DB", "magazine_bench"), help="Dropped and recreated.")
    parser.add_argument("--pg-url", default=env("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--json", default=env("BENCH_JSON", ""), help="Also write the raw results here.")
    parser.add_argument(
        "--cache",
        choices=["none", "redis"],
        default=env("BENCH_CACHE", "none") or "none",
        help="redis: serve with the shared page cache (REDIS_URL), as production does.",
    )
    parser.add_argument("--redis-url", default=env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument(
        "--instructions",
        action="store_true",
        default=env("BENCH_INSTRUCTIONS", "") not in ("", "0"),
        help="Then each page's instructions per request in the app's process, by callgrind (bench.instructions).",
    )
    parser.add_argument(
        "--soak",
        type=int,
        default=int(env("BENCH_SOAK", "0")),
        help="Then this many seconds of 50 connections on the article page; reports 5xx and logged errors.",
    )
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error("--db must be a plain lower-case identifier")
    if args.threads > args.connections:
        parser.error("wrk needs at least as many connections as threads")
    return args


def say(message):
    sys.stdout.write(f"{message}\n")
    sys.stdout.flush()


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="magazine-bench-"))
        pg = urlsplit(args.pg_url)
        self.pg = {"host": pg.hostname or HOST, "port": pg.port or 5432, "user": pg.username or "postgres"}
        if pg.password:
            self.pg["password"] = pg.password
        self.pg_url = f"{args.pg_url.rstrip('/')}/{args.db}"
        self.sqlite_url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        self.server = None
        self.database_created = False
        self.results = {"articles": args.articles, "cache": args.cache, "import": {}, "indexes": {}, "pages": []}
        self.cache_prefix = f"bench-{secrets.token_hex(6)}"

    def env(self, database_url):
        """Production settings: DEBUG off, a random key, only 127.0.0.1."""
        if not hasattr(self, "_secret"):
            self._secret = secrets.token_urlsafe(50)
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "SECRET_KEY": self._secret,
            "ALLOWED_HOSTS": HOST,
            "DATABASE_URL": database_url,
            "BENCH_STATIC_ROOT": str(self.tmp / "static"),
            "LOG_LEVEL": "WARNING",
            **(
                {"REDIS_URL": self.args.redis_url, "CACHE_KEY_PREFIX": self.cache_prefix}
                if self.args.cache == "redis"
                else {"REDIS_URL": "", "PAGE_CACHE_SECONDS": "0"}
            ),
        }

    def manage(self, database_url, *command):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=self.env(database_url), check=True)

    # Databases.

    def postgres(self, *statements, dbname="postgres"):
        """Run statements on the server's maintenance database, or ``dbname`` (outside a transaction, as DROP
        DATABASE and VACUUM need)."""
        import psycopg2

        connection = psycopg2.connect(dbname=dbname, connect_timeout=5, **self.pg)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
                return cursor.fetchone() if cursor.description else None
        finally:
            connection.close()

    def create_database(self):
        drop, create = f'DROP DATABASE IF EXISTS "{self.args.db}" WITH (FORCE)', f'CREATE DATABASE "{self.args.db}"'
        self.database_created = True
        self.results["postgresql"] = self.postgres(drop, create, "SHOW server_version")[0]

    def drop_database(self):
        if self.database_created:
            self.postgres(f'DROP DATABASE IF EXISTS "{self.args.db}" WITH (FORCE)')
            self.database_created = False

    # 1. Generation rate.

    def generate(self, label, database_url):
        say(f"\n==> {label}: migrate, then generate {self.args.articles:,} articles")
        self.manage(database_url, "migrate", "--no-input", "-v0")
        command = [sys.executable, "manage.py", "generate_archive", "--articles", str(self.args.articles)]
        command += ["--seed", str(self.args.seed)]
        child = subprocess.Popen(command, cwd=ROOT, env=self.env(database_url), stdout=subprocess.PIPE, text=True)
        output = child.stdout.read()
        # wait4, not wait: the child's own peak memory, not the largest of all children so far.
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        say(output.strip())
        if child.returncode:
            raise SystemExit(f"generate_archive failed on {label} (exit status {child.returncode})")
        seconds = float(re.search(r" in ([\d.]+) s:", output).group(1))
        self.results["import"][label] = {
            "seconds": seconds,
            "rate": self.args.articles / seconds,
            "peak_rss_mb": usage.ru_maxrss / 1024,
        }

    def rebuild_indexes(self):
        listed = subprocess.run(
            [sys.executable, "manage.py", "help", "--commands"],
            cwd=ROOT,
            env=self.env(self.pg_url),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for command in INDEX_COMMANDS:
            if command in listed:
                say(f"\n==> {command}")
                started = time.perf_counter()
                self.manage(self.pg_url, command)
                self.results["indexes"][command] = time.perf_counter() - started

    # 2. Pages.

    def measure_queries(self):
        say("\n==> Query counts (Django test client, anonymous, second request)")
        out = self.tmp / "pages.json"
        code = f"import django; django.setup(); from bench.pages import main; main({str(out)!r}, {self.args.deep_page})"
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env(self.pg_url), check=True)
        self.results["pages"] = json.loads(out.read_text())
        for page in self.results["pages"]:
            if page["url"] and page["status"] != 200:
                raise SystemExit(f"{page['name']} ({page['url']}) answered {page['status']}, not 200")

    def start_server(self):
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            port = probe.getsockname()[1]
        self.base = f"http://{HOST}:{port}"
        command = [str(BIN / "gunicorn"), "magazine.wsgi:application", "--bind", f"{HOST}:{port}"]
        command += ["--workers", str(self.args.workers), "--worker-class", "sync", "--no-control-socket"]
        command += ["--error-logfile", str(self.tmp / "gunicorn.log"), "--log-level", "warning"]
        say(f"\n==> gunicorn, {self.args.workers} sync workers, on {self.base}")
        # The site's own log lines (stderr) beside gunicorn's, for the soak's error count.
        with (self.tmp / "django.log").open("ab") as log:
            self.server = subprocess.Popen(command, cwd=ROOT, env=self.env(self.pg_url), stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise SystemExit(f"gunicorn exited with status {self.server.returncode}; see {self.tmp}/gunicorn.log")
            try:
                with urllib.request.urlopen(f"{self.base}/health/", timeout=2) as response:
                    if response.status == 200 and len(self.workers()) == self.args.workers:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /health/ within 30 s")

    def stop_server(self):
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.server = None

    def workers(self):
        pid = self.server.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except FileNotFoundError:
            return []

    def rss_mb(self):
        """Resident memory of each gunicorn worker, in MB."""
        sizes = {}
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            sizes[pid] = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024
        return sizes

    def wrk(self, url):
        a = self.args
        command = ["wrk", "--latency", "--timeout", "10s", f"-t{a.threads}", f"-c{a.connections}", f"-d{a.duration}"]
        command += ["--header", ": ".join(PROXY_HEADER)]
        output = subprocess.run([*command, self.base + url], capture_output=True, text=True, check=True).stdout
        return parse_wrk(output)

    def load(self):
        pages = [page for page in self.results["pages"] if page["url"]]
        for page in pages:
            page["rounds"] = []
            request = urllib.request.Request(self.base + page["url"], headers=dict([PROXY_HEADER]))
            for _ in range(5):  # every worker renders each page before it is timed
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
        self.results["rss_start_mb"] = self.rss_mb()
        # Other work on the machine skews every figure: say how busy it was.
        self.results["load_average_start"] = os.getloadavg()
        for round_number in range(1, self.args.rounds + 1):
            say(f"\n==> Round {round_number} of {self.args.rounds}: wrk {self.args.duration} per page")
            for page in pages:
                before = self.rss_mb()
                run = self.wrk(page["url"])
                run.update(rss_before=before, rss_after=self.rss_mb())
                page["rounds"].append(run)
                say(
                    f"  {page['name']:<14} {run['rps']:>8.1f} req/s  p50 {run['p50']:>7.1f} ms  "
                    f"p99 {run['p99']:>7.1f} ms  errors {run['errors']}"
                )
        self.results["rss_end_mb"] = self.rss_mb()

    def soak(self):
        """Issue 6's fault check under load: 50 connections for --soak seconds, then any non-2xx and any error
        the server logged."""
        article = next(page for page in self.results["pages"] if page["name"] == "article")
        say(f"\n==> Soak: wrk 50 connections for {self.args.soak} s on {article['url']}")
        command = ["wrk", "--latency", "--timeout", "10s", "-t2", "-c50", f"-d{self.args.soak}s"]
        command += ["--header", ": ".join(PROXY_HEADER), self.base + article["url"]]
        run = parse_wrk(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
        log = "".join(path.read_text() for path in self.tmp.glob("*.log"))
        run["logged_errors"] = len(re.findall(r"\b(?:ERROR|CRITICAL)\b|Traceback", log))
        self.results["soak"] = run
        say(
            f"  {run['requests']:,} requests, {run['rps']:.1f} req/s, p50 {run['p50']:.1f} ms, "
            f"p99 {run['p99']:.1f} ms; errors and non-2xx: {run['errors']}; "
            f"errors in the server's log: {run['logged_errors']}"
        )

    # Report.

    def count_instructions(self):
        """After the load, not beside it: callgrind keeps both cores busy for about a minute a page."""
        from bench.instructions import per_request

        say("\n==> Instructions per request in the app's process (callgrind, 30 requests less 10)")
        for page in self.results["pages"]:
            if page["url"]:
                page["instructions"] = per_request(page["url"], self.env(self.pg_url))
                say(f"  {page['name']:<14} {page['instructions']:.2f} M")

    def machine(self):
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
        django = subprocess.run(
            [sys.executable, "-c", "import django; print(django.get_version())"], capture_output=True, text=True
        ).stdout.strip()
        gunicorn = subprocess.run([str(BIN / "gunicorn"), "--version"], capture_output=True, text=True).stdout
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True) if shutil.which("wrk") else None
        return {
            "cpus": os.cpu_count(),
            "cpu": model.group(1).strip() if model else platform.processor(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": platform.python_version(),
            "django": django,
            "postgresql": self.results.get("postgresql", "?"),
            "sqlite": sqlite3.sqlite_version,
            "gunicorn": gunicorn.strip().removeprefix("gunicorn ").strip("()").removeprefix("version "),
            "wrk": (wrk.stdout + wrk.stderr).split("[")[0].removeprefix("wrk ").strip() if wrk else "-",
            "load_average": os.getloadavg(),
        }

    def report(self):
        a, results = self.args, self.results
        results["machine"] = self.machine()
        m = results["machine"]
        say(f"\n## Results: {a.articles:,} articles, seed {a.seed}\n")
        say(
            f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_gb']} GiB; Python {m['python']}, Django "
            f"{m['django']}, PostgreSQL {m['postgresql']}, SQLite {m['sqlite']}, gunicorn {m['gunicorn']}, "
            f"wrk {m['wrk']}."
        )
        if "load_average_start" in results:
            start, end = results["load_average_start"][0], m["load_average"][0]
            say(f"Load average (1 min) when the load test started: {start:.2f}; at the end: {end:.2f}.")
        say(f"Page cache: {'Redis (shared page cache on)' if a.cache == 'redis' else 'none'}.")
        say("\n| generation | articles/s | seconds | peak memory |\n| --- | ---: | ---: | ---: |")
        for label, row in results["import"].items():
            say(f"| {label} | {row['rate']:,.0f} | {row['seconds']:.1f} | {row['peak_rss_mb']:.0f} MB |")
        for command, seconds in results["indexes"].items():
            rate = a.articles / seconds if seconds else 0
            say(f"\nThen on PostgreSQL: {command} in {seconds:.1f} s ({rate:,.0f} articles/s, start-up included).")
        if not results["pages"]:
            return
        say(
            f"\nwrk {a.duration} per page and round, {a.threads} threads, {a.connections} connections; "
            f"gunicorn {a.workers} sync workers; median of {a.rounds} interleaved rounds.\n"
        )
        say("| page | req/s | p50 ms | p99 ms | × bare | queries | Django ms | hit ms | KB | worker RSS MB | errors |")
        say("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
        bare = None
        for page in results["pages"]:
            if not page["url"]:
                say(f"| {page['name']} | n/a (not built yet) | | | | | | | | | |")
                continue
            rounds = page["rounds"]
            page["median"] = {key: statistics.median(r[key] for r in rounds) for key in ("rps", "p50", "p99")}
            bare = bare or page["median"]["rps"]
            first, last = rounds[0]["rss_before"], rounds[-1]["rss_after"]
            rss = f"{max(first.values(), default=0):.0f} → {max(last.values(), default=0):.0f}"
            errors = sum(r["errors"] for r in rounds)
            med = page["median"]
            cells = [page["name"], f"{med['rps']:,.0f}", f"{med['p50']:.1f}", f"{med['p99']:.1f}"]
            hit = f"{page['hit_ms']:.1f}" if page.get("hit_ms") is not None else "-"
            cells += [f"{med['rps'] / bare:.3f}", page["queries"], f"{page['ms']:.1f}", hit]
            cells += [f"{page['bytes'] / 1024:.0f}"]
            say("| " + " | ".join(str(cell) for cell in [*cells, rss, errors]) + " |")
        counted = [page for page in results["pages"] if page.get("instructions")]
        if counted:
            say("\n| page | M instructions/request (app's process) | × bare |\n| --- | ---: | ---: |")
            bare_instructions = counted[0]["instructions"]
            for page in counted:
                ratio = bare_instructions / page["instructions"]
                say(f"| {page['name']} | {page['instructions']:.2f} | {ratio:.3f} |")
        say("\nPages:")
        for page in results["pages"]:
            if page["url"]:
                say(f"  {page['name']:<14} {page['url']}" + (f"  ({page['note']})" if page["note"] else ""))
        start, end = results["rss_start_mb"], results["rss_end_mb"]
        served = sum(r["requests"] for page in results["pages"] if page["url"] for r in page["rounds"])
        say(
            f"\nWorker memory over {served:,} requests: "
            + ", ".join(f"{start.get(pid, 0):.0f} → {end[pid]:.0f} MB" for pid in end)
            + (" (a worker was replaced during the run)" if set(start) != set(end) else "")
        )

    def run(self):
        a = self.args
        if not a.import_only:
            ensure_wrk()
        self.generate("SQLite", self.sqlite_url)
        (self.tmp / "bench.sqlite3").unlink()
        self.create_database()
        self.generate("PostgreSQL", self.pg_url)
        self.rebuild_indexes()
        # What autovacuum soon does to a live database after a bulk load: without the visibility map, an
        # index-only scan (a deep page's ids, articles.pagination) still visits the table.
        say("\n==> VACUUM ANALYZE")
        self.postgres("VACUUM ANALYZE", dbname=self.args.db)
        if not a.import_only:
            say("\n==> collectstatic")
            self.manage(self.pg_url, "collectstatic", "--no-input", "-v0")
            self.measure_queries()
            self.start_server()
            self.load()
            if a.soak:
                self.soak()
            if a.instructions:
                self.count_instructions()
        self.report()
        if a.json:
            Path(a.json).write_text(json.dumps(self.results, indent=1, default=str))

    def forget_cache(self):
        """The run's keys, and only those, out of Redis."""
        if self.args.cache != "redis":
            return
        import redis

        connection = redis.Redis.from_url(self.args.redis_url, socket_connect_timeout=5)
        try:
            keys = list(connection.scan_iter(f"{self.cache_prefix}:*"))
            if keys:
                connection.delete(*keys)
        finally:
            connection.close()

    def cleanup(self):
        try:
            self.stop_server()
        finally:
            try:
                self.drop_database()
            finally:
                try:
                    self.forget_cache()
                finally:
                    shutil.rmtree(self.tmp, ignore_errors=True)


def parse_wrk(output):
    """Requests/s, p50 and p99 in ms, requests and errors from wrk --latency's report."""

    def ms(label):
        value, unit = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M).groups()
        return float(value) * WRK_UNITS[unit]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": ms(50),
        "p99": ms(99),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def ensure_wrk():
    if shutil.which("wrk"):
        return
    say("==> Installing wrk from Debian")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=environment, stdout=subprocess.DEVNULL).returncode:
        subprocess.run(["apt-get", "update"], env=environment, stdout=subprocess.DEVNULL, check=True)
        subprocess.run(install, env=environment, stdout=subprocess.DEVNULL, check=True)


def main(argv=None):
    bench = Bench(options(argv))
    # SIGTERM and SIGHUP end the run like Ctrl-C does, through the cleanup below.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda signum, frame: sys.exit(128 + signum))
    try:
        bench.run()
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
