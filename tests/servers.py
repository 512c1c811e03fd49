"""App servers in subprocesses, as production runs them, for the two-server and fault tests."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"
# Both servers answer to the name the load balancer gives them, so that they share cached pages.
HOST = "magazine.test"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    """``gunicorn magazine.wsgi`` with one worker on a port of its own, with these environment variables."""

    def __init__(self, log_dir, **env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(log_dir) / f"gunicorn-{self.port}.log"
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "REDIS_", "PAGE_"))}
        self.env = {**keep, "DEBUG": "1", "ALLOWED_HOSTS": f"{HOST},127.0.0.1", "CONN_MAX_AGE": "0", **env}
        self.process = None

    def start(self, timeout=30):
        command = [str(GUNICORN), "magazine.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"]
        # gunicorn's log and the site's (stderr) in one file, for the test to read.
        command += ["--error-logfile", "-", "--no-control-socket"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {self.log.read_text()}")
            try:
                if self.get("/healthz").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s: {self.log.read_text()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def browser(self):
        return Browser(self)

    def get(self, path, **headers):
        return self.browser().get(path, **headers)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.text = status, headers, body.decode("utf-8", "replace")


class Browser:
    """Cookies, the CSRF token and the Host header, over urllib: enough to sign in and post admin forms."""

    def __init__(self, server):
        self.server = server
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(NoRedirects, urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, method, path, data=None, **headers):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.server.base + path, data=body, method=method)
        request.add_header("Host", HOST)
        request.add_header("Referer", f"http://{HOST}{path}")
        for name, value in headers.items():
            request.add_header(name.replace("_", "-"), value)
        try:
            with self.opener.open(request, timeout=30) as response:
                return Response(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.headers, error.read())

    def get(self, path, **headers):
        return self.request("GET", path, **headers)

    def post(self, path, data):
        token = next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")
        return self.request("POST", path, {**data, "csrfmiddlewaretoken": token})

    def sign_in(self, username, password):
        form = self.get("/admin/login/")
        assert form.status == 200, form.status
        response = self.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
        assert response.status == 302, re.sub(r"\s+", " ", response.text)[:500]
        return self


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class TCPProxy:
    """A port that forwards to ``target`` until ``down()``, which also cuts every open connection; ``up()``
    listens again on the same port. A database that goes away and comes back, at the test's command."""

    def __init__(self, target):
        self.target = target
        self.port = free_port()
        self.listener = None
        self.connections = []
        self.lock = threading.Lock()

    def up(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()
        return self

    def down(self):
        # shutdown() first: close() alone leaves a thread blocked in accept() listening (Linux).
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            for sock in self.connections:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.connections.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
