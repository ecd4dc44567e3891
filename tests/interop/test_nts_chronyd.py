"""Debian's chronyd 4.3 as an NTS client of stratumd (RFC 8915).

Certificates are made here with the openssl command: a CA and a server
certificate for IP:127.0.0.1 (chronyd checks the address it was given
against the subjectAltName, so no name needs resolving). chronyd (-x, its
command socket in a private directory) trusts the CA with ntstrustedcerts.
Every wait is bounded; traffic stays on loopback."""
import re
import time

import pytest

from ntptest import (Daemon, chronyc_n, chronyd_daemon, free_tcp_port, free_udp_port, make_test_pki,
                     require_stratumd, server_config, wait_for)

SELECT_TIMEOUT = 20.0
CMD_TIMEOUT = 10


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """(server cert, server key, trusted CA, another CA)."""
    return make_test_pki(tmp_path_factory.mktemp("pki"))


def nts_server(workdir, pki, dumpdir=None, extra=()):
    """A stratumd serving NTP and NTS-KE on 127.0.0.1 (free ports), with
    the lines of extra; not started."""
    require_stratumd()
    port, keport = free_udp_port(), free_tcp_port()
    cert, key, _, _ = pki
    lines = ["ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport %d" % keport]
    if dumpdir:
        lines.append("ntsdumpdir %s" % dumpdir)
    return Daemon(workdir, server_config(port, extra=lines + list(extra))), port, keport




def nts_client(workdir, port, keport, ca):
    """A chronyd -x using 127.0.0.1 with NTS, trusting ca; its command
    socket's path."""
    sockdir = workdir / "sock"
    sockdir.mkdir(parents=True, mode=0o770)
    sock = sockdir / "chronyd.sock"
    d = chronyd_daemon(workdir, [
        "server 127.0.0.1 port %d iburst minpoll 0 maxpoll 0 nts ntsport %d" % (port, keport),
        "ntstrustedcerts %s" % ca, "cmdport 0", "bindcmdaddress %s" % sock])
    return d, sock


def authdata(sock):
    """chronyc authdata's row for 127.0.0.1: Mode KeyID Type KLen Last Atmp NAK Cook CLen."""
    rows = [l.split() for l in chronyc_n(sock, "authdata").splitlines()
            if l.startswith("127.0.0.1")]
    assert len(rows) == 1, rows
    r = rows[0]
    return {"mode": r[1], "keyid": int(r[2]), "type": int(r[3]), "klen": int(r[4]),
            "atmp": int(r[6]), "nak": int(r[7]), "cook": int(r[8]), "clen": int(r[9])}


def valid_rx(sock):
    """chronyc ntpdata's count of valid replies from 127.0.0.1."""
    m = re.search(r"^Total valid RX\s*:\s*(\d+)", chronyc_n(sock, "ntpdata", "127.0.0.1"), re.M)
    assert m
    return int(m.group(1))


def selected(d):
    return "Selected source 127.0.0.1" in d.log()


@pytest.mark.parametrize("workers", [0, 1])
def test_chronyd_selects_stratumd_over_nts(pki, tmp_path, workers):
    """With serverworkers, the workers pass NTS requests (extension fields)
    to the main loop, which holds the keys."""
    srv, port, keport = nts_server(tmp_path / "stratumd", pki,
                                   extra=["serverworkers %d" % workers])
    cli, sock = nts_client(tmp_path / "chronyd", port, keport, pki[2])
    try:
        srv.start(wait_ports=[(4, port)])
        cli.start()
        assert wait_for(lambda: selected(cli) or not cli.alive(), SELECT_TIMEOUT), cli.log()
        assert selected(cli), cli.log()
        a = authdata(sock)
        assert a["mode"] == "NTS" and a["type"] == 15 and a["klen"] == 256, a
        assert a["cook"] > 0 and a["clen"] > 0 and a["nak"] == 0, a
        # the sources it keeps polling stay authenticated (no NAK, cookies refilled)
        rows = [l.split(",") for l in chronyc_n(sock, "-c", "sources").splitlines() if l]
        assert rows and rows[0][:3] == ["^", "*", "127.0.0.1"], rows
    finally:
        print("---- chronyd (exit %s)\n%s" % (cli.stop(), cli.log()))
        print("---- stratumd (exit %s)\n%s" % (srv.stop(), srv.log()))


def test_chronyd_trusting_another_ca_never_selects(pki, tmp_path):
    srv, port, keport = nts_server(tmp_path / "stratumd", pki)
    cli, sock = nts_client(tmp_path / "chronyd", port, keport, pki[3])
    try:
        srv.start(wait_ports=[(4, port)])
        cli.start()
        # chronyd tries the key exchange at once (iburst): give it as long as
        # the trusted client needs to select, and more
        assert wait_for(lambda: re.search(r"(?i)TLS handshake|certificate", cli.log()),
                        SELECT_TIMEOUT), cli.log()
        time.sleep(3)
        assert not selected(cli), cli.log()
        a = authdata(sock)
        assert a["klen"] == 0 and a["cook"] == 0, a
    finally:
        print("---- chronyd (exit %s)\n%s" % (cli.stop(), cli.log()))
        print("---- stratumd (exit %s)\n%s" % (srv.stop(), srv.log()))


def test_restart_with_ntsdumpdir_keeps_cookies_working(pki, tmp_path):
    """After stratumd restarts with the server keys it saved, chronyd's
    cookies still open: its replies keep coming with no NAK and no new key
    exchange (authdata's KeyID, the count of exchanges, stays)."""
    dump = tmp_path / "ntsdump"
    srv, port, keport = nts_server(tmp_path / "stratumd", pki, dumpdir=dump)
    cli, sock = nts_client(tmp_path / "chronyd", port, keport, pki[2])
    srv2 = None
    try:
        srv.start(wait_ports=[(4, port)])
        cli.start()
        assert wait_for(lambda: selected(cli) or not cli.alive(), SELECT_TIMEOUT), cli.log()
        assert selected(cli), cli.log()
        assert (dump / "ntskeys").is_file()
        before = authdata(sock)
        srv.stop()
        srv2 = Daemon(tmp_path / "stratumd2", srv.conf.read_text())
        srv2.start(wait_ports=[(4, port)])
        # maxpoll 0: a poll a second; three more verified replies, from the new process
        valid = valid_rx(sock)
        assert wait_for(lambda: valid_rx(sock) >= valid + 3, 10), chronyc_n(sock, "ntpdata")
        after = authdata(sock)
        assert after["keyid"] == before["keyid"] and after["nak"] == 0, (before, after)
        assert after["cook"] > 0, after
        assert "Could not load" not in srv2.log(), srv2.log()
        rows = [l.split(",") for l in chronyc_n(sock, "-c", "sources").splitlines() if l]
        assert rows and rows[0][:3] == ["^", "*", "127.0.0.1"], rows
        # the last sample is recent: replies from the restarted server verified
        assert int(rows[0][6]) <= 3, rows
        srv2.stop()
        assert re.search(r"NTS-KE connections accepted 0,.*\n.*NTS packets answered [1-9]",
                         srv2.log()), srv2.log()
    finally:
        print("---- chronyd (exit %s)\n%s" % (cli.stop(), cli.log()))
        print("---- stratumd (exit %s)\n%s" % (srv.stop(), srv.log()))
        if srv2:
            print("---- stratumd 2 (exit %s)\n%s" % (srv2.stop(), srv2.log()))
