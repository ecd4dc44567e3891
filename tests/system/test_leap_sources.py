"""leapsectz and leapseclist as chronyd reads them, on files made by the
test: a TZif zone compiled by zic from a leap second table written here
(the IERS table up to 2017, as leap-seconds.list has it), and lists in
NIST/IERS format. stratumd -x logs chronyd's messages at start (the 2012
check passed or failed), and once synchronised to a server it reads the
list again and warns when it has expired; a bad file is logged and
ignored. Where Debian's chronyd 4.3 is available, it is run on the same
zones and must log the same start line (4.3 has no leapseclist)."""
import datetime
import os
import re
import shutil
import subprocess

import pytest

from ntptest import (Daemon, FakeServer, chronyd_daemon, free_udp_port, server_config, stratumc,
                     wait_for)

ZIC = shutil.which("zic") or "/usr/sbin/zic"
SYNC_TIMEOUT = 20
START_TIMEOUT = 10
NTP_UNIX = 2208988800

# leap-seconds.list entries: NTP seconds at which TAI-UTC becomes the offset.
LEAP_TABLE = [
    (2272060800, 10), (2287785600, 11), (2303683200, 12), (2335219200, 13),
    (2366755200, 14), (2398291200, 15), (2429913600, 16), (2461449600, 17),
    (2492985600, 18), (2524521600, 19), (2571782400, 20), (2603318400, 21),
    (2634854400, 22), (2698012800, 23), (2776982400, 24), (2840140800, 25),
    (2871676800, 26), (2918937600, 27), (2950473600, 28), (2982009600, 29),
    (3029443200, 30), (3076704000, 31), (3124137600, 32), (3345062400, 33),
    (3439756800, 34), (3550089600, 35), (3644697600, 36), (3692217600, 37),
]
UPDATED = 3676924800
EXPIRES_LATER = 4102444800 + NTP_UNIX      # 2100
EXPIRED = 3692217600                       # 2017-01-01: long past


def leap_list(expires, table=LEAP_TABLE):
    lines = ["# a leap second list written by the test", "#$\t%d" % UPDATED,
             "#@\t%d" % expires, "#"]
    lines += ["%d\t%d\t# entry" % e for e in table]
    return "\n".join(lines) + "\n"


