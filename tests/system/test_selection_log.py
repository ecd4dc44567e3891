"""log selection: stratumd (-x) with a server it selects and a noselect
source that never answers writes selection.log as chronyd does: chrony's
banner, then for each selection a line per source with its state letter,
effective options, reachability (octal), score, time since its last
sample and the ends of its interval."""
import re
import time

from ntptest import Daemon, free_udp_port, start_server

TITLE = ("   Date (UTC) Time     IP Address   S EOpts Reach Score Last sample  Low end   "
         "High end")
ROW = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (\S+) +(\S) (-[-N][-P][-T][-R]) +([0-7]+) +"
                 r"(\d+\.\d\d) +(\S+) +(\S+) +(\S+)$")


def rows_of(path):
    if not path.exists():
        return []
    return [ROW.match(l) for l in path.read_text().splitlines()[3:]]


def test_selection_log_lines(tmp_path):
    server, (addr, port) = start_server(tmp_path / "server")
    logdir = tmp_path / "logs"
    logdir.mkdir()
    silent = free_udp_port("127.0.0.1")
    client = Daemon(tmp_path / "client", "\n".join([
        "port 0", "server %s port %d iburst minpoll 4 maxpoll 4" % (addr, port),
        "server 127.0.0.2 port %d noselect minpoll 4 maxpoll 4" % silent,
        "logdir %s" % logdir, "log selection"]) + "\n")
    path = logdir / "selection.log"
    try:
        client.start()
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and not any(
                r and r.group(3) == "*" for r in rows_of(path)):
            time.sleep(0.2)
    finally:
        client.stop()
        server.stop()
    assert "not implemented" not in client.log(), client.log()
    lines = path.read_text().splitlines()
    assert lines[:3] == ["=" * len(TITLE), TITLE, "=" * len(TITLE)], lines[:3]
    rows = rows_of(path)
    assert rows and None not in rows, lines
    # Each selection names every source once, both at the same time.
    assert len(rows) % 2 == 0, lines
    for a, b in zip(rows[::2], rows[1::2]):
        assert a.group(1) == b.group(1) and {a.group(2), b.group(2)} == {addr, "127.0.0.2"}, lines
    mine = [r for r in rows if r.group(2) == addr]
    other = [r for r in rows if r.group(2) == "127.0.0.2"]
    for r in other:
        assert r.group(3, 4, 5, 6, 7, 8, 9) == ("N", "-N---", "0", "1.00", "0.000e+00",
                                                "0.000e+00", "0.000e+00"), r.group(0)
    # The server: too few samples ('M') at first, then selected; its
    # reachability grows by a bit each poll; its interval holds the offset
    # (0 here, the same clock) and spans its root distance.
    states = [r.group(3) for r in mine]
    assert states[0] == "M" and states[-1] == "*", states
    assert set(states) <= {"M", "*"}, states
    reach = [int(r.group(5), 8) for r in mine]
    assert reach == sorted(reach) and reach[-1] > 1, reach
    for r in mine:
        assert r.group(4) == "-----" and r.group(6) == "1.00", r.group(0)
        ago, lo, hi = float(r.group(7)), float(r.group(8)), float(r.group(9))
        assert 0 <= ago < 20 and lo <= 0 <= hi and hi - lo < 0.1, r.group(0)
