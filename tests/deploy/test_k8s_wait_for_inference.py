"""The worker pods' init container (deploy/k8s/base/worker.yaml), run as the kubelet runs it: it holds
the workers back until one server of TGI_URL answers /health, and never prints a URL's credentials."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.deploy.kustomize import K8S, build, find
from tests.support.servers import ThreadedApp, free_port
from tests.support.waiting import assert_quiet

SECRET = "hunter2-not-in-logs"


def script() -> list[str]:
    worker = find(build(K8S / "overlays" / "tgi"), "Deployment", "mathbot-worker")
    [init] = worker["spec"]["template"]["spec"]["initContainers"]
    assert (
        init["name"] == "wait-for-inference"
        and init["image"] == worker["spec"]["template"]["spec"]["containers"][0]["image"]
    )
    command: list[str] = init["command"]
    assert command[:2] == ["python", "-c"]
    return [sys.executable, *command[1:]]


def run(tgi_url: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TGI_")}
    return subprocess.Popen(
        script(), env={**env, "TGI_URL": tgi_url}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_it_passes_once_any_server_is_healthy(sim: ThreadedApp) -> None:
    down = f"http://mathbot:{SECRET}@127.0.0.1:{free_port()}"
    process = run(f"{down}, {sim.url}")
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert output == "inference server 127.0.0.1 is ready\n"


def test_it_waits_while_no_server_answers_and_hides_credentials() -> None:
    closed = free_port()
    process = run(f"http://mathbot:{SECRET}@127.0.0.1:{closed}/,http://[::1]:{closed}")
    try:
        assert_quiet(lambda: process.poll() is None, 3, "still waiting: the workers do not start yet")
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert output.startswith("waiting for an inference server to answer /health: 127.0.0.1, [::1]\n"), output
    assert SECRET not in output and "mathbot:" not in output
