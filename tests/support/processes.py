"""The servers a test starts as child processes (hub, Redis): a free port to listen on, and
kill -9 or a graceful stop that never leaves a process behind the test run."""

from __future__ import annotations

import signal
import socket
import subprocess


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ChildProcess:
    """A server in a subprocess: ``kill()`` is kill -9, ``stop()`` asks it to end (SIGTERM)
    and kills it when it takes longer than ``grace`` seconds."""

    grace = 10.0

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    def kill(self) -> None:
        """kill -9: no graceful shutdown, no final snapshot."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(self.grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
