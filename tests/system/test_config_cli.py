"""stratumd's command line and configuration handling: -p, config errors,
IPv6 serving, signals.  The daemon always runs with -x -d (never touches the
clock) and an explicit -f."""
import os
import re
import signal
import subprocess
import time

import pytest

from ntptest import (DATA, REPO, MODE_SERVER, Daemon, client_request, exchange, free_udp_port,
                     ipv6_loopback, parse, query, require_stratumd, server_config,
                     udp_ports_of)

SEED = DATA / "seed-chrony.conf"
BAD = sorted((DATA / "bad").glob("*.conf"))
CMD_TIMEOUT = 10


def run(args, timeout=CMD_TIMEOUT):
    # cwd: the repo root, as include paths in tests/data are relative to it
    return subprocess.run([str(require_stratumd())] + list(args), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=str(REPO))


# ------------------------------------------------------------------ -p

def test_version():
    r = run(["-v"])
    assert r.returncode == 0, r.stderr
    assert re.search(r"\d+\.\d+", r.stdout + r.stderr)


def test_seed_config_passes_print():
    if not SEED.is_file():
        pytest.skip("%s not written yet" % SEED)
    r = run(["-p", "-f", str(SEED)])
    assert r.returncode == 0, "stderr:\n" + r.stderr
    assert r.stdout.strip(), "-p printed nothing"


def test_seed_config_print_is_a_fixed_point(tmp_path):
    """The normalised configuration -p prints is itself valid and normalises
    to itself."""
    if not SEED.is_file():
        pytest.skip("%s not written yet" % SEED)
    first = run(["-p", "-f", str(SEED)])
    assert first.returncode == 0, first.stderr
    again = tmp_path / "normalised.conf"
    again.write_text(first.stdout)
    second = run(["-p", "-f", str(again)])
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout


def test_print_simple_config(tmp_path):
    conf = tmp_path / "simple.conf"
    conf.write_text("port 11123\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 3\n"
                    "server 127.0.0.1 port 5 iburst\n")
    r = run(["-p", "-f", str(conf)])
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for word in ("port", "11123", "bindaddress", "127.0.0.1", "allow", "local",
                 "stratum", "server", "iburst"):
        assert word in out, "%r missing from -p output:\n%s" % (word, out)


def test_print_empty_config():
    r = run(["-p", "-f", "/dev/null"])
    assert r.returncode == 0, r.stderr


def test_directives_on_command_line_replace_the_file(tmp_path):
    """As chronyd: directives given as arguments are used instead of the
    config file, so the (invalid) file given with -f is not read."""
    bad = tmp_path / "bad.conf"
    bad.write_text("this is not a directive\n")
    r = run(["-p", "-f", str(bad), "port 11123", "local stratum 3"])
    assert r.returncode == 0, r.stderr
    assert "11123" in r.stdout


def test_invalid_directive_on_command_line():
    r = run(["-p", "-f", "/dev/null", "port 11123", "no-such-directive 1"])
    assert r.returncode == 1
    assert r.stderr.strip()


def _expectation(path):
    """First line '# expect: LINE: directive' (error in this file) or
    '# expect: FILE:LINE: directive' (error in an included FILE)."""
    first = path.read_text(errors="replace").splitlines()[:1]
    m = re.match(r"#\s*expect:\s*(?:(\S+?):)?(\d+)\s*:\s*(\S+)", first[0] if first else "")
    assert m, "%s: first line must be '# expect: [FILE:]LINE: directive'" % path
    return m.group(1) or path.name, int(m.group(2)), m.group(3)


@pytest.mark.parametrize("path", BAD or [pytest.param(None, marks=pytest.mark.skip(
    reason="no tests/data/bad/*.conf yet"))], ids=[p.name for p in BAD] or ["none"])
def test_bad_config_rejected(path):
    where, line, directive = _expectation(path)
    r = run(["-p", "-f", str(path.relative_to(REPO))])
    assert r.returncode == 1, "exit %d; stdout:\n%s\nstderr:\n%s" % (
        r.returncode, r.stdout, r.stderr)
    name = where.rsplit("/", 1)[-1]
    want = re.compile(r"(^|[\s/'\"(])" + re.escape(name) + ":" + str(line) + r":\s*"
                      + re.escape(directive), re.M)
    assert want.search(r.stderr), "expected '%s:%d: %s' in stderr:\n%s" % (
        where, line, directive, r.stderr)


def test_all_errors_reported_at_once(tmp_path):
    """Every error of a file is reported (file, line, directive), not only
    the first one."""
    conf = tmp_path / "errors.conf"
    conf.write_text("port 123\nport abc\nallow 300.1.2.3\nno-such-directive 1\nlocal stratum 3\n")
    r = run(["-p", "-f", str(conf)])
    assert r.returncode == 1
    for line, directive in ((2, "port"), (3, "allow"), (4, "no-such-directive")):
        assert re.search(re.escape("errors.conf:%d:" % line) + r"\s*" + re.escape(directive),
                         r.stderr), "line %d not reported:\n%s" % (line, r.stderr)
    assert "errors.conf:1:" not in r.stderr and "errors.conf:5:" not in r.stderr


