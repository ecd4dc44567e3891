"""acquisitionport: stratumd -x sends every request to its server from the one
port configured, and still selects the server. A UDP relay written here sits
between client and server and records the source port of each request. The
shared socket reports the kernel's transmit timestamps as a source's own
socket does (measurements.log: K in the TX column)."""
import re

from ntptest import (Daemon, UdpRelay, free_udp_port, start_server, udp_ports_of, wait_for,
                     wait_log_rows)


class Relay(UdpRelay):
    """Records the (address, port) each request came from; a reply goes
    back to the sender of the request whose transmit time it echoes."""

    def __init__(self, server):
        self.sources = []
        self.pending = {}
        super().__init__(server)

    def request(self, data, src):
        if len(data) < 48:
            return False
        self.sources.append(src)
        self.pending[data[40:48]] = src
        return True

    def reply(self, data):
        return self.pending.pop(data[24:32], None) if len(data) >= 48 else None


def test_requests_leave_from_acquisitionport(tmp_path):
    server, (addr, port) = start_server(tmp_path / "server")
    relay = Relay((addr, port))
    acq = free_udp_port()
    client = Daemon(tmp_path / "client",
                    "port 0\nacquisitionport %d\n"
                    "server 127.0.0.1 port %d iburst minpoll 4 maxpoll 4\n" % (acq, relay.port))
    try:
        client.start()
        assert wait_for(lambda: "Selected source 127.0.0.1" in client.log(), 20), client.log()
        assert (4, acq) in udp_ports_of(client.proc.pid)
    finally:
        client.stop()
        server.stop()
        relay.close()
    assert len(relay.sources) >= 3
    assert {p for _, p in relay.sources} == {acq}
    assert "not implemented" not in client.log()


def test_kernel_transmit_timestamps_on_the_shared_socket(tmp_path):
    server, (addr, port) = start_server(tmp_path / "server")
    logdir = tmp_path / "client"
    client = Daemon(logdir, "port 0\nacquisitionport %d\nserver %s port %d iburst minpoll 0 "
                    "maxpoll 0\nlogdir %s\nlog measurements\n"
                    % (free_udp_port(), addr, port, logdir))
    try:
        client.start()
        rows = wait_log_rows(client, logdir / "measurements.log",
                             re.compile(r"^\d{4}-.* \d[BI] (\S) (\S)\s*$", re.M), 4, 15.0)
    finally:
        client.stop()
        server.stop()
    print(rows)
    assert len(rows) >= 4 and all(tx == "K" for tx, _ in rows), rows
