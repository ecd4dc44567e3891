"""A full or read-only filesystem under the daemon's files (issue 5, "Must
hold"): the previous drift and dump files stay intact, each kind of write
error is logged once (rate limited, not once per attempt), and the daemon
keeps running, serving time and answering commands, and exits 0 at SIGTERM.

stratumd (-x) runs in a private mount namespace (`unshare -m`) where small
tmpfs filesystems are mounted over directories of the test's temporary
directory; the test reaches them through /proc/PID/root. Nothing is mounted
outside that namespace, and it disappears with the daemon. Skipped where
mounting is not permitted (needs CAP_SYS_ADMIN)."""
import errno
import os
import signal
import subprocess
import time

import pytest

from ntptest import (Daemon, free_udp_port, parse, query, require_stratumd, start_server,
                     stratumc, wait_for)

SYNC_TIMEOUT = 20
CMD_TIMEOUT = 10
WRITE_ERRORS = 4.0     # seconds of failing writes (the drift file every second)
DUMP = "stratumd-dump 1\nsource 127.0.0.1\nstate 3 0 0 0\nsamples 0\n"
DRIFT = "           12.345000             0.500000\n"


def require_mount_namespace(tmp_path):
    """Skip unless a tmpfs can be mounted in a private mount namespace."""
    probe = tmp_path / "probe"
    probe.mkdir()
    try:
        r = subprocess.run(["unshare", "-m", "--propagation", "private", "mount", "-t", "tmpfs",
                            "-o", "size=16k", "tmpfs", str(probe)],
                           capture_output=True, text=True, timeout=CMD_TIMEOUT)
    except FileNotFoundError:
        pytest.skip("unshare(1) not installed")
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs in a private mount namespace "
                    "(needs CAP_SYS_ADMIN): %s" % r.stderr.strip())


class NamespacedDaemon(Daemon):
    """stratumd exec'd (same PID) by a shell in a new mount namespace after
    `setup` (shell commands: mounts, seed files) has run there."""

    def __init__(self, workdir, config, setup):
        super().__init__(workdir, config)
        self.setup = setup

    def argv(self):
        return (["unshare", "-m", "--propagation", "private", "sh", "-c",
                 "set -e; %s; exec \"$@\"" % self.setup, "sh"] + super().argv())

    def view(self, path):
        """`path` as the daemon sees it, from outside its namespace."""
        return "/proc/%d/root%s" % (self.proc.pid, path)


def config(server_port, own_port, sock, fs):
    return "\n".join([
        "server 127.0.0.1 port %d iburst minpoll 1 maxpoll 1" % server_port,
        "port %d" % own_port, "bindaddress 127.0.0.1", "allow 127.0.0.1",
        "bindcmdaddress %s" % sock,
        "driftfile %s/state/drift interval 1" % fs,
        "dumpdir %s/state/dumps" % fs,
        "logdir %s/logs" % fs, "log measurements statistics tracking"]) + "\n"


def socket_path(tmp_path):
    d = tmp_path / "sock"
    d.mkdir(mode=0o770)
    return d / "stratumd.sock"


def serving(port):
    _, data, _ = query(("127.0.0.1", port))
    return data is not None and parse(data).stratum == 4


def read_at(dir_fd, name):
    fd = os.open(name, os.O_RDONLY, dir_fd=dir_fd)
    with os.fdopen(fd) as f:
        return f.read()