def test_config_error_prevents_startup(tmp_path):
    """A daemon given a config with an error exits 1 before serving
    anything (nothing is applied unless the whole file is valid)."""
    require_stratumd()
    port = free_udp_port()
    conf = server_config(port)
    bad_line = conf.count("\n") + 1
    conf += "no-such-directive 1\n"
    d = Daemon(tmp_path, conf)
    d.spawn()  # it may exit before start() would first look
    bound = set()
    deadline = time.monotonic() + 5
    while d.alive() and time.monotonic() < deadline:
        bound |= udp_ports_of(d.proc.pid)
        time.sleep(0.005)
    rc = d.wait(0.1)
    d.stop()
    assert rc == 1, "exit status %s; log:\n%s" % (rc, d.log())
    assert (4, port) not in bound, "the NTP port was bound despite the error"
    assert re.search(r"stratumd\.conf:%d:\s*no-such-directive" % bad_line, d.log()), d.log()
    # nothing answers there
    assert exchange(("127.0.0.1", port), client_request(), timeout=0.2) == []


# ------------------------------------------------------------------ IPv6

def test_ipv6_bindaddress(daemons):
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback (::1) on this machine")
    port = free_udp_port("::1")
    d = daemons(server_config(port, bind="::1", allow=("::1",)), wait_ports=[(6, port)])
    req = client_request()
    _, rep, sender = query(("::1", port), req, timeout=2.0)
    assert rep is not None, "no reply over IPv6; log:\n" + d.log()
    p = parse(rep)
    assert sender == ("::1", port)
    assert (p.mode, p.vn, p.stratum, p.org) == (MODE_SERVER, 4, 3, parse(req).xmt)
    assert len(rep) <= len(req)
    # bound to ::1 only: no IPv4 socket on that port
    assert (4, port) not in udp_ports_of(d.proc.pid)


def test_ipv4_and_ipv6_allow_lists_are_separate(daemons):
    """One IPv4 and one IPv6 bindaddress serve both families; allow ::1
    does not let 127.0.0.1 in.  (chronyd opens the socket of a family only
    when some address of that family is allowed, hence allow 127.0.0.2.)"""
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback (::1) on this machine")
    port = free_udp_port("::1")
    conf = ("port %d\nbindaddress 127.0.0.1\nbindaddress ::1\nallow ::1\nallow 127.0.0.2\n"
            "local stratum 3\n" % port)
    daemons(conf, wait_ports=[(4, port), (6, port)])
    assert query(("::1", port), timeout=2.0)[1] is not None
    assert query(("127.0.0.1", port), src="127.0.0.2", timeout=2.0)[1] is not None
    assert exchange(("127.0.0.1", port), client_request(), src="127.0.0.1", timeout=0.3) == []


# ------------------------------------------------------------------ signals

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT],
                         ids=["SIGTERM", "SIGINT", "SIGQUIT"])
def test_signal_exits_cleanly_within_1s(daemons, sig):
    """chronyd installs one handler for SIGINT, SIGTERM, SIGQUIT and SIGHUP
    (UTI_SetQuitSignalsHandler): each makes it shut down cleanly with exit
    status 0 (checked on chronyd 4.3).  stratumd must do the same for the
    first three: never die from the signal itself (status -SIG), never
    ignore it.  SIGHUP reloads the configuration instead (test_reload.py)."""
    port = free_udp_port()
    d = daemons(server_config(port), wait_ports=[(4, port)])
    assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
    d.signal(sig)
    rc = d.wait(1.0)
    assert rc is not None, "still running 1 s after %s" % sig.name
    assert rc == 0, "exit status %s after %s" % (rc, sig.name)


def _cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_idle_server_does_not_spin(daemons):
    """An idle server sleeps in poll(): under 0.2 s of CPU over 2 s, and it
    still answers afterwards."""
    port = free_udp_port()
    d = daemons(server_config(port), wait_ports=[(4, port)])
    assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
    before = _cpu_seconds(d.proc.pid)
    time.sleep(2.0)
    used = _cpu_seconds(d.proc.pid) - before
    assert used < 0.2, "%.2f s of CPU while idle for 2 s" % used
    assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
    assert d.alive()


# ------------------------------------------------------------------ logging, -n, -t, detaching

