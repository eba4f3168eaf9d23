"""Support for tests that run real Celery workers and beat against a real Redis (test_reminders_workers.py).

- `FileEmailBackend`: the workers' email backend (EMAIL_BACKEND in their environment). Each message is one
  JSON line appended to SVD_TEST_EMAIL_DIR/sent.jsonl, so the test process can count what went out. With
  SVD_TEST_SLOW_SEND=<seconds> the first send writes its process id to `slow-send-started` and then waits, so
  a test can SIGKILL the process in the middle of sending.
- `RedisServer`: a redis-server of the test's own on a spare port, which a test may stop, restart or flush
  without touching the shared one.
- `Processes`: Celery workers and beats started as subprocesses, stopped by their own process group ids.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
SLOW_MARKER = "slow-send-started"


class FileEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        directory = Path(os.environ["SVD_TEST_EMAIL_DIR"])
        slow = os.environ.get("SVD_TEST_SLOW_SEND")
        if slow:
            try:
                fd = os.open(directory / SLOW_MARKER, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass  # only the first send is slowed
            else:
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                time.sleep(float(slow))
        with open(directory / "sent.jsonl", "a", encoding="utf-8") as sent:
            for message in email_messages:
                line = {"to": message.to, "subject": message.subject, "body": message.body, "pid": os.getpid()}
                sent.write(json.dumps(line) + "\n")
                sent.flush()
        return len(email_messages)


def sent_emails(directory: Path) -> list[dict]:
    path = Path(directory) / "sent.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def free_port(start: int = 6390, end: int = 6499) -> int:
    for port in range(start, end):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("No free port for a test redis-server")


def wait_for(condition, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}")


class RedisServer:
    """A redis-server the test owns, on a spare port, with no persistence (a restart loses everything)."""

    binary = shutil.which("redis-server")

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--dir", str(self.directory), "--maxmemory-policy", "noeviction"]
        log = open(self.directory / f"redis-{self.port}.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self.ping, 10, what=f"redis-server on port {self.port}")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *words: str) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall(" ".join(words).encode() + b"\r\n")
            return conn.recv(4096)

    def flushall(self) -> None:
        assert self.command("FLUSHALL").startswith(b"+OK")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        wait_for(lambda: not self.ping(), 5, what="redis-server to stop")


class Processes:
    """Celery workers and beats this test started (each in its own session, so its pool goes with it)."""

    def __init__(self, env: dict, directory: Path):
        self.env = env
        self.directory = directory
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def _start(self, args: list[str], name: str, extra_env: dict | None = None) -> tuple[subprocess.Popen, Path]:
        log = self.directory / f"{name}.log"
        out = open(log, "ab")  # noqa: SIM115 - closed with the process
        env = {**self.env, **(extra_env or {})}
        process = subprocess.Popen(
            [CELERY, "-A", "svd_portal", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((process, log))
        return process, log

    def worker(self, name: str, *, concurrency: int = 1, extra_env: dict | None = None) -> subprocess.Popen:
        args = ["worker", "-l", "INFO", "-P", "prefork", "-c", str(concurrency), "-n", f"{name}@%h"]
        args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        process, log = self._start(args, name, extra_env)

        def ready():
            if process.poll() is not None:
                raise AssertionError(f"worker {name} exited:\n{log.read_text(errors='replace')[-3000:]}")
            return " ready." in log.read_text(errors="replace")

        wait_for(ready, 60, interval=0.3, what=f"worker {name} to be ready")
        return process

    def beat(self, name: str) -> subprocess.Popen:
        args = ["beat", "-l", "INFO", "-s", str(self.directory / f"{name}-schedule"), "--pidfile", ""]
        process, _log = self._start(args, name)
        return process

    def kill(self, process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """Signal a process this test started, and its children (its own process group)."""
        if process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(20)

    def stop_all(self) -> None:
        """Cold shutdown (SIGQUIT): the tests are over, nothing is waiting to finish."""
        for process, _log in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGQUIT)
        for process, _log in self.started:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}" for _p, log in self.started)
