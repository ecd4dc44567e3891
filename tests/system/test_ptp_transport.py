"""ptpport/ptpdomain: stratumd answers NTP carried in PTP messages as
chronyd 4.9 sends them (the final specification), in its PTP domain only,
and refuses the experimental format of chronyd 4.2-4.8. Two stratumd, one
on 127.0.0.1 and one on 127.0.0.2 (the same PTP port on both, as the
transport wants), synchronise over it with extension fields F323 and 10A."""
import socket
import struct

from ntptest import (F323_MAGIC, MODE_SERVER, Daemon, client_request, free_udp_port, parse,
                     udp_ports_of, wait_for)

OUI_NTP = bytes.fromhex("00005e000001")


def ext_request():
    """chronyd's request fields: 10A (all zero), F323 (its magic, then zeros)."""
    return (struct.pack("!HH", 0x010A, 28) + bytes(24) +
            struct.pack("!HHI", 0xF323, 28, F323_MAGIC) + bytes(20))


def ptp49(ntp, domain, seq=7, tlv_type=3):
    """An NTP message in a PTP Delay_Req as chronyd 4.9 wraps it."""
    return (struct.pack("!BBHBBH", 1, 2, 56 + len(ntp), domain, 0, 0x0400) + bytes(22) +
            struct.pack("!HBb", seq, 0, 0) + bytes(10) +
            struct.pack("!HH", tlv_type, 8 + len(ntp)) + OUI_NTP + bytes(2) + ntp)


def ptp43(ntp, domain):
    """chronyd 4.3's experimental wrapping: 48 bytes, TLV 0x2023."""
    return (struct.pack("!BBHBBH", 1, 2, 48 + len(ntp), domain, 0, 0x0400) + bytes(26) +
            bytes(10) + struct.pack("!HH", 0x2023, len(ntp)) + ntp)


def ask(port, message):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        for _ in range(3):
            s.sendto(message, ("127.0.0.1", port))
            try:
                return s.recv(2048)
            except socket.timeout:
                continue
    return None


def test_server_answers_chrony49_messages_of_its_domain(tmp_path):
    port = free_udp_port()
    d = Daemon(tmp_path / "server", "port 0\nptpport %d\nptpdomain 5\nbindaddress 127.0.0.1\n"
               "allow 127.0.0.1\nlocal stratum 3\n" % port, args=("-4",))
    try:
        d.start(wait_ports=[(4, port)])
        request = client_request() + ext_request()
        reply = ask(port, ptp49(request, 5))
        assert reply is not None, d.log()
        # the PTP prefix as chronyd 4.9 makes it: Delay_Req, v2, its length,
        # our domain, unicast; TLV 3 of the NTP message's length + 8, IANA's OUI
        kind, version, length, domain, _, flags = struct.unpack("!BBHBBH", reply[:8])
        assert (kind, version, length, domain, flags) == (1, 2, len(reply), 5, 0x0400)
        tlv_type, tlv_len = struct.unpack("!HH", reply[44:48])
        assert (tlv_type, tlv_len) == (3, len(reply) - 56 + 8)
        assert reply[48:54] == OUI_NTP
        ntp = reply[56:]
        h = parse(ntp)
        assert h.mode == MODE_SERVER and h.stratum == 3
        assert h.org == struct.unpack("!Q", request[40:48])[0]
        assert len(ntp) == len(request)          # both fields answered
        assert struct.unpack("!HH", ntp[48:52]) == (0x010A, 28)
        assert struct.unpack("!HHI", ntp[76:84]) == (0xF323, 28, F323_MAGIC)
        assert ntp[96:104] != bytes(8)           # the monotonic receive time
        # refused: another domain, chronyd 4.3's format, a bare NTP request
        assert ask(port, ptp49(request, 123)) is None
        assert ask(port, ptp43(request, 5)) is None
        assert ask(port, request) is None
        assert "not implemented" not in d.log()
    finally:
        d.stop()


def test_two_stratumd_over_ptp(tmp_path):
    port = free_udp_port()
    server = Daemon(tmp_path / "server", "port 0\nptpport %d\nbindaddress 127.0.0.1\n"
                    "allow 127.0.0.0/8\nlocal stratum 3\n" % port, args=("-4",))
    client = Daemon(tmp_path / "client",
                    "port 0\nptpport %d\nbindaddress 127.0.0.2\nserver 127.0.0.1 port %d iburst "
                    "minpoll -2 maxpoll -2 extfield F323 extfield 10A\n" % (port, port),
                    args=("-4",))
    try:
        server.start(wait_ports=[(4, port)])
        client.start(wait_ports=[(4, port)])
        assert wait_for(lambda: "Selected source 127.0.0.1" in client.log(), 20), client.log()
        # polled from the PTP socket: the client has no other NTP socket
        assert udp_ports_of(client.proc.pid) == {(4, port)}
    finally:
        client.stop()
        server.stop()
    assert "NTP packets received 0" not in server.log()


def test_peers_over_ptp(tmp_path):
    """Peers at the PTP port speak symmetric mode from the PTP socket too."""
    port = free_udp_port()
    a = Daemon(tmp_path / "a", "port 0\nptpport %d\nbindaddress 127.0.0.1\nallow 127.0.0.0/8\n"
               "local stratum 3\npeer 127.0.0.2 port %d minpoll -2 maxpoll -2\n" % (port, port),
               args=("-4",))
    b = Daemon(tmp_path / "b", "port 0\nptpport %d\nbindaddress 127.0.0.2\nallow 127.0.0.0/8\n"
               "peer 127.0.0.1 port %d minpoll -2 maxpoll -2\n" % (port, port), args=("-4",))
    try:
        a.start(wait_ports=[(4, port)])
        b.start(wait_ports=[(4, port)])
        assert wait_for(lambda: "Selected source 127.0.0.1" in b.log(), 20), b.log()
        assert udp_ports_of(b.proc.pid) == {(4, port)}
    finally:
        b.stop()
        a.stop()
