"""Debian's real chronyc 4.3 against stratumd's command protocol.

A stratumd client (-x) synchronised to a local stratumd server answers
chronyc over UDP (monitoring only, as chronyd) and over its Unix socket
(everything). Refusals are checked against a real chronyd given the same
access. Every wait is bounded; traffic stays on loopback."""
import os
import re
import socket
import struct
import subprocess

import pytest

from ntptest import (Daemon, chronyd_daemon, free_udp_port, peers_root, require_stratumd,
                     start_server, wait_for)

CMD_TIMEOUT = 10
SYNC_TIMEOUT = 20.0


def chronyc_bin():
    p = peers_root() / "usr" / "bin" / "chronyc"
    if not p.is_file():
        pytest.skip("chronyc not found in %s" % p)
    return p


def chronyc(*args, host, port=None):
    argv = [str(chronyc_bin()), "-h", host] + (["-p", str(port)] if port else []) + list(args)
    r = subprocess.run(argv, capture_output=True, text=True, timeout=CMD_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def socket_dir(workdir):
    d = workdir / "sock"
    d.mkdir(mode=0o770, exist_ok=True)
    os.chmod(d, 0o770)
    return d


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d, addr = start_server(tmp_path_factory.mktemp("server"), local_stratum=2)
    yield addr
    d.stop()


@pytest.fixture
def client(server, tmp_path):
    """A synchronised stratumd -x with its command sockets:
    yields (daemon, cmdport, unix socket path)."""
    require_stratumd()
    cmdport, own = free_udp_port(), free_udp_port()
    sock = socket_dir(tmp_path) / "stratumd.sock"
    srcdir = tmp_path / "sources.d"
    srcdir.mkdir()
    d = Daemon(tmp_path / "client",
               "server 127.0.0.1 port %d iburst minpoll 4 maxpoll 4\n"
               "port %d\nbindaddress 127.0.0.1\nallow 127.0.0.1\n"
               "cmdport %d\nbindcmdaddress 127.0.0.1\nbindcmdaddress %s\nsourcedir %s\n"
               % (server[1], own, cmdport, sock, srcdir))
    d.start(wait_ports=[(4, own), (4, cmdport)])
    try:
        assert wait_for(lambda: "Selected source 127.0.0.1" in d.log(), SYNC_TIMEOUT), d.log()
        d.srcdir = srcdir
        yield d, cmdport, str(sock)
    finally:
        d.stop()
        print(d.log())


def test_monitoring_over_udp(client, server):
    d, cmdport, _ = client
    rc, out = chronyc("tracking", host="127.0.0.1", port=cmdport)
    assert rc == 0, out
    assert "Reference ID    : 7F000001" in out
    assert "Stratum         : 3" in out
    assert "Leap status     : Normal" in out
    rc, out = chronyc("-n", "sources", host="127.0.0.1", port=cmdport)
    assert rc == 0, out
    line = [l for l in out.splitlines() if l.startswith("^")]
    assert len(line) == 1 and line[0].startswith("^* 127.0.0.1 "), out
    rc, out = chronyc("-c", "sources", host="127.0.0.1", port=cmdport)
    fields = out.strip().split(",")
    assert fields[:6] == ["^", "*", "127.0.0.1", "2", "4", fields[5]], out
    assert abs(float(fields[8])) < 0.01
    rc, out = chronyc("-n", "sourcestats", host="127.0.0.1", port=cmdport)
    assert rc == 0 and "127.0.0.1" in out, out
    rc, out = chronyc("activity", host="127.0.0.1", port=cmdport)
    # online, or still in its initial burst
    assert "1 sources online" in out or "1 sources doing burst (return to online)" in out, out
    assert "0 sources offline" in out, out
    rc, out = chronyc("-c", "tracking", host="127.0.0.1", port=cmdport)
    fields = out.strip().split(",")
    assert len(fields) == 14 and fields[0] == "7F000001" and fields[13] == "Normal", out


def test_what_chronyd_refuses_over_udp_stratumd_refuses(client, server, tmp_path):
    d, cmdport, _ = client
    refused = ["serverstats", "ntpdata 127.0.0.1", "selectdata", "authdata", "clients",
               "makestep", "burst 1/2", "online", "offline", "dump", "reload sources",
               "shutdown"]
    cport = free_udp_port()
    ref = chronyd_daemon(tmp_path / "chronyd", ["cmdport %d" % cport, "bindcmdaddress 127.0.0.1",
                                                "bindcmdaddress /", "port 0",
                                                "server 127.0.0.1 port %d" % server[1]])
    ref.start(wait_ports=[(4, cport)])
    try:
        for cmd in refused:
            _, theirs = chronyc(*cmd.split(), host="127.0.0.1", port=cport)
            _, ours = chronyc(*cmd.split(), host="127.0.0.1", port=cmdport)
            assert "501 Not authorised" in theirs, (cmd, theirs)
            assert "501 Not authorised" in ours, (cmd, ours)
    finally:
        ref.stop()
    assert d.alive()


def test_everything_over_the_unix_socket(client):
    d, _, sock = client
    rc, out = chronyc("serverstats", host=sock)
    assert rc == 0 and "Command packets received" in out, out
    rc, out = chronyc("ntpdata", "127.0.0.1", host=sock)
    assert rc == 0, out
    assert "Remote address  : 127.0.0.1 (7F000001)" in out
    assert "Mode            : Server" in out and "Stratum         : 2" in out
    rc, out = chronyc("-n", "selectdata", host=sock)
    assert rc == 0 and "* 127.0.0.1" in out, out
    rc, out = chronyc("-n", "authdata", host=sock)
    assert rc == 0 and "127.0.0.1" in out, out
    for cmd, want in [("burst 2/4", "200 OK"), ("offline", "200 OK"),
                      ("activity", "0 sources online\n0 sources offline\n0 sources doing "
                       "burst (return to online)\n1 sources doing burst (return to offline)"),
                      ("online", "200 OK"),
                      ("makestep", "500 Failure"),      # -x: no clock to step, as chronyd -x
                      ("burst 1/2 10.9.9.9", "503 No such source"),
                      ("reset sources", "200 OK"), ("dump", "200 OK"), ("rekey", "200 OK"),
                      ("cyclelogs", "200 OK"), ("local stratum 5", "200 OK"),
                      ("allow 10.0.0.0/8", "200 OK"), ("accheck 10.1.1.1", "208 Access allowed"),
                      ("accheck 11.1.1.1", "209 Access denied"),
                      ("cmdaccheck 127.0.0.1", "208 Access allowed")]:
        _, out = chronyc(*cmd.split(), host=sock)
        assert want in out, (cmd, out)
    assert "Could not step system clock" in d.log()    # chronyd -x's words
    assert d.alive()


def test_waitsync_and_shutdown(client):
    d, cmdport, sock = client
    rc, out = chronyc("waitsync", "10", "0.01", "0", "0.1", host="127.0.0.1", port=cmdport)
    assert rc == 0, out
    rc, out = chronyc("shutdown", host=sock)
    assert rc == 0 and "200 OK" in out, out
    assert d.wait(5.0) == 0, d.log()
    assert not os.path.exists(sock)


def tracking_request(seq=1):
    req = struct.pack("!BBBBHHIII", 6, 1, 0, 0, 33, 0, seq, 0, 0)
    return req + b"\0" * (104 - len(req))


def ask(payload, port, src="127.0.0.1", timeout=0.5):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((src, 0))
        s.settimeout(timeout)
        s.sendto(payload, ("127.0.0.1", port))
        return s.recv(4096)
    except socket.timeout:
        return None
    finally:
        s.close()


def test_outside_cmdallow_gets_nothing(client):
    _, cmdport, _ = client
    assert ask(tracking_request(), cmdport, src="127.0.0.1") is not None
    assert ask(tracking_request(), cmdport, src="127.0.0.2") is None


def malformed_requests():
    good = tracking_request()
    hdr = lambda **kw: struct.pack("!BBBBHHIII", kw.get("v", 6), kw.get("t", 1), kw.get("r1", 0),
                                   kw.get("r2", 0), kw.get("cmd", 33), 0, 7, 0, 0)
    pad = lambda b, n: b + b"\0" * (n - len(b))
    return [
        b"", b"\x06", good[:19], good[:20], good[:27], good[:28], good[:103],   # short
        good + b"\0" * 900, pad(hdr(), 1400),                                   # long
        pad(hdr(v=5), 104), pad(hdr(v=4), 104), pad(hdr(v=7), 104), pad(hdr(v=0), 104),
        pad(hdr(v=255), 104),                                                   # versions
        pad(hdr(cmd=0), 104), pad(hdr(cmd=10), 104), pad(hdr(cmd=75), 104),
        pad(hdr(cmd=999), 104), pad(hdr(cmd=0xffff), 600),                      # commands
        pad(hdr(r1=1), 104), pad(hdr(r2=0xff), 104), pad(hdr(t=2), 104),
        pad(hdr(t=0), 104),                                                     # reserved, type
        pad(hdr(cmd=15), 75), pad(hdr(cmd=68), 519), pad(hdr(cmd=64), 371),    # one byte short
        pad(hdr(cmd=15), 76)[:40] + b"\xff" * 36,                               # index huge
        pad(hdr(cmd=57), 152)[:36] + b"\x00\x09" + b"\0" * 114,                 # bad family
        b"\xff" * 104, bytes(range(256)) * 2,                                   # garbage
    ]


def test_malformed_requests_never_crash_or_amplify(client):
    d, cmdport, sock = client
    cases = malformed_requests()
    assert len(cases) >= 30
    for payload in cases:
        reply = ask(payload, cmdport, timeout=0.2)
        if reply is not None:
            assert len(reply) <= len(payload), payload[:8]
    # the same over the Unix socket
    u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    u.bind("")                       # autobind: an address to answer to
    u.settimeout(0.2)
    try:
        for payload in cases:
            if not payload:
                continue
            u.sendto(payload, sock)
            try:
                reply = u.recv(4096)
                assert len(reply) <= len(payload)
            except socket.timeout:
                pass
    finally:
        u.close()
    assert d.alive(), d.log()
    assert ask(tracking_request(), cmdport) is not None


def source_addresses(sock):
    _, out = chronyc("-n", "-c", "sources", host=sock)
    return sorted(l.split(",")[2] for l in out.splitlines() if l.count(",") >= 9)


def test_add_delete_and_reload_sources(client, server):
    d, _, sock = client
    _, out = chronyc("add", "server", "127.0.0.1", host=sock)
    assert "511 Source already present" in out, out
    _, out = chronyc("add", "server", "127.0.0.2", "port", str(server[1]), "iburst", host=sock)
    assert "200 OK" in out, out
    assert source_addresses(sock) == ["127.0.0.1", "127.0.0.2"]
    assert "Added source 127.0.0.2" in d.log()       # chronyd 4.8's words
    _, out = chronyc("delete", "127.0.0.2", host=sock)
    assert "200 OK" in out, out
    assert re.search(r"Removed source 127\.0\.0\.2$", d.log(), re.M), d.log()
    _, out = chronyc("delete", "127.0.0.9", host=sock)
    assert "503 No such source" in out, out
    assert source_addresses(sock) == ["127.0.0.1"]
    # sourcedir: a new file's line comes in, a removed line goes
    (d.srcdir / "a.sources").write_text("server 127.0.0.3 port %d offline\n" % server[1])
    _, out = chronyc("reload", "sources", host=sock)
    assert "200 OK" in out, out
    assert source_addresses(sock) == ["127.0.0.1", "127.0.0.3"]
    assert "Added source 127.0.0.3" in d.log()
    _, out = chronyc("activity", host=sock)
    assert "1 sources offline" in out, out
    (d.srcdir / "a.sources").write_text("")
    _, out = chronyc("reload", "sources", host=sock)
    assert source_addresses(sock) == ["127.0.0.1"]
    assert "Removed source 127.0.0.3" in d.log()
    _, out = chronyc("refresh", host=sock)
    assert "200 OK" in out, out
    assert d.alive(), d.log()


def add_source_request(type_, name, port=123, seq=9):
    """A raw ADD_SOURCE (64) request: type, 256-byte name, port; the rest 0."""
    req = struct.pack("!BBBBHHIII", 6, 1, 0, 0, 64, 0, seq, 0, 0)
    req += struct.pack("!I", type_) + name.ljust(256, b"\0")[:256] + struct.pack("!I", port)
    return req + b"\0" * (372 - len(req))


def test_add_source_requests_are_checked(client):
    """What chronyc would never send is refused with the protocol's status:
    21 invalid name (empty, or not terminated within 256 bytes), 3 invalid
    (unknown type, port beyond 65535); nothing is added."""
    d, _, sock = client
    u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    u.bind("")
    u.settimeout(2.0)
    try:
        for req, status in [(add_source_request(1, b""), 21),
                            (add_source_request(1, b"a" * 256), 21),
                            (add_source_request(9, b"127.0.0.5"), 3),
                            (add_source_request(0, b"127.0.0.5"), 3),
                            (add_source_request(1, b"127.0.0.5", port=70000), 3)]:
            u.sendto(req, sock)
            reply = u.recv(4096)
            assert len(reply) <= len(req)
            assert struct.unpack("!H", reply[8:10])[0] == status, (req[20:40], reply[:12])
    finally:
        u.close()
    assert source_addresses(sock) == ["127.0.0.1"]
    assert d.alive()
