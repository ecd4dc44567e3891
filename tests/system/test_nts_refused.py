"""A source marked `nts` fails closed: this build has no NTS, and the source
is never used as plain NTP.

chronyd built without NTS keeps such a source but never sends it a request
(stubs.c: NNC_GenerateRequestAuth logs "Missing NTS support" and fails).
stratumd refuses it where it comes from: an error in the configuration (-p
fails, the daemon does not start), a warning for a sourcedir line (the line
is skipped, as chronyd skips bad ones), "505 Facility not enabled" for
chronyc's add. ntptest.FakeServer sees no request in any case."""
import subprocess
import time

from ntptest import REPO, Daemon, FakeServer, require_stratumd, stratumc

REFUSED = "nts: missing NTS support in this build, the source is refused"
CMD_TIMEOUT = 10


def test_print_reports_the_error(tmp_path):
    conf = tmp_path / "nts.conf"
    conf.write_text("server time.example.com iburst nts\npool pool.example nts certset 1\n")
    r = subprocess.run([str(require_stratumd()), "-p", "-f", str(conf)], capture_output=True,
                       text=True, timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL, cwd=str(REPO))
    assert r.returncode == 1
    assert "%s:1: server: %s" % (conf, REFUSED) in r.stderr, r.stderr
    assert "%s:2: pool: %s" % (conf, REFUSED) in r.stderr, r.stderr


def test_daemon_does_not_start(tmp_path, stratumd_bin):
    server = FakeServer()
    d = Daemon(tmp_path / "d", "port 0\nserver 127.0.0.1 port %d iburst minpoll 0 nts\n"
               % server.port).spawn()
    try:
        status = d.wait(5.0)
        time.sleep(0.5)
    finally:
        d.stop()
        server.close()
    assert status == 1, d.log()
    assert REFUSED in d.log()
    assert not server.times


def test_sourcedir_line_is_skipped(tmp_path, stratumd_bin):
    server = FakeServer()
    srcdir = tmp_path / "sources.d"
    srcdir.mkdir()
    (srcdir / "dhcp.sources").write_text("server 127.0.0.1 port %d iburst minpoll 0 nts\n"
                                         % server.port)
    d = Daemon(tmp_path / "d", "port 0\nsourcedir %s\n" % srcdir).start()
    try:
        time.sleep(3.0)
        assert d.alive(), d.log()
    finally:
        d.stop()
        server.close()
    assert "dhcp.sources:1: server: " + REFUSED in d.log()
    assert not server.times


def test_stratumc_add_is_refused(tmp_path, stratumd_bin):
    server = FakeServer()
    sock = tmp_path / "stratumd.sock"
    d = Daemon(tmp_path / "d", "port 0\nbindcmdaddress %s\n" % sock).start()
    try:
        rc, out = stratumc(sock, "add", "server", "127.0.0.1", "port", str(server.port),
                           "iburst", "minpoll", "0", "nts")
        time.sleep(3.0)
        _, sources = stratumc(sock, "-n", "sources")
    finally:
        d.stop()
        server.close()
    assert rc != 0 and "505 Facility not enabled" in out, out
    assert "127.0.0.1" not in sources, sources
    assert "Could not add source 127.0.0.1 : " + REFUSED in d.log()
    assert not server.times
