"""stratumc against a real chronyd 4.3 and against stratumd, side by side
with the real chronyc.

Two chronyds (or two stratumds) run with -x (the clock is never touched), on loopback only:
`upstream` serves `local stratum 3`; `chronyd` uses it as its one source and
listens for commands on UDP (127.0.0.1:<free port>) and on a Unix socket in
a directory of mode 0770 (chronyd refuses other modes).  Every command runs
through both clients, and the outputs must agree:

- `-c` output field for field, except the fields that change between two
  calls (times, ages, offsets, counters), listed per command in VOLATILE;
  from stratumd, stratumc's serverstats and ntpdata are chronyc 4.8's
  (stratumd answers their newer formats): chronyc 4.3's fields and lines,
  then the ones 4.8 added (NEWER);
- the human layout: the same header lines and the same column positions;
- `-j` parses as JSON with the expected keys;
- state-changing commands print the same status lines over the Unix
  socket, and "501 Not authorised" over UDP;
- a daemon that does not answer gives "506 Cannot talk to daemon" in
  bounded time; waitsync has chronyc's exit codes.
Each subprocess has a timeout; waits are bounded.
"""
import json
import os
import re
import socket
import subprocess
import time

import pytest

from ntptest import (BUILD, Daemon, chronyc_path, chronyd_daemon, free_udp_port, require_stratumd,
                     wait_for)

SYNC_TIMEOUT = 30.0
CMD_TIMEOUT = 20


def stratumc_path():
    p = BUILD / "stratumc"
    if not os.access(p, os.X_OK):
        pytest.skip("%s not built (run `make`)" % p)
    return p




class Daemons:
    """Addresses of the chronyd under test: UDP port and socket path."""

    def __init__(self, cmdport, sock, upstream_cmdport):
        self.cmdport = cmdport
        self.sock = sock
        self.upstream_cmdport = upstream_cmdport

    def udp(self):
        return ["-h", "127.0.0.1", "-p", str(self.cmdport)]

    def unix(self):
        return ["-h", str(self.sock)]


def run(binary, args, stdin=None):
    r = subprocess.run([str(binary)] + list(args), capture_output=True, text=True,
                       timeout=CMD_TIMEOUT, input=stdin,
                       stdin=None if stdin is not None else subprocess.DEVNULL)
    return r.returncode, r.stdout, r.stderr


def both(args):
    """(chronyc's, stratumc's) (rc, stdout, stderr) for the same arguments,
    stratumc right after chronyc so the volatile fields differ little."""
    return run(chronyc_path(), args), run(stratumc_path(), args)


def both_settled(args, stdin=None, tries=10):
    """As both(), for output that must be equal field for field (activity):
    chronyc is asked again after stratumc, and if the daemon's state changed
    meanwhile (a burst ended on a busy machine), all three are asked again,
    up to `tries` times, 0.5 s apart."""
    for _ in range(tries):
        theirs = run(chronyc_path(), args, stdin=stdin)
        ours = run(stratumc_path(), args, stdin=stdin)
        if run(chronyc_path(), args, stdin=stdin) == theirs:
            break
        time.sleep(0.5)
    return theirs, ours


def start_pair(kind, base, up_port, up_cmd, port, cmdport, sock):
    """An upstream serving `local stratum 3` and a client of it with command
    sockets: both chronyd, or both stratumd (-x)."""
    up = ["port %d" % up_port, "bindaddress 127.0.0.1", "allow 127.0.0.1", "local stratum 3",
          "cmdport %d" % up_cmd, "bindcmdaddress 127.0.0.1", "bindcmdaddress /"]
    cl = ["port %d" % port, "bindaddress 127.0.0.1", "allow 127.0.0.1",
          "server 127.0.0.1 port %d iburst minpoll 4 maxpoll 4" % up_port,
          "cmdport %d" % cmdport, "bindcmdaddress 127.0.0.1", "bindcmdaddress %s" % sock]
    if kind == "chronyd":
        return chronyd_daemon(base / "upstream", up), chronyd_daemon(base / "client", cl)
    require_stratumd()
    return (Daemon(base / "upstream", "\n".join(up) + "\n"),
            Daemon(base / "client", "\n".join(cl) + "\n"))


