"""Interleaved mode (RFC 9769) between stratumd and Debian's chronyd 4.3:
stratumd's `xleave` (interleaved client mode) against Debian's
chronyd 4.3 and against stratumd's own server.

stratumd -x polls at 1 s with `log measurements`; after the first basic
exchange its measurements are marked 'I' (interleaved) and carry the
kernel's transmit timestamps ('K'), and chronyc's ntpdata over stratumd's
Unix socket says `Interleaved : Yes`. Without xleave they stay 'B'. And
the other way round: chronyd with xleave against stratumd's server reports
interleaved measurements and `Interleaved : Yes` in its own chronyc's
ntpdata.

Peers (interleaved symmetric mode): stratumd and chronyd each with
`peer ... xleave` report interleaved measurements of each other; stratumd
with xleave beside a chronyd peer without it synchronises, and chronyd
keeps taking its packets as valid. Waits are bounded (15-20 s for
the rows)."""
import os
import re

import pytest

from ntptest import (Daemon, chronyd_daemon, free_udp_port, random_ts, require_stratumd,
                     serving_chronyd, xleave_ask, xleave_ask_saved,
                     start_server, wait_for, wait_log_rows)
from test_peer import chronyc

ROW = re.compile(r"^\d{4}-\S+ \S+ \S+ .* (\d)([BI]) (\S) (\S)\s*$", re.M)


@pytest.fixture(scope="module")
def chronyd_server(tmp_path_factory):
    yield from serving_chronyd(tmp_path_factory.mktemp("chronyd-server"), 1)


@pytest.fixture(scope="module")
def stratumd_server(tmp_path_factory):
    d, addr = start_server(tmp_path_factory.mktemp("stratumd-server"), local_stratum=1)
    yield addr
    print("---- stratumd server (exit %s)\n%s" % (d.stop(), d.log()))


def measure(tmp_path, server, options, want_rows, timeout=15.0):
    """Run stratumd -x as a client of server until measurements.log has
    want_rows rows (bounded); return (rows as (version, B|I, tx src, rx src),
    chronyc ntpdata output)."""
    require_stratumd()
    sock = tmp_path / "stratumd.sock"
    d = Daemon(tmp_path, "server %s port %d minpoll 0 maxpoll 0 %s\n"
               "logdir %s\nlog measurements\nbindcmdaddress %s\n"
               % (server + (options, tmp_path, sock)))
    log = tmp_path / "measurements.log"
    rows, ntpdata = [], ""
    try:
        d.start()
        rows = wait_log_rows(d, log, ROW, want_rows, timeout)
        ntpdata = chronyc(str(sock), "ntpdata", server[0])
    finally:
        print("---- stratumd client (exit %s)\n%s" % (d.stop(), d.log()))
    print("\n".join(" ".join(r) for r in rows))
    return rows, ntpdata


@pytest.mark.parametrize("server_kind", ["chronyd", "stratumd"])
def test_xleave_client_gets_interleaved_measurements(server_kind, request, tmp_path):
    server = request.getfixturevalue(server_kind + "_server")
    rows, ntpdata = measure(tmp_path, server, "xleave", 5)
    assert len(rows) >= 5, rows
    assert rows[0][1] == "B", "the first exchange can only be basic: %s" % rows
    assert all(r[1] == "I" for r in rows[2:]), rows
    # The previous request's transmit time, as the kernel took it.
    assert rows[-1][2] == "K", rows
    assert re.search(r"^Interleaved\s*: Yes$", ntpdata, re.M), ntpdata
    assert re.search(r"^TX timestamping\s*: Kernel$", ntpdata, re.M), ntpdata


# clientloglimit 1920: the least, 16 records and 16 timestamps in chronyd
# (4.3 as 4.8); the whole 127/8 may ask.
SMALL_LOG = ("allow 127.0.0.0/8", "clientloglimit 1920")


def small_log_server(kind, workdir):
    """(stop, address) of a chronyd or stratumd serving with SMALL_LOG."""
    if kind == "chronyd":
        gen = serving_chronyd(workdir, 1, extra=SMALL_LOG)
        return (lambda: next(gen, None)), next(gen)
    d, addr = start_server(workdir, local_stratum=1, allow=("127.0.0.0/8",),
                           extra=SMALL_LOG[1:])
    return (lambda: print("---- stratumd (exit %s)\n%s" % (d.stop(), d.log()))), addr


def map_replies(server):
    """What a server's replies tell of its interleaved timestamps: per step,
    True if the reply was interleaved."""
    seen = []

    def ask(src, org):
        mark = random_ts()
        _, r = xleave_ask(server, src, org=org, rec=mark)
        seen.append(r.org == mark)
        return r

    a, b, c = "127.0.1.1", "127.0.1.2", "127.0.1.3"
    r1 = xleave_ask_saved(server, a)
    ask(b, r1.rec)            # another address naming a's exchange
    ask(a, r1.rec)            # a itself, after that
    ask(b, r1.rec ^ 2)        # no receive timestamp of the server's
    rc = xleave_ask_saved(server, c)
    _, r = xleave_ask(server, a)
    for _ in range(16):       # a: 16 exchanges, each saved
        r = ask(a, r.rec)
    ask(c, rc.rec)            # c's, saved before those 16
    ask(a, r.rec)             # a's last
    return seen


