"""Simple chrony directives acting in the running daemon (stratumd -x, on
loopback, private ports): what a client can see of them from outside."""
from ntptest import free_udp_port, parse, query, server_config


def test_clockprecision_is_the_packets_precision(daemons):
    """clockprecision: chronyd rounds log2 of the value (limited to 1e-9..1 s)
    into the precision field of what it sends; 0 means measure it."""
    seen = {}
    for value, want in (("0.001", -10), ("3e-6", -18), ("1e-12", -30), ("5", 0)):
        port = free_udp_port()
        daemons(server_config(port, extra=["clockprecision " + value]), wait_ports=[(4, port)])
        _, rep, _ = query(("127.0.0.1", port), timeout=2.0)
        assert rep is not None, "no reply with clockprecision %s" % value
        seen[value] = parse(rep).precision
        assert seen[value] == want, seen
