"""allow/deny with chrony's semantics, checked from several loopback source
addresses (Linux routes all of 127.0.0.0/8 to lo, so a client socket can bind
127.0.0.2, 127.0.0.3...).  Every expectation below was checked against
chronyd 4.3 with the same directives."""
import socket

import pytest

from ntptest import (MODE_SERVER, client_request, exchange, free_udp_port, parse,
                     server_config, udp_ports_of)

CASES = [
    # id, allow/deny directives, {source: answered?}
    ("no-allow", [], {"127.0.0.1": False, "127.0.0.2": False}),
    ("allow-host", ["allow 127.0.0.1"], {"127.0.0.1": True, "127.0.0.2": False}),
    ("allow-net-deny-host", ["allow 127.0.0.0/8", "deny 127.0.0.3"],
     {"127.0.0.1": True, "127.0.0.3": False, "127.0.0.4": True}),
    ("deny-host-then-allow-net", ["deny 127.0.0.3", "allow 127.0.0.0/8"],
     {"127.0.0.1": True, "127.0.0.3": False, "127.0.0.4": True}),
    ("allow-bare", ["allow"], {"127.0.0.1": True, "127.1.2.3": True}),
    ("allow-all", ["allow all"], {"127.0.0.1": True, "127.1.2.3": True}),
    ("allow-30", ["allow 127.0.0.0/30"],
     {"127.0.0.1": True, "127.0.0.3": True, "127.0.0.4": False}),
    ("deny-all-resets", ["allow 127.0.0.0/8", "allow 127.0.0.2", "deny all 127.0.0.0/29"],
     {"127.0.0.1": False, "127.0.0.2": False, "127.0.0.9": True}),
    ("allow-after-deny-net", ["allow 127.0.0.0/8", "deny 127.0.0.0/24", "allow 127.0.0.5"],
     {"127.0.0.1": False, "127.0.0.5": True, "127.0.1.1": True}),
    ("short-form-prefix", ["allow 127.0.0"],
     {"127.0.0.1": True, "127.0.1.1": False}),
]


@pytest.mark.parametrize("directives,expect", [(d, e) for _, d, e in CASES],
                         ids=[i for i, _, _ in CASES])
def test_access(daemons, directives, expect):
    port = free_udp_port()
    conf = server_config(port, allow=()) + "".join(d + "\n" for d in directives)
    d = daemons(conf)
    # chronyd does not open the NTP port when no client is allowed: wait for
    # the bind only when something is allowed, else just give it time to start.
    answered_any = any(expect.values())
    if answered_any:
        for _ in range(250):
            if (4, port) in udp_ports_of(d.proc.pid) or not d.alive():
                break
            exchange(("127.0.0.1", port), b"", timeout=0.02)
    else:
        # (chronyd -x with no client allowed, no source and no command port
        # exits with "Fatal error : Nothing to do"; either way: no reply)
        exchange(("127.0.0.1", port), b"", timeout=0.5)
    if answered_any:
        assert d.alive(), d.log()
    got = {}
    for src in expect:
        req = client_request()
        replies = exchange(("127.0.0.1", port), req, src=src,
                           timeout=1.0 if expect[src] else 0.3, settle=0.05)
        got[src] = bool(replies)
        for data, _ in replies:
            p = parse(data)
            assert p.mode == MODE_SERVER and p.org == parse(req).xmt
    assert got == expect


CASES6 = [
    ("allow-::1", ["allow ::1"], True),
    ("allow-all", ["allow all"], True),
    ("allow-::/0-deny-::1", ["allow ::/0", "deny ::1"], False),
    ("allow-v4-only", ["allow 127.0.0.1", "allow ::2"], False),
]


@pytest.mark.parametrize("directives,answered", [(d, a) for _, d, a in CASES6],
                         ids=[i for i, _, _ in CASES6])
def test_access_ipv6(daemons, directives, answered):
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    port = free_udp_port("::1")
    conf = server_config(port, bind="::1", allow=()) + "".join(d + "\n" for d in directives)
    d = daemons(conf, wait_ports=[(6, port)])
    replies = exchange(("::1", port), client_request(), timeout=1.0 if answered else 0.3)
    assert bool(replies) == answered, d.log()
