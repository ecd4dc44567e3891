"""chrony's log files (logdir + log measurements statistics tracking):
stratumd (always -x) synchronised to a stratumd server writes
measurements.log, statistics.log and tracking.log with chrony's banner and
column layout."""
import calendar
import re
import time

from ntptest import Daemon, start_server

TITLES = {
    "measurements": "   Date (UTC) Time     IP Address   L St 123 567 ABCD  LP RP Score    Offset  "
                    "Peer del. Peer disp.  Root del. Root disp. Refid     MTxRx",
    "statistics": "   Date (UTC) Time     IP Address    Std dev'n Est offset  Offset sd  Diff freq"
                  "   Est skew  Stress  Ns  Bs  Nr  Asym",
    "tracking": "   Date (UTC) Time     IP Address   St   Freq ppm   Skew ppm     Offset L Co  "
                "Offset sd Rem. corr. Root delay Root disp. Max. error",
}
COLUMNS = {"measurements": 20, "statistics": 13, "tracking": 14}
DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")


def data_lines(text, name):
    ruler = "=" * len(TITLES[name])
    lines = text.splitlines()
    return [l for l in lines if l not in (ruler, TITLES[name])]


def wait_files(logdir, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all((logdir / ("%s.log" % n)).exists() and
               data_lines((logdir / ("%s.log" % n)).read_text(), n) for n in TITLES):
            return True
        time.sleep(0.2)
    return False


def config(port, logdir, extra=()):
    return "\n".join(["port 0", "server 127.0.0.1 port %d iburst minpoll 4 maxpoll 4" % port,
                      "logdir %s" % logdir, "log measurements statistics tracking"]
                     + list(extra)) + "\n"


def test_log_files_in_chrony_format(tmp_path):
    server, (addr, port) = start_server(tmp_path / "server")
    logdir = tmp_path / "logs"
    logdir.mkdir()
    client = Daemon(tmp_path / "client", config(port, logdir))
    try:
        client.start()
        assert wait_files(logdir, 25), client.log()
    finally:
        client.stop()
        server.stop()
    assert "not implemented" not in client.log()
    for name, title in TITLES.items():
        path = logdir / ("%s.log" % name)
        assert path.stat().st_mode & 0o777 == 0o644
        text = path.read_text()
        lines = text.splitlines()
        assert lines[:3] == ["=" * len(title), title, "=" * len(title)], text
        rows = data_lines(text, name)
        assert rows and len(rows) == len(lines) - 3, text
        for row in rows:
            assert DATE.match(row), row
            f = row.split()
            assert len(f) == COLUMNS[name], row
            assert f[2] == "127.0.0.1", row
            if name == "measurements":
                assert f[3] == "N" and f[4] == "3", row
                assert f[5:7] == ["111", "111"] and re.fullmatch("[01]{4}", f[7]), row
                assert f[8] == "4" and int(f[9]) in range(-10, 18), row
                float(f[10])
                offset, delay, pdisp, rdelay, rdisp = map(float, f[11:16])
                assert abs(offset) < 0.1 and 0 <= delay < 0.1, row
                assert 0 <= pdisp < 0.1 and 0 <= rdelay < 0.1 and 0 <= rdisp < 1, row
                assert re.fullmatch("[0-9A-F]{8}", f[16]) and f[17] == "4B", row
                assert f[18] in "DKH" and f[19] in "DKH", row
            elif name == "statistics":
                sd, off, off_sd, freq, skew, stress = map(float, f[3:9])
                assert 0 <= sd < 0.1 and abs(off) < 0.1 and 0 <= off_sd < 0.1, row
                assert abs(freq) < 1e-3 and skew >= 0 and stress >= 0, row
                ns, bs, nr = map(int, f[9:12])
                assert ns >= 3 and bs >= 0 and nr >= 1, row
                float(f[12])
            else:
                assert f[3] == "4", row
                freq, skew, offset = map(float, f[4:7])
                assert abs(freq) < 500 and skew >= 0 and abs(offset) < 0.1, row
                assert f[7] == "N" and int(f[8]) >= 1, row
                sd, rem, rdelay, rdisp, maxerr = map(float, f[9:14])
                assert 0 <= sd < 0.1 and abs(rem) < 0.1, row
                assert 0 <= rdelay < 0.1 and 0 <= rdisp < 1 and 0 <= maxerr < 1, row


def test_logbanner_repeats_the_headings_and_files_are_appended(tmp_path):
    server, (addr, port) = start_server(tmp_path / "server")
    logdir = tmp_path / "logs"
    logdir.mkdir()
    old = "an older line\n"
    (logdir / "measurements.log").write_text(old)
    client = Daemon(tmp_path / "client", config(port, logdir, ["logbanner 2"]))
    try:
        client.start()
        title = TITLES["measurements"]
        path = logdir / "measurements.log"
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and len(DATE.findall(path.read_text())) < 4:
            time.sleep(0.2)
    finally:
        client.stop()
        server.stop()
    text = path.read_text()
    assert text.startswith(old), text
    lines = text[len(old):].splitlines()
    # banner, 2 lines, banner, 2 lines, ...
    assert len(lines) >= 10, text
    for i in range(0, 10, 5):
        assert lines[i:i + 3] == ["=" * len(title), title, "=" * len(title)], text
        assert DATE.match(lines[i + 3]) and DATE.match(lines[i + 4]), text


def test_unwritable_logdir_logged_and_daemon_keeps_running(tmp_path):
    """A log file that cannot be opened (here a directory in its place)."""
    server, (addr, port) = start_server(tmp_path / "server")
    logdir = tmp_path / "logs"
    (logdir / "measurements.log").mkdir(parents=True)
    client = Daemon(tmp_path / "client", config(port, logdir))
    try:
        client.start()
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and "Selected source" not in client.log():
            time.sleep(0.2)
        time.sleep(1)
        assert client.alive()
        log = client.log()
        assert "Selected source 127.0.0.1" in log, log
        msg = "Could not open %s/measurements.log" % logdir
        # Rate-limited: one message per file within a minute.
        assert log.count(msg) == 1, log
    finally:
        client.stop()
        server.stop()


def first_time(path, name):
    """The date and time (UTC) of the first data line, or None."""
    if not path.exists():
        return None
    rows = data_lines(path.read_text(), name)
    if not rows:
        return None
    return calendar.timegm(time.strptime(" ".join(rows[0].split()[:2]), "%Y-%m-%d %H:%M:%S"))


def test_three_files_within_one_poll_of_the_first_sample(tmp_path):
    """Issue 5: the three files appear within one poll (16 s here) of the
    first sample; their first lines' times say so, and so does the wait."""
    poll = 16
    server, (addr, port) = start_server(tmp_path / "server")
    logdir = tmp_path / "logs"
    logdir.mkdir()
    client = Daemon(tmp_path / "client", config(port, logdir))
    paths = {n: logdir / ("%s.log" % n) for n in TITLES}
    try:
        client.start()
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and first_time(paths["measurements"],
                                                         "measurements") is None:
            time.sleep(0.1)
        t0 = time.monotonic()
        assert first_time(paths["measurements"], "measurements") is not None, client.log()
        while time.monotonic() - t0 < poll + 1 and not all(
                first_time(p, n) is not None for n, p in paths.items()):
            time.sleep(0.1)
        waited = time.monotonic() - t0
    finally:
        client.stop()
        server.stop()
    first = {n: first_time(p, n) for n, p in paths.items()}
    assert None not in first.values(), (first, client.log())
    assert waited <= poll, waited
    for name in ("statistics", "tracking"):
        assert 0 <= first[name] - first["measurements"] <= poll, first
    print("after the first sample: %s s (waited %.1f s)"
          % ({n: t - first["measurements"] for n, t in first.items()}, waited))
