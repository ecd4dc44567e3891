"""Helpers of the report tests (tests/system/test_report.py,
tests/interop/test_report_chronyd.py): run `stratumc report`, read the page
back (every polyline through its chart's axis ticks) and compare it with the
log lines it was drawn from, read here in Python; open it in chromium.

  - check_page(logdir, page): every chart and polyline matches the logs
  - check_summary(logdir, page): the summary table's figures
  - report(logdir, out): run stratumc report; read_page(out): a Page
  - open_in_chromium(page, workdir): (DOM, console messages)
"""
import bisect
import calendar
import math
import shutil
import subprocess
import time
from html.parser import HTMLParser

import pytest

from ntptest import BUILD

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
