"""Reference clocks: stratumd (-x) fed by a feeder of exact offsets.

  - SOCK: a Python feeder sends chrony's SOCK datagrams once a second;
    stratumd selects the clock (`#*`, stratum 0 in sources, sourcestats and
    selectdata rows), becomes stratum 1 with its refid, measures the fed
    offset (tracking.log's first update; the corrections it made in total)
    and serves stratum 1 with refid GPS to an NTP client
  - SHM: the same through segment 0, written by the feeder inside a new IPC
    namespace (unshare --ipc, root only) shared with stratumd and nothing
    else; missing segments are created 0600, or with perm=MODE
  - bad input: datagrams of the wrong size or magic, NaN and huge offsets, a
    bad leap value: each logged, once for its class ("Refclock GPS: ...":
    one line for bad datagrams, one for bad samples), the daemon keeps its
    clock and keeps serving NTP
  - a SOCK directory that does not exist and a SHM segment that cannot be
    had stop the start (as chronyd's fatal errors); driver options SOCK
    does not have are refused; the drivers and options not built yet warn

Paths are in a short private directory (Unix socket names are limited to
108 bytes); ports are free ones on 127.0.0.1; every wait is bounded.
"""

import ctypes
import ctypes.util
import math
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from ntptest import (LEAP_UNSYNC, MODE_SERVER, STRATUMD, Daemon, free_udp_port, is_root, parse,
                     query, require_stratumd, stratumc, wait_for)
from refclocks import (SHM_KEY, SHM_SIZE, SOCK_SIZE, SockFeeder, half_unit, selectdata_rows,
                       sock_sample, sources_rows, sourcestats_rows, tracking_fields, tracking_log,
                       query_mode, with_prefix)

REFID_GPS = 0x47505300
SYNC_TIMEOUT = 90.0     # poll 2, filter 4: the first update comes after ~8 s
FEEDER = Path(__file__).resolve().parent.parent / "refclocks.py"


@pytest.fixture
def rdir():
    """A short private directory for sockets, logs and the PID file."""
    require_stratumd()
    d = Path(tempfile.mkdtemp(prefix="rcl-"))
    d.chmod(0o700)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def fed_offset():
    """A random offset of 5-50 ms, either sign (never a figure the code
    could have by chance)."""
    return random.choice((-1, 1)) * random.uniform(5e-3, 50e-3)


def config(d, port, refclock_lines, extra=()):
    return "\n".join(list(refclock_lines) + [
        "port %d" % port, "bindaddress 127.0.0.1", "allow 127.0.0.1",
        "bindcmdaddress %s/cmd.sock" % d, "logdir %s" % d, "log tracking",
    ] + list(extra)) + "\n"


def start(d, refclock_lines, extra=(), prefix=None):
    """stratumd in d/stratumd serving 127.0.0.1:<free port>; (daemon, port).
    `prefix`: argv run before stratumd's (a namespace and the SHM feeder)."""
    port = free_udp_port()
    daemon = Daemon(d / "stratumd", config(d, port, refclock_lines, extra))
    if prefix:
        with_prefix(daemon, prefix)
    try:
        daemon.start(wait_ports=[] if prefix else [(4, port)])
    except BaseException:
        daemon.stop()
        raise
    return daemon, port


def sock_line(d, extra="poll 2 filter 4"):
    return "refclock SOCK %s/gps.sock refid GPS %s" % (d, extra)


def wait_stratum1(daemon, d, timeout=SYNC_TIMEOUT):
    """Wait until tracking says stratum 1 with refid GPS; its fields."""
    fields = {}

    def synced():
        nonlocal fields
        assert daemon.alive(), daemon.log()
        rc, out = stratumc(d / "cmd.sock", "tracking")
        fields = tracking_fields(out) if rc == 0 else {}
        return fields.get("Stratum") == "1"
    assert wait_for(synced, timeout), "not synchronised: %s\n%s" % (fields, daemon.log())
    return fields


def wait_updates(daemon, d, n, timeout=SYNC_TIMEOUT):
    """Wait until tracking.log has n updates from GPS; the GPS rows."""
    log = d / "tracking.log"
    ok = wait_for(lambda: daemon.alive() and
                  len([r for r in tracking_log(log) if r["name"] == "GPS"]) >= n, timeout)
    rows = [r for r in tracking_log(log) if r["name"] == "GPS"]
    assert ok, "%d GPS updates in tracking.log:\n%s" % (len(rows), daemon.log())
    return rows


