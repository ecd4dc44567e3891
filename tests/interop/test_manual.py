"""Manual time and the RTC commands, Debian's chronyc against chronyd 4.3
and against stratumd, side by side (both -x: the clock is never touched).

Each daemon runs with `manual`, a `local` reference and its command socket
in a directory of its own (mode 0770, as chronyd wants); chronyc talks to
it over that socket. The same commands must give the same answers:

- settime of a time ahead of the clock: "Clock was -N.NN seconds fast."
  with the frequency unchanged at the first sample, then a second sample
  gives a frequency change; `manual list` shows both in chronyc's columns;
- manual delete of a sample that is not there: chronyd's error line;
- manual off: settime refused with chronyd's words; manual on again;
- stratumc's local with chronyc 4.8's options (LOCAL3): stratumd only;
- without rtcfile: rtcdata, trimrtc, writertc answer chronyd's error;
  with rtcfile but no RTC device (none here), the same error, and the
  same lines in the log.
Each subprocess has a timeout; waits are bounded.
"""
import os
import re
import subprocess
import time

import pytest

from ntptest import BUILD, Daemon, chronyc_path, chronyd_daemon, free_udp_port, require_stratumd

CMD_TIMEOUT = 20
AHEAD = 30            # s the first time given is ahead of the clock
GAP = 2.0             # s between the two samples (chronyd wants >= 1)




def chronyc(sock, *args):
    r = subprocess.run([str(chronyc_path()), "-h", str(sock)] + list(args),
                       capture_output=True, text=True, timeout=CMD_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def stratumc(sock, *args):
    p = BUILD / "stratumc"
    if not os.access(p, os.X_OK):
        pytest.skip("%s not built" % p)
    r = subprocess.run([str(p), "-h", str(sock)] + list(args), capture_output=True, text=True,
                       timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def utc(t):
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t))


def start_daemon(kind, base, extra=()):
    """kind's daemon with manual and `extra` lines; (daemon, socket)."""
    chronyc_path()
    sockdir = base / "run"
    sockdir.mkdir()
    os.chmod(str(sockdir), 0o770)
    sock = sockdir / "cmd.sock"
    port = free_udp_port()
    lines = ["port %d" % port, "bindaddress 127.0.0.1", "allow 127.0.0.1", "local stratum 8", "manual",
             "cmdport 0", "bindcmdaddress %s" % sock] + list(extra)
    if kind == "chronyd":
        d = chronyd_daemon(base / "d", lines)
    else:
        require_stratumd()
        d = Daemon(base / "d", "\n".join(lines) + "\n")
    d.start(wait_ports=[(4, port)])
    deadline = time.monotonic() + 10
    while not sock.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return d, sock


@pytest.fixture(scope="module", params=["chronyd", "stratumd"])
def daemon(request, tmp_path_factory):
    d, sock = start_daemon(request.param, tmp_path_factory.mktemp("manual-" + request.param))
    yield request.param, sock
    rc = d.stop()
    print("---- %s (exit %s)\n%s" % (request.param, rc, d.log()))


SETTIME = re.compile(r"^200 OK\nClock was (-?\d+\.\d\d) seconds fast\.  Frequency change = "
                     r"(-?\d+\.\d\d)ppm, new frequency = (-?\d+\.\d\d)ppm\n$")
LIST_ROW = re.compile(r"^ ?(\d+) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) +(-?\d+\.\d\d) +(-?\d+\.\d\d) "
                      r"+(-?\d+\.\d\d)$")


