"""smoothtime as Debian's chronyd 4.3 does it, seen through its chronyc 4.3:
the `smoothing` report (over UDP, a monitoring command) of a daemon with
and without smoothtime, and `smoothtime activate|reset` over the Unix
socket, print the same for stratumd -x and chronyd -x (the time since the
last update aside). Neither daemon is synchronised: the smoother waits to
be activated. stratumd logs chrony 4.8's lines ("Activated time smoothing
(leap seconds only)", "Reset time smoothing"); 4.3 said "Time smoothing
activated" and nothing on a reset."""
import re

import pytest

from ntptest import Daemon, chronyd_daemon, free_udp_port, require_stratumd, wait_for

from test_chronyc import chronyc, socket_dir

LOG_TIMEOUT = 10


def directives(cmdport, sock, smooth):
    lines = ["cmdport %d" % cmdport, "bindcmdaddress 127.0.0.1", "bindcmdaddress %s" % sock,
             "cmdallow 127.0.0.1"]
    if smooth:
        lines.append("smoothtime 400 0.001024 leaponly")
    return lines


def start(kind, workdir, smooth):
    cmdport = free_udp_port()
    sock = socket_dir(workdir) / ("%s.sock" % kind)
    lines = directives(cmdport, sock, smooth)
    if kind == "chronyd":
        d = chronyd_daemon(workdir / kind, lines)
        d.start()
    else:
        require_stratumd()
        d = Daemon(workdir / kind, "\n".join(lines) + "\n")
        d.start(wait_ports=[(4, cmdport)])
    return d, cmdport, str(sock)


def chronyc_ready(port):
    """chronyc's answer once the daemon's command port answers."""
    out = []

    def answered():
        rc, text = chronyc("smoothing", host="127.0.0.1", port=port)
        out[:] = [rc, text]
        return "Cannot talk to daemon" not in text and "506" not in text
    assert wait_for(answered, LOG_TIMEOUT), out
    return out


def comparable(text):
    return re.sub(r"(Last update\s*:) [0-9.]+", r"\1 X", text)


@pytest.mark.parametrize("smooth", [False, True])
def test_smoothing_report_as_chronyd(tmp_path, smooth):
    outs = {}
    for kind in ("chronyd", "stratumd"):
        d, port, sock = start(kind, tmp_path, smooth)
        try:
            outs[kind] = [chronyc_ready(port)]
            if smooth:
                outs[kind].append(chronyc("smoothtime", "activate", host=sock))
                outs[kind].append(chronyc("smoothing", host="127.0.0.1", port=port))
                outs[kind].append(chronyc("smoothtime", "reset", host=sock))
                if kind == "stratumd":
                    assert wait_for(lambda: "Reset time smoothing" in d.log(), LOG_TIMEOUT), \
                        d.log()
                    assert "Activated time smoothing (leap seconds only)" in d.log(), d.log()
            else:
                outs[kind].append(chronyc("smoothtime", "activate", host=sock))
        finally:
            d.stop()
    a = [(rc, comparable(t)) for rc, t in outs["chronyd"]]
    b = [(rc, comparable(t)) for rc, t in outs["stratumd"]]
    assert a == b, (a, b)
    first = outs["stratumd"][0][1]
    if smooth:
        assert re.search(r"^Active\s*: No \(leap second only\)", first, re.M), first
        assert re.search(r"^Active\s*: Yes \(leap second only\)", outs["stratumd"][2][1],
                         re.M), outs
    else:
        assert "505 Facility not enabled in daemon" in first, first
