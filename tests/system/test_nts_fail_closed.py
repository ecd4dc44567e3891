"""An NTS source fails closed: until an NTS-KE session gives it cookies it
sends nothing, so it is never used as plain NTP; and a peer with `nts` is
refused (chronyd's peer would send nothing: no NTS in symmetric mode).

ntptest.FakeServer answers plain NTP on 127.0.0.1 and counts requests;
nothing listens on the NTS-KE port, or a TCP server there closes every
connection without a word."""
import socket
import subprocess
import threading
import time

from ntptest import (REPO, Daemon, FakeServer, free_tcp_port, free_udp_port, require_stratumd,
                     stratumc, wait_for)

REFUSED = "nts: NTS not supported with peers, the peer is refused"
CMD_TIMEOUT = 10


def test_print_reports_a_peer_with_nts(tmp_path):
    conf = tmp_path / "nts.conf"
    conf.write_text("server time.example.com iburst nts\npeer 192.0.2.1 nts\n")
    r = subprocess.run([str(require_stratumd()), "-p", "-f", str(conf)], capture_output=True,
                       text=True, timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL, cwd=str(REPO))
    assert r.returncode == 1
    assert "%s:2: peer: %s" % (conf, REFUSED) in r.stderr, r.stderr
    assert ":1:" not in r.stderr, r.stderr


def test_no_ke_server_no_request(tmp_path, stratumd_bin):
    server = FakeServer()
    keport = free_tcp_port()
    d = Daemon(tmp_path / "d", "port 0\nserver 127.0.0.1 port %d iburst minpoll 0 maxpoll 0 "
               "nts ntsport %d\n" % (server.port, keport)).start()
    try:
        assert wait_for(lambda: "Could not connect to 127.0.0.1:%d (127.0.0.1)" % keport
                        in d.log(), 10), d.log()
        time.sleep(2.0)                 # two more polls
        assert d.alive(), d.log()
    finally:
        d.stop()
        server.close()
    assert not server.times


def test_ke_server_closing_no_request(tmp_path, stratumd_bin):
    """A TCP server that accepts and closes: the handshake fails, logged as
    chronyd logs it; still no plain request."""
    server = FakeServer()
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(4)
    lsock.settimeout(0.2)
    stop = threading.Event()

    def close_all():
        while not stop.is_set():
            try:
                c, _ = lsock.accept()
                c.close()
            except OSError:
                pass

    t = threading.Thread(target=close_all)
    t.start()
    keport = lsock.getsockname()[1]
    sock = tmp_path / "stratumd.sock"
    d = Daemon(tmp_path / "d", "port 0\nbindcmdaddress %s\n" % sock).start()
    try:
        rc, out = stratumc(sock, "add", "server", "127.0.0.1", "port", str(server.port),
                           "iburst", "minpoll", "0", "maxpoll", "0", "nts", "ntsport",
                           str(keport))
        assert rc == 0, out
        assert wait_for(lambda: "TLS handshake with 127.0.0.1:%d (127.0.0.1) failed" % keport
                        in d.log(), 10), d.log()
        time.sleep(2.0)
        _, sources = stratumc(sock, "-n", "sources")
        assert "127.0.0.1" in sources, sources
        rc, out = stratumc(sock, "add", "peer", "127.0.0.2", "nts")
        assert rc != 0 and "505 Facility not enabled" in out, out
    finally:
        d.stop()
        stop.set()
        t.join()
        lsock.close()
        server.close()
    assert "Could not add source 127.0.0.2 : " + REFUSED in d.log()
    assert not server.times


def test_query_mode_never_plain_to_nts_sources(tmp_path):
    """-Q measures the plain source; the NTS one, whose NTS-KE fails (no
    NTS-KE server), gets no request at all."""
    nts, plain = FakeServer(), FakeServer()
    try:
        r = subprocess.run([str(require_stratumd()), "-x", "-d", "-t", "8", "-Q", "-f",
                            "/dev/null", "server 127.0.0.1 port %d iburst nts ntsport %d" % (nts.port, nts.port),
                            "server 127.0.0.1 port %d iburst" % plain.port],
                           capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
    finally:
        nts.close()
        plain.close()
    assert "(127.0.0.1:%d): no valid reply (NTS-KE failed)" % nts.port in r.stdout, r.stdout
    assert "(127.0.0.1:%d): stratum" % plain.port in r.stdout, r.stdout + r.stderr
    assert plain.times and not nts.times
