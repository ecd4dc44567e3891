"""acquisitionport: stratumd -x sends every request to its server from the one
port configured, and still selects the server. A UDP relay written here sits
between client and server and records the source port of each request. The
shared socket reports the kernel's transmit timestamps as a source's own
socket does (measurements.log: K in the TX column)."""
import re
import socket
import threading

from ntptest import Daemon, free_udp_port, start_server, udp_ports_of, wait_for, wait_log_rows


class Relay:
    """Forwards requests on 127.0.0.1:port to the server and the replies back,
    recording the (address, port) each request came from."""

    def __init__(self, server):
        self.server = server
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        self.sources = []
        self.pending = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.front.settimeout(0.05)
        self.back.settimeout(0.05)
        while not self.done.is_set():
            for sock in (self.front, self.back):
                try:
                    data, src = sock.recvfrom(2048)
                except socket.timeout:
                    continue
                if len(data) < 48:
                    continue
                if sock is self.front:
                    self.sources.append(src)
                    self.pending[data[40:48]] = src
                    self.back.sendto(data, self.server)
                elif data[24:32] in self.pending:
                    self.front.sendto(data, self.pending.pop(data[24:32]))

    def close(self):
        self.done.set()
        self.thread.join()
        self.front.close()
        self.back.close()



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
