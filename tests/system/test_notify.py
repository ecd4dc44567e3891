"""sd_notify without libsystemd: a stratumd started with $NOTIFY_SOCKET
naming a Unix datagram socket (a path, or an abstract name written "@...")
sends READY=1 once it serves, STATUS= lines when its state changes, and
STOPPING=1 at SIGTERM. The socket here is the test's own fake of systemd's."""
import os
import select
import signal
import socket
import time

import pytest

from ntptest import Daemon, free_udp_port, query, server_config, start_server


class FakeNotifySocket:
    def __init__(self, path=None, abstract=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            self.sock.bind("\0" + abstract)
            self.env = "@" + abstract
        else:
            self.sock.bind(str(path))
            self.env = str(path)
        self.messages = []

    def wait_for(self, line, timeout):
        """Collect datagrams until one has `line` among its lines."""
        deadline = time.monotonic() + timeout
        while not any(line in m.split("\n") for m in self.messages):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                self.messages.append(self.sock.recv(4096).decode())
        return True

    def statuses(self):
        return [l[7:] for m in self.messages for l in m.split("\n") if l.startswith("STATUS=")]

    def close(self):
        self.sock.close()


@pytest.fixture(params=["path", "abstract"])
def notify(request, tmp_path, monkeypatch):
    if request.param == "path":
        s = FakeNotifySocket(path=tmp_path / "notify")
    else:
        s = FakeNotifySocket(abstract="stratum-test-%d-%d" % (os.getpid(), time.monotonic_ns()))
    monkeypatch.setenv("NOTIFY_SOCKET", s.env)
    yield s
    s.close()


def test_ready_status_stopping(daemons, notify):
    port = free_udp_port()
    d = daemons(server_config(port), wait_ports=[(4, port)])
    assert notify.wait_for("READY=1", 5.0), notify.messages
    assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
    assert notify.wait_for("STATUS=Serving local time (stratum 3)", 5.0), notify.messages
    assert not any("STOPPING=1" in m for m in notify.messages)
    d.signal(signal.SIGTERM)
    assert notify.wait_for("STOPPING=1", 3.0), notify.messages
    assert d.wait(3.0) == 0, d.log()
    # Once each, and READY before STOPPING.
    lines = [l for m in notify.messages for l in m.split("\n")]
    assert lines.count("READY=1") == 1 and lines.count("STOPPING=1") == 1
    assert lines.index("READY=1") < lines.index("STOPPING=1")


def test_ready_only_after_sockets_are_bound(tmp_path, notify):
    """READY=1 means the daemon serves: its port answers at once."""
    port = free_udp_port()
    d = Daemon(tmp_path / "d", server_config(port))
    try:
        d.start()
        assert notify.wait_for("READY=1", 5.0), notify.messages
        assert query(("127.0.0.1", port), timeout=1.0, tries=1)[1] is not None
    finally:
        d.stop()


def test_status_follows_synchronisation(tmp_path, notify, monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET")        # the server is not the one watched
    server, (addr, port) = start_server(tmp_path / "server")
    monkeypatch.setenv("NOTIFY_SOCKET", notify.env)
    client = Daemon(tmp_path / "client",
                    "port 0\nserver %s port %d iburst minpoll 2 maxpoll 2\n" % (addr, port))
    try:
        client.start()
        assert notify.wait_for("READY=1", 5.0), notify.messages
        assert notify.wait_for("STATUS=Not synchronised", 5.0), notify.messages
        # Checked every 5 s; the first update comes after a few samples.
        assert notify.wait_for("STATUS=Synchronised to %s (stratum 4)" % addr, 30.0), \
            (notify.messages, client.log())
        assert notify.statuses()[:2] == ["Not synchronised",
                                         "Synchronised to %s (stratum 4)" % addr]
    finally:
        client.stop()
        server.stop()


def test_no_variable_nothing_sent(daemons, monkeypatch):
    """Without NOTIFY_SOCKET the daemon runs as before."""
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    port = free_udp_port()
    # wait_ready=False: the harness would otherwise give it a socket of its own.
    d = daemons(server_config(port), wait_ports=[(4, port)], wait_ready=False)
    assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
    d.signal(signal.SIGTERM)
    assert d.wait(3.0) == 0
    assert "NOTIFY_SOCKET" not in d.log()


def test_unusable_variable_is_a_warning(daemons, monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", "relative/path")
    port = free_udp_port()
    d = daemons(server_config(port), wait_ports=[(4, port)])
    assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
    assert "Could not use NOTIFY_SOCKET" in d.log()
