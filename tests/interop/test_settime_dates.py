"""settime's date texts: Debian's chronyc 4.3 and stratumc, given the same
text, send the same time (or both refuse it with "510 - Could not parse
date string"). Each sends its SETTIME request to a UDP socket of the test
on 127.0.0.1, which reads the time from it (chrony's Timespec: seconds high
and low, nanoseconds) and answers nothing; the program is then killed.
Texts relative to now are asked again when a second boundary fell between
the two runs. Run in UTC and in a zone with summer time."""
import os
import select
import socket
import struct
import subprocess
import time

import pytest

from ntptest import BUILD, peers_root

WAIT = 5.0              # s for a request to arrive (a loaded machine)
TRIES = 3               # runs of a text whose two times differ
CET = "CET-1CEST,M3.5.0,M10.5.0/3"

TEXTS = [
    # absolute forms
    "16:30", "16:30:05", "Nov 21, 2015 16:30:05", "21 nov 2015 16:30:05",
    "2015-11-21 16:30:05", "16:30:05 2015-11-21", "11/21/2015 4:30:05 pm",
    "11/21/15 4:30:05pm", "2015/11/21 16:30:05 UTC", "2015-11-21", "Nov 21 16:30", "12 am",
    "12:15 pm", "1/1/70", "1/1/68", "17-JUN-1992", "20151121", "1630", "16", "",
    "2015-11-21 12:00 2016", "sep. 5", "2015-02-30", "16:60", "Nov 32",
    # zones
    "12:00 +0100", "12:00:30 -0530", "16:30 EST", "16:30 mest", "16:30 cet dst", "16:30 a",
    "u.t.c. 12:00", "2015-07-01 12:00 GMT",
    # relative items and week days
    "now", "+5 seconds", "now + 1 hour", "now - 1 hour", "-3 mins", "2 hours ago",
    "2 days ago 3 hours", "tomorrow", "yesterday", "fortnight", "3 weeks", "1 year",
    "2 months ago", "16:30 tomorrow", "2015-11-21 +1 day", "monday", "friday", "Wed,", "tues",
    "next monday", "third monday", "last friday", "monday 12:00", "2015-03-28 12:00 tomorrow",
    "(a comment) 16:30",
    # refused by both
    "16:", ":30", "24:00", "13 pm", "0 am", "16:30 17:00", "Novembre 21", "16:30 UTC GMT",
    "16.30", "2015-11", "12:00 xyz", "November 21 2015 16:30:05", "5 jun 12:00",
    "16:30 cest", ",", "ago", "monday monday", "+5", "Nov 5,", "12:00 +0100 utc", "2147483648",
]


def program(kind):
    p = peers_root() / "usr" / "bin" / "chronyc" if kind == "chronyc" else BUILD / "stratumc"
    if not os.access(str(p), os.X_OK):
        pytest.skip("%s not found" % p)
    return str(p)


def sent_time(prog, text, tz):
    """The time prog's settime TEXT sends (seconds, nanoseconds), or its
    output if it sends nothing."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        p = subprocess.Popen([prog, "-n", "-h", "127.0.0.1", "-p", str(s.getsockname()[1]),
                              "settime " + text], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             env=dict(os.environ, TZ=tz))
        data = None
        deadline = time.monotonic() + WAIT
        while data is None and time.monotonic() < deadline:
            if select.select([s], [], [], 0.02)[0]:
                data = s.recv(4096)
            elif p.poll() is not None:
                break
        if p.poll() is None:
            p.kill()
        out = p.communicate(timeout=WAIT)[0].decode(errors="replace").strip()
    if data is None:
        return out
    assert len(data) >= 32 and struct.unpack("!H", data[4:6])[0] == 11, data   # REQ_SETTIME
    high, low, nsec = struct.unpack("!III", data[20:32])
    return (high << 32 | low, nsec)


@pytest.mark.parametrize("tz", ["UTC", CET])
def test_same_time_as_chronyc(tz):
    chronyc, stratumc = program("chronyc"), program("stratumc")
    differ = []
    for text in TEXTS:
        for _ in range(TRIES):
            want, got = sent_time(chronyc, text, tz), sent_time(stratumc, text, tz)
            if want == got:
                break
        if want != got:
            differ.append((text, want, got))
    assert not differ, differ
    # the list holds both kinds of text
    assert sent_time(stratumc, "5 jun 12:00", tz) == "510 - Could not parse date string"
    now = sent_time(stratumc, "now", tz)
    assert isinstance(now, tuple) and now[1] == 0 and abs(now[0] - time.time()) < 5, now
