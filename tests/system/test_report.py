"""stratumc report LOGDIR OUT.html: the page of plots drawn from chrony's log
files. Synthetic logs with known values (banners, bad lines, a rotated file,
a refclock with more samples than pixels and a spike) and the logs of a
stratumd -x synchronised to a stratumd server are drawn; every polyline is
read back through the axis ticks of its chart and must match the log lines
it was drawn from within a pixel's resolution; the summary table must hold
the figures of the log values; the page opens in Debian's chromium
(headless) without a console message."""
import bisect
import calendar
import math
import random
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser

import pytest

from ntptest import BUILD, Daemon, start_server

STRATUMC = BUILD / "stratumc"
# Resolution of the drawn coordinates (printed with 2 decimals), in pixels.
TOL_PX = 0.02
# The series keep at most this many buckets, two points each.
BUCKETS = 1024
# A bucket is at most this wide on the plot (780 px wide): the lowest and
# highest points of any such stretch are drawn.
BUCKET_PX = 1.6
P_ERROR = 0.012          # the summary's percentiles (src/stratumc/series.h)

# chart title -> (log, [(line label suffix, column or function of the fields)])
CHARTS = {
    "Offset (measurements.log)": ("measurements", [("", 11)]),
    "Peer delay (measurements.log)": ("measurements", [("", 12)]),
    "Estimated offset, dashed: \u00b1 offset sd (statistics.log)":
        ("statistics", [("", 4), (" \u00b1 sd", lambda f: float(f[4]) + float(f[5])),
                        (" \u2212 sd", lambda f: float(f[4]) - float(f[5]))]),
    "Jitter: standard deviation (statistics.log)": ("statistics", [("", 3)]),
    "Frequency: Diff freq (statistics.log)": ("statistics", [("", 6)]),
    "System offset (tracking.log)": ("tracking", [("offset", 6)]),
    "System frequency (tracking.log)": ("tracking", [("frequency", 4)]),
    "System skew (tracking.log)": ("tracking", [("skew", 5)]),
    "Root delay, root dispersion and maximum error (tracking.log)":
        ("tracking", [("root delay", 11), ("root dispersion", 12), ("max. error", 13)]),
    "Reference clock offset: cooked (refclocks.log)": ("refclocks", [("", 7)]),
}
FIELDS = {"measurements": 20, "statistics": 13, "tracking": 14, "refclocks": 9}
NUMBERS = {"measurements": range(11, 16), "statistics": range(3, 9),
           "tracking": (4, 5, 6, 9, 10, 11, 12, 13), "refclocks": (7, 8)}


# ---------------------------------------------------------------- the logs, read in Python

def log_time(date, hms):
    sec, _, frac = hms.partition(".")
    t = calendar.timegm(time.strptime(date + " " + sec, "%Y-%m-%d %H:%M:%S"))
    return t + (float("0." + frac) if frac else 0.0)


def log_rows(logdir, name):
    """The data lines of name.log (after its rotated files), split."""
    rows = []
    paths = [logdir / ("%s.log.%d" % (name, i)) for i in range(9, 0, -1)]
    for path in paths + [logdir / ("%s.log" % name)]:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            f = line.split()
            if len(f) != FIELDS[name]:
                continue
            try:
                log_time(f[0], f[1])
                if all(math.isfinite(float(f[i])) for i in NUMBERS[name]):
                    rows.append(f)
            except ValueError:
                pass
    return rows


def expected_lines(logdir, title):
    """label -> [(t, v)] that the chart titled title must draw."""
    name, parts = CHARTS[title]
    lines = {}
    for f in log_rows(logdir, name):
        t = log_time(f[0], f[1])
        if name == "tracking":
            source = ""
        elif name == "refclocks" and f[3] == "-":
            source = f[2] + " filtered"
        else:
            source = f[2]
        for suffix, col in parts:
            v = col(f) if callable(col) else float(f[col])
            lines.setdefault(source + suffix, []).append((t, v))
    return lines


# ---------------------------------------------------------------- the page, read back

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.charts = {}
        self.chart = None
        self.summary = []
        self.row = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.chart = {"yticks": [], "xticks": [], "lines": []}
            self.charts[a["aria-label"]] = self.chart
        elif tag == "line" and a.get("class") == "ytick":
            self.chart["yticks"].append((float(a["data-v"]), float(a["y1"])))
        elif tag == "line" and a.get("class") == "xtick":
            self.chart["xticks"].append((float(a["data-t"]), float(a["x1"])))
        elif tag == "polyline":
            pts = [tuple(map(float, p.split(","))) for p in a["points"].split()]
            self.chart["lines"].append((a["data-label"], pts))
        elif tag == "tr":
            self.row = []
        elif tag == "td" and self.row is not None:
            self.row.append(a.get("data-v"))
            self.cell = len(self.row) - 1

    def handle_endtag(self, tag):
        if tag == "svg":
            self.chart = None
        elif tag == "tr":
            if self.row:
                self.summary.append(self.row)
            self.row = None

    def handle_data(self, data):
        self.text.append(data)
        if self.row is not None and self.row and self.row[-1] is None and data.strip():
            self.row[-1] = data.strip()


