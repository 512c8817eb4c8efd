"""deploy/redis-backup.sh against a real Redis with AOF on: the tar it writes restores the queue into a
fresh Redis, and the server's rewrite setting is left as it was."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.processes import wait_for
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "redis-backup.sh"

pytestmark = pytest.mark.skipif(
    not (shutil.which("redis-server") and shutil.which("redis-cli")),
    reason="needs redis-server and redis-cli",
)


AOF = ("--appendonly", "yes", "--appendfsync", "always", "--maxmemory-policy", "noeviction")
"""Persistence as compose and the StatefulSet run it (fsync at once, so the test need not wait)."""


def start(directory: Path, *options: str) -> tuple[subprocess.Popen[bytes], int]:
    """A private Redis (the script changes its configuration: never the shared test server)."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: pings(redis.Redis(port=port)), 10, message="redis-server to answer")
    return process, port


def pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def backup(port: int) -> subprocess.CompletedProcess[bytes]:
    env = {"PATH": "/usr/bin:/bin", "REDIS_PORT": str(port)}
    return subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, timeout=60)


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def test_the_backup_restores_the_queue_into_a_fresh_redis(
    tmp_path: Path, servers: list[subprocess.Popen[bytes]]
) -> None:
    (tmp_path / "live").mkdir()
    live, port = start(tmp_path / "live", *AOF)
    servers.append(live)
    client = redis.Redis(port=port)
    client.rpush("rq:queue:mathbot", *[f"question-{i}" for i in range(25)])
    client.set("mathbot:delivered:q1", "1")
    client.bgrewriteaof()  # a base file plus an incremental one, as a long-running server has
    wait_for(lambda: client.info("persistence")["aof_rewrite_in_progress"] == 0, 20, message="the rewrite")
    client.rpush("rq:queue:mathbot", "question-after-rewrite")

    result = backup(port)
    assert result.returncode == 0, result.stderr.decode()
    assert client.config_get("auto-aof-rewrite-percentage") == {"auto-aof-rewrite-percentage": "100"}

    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as archive:
        names = archive.getnames()
        assert "appendonlydir" in names
        assert any(name.endswith(".manifest") for name in names)
        (tmp_path / "restored").mkdir()
        archive.extractall(tmp_path / "restored", filter="data")

    restored, restored_port = start(tmp_path / "restored", *AOF)
    servers.append(restored)
    copy = redis.Redis(port=restored_port)
    queue = [item.decode() for item in copy.lrange("rq:queue:mathbot", 0, -1)]
    assert queue == [f"question-{i}" for i in range(25)] + ["question-after-rewrite"]
    assert copy.get("mathbot:delivered:q1") == b"1"


def test_it_refuses_a_redis_without_aof(tmp_path: Path, servers: list[subprocess.Popen[bytes]]) -> None:
    process, port = start(tmp_path, "--save", "")
    servers.append(process)
    result = backup(port)
    assert result.returncode == 1
    assert b"no AOF directory" in result.stderr
    assert result.stdout == b""
    config = redis.Redis(port=port).config_get("auto-aof-rewrite-percentage")
    assert config == {"auto-aof-rewrite-percentage": "100"}
