"""-F LEVEL (chronyd's option): stratumd loads a seccomp system call filter
once it serves. /proc/PID/status then says "Seccomp: 2" (filter mode); the
daemon still answers, synchronises, writes its drift, dump and log files
under the filter and exits cleanly at SIGTERM. Level 1 is an allow-list
that kills on any other call, level 2 a deny-list; negative levels only log.
(tests/unit/test_seccomp.c checks what each level kills; the interop suite
is also run with STRATUMD_EXTRA_ARGS="-F 1", see scripts/check.sh.)"""
import os
import pwd
import signal
import subprocess

import pytest

from ntptest import (Daemon, free_udp_port, query, require_stratumd, server_config,
                     start_server, wait_for)


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


def seccomp_mode(pid):
    return int(proc_status(pid).get("Seccomp", "-1").strip())


def wait_seccomp(pid, timeout=3.0):
    """The filter is loaded just after the sockets are bound: wait for it."""
    wait_for(lambda: seccomp_mode(pid) == 2, timeout)
    return seccomp_mode(pid)


@pytest.mark.parametrize("level", ["1", "2", "-1", "-2"])
def test_filter_loaded_daemon_serves_and_exits_cleanly(daemons, level):
    port = free_udp_port()
    d = daemons(server_config(port), args=["-F", level], wait_ports=[(4, port)])
    assert wait_seccomp(d.proc.pid) == 2, d.log()
    assert int(proc_status(d.proc.pid)["NoNewPrivs"]) == 1
    for _ in range(20):
        assert query(("127.0.0.1", port), timeout=2.0)[1] is not None, d.log()
    assert d.alive()
    d.signal(signal.SIGTERM)
    assert d.wait(3.0) == 0, d.log()
    assert "stratumd exiting" in d.log()


def test_no_filter_by_default(daemons):
    if "-F" in os.environ.get("STRATUMD_EXTRA_ARGS", ""):
        pytest.skip("STRATUMD_EXTRA_ARGS sets -F")
    port = free_udp_port()
    d = daemons(server_config(port), wait_ports=[(4, port)])
    assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
    assert seccomp_mode(d.proc.pid) == seccomp_mode(os.getpid())


@pytest.mark.parametrize("level", ["3", "-3", "1.5", "x", ""])
def test_bad_level_is_an_error(level):
    stratumd = require_stratumd()
    r = subprocess.run([str(stratumd), "-x", "-d", "-F", level, "port 0"], capture_output=True,
                       text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert r.returncode == 1
    assert "Bad system call filter level" in r.stderr


def test_client_synchronises_and_writes_files_under_level_1(tmp_path):
    """Everything a client does at run time and at exit (sockets per poll,
    measurements and tracking logs, the drift file, dump files) is allowed."""
    server, (addr, port) = start_server(tmp_path / "server")
    dumpdir, logdir, drift = tmp_path / "dumps", tmp_path / "logs", tmp_path / "drift"
    logdir.mkdir()
    conf = "\n".join(["port 0", "server %s port %d iburst minpoll 2 maxpoll 2" % (addr, port),
                      "dumpdir %s" % dumpdir, "logdir %s" % logdir,
                      "log measurements statistics tracking", "driftfile %s" % drift]) + "\n"
    d = Daemon(tmp_path / "client", conf, args=["-F", "1"])
    try:
        d.start()
        assert wait_seccomp(d.proc.pid) == 2
        assert wait_for(lambda: (logdir / "tracking.log").exists() and
                        "Selected source" in d.log(), 30), d.log()
        d.signal(signal.SIGTERM)
        assert d.wait(3.0) == 0, d.log()
        assert drift.exists() and (dumpdir / ("%s.dat" % addr)).exists(), d.log()
        assert (logdir / "measurements.log").stat().st_size > 0
    finally:
        d.stop()
        server.stop()


def test_filter_after_user_switch(daemons):
    """-u then -F: the switch (setuid, capabilities) happens before the filter."""
    if os.geteuid() != 0:
        pytest.skip("switching user needs root")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user 'nobody'")
    port = free_udp_port()
    d = daemons(server_config(port), args=["-u", "nobody", "-F", "1"], wait_ports=[(4, port)])
    assert wait_seccomp(d.proc.pid) == 2, d.log()
    uids = {int(x) for x in proc_status(d.proc.pid)["Uid"].split()}
    assert uids == {nobody.pw_uid}
    assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
    d.signal(signal.SIGTERM)
    assert d.wait(3.0) == 0, d.log()
