"""stratumc -N (sources' names as given to the daemon) beside Debian's
chronyc 4.3 -N, against a chronyd 4.3 and against a stratumd (-x, loopback
only, private ports and socket).

The daemon under test has sources whose names are not their addresses'
text, and need no resolver: IPv6 addresses written out in full
("0:0:0:0:0:0:0:1" is ::1, where an upstream of the same kind serves
`local stratum 3`; a 39-character one is ::ffff:127.0.0.2, where nothing
answers), an IPv4 address (127.0.0.3, its own name) and a reference clock
(SOCK, refid TST, which keeps its letters).  Both clients must print the
same names in every report chronyc names sources in, human and CSV, and
those are the configured ones; the daemon's answer is the same from
chronyd and stratumd, and so is its log's line naming the selected source.  Each subprocess has a timeout; waits are bounded.
"""
import os
import re
import subprocess

import pytest

from ntptest import (BUILD, Daemon, chronyc_path, chronyd_daemon, free_udp_port, ipv6_loopback,
                     require_stratumd, wait_for)

SYNC_TIMEOUT = 30.0
CMD_TIMEOUT = 20

SELECTED = "0:0:0:0:0:0:0:1"
LONG = "0000:0000:0000:0000:0000:ffff:7f00:0002"
NAMES = {SELECTED, LONG, "127.0.0.3", "TST"}
ADDRESSES = {"::1", "::ffff:127.0.0.2", "127.0.0.3", "TST"}
CLIENTS = {}                     # socket -> the daemon behind it (its log)


def stratumc_path():
    p = BUILD / "stratumc"
    if not os.access(p, os.X_OK):
        pytest.skip("%s not built (run `make`)" % p)
    return p


def run(binary, sock, *args):
    r = subprocess.run([str(binary), "-h", str(sock)] + list(args), capture_output=True,
                       text=True, timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout, r.stderr


def start(kind, workdir, lines):
    if kind == "chronyd":
        return chronyd_daemon(workdir, lines)
    require_stratumd()
    return Daemon(workdir, "\n".join(lines) + "\n")


@pytest.fixture(scope="module", params=["chronyd", "stratumd"])
def sock(request, tmp_path_factory):
    chronyc_path()
    stratumc_path()
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback")
    base = tmp_path_factory.mktemp("names-" + request.param)
    up_port, silent_port = free_udp_port("::1"), free_udp_port()
    sockdir = base / "run"
    sockdir.mkdir()
    os.chmod(str(sockdir), 0o770)      # chronyd refuses other modes
    sock = sockdir / "chronyd.sock"
    upstream = start(request.param, base / "upstream",
                     ["port %d" % up_port, "bindaddress ::1", "allow ::1", "local stratum 3"])
    client = start(request.param, base / "client", [
        "port 0",
        "server %s port %d iburst minpoll 4 maxpoll 4" % (SELECTED, up_port),
        "server %s port %d minpoll 4 maxpoll 4" % (LONG, silent_port),
        "server 127.0.0.3 port %d minpoll 4 maxpoll 4" % silent_port,
        "refclock SOCK %s refid TST" % (base / "refclock.sock"),
        "cmdport 0", "bindcmdaddress %s" % sock])
    try:
        upstream.start(wait_ports=[(6, up_port)])
        client.start()
        synced = wait_for(lambda: ",*," in run(chronyc_path(), sock, "-c", "sources")[1],
                          SYNC_TIMEOUT)
        assert synced, client.log()
        CLIENTS[sock] = client
        yield sock
    finally:
        for name, daemon in (("client", client), ("upstream", upstream)):
            rc = daemon.stop()
            print("---- %s %s (exit %s)\n%s" % (request.param, name, rc, daemon.log()))


# Where a report has its names: the CSV field, the word of a table's row.
CSV_FIELD = {"sources": 2, "sourcestats": 0, "selectdata": 1, "authdata": 0, "tracking": 1}
WORD = {"sources": 1, "sourcestats": 0, "selectdata": 1, "authdata": 0}


def names(command, csv, out):
    lines = out.splitlines()
    if csv:
        return [l.split(",")[CSV_FIELD[command]] for l in lines]
    if command == "tracking":
        return [m.group(1) for l in lines for m in [re.match(r"Reference ID +: \S+ \((.*)\)$", l)]
                if m]
    rows = lines[[i for i, l in enumerate(lines) if l.startswith("====")][0] + 1:]
    # sources: the mode and state characters are one word with the name
    # when the state is blank; they are always the first 3 columns
    if command == "sources":
        return [l[3:].split()[0] for l in rows]
    return [l.split()[WORD[command]] for l in rows]


@pytest.mark.parametrize("csv", [False, True], ids=["human", "csv"])
@pytest.mark.parametrize("command", sorted(CSV_FIELD))
def test_names_as_chronyc(sock, command, csv):
    args = ["-N"] + (["-c"] if csv else []) + [command]
    theirs = run(chronyc_path(), sock, *args)
    ours = run(stratumc_path(), sock, *args)
    assert ours[0] == theirs[0] == 0, (theirs, ours)
    assert ours[2] == theirs[2]
    expected = names(command, csv, theirs[1])
    assert expected, theirs
    assert names(command, csv, ours[1]) == expected, (theirs[1], ours[1])


def test_names_are_the_configured_ones(sock):
    rc, out, err = run(stratumc_path(), sock, "-N", "-c", "sources")
    assert rc == 0, err
    assert set(names("sources", True, out)) == NAMES
    rc, out, err = run(stratumc_path(), sock, "-c", "sources")
    assert rc == 0, err
    assert set(names("sources", True, out)) == ADDRESSES
    rc, out, err = run(stratumc_path(), sock, "-N", "tracking")
    assert rc == 0, err
    assert names("tracking", False, out) == [SELECTED]


def test_long_name_is_printed_whole(sock):
    rc, out, err = run(stratumc_path(), sock, "-N", "sources")
    assert rc == 0, err
    assert any(l[3:].startswith(LONG + " ") for l in out.splitlines()), out


def test_usage_lists_N_where_chronyc_does():
    def options(binary):
        r = subprocess.run([str(binary), "--help"], capture_output=True, text=True,
                           timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
        return [l.split("\t")[0].strip() for l in r.stdout.splitlines() if l.startswith("  -")]
    theirs, ours = options(chronyc_path()), options(stratumc_path())
    assert "-N" in theirs
    before = theirs[theirs.index("-N") - 1]
    assert ours.index("-N") == ours.index(before) + 1, ours


def test_selection_log_names_the_source(sock):
    """chronyd's selection messages give the address and, when it differs,
    the name the source was given: the same line from both daemons."""
    line = "Selected source ::1 (%s)" % SELECTED
    log = CLIENTS[sock].log()
    assert line in log, log
