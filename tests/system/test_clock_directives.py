"""tempcomp's and hwclockfile's messages and files, the same from stratumd
and chronyd 4.3 (both -x, foreground, private files and ports): a
compensation over the sanity limit, an unreadable sensor, the fatal errors
of a bad points file, tempcomp.log, and the adjtime file read at -s.
What the compensation does to the clock is checked on the simulator
(tests/unit/test_tempcomp.c): with -x no clock is adjusted."""
import re
import subprocess

import pytest

from ntptest import chronyd_path, require_stratumd

RUN_TIMEOUT = 20


def daemon_argv(kind, conf):
    if kind == "stratumd":
        return [str(require_stratumd()), "-x", "-d", "-f", str(conf)]
    return [str(chronyd_path()), "-x", "-d", "-f", str(conf)]


def run(kind, tmp_path, tempcomp_line, seconds):
    conf = tmp_path / "t.conf"
    conf.write_text("port 0\ncmdport 0\npidfile %s/t.pid\nbindcmdaddress %s/t.sock\n%s\n%s"
                    % (tmp_path, tmp_path, tempcomp_line,
                       "user root\n" if kind == "chronyd" else ""))
    log = tmp_path / "log"
    with open(log, "w") as out:
        p = subprocess.Popen(daemon_argv(kind, conf), stdout=out, stderr=subprocess.STDOUT)
        try:
            p.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            p.terminate()
            p.wait(timeout=RUN_TIMEOUT)
    return p.returncode, log.read_text()


@pytest.mark.parametrize("kind", ["stratumd", "chronyd"])
def test_sanity_limit_and_unreadable_sensor(tmp_path, kind):
    sensor = tmp_path / "temp"
    sensor.write_text("90\n")
    _, text = run(kind, tmp_path, "tempcomp %s 1 20 0 0.2 0" % sensor, 2.5)
    assert "Temperature compensation of 14.000 ppm exceeds sanity limit of 10.0" in text, text
    _, text = run(kind, tmp_path, "tempcomp %s/none 1 20 0 0.2 0" % tmp_path, 2.5)
    assert "Could not read temperature from %s/none" % tmp_path in text, text
    sensor.write_text("25\n")
    _, text = run(kind, tmp_path, "tempcomp %s 1 20 0 0.2 0" % sensor, 2.5)
    assert "tempcomp" not in text.lower().replace("t.conf", ""), text


@pytest.mark.parametrize("kind", ["stratumd", "chronyd"])
def test_bad_points_file_is_fatal(tmp_path, kind):
    sensor = tmp_path / "temp"
    sensor.write_text("25\n")
    points = tmp_path / "points"
    for content, message in (("20 0\n30\n", "Could not read tempcomp point from %s"),
                             ("20 0\n", "Not enough points in %s")):
        points.write_text(content)
        rc, text = run(kind, tmp_path, "tempcomp %s 1 %s" % (sensor, points), RUN_TIMEOUT)
        assert rc != 0 and message % points in text, text


@pytest.mark.parametrize("kind", ["stratumd", "chronyd"])
def test_log_tempcomp(tmp_path, kind):
    """log tempcomp: chronyd's tempcomp.log, a banner then a line per reading."""
    sensor = tmp_path / "temp"
    sensor.write_text("25\n")
    logdir = tmp_path / "logs"
    logdir.mkdir()
    run(kind, tmp_path, "tempcomp %s 1 20 0 0.2 0\nlogdir %s\nlog tempcomp" % (sensor, logdir),
        2.5)
    lines = (logdir / "tempcomp.log").read_text().splitlines()
    title = "   Date (UTC) Time        Temp.       Comp."
    assert lines[:3] == ["=" * len(title), title, "=" * len(title)], lines
    assert len(lines) >= 5, lines
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  2\.5000e\+01  1\.0000e\+00", l)
               for l in lines[3:]), lines


@pytest.mark.parametrize("kind", ["stratumd", "chronyd"])
def test_hwclockfile_read_at_s(tmp_path, kind):
    """-s reads hwclockfile (hwclock's adjtime) to learn whether the RTC keeps
    UTC: a third line that is neither UTC nor LOCAL is warned about, as
    chronyd does (here with an RTC device that does not exist)."""
    adjtime = tmp_path / "adjtime"
    for content, warned in (("0.0 0 0.0\n0\nUTC\n", False), ("0.0 0 0.0\n0\n", True),
                            ("0.0 0 0.0\n0\nLOCAL\n", False)):
        adjtime.write_text(content)
        conf = tmp_path / "t.conf"
        conf.write_text("port 0\ncmdport 0\npidfile %s/t.pid\nbindcmdaddress %s/t.sock\n"
                        "hwclockfile %s\nrtcdevice %s/nortc\n%s"
                        % (tmp_path, tmp_path, adjtime, tmp_path,
                           "user root\n" if kind == "chronyd" else ""))
        argv = daemon_argv(kind, conf) + ["-s"]
        with open(tmp_path / "log", "w") as out:
            p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
            try:
                p.wait(timeout=1.5)
            except subprocess.TimeoutExpired:
                p.terminate()
                p.wait(timeout=RUN_TIMEOUT)
        text = (tmp_path / "log").read_text()
        said = "Could not read RTC LOCAL/UTC setting from %s" % adjtime in text
        assert said == warned, (content, text)