def _wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def test_log_file_with_n(tmp_path):
    """-n -l FILE: stays in the foreground and logs to FILE."""
    require_stratumd()
    port = free_udp_port()
    logfile = tmp_path / "stratumd.log"
    d = Daemon(tmp_path, server_config(port), args=["-l", str(logfile)])
    d.argv = lambda: [d.binary, "-x", "-n", "-f", str(d.conf)] + d.args
    try:
        d.start(wait_ports=[(4, port)])
        assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
        assert _wait_for(lambda: logfile.exists() and logfile.stat().st_size > 0, 2.0)
        d.signal(signal.SIGTERM)
        assert d.wait(1.0) == 0
    finally:
        d.stop()
    assert "starting" in logfile.read_text()


def test_log_file_wins_over_d_like_chrony(tmp_path):
    """chronyd -d -l FILE logs to FILE (the log file takes precedence over
    stderr; checked on chronyd 4.3)."""
    require_stratumd()
    port = free_udp_port()
    logfile = tmp_path / "stratumd.log"
    d = Daemon(tmp_path, server_config(port), args=["-l", str(logfile)])
    try:
        d.start(wait_ports=[(4, port)])
        d.signal(signal.SIGTERM)
        assert d.wait(1.0) == 0
    finally:
        d.stop()
    assert logfile.exists() and "starting" in logfile.read_text(), (
        "log went to stderr instead:\n" + d.log())


def test_log_level_2_hides_info(tmp_path):
    """-L 2 (errors and worse): a normal start and stop logs nothing."""
    require_stratumd()
    port = free_udp_port()
    d = Daemon(tmp_path, server_config(port), args=["-L", "2"])
    try:
        d.start(wait_ports=[(4, port)])
        assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
        d.signal(signal.SIGTERM)
        assert d.wait(1.0) == 0
    finally:
        d.stop()
    assert d.log().strip() == ""


@pytest.mark.parametrize("local,status", [(True, 0), (False, 1)],
                         ids=["synchronised-exit-0", "unsynchronised-exit-1"])
def test_timeout_option_exit_status(tmp_path, local, status):
    """-t SECONDS: exit after SECONDS; like chronyd (quit_timeout: exit
    status = our stratum >= 16), the status is 0 when synchronised (here:
    `local stratum 3`) and 1 when not."""
    require_stratumd()
    port = free_udp_port()
    conf = server_config(port, local_stratum=3 if local else None)
    d = Daemon(tmp_path, conf, args=["-t", "1"])
    t0 = time.monotonic()
    try:
        d.start(wait_ports=[(4, port)])
        rc = d.wait(5.0)
    finally:
        d.stop()
    assert rc == status, "exit %s; log:\n%s" % (rc, d.log())
    assert 0.8 < time.monotonic() - t0 < 4


def _pids_with_arg(arg):
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if arg.encode() in argv:
            pids.append(int(name))
    return pids


def test_daemon_mode_detaches_and_serves(tmp_path):
    """Without -n/-d the daemon detaches: the command returns 0 once the
    daemon is initialised, and the daemon serves.  (It is found by its
    unique config path and stopped by its pid.)"""
    stratumd = require_stratumd()
    port = free_udp_port()
    conf = tmp_path / "detach.conf"
    pidfile = tmp_path / "stratumd.pid"
    conf.write_text(server_config(port, extra=["pidfile %s" % pidfile, "cmdport 0",
                                               "bindcmdaddress /"]))
    pids = []
    try:
        r = subprocess.run([str(stratumd), "-x", "-f", str(conf)], capture_output=True,
                           text=True, timeout=10, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, r.stderr
        assert _wait_for(lambda: _pids_with_arg(str(conf)), 2.0)
        pids = _pids_with_arg(str(conf))
        assert len(pids) == 1, pids
        # The PID file names the daemon, not the process that detached.
        assert pidfile.read_text() == "%d\n" % pids[0]
        assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
        os.kill(pids[0], signal.SIGTERM)
        assert _wait_for(lambda: not _pids_with_arg(str(conf)), 2.0)
        assert not pidfile.exists()
    finally:
        for pid in _pids_with_arg(str(conf)):
            os.kill(pid, signal.SIGKILL)


def test_daemon_mode_config_error(tmp_path):
    """Without -n/-d a config error still makes the command exit 1 with the
    error on stderr (chronyd passes it from the daemon to the foreground
    process through a pipe), and no daemon stays behind."""
    stratumd = require_stratumd()
    port = free_udp_port()
    conf = tmp_path / "detach-bad.conf"
    conf.write_text(server_config(port, extra=["pidfile %s" % (tmp_path / "stratumd.pid"),
                                               "cmdport 0", "bindcmdaddress /"])
                    + "no-such-directive 1\n")
    try:
        r = subprocess.run([str(stratumd), "-x", "-f", str(conf)], capture_output=True,
                           text=True, timeout=10, stdin=subprocess.DEVNULL)
        assert r.returncode == 1
        assert "detach-bad.conf:8:" in r.stderr, r.stderr
        time.sleep(0.2)
        assert _pids_with_arg(str(conf)) == []
    finally:
        for pid in _pids_with_arg(str(conf)):
            os.kill(pid, signal.SIGKILL)
