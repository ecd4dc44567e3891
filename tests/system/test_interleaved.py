"""Interleaved mode (RFC 9769) on stratumd's server side, with raw packets.

A client in interleaved mode puts the server's receive timestamp of its
previous request in the origin field; the server then answers with the
transmit time of that previous reply, taken by the kernel after it left, and
echoes the request's receive field as the origin."""

import pytest

from ntptest import random_ts, start_server, xleave_ask as ask, xleave_ask_saved as ask_saved

NS_PER_FRAC = 1e9 / (1 << 32)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d, addr = start_server(tmp_path_factory.mktemp("xleave-server"), allow=("127.0.0.0/8",))
    yield addr
    print("---- stratumd (exit %s)\n%s" % (d.stop(), d.log()))


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


def test_a_receive_timestamp_gives_one_interleaved_reply_whoever_names_it(server):
    """As chronyd (4.2 to 4.8): the saved timestamps are a map of the
    server's receive timestamps, not of clients."""
    src, other = "127.0.0.12", "127.0.0.13"
    r1 = ask_saved(server, src)
    # Another address naming the client's exchange gets the interleaved
    # reply (as from chronyd)...
    mark = random_ts()
    _, r = ask(server, other, org=r1.rec, rec=mark)
    assert r.org == mark, "not an interleaved reply: %s" % r
    # ...and then nobody: one interleaved reply per receive timestamp.
    x, r = ask(server, src, org=r1.rec, rec=random_ts())
    assert r.org == x, "a receive timestamp answered twice in interleaved mode"
    # An origin that is no receive timestamp of ours gets a basic reply.
    x, r = ask(server, src, org=r1.rec ^ 1, rec=random_ts())
    assert r.org == x
    x, r = ask(server, src, org=r1.rec ^ 2, rec=random_ts())
    assert r.org == x


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