@pytest.fixture(scope="module", params=["chronyd", "stratumd"])
def daemons(request, tmp_path_factory):
    chronyc_path()
    stratumc_path()
    base = tmp_path_factory.mktemp("stratumc-" + request.param)
    up_port, up_cmd = free_udp_port(), free_udp_port()
    port, cmdport = free_udp_port(), free_udp_port()
    sockdir = base / "run"
    sockdir.mkdir()
    os.chmod(str(sockdir), 0o770)
    sock = sockdir / "chronyd.sock"
    upstream, client = start_pair(request.param, base, up_port, up_cmd, port, cmdport, sock)
    try:
        upstream.start(wait_ports=[(4, up_port)])
        client.start(wait_ports=[(4, cmdport)])
        d = Daemons(cmdport, sock, up_cmd)
        d.kind = request.param
        synced = wait_for(lambda: ",*," in run(chronyc_path(), d.udp() + ["-c", "sources"])[1],
                          SYNC_TIMEOUT)
        assert synced, client.log()
        # one NTP client for `clients` to list
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1.0)
            s.sendto(b"\x23" + b"\0" * 39 + os.urandom(8), ("127.0.0.1", port))
            s.recv(100)
        yield d
    finally:
        for name, daemon in (("client", client), ("upstream", upstream)):
            rc = daemon.stop()
            print("---- %s %s (exit %s)\n%s" % (request.param, name, rc, daemon.log()))


# ------------------------------------------------------------ -c field for field

# Indices of the CSV fields that may change between two calls.
VOLATILE = {
    "tracking": set(range(3, 13)),
    "sources": {5, 6, 7, 8, 9},
    "sourcestats": set(range(1, 8)),
    "selectdata": {13, 14, 15, 16},
    "activity": set(),
    "serverstats": {2},
    "ntpdata": {17, 18, 19, 20, 21, 22, 30, 31, 32, 33},
    "clients": {5, 6, 8, 9},
    "authdata": set(),
}

# Over UDP chronyd answers the first group; the second only on its socket.
UDP_COMMANDS = ["tracking", "sources", "sourcestats", "activity"]
SOCKET_COMMANDS = ["serverstats", "ntpdata", "selectdata", "clients", "authdata"]


def shape(field):
    """A CSV number's shape: its decimals (and exponent) with every digit 0;
    any integer is "0"."""
    field = field.lstrip("-")
    if "." not in field:
        return re.sub(r"\d+", "0", field)
    return re.sub(r"\d", "0", field.split(".", 1)[1])


# What chronyc 4.8 prints after chronyc 4.3's lines (serverstats from 4.4,
# ntpdata from 4.6): labels of the human form; in -c, as many more fields.
NEWER = {
    "serverstats": ["NTP daemon RX timestamps   ", "NTP daemon TX timestamps   ",
                    "NTP kernel RX timestamps   ", "NTP kernel TX timestamps   ",
                    "NTP hardware RX timestamps ", "NTP hardware TX timestamps "],
    "ntpdata": ["Total kernel TX ", "Total kernel RX ", "Total HW TX     ",
                "Total HW RX     "],
}


def newer_fields(daemons, command):
    """How many fields stratumc prints beyond chronyc 4.3's."""
    return len(NEWER.get(command, [])) if daemons.kind == "stratumd" else 0


def compare_csv(command, theirs, ours, extra=0):
    assert theirs[0] == ours[0] == 0, (theirs, ours)
    t_lines, o_lines = theirs[1].splitlines(), ours[1].splitlines()
    assert len(t_lines) == len(o_lines) > 0, (theirs[1], ours[1])
    for t, o in zip(t_lines, o_lines):
        tf, of = t.split(","), o.split(",")
        assert len(tf) + extra == len(of), (t, o)
        assert all(f.isdigit() for f in of[len(tf):]), o
        of = of[:len(tf)]
        for i, (a, b) in enumerate(zip(tf, of)):
            if i in VOLATILE[command]:
                # same shape: a number with as many decimals (an integer
                # may gain a digit between the calls: 99, then 100)
                assert shape(a) == shape(b), (i, t, o)
            else:
                assert a == b, "field %d differs:\n%s\n%s" % (i, t, o)


@pytest.mark.parametrize("command", UDP_COMMANDS)
def test_csv_equals_chronyc_over_udp(daemons, command):
    ask = both_settled if command == "activity" else both
    compare_csv(command, *ask(daemons.udp() + ["-c", command]))


