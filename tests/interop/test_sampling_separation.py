"""chronyd's sampling separation, against three of Debian's chronyd servers
(`local stratum 1`, -x): stratumd -x with `iburst` for all three sends its
requests to different servers at least 0.18 s apart (chrony's own check,
test/simulation's check_packet_interval, for chronyd's 0.2 s; one gap may
be narrower, down to 0.09 s, where a timer fired late on a loaded
machine), instead of to all three in the same instant.

Each server is reached through a relay on 127.0.0.2-4 that passes the
datagrams both ways and keeps the kernel's receive time of every request
stratumd sends (SO_TIMESTAMPNS: a relay slow to read on a loaded machine
does not change them). Every wait is bounded; -x everywhere."""
import select
import socket
import struct
import threading
import time

import pytest

from ntptest import serving_chronyd

N_SERVERS = 3
RELAY_ADDRS = ["127.0.0.%d" % (2 + i) for i in range(N_SERVERS)]
RUN_SECONDS = 9.0           # iburst: 4 or more requests each, 2 s apart
MIN_GAP = 0.18              # chrony's check_packet_interval, several servers
# Linux's SO_TIMESTAMPNS (= SCM_TIMESTAMPNS): Python's socket module lacks it.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


@pytest.fixture(scope="module")
def chronyd_servers(tmp_path_factory):
    gens = [serving_chronyd(tmp_path_factory.mktemp("chronyd%d" % i), 1)
            for i in range(N_SERVERS)]
    ports = []
    try:
        for g in gens:
            ports.append(next(g)[1])
        yield ports
    finally:
        for g in gens[:len(ports)]:
            next(g, None)


class Relays:
    """One UDP relay per server: requests to RELAY_ADDRS[i]:port[i] go on to
    chronyd i, its answers back to the last sender; the kernel's receive
    times of the requests are kept as (real-time s, i)."""

    def __init__(self, upstream_ports):
        self.requests = []
        self.front, self.back, self.ports, self.client = [], [], [], {}
        for i, up in enumerate(upstream_ports):
            f = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            f.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            f.bind((RELAY_ADDRS[i], 0))
            b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            b.bind(("127.0.0.1", 0))
            b.connect(("127.0.0.1", up))
            self.front.append(f)
            self.back.append(b)
            self.ports.append(f.getsockname()[1])
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        socks = self.front + self.back
        while not self.stop.is_set():
            ready, _, _ = select.select(socks, [], [], 0.1)
            for s in ready:
                data, anc, _, addr = s.recvmsg(2048, socket.CMSG_SPACE(16))
                if s in self.front:
                    i = self.front.index(s)
                    stamps = [struct.unpack("qq", d[:16]) for level, kind, d in anc
                              if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS]
                    assert stamps, "no kernel receive timestamp"
                    self.requests.append((stamps[0][0] + stamps[0][1] * 1e-9, i))
                    self.client[i] = addr
                    self.back[i].send(data)
                else:
                    i = self.back.index(s)
                    if i in self.client:
                        self.front[i].sendto(data, self.client[i])

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5.0)
        for s in self.front + self.back:
            s.close()


def test_requests_to_different_servers_are_spread(chronyd_servers, daemons):
    relays = Relays(chronyd_servers)
    try:
        lines = ["server %s port %d iburst minpoll 4 maxpoll 4" % (RELAY_ADDRS[i], relays.ports[i])
                 for i in range(N_SERVERS)]
        d = daemons("\n".join(lines) + "\nport 0\n")
        deadline = time.monotonic() + RUN_SECONDS
        while time.monotonic() < deadline:
            assert d.alive(), d.log()
            time.sleep(0.2)
        log = d.log()
    finally:
        relays.close()
    reqs = sorted(relays.requests)
    per_server = [sum(1 for _, i in reqs if i == k) for k in range(N_SERVERS)]
    assert min(per_server) >= 3, (per_server, log)
    gaps = [(b[0] - a[0], a[1], b[1]) for a, b in zip(reqs, reqs[1:]) if a[1] != b[1]]
    assert gaps, reqs
    smallest = min(gaps)
    # The separation is between the timers' scheduled times (chronyd's
    # too): a timer that fires late on a loaded machine narrows one gap
    # (seen in CI beside a CPU hog: 0.161 s, the request 39 ms late, the
    # next gaps 0.207 s and 0.202 s). One such gap is let through down to
    # half the separation; requests sent together (the fault this looks
    # for) leave gaps near 0 in every burst.
    short = [g for g in gaps if g[0] < MIN_GAP]
    assert len(short) <= 1 and smallest[0] >= MIN_GAP / 2, (
        "requests to servers %d and %d %.6f s apart" % (smallest[1], smallest[2], smallest[0]),
        short, reqs)
    assert "Selected source" in log, log
