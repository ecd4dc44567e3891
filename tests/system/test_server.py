"""stratumd's NTP server beyond single packets: wildcard binding, privilege
drop, load, bursts of garbage.  Expectations checked on chronyd 4.3."""
import os
import pwd
import select
import socket
import subprocess
import time

import pytest

from ntptest import (client_request, exchange, ext_field, free_udp_port, header, parse,
                     ipv6_loopback, query, require_stratumd, server_config, udp_ports_of)


def test_wildcard_bind_replies_from_the_address_asked(daemons):
    """With no bindaddress the server listens on all addresses, and each
    reply comes from the address the request was sent to (chronyd uses
    IP_PKTINFO / IPV6_PKTINFO for that); a client with a connected socket
    would otherwise never see the reply."""
    port = free_udp_port()
    conf = server_config(port, bind=None, allow=("127.0.0.0/8", "::1"))
    want = [(4, port)]
    targets = ["127.0.0.1", "127.0.0.5", "127.3.2.1"]
    if ipv6_loopback():
        want.append((6, port))
        targets.append("::1")
    daemons(conf, wait_ports=want)
    for addr in targets:
        req = client_request()
        _, rep, sender = query((addr, port), req, timeout=2.0)
        assert rep is not None, "no reply to %s" % addr
        assert sender == (addr, port)
        assert parse(rep).org == parse(req).xmt


def test_connected_client_socket_gets_reply(daemons):
    port = free_udp_port()
    daemons(server_config(port, bind=None, allow=("127.0.0.0/8",)), wait_ports=[(4, port)])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("127.0.0.9", port))
        req = client_request()
        s.send(req)
        r, _, _ = select.select([s], [], [], 2.0)
        assert r, "no reply on a connected socket (wrong source address?)"
        assert parse(s.recv(1024)).org == parse(req).xmt


def test_user_option_drops_root(daemons):
    """-u USER: bind first, then run as USER (chronyd drops root after
    opening its sockets, keeping only what it needs)."""
    if os.geteuid() != 0:
        pytest.skip("privilege drop needs root")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user 'nobody'")
    port = free_udp_port()
    d = daemons(server_config(port), args=["-u", "nobody"], wait_ports=[(4, port)])
    assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
    deadline = time.monotonic() + 2
    uids = None
    while time.monotonic() < deadline:
        with open("/proc/%d/status" % d.proc.pid) as f:
            uids = [int(x) for x in next(l for l in f if l.startswith("Uid:")).split()[1:]]
        if set(uids) == {nobody.pw_uid}:
            break
        time.sleep(0.05)
    assert set(uids) == {nobody.pw_uid}, "uids %s, want all %d" % (uids, nobody.pw_uid)
    assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
    # With -x the clock is never adjusted, so no capability is kept at all
    # (without -x only CAP_SYS_TIME would be: see stratumd(8)).
    with open("/proc/%d/status" % d.proc.pid) as f:
        caps = {k: int(v, 16) for k, v in (l.split(":") for l in f if l.startswith("Cap"))}
    assert caps["CapEff"] == 0 and caps["CapPrm"] == 0, caps


def test_missing_config_file():
    stratumd = require_stratumd()
    r = subprocess.run([str(stratumd), "-x", "-d", "-f", "/nonexistent/stratum.conf"],
                       capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert r.returncode == 1, r.stderr
    assert "/nonexistent/stratum.conf" in r.stderr


def test_many_sequential_requests(local_server):
    """300 request/reply exchanges, each answered, in bounded time (no rate
    limiting is configured, so none may be dropped on loopback)."""
    t0 = time.monotonic()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        for i in range(300):
            req = client_request()
            s.sendto(req, local_server)
            r, _, _ = select.select([s], [], [], 1.0)
            assert r, "request %d not answered" % i
            rep = s.recv(1024)
            assert parse(rep).org == parse(req).xmt and len(rep) == 48
    assert time.monotonic() - t0 < 15


def test_burst_of_garbage_then_valid(local_server):
    """1000 hostile packets as fast as we can send them, then valid
    requests: the server survives, answers none of the garbage (no reply at
    all reaches our socket apart from those to valid requests)."""
    junk = [b"", b"\x00" * 47, header(mode=7), header(vn=0), header(mode=6),
            client_request() + ext_field(1, 16, declared=12),
            client_request() + b"\xff" * 952, b"\x17\x00\x03\x2a" + b"\x00" * 4]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        for i in range(1000):
            s.sendto(junk[i % len(junk)], local_server)
        time.sleep(0.3)
        got = []
        while select.select([s], [], [], 0)[0] and len(got) < 2000:
            got.append(s.recv(2048))
        assert got == [], "%d replies to garbage" % len(got)
        ok = 0
        for _ in range(5):
            req = client_request()
            s.sendto(req, local_server)
            if select.select([s], [], [], 1.0)[0]:
                rep = s.recv(1024)
                ok += parse(rep).org == parse(req).xmt
        assert ok == 5


@pytest.mark.parametrize("opt,family", [("-4", 4), ("-6", 6)])
def test_address_family_option(daemons, opt, family):
    """-4 / -6: serve on IPv4 only / IPv6 only (as chronyd: one wildcard
    socket of that family)."""
    if family == 6 and not ipv6_loopback():
        pytest.skip("no IPv6 loopback")
    port = free_udp_port("::1" if family == 6 else "127.0.0.1")
    d = daemons(server_config(port, bind=None, allow=("127.0.0.0/8", "::1")), args=[opt],
                wait_ports=[(family, port)])
    other = 10 - family
    assert (other, port) not in udp_ports_of(d.proc.pid)
    addr = "::1" if family == 6 else "127.0.0.1"
    assert query((addr, port), timeout=2.0)[1] is not None


def test_many_client_addresses(daemons):
    """500 different client addresses (127.1.x.y), each answered: the
    per-client state (client log, access checks) copes."""
    port = free_udp_port()
    daemons(server_config(port, allow=("127.0.0.0/8",)), wait_ports=[(4, port)])
    missing = []
    t0 = time.monotonic()
    for i in range(500):
        src = "127.1.%d.%d" % (i // 250, i % 250 + 1)
        req = client_request()
        replies = exchange(("127.0.0.1", port), req, src=src, timeout=1.0, max_replies=1)
        if not replies or parse(replies[0][0]).org != parse(req).xmt:
            missing.append(src)
    assert missing == []
    assert time.monotonic() - t0 < 30
