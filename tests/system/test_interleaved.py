"""Interleaved mode (RFC 9769) on stratumd's server side, with raw packets.

A client in interleaved mode puts the server's receive timestamp of its
previous request in the origin field; the server then answers with the
transmit time of that previous reply, taken by the kernel after it left, and
echoes the request's receive field as the origin."""

import pytest

from ntptest import exchange, header, parse, random_ts, start_server

NS_PER_FRAC = 1e9 / (1 << 32)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d, addr = start_server(tmp_path_factory.mktemp("xleave-server"), allow=("127.0.0.0/8",))
    yield addr
    print("---- stratumd (exit %s)\n%s" % (d.stop(), d.log()))


def ask(server, src="127.0.0.1", org=0, rec=0):
    """One request; returns (request xmt, parsed reply)."""
    xmt = random_ts()
    replies = exchange(server, header(org=org, rec=rec, xmt=xmt), src=src, timeout=1.0,
                       max_replies=1)
    assert len(replies) == 1, "no reply from %s" % src
    return xmt, parse(replies[0][0])


def ask_saved(server, src):
    """A client's first two exchanges, both basic: as chronyd, the server
    saves nothing of a request with origin 0, so the second request, which
    names the first, finds nothing; its own exchange is saved. Returns its
    reply."""
    x0, r0 = ask(server, src)
    assert r0.org == x0
    x1, r1 = ask(server, src, org=r0.rec, rec=random_ts())
    assert r1.org == x1, "the second exchange was interleaved: %s" % r1
    return r1


def test_interleaved_reply_carries_the_kernel_transmit_time_of_the_previous(server):
    src = "127.0.0.11"
    r1 = ask_saved(server, src)
    # The third request names r1: interleaved, with r1's kernel transmit
    # time, a little later than the stamp written into r1 before it was sent.
    mark = random_ts()
    x2, r2 = ask(server, src, org=r1.rec, rec=mark)
    assert r2.org == mark and r2.org != x2, "not an interleaved reply: %s" % r2
    assert 0 < (r2.xmt - r1.xmt) * NS_PER_FRAC < 50e6, (r1, r2)
    assert r2.rec > r1.rec
    # r2 answered a request with a non-zero origin: its kernel transmit time
    # was taken, and the next interleaved reply carries it, a little later
    # than the stamp written into r2 before it was sent (tens of microseconds
    # on an idle machine, milliseconds on a loaded one).
    mark = random_ts()
    _, r3 = ask(server, src, org=r2.rec, rec=mark)
    assert r3.org == mark
    late_ns = (r3.xmt - r2.xmt) * NS_PER_FRAC
    print("kernel transmit time %.0f ns after the daemon's stamp" % late_ns)
    assert 0 < late_ns < 50e6, "kernel transmit time %.0f ns after the daemon's stamp" % late_ns


def test_only_the_clients_own_last_receive_timestamp_switches_to_interleaved(server):
    src, spoofer = "127.0.0.12", "127.0.0.13"
    r1 = ask_saved(server, src)
    # Another address naming the client's exchange gets a basic reply...
    x, r = ask(server, spoofer, org=r1.rec, rec=random_ts())
    assert r.org == x
    # ...and so does the client with any other origin (an even one, which
    # no receive timestamp is, changes nothing saved; an odd one is saved
    # in place of r1's exchange), or an older one.
    x, r = ask(server, src, org=r1.rec ^ 1, rec=random_ts())
    assert r.org == x
    x, r = ask(server, src, org=r1.rec ^ 2, rec=random_ts())
    assert r.org == x
    x, r = ask(server, src, org=r1.rec, rec=random_ts())
    assert r.org == x, "a stale origin (not the last exchange) was taken as interleaved"


def test_basic_clients_get_basic_replies(server):
    """Origin zero (chrony's data minimisation) or the server's own transmit
    timestamp (ntpd's basic mode) is never taken as interleaved."""
    src = "127.0.0.14"
    _, r1 = ask(server, src)
    # chronyd's flags: a receive timestamp is odd, a transmit one even
    assert r1.rec & 1 and not r1.xmt & 1, r1
    x, r = ask(server, src, org=r1.xmt, rec=random_ts())
    assert r.org == x
    x, r = ask(server, src)
    assert r.org == x