def zic_zone(tmp_path, name, with_leaps=True):
    """A zone `name` (UTC with the table's leap seconds, or without any)
    compiled by zic into tmp_path/zones; its path."""
    if not os.access(ZIC, os.X_OK):
        pytest.skip("zic not available")
    src = tmp_path / "zone.src"
    src.write_text("Zone\t%s\t0\t-\tUTC\n" % name)
    args = [ZIC, "-d", str(tmp_path / "zones")]
    if with_leaps:
        leaps = tmp_path / "leapseconds"
        rows = []
        for (t, tai), (_, prev) in zip(LEAP_TABLE[1:], LEAP_TABLE):
            day = datetime.datetime.fromtimestamp(t - NTP_UNIX - 1, datetime.timezone.utc)
            rows.append("Leap\t%d\t%s\t%d\t23:59:60\t%s\tS" % (
                day.year, day.strftime("%b"), day.day, "+" if tai > prev else "-"))
        leaps.write_text("\n".join(rows) + "\n")
        args += ["-L", str(leaps)]
    r = subprocess.run(args + [str(src)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return tmp_path / "zones" / name


def started_log(tmp_path, lines, name="d"):
    """stratumd -x started with these directives; its log once it is up."""
    d = Daemon(tmp_path / name, "\n".join(lines) + "\n").start()
    try:
        return d.log()
    finally:
        d.stop()


def test_zone_with_leap_seconds(tmp_path, stratumd_bin):
    zone = zic_zone(tmp_path, "right-test")
    log = started_log(tmp_path, ["leapsectz %s" % zone])
    assert "Using %s timezone to obtain leap second data" % zone in log, log
    assert "failed" not in log and "not implemented" not in log, log


def test_zone_and_list_through_symlinks(tmp_path, stratumd_bin):
    # Debian's right/UTC is a symbolic link (to right/Etc/UTC), as the
    # list may be: followed, as the C library follows them.
    zone = zic_zone(tmp_path, "right-test")
    lst = tmp_path / "leap-seconds.list.real"
    lst.write_text(leap_list(EXPIRES_LATER))
    (tmp_path / "zone-link").symlink_to(zone)
    (tmp_path / "list-link").symlink_to(lst)
    log = started_log(tmp_path, ["leapsectz %s" % (tmp_path / "zone-link")], "a")
    assert "Using %s timezone" % (tmp_path / "zone-link") in log, log
    log = started_log(tmp_path, ["leapseclist %s" % (tmp_path / "list-link")], "b")
    assert "Using leap second list %s" % (tmp_path / "list-link") in log, log


def test_zone_without_leap_seconds_fails_the_check(tmp_path, stratumd_bin):
    zone = zic_zone(tmp_path, "posix-test", with_leaps=False)
    missing = tmp_path / "no-such-zone"
    log = started_log(tmp_path, ["leapsectz %s" % zone], "a")
    assert "Timezone %s failed leap second check, ignoring" % zone in log, log
    log = started_log(tmp_path, ["leapsectz %s" % missing], "b")
    assert "Timezone %s failed leap second check, ignoring" % missing in log, log


def test_list_used_before_zone(tmp_path, stratumd_bin):
    zone = zic_zone(tmp_path, "right-test")
    lst = tmp_path / "leap-seconds.list"
    lst.write_text(leap_list(EXPIRES_LATER))
    log = started_log(tmp_path, ["leapsectz %s" % zone, "leapseclist %s" % lst])
    assert "Using leap second list %s" % lst in log, log
    assert "timezone to obtain" not in log, log


@pytest.mark.parametrize("text, message", [
    (None, "Failed to open leap seconds list"),
    (leap_list(EXPIRES_LATER).replace("#$", "#"), "Failed to parse leap seconds list"),
    ("#$ 1\n#@ 2\n3692217600 thirty-seven\n", "Failed to parse leap seconds list"),
    # Parses, but 2012 is wrong: TAI-UTC 34 from mid-2012 instead of 35.
    (leap_list(EXPIRES_LATER, [e for e in LEAP_TABLE if e[1] != 35]), None),
])
def test_bad_list_ignored(tmp_path, stratumd_bin, text, message):
    lst = tmp_path / "leap-seconds.list"
    if text is not None:
        lst.write_text(text)
    log = started_log(tmp_path, ["leapseclist %s" % lst])
    if message:
        assert "%s %s" % (message, lst) in log, log
    assert "Leap second list %s failed check, ignoring" % lst in log, log
    assert "Using leap second list" not in log, log


def test_expired_list_needs_update(tmp_path, stratumd_bin):
    lst = tmp_path / "leap-seconds.list"
    lst.write_text(leap_list(EXPIRED))
    server = FakeServer()
    port = free_udp_port()
    sock = tmp_path / "stratumd.sock"
    config = server_config(port, local_stratum=None, extra=[
        "server 127.0.0.1 port %d iburst minpoll 0 maxpoll 0" % server.port,
        "bindcmdaddress %s" % sock, "leapseclist %s" % lst])
    d = Daemon(tmp_path / "client", config).start(wait_ports=[(4, port)])
    try:
        assert wait_for(lambda: "Leap second list %s needs update" % lst in d.log(),
                        SYNC_TIMEOUT), d.log()
        rc, out = stratumc(sock, "-n", "tracking")
        assert rc == 0, out
        assert re.search(r"^Leap status\s*: Normal$", out, re.M), out
    finally:
        d.stop()
        server.close()
    log = d.log()
    assert "Using leap second list %s" % lst in log, log


@pytest.mark.parametrize("with_leaps, line", [
    (True, "Using {zone} timezone to obtain leap second data"),
    (False, "Timezone {zone} failed leap second check, ignoring"),
])
def test_same_start_line_as_chronyd(tmp_path, stratumd_bin, with_leaps, line):
    zone = zic_zone(tmp_path, "zone-test", with_leaps)
    want = line.format(zone=zone)
    # Something to serve: with no socket and no timer chronyd exits at once
    # ("Nothing to do"), sometimes before the test sees it started.
    c = chronyd_daemon(tmp_path / "chronyd", ["leapsectz %s" % zone, "bindaddress 127.0.0.1",
                                               "port %d" % free_udp_port(),
                                               "allow 127.0.0.1"]).start()
    try:
        assert wait_for(lambda: want in c.log(), START_TIMEOUT), c.log()
    finally:
        c.stop()
    assert want in started_log(tmp_path, ["leapsectz %s" % zone])
