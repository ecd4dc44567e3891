"""stratumd -x as a client of Debian's chronyd (`local stratum 1`) on
loopback, without authentication (test_auth.py covers keys): it logs
`Selected source 127.0.0.1` within 20 s and then serves stratum 2 with the
server's address as reference id. Every wait is bounded; -x everywhere."""
import time

import pytest

from ntptest import chronyd_daemon, free_udp_port, parse, query

SELECT_TIMEOUT = 20.0


@pytest.fixture(scope="module")
def chronyd_stratum1(tmp_path_factory):
    port = free_udp_port()
    d = chronyd_daemon(tmp_path_factory.mktemp("chronyd"), [
        "port %d" % port, "bindaddress 127.0.0.1", "allow 127.0.0.1", "local stratum 1"])
    try:
        d.start(wait_ports=[(4, port)])
    except BaseException:
        d.stop()
        raise
    yield port
    rc = d.stop()
    print("---- chronyd (exit %s)\n%s" % (rc, d.log()))


def test_selects_chronyd_within_20_s_and_serves_stratum_2(chronyd_stratum1, daemons):
    own = free_udp_port()
    d = daemons("server 127.0.0.1 port %d iburst minpoll 4 maxpoll 4\n"
                "port %d\nbindaddress 127.0.0.1\nallow 127.0.0.1\n" % (chronyd_stratum1, own),
                wait_ports=[(4, own)])
    start = time.monotonic()
    while "Selected source 127.0.0.1" not in d.log():
        assert d.alive(), d.log()
        assert time.monotonic() - start < SELECT_TIMEOUT, d.log()
        time.sleep(0.2)
    _, data, _ = query(("127.0.0.1", own), timeout=2.0)
    reply = parse(data)
    assert (reply.li, reply.stratum, reply.refid) == (0, 2, 0x7F000001)
    assert "Can't synchronise" not in d.log()