@pytest.mark.parametrize("command", UDP_COMMANDS + SOCKET_COMMANDS)
def test_csv_equals_chronyc_over_the_socket(daemons, command):
    ask = both_settled if command == "activity" else both
    compare_csv(command, *ask(daemons.unix() + ["-c", command]),
                extra=newer_fields(daemons, command))


# ------------------------------------------------------------ human layout

# The leading columns of a table row that do not change between calls.
STABLE_PREFIX = {"sources": 35, "sourcestats": 25, "selectdata": 39, "clients": 25,
                 "authdata": 73, "activity": 80}


def label(line):
    return line.split(":", 1)[0] if ":" in line else line


@pytest.mark.parametrize("command", ["tracking", "ntpdata", "serverstats"])
def test_human_report_has_chronyc_labels(daemons, command):
    theirs, ours = both(daemons.unix() + [command])
    assert theirs[0] == ours[0] == 0, (theirs, ours)
    t_lines, o_lines = theirs[1].splitlines(), ours[1].splitlines()
    extra = newer_fields(daemons, command)
    if extra:
        assert [label(l) for l in o_lines[-extra:]] == NEWER[command], ours[1]
        assert all(re.match(r"^[^:]*: \d+$", l) for l in o_lines[-extra:]), ours[1]
        o_lines = o_lines[:-extra]
    assert [label(l) for l in t_lines] == [label(l) for l in o_lines], ours[1]
    # the value columns start at the same place
    assert [l.find(":") for l in t_lines] == [l.find(":") for l in o_lines]


@pytest.mark.parametrize("command", ["sources", "sourcestats", "selectdata", "clients",
                                     "authdata", "activity"])
@pytest.mark.parametrize("verbose", [False, True])
def test_human_table_has_chronyc_layout(daemons, command, verbose):
    if verbose and command in ("clients", "activity"):
        pytest.skip("no -v legend")
    args = daemons.unix() + [command] + (["-v"] if verbose else [])
    theirs, ours = (both_settled if command == "activity" else both)(args)
    assert theirs[0] == ours[0] == 0, (theirs, ours)
    t_lines, o_lines = theirs[1].splitlines(), ours[1].splitlines()
    assert len(t_lines) == len(o_lines), (theirs[1], ours[1])
    n = STABLE_PREFIX[command]
    for t, o in zip(t_lines, o_lines):
        assert len(t) == len(o), (t, o)
        if set(t) <= set("=") or not re.search(r"\d", t):
            assert t == o          # legends, headers, rules
        else:
            assert t[:n] == o[:n], (t, o)
            # every column ends where chronyc's does
            assert [m.end() for m in re.finditer(r"\S+", t)] == \
                [m.end() for m in re.finditer(r"\S+", o)] or \
                [m.start() for m in re.finditer(r"\S+", t)] == \
                [m.start() for m in re.finditer(r"\S+", o)], (t, o)


def test_synchronised_source_is_marked(daemons):
    rc, out, _ = run(stratumc_path(), daemons.udp() + ["sources"])
    assert rc == 0
    assert re.search(r"^\^\* ", out, re.M), out


# ------------------------------------------------------------ metrics (Stratum's own)

def metric_lines(text):
    """{sample line without its value: value}, checking each line's form."""
    samples = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = re.match(r'^(chrony_[a-z_]+(?:\{[^}]*\})?) (\S+)$', line)
        assert m, line
        samples[m.group(1)] = float(m.group(2))
    return samples


