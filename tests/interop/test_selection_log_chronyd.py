"""log selection beside chronyd 4.3: chronyd (-x) and stratumd (-x), each
with the same sources (stratumd serving local time, selected, and a
noselect source that never answers), write selection.log with the same
banner and the same rows: per selection one line per source, the server
going from 'M' (too few samples) to '*' with the same options, score and
growing reachability, the silent source 'N' with zeros."""
import re
import time

from ntptest import Daemon, chronyd_daemon, free_udp_port

TITLE = ("   Date (UTC) Time     IP Address   S EOpts Reach Score Last sample  Low end   "
         "High end")
ROW = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (\S+) +(\S) (\S+) +([0-7]+) +(\S+) +(\S+) +"
                 r"(\S+) +(\S+)$")
POLLS = 3          # selections with the server selected, each daemon


def rows_of(text):
    return [ROW.match(l) for l in text.splitlines()[3:]]


def read(path):
    """The whole lines written so far."""
    text = path.read_text() if path.exists() else ""
    return text[:text.rfind("\n") + 1]


def selected_rows(text, server):
    return [r for r in rows_of(text) if r and r.group(1) == server and r.group(2) == "*"]


def selections(rows):
    """The rows grouped by selection (a source named again starts the
    next); only whole ones, naming every source."""
    groups = []
    for r in rows:
        if not groups or r.group(1) in [g.group(1) for g in groups[-1]]:
            groups.append([])
        groups[-1].append(r)
    n = max(len(g) for g in groups)
    return [g for g in groups if len(g) == n]


def test_selection_log_as_chronyd(local_server, tmp_path):
    addr, port = local_server
    silent = free_udp_port()
    lines = ["server %s port %d iburst minpoll 0 maxpoll 0" % (addr, port),
             "server 127.0.0.2 port %d noselect minpoll 0 maxpoll 0" % silent,
             "log selection"]
    logs = {n: tmp_path / n / "logs" for n in ("chronyd", "stratumd")}
    for d in logs.values():
        d.mkdir(parents=True)
    chronyd = chronyd_daemon(tmp_path / "chronyd",
                             ["port 0", "logdir %s" % logs["chronyd"]] + lines)
    stratumd = Daemon(tmp_path / "stratumd",
                      "\n".join(["port 0", "logdir %s" % logs["stratumd"]] + lines) + "\n")
    paths = {n: d / "selection.log" for n, d in logs.items()}
    try:
        chronyd.start()
        stratumd.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(
                len(selected_rows(read(p), addr)) >= POLLS for p in paths.values()):
            assert chronyd.alive(), chronyd.log()
            assert stratumd.alive(), stratumd.log()
            time.sleep(0.2)
        # Read while running: chronyd logs more selections as it removes
        # its sources at exit.
        texts = {n: read(p) for n, p in paths.items()}
    finally:
        chronyd.stop()
        stratumd.stop()
    seen = {}
    for name, text in texts.items():
        assert text.splitlines()[:3] == ["=" * len(TITLE), TITLE, "=" * len(TITLE)], text
        rows = rows_of(text)
        assert rows and None not in rows, (name, text)
        assert len(selected_rows(text, addr)) >= POLLS, (name, text)
        groups = selections(rows)
        assert len(groups[0]) == 2, (name, text)
        server = [r for g in groups for r in g if r.group(1) == addr]
        other = [r for g in groups for r in g if r.group(1) == "127.0.0.2"]
        assert len(server) == len(other) == len(groups), (name, text)
        states = [r.group(2) for r in server]
        first = states.index("*")
        assert set(states[:first]) == {"M"} and set(states[first:]) == {"*"}, (name, states)
        reach = [int(r.group(4), 8) for r in server]
        assert reach == sorted(reach), (name, reach)
        for r in server:
            lo, hi = float(r.group(7)), float(r.group(8))
            assert lo <= hi and hi - lo < 0.1 and float(r.group(6)) >= 0, (name, r.group(0))
        seen[name] = ({(r.group(2), r.group(3), r.group(5)) for r in server},
                      {r.group(2, 3, 4, 5, 6, 7, 8) for r in other})
    assert seen["stratumd"] == seen["chronyd"], seen