def check_measured(rows, offset, label):
    """tracking.log's first update measured the fed offset, and the updates
    together corrected the clock by it; margins from the log itself: the
    printed precision and the offset's standard deviation for the first,
    the daemon's maximum error at the last update for the sum."""
    first = rows[0]
    margin1 = half_unit(first["offset_text"]) + first["offset_sd"]
    total = -sum(r["offset"] for r in rows)
    margin2 = rows[-1]["max_error"] + sum(half_unit(r["offset_text"]) for r in rows)
    print("%s: fed %+.9f s; first update %+.9f s (margin %.3g s); corrected in total "
          "%+.9f s over %d updates (margin %.3g s)"
          % (label, offset, -first["offset"], margin1, total, len(rows), margin2))
    assert abs(-first["offset"] - offset) <= margin1
    assert abs(total - offset) <= margin2


def check_ntp_reply(port, stratum=1, refid=REFID_GPS):
    _, data, _ = query(("127.0.0.1", port), timeout=3.0)
    assert data is not None, "no NTP reply"
    p = parse(data)
    assert p.mode == MODE_SERVER
    assert (p.stratum, p.refid) == (stratum, refid), p
    assert p.li != LEAP_UNSYNC
    return p


def check_reports(d, name="GPS", poll=2):
    rc, out = stratumc(d / "cmd.sock", "sources")
    assert rc == 0, out
    row = sources_rows(out).get(name)
    assert row, out
    mode, state, stratum, rpoll, reach = row[:5]
    assert (mode, state, stratum, rpoll) == ("#", "*", 0, poll), out
    assert reach != 0, out
    rc, out = stratumc(d / "cmd.sock", "sourcestats")
    assert rc == 0, out
    assert sourcestats_rows(out)[name][0] >= 1, out
    rc, out = stratumc(d / "cmd.sock", "selectdata")
    assert rc == 0, out
    assert selectdata_rows(out)[name][0] == "*", out


# ---------------------------------------------------------------- SOCK

def check_statistics_log(d, name="GPS"):
    """statistics.log has the refclock's rows, named by its refid as
    chronyd names them: 11 fields after the date and time."""
    rows = [line.split() for line in (d / "statistics.log").read_text().splitlines()
            if line[:1].isdigit()]
    mine = [r for r in rows if r[2] == name]
    assert mine, rows[:5]
    for r in mine:
        assert len(r) == 13, r
        float(r[3]), float(r[4])                  # std dev, est offset
        assert int(r[9]) >= 1, r                  # samples


def test_sock_refclock_selected_at_stratum_1(rdir):
    offset = fed_offset()
    daemon, port = start(rdir, [sock_line(rdir)], extra=["log statistics"])
    feeder = SockFeeder([rdir / "gps.sock"], offset)
    try:
        fields = wait_stratum1(daemon, rdir)
        assert fields["Reference ID"] == "47505300 (GPS)", fields
        rows = wait_updates(daemon, rdir, 3)
        check_reports(rdir)
        check_measured(rows, offset, "stratumd SOCK")
        check_statistics_log(rdir)
        check_ntp_reply(port)
        stratum, _, _ = query_mode(port)
        assert stratum == 1
    finally:
        feeder.stop()
        print("---- stratumd (exit %s)\n%s" % (daemon.stop(), daemon.log()))


# ---------------------------------------------------------------- SHM