def test_metrics(daemons):
    """stratumc metrics renders the same reports from chronyd as from
    stratumd: the client at stratum 4, its source, its counts. (Before the
    tests that change the daemons' state.)"""
    rc, out, err = run(stratumc_path(), daemons.unix() + ["metrics"])
    assert (rc, err) == (0, ""), err
    m = metric_lines(out)
    src = 'source_address="127.0.0.1",source_name="127.0.0.1"'
    assert m["chrony_tracking_stratum"] == 4
    assert m["chrony_tracking_remote_reference"] == 1
    assert m['chrony_tracking_info{tracking_address="127.0.0.1",tracking_name="127.0.0.1",'
             'tracking_refid="7F000001"}'] == 1
    assert m['chrony_sources_state_info{%s,source_state="sync",source_mode="client"}' % src] == 1
    assert m["chrony_sources_stratum{%s}" % src] == 3
    assert m["chrony_sources_polling_interval_seconds{%s}" % src] == 16
    assert "chrony_sources_peer_delay_seconds{%s}" % src in m
    assert m["chrony_sourcestats_samples{%s}" % src] >= 1
    assert m["chrony_serverstats_ntp_packets_received_total"] >= 1
    assert m["chrony_serverstats_client_log_records"] >= 1
    assert m["chrony_up"] == 1
    # over UDP: what is open there
    rc, out, err = run(stratumc_path(), daemons.udp() + ["metrics"])
    assert (rc, err) == (0, ""), err
    m = metric_lines(out)
    assert m["chrony_tracking_stratum"] == 4 and m["chrony_up"] == 1
    assert not [k for k in m if k.startswith(("chrony_serverstats", "chrony_sources_peer"))]


# ------------------------------------------------------------ JSON

JSON_KEYS = {
    "tracking": {"ref_id", "name", "stratum", "ref_time", "system_time_correction",
                 "last_offset", "rms_offset", "frequency_ppm", "residual_frequency_ppm",
                 "skew_ppm", "root_delay", "root_dispersion", "update_interval",
                 "leap_status"},
    "activity": {"online", "offline", "burst_online", "burst_offline", "unresolved"},
    "serverstats": {"ntp_packets_received", "command_packets_received"},
}
JSON_LIST_KEYS = {
    "sources": ("sources", {"mode", "state", "name", "stratum", "poll", "reach", "last_rx",
                            "adjusted_offset", "measured_offset", "error"}),
    "sourcestats": ("sources", {"name", "samples", "runs", "span", "frequency_ppm",
                                "frequency_skew_ppm", "offset", "std_dev"}),
    "selectdata": ("sources", {"state", "name", "score", "lo_limit", "hi_limit", "leap"}),
    "ntpdata": ("sources", {"remote_address", "remote_port", "stratum", "offset",
                            "peer_delay", "total_rx"}),
    "clients": ("clients", {"name", "ntp_hits", "cmd_hits"}),
    "authdata": ("sources", {"name", "mode", "key_id"}),
}


def test_json_one_object_per_command(daemons):
    commands = list(JSON_KEYS) + list(JSON_LIST_KEYS)
    rc, out, err = run(stratumc_path(), daemons.unix() + ["-j", "-m"] + commands)
    assert rc == 0, err
    objects = [json.loads(line) for line in out.splitlines()]
    assert [o["command"] for o in objects] == commands
    for o in objects:
        if o["command"] in JSON_KEYS:
            assert JSON_KEYS[o["command"]] <= set(o), o
        else:
            key, members = JSON_LIST_KEYS[o["command"]]
            assert o[key], o
            for item in o[key]:
                assert members <= set(item), item
    tracking = objects[0]
    assert tracking["stratum"] == 4 and tracking["leap_status"] == "Normal"
    assert isinstance(tracking["ref_time"], float) and isinstance(tracking["skew_ppm"], float)
    sources = objects[commands.index("sources")]["sources"]
    assert sources[0]["state"] == "*" and sources[0]["stratum"] == 3


def test_json_reports_status_and_errors(daemons):
    rc, out, _ = run(stratumc_path(), daemons.udp() + ["-j", "burst 1/2"])
    assert rc == 1
    assert json.loads(out) == {"command": "burst", "status": 501, "message": "Not authorised"}
    rc, out, err = run(stratumc_path(), daemons.udp() + ["-j", "bogus"])
    assert rc == 1 and json.loads(out)["error"] == "Unrecognized command"
    assert err.strip() == "Unrecognized command"


# ------------------------------------------------------------ state-changing commands

STATE_COMMANDS = [
    "burst 2/4", "burst 2/4 127.0.0.1", "makestep 0.1 3", "makestep", "online",
    "offline 127.0.0.1", "online 127.0.0.1", "onoffline", "add server 127.0.0.1",
    "delete 192.0.2.1", "reselect", "dump", "accheck 127.0.0.1", "cmdaccheck 127.0.0.1",
    "minpoll 127.0.0.1 4", "maxpoll 127.0.0.1 4", "local off", "smoothtime reset",
]


