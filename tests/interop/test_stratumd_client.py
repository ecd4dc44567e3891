"""stratumd -x as a client of Debian's chronyd (`local stratum 1`) on
loopback, without authentication (test_auth.py covers keys): it logs
`Selected source 127.0.0.1` within 20 s and then serves stratum 2 with the
server's address as reference id. Every wait is bounded; -x everywhere."""
import time

import pytest

from ntptest import free_udp_port, parse, query, serving_chronyd

SELECT_TIMEOUT = 20.0


@pytest.fixture(scope="module")
def chronyd_stratum1(tmp_path_factory):
    for addr in serving_chronyd(tmp_path_factory.mktemp("chronyd"), 1):
        yield addr[1]


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