def read_page(path):
    p = Page()
    p.feed(path.read_text())
    return p


def axis(ticks):
    """value = a + b * pixel, and the value of one pixel, from the first and last ticks."""
    assert len(ticks) >= 2, ticks
    (v0, p0), (v1, p1) = ticks[0], ticks[-1]
    b = (v1 - v0) / (p1 - p0)
    return (lambda p: v0 + (p - p0) * b), abs(b)


def check_chart(title, chart, want):
    """Every drawn point is a log point; every log point lies between drawn
    points of its bucket's pixels, and is drawn itself when alone there."""
    to_t, px_t = axis(chart["xticks"])
    to_v, px_v = axis(chart["yticks"])
    drawn = dict(chart["lines"])
    assert sorted(drawn) == sorted(want), (title, sorted(drawn), sorted(want))
    for label, points in want.items():
        vertices = sorted((to_t(x), to_v(y)) for x, y in drawn[label])
        log_pts = sorted(points)
        log_t = [t for t, _ in log_pts]
        assert len(vertices) <= 2 * BUCKETS + 1, (title, label)
        for t, v in vertices:
            i, j = (bisect.bisect_left(log_t, t - TOL_PX * px_t),
                    bisect.bisect_right(log_t, t + TOL_PX * px_t))
            assert any(abs(lv - v) <= TOL_PX * px_v for _, lv in log_pts[i:j]), \
                (title, label, t, v, log_pts[i:j])
        vert_t = [t for t, _ in vertices]
        for k, (t, v) in enumerate(log_pts):
            i, j = (bisect.bisect_left(vert_t, t - BUCKET_PX * px_t),
                    bisect.bisect_right(vert_t, t + BUCKET_PX * px_t))
            vs = [vv for _, vv in vertices[i:j]]
            assert vs and min(vs) <= v + TOL_PX * px_v and max(vs) >= v - TOL_PX * px_v, \
                (title, label, t, v, vertices[i:j])
            alone = ((k == 0 or t - log_t[k - 1] > BUCKET_PX * px_t) and
                     (k + 1 == len(log_t) or log_t[k + 1] - t > BUCKET_PX * px_t))
            if alone:
                assert any(abs(vv - v) <= TOL_PX * px_v for vv in vs), (title, label, t, v)


def check_page(logdir, page):
    drawn = set()
    for title in CHARTS:
        want = expected_lines(logdir, title)
        if not want:
            assert title not in page.charts, title
            continue
        assert title in page.charts, (title, list(page.charts))
        check_chart(title, page.charts[title], want)
        drawn.add(title)
    assert set(page.charts) == drawn
    return drawn


def check_summary(logdir, page):
    """Rows: source, log, samples, RMS, max |offset|, p95 of |offset|."""
    rows = {(r[0], r[1]): r[2:] for r in page.summary}
    want = {}
    for f in log_rows(logdir, "measurements"):
        want.setdefault((f[2], "measurements"), []).append(float(f[11]))
    for f in log_rows(logdir, "refclocks"):
        name = f[2] + (" filtered" if f[3] == "-" else "")
        want.setdefault((name, "refclocks (cooked)"), []).append(float(f[7]))
    for f in log_rows(logdir, "tracking"):
        want.setdefault(("system", "tracking"), []).append(float(f[6]))
    assert sorted(rows) == sorted(want), (sorted(rows), sorted(want))
    for key, values in want.items():
        n, rms, mx, p95 = rows[key]
        a = sorted(abs(v) for v in values)
        assert int(n) == len(values), key
        assert math.isclose(float(rms), math.sqrt(sum(v * v for v in a) / len(a)),
                            rel_tol=1e-6), key
        assert math.isclose(float(mx), a[-1], rel_tol=1e-6), key
        exact = a[math.ceil(0.95 * len(a)) - 1]
        assert abs(float(p95) - exact) <= exact * P_ERROR + 1e-15, (key, p95, exact)


def report(logdir, out, check=True):
    r = subprocess.run([str(STRATUMC), "report", str(logdir), str(out)], capture_output=True,
                       text=True, timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
    return r


# ---------------------------------------------------------------- chromium

def chromium():
    path = shutil.which("chromium")
    if not path:
        pytest.skip("chromium not installed (Debian's package chromium: scripts/deps.sh test)")
    return path


def open_in_chromium(page, workdir):
    """The DOM chromium built and the console messages it logged."""
    r = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--user-data-dir=%s" % (workdir / "ud"),
                        "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    return r.stdout, [l for l in r.stderr.splitlines() if ":CONSOLE" in l]


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