@pytest.mark.parametrize("command", STATE_COMMANDS)
def test_state_command_over_socket_prints_chronyc_status(daemons, command):
    theirs, ours = both(daemons.unix() + [command])
    assert ours[:2] == theirs[:2], (theirs, ours)
    assert re.match(r"^\d{3} ", ours[1]), ours


@pytest.mark.parametrize("command", ["burst 2/4", "makestep", "online", "offline",
                                     "add server 127.0.0.1", "delete 127.0.0.1"])
def test_state_command_over_udp_is_not_authorised(daemons, command):
    theirs, ours = both(daemons.udp() + [command])
    assert ours[:2] == theirs[:2] == (1, "501 Not authorised\n"), (theirs, ours)


def test_add_and_delete_a_source(daemons):
    """add server, then delete: both clients see the same source list."""
    sc = stratumc_path()
    assert run(sc, daemons.unix() + ["add server 127.0.0.2 port 9 offline"])[:2] == \
        (0, "200 OK\n")
    assert "127.0.0.2" in run(sc, daemons.unix() + ["-c", "sources"])[1]
    theirs, ours = both(daemons.unix() + ["add server 127.0.0.2 offline"])
    assert ours[:2] == theirs[:2] == (1, "511 Source already present\n")
    assert run(sc, daemons.unix() + ["delete 127.0.0.2"])[:2] == (0, "200 OK\n")
    theirs, ours = both(daemons.unix() + ["delete 127.0.0.2"])
    assert ours[:2] == theirs[:2] == (1, "503 No such source\n")


def test_selectopts_and_offset(daemons):
    """chronyc 4.8's selectopts and offset (chronyc 4.3 has neither):
    chronyd 4.3 does not know the requests (502 Invalid command); stratumd
    changes the source's options, which selectdata shows, and its offset
    option; over UDP both are refused as every command that changes state."""
    sc = stratumc_path()
    commands = ["selectopts 127.0.0.1 +trust", "offset 127.0.0.1 0.0",
                "selectopts 127.0.0.1 -trust"]
    for command in commands:
        rc, out, err = run(sc, daemons.unix() + [command])
        if daemons.kind == "chronyd":
            assert (rc, out) == (1, "502 Invalid command\n"), (command, rc, out, err)
            continue
        assert (rc, out) == (0, "200 OK\n"), (command, rc, out, err)
        if command == commands[0]:
            row = run(sc, daemons.unix() + ["-c", "selectdata"])[1].split(",")
            # configured and effective: trust
            assert row[1] == "127.0.0.1" and row[5] == row[10] == "T", row
    if daemons.kind == "stratumd":
        row = run(sc, daemons.unix() + ["-c", "selectdata"])[1].split(",")
        assert row[5] == row[10] == "-", row
        assert run(sc, daemons.unix() + ["offset 192.0.2.1 0.1"])[:2] == \
            (1, "503 No such source\n")
        assert run(sc, daemons.unix() + ["selectopts GPS +prefer"])[:2] == \
            (1, "503 No such source\n")
    assert run(sc, daemons.udp() + [commands[0]])[:2] == \
        (1, "501 Not authorised\n" if daemons.kind == "stratumd" else "502 Invalid command\n")


def test_reload_config_is_stratums_own(daemons):
    """stratumc's reload config: a request code chronyd does not know, so it
    answers 502 Invalid command (and nothing changes), over UDP too;
    stratumd reloads (the file is unchanged: no change), and over UDP
    answers 501 Not authorised, as for every command that changes it."""
    sc = stratumc_path()
    for args in (["reload", "config"], ["reload", "config", "--dry-run"]):
        rc, out, err = run(sc, daemons.unix() + args)
        if daemons.kind == "chronyd":
            assert (rc, out) == (1, "502 Invalid command\n"), (rc, out, err)
            assert run(sc, daemons.udp() + args)[:2] == (1, "502 Invalid command\n")
        else:
            assert rc == 0 and "No change in the configuration" in out and \
                out.endswith("200 OK\n"), (rc, out, err)
            assert run(sc, daemons.udp() + args)[:2] == (1, "501 Not authorised\n")
    assert run(sc, daemons.unix() + ["-c", "sources"])[0] == 0   # still serving


