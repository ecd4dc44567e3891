"""Names that do not resolve, as Debian's chronyd 4.3 and stratumd show
them: each line given by name holds its place with sources of unknown
address (a server's or peer's one, a pool's 2 x maxsources), listed by
`sources -a` as ID# and a number, hidden by `sources`, named by `-N`, and
counted by `activity`; a name that resolves takes its placeholder's place.
chronyc -n sources -a, sources, -N sources -a and activity print the same
text for both daemons, and stratumc prints it too against stratumd.

Both daemons (-x) run in a private mount namespace whose /etc/hosts names
one source (test_source_order.py's way: root only, skipped otherwise) and
whose resolv.conf names a loopback address with no server, so no query
leaves the machine and the other names fail. Nothing answers the NTP
sources: they only have to be listed; every wait is bounded."""
import re

from ntptest import Daemon, chronyc_rc, chronyd_daemon, free_udp_port, stratumc, wait_for
from test_source_order import namespace, private_dir, run_in  # noqa: F401 (a fixture)

RESOLVE_TIMEOUT = 10.0
LATE = "127.0.0.22"             # late.test in test_source_order's hosts file
COMMANDS = (("-n", "sources", "-a"), ("-n", "sources"), ("-N", "sources", "-a"), ("activity",))


def config(port):
    """Names that cannot resolve (a server, a pool of maxsources 2, a
    peer) around a server given by address and one whose name resolves."""
    return ["server nowhere.test port %d" % port,
            "server 127.0.0.21 port %d" % port,
            "pool nopool.test port %d maxsources 2" % port,
            "peer nopeer.test port %d" % port,
            "server late.test port %d" % port]


def placeholders(text):
    """The ID# rows of a sources listing."""
    return re.findall(r"^[\^=]\? (ID#\d{10}) ", text, re.M)


def reports(client, sock):
    """The commands' outputs, once late.test has resolved."""
    out = {}

    def resolved():                 # (chronyd's socket comes after its start)
        rc, text = client(sock, "-n", "sources", "-a")
        return rc == 0 and LATE in text
    assert wait_for(resolved, RESOLVE_TIMEOUT)
    for command in COMMANDS:
        rc, text = client(sock, *command)
        assert rc == 0, (command, text)
        out[command] = text
    return out


# Short names: chronyc binds its own socket beside the daemon's
# (chronyc.PID.sock), and a Unix socket's path has at most 107 bytes (CI's
# temporary directories leave about 30 for these).
def start_chronyd(work, lines, namespace, started):
    """Debian's chronyd with lines, its command socket in the private
    directory work, in the namespace; the socket."""
    work = private_dir(work)
    sock = work / "d.sock"
    d = chronyd_daemon(work, lines + ["bindcmdaddress %s" % sock])
    started.append(d)
    run_in(d, namespace)
    return sock


def start_stratumd(work, lines, namespace, started):
    """stratumd the same way; the socket."""
    work.mkdir()
    sock = private_dir(work / "k") / "d.sock"
    d = Daemon(work, "\n".join(lines + ["bindcmdaddress %s" % sock]) + "\n")
    started.append(d)
    run_in(d, namespace)
    return sock


def stop_all(started):
    for d in started:
        rc = d.stop()
        print("---- %s (exit %s)\n%s" % (d.binary, rc, d.log()))


def test_unresolved_names_as_chronyd(tmp_path, namespace):  # noqa: F811
    port = free_udp_port()
    started = []
    try:
        lines = config(port) + ["port 0", "cmdport 0"]
        csock = start_chronyd(tmp_path / "c", lines, namespace, started)
        ssock = start_stratumd(tmp_path / "s", lines, namespace, started)

        want = reports(chronyc_rc, csock)
        listed = want[("-n", "sources", "-a")]
        # chronyd's: the server's ID#1, the pool's four, the peer's, in
        # their lines' places; late.test in its own
        assert placeholders(listed) == ["ID#%010d" % i for i in range(1, 7)], listed
        assert listed.index("ID#0000000001") < listed.index("127.0.0.21") < \
            listed.index("ID#0000000006") < listed.index(LATE), listed
        assert "ID#" not in want[("-n", "sources")]
        assert "6 sources with unknown address" in want[("activity",)]
        for client in (chronyc_rc, stratumc):
            got = reports(client, ssock)
            for command in COMMANDS:
                assert got[command] == want[command], (client.__name__, command)
    finally:
        stop_all(started)


