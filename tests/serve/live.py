"""Start ``guardrails serve`` as a real process on 127.0.0.1 and a free port, for the live tests
and the serving benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


class LiveServer:
    """A ``guardrails serve --port 0`` process; ``url`` once it listens, ``log`` is its stderr."""

    def __init__(self, *args: str, log_path: Path, env: dict[str, str] | None = None,
                 cpu: int | None = None) -> None:
        self.log_path = log_path
        self._log = open(log_path, "wb")
        preexec = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
        self.process = subprocess.Popen(
            [*self.command(), "--host", "127.0.0.1", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=self._log, cwd=REPO, env={**os.environ, **(env or {})},
            preexec_fn=preexec,
        )
        line = self.process.stdout.readline().decode() if self.process.stdout else ""
        if "listening on" not in line:
            self.stop()
            raise RuntimeError(f"guardrails serve did not start: {line!r}\n{self.log}")
        self.url = line.split("listening on ", 1)[1].split()[0]

    @staticmethod
    def command() -> list[str]:
        """``guardrails serve`` run by this interpreter."""
        return [sys.executable, "-m", "guardrails.cli", "serve"]

    @property
    def log(self) -> str:
        """What the server wrote to stderr so far."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, client: Any, seconds: float = 180.0) -> dict[str, Any]:
        """Poll /readyz until it answers 200; returns its body."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"guardrails serve exited with {self.process.returncode}:\n{self.log}")
            response = client.get(f"{self.url}/readyz")
            if response.status_code == 200:
                return response.json()
            time.sleep(0.1)
        raise RuntimeError(f"not ready within {seconds} s:\n{self.log}")

    def rss_mb(self) -> float:
        """Resident memory of the server process in MB (Linux)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server process has used, in seconds (Linux)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait for the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            self._log.close()

    def stop(self) -> None:
        """Kill it if still running (test teardown)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if not self._log.closed:
            self._log.close()
