"""Simple chrony directives acting in the running daemon (stratumd -x, on
loopback, private ports): what a client can see of them from outside."""
import os
import signal
import socket
import time

import pytest

from ntptest import client_request, free_udp_port, parse, query, server_config, wait_for


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


def recv_with_tos(sock, timeout):
    """(data, sender, TOS byte) of the next datagram on sock (IP_RECVTOS on),
    or None."""
    sock.settimeout(timeout)
    try:
        data, anc, _, sender = sock.recvmsg(1024, socket.CMSG_SPACE(4))
    except socket.timeout:
        return None
    tos = [c[2][0] for c in anc if c[0] == socket.IPPROTO_IP and c[1] == socket.IP_TOS]
    return data, sender, tos[0] if tos else None


def listening_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
    s.bind(("127.0.0.1", 0))
    return s


@pytest.mark.parametrize("acqport", [None, 0])
def test_bindacqaddress_and_dscp_of_requests(daemons, acqport):
    """Requests leave from bindacqaddress with dscp in the TOS byte (a new
    socket per request, or the acquisitionport socket)."""
    with listening_socket() as srv:
        port = srv.getsockname()[1]
        extra = ["server 127.0.0.1 port %d iburst" % port, "bindacqaddress 127.0.0.2",
                 "dscp 46"]
        if acqport is not None:
            extra.append("acquisitionport %d" % acqport)
        daemons(server_config(free_udp_port(), extra=extra))
        got = recv_with_tos(srv, 5.0)
        assert got, "no request"
        _, sender, tos = got
        assert sender[0] == "127.0.0.2"
        assert tos == 46 << 2


def test_dscp_of_replies(daemons):
    port = free_udp_port()
    daemons(server_config(port, extra=["dscp 10"]), wait_ports=[(4, port)])
    with listening_socket() as c:
        c.sendto(client_request(), ("127.0.0.1", port))
        got = recv_with_tos(c, 2.0)
        assert got, "no reply"
        assert got[2] == 10 << 2
    port = free_udp_port()
    daemons(server_config(port), wait_ports=[(4, port)])
    with listening_socket() as c:
        c.sendto(client_request(), ("127.0.0.1", port))
        got = recv_with_tos(c, 2.0)
        assert got and got[2] == 0, "the default is the system's (0)"


def test_maxtxbuffers_too_small_is_said(daemons):
    """maxtxbuffers 1: a burst of requests is answered (each reply is sent)
    while the kernel transmit timestamps of all but the newest cannot be
    matched: chronyd's "maxtxbuffers too small", once. Not with the
    default."""
    logs = []
    for extra in (["maxtxbuffers 1"], []):
        port = free_udp_port()
        d = daemons(server_config(port, extra=extra), wait_ports=[(4, port)])
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(2.0)
            # Stopped, so that it reads the burst in one batch and sends all
            # the replies before it reads their timestamps.
            d.proc.send_signal(signal.SIGSTOP)
            for _ in range(50):
                # An odd origin (one of the server's receive timestamps, as
                # chronyd flags them): the client may go interleaved, so
                # the reply's kernel transmit timestamp is wanted.
                req = bytearray(client_request())
                req[24:32] = os.urandom(8)
                req[31] |= 1
                s.sendto(bytes(req), ("127.0.0.1", port))
            d.proc.send_signal(signal.SIGCONT)
            replies = 0
            try:
                while replies < 50:
                    s.recv(1024)
                    replies += 1
            except socket.timeout:
                pass
            assert replies == 50
        if extra:
            assert wait_for(lambda: "maxtxbuffers too small" in d.log(), 5.0), d.log()
        logs.append(d.log())
    assert logs[0].count("maxtxbuffers too small") == 1
    assert "maxtxbuffers" not in logs[1]


@pytest.mark.parametrize("server_port", [True, False])
def test_broadcast(daemons, server_port):
    """broadcast 1 ADDRESS PORT: every second a mode 5 packet with our
    reference (local stratum 3 here) and poll 0, from the server's port (or,
    with port 0, a socket of its own)."""
    with listening_socket() as rx:
        rx_port = rx.getsockname()[1]
        port = free_udp_port() if server_port else 0
        conf = server_config(port, extra=["broadcast 1 127.0.0.1 %d" % rx_port])
        daemons(conf, wait_ports=[(4, port)] if server_port else ())
        times, senders = [], set()
        for _ in range(3):
            got = recv_with_tos(rx, 3.0)
            assert got, "no broadcast"
            pkt = parse(got[0])
            assert (pkt.mode, pkt.vn, pkt.stratum, pkt.poll) == (5, 4, 3, 0), pkt
            assert pkt.xmt != 0 and pkt.org == 0
            times.append(time.monotonic())
            senders.add(got[1])
        assert len(senders) == 1
        if server_port:
            assert senders == {("127.0.0.1", port)}
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert all(0.5 < g < 2.0 for g in gaps), gaps