# Commands given a placeholder's ID#: both daemons act on that placeholder
# (delete removes it alone: the server's, then one of the pool's four), an
# ID# no source has is no source; the same texts from chronyc (and from
# stratumc against another stratumd), and the same listings and activity
# after.
ID_COMMANDS = (("delete", "ID#0000000001"), ("delete", "ID#0000000003"),
               ("delete", "ID#0000000003"), ("minpoll", "ID#0000000002", "8"),
               ("maxpoll", "ID#0000000002", "9"), ("maxdelay", "ID#0000000004", "0.5"),
               ("maxdelayratio", "ID#0000000004", "2"),
               ("maxdelaydevratio", "ID#0000000004", "3"), ("minstratum", "ID#0000000005", "3"),
               ("polltarget", "ID#0000000005", "10"), ("offline", "ID#0000000005"),
               ("burst", "2/4", "ID#0000000004"), ("online", "ID#0000000005"),
               ("minpoll", "ID#0000000009", "8"), ("offline", "ID#0000000009"),
               ("delete", "ID#0000000009"))
AFTER = (("-n", "sources", "-a"), ("activity",), ("-n", "selectdata", "-a"))


def apply_id_commands(client, sock):
    """Each command's (exit status, text), then the reports after."""
    out = [client(sock, *command) for command in ID_COMMANDS]
    return out + [client(sock, *command) for command in AFTER]


def test_commands_on_placeholders_as_chronyd(tmp_path, namespace):  # noqa: F811
    port = free_udp_port()
    started = []
    try:
        lines = config(port) + ["port 0", "cmdport 0"]
        csock = start_chronyd(tmp_path / "c", lines, namespace, started)
        ssock = start_stratumd(tmp_path / "s", lines, namespace, started)
        # for stratumc's commands
        ssock2 = start_stratumd(tmp_path / "s2", lines, namespace, started)
        reports(chronyc_rc, csock)
        reports(chronyc_rc, ssock)
        reports(stratumc, ssock2)

        want = apply_id_commands(chronyc_rc, csock)
        listed = want[len(ID_COMMANDS)][1]
        # chronyd's: ID#1 and ID#3 gone, the pool's others and the peer's left
        assert placeholders(listed) == ["ID#%010d" % i for i in (2, 4, 5, 6)], listed
        assert want[0][0] == 0 and want[2][0] != 0 and want[-4][0] != 0, want
        assert "4 sources with unknown address" in want[len(ID_COMMANDS) + 1][1]
        for client, sock in ((chronyc_rc, ssock), (stratumc, ssock2)):
            got = apply_id_commands(client, sock)
            for command, w, g in zip(ID_COMMANDS + AFTER, want, got):
                assert g == w, (client.__name__, command)
    finally:
        stop_all(started)


def test_authselectmode_counts_placeholders_as_chronyd(tmp_path, namespace):  # noqa: F811
    """authselectmode prefer: an NTS name not resolved yet (its placeholder)
    makes the unauthenticated server noselect in both daemons' selectdata."""
    port = free_udp_port()
    lines = ["authselectmode prefer", "server 127.0.0.21 port %d" % port,
             "server nowhere.test port %d nts" % port, "port 0", "cmdport 0"]
    started = []
    try:
        csock = start_chronyd(tmp_path / "c", lines, namespace, started)
        ssock = start_stratumd(tmp_path / "s", lines, namespace, started)
        texts = []
        for sock in (csock, ssock):
            def listed():
                return chronyc_rc(sock, "-n", "selectdata", "-a")[0] == 0
            assert wait_for(listed, RESOLVE_TIMEOUT)
            rc, text = chronyc_rc(sock, "-n", "selectdata", "-a")
            texts.append(text)
        assert re.search(r"^M 127\.0\.0\.21 +N ----- N---- ", texts[0], re.M), texts[0]
        assert re.search(r"^M ID#0000000001 +Y ", texts[0], re.M), texts[0]
        assert texts[1] == texts[0]
    finally:
        stop_all(started)
