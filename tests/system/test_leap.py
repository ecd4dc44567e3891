"""A leap second is accepted only on the last day of June or December (UTC),
as chronyd's reference.c: stratumd -x synchronised to a server announcing
one (LI=1) shows it in `stratumc tracking` and passes LI=1 to its own
clients on those days only. The expectation follows today's date (the
system clock is what chronyd and stratumd read), so the test holds on
every day; tests/unit/test_leap_day.c sets the dates on the simulator."""
import datetime
import re

from ntptest import (Daemon, FakeServer, free_udp_port, parse, query, server_config, stratumc,
                     wait_for)

SYNC_TIMEOUT = 20


def leap_second_day(day):
    return (day.month, day.day) in ((6, 30), (12, 31))


def today_utc():
    return datetime.datetime.now(datetime.timezone.utc).date()


def tracking(sock):
    rc, out = stratumc(sock, "-n", "tracking")
    assert rc == 0, out
    return out


def test_announced_leap_as_the_date_allows(tmp_path, stratumd_bin):
    server = FakeServer(leap=1)
    port = free_udp_port()
    sock = tmp_path / "stratumd.sock"
    config = server_config(port, local_stratum=None, extra=[
        "server 127.0.0.1 port %d iburst minpoll 0 maxpoll 0" % server.port,
        "bindcmdaddress %s" % sock])
    client = Daemon(tmp_path / "client", config).start(wait_ports=[(4, port)])
    try:
        day = today_utc()
        assert wait_for(lambda: "Reference ID    : 7F000001" in tracking(sock), SYNC_TIMEOUT), \
            tracking(sock) + client.log()
        status = re.search(r"^Leap status\s*: (.*)$", tracking(sock), re.M).group(1)
        _, data, _ = query(("127.0.0.1", port))
        assert day == today_utc(), "midnight passed during the test"
    finally:
        client.stop()
        server.close()
    reply = parse(data)
    assert reply.stratum == 2
    if leap_second_day(day):
        assert status == "Insert second" and reply.li == 1, (status, reply)
    else:
        assert status == "Normal" and reply.li == 0, (status, reply)
