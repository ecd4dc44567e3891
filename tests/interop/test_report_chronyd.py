"""stratumc report draws chronyd's own log files: Debian's chronyd 4.3 (-x),
a client of a stratumd server with a SOCK reference clock fed from here,
writes measurements.log, statistics.log, tracking.log and refclocks.log;
every plotted point and the summary figures must match those lines, and the
page opens in chromium without a console message."""
import math
import random
import shutil
import socket
import struct
import time

from ntptest import chronyd_daemon, start_server
from reportcheck import check_page, check_summary, log_rows, open_in_chromium, read_page, report

SOCK_MAGIC = 0x534f434b        # chrony's refclock_sock.c protocol


def sock_sample(offset):
    """struct sock_sample: timeval, offset, pulse, leap, padding, magic."""
    now = time.time()
    sec = math.floor(now)
    return struct.pack("@qqdiiii", sec, int((now - sec) * 1e6), offset, 0, 0, 0, SOCK_MAGIC)


def test_report_of_chronyd_logs(tmp_path):
    server, (addr, port) = start_server(tmp_path / "server")
    logdir = tmp_path / "logs"
    logdir.mkdir()
    sock_path = tmp_path / "refclock.sock"
    chronyd = chronyd_daemon(tmp_path / "chronyd", [
        "port 0", "server %s port %d iburst minpoll 0 maxpoll 0" % (addr, port),
        "refclock SOCK %s refid SOCK poll 0 noselect" % sock_path,
        "logdir %s" % logdir, "log measurements statistics tracking refclocks"])
    rng = random.Random(4)
    try:
        chronyd.start()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and not (
                    len(log_rows(logdir, "tracking")) >= 8 and
                    len(log_rows(logdir, "refclocks")) >= 20):
                try:
                    s.sendto(sock_sample(rng.gauss(0, 1e-6)), str(sock_path))
                except (FileNotFoundError, ConnectionRefusedError):
                    pass                    # chronyd has not bound it yet
                time.sleep(0.2)
    finally:
        chronyd.stop()
        server.stop()
    for name in ("measurements", "statistics", "tracking", "refclocks"):
        assert len(log_rows(logdir, name)) >= 3, (name, chronyd.log())
    out = tmp_path / "report.html"
    r = report(logdir, out)
    assert " 0 bad, in " in r.stderr, r.stderr
    page = read_page(out)
    drawn = check_page(logdir, page)
    assert "Reference clock offset: cooked (refclocks.log)" in drawn, drawn
    assert "System offset (tracking.log)" in drawn, drawn
    check_summary(logdir, page)
    if shutil.which("chromium"):
        assert open_in_chromium(out, tmp_path)[1] == []
