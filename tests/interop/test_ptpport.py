"""NTP over PTP and chronyd's extension fields with Debian's chronyd 4.3.

chronyd 4.3 wraps NTP in PTP in the experimental format of chrony 4.2-4.8
(TLV 0x2023 after a 48-byte prefix); chrony 4.9 and stratumd (ptpport)
use the final one (an organization extension TLV after 56 bytes), so the
two cannot meet over PTP: a chronyd 4.3 polling stratumd's PTP port gets
no answer. Both know chrony's F323 field (the same layout from 4.2 to
4.9): over plain NTP, through a relay that records every datagram,
chronyd 4.3 polls stratumd with it and stratumd polls chronyd 4.3 with it,
each answering with the field filled in, and each selects the other."""
import socket
import struct

from ntptest import Daemon, UdpRelay, chronyd_daemon, f323, free_udp_port, start_server, wait_for

SELECT_TIMEOUT = 20


class Relay(UdpRelay):
    """Records (request, reply) bytes between clients and the server."""

    def __init__(self, server):
        self.requests, self.replies = [], []
        self.client = None
        super().__init__(server)

    def request(self, data, src):
        self.client = src
        self.requests.append(data)
        return True

    def reply(self, data):
        if self.client:
            self.replies.append(data)
        return self.client


def field_types(packet):
    types, at = [], 48
    while at + 4 <= len(packet):
        kind, length = struct.unpack("!HH", packet[at:at + 4])
        if length < 16:
            break
        types.append(kind)
        at += length
    return types


def check_f323_exchange(relay):
    assert len(relay.requests) >= 3 and len(relay.replies) >= 3
    for req in relay.requests:
        assert f323(req) == (0, 0, 0, 0), req.hex()    # a request's field carries nothing
    answered = [f323(r) for r in relay.replies]
    assert all(a is not None for a in answered), [r.hex() for r in relay.replies]
    assert all(mono != 0 for _, _, mono, _ in answered)
    assert len({epoch for *_, epoch in answered}) == 1   # nothing stepped meanwhile


def test_chronyd43_polls_stratumd_with_f323(tmp_path):
    server, addr = start_server(tmp_path / "stratumd")
    relay = Relay(addr)
    d = chronyd_daemon(tmp_path / "chronyd", [
        "server 127.0.0.1 port %d iburst minpoll -2 maxpoll -2 extfield F323" % relay.port])
    try:
        d.start()
        assert wait_for(lambda: "Selected source 127.0.0.1" in d.log(), SELECT_TIMEOUT), d.log()
    finally:
        d.stop()
        server.stop()
        relay.close()
    check_f323_exchange(relay)


def test_stratumd_polls_chronyd43_with_f323(tmp_path):
    port = free_udp_port()
    chronyd = chronyd_daemon(tmp_path / "chronyd", [
        "port %d" % port, "bindaddress 127.0.0.1", "allow 127.0.0.1", "local stratum 3"])
    relay = Relay(("127.0.0.1", port))
    # 10A too, which without ptpport is left out, as chronyd does
    client = Daemon(tmp_path / "stratumd", "port 0\nserver 127.0.0.1 port %d iburst minpoll -2 "
                    "maxpoll -2 extfield F323 extfield 10A\n" % relay.port)
    try:
        chronyd.start(wait_ports=[(4, port)])
        client.start()
        assert wait_for(lambda: "Selected source 127.0.0.1" in client.log(), SELECT_TIMEOUT), \
            client.log()
    finally:
        client.stop()
        chronyd.stop()
        relay.close()
    check_f323_exchange(relay)
    assert all(field_types(r) == [0xF323] for r in relay.requests)
    assert "not implemented" not in client.log()


def ptp49(ntp, domain=123):
    """An NTP message in a PTP Delay_Req as chronyd 4.9 wraps it."""
    return (struct.pack("!BBHBBH", 1, 2, 56 + len(ntp), domain, 0, 0x0400) + bytes(36) +
            struct.pack("!HH", 3, 8 + len(ntp)) + bytes.fromhex("00005e000001") + bytes(2) +
            ntp)


def test_chronyd43_over_ptp_gets_no_answer(tmp_path):
    """What chronyd 4.3 sends to a PTP port (caught here on 127.0.0.1) is its
    experimental format; stratumd (on 127.0.0.3, the same port) does not
    answer it, but answers its NTP message wrapped as chronyd 4.9 does."""
    port = free_udp_port()
    catch = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    catch.bind(("127.0.0.1", port))
    catch.settimeout(5)
    server = Daemon(tmp_path / "stratumd", "port 0\nptpport %d\nbindaddress 127.0.0.3\n"
                    "allow 127.0.0.0/8\nlocal stratum 3\n" % port, args=("-4",))
    chronyd = chronyd_daemon(tmp_path / "chronyd", [
        "port 0", "ptpport %d" % port, "bindaddress 127.0.0.2",
        "server 127.0.0.1 port %d iburst minpoll -2 maxpoll -2" % port])
    try:
        server.start(wait_ports=[(4, port)])
        chronyd.start(wait_ports=[(4, port)])
        message, sender = catch.recvfrom(2048)
        assert sender == ("127.0.0.2", port)
        assert struct.unpack("!HH", message[44:48]) == (0x2023, len(message) - 48)
        ntp = message[48:]
        assert ntp[0] & 7 == 3
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            s.settimeout(0.5)
            s.sendto(message, ("127.0.0.3", port))
            try:
                reply = s.recv(2048)
            except socket.timeout:
                reply = None
            assert reply is None
            s.sendto(ptp49(ntp), ("127.0.0.3", port))
            reply = s.recv(2048)
            assert len(reply) == 56 + 48 and reply[56 + 24:56 + 32] == ntp[40:48]
    finally:
        chronyd.stop()
        server.stop()
        catch.close()
