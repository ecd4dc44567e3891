"""Poll limits: stratumd -x never polls a server faster than chronyd would.

chronyd (ntp_core.c) keeps minpoll and maxpoll within -7..24 (a value below
-7 takes the default, 6 or 10), polls below 1 s only while the server
answers over a LAN round trip, and ignores chronyc's minpoll/maxpoll
outside -7..24. Its highest rate is thus 128 requests a second.
ntptest.FakeServer (stratum 1 on 127.0.0.1) counts the requests; before the
limits, `minpoll -32 maxpoll -32` made stratumd send about 21,000 a second
to it."""
import time

from ntptest import Daemon, FakeServer, stratumc, wait_for

CHRONYD_MAX_RATE = 2 ** 7          # requests per second at poll -7
WINDOW = 2.0                       # seconds counted


def start_client(tmp_path, server, options, sock=None):
    config = "port 0\nserver 127.0.0.1 port %d %s\n" % (server.port, options)
    if sock:
        config += "bindcmdaddress %s\n" % sock
    return Daemon(tmp_path / "client", config).start()


def test_minpoll_minus_32_polls_at_the_default(tmp_path, stratumd_bin):
    server = FakeServer()
    client = start_client(tmp_path, server, "iburst minpoll -32 maxpoll -32")
    try:
        # iburst: 4 requests 2 s apart, then 64 s (minpoll -32 is 6).
        n = server.count(WINDOW)
        assert client.alive(), client.log()
    finally:
        client.stop()
        server.close()
    assert n <= 2, "%d requests in %.0f s" % (n, WINDOW)
    assert "minpoll -32 is outside chronyd's limits, using 6" in client.log()


def test_minpoll_minus_7_at_most_chronyds_rate(tmp_path, stratumd_bin):
    server = FakeServer()
    client = start_client(tmp_path, server, "minpoll -7 maxpoll -7")
    try:
        assert wait_for(lambda: len(server.times) >= 10, 10), "no fast polling:\n" + client.log()
        n = server.count(WINDOW)
    finally:
        client.stop()
        server.close()
    # 2 % of randomness only ever lengthens an interval.
    assert n <= CHRONYD_MAX_RATE * WINDOW + 2, "%d requests in %.0f s" % (n, WINDOW)


def test_stratumc_minpoll_out_of_range_is_ignored(tmp_path, stratumd_bin):
    server = FakeServer()
    sock = tmp_path / "stratumd.sock"
    client = start_client(tmp_path, server, "iburst minpoll 1 maxpoll 1", sock)
    try:
        for cmd, value in (("minpoll", "-32"), ("maxpoll", "-32"), ("minpoll", "-8"),
                           ("maxpoll", "99")):
            rc, out = stratumc(sock, cmd, "127.0.0.1", value)
            assert rc == 0 and "200 OK" in out, out   # chronyd's reply too
        time.sleep(2.5)                               # the iburst is over
        n = server.count(2 * WINDOW)
        assert client.alive(), client.log()
    finally:
        client.stop()
        server.close()
    assert n <= 3, "%d requests in %.0f s at poll 1" % (n, 2 * WINDOW)
    assert "Source 127.0.0.1 minpoll -32 ignored (not within -7..24)" in client.log()
    assert "Source 127.0.0.1 maxpoll 99 ignored (not within -7..24)" in client.log()