def test_timestamp_map_as_chronyd(tmp_path):
    """stratumd's server keeps interleaved timestamps as chronyd does (its
    NtpTimestampMap): by receive timestamp whoever names it, one interleaved
    reply each, one per saved reply, the oldest pushed out when full."""
    require_stratumd()
    got = {}
    for kind in ("chronyd", "stratumd"):
        stop, addr = small_log_server(kind, tmp_path / kind)
        try:
            got[kind] = map_replies(addr)
        finally:
            stop()
    print(got)
    assert got["chronyd"] == [True, False, False] + [False] + [True] * 15 + [False, True], got
    assert got["stratumd"] == got["chronyd"], got


# A measurements.log row's packet tests (1-3, 5-7, A-D) and mode letter.
FLAGS = re.compile(r"^\d{4}-\S+ \S+ \S+\s+\S+\s+\d+ (\d{3}) (\d{3}) (\d{4}) .* \d([BI]) \S \S\s*$",
                   re.M)


def switch_rows(daemon, tmp_path, want_rows=5, timeout=15.0):
    """The first want_rows rows of daemon's measurements.log in tmp_path, as
    (tests A-D, B|I)."""
    try:
        daemon.start()
        rows = wait_log_rows(daemon, tmp_path / "measurements.log", FLAGS, want_rows, timeout)
    finally:
        print("---- client (exit %s)\n%s" % (daemon.stop(), daemon.log()))
    return [(r[2], r[3]) for r in rows[:want_rows]]


def test_xleave_switch_as_chronyd(chronyd_server, tmp_path):
    # chronyd's server answers interleaved from a client's third request
    # (it keeps timestamps only of requests that named an exchange): two
    # basic samples, then the first interleaved reply, paired crossed
    # (the exchange it measures made a sample), which chronyd's client logs
    # with test A failed and takes no sample of; then interleaved samples.
    # stratumd's client did take that one (1111).
    require_stratumd()
    conf = "server %s port %d minpoll 0 maxpoll 0 xleave" % chronyd_server
    ours = switch_rows(Daemon(tmp_path / "stratumd", "%s\nlogdir %s\nlog measurements\n"
                              % (conf, tmp_path / "stratumd")), tmp_path / "stratumd")
    theirs = switch_rows(chronyd_daemon(tmp_path / "chronyd",
                                        [conf, "logdir %s" % (tmp_path / "chronyd"),
                                         "log measurements", "port 0"]), tmp_path / "chronyd")
    assert ("0111", "I") in theirs, theirs
    assert ours == theirs, (ours, theirs)


def test_basic_client_stays_basic(chronyd_server, tmp_path):
    rows, ntpdata = measure(tmp_path, chronyd_server, "", 3)
    assert len(rows) >= 3 and all(r[1] == "B" for r in rows), rows
    assert re.search(r"^Interleaved\s*: No$", ntpdata, re.M), ntpdata


def test_chronyd_xleave_client_of_stratumd_reports_interleaved(stratumd_server, tmp_path):
    """Debian's chronyd with xleave against stratumd: its measurements turn
    'I' and chronyc ntpdata on its own socket says `Interleaved : Yes`."""
    sockdir = tmp_path / "chronyd-sock"
    sockdir.mkdir(mode=0o770)
    os.chmod(sockdir, 0o770)          # chronyd insists on no access for others
    sock = sockdir / "chronyd.sock"
    d = chronyd_daemon(tmp_path / "chronyd", [
        "server %s port %d minpoll 0 maxpoll 0 xleave" % stratumd_server,
        "logdir %s" % (tmp_path / "chronyd"), "log measurements",
        "cmdport 0", "bindcmdaddress %s" % sock])
    try:
        d.start()
        rows = wait_log_rows(d, tmp_path / "chronyd" / "measurements.log",
                             re.compile(r"^\d{4}-.* (\d)([BI]) \S \S\s*$", re.M), 5, 15.0)
        ntpdata = chronyc(str(sock), "ntpdata", stratumd_server[0])
    finally:
        print("---- chronyd (exit %s)\n%s" % (d.stop(), d.log()))
    print(rows, ntpdata)
    assert len(rows) >= 5 and rows[-1] == ("4", "I"), rows
    assert re.search(r"^Interleaved\s*: Yes$", ntpdata, re.M), ntpdata


