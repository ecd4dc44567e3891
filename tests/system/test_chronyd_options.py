"""chronyd's options -m, -P, -R and -U with chronyd's meaning, and the
lock_all and sched_priority directives: memory locked (VmLck), SCHED_FIFO
at the priority (from /proc/PID/stat), makestep's limit dropped on restart,
and the root check that -U, -p and -Q skip (checked as uid 65534)."""
import os
import shutil
import subprocess
import time

import pytest

from ntptest import Daemon, free_udp_port, require_stratumd, server_config, traversable_dir

SCHED_FIFO = 1


def proc_stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()


def policy_and_priority(pid):
    fields = proc_stat(pid)            # after the name: state is field 3 of stat(5)
    return int(fields[38]), int(fields[37])   # policy (41), rt_priority (40)


def locked_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmLck:"):
                return int(line.split()[1])
    return 0


def require_root():
    if os.geteuid() != 0:
        pytest.skip("needs root (mlockall, SCHED_FIFO, another user)")


def started(tmp_path, extra=(), args=()):
    port = free_udp_port()
    d = Daemon(tmp_path, server_config(port, extra=list(extra)), args=list(args))
    d.start(wait_ports=[(4, port)])
    return d


@pytest.mark.parametrize("extra,args", [((), ["-m"]), (["lock_all"], [])])
def test_memory_is_locked(tmp_path, extra, args):
    require_stratumd()
    require_root()
    d = started(tmp_path, extra, args)
    try:
        assert locked_kb(d.proc.pid) > 0, d.log()
    finally:
        d.stop()
    d = started(tmp_path / "plain")
    try:
        assert locked_kb(d.proc.pid) == 0
    finally:
        d.stop()


@pytest.mark.parametrize("extra,args,want", [((), ["-P", "1"], 1),
                                             (["sched_priority 2"], [], 2),
                                             (["sched_priority 2"], ["-P", "3"], 3)])
def test_sched_fifo_at_the_priority(tmp_path, extra, args, want):
    require_stratumd()
    require_root()
    d = started(tmp_path, extra, args)
    try:
        assert policy_and_priority(d.proc.pid) == (SCHED_FIFO, want), d.log()
    finally:
        d.stop()


@pytest.mark.parametrize("value", ["100", "-1"])
def test_a_bad_priority_stops_the_daemon(tmp_path, value):
    require_stratumd()
    require_root()
    d = Daemon(tmp_path, server_config(free_udp_port()), args=["-P", value])
    d.spawn()
    assert d.proc.wait(10) == 1
    assert "Bad scheduler priority: %s" % value in d.log(), d.log()


def test_restart_drops_makestep_limit(tmp_path):
    require_stratumd()
    conf = tmp_path / "c.conf"
    conf.write_text("makestep 0.5 3\nmakestep 2 -1\n")
    for args, want in ((["-R"], "makestep 2 -1"), ([], "makestep 2 -1")):
        out = subprocess.run([str(require_stratumd()), "-p", "-f", str(conf)] + args,
                             capture_output=True, text=True, timeout=10).stdout
        assert want in out, out
    conf.write_text("makestep 0.5 3\n")
    out = [subprocess.run([str(require_stratumd()), "-p", "-f", str(conf)] + args,
                          capture_output=True, text=True, timeout=10).stdout
           for args in (["-R"], [])]
    assert "makestep 0.5 0" in out[0] and "makestep 0.5 3" in out[1], out


def as_nobody(args):
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           str(require_stratumd())] + args, capture_output=True, text=True,
                          timeout=10, stdin=subprocess.DEVNULL)


def test_only_root_runs_the_daemon_unless_U():
    require_stratumd()
    require_root()
    if not shutil.which("setpriv"):
        pytest.skip("no setpriv")
    with traversable_dir() as d:
        os.chmod(d, 0o777)
        only_root_unless_U(d)


def only_root_unless_U(tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text(server_config(free_udp_port(), extra=[
        "pidfile %s" % (tmp_path / "p" / "s.pid"), "cmdport 0", "bindcmdaddress /"]))
    r = as_nobody(["-x", "-d", "-t", "0.5", "-f", str(conf)])
    assert r.returncode == 1 and "Not superuser" in r.stderr, r.stderr
    r = as_nobody(["-x", "-d", "-U", "-t", "0.5", "-f", str(conf)])
    assert "Not superuser" not in r.stderr and "Timeout reached" in r.stderr, r.stderr
    r = as_nobody(["-p", "-f", str(conf)])
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("drift_age,rtcdevice,logged", [
    (-2 * 86400, "/nonexistent/rtc", "Could not step system clock"),   # clock behind
    (2 * 86400, "/nonexistent/rtc", None),                             # clock ahead
    (-2 * 86400, "/dev/null", "Could not step system clock")])         # no RTC there
def test_s_sets_the_clock_as_chronyd_does(tmp_path, drift_age, rtcdevice, logged):
    """-s without a usable RTC: a clock behind the drift file's last change
    would be set to it; with -x, chronyd's "Could not step system clock"
    (chronyd 4.3 -x -s logs the same in these layouts)."""
    require_stratumd()
    drift = tmp_path / "drift"
    drift.write_text("1.0 1.0\n")
    when = time.time() - drift_age
    os.utime(drift, (when, when))
    port = free_udp_port()
    d = Daemon(tmp_path / "d", server_config(port, extra=[
        "driftfile %s" % drift, "rtcdevice %s" % rtcdevice]), args=["-s"])
    d.start(wait_ports=[(4, port)])
    try:
        if logged:
            assert logged in d.log(), d.log()
        else:
            assert "step" not in d.log() and "RTC" not in d.log(), d.log()
    finally:
        d.stop()