def fill(path):
    """Grow the file at `path` until the filesystem is full."""
    with open(path, "ab", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as e:
            assert e.errno == errno.ENOSPC, e


def stop_within_a_second(d):
    t0 = time.monotonic()
    d.signal(signal.SIGTERM)
    status = d.wait(1.0)
    return status, time.monotonic() - t0


def check_alive_and_serving(d, own, sock):
    assert d.alive(), d.log()
    assert serving(own), "no synchronised reply:\n" + d.log()
    rc, out = stratumc(sock, "-n", "tracking")
    assert rc == 0 and "7F000001 (127.0.0.1)" in out, out


def test_full_filesystem(tmp_path):
    """state/ (drift, dumps) fills up after a first successful drift write
    and dump; logs/ is full from the start (the log files are created empty,
    their lines get ENOSPC)."""
    require_stratumd()
    require_mount_namespace(tmp_path)
    server, (_, port) = start_server(tmp_path / "server")
    fs = tmp_path / "fs"
    (fs / "state").mkdir(parents=True)
    (fs / "logs").mkdir()
    own, sock = free_udp_port(), socket_path(tmp_path)
    setup = ("mount -t tmpfs -o size=64k,mode=0755 tmpfs {fs}/state; "
             "mount -t tmpfs -o size=16k,mode=0755 tmpfs {fs}/logs; "
             "head -c 1048576 /dev/zero > {fs}/logs/filler 2>/dev/null || true"
             ).format(fs=fs)
    d = NamespacedDaemon(tmp_path / "client", config(port, own, sock, fs), setup)
    dir_fd = None
    try:
        d.start(wait_ports=[(4, own)])
        state = d.view("%s/state" % fs)
        assert wait_for(lambda: os.path.exists(state + "/drift"), SYNC_TIMEOUT), d.log()
        rc, out = stratumc(sock, "dump")
        assert rc == 0 and "200 OK" in out, out
        dump_text = open(state + "/dumps/127.0.0.1.dat").read()
        # Keeps the directory (and its mount) reachable after the exit.
        dir_fd = os.open(state, os.O_RDONLY | os.O_DIRECTORY)

        # Fill state/. A drift write in flight may still free a page when it
        # renames over the old file: top up until the file stays put.
        for _ in range(5):
            fill(state + "/filler")
            time.sleep(0.2)
            fill(state + "/filler")
            drift_text = read_at(dir_fd, "drift")
            time.sleep(1.5)
            if read_at(dir_fd, "drift") == drift_text:
                break
        else:
            pytest.fail("the drift file kept changing on a full filesystem")

        time.sleep(WRITE_ERRORS)
        for _ in range(3):
            rc, out = stratumc(sock, "dump")
            assert rc == 0, out
        check_alive_and_serving(d, own, sock)
        assert read_at(dir_fd, "drift") == drift_text
        assert len(drift_text.split()) == 2 and drift_text.endswith("\n"), drift_text
        assert read_at(dir_fd, "dumps/127.0.0.1.dat") == dump_text

        status, elapsed = stop_within_a_second(d)
        assert status == 0 and elapsed < 1.0, (status, elapsed, d.log())
        assert read_at(dir_fd, "drift") == drift_text
        assert read_at(dir_fd, "dumps/127.0.0.1.dat") == dump_text
        leftovers = [n for n in os.listdir(dir_fd) if n not in ("drift", "filler", "dumps")]
        assert leftovers == [], leftovers
    finally:
        d.stop()
        server.stop()
        if dir_fd is not None:
            os.close(dir_fd)
    log = d.log()
    print(log)
    nospace = "No space left on device"
    # One message each, though the drift file was retried every second and
    # dumps asked for four times; a log file's every line.
    assert log.count("Could not write %s/state/drift : %s" % (fs, nospace)) == 1, log
    assert log.count("Could not write dump file %s/state/dumps/127.0.0.1.dat : %s"
                     % (fs, nospace)) == 1, log
    for name in ("measurements", "statistics", "tracking"):
        assert log.count("Could not write to %s/logs/%s.log : %s" % (fs, name, nospace)) == 1, log


def test_read_only_filesystem(tmp_path):
    """The whole tree is read-only from the start, with a drift file and a
    dump file in it: the drift file is read, nothing can be written."""
    require_stratumd()
    require_mount_namespace(tmp_path)
    server, (_, port) = start_server(tmp_path / "server")
    fs = tmp_path / "fs"
    fs.mkdir()
    own, sock = free_udp_port(), socket_path(tmp_path)
    setup = ("mount -t tmpfs -o size=64k,mode=0755 tmpfs {fs}; "
             "mkdir -p {fs}/state/dumps {fs}/logs; "
             "printf '{drift}' > {fs}/state/drift; "
             "printf '{dump}' > {fs}/state/dumps/127.0.0.1.dat; "
             "mount -o remount,ro {fs}").format(fs=fs, drift=DRIFT.replace("\n", "\\n"),
                                                dump=DUMP.replace("\n", "\\n"))
    d = NamespacedDaemon(tmp_path / "client", config(port, own, sock, fs), setup)
    dir_fd = None
    try:
        d.start(wait_ports=[(4, own)])
        dir_fd = os.open(d.view("%s/state" % fs), os.O_RDONLY | os.O_DIRECTORY)
        assert wait_for(lambda: "Selected source 127.0.0.1" in d.log(), SYNC_TIMEOUT), d.log()
        time.sleep(WRITE_ERRORS)
        for _ in range(3):
            rc, out = stratumc(sock, "dump")
            assert rc == 0, out
        check_alive_and_serving(d, own, sock)
        status, elapsed = stop_within_a_second(d)
        assert status == 0 and elapsed < 1.0, (status, elapsed, d.log())
        assert read_at(dir_fd, "drift") == DRIFT
        assert read_at(dir_fd, "dumps/127.0.0.1.dat") == DUMP
    finally:
        d.stop()
        server.stop()
        if dir_fd is not None:
            os.close(dir_fd)
    log = d.log()
    print(log)
    rofs = "Read-only file system"
    assert "Frequency 12.345 +/- 0.500 ppm read from %s/state/drift" % fs in log, log
    assert log.count("Could not write %s/state/drift : %s" % (fs, rofs)) == 1, log
    assert log.count("Could not write dump file %s/state/dumps/127.0.0.1.dat : %s"
                     % (fs, rofs)) == 1, log
    for name in ("measurements", "statistics", "tracking"):
        assert log.count("Could not open %s/logs/%s.log : %s" % (fs, name, rofs)) == 1, log
