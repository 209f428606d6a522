"""Real redis-server processes for tests, each on its own free port and data folder."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

from tests.support.processes import ChildProcess, free_port


def redis_binary() -> str:
    """The redis-server to run. Missing it is an error, never a skip."""
    path = shutil.which("redis-server")
    if path is None:
        raise RuntimeError("these tests need redis-server (apt-get install redis-server)")
    return path


class RedisServer(ChildProcess):
    """One ``redis-server``; ``kill()`` is kill -9, ``start()`` again keeps port and data."""

    def __init__(self, folder: Path, *, durable: bool = True, cluster: bool = False) -> None:
        super().__init__()
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        # A cluster node also listens on port + 10000, so its own port must leave room.
        self.port = free_port()
        while cluster and self.port > 55535:
            self.port = free_port()
        self.durable = durable
        self.cluster = cluster

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [
            redis_binary(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.folder),
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(self.folder / "redis.log"),
        ]
        if self.durable:
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        if self.cluster:
            args += [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                str(self.folder / "nodes.conf"),
                "--cluster-node-timeout",
                "2000",
            ]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    break
            except redis.exceptions.BusyLoadingError:
                pass
            except redis.exceptions.ConnectionError:
                log = self.folder / "redis.log"
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text()[-1500:] if log.exists() else ""
                    raise RuntimeError(f"redis-server did not start: {tail}") from None
            time.sleep(0.02)
        client.close()

    def flush(self) -> None:
        """Empty every database (a test starting on the session's shared server)."""
        with redis.Redis(host="127.0.0.1", port=self.port) as client:
            client.flushall()


def make_cluster(folder: Path, nodes: int = 3) -> list[RedisServer]:
    """Start ``nodes`` cluster-enabled servers and join them with ``redis-cli --cluster``."""
    servers = [RedisServer(folder / f"node{i}", cluster=True) for i in range(nodes)]
    for server in servers:
        server.start()
    cli = shutil.which("redis-cli")
    if cli is None:
        raise RuntimeError("cluster tests need redis-cli")
    subprocess.run(
        [
            cli,
            "--cluster",
            "create",
            *(f"127.0.0.1:{s.port}" for s in servers),
            "--cluster-replicas",
            "0",
            "--cluster-yes",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=30,
    )
    client = redis.Redis(port=servers[0].port)
    deadline = time.monotonic() + 15
    while client.cluster("info").get("cluster_state") != "ok":
        if time.monotonic() > deadline:
            raise RuntimeError("the Redis cluster did not come up")
        time.sleep(0.05)
    client.close()
    return servers