def need_ipc_namespace():
    if not is_root() or not shutil.which("unshare"):
        pytest.skip("SHM tests need root and unshare (a private IPC namespace)")
    r = subprocess.run(["unshare", "--ipc", "true"], capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        pytest.skip("unshare --ipc fails here: %s" % r.stderr.strip())


def host_segment_exists(unit):
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    return libc.shmget(SHM_KEY + unit, 0, 0) >= 0


def shm_prefix(unit, offset, size=SHM_SIZE):
    return ["unshare", "--ipc", "--", sys.executable, str(FEEDER), "shm", str(unit),
            repr(offset), str(size), "--"]


def test_shm_refclock_in_private_ipc_namespace(rdir):
    need_ipc_namespace()
    existed = host_segment_exists(0)
    offset = fed_offset()
    daemon, port = start(rdir, ["refclock SHM 0 refid GPS poll 2 filter 4"],
                         prefix=shm_prefix(0, offset))
    try:
        fields = wait_stratum1(daemon, rdir)
        assert fields["Reference ID"] == "47505300 (GPS)", fields
        rows = wait_updates(daemon, rdir, 3)
        check_reports(rdir)
        check_measured(rows, offset, "stratumd SHM")
        check_ntp_reply(port)
    finally:
        print("---- stratumd (exit %s)\n%s" % (daemon.stop(), daemon.log()))
    assert host_segment_exists(0) == existed, "a machine-wide SHM segment was touched"


def test_shm_segment_that_cannot_be_had_stops_the_start(rdir):
    """A segment of the wrong size already there: shmget fails, as a
    missing device it stops stratumd (chronyd: fatal)."""
    need_ipc_namespace()
    daemon = with_prefix(Daemon(rdir / "stratumd", config(rdir, free_udp_port(),
                                                          ["refclock SHM 0 refid GPS"])),
                         shm_prefix(0, 0.0, size=16))
    daemon.spawn()
    status = daemon.wait(20)
    log = daemon.log()
    daemon.stop()
    assert status == 1, log
    assert "Could not open SHM refclock 0 : Invalid argument" in log, log
    assert "Out of memory" not in log, log


def test_shm_segments_created_with_their_permissions(rdir):
    """Missing segments are created: 0600 by default, perm=MODE else (as
    chronyd), seen by ipcs in the daemon's own IPC namespace."""
    need_ipc_namespace()
    if not shutil.which("ipcs"):
        pytest.skip("ipcs not found")
    conf = rdir / "stratumd.conf"
    conf.write_text(config(rdir, free_udp_port(), ["refclock SHM 0", "refclock SHM 2:perm=0640"])
                    + "pidfile %s/stratumd.pid\ncmdport 0\n" % rdir)
    script = ('"$1" -x -d -f "$2" 2>"$3" & p=$!\n'
              'for i in $(seq 100); do ipcs -m | grep -q 0x4e545032 && break; sleep 0.1; done\n'
              'ipcs -m; kill $p; wait $p\n')
    r = subprocess.run(["unshare", "--ipc", "--", "sh", "-c", script, "sh",
                        str(require_stratumd()), str(conf), str(rdir / "log")],
                       capture_output=True, text=True, timeout=60)
    log = (rdir / "log").read_text()
    perms = dict(re.findall(r"^(0x[0-9a-f]{8})\s+\d+\s+\S+\s+(\d+)\s+96\s", r.stdout, re.M))
    assert perms == {"0x4e545030": "600", "0x4e545032": "640"}, r.stdout + r.stderr + log


# ---------------------------------------------------------------- bad input

def bad_datagrams(t):
    """Each kind of bad input with the text stratumd logs for its class."""
    return {
        "short": (sock_sample(t, 0.01)[:SOCK_SIZE - 8], "unexpected length"),
        "long": (sock_sample(t, 0.01) + b"\0" * 8, "unexpected length"),
        "magic": (sock_sample(t, 0.01, magic=0x12345678), "unexpected magic number"),
        "nan": (sock_sample(t, math.nan), "sample with a bad time, offset or leap ignored"),
        "huge": (sock_sample(t, 1e10), "sample with a bad time, offset or leap ignored"),
        "leap": (sock_sample(t, 0.01, leap=7), "sample with a bad time, offset or leap ignored"),
    }


def refclock_lines(log):
    return [line for line in log.splitlines() if "Refclock GPS:" in line]


@pytest.mark.parametrize("kind", sorted(bad_datagrams(0.0)))
def test_bad_sock_input_logged_once_daemon_serves(rdir, kind):
    daemon, port = start(rdir, [sock_line(rdir)], extra=["local stratum 8"])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        want = bad_datagrams(0.0)[kind][1]
        for _ in range(50):
            sock.sendto(bad_datagrams(time.time())[kind][0], str(rdir / "gps.sock"))
        assert wait_for(lambda: refclock_lines(daemon.log()), 10.0), daemon.log()
        for _ in range(50):
            sock.sendto(bad_datagrams(time.time())[kind][0], str(rdir / "gps.sock"))
        # The daemon answers NTP (local stratum 8: it has no reference) after
        # reading all of them: by then every line it would log is there.
        check_ntp_reply(port, stratum=8, refid=0x7F7F0101)
        lines = refclock_lines(daemon.log())
        assert len(lines) == 1 and want in lines[0], daemon.log()
        rc, out = stratumc(rdir / "cmd.sock", "sources")
        assert rc == 0 and sources_rows(out)["GPS"][4] == 0, out   # nothing reached
    finally:
        sock.close()
        print("---- stratumd (exit %s)\n%s" % (daemon.stop(), daemon.log()))


def test_bad_input_flood_between_good_samples(rdir):
    """Every kind of bad datagram, 20 of each after every good sample:
    the clock is still selected, one line per class of bad input, the
    daemon serves stratum 1 throughout."""
    offset = fed_offset()
    daemon, port = start(rdir, [sock_line(rdir)])
    feeder = SockFeeder([rdir / "gps.sock"], offset,
                        extra=lambda n: [d for d, _ in bad_datagrams(time.time()).values()] * 20)
    try:
        wait_stratum1(daemon, rdir)
        rows = wait_updates(daemon, rdir, 3)
        check_reports(rdir)
        check_measured(rows, offset, "stratumd SOCK with bad input")
        check_ntp_reply(port)
        lines = refclock_lines(daemon.log())
        print("\n".join(lines))
        assert len(lines) == 2, daemon.log()
        assert any("unexpected length" in line or "unexpected magic number" in line
                   for line in lines), lines
        assert any("sample with a bad time, offset or leap ignored" in line
                   for line in lines), lines
        print("bad datagrams sent: %d" % (feeder.sent * 20 * len(bad_datagrams(0.0))))
    finally:
        feeder.stop()
        print("---- stratumd (exit %s)\n%s" % (daemon.stop(), daemon.log()))


# ---------------------------------------------------------------- start-up

def run_to_exit(d, config_text, timeout=20):
    daemon = Daemon(d / "stratumd", config_text)
    daemon.spawn()
    status = daemon.wait(timeout)
    log = daemon.log()
    daemon.stop()
    return status, log


def test_missing_sock_directory_stops_the_start(rdir):
    path = rdir / "missing" / "gps.sock"
    status, log = run_to_exit(rdir, config(rdir, free_udp_port(),
                                           ["refclock SOCK %s refid GPS" % path]))
    assert status == 1, log
    assert "Could not open SOCK refclock %s : No such file or directory" % path in log, log
    assert "Out of memory" not in log, log


@pytest.mark.parametrize("line,option", [
    ("refclock SOCK {d}/gps.sock:perm=0644", "perm=0644"),
    ("refclock SOCK {d}/gps.sock:foo", "foo"),
    ("refclock SHM 0:perm=0644:foo", "foo"),
    ("refclock SHM 0:perm=08", "perm=08"),
])
def test_driver_options_refused(rdir, line, option):
    if "SHM" in line:
        need_ipc_namespace()   # refused before the segment, but never risk it
    text = config(rdir, free_udp_port(), [line.format(d=rdir)])
    if "SHM" in line:
        daemon = with_prefix(Daemon(rdir / "stratumd", text), ["unshare", "--ipc", "--"])
        daemon.spawn()
        status, log = daemon.wait(20), daemon.log()
        daemon.stop()
    else:
        status, log = run_to_exit(rdir, text)
    assert status == 1, log
    assert "Invalid refclock driver option %s" % option in log, log
    assert "Out of memory" not in log, log


def test_local_and_maxunreach_act(rdir):
    lines = [sock_line(rdir, "local maxunreach 4")]
    # Both act: no warning (local's behaviour is held by the simulator's
    # refclock-local scenario).
    daemon, port = start(rdir, lines)
    try:
        log = daemon.log()
        assert not re.search(r"not implemented", log), log
        rc, out = stratumc(rdir / "cmd.sock", "sources")
        assert rc == 0 and list(sources_rows(out)) == ["GPS"], out
    finally:
        print("---- stratumd (exit %s)\n%s" % (daemon.stop(), daemon.log()))


def test_tai_needs_a_leap_second_table(rdir):
    """As chronyd: `tai` without leapsectz or leapseclist stops the start."""
    conf = rdir / "tai.conf"
    conf.write_text("%s\npidfile %s\ncmdport 0\nbindcmdaddress /\nport 0\n"
                    % (sock_line(rdir, "tai"), rdir / "tai.pid"))
    p = subprocess.run([str(STRATUMD), "-x", "-d", "-f", str(conf)], timeout=10,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert p.returncode == 1, p.stdout
    assert "refclock tai option requires leapseclist or leapsectz" in p.stdout