def test_settime_and_list(daemon):
    kind, sock = daemon
    assert chronyc(sock, "manual", "reset") == (0, "200 OK\n")
    rc, out = chronyc(sock, "settime", utc(time.time() + AHEAD))
    m = SETTIME.match(out)
    assert rc == 0 and m, (kind, out)
    # whole seconds given (the fraction cut): AHEAD less a fraction behind
    assert -AHEAD - 0.01 <= float(m.group(1)) < -AHEAD + 1.5, out
    assert float(m.group(2)) == 0.0
    time.sleep(GAP)
    # the clock, corrected by the first, is now given as it is: the fit
    # finds the clock ran slow by the first offset over the gap
    rc, out = chronyc(sock, "settime", utc(time.time() + 1))
    m2 = SETTIME.match(out)
    assert rc == 0 and m2, (kind, out)
    assert float(m2.group(2)) != 0.0
    rc, out = chronyc(sock, "manual", "list")
    lines = out.splitlines()
    assert rc == 0 and lines[0] == "210 n_samples = 2", out
    assert lines[1] == "#    Date     Time(UTC)    Slewed   Original   Residual", out
    assert lines[2].startswith("=" * 20), out
    rows = [LIST_ROW.match(l) for l in lines[3:]]
    assert len(rows) == 2 and all(rows), out
    assert [int(r.group(1)) for r in rows] == [0, 1]
    assert abs(float(rows[0].group(4)) - float(m.group(1))) < 0.011
    # the first sample's offset slewed by the correction that followed it
    assert abs(float(rows[0].group(3))) < abs(float(rows[0].group(4)))


def test_errors(daemon):
    kind, sock = daemon
    assert chronyc(sock, "manual", "delete", "7") == (1, "516 Sample index out of range\n")
    assert chronyc(sock, "manual", "off") == (0, "200 OK\n")
    assert chronyc(sock, "settime", "12:00") == (1, "505 Facility not enabled in daemon\n")
    assert chronyc(sock, "manual", "on") == (0, "200 OK\n")
    assert chronyc(sock, "settime", "12:00 +1 foo") == (1, "510 - Could not parse date string\n")


@pytest.mark.parametrize("command", ["rtcdata", "trimrtc", "writertc"])
def test_no_rtc(daemon, command):
    kind, sock = daemon
    assert chronyc(sock, command) == (1, "513 RTC driver not running\n"), kind


def test_stratumc_prints_as_chronyc(daemon):
    """stratumc's settime and manual list print chronyc's lines."""
    kind, sock = daemon
    assert stratumc(sock, "manual", "reset") == (0, "200 OK\n")
    time.sleep(GAP)
    rc, out = stratumc(sock, "settime", utc(time.time() + AHEAD))
    assert rc == 0 and SETTIME.match(out), (kind, out)
    theirs, ours = chronyc(sock, "manual", "list"), stratumc(sock, "manual", "list")
    assert ours == theirs
    assert stratumc(sock, "manual", "delete", "7") == (1, "516 Sample index out of range\n")
    assert stratumc(sock, "rtcdata") == chronyc(sock, "rtcdata")
    assert stratumc(sock, "settime", "12:00 +1 foo") == \
        (1, "510 - Could not parse date string\n")


def test_local_of_chronyc_4_8(daemon):
    """stratumc's `local` with chronyc 4.8's options sends its LOCAL3, which
    stratumd takes and chronyd 4.3 does not know; without them chronyc
    4.3's LOCAL2, which both take."""
    kind, sock = daemon
    want = "200 OK\n" if kind == "stratumd" else "502 Invalid command\n"
    assert stratumc(sock, "local", "stratum", "9", "activate", "0.5")[1] == want
    assert stratumc(sock, "local", "stratum", "8") == (0, "200 OK\n")


@pytest.mark.parametrize("kind", ["chronyd", "stratumd"])
def test_rtcfile_without_an_rtc(tmp_path, kind):
    d, sock = start_daemon(kind, tmp_path, ["rtcfile %s" % (tmp_path / "rtc"),
                                            "rtcdevice %s" % (tmp_path / "no-rtc")])
    try:
        for command in ("rtcdata", "trimrtc", "writertc"):
            assert chronyc(sock, command) == (1, "513 RTC driver not running\n"), kind
    finally:
        d.stop()
    log = d.log()
    assert "Could not open RTC device %s" % (tmp_path / "no-rtc") in log, log
    assert "RTC driver could not be initialised" in log, log
    assert not (tmp_path / "rtc").exists()