def start_peers(tmp_path, chronyd_xleave, stratumd_xleave):
    """chronyd (local stratum 1) and stratumd peering on loopback at poll 0,
    each with a Unix command socket; returns (chronyd, stratumd, chronyd's
    socket, stratumd's socket, stratumd's measurements.log)."""
    require_stratumd()
    a, b = free_udp_port(), free_udp_port()
    sockdir = tmp_path / "sock"
    sockdir.mkdir(mode=0o770)
    os.chmod(sockdir, 0o770)          # chronyd insists on no access for others
    csock, ssock = sockdir / "chronyd.sock", sockdir / "stratumd.sock"
    c = chronyd_daemon(tmp_path / "chronyd", [
        "port %d" % b, "bindaddress 127.0.0.1", "local stratum 1",
        "peer 127.0.0.1 port %d minpoll 0 maxpoll 0 iburst%s" % (a, chronyd_xleave),
        "cmdport 0", "bindcmdaddress %s" % csock])
    s = Daemon(tmp_path / "stratumd", "\n".join([
        "port %d" % a, "bindaddress 127.0.0.1", "allow 127.0.0.1",
        "peer 127.0.0.1 port %d minpoll 0 maxpoll 0 iburst%s" % (b, stratumd_xleave),
        "logdir %s" % (tmp_path / "stratumd"), "log measurements",
        "bindcmdaddress %s" % ssock]) + "\n")
    c.start(wait_ports=[(4, b)])
    s.start(wait_ports=[(4, a)])
    return c, s, csock, ssock, tmp_path / "stratumd" / "measurements.log"


def stop_peers(c, s):
    print("---- stratumd (exit %s)\n%s" % (s.stop(), s.log()))
    print("---- chronyd (exit %s)\n%s" % (c.stop(), c.log()))


def ntpdata_fields(text):
    return dict(re.findall(r"^([^:\n]+?)\s*: (.*)$", text, re.M))


def test_xleave_peers_stratumd_and_chronyd(tmp_path):
    c, s, csock, ssock, log = start_peers(tmp_path, " xleave", " xleave")
    try:
        rows = wait_log_rows(s, log, ROW, 8, 20.0)
        assert wait_for(lambda: "Selected source 127.0.0.1" in s.log(), 10.0), s.log()
        ours = ntpdata_fields(chronyc(str(ssock), "ntpdata", "127.0.0.1"))
        # chronyd's ntpdata is of the last packet it received: on a loaded
        # machine one may have come too late to pair and been taken in basic
        # mode (seen once under two make checks and two busy loops), so the
        # next packets are awaited (a few polls, bounded).
        theirs = {}

        def chronyd_interleaved():
            theirs.update(ntpdata_fields(chronyc(str(csock), "ntpdata", "127.0.0.1")))
            return theirs.get("Interleaved") == "Yes"
        wait_for(chronyd_interleaved, 15.0)
    finally:
        stop_peers(c, s)
    print("\n".join(" ".join(r) for r in rows))
    print("stratumd's ntpdata:", ours)
    print("chronyd's ntpdata:", theirs)
    assert len(rows) >= 8, rows
    assert all(r[1] == "I" for r in rows[-3:]), rows
    assert rows[-1][2] == "K", rows            # our earlier transmit, the kernel's
    assert ours["Mode"] == "Symmetric active" and ours["Interleaved"] == "Yes", ours
    # chronyd measured stratumd's interleaved packets (no sample: stratumd is
    # synchronised to it, the loop test), and most were valid.
    assert theirs["Mode"] == "Symmetric active" and theirs["Interleaved"] == "Yes", theirs
    assert int(theirs["Total valid RX"]) * 2 >= int(theirs["Total RX"]), theirs


def test_xleave_peer_beside_basic_chronyd(tmp_path):
    """chronyd without xleave answers stratumd's interleaved packets in basic
    mode: stratumd then sends basic packets (trying again after 4, 8, 16...
    packets), synchronises, and chronyd keeps taking its packets as valid."""
    c, s, csock, ssock, log = start_peers(tmp_path, "", " xleave")
    try:
        rows = wait_log_rows(s, log, ROW, 12, 20.0)
        assert wait_for(lambda: "Selected source 127.0.0.1" in s.log(), 10.0), s.log()
        theirs = ntpdata_fields(chronyc(str(csock), "ntpdata", "127.0.0.1"))
    finally:
        stop_peers(c, s)
    print("\n".join(" ".join(r) for r in rows))
    print("chronyd's ntpdata:", theirs)
    assert len(rows) >= 12 and all(r[1] == "B" for r in rows), rows
    assert theirs["Interleaved"] == "No", theirs
    # Without the backoff every packet would be interleaved and none valid
    # for chronyd; with it, most are valid (in a 20 s run that starts with
    # attempts after 4 and 8 packets, at least a third).
    assert int(theirs["Total valid RX"]) * 3 >= int(theirs["Total RX"]), theirs
