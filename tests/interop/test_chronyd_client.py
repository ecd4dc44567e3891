"""A real chronyd 4.3 (run with -x: never touches the clock) uses stratumd
as its only source and selects it; chronyc then reports the result.
Bounded: chronyd is given 20 s to select the source (it takes ~2 s)."""
import re
import subprocess
import time

import pytest

from ntptest import (chronyd_daemon, free_udp_port, peers_root, start_server, stratumc,
                     wait_log_rows)

SELECT_TIMEOUT = 20.0


@pytest.fixture
def chronyd_client(local_server, tmp_path):
    cmdport = free_udp_port()
    d = chronyd_daemon(tmp_path / "chronyd", [
        "server %s port %d iburst minpoll 0 maxpoll 0" % local_server,
        "cmdport %d" % cmdport, "bindcmdaddress 127.0.0.1", "bindcmdaddress /",
        "logdir %s" % (tmp_path / "chronyd"), "log measurements"])
    try:
        d.start(wait_ports=[(4, cmdport)])
        yield d, cmdport
    finally:
        rc = d.stop()
        print("---- chronyd (exit %s)\n%s" % (rc, d.log()))


def chronyc(cmdport, *args):
    c = peers_root() / "usr" / "bin" / "chronyc"
    r = subprocess.run([str(c), "-h", "127.0.0.1", "-p", str(cmdport), "-n"] + list(args),
                       capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_chronyd_selects_stratumd(chronyd_client, local_server):
    d, cmdport = chronyd_client
    deadline = time.monotonic() + SELECT_TIMEOUT
    while "Selected source" not in d.log():
        assert d.alive(), d.log()
        assert time.monotonic() < deadline, "chronyd did not select stratumd:\n" + d.log()
        time.sleep(0.2)
    assert "Selected source %s" % local_server[0] in d.log()

    tracking = chronyc(cmdport, "tracking")
    fields = dict(re.findall(r"^(.+?)\s*:\s*(.*)$", tracking, re.M))
    assert fields["Reference ID"].startswith("7F000001"), tracking
    assert fields["Stratum"] == "4", tracking          # one below stratumd's 3
    assert fields["Leap status"] == "Normal", tracking
    m = re.match(r"([\d.]+) seconds (fast|slow)", fields["System time"])
    assert m and float(m.group(1)) < 1e-3, tracking

    # sources -c: M,S,name,stratum,poll,reach,lastrx,offset,...
    rows = [l.split(",") for l in chronyc(cmdport, "-c", "sources").splitlines() if l]
    assert len(rows) == 1, rows
    mode, state, name, stratum = rows[0][:4]
    assert (mode, state, name, stratum) == ("^", "*", local_server[0], "3"), rows
    assert abs(float(rows[0][7])) < 1e-3, rows


def _measurements(tmp_path, server, extra, want_rows, timeout=15.0):
    """Run chronyd -x as a client of server until its measurements.log has
    want_rows rows (bounded); return the rows' (version, mode B|I) fields."""
    d = chronyd_daemon(tmp_path / "chronyd-m", [
        "server %s port %d iburst minpoll 0 maxpoll 0 %s" % (server + (extra,)),
        "logdir %s" % (tmp_path / "chronyd-m"), "log measurements"])
    log = tmp_path / "chronyd-m" / "measurements.log"
    rows = []
    try:
        d.start()
        rows = wait_log_rows(d, log, re.compile(r"^\d{4}-.* (\d)([BI]) \S \S\s*$", re.M),
                             want_rows, timeout)
    finally:
        print("---- chronyd (exit %s)\n%s" % (d.stop(), d.log()))
    return rows


def test_chronyd_basic_mode_measurements(local_server, tmp_path):
    rows = _measurements(tmp_path, local_server, "", 4)
    assert len(rows) >= 4, rows
    assert all(v == "4" for v, _ in rows), rows


def test_chronyd_xleave_gets_interleaved_replies_like_chrony(local_server, tmp_path):
    """A chronyd 4.3 server answers a client using `xleave` in interleaved
    mode: after the first exchange its measurements are marked 'I'."""
    rows = _measurements(tmp_path, local_server, "xleave", 5)
    assert len(rows) >= 5, rows
    assert rows[-1] == ("4", "I"), rows


KOD_TIMEOUT = 30.0
KOD_WINDOW = 12.0                       # s after chronyd's first KoD RATE


def ntp_received(sock):
    """stratumd's count of NTP requests received (serverstats)."""
    rc, out = stratumc(sock, "serverstats")
    assert rc == 0, out
    m = re.search(r"^NTP packets received\s*:\s*(\d+)", out, re.M)
    assert m, out
    return int(m.group(1))


def test_chronyd_backs_off_at_stratumd_kod_rate(tmp_path):
    """stratumd's KoD RATE (ratelimit ... kod, chrony 4.4's option) is one
    chronyd 4.3 understands: polling every second past a limit of one
    response in 4 s, it logs "Received KoD RATE" and waits four polls more
    after each, so fewer requests than seconds reach stratumd."""
    sock = tmp_path / "server.sock"
    d, server = start_server(tmp_path / "server", extra=[
        "ratelimit interval 2 burst 1 leak 4 kod 1", "cmdport 0", "bindcmdaddress %s" % sock])
    c = chronyd_daemon(tmp_path / "chronyd", [
        "server %s port %d minpoll 0 maxpoll 0" % server])
    try:
        c.start()
        deadline = time.monotonic() + KOD_TIMEOUT
        while "Received KoD RATE from %s" % server[0] not in c.log():
            assert c.alive(), c.log()
            assert time.monotonic() < deadline, "no KoD RATE seen:\n" + c.log() + d.log()
            time.sleep(0.2)
        first = ntp_received(sock)
        start = time.monotonic()
        time.sleep(KOD_WINDOW)
        received = ntp_received(sock) - first
        elapsed = time.monotonic() - start
        print("requests in %.1f s after the first KoD RATE: %d" % (elapsed, received))
        assert c.alive(), c.log()
        # one a second without the back-off; each KoD RATE costs 4 of them
        assert received < 0.75 * elapsed, (received, elapsed, c.log())
    finally:
        print("---- chronyd (exit %s)\n%s" % (c.stop(), c.log()))
        print("---- stratumd (exit %s)\n%s" % (d.stop(), d.log()))
