"""stratumd (-x) as an NTS client (RFC 8915) of Debian's chronyd 4.3 and of
stratumd itself.

Certificates are made with the openssl command (ntptest.make_test_pki): a
CA, another CA, and a server certificate for IP:127.0.0.1 signed by the
first, so the source's name (127.0.0.1) is checked against the
certificate's address and nothing needs resolving. The client trusts a CA
with ntstrustedcerts and nosystemcert. Every port is a free one on
127.0.0.1, every file in a temp dir, every wait bounded."""
import re
import subprocess
import time

import pytest

from ntptest import (Daemon, chronyc_n, chronyd_daemon, chronyd_path, free_tcp_port, free_udp_port,
                     make_test_pki, require_stratumd, server_config, stratumc, username, wait_for)

SELECT_TIMEOUT = 30.0
CMD_TIMEOUT = 10


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """(server cert, server key, trusted CA, another CA)."""
    return make_test_pki(tmp_path_factory.mktemp("pki"))


def future_cert(pki):
    """A server certificate like pki's, signed by the same CA, valid only
    from 2099 (openssl ca sets the dates)."""
    d = pki[0].parent
    if not (d / "future.pem").exists():
        (d / "ca.cnf").write_text(
            "[ca]\ndefault_ca = c\n[c]\ndatabase = index.txt\nnew_certs_dir = .\n"
            "serial = serial.txt\ndefault_md = sha256\npolicy = p\n[p]\n"
            "commonName = supplied\n")
        (d / "index.txt").write_text("")
        (d / "serial.txt").write_text("1000\n")
        subprocess.run(["openssl", "ca", "-batch", "-notext", "-config", "ca.cnf", "-cert",
                        "ca.pem", "-keyfile", "ca.key", "-in", "server.csr", "-out",
                        "future.pem", "-startdate", "20990101000000Z", "-enddate",
                        "20991231000000Z", "-extfile", "ext.cnf"], cwd=d, check=True,
                       capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    return d / "future.pem"




def sock_path(workdir, name):
    d = workdir / "sock"
    d.mkdir(parents=True, exist_ok=True, mode=0o770)
    return d / name


def chronyd_server(workdir, pki):
    """chronyd -x serving NTP and NTS-KE on 127.0.0.1 (free ports), its
    command socket; not started. (daemon, port, NTS-KE port, socket)"""
    port, keport = free_udp_port(), free_tcp_port()
    cert, key, _, _ = pki
    sock = sock_path(workdir, "chronyd.sock")
    d = chronyd_daemon(workdir, [
        "port %d" % port, "bindaddress 127.0.0.1", "allow 127.0.0.1", "local stratum 3",
        "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport %d" % keport,
        "ntsdumpdir %s" % (workdir / "ntsdump"), "cmdport 0", "bindcmdaddress %s" % sock])
    return d, port, keport, sock


def stratumd_server(workdir, pki, extra=(), cert=None):
    require_stratumd()
    port, keport = free_udp_port(), free_tcp_port()
    cert, key = cert or pki[0], pki[1]
    lines = ["ntsservercert %s" % cert, "ntsserverkey %s" % key,
             "ntsport %d" % keport] + list(extra)
    return Daemon(workdir, server_config(port, extra=lines)), port, keport


def nts_client(workdir, port, keport, ca, extra=(), certset=None, args=()):
    """stratumd -x polling 127.0.0.1 with NTS, trusting only ca (with
    certset N: ca is set N's, the default set the other CA); its command
    socket's path."""
    require_stratumd()
    sock = sock_path(workdir, "stratumd.sock")
    if certset is None:
        trust, option = ["ntstrustedcerts %s" % ca], ""
    else:
        other = ca.parent / ("other-ca.pem" if ca.name == "ca.pem" else "ca.pem")
        trust = ["ntstrustedcerts %d %s" % (certset, ca), "ntstrustedcerts %s" % other]
        option = " certset %d" % certset
    lines = ["server 127.0.0.1 port %d iburst minpoll 0 maxpoll 0 nts ntsport %d%s"
             % (port, keport, option)] + trust + [
             "nosystemcert", "cmdport 0", "bindcmdaddress %s" % sock] + list(extra)
    return Daemon(workdir, "\n".join(lines) + "\n", args=args), sock


def authdata(sock, tool):
    """authdata's row for 127.0.0.1 (Mode KeyID Type KLen Last Atmp NAK Cook
    CLen), by stratumc or chronyc."""
    if tool == "chronyc":
        out = chronyc_n(sock, "authdata")
    else:
        rc, out = stratumc(sock, "-n", "authdata")
        assert rc == 0, out
    rows = [l.split() for l in out.splitlines() if l.startswith("127.0.0.1")]
    assert len(rows) == 1, out
    r = rows[0]
    return {"mode": r[1], "keyid": int(r[2]), "type": int(r[3]), "klen": int(r[4]),
            "atmp": int(r[6]), "nak": int(r[7]), "cook": int(r[8]), "clen": int(r[9])}


def selected(d):
    return "Selected source 127.0.0.1" in d.log()


def source_row(sock):
    rc, out = stratumc(sock, "-n", "-c", "sources")
    assert rc == 0, out
    rows = [l.split(",") for l in out.splitlines() if l]
    assert len(rows) == 1, out
    return rows[0]


def ke_accepted(sock):
    """chronyd's count of NTS-KE connections it accepted."""
    m = re.search(r"^NTS-KE connections accepted\s*:\s*(\d+)", chronyc_n(sock, "serverstats"),
                  re.M)
    assert m
    return int(m.group(1))


def show(name, d):
    print("---- %s (exit %s)\n%s" % (name, d.stop(), d.log()))


def check_nts_source(sock, aead):
    for tool in ("stratumc", "chronyc"):
        a = authdata(sock, tool)
        assert a["mode"] == "NTS" and a["type"] == aead, a
        assert a["klen"] == 8 * {15: 32, 30: 16}[aead] and a["keyid"] >= 1, a
        assert a["cook"] > 0 and a["clen"] > 0 and a["nak"] == 0, a
    assert source_row(sock)[:3] == ["^", "*", "127.0.0.1"]


def test_selects_chronyd_over_nts(pki, tmp_path):
    srv, port, keport, srv_sock = chronyd_server(tmp_path / "chronyd", pki)
    cli, sock = nts_client(tmp_path / "stratumd", port, keport, pki[2])
    try:
        srv.start(wait_ports=[(4, port)])
        cli.start()
        assert wait_for(lambda: selected(cli) or not cli.alive(), SELECT_TIMEOUT), cli.log()
        assert selected(cli), cli.log()
        # chronyd 4.3 has AES-SIV-CMAC-256 only
        check_nts_source(sock, 15)
        assert ke_accepted(srv_sock) == 1
    finally:
        show("stratumd", cli)
        show("chronyd", srv)


def test_selects_stratumd_over_nts(pki, tmp_path):
    """The CA given as a directory (every file in it, one not a certificate)
    of certificate set 2, the source's certset."""
    srv, port, keport = stratumd_server(tmp_path / "server", pki)
    cadir = tmp_path / "cas"
    cadir.mkdir()
    (cadir / "ca.pem").write_bytes(pki[2].read_bytes())
    (cadir / "README").write_text("not a certificate\n")
    cli, sock = nts_client(tmp_path / "client", port, keport, pki[2], certset=2,
                           extra=["ntstrustedcerts 2 %s" % cadir])
    try:
        srv.start(wait_ports=[(4, port)])
        cli.start()
        assert wait_for(lambda: selected(cli) or not cli.alive(), SELECT_TIMEOUT), cli.log()
        assert selected(cli), cli.log()
        # both offer AES-128-GCM-SIV first (ntsaeads' default)
        check_nts_source(sock, 30)
    finally:
        show("client", cli)
        show("server", srv)


def test_ntp_server_named_by_host_name(pki, tmp_path):
    """The server names its NTP server "localhost" (ntsntpserver, record 6)
    and its port (record 7): the client resolves the name (the hosts file)
    and polls there."""
    srv, port, keport = stratumd_server(tmp_path / "server", pki,
                                        extra=["ntsntpserver localhost"])
    cli, sock = nts_client(tmp_path / "client", port, keport, pki[2], args=["-d"])
    try:
        srv.start(wait_ports=[(4, port)])
        cli.start()
        assert wait_for(lambda: selected(cli) or not cli.alive(), SELECT_TIMEOUT), cli.log()
        assert selected(cli), cli.log()
        assert "Negotiated server 127.0.0.1" in cli.log(), cli.log()
        check_nts_source(sock, 30)
    finally:
        show("client", cli)
        show("server", srv)


@pytest.mark.parametrize("limit", [0, 1])
def test_nocerttimecheck(pki, tmp_path, limit):
    """A certificate valid from 2099 fails the time check, unless
    nocerttimecheck lets the first session of an unsynchronised client skip
    it."""
    srv, port, keport = stratumd_server(tmp_path / "server", pki, cert=future_cert(pki))
    cli, sock = nts_client(tmp_path / "client", port, keport, pki[2],
                           extra=["nocerttimecheck %d" % limit])
    try:
        srv.start(wait_ports=[(4, port)])
        cli.start()
        if limit:
            assert wait_for(lambda: selected(cli) or not cli.alive(), SELECT_TIMEOUT), cli.log()
            assert selected(cli), cli.log()
        else:
            assert wait_for(lambda: "certificate is not yet valid" in cli.log(),
                            SELECT_TIMEOUT), cli.log()
            assert not selected(cli)
    finally:
        show("client", cli)
        show("server", srv)


@pytest.mark.parametrize("certset", [None, 1])
def test_another_ca_never_selects(pki, tmp_path, certset):
    """The other CA trusted (with certset 1: in set 1, the source's, while
    the right one is in set 0)."""
    srv, port, keport, srv_sock = chronyd_server(tmp_path / "chronyd", pki)
    cli, sock = nts_client(tmp_path / "stratumd", port, keport, pki[3], certset=certset)
    try:
        srv.start(wait_ports=[(4, port)])
        cli.start()
        assert wait_for(lambda: "TLS handshake with 127.0.0.1:%d (127.0.0.1) failed" % keport
                        in cli.log(), SELECT_TIMEOUT), cli.log()
        # polls go on a second apart (iburst, maxpoll 0): none is sent
        # unauthenticated, none selected
        time.sleep(3)
        assert not selected(cli), cli.log()
        a = authdata(sock, "stratumc")
        assert a["mode"] == "NTS" and a["klen"] == 0 and a["cook"] == 0 and a["atmp"] == 1, a
        assert source_row(sock)[1] != "*"
        assert re.search(r"^NTP packets received\s*:\s*0$", chronyc_n(srv_sock, "serverstats"),
                         re.M)
    finally:
        show("stratumd", cli)
        show("chronyd", srv)


def test_restart_with_ntsdumpdir_needs_no_new_ke(pki, tmp_path):
    """The client's cookies saved at exit in ntsdumpdir (chronyd's file
    format) are loaded at start: the restarted client is selected again
    while chronyd counts no second NTS-KE connection."""
    srv, port, keport, srv_sock = chronyd_server(tmp_path / "chronyd", pki)
    dump = tmp_path / "clientdump"
    dump.mkdir()
    cli, sock = nts_client(tmp_path / "stratumd", port, keport, pki[2],
                           extra=["ntsdumpdir %s" % dump])
    cli2 = None
    try:
        srv.start(wait_ports=[(4, port)])
        cli.start()
        assert wait_for(lambda: selected(cli) or not cli.alive(), SELECT_TIMEOUT), cli.log()
        assert selected(cli), cli.log()
        assert ke_accepted(srv_sock) == 1
        saved = dump / "127.0.0.1.nts"
        rc, out = stratumc(sock, "dump")
        assert rc == 0 and saved.is_file(), out
        cli.stop()
        text = saved.read_text()
        assert text.startswith("NNC0\n127.0.0.1\n"), text
        assert (saved.stat().st_mode & 0o777) == 0o600
        cli2 = Daemon(tmp_path / "stratumd2", cli.conf.read_text())
        cli2.start()
        assert wait_for(lambda: selected(cli2) or not cli2.alive(), SELECT_TIMEOUT), cli2.log()
        assert selected(cli2), cli2.log()
        a = authdata(sock, "stratumc")
        assert a["keyid"] == 1 and a["atmp"] == 0 and a["cook"] > 0, a
        assert ke_accepted(srv_sock) == 1
        # loaded once, as chronyd: the file is gone until the next save
        assert not saved.exists()
    finally:
        show("stratumd", cli)
        if cli2:
            show("stratumd 2", cli2)
        show("chronyd", srv)


def test_cookie_file_shared_with_chronyd(pki, tmp_path):
    """One ntsdumpdir used in turn by chronyd's NTS client, stratumd's, then
    chronyd's again: each loads the cookies the other saved (chronyd's file
    format), so the server counts a single NTS-KE connection."""
    srv, port, keport, srv_sock = chronyd_server(tmp_path / "server", pki)
    dump = tmp_path / "clientdump"
    dump.mkdir()
    saved = dump / "127.0.0.1.nts"

    def chronyd_client(name):
        return chronyd_daemon(tmp_path / name, [
            "server 127.0.0.1 port %d iburst minpoll 0 maxpoll 0 nts ntsport %d"
            % (port, keport), "ntstrustedcerts %s" % pki[2], "nosystemcert",
            "ntsdumpdir %s" % dump])

    clients = []
    try:
        srv.start(wait_ports=[(4, port)])
        for step in ("chronyd", "stratumd", "chronyd2"):
            if step == "stratumd":
                cli, _ = nts_client(tmp_path / step, port, keport, pki[2],
                                    extra=["ntsdumpdir %s" % dump])
            else:
                cli = chronyd_client(step)
            clients.append(cli)
            cli.start()
            assert wait_for(lambda: selected(cli) or not cli.alive(), SELECT_TIMEOUT), \
                cli.log()
            assert selected(cli), cli.log()
            cli.stop()
            assert saved.is_file(), cli.log()
            assert ke_accepted(srv_sock) == 1, step
    finally:
        for i, cli in enumerate(clients):
            show("client %d" % i, cli)
        show("server", srv)


QUERY_TIMEOUT = 40                      # s, a hard bound on one -Q run
QUERY_OFFSET_RE = re.compile(r"System clock wrong by (-?\d+\.\d+) seconds \(ignored\)")


def nts_query(workdir, binary, port, keport, ca, extra=()):
    """`binary -Q` with one NTS server on 127.0.0.1, trusting only ca, its
    own bound -t 20 (stratumd's and chronyd's option): the completed run."""
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "query.conf"
    conf.write_text("\n".join([
        "server 127.0.0.1 port %d iburst nts ntsport %d" % (port, keport),
        "ntstrustedcerts %s" % ca, "nosystemcert", "cmdport 0", "bindcmdaddress /",
        "pidfile %s" % (workdir / "query.pid")] + list(extra)) + "\n")
    args = [str(binary), "-Q", "-t", "20", "-f", str(conf)]
    if binary.name == "chronyd":
        args += ["-u", username()]
    return subprocess.run(args, capture_output=True, text=True, timeout=QUERY_TIMEOUT,
                          stdin=subprocess.DEVNULL)


def test_query_mode_over_nts_as_chronyd(pki, tmp_path):
    """stratumd -Q and chronyd -Q measure the same NTS server (chronyd 4.3
    serving NTS): both through an NTS-KE, both report an offset."""
    srv, port, keport, srv_sock = chronyd_server(tmp_path / "chronyd", pki)
    try:
        srv.start(wait_ports=[(4, port)])
        ours = nts_query(tmp_path / "stratumd", require_stratumd(), port, keport, pki[2])
        theirs = nts_query(tmp_path / "chronyd-q", chronyd_path(), port, keport, pki[2])
        assert ke_accepted(srv_sock) == 2
    finally:
        show("chronyd", srv)
    for r in (ours, theirs):
        assert r.returncode == 0, r.stdout + r.stderr
        m = QUERY_OFFSET_RE.search(r.stderr)
        assert m and abs(float(m.group(1))) < 0.01, r.stderr
    assert "(127.0.0.1:%d): stratum 3" % port in ours.stdout, ours.stdout + ours.stderr


def test_query_mode_nts_cookies_kept(pki, tmp_path):
    """-Q with ntsdumpdir saves the cookies it has left (mode 0600); a
    second -Q uses them with no NTS-KE server at all; one trusting another
    CA measures nothing (no plain request either)."""
    srv, port, keport = stratumd_server(tmp_path / "server", pki)
    dump = tmp_path / "dump"
    dump.mkdir(mode=0o700)
    try:
        srv.start(wait_ports=[(4, port)])
        first = nts_query(tmp_path / "q1", require_stratumd(), port, keport, pki[2],
                          extra=["ntsdumpdir %s" % dump])
        assert first.returncode == 0, first.stdout + first.stderr
        saved = dump / "127.0.0.1.nts"
        assert saved.is_file() and (saved.stat().st_mode & 0o777) == 0o600
        second = nts_query(tmp_path / "q2", require_stratumd(), port, free_udp_port(), pki[2],
                           extra=["ntsdumpdir %s" % dump])
        assert second.returncode == 0, second.stdout + second.stderr
        assert QUERY_OFFSET_RE.search(second.stderr), second.stderr
        other = nts_query(tmp_path / "q3", require_stratumd(), port, keport, pki[3])
        assert other.returncode != 0, other.stdout + other.stderr
        assert "no valid reply (NTS-KE failed)" in other.stdout, other.stdout + other.stderr
        assert "No suitable source for synchronisation" in other.stderr, other.stderr
    finally:
        show("server", srv)