def test_syntax_errors_match_chronyc(daemons):
    for command in ["bogus", "burst", "delete", "dfreq x", "local foo", "online 1.2.3.4/xx",
                    "add foo", "add server 127.0.0.1 key 0", "reload foo", "manual foo"]:
        theirs, ours = both(daemons.unix() + [command])
        assert ours == theirs, (command, theirs, ours)


def test_commands_from_stdin_and_multi(daemons):
    lines = "activity\n\n# a comment\nbogus\nactivity\n"
    theirs, ours = both_settled(daemons.udp(), stdin=lines)
    assert ours == theirs
    theirs, ours = both_settled(daemons.udp() + ["-m", "activity", "bogus", "activity"])
    assert ours == theirs and ours[0] == 1


def test_unix_client_socket_is_removed(daemons):
    before = set(os.listdir(str(daemons.sock.parent)))
    assert run(stratumc_path(), daemons.unix() + ["activity"])[0] == 0
    assert set(os.listdir(str(daemons.sock.parent))) == before


# ------------------------------------------------------------ no daemon, waitsync

def test_silent_daemon_gives_506_in_bounded_time():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        args = ["-h", "127.0.0.1", "-p", str(silent.getsockname()[1]), "-m", "timeout 100",
                "tracking"]
        start = time.monotonic()
        rc, out, _ = run(stratumc_path(), args)
        elapsed = time.monotonic() - start
        assert (rc, out) == (1, "506 Cannot talk to daemon\n")
        assert 0.6 < elapsed < 5.0, elapsed    # 0.1 + 0.2 + 0.4 s of waiting
        assert run(chronyc_path(), args)[:2] == (rc, out)


def test_closed_port_and_missing_socket():
    port = free_udp_port()
    theirs, ours = both(["-h", "127.0.0.1", "-p", str(port), "tracking"])
    assert ours == theirs == (1, "506 Cannot talk to daemon\n", "")
    theirs, ours = both(["-h", "/nonexistent/stratumd.sock", "tracking"])
    assert ours[:2] == theirs[:2] == (1, "")
    assert ours[2] == theirs[2] == "Could not open connection to daemon\n"


def test_waitsync_exit_codes(daemons):
    sc = stratumc_path()
    # synchronised: the first try succeeds
    rc, out, _ = run(sc, daemons.unix() + ["waitsync 3 0 0 0.1"])
    assert rc == 0 and out.startswith("try: 1, refid: 7F000001,"), out
    # the upstream serves its local clock only: never synchronised
    up = ["-h", "127.0.0.1", "-p", str(daemons.upstream_cmdport)]
    theirs, ours = both(up + ["waitsync 3 0 0 0.1"])
    assert ours[0] == theirs[0] == 1
    assert [l[:22] for l in ours[1].splitlines()] == [l[:22] for l in theirs[1].splitlines()]
    assert len(ours[1].splitlines()) == 3
    # a skew limit no daemon meets (its estimate is never that small)
    rc, out, _ = run(sc, daemons.unix() + ["waitsync 2 0 1e-9 0.1"])
    assert rc == 1 and len(out.splitlines()) == 2, out


@pytest.mark.parametrize("line", ["keygen", "keygen 73 SHA1 256", "keygen 151 AES128",
                                  "keygen 2 AES256 8", "keygen 5 MD5 1", "keygen -1 SHA512 9000",
                                  "keygen 12abc SHA256", "keygen 1 NOSUCHTYPE", "keygen 1 sha1",
                                  "keygen x", "keygen 1 SHA1 x", "keygen 1 SHA1 160 9"])
def test_keygen_as_chronyc(line):
    """keygen needs no daemon (a UDP address nobody answers on is enough to
    start): the same exit status, and the same line but for the random
    hex digits (their count too), or the same error."""
    port = free_udp_port()
    theirs, ours = both(["-h", "127.0.0.1", "-p", str(port), line])
    assert theirs[0] == ours[0], (theirs, ours)
    assert re.sub(r"HEX:[0-9A-F]+", lambda m: "HEX:%d" % len(m.group()), theirs[1]) == \
        re.sub(r"HEX:[0-9A-F]+", lambda m: "HEX:%d" % len(m.group()), ours[1]), (theirs, ours)
    assert theirs[2].strip() == ours[2].strip(), (theirs, ours)
