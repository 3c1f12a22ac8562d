"""`make up`'s process runner and the embedded broker's wrapper, as real processes."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devstack.up import parse_procfile
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]

# A process that listens on a port and, told to stop, takes `delay` seconds, then notes when
# it stopped in `log`.
LISTENER = """
import signal, socket, sys, time
port, delay, log = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen()
def stop(*_):
    time.sleep(delay)
    open(log, "a").write(f"{sys.argv[4]} {time.monotonic()}\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("listening", flush=True)
while True:
    time.sleep(0.05)
"""


def listener(tmp_path: Path, name: str, port: int, delay: float) -> str:
    script = tmp_path / "listener.py"
    script.write_text(LISTENER)
    return f"exec {sys.executable} {script} {port} {delay} {tmp_path / 'stops.log'} {name}"


def procfile_of(tmp_path: Path, broker_port: int, app: str) -> Path:
    """Write a Procfile of a listening "broker" and the given app command."""
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f"broker: {listener(tmp_path, 'broker', broker_port, 0)} --port {broker_port}\napp: {app}\n"
    )
    return procfile


def run_up(procfile: Path, *extra: str) -> "subprocess.Popen[str]":
    return subprocess.Popen(
        [sys.executable, "-m", "devstack.up", "-f", str(procfile), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )


def wait_for_port(port: int, *, open_: bool = True, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if (probe.connect_ex(("127.0.0.1", port)) == 0) == open_:
                return
        time.sleep(0.05)
    raise AssertionError(f"port {port} never became {'open' if open_ else 'closed'}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it holds nothing.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


@pytest.fixture
def ports() -> tuple[int, int]:
    return free_port(), free_port()


def test_procfile_lines_are_parsed_and_their_ports_found() -> None:
    entries = parse_procfile("# a comment\nbroker: exec x --port 9092\n\nweb: y --port=8000\n")
    assert [(e.name, e.ports()) for e in entries] == [("broker", [9092]), ("web", [8000])]
    with pytest.raises(ValueError, match="not a Procfile line"):
        parse_procfile("no colon here")


def test_ctrl_c_stops_the_apps_first_then_the_broker_and_exits_zero(
    tmp_path: Path, ports: tuple[int, int]
) -> None:
    broker_port, app_port = ports
    procfile = procfile_of(
        tmp_path, broker_port, f"{listener(tmp_path, 'app', app_port, 1.5)} --port {app_port}"
    )
    up = run_up(procfile)
    wait_for_port(broker_port)
    wait_for_port(app_port)
    up.send_signal(signal.SIGINT)
    out, _ = up.communicate(timeout=30)
    assert up.returncode == 0, out
    stops = [line.split() for line in (tmp_path / "stops.log").read_text().splitlines()]
    assert [name for name, _ in stops] == ["app", "broker"], out
    # The slow app had its whole shutdown: the broker was not stopped under it.
    assert float(stops[1][1]) >= float(stops[0][1]), out


def test_a_process_that_ends_on_its_own_is_a_crash_even_with_exit_code_zero(
    tmp_path: Path, ports: tuple[int, int]
) -> None:
    broker_port, _ = ports
    procfile = procfile_of(
        tmp_path, broker_port, f"{sys.executable} -c 'import time; time.sleep(0.5)'"
    )
    up = run_up(procfile)
    out, _ = up.communicate(timeout=30)
    assert up.returncode != 0, out
    assert "app" in out
    assert "exited on its own (rc=0)" in out
    # The others were stopped, not left behind.
    wait_for_port(broker_port, open_=False, timeout_s=5)


def test_a_second_instance_says_so_and_fails_before_starting_anything(
    tmp_path: Path, ports: tuple[int, int]
) -> None:
    broker_port, app_port = ports
    procfile = procfile_of(
        tmp_path, broker_port, f"{listener(tmp_path, 'app', app_port, 0)} --port {app_port}"
    )
    first = run_up(procfile)
    try:
        wait_for_port(app_port)
        for extra in ([], ["--check"]):
            second = run_up(procfile, *extra)
            out, _ = second.communicate(timeout=15)
            assert second.returncode == 1, out
            assert "running already" in out
            assert f"127.0.0.1:{broker_port}" in out
            assert "started" not in out
        assert first.poll() is None
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=30)
    assert first.returncode == 0


def test_killing_the_runner_leaves_no_process_behind(
    tmp_path: Path, ports: tuple[int, int]
) -> None:
    broker_port, app_port = ports
    procfile = procfile_of(
        tmp_path, broker_port, f"{listener(tmp_path, 'app', app_port, 0)} --port {app_port}"
    )
    up = run_up(procfile)
    wait_for_port(broker_port)
    wait_for_port(app_port)
    up.kill()
    up.communicate(timeout=10)
    wait_for_port(broker_port, open_=False, timeout_s=5)
    wait_for_port(app_port, open_=False, timeout_s=5)


def test_the_broker_dies_with_its_wrapper_and_a_broker_crash_fails_the_wrapper() -> None:
    port = free_port()
    wrapper = subprocess.Popen(
        [sys.executable, "-m", "devstack.broker", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    wait_for_port(port)
    wrapper.kill()
    wrapper.communicate(timeout=10)
    wait_for_port(port, open_=False, timeout_s=5)

    port = free_port()
    wrapper = subprocess.Popen(
        [sys.executable, "-m", "devstack.broker", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    wait_for_port(port)
    children = subprocess.run(
        ["pgrep", "-P", str(wrapper.pid)], capture_output=True, text=True, check=True
    ).stdout.split()
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)
    out, _ = wrapper.communicate(timeout=10)
    assert wrapper.returncode != 0, out
    assert "ended unexpectedly" in out
    assert not any(alive(int(pid)) for pid in children)
