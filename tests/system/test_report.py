"""stratumc report LOGDIR OUT.html: the page of plots drawn from chrony's log
files. Synthetic logs with known values (banners, bad lines, a rotated file,
a refclock with more samples than pixels and a spike) and the logs of a
stratumd -x synchronised to a stratumd server are drawn; every polyline is
read back through the axis ticks of its chart and must match the log lines
it was drawn from within a pixel's resolution; the summary table must hold
the figures of the log values; the page opens in Debian's chromium
(headless) without a console message."""
import calendar
import random
import re
import shutil
import subprocess
import time

import pytest

from ntptest import Daemon, start_server
from reportcheck import (STRATUMC, TOL_PX, axis, check_page, check_summary, log_rows,
                         open_in_chromium, read_page, report, CHARTS)

# ---------------------------------------------------------------- synthetic logs

T0 = calendar.timegm((2026, 12, 7, 2, 0, 0))
SPAN = 2400


def stamp(t, frac=False):
    s = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(int(t)))
    return s + (".%06d" % round((t - int(t)) * 1e6) if frac else "")


def write_logs(logdir, rng):
    """chrony's layouts with banners every 50 lines; returns the bad lines written."""
    bad = 0
    banner = "=" * 40 + "\n   Date (UTC) Time     IP Address   ...\n" + "=" * 40 + "\n"

    def write(path, lines):
        with open(path, "w") as f:
            for i, line in enumerate(lines):
                if i % 50 == 0:
                    f.write(banner)
                f.write(line + "\n")

    meas, stats = [], []
    for k, src in enumerate(["192.0.2.1", "192.0.2.2", "2001:db8::3"]):
        start = T0 + (SPAN // 2 if k == 2 else 0)        # one source only in the second half
        for t in range(start, T0 + SPAN, 16):
            off, delay = rng.gauss(k * 2e-5, 1e-5), 1e-4 + abs(rng.gauss(0, 3e-5))
            meas.append("%s %-15s N  2 111 111 1111   4  4 1.00 %10.3e %10.3e  1.000e-06  "
                        "1.000e-04  1.000e-04 C0000201 4B K K" % (stamp(t), src, off, delay))
            stats.append("%s %-15s %10.3e %10.3e %10.3e %10.3e %10.3e %7.1e %3d %3d %3d %5.2f" % (
                stamp(t), src, abs(rng.gauss(0, 5e-6)), rng.gauss(0, 1e-5), abs(rng.gauss(0, 2e-6)),
                rng.gauss(0, 1e-3), abs(rng.gauss(0, 1e-2)), 0.0, 8, 0, 4, 0.0))
    meas.sort()
    stats.sort()
    meas.insert(10, "2026-12-07 02:03:04 192.0.2.1 this is not a measurement")
    meas.insert(20, "x" * 2000)                                   # longer than any line
    stats.insert(5, "2026-12-07 25:00:00 192.0.2.1 1e-6 1e-6 1e-6 1e-6 1e-6 0 8 0 4 0.00")
    bad += 3
    write(logdir / "measurements.log", meas)
    write(logdir / "statistics.log", stats)

    track = []
    freq = -12.0
    for t in range(T0, T0 + SPAN, 8):
        freq += rng.gauss(0, 0.01)
        track.append("%s %-15s  3 %10.3f %10.3f %10.3e N  1 %10.3e %10.3e %10.3e %10.3e %10.3e" % (
            stamp(t), "192.0.2.1", freq, abs(rng.gauss(0.05, 0.01)), rng.gauss(0, 5e-6),
            abs(rng.gauss(0, 1e-6)), rng.gauss(0, 1e-7), 2e-4 + abs(rng.gauss(0, 1e-5)),
            1e-4 + abs(rng.gauss(0, 1e-5)), 3e-4 + abs(rng.gauss(0, 1e-5))))
    track.insert(7, "2026-12-07 02:00:56 192.0.2.1 3 nan 0.1 1e-6 N 1 1e-6 1e-7 1e-4 1e-4 1e-4")
    bad += 1
    half = len(track) // 2                                         # the older half rotated
    write(logdir / "tracking.log.1", track[:half])
    write(logdir / "tracking.log", track[half:])

    refc = []
    for i in range(SPAN * 4):                                      # 4 a second: decimated
        t = T0 + i / 4
        cooked = 5e-3 if i == 4321 else rng.gauss(0, 1e-6)
        refc.append("%s PPS0 %4d N 1 %13.6e %13.6e %10.3e" % (stamp(t, True), i % 16,
                                                              cooked + 1e-7, cooked, 1e-6))
        if i % 64 == 63:
            refc.append("%s PPS0    - N -             - %13.6e %10.3e" % (
                stamp(t, True), rng.gauss(0, 3e-7), 1e-6))
    write(logdir / "refclocks.log", refc)
    return bad


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    if not STRATUMC.exists():
        pytest.skip("%s not built" % STRATUMC)
    base = tmp_path_factory.mktemp("report")
    logdir = base / "logs"
    logdir.mkdir()
    bad = write_logs(logdir, random.Random(15))
    out = base / "report.html"
    r = report(logdir, out)
    return logdir, out, r.stderr, bad


def test_synthetic_plots_match_the_log_values(synthetic):
    logdir, out, _, _ = synthetic
    page = read_page(out)
    drawn = check_page(logdir, page)
    assert drawn == set(CHARTS), drawn
    check_summary(logdir, page)
    # the spike among 9600 refclock samples is drawn
    chart = page.charts["Reference clock offset: cooked (refclocks.log)"]
    to_v, px_v = axis(chart["yticks"])
    top = max(to_v(y) for _, y in dict(chart["lines"])["PPS0"])
    assert abs(top - 5e-3) <= TOL_PX * px_v


def test_bad_lines_counted_reported_and_skipped(synthetic):
    logdir, out, stderr, bad = synthetic
    assert re.search(r" %d bad, in " % bad, stderr), stderr
    assert "measurements.log:" in stderr and "bad line skipped" in stderr, stderr
    text = "".join(read_page(out).text)
    assert "measurements.log: 1 file," in text and "2 bad lines skipped" in text, text
    assert "tracking.log: 2 files," in text, text


def test_page_opens_in_chromium_without_console_messages(synthetic, tmp_path):
    _, out, _, _ = synthetic
    dom, console = open_in_chromium(out, tmp_path)
    assert console == []
    assert dom.count("<polyline") == sum(len(c["lines"]) for c in read_page(out).charts.values())
    # the check sees a broken page
    broken = tmp_path / "broken.html"
    broken.write_text('<!DOCTYPE html><html><body><svg xmlns="http://www.w3.org/2000/svg">'
                      '<polyline points="1,x 2"/></svg></body></html>')
    assert open_in_chromium(broken, tmp_path)[1]


def test_empty_and_missing_directories(tmp_path):
    if not STRATUMC.exists():
        pytest.skip("%s not built" % STRATUMC)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "tracking.log").write_text("=====\n   Date (UTC) Time\n=====\n")
    out = tmp_path / "empty.html"
    report(empty, out)
    page = read_page(out)
    assert "No data" in "".join(page.text) and not page.charts
    r = report(tmp_path / "missing", tmp_path / "missing.html", check=False)
    assert r.returncode == 1 and "not a directory" in r.stderr
    assert not (tmp_path / "missing.html").exists()
    r = subprocess.run([str(STRATUMC), "report", str(empty)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 1 and "usage" in r.stderr


# ---------------------------------------------------------------- a real daemon's logs

def test_live_logs_of_stratumd(tmp_path):
    server, (addr, port) = start_server(tmp_path / "server")
    logdir = tmp_path / "logs"
    logdir.mkdir()
    conf = "\n".join(["port 0", "server %s port %d iburst minpoll 0 maxpoll 0" % (addr, port),
                      "logdir %s" % logdir, "log measurements statistics tracking",
                      "logbanner 10"]) + "\n"
    client = Daemon(tmp_path / "client", conf)
    try:
        client.start()
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and len(log_rows(logdir, "tracking")) < 12:
            time.sleep(0.5)
    finally:
        client.stop()
        server.stop()
    for name in ("measurements", "statistics", "tracking"):
        assert len(log_rows(logdir, name)) >= 3, (name, client.log())
    out = tmp_path / "report.html"
    r = report(logdir, out)
    assert " 0 bad, in " in r.stderr, r.stderr
    page = read_page(out)
    drawn = check_page(logdir, page)
    assert "Offset (measurements.log)" in drawn and "System offset (tracking.log)" in drawn
    check_summary(logdir, page)
    if shutil.which("chromium"):
        _, console = open_in_chromium(out, tmp_path)
        assert console == []
