"""Run the Procfile's processes on one machine: `python -m devstack.up [-f Procfile]`.

What `make up` needs from a process runner, and why it is not a plain Procfile runner:
- a second run while one is running says so and fails before touching anything (every
  `--port N` in the Procfile must be free);
- the broker stops after its clients: apps are stopped first and given their whole
  graceful shutdown (`--app-stop-s`), then the broker;
- a process that ends on its own is a crash, reported with a non-zero exit, whatever its
  own exit code; Ctrl-C or SIGTERM stops everything and exits 0;
- children die with the runner (Linux), so nothing is left holding a port.
"""

import argparse
import contextlib
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

# Processes stopped last, after every other one has stopped.
STOPPED_LAST = frozenset({"broker"})
_PORT = re.compile(r"--port[= ](\d+)")
_PR_SET_PDEATHSIG = 1
# Looked up here, in the parent: between fork and exec the child only makes the call.
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (Linux; elsewhere a no-op)."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class Entry:
    """One Procfile line."""

    name: str
    command: str

    def ports(self) -> list[int]:
        """Return the ports the command says it listens on."""
        return [int(p) for p in _PORT.findall(self.command)]


def parse_procfile(text: str) -> list[Entry]:
    """Return the entries of a Procfile (`name: command` lines; `#` comments)."""
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip() or not command.strip():
            raise ValueError(f"not a Procfile line: {line!r}")
        entries.append(Entry(name.strip(), command.strip()))
    return entries


def ports_in_use(entries: list[Entry]) -> list[int]:
    """Return the entries' ports that something already listens on."""
    busy = []
    for entry in entries:
        for port in entry.ports():
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    busy.append(port)
    return busy


@dataclass
class Child:
    """A running entry."""

    entry: Entry
    process: "subprocess.Popen[bytes]"
    reader: threading.Thread = field(init=False)


class Runner:
    """Starts the entries, prints their output, stops them in order."""

    def __init__(self, entries: list[Entry], *, app_stop_s: float, out: IO[str]) -> None:
        self.entries = entries
        self.app_stop_s = app_stop_s
        self.out = out
        self.width = max(len(e.name) for e in entries)
        self.children: list[Child] = []
        self.stopping = threading.Event()
        self._print_lock = threading.Lock()

    def say(self, name: str, line: str) -> None:
        """Print one line, prefixed with the time and the process name."""
        with self._print_lock:
            self.out.write(f"{time.strftime('%H:%M:%S')} {name.ljust(self.width)} | {line}\n")
            self.out.flush()

    def _pump(self, child: Child) -> None:
        stream = child.process.stdout
        assert stream is not None
        for raw in iter(stream.readline, b""):
            self.say(child.entry.name, raw.decode("utf-8", "replace").rstrip("\n"))

    def start(self) -> None:
        """Start every entry, each in its own session, so a terminal's Ctrl-C reaches only us."""
        for entry in self.entries:
            process = subprocess.Popen(  # noqa: S602 - Procfile lines are shell commands
                entry.command,
                shell=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,  # only prctl, before exec
            )
            child = Child(entry, process)
            child.reader = threading.Thread(target=self._pump, args=(child,), daemon=True)
            child.reader.start()
            self.children.append(child)
            self.say(entry.name, f"started (pid {process.pid})")

    def wait(self) -> int:
        """Block until asked to stop or a process ends; stop the rest; return the exit code."""
        crashed: Child | None = None
        while not self.stopping.is_set():
            crashed = next((c for c in self.children if c.process.poll() is not None), None)
            if crashed is not None:
                break
            self.stopping.wait(0.1)
        if crashed is None:
            self.say("up", "asked to stop; stopping")
        else:
            self.say(
                crashed.entry.name,
                f"exited on its own (rc={crashed.process.returncode}); stopping everything",
            )
        self.stop()
        return 0 if crashed is None else max(1, crashed.process.returncode or 0)

    def _stop_group(self, group: list[Child], budget_s: float) -> None:
        for child in group:
            if child.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + budget_s
        for child in group:
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(child.entry.name, f"still running after {budget_s:.0f} s; killed")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
            child.reader.join(2)
            self.say(child.entry.name, f"stopped (rc={child.process.returncode})")

    def stop(self) -> None:
        """Stop the apps with their whole shutdown budget, then what must stop last."""
        apps = [c for c in self.children if c.entry.name not in STOPPED_LAST]
        last = [c for c in self.children if c.entry.name in STOPPED_LAST]
        self._stop_group(apps, self.app_stop_s)
        self._stop_group(last, self.app_stop_s)


def main(argv: list[str] | None = None) -> int:
    """Check the ports, run the Procfile until Ctrl-C or a crash; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-f", "--procfile", type=Path, default=Path("Procfile"))
    parser.add_argument(
        "--check", action="store_true", help="only check that no other instance is running"
    )
    parser.add_argument(
        "--app-stop-s",
        type=float,
        default=15.0,
        help="seconds a process may take to stop before it is killed (services take up to 10)",
    )
    args = parser.parse_args(argv)
    entries = parse_procfile(args.procfile.read_text())
    busy = ports_in_use(entries)
    if busy:
        listed = ", ".join(f"127.0.0.1:{p}" for p in busy)
        print(
            f"CongVu seems to be running already: {listed} in use."
            " Stop the other `make up` (Ctrl-C in its terminal) or whatever holds the port.",
            file=sys.stderr,
        )
        return 1
    if args.check:
        return 0
    runner = Runner(entries, app_stop_s=args.app_stop_s, out=sys.stdout)

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        # Only set the flag: printing here could wait on a lock this thread already holds.
        runner.stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    runner.start()
    return runner.wait()


if __name__ == "__main__":
    sys.exit(main())
