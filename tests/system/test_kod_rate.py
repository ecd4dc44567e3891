"""KoD RATE slows stratumd down as it slows chronyd, also with minpoll =
maxpoll: after each KoD RATE the next request waits four polling intervals
more (chronyd's ntp_core.c), whatever maxpoll says.

A server on 127.0.0.2 answers every request with a KoD RATE (leap 3,
stratum 0, refid "RATE", our origin echoed, receive and transmit times of
its own that differ from one reply to the next: as chronyd's test 1, a
KoD repeating the previous reply's is a duplicate) and keeps the kernel's
receive time of each (SO_TIMESTAMPNS). stratumd -x polls it at minpoll 0
maxpoll 0 (1 s). Every wait is bounded."""
import select
import socket
import struct
import threading
import time

from ntptest import header, parse

SERVER_ADDR = "127.0.0.2"
POLL = 1.0                  # s, minpoll 0 maxpoll 0
BACKOFF = 4                 # chronyd's extra polls after a KoD RATE
RUN_SECONDS = 16.0
KOD_RATE = 0x52415445
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)   # Linux's; Python lacks it


class KodServer:
    """Answers each request with a KoD RATE; keeps the requests' kernel
    receive times (real-time s)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.bind((SERVER_ADDR, 0))
        self.port = self.sock.getsockname()[1]
        self.times = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            if not select.select([self.sock], [], [], 0.1)[0]:
                continue
            data, anc, _, addr = self.sock.recvmsg(2048, socket.CMSG_SPACE(16))
            stamps = [struct.unpack("qq", d[:16]) for level, kind, d in anc
                      if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS]
            if len(data) < 48 or not stamps:
                continue
            self.times.append(stamps[0][0] + stamps[0][1] * 1e-9)
            req = parse(data)
            n = len(self.times)
            self.sock.sendto(header(li=3, vn=4, mode=4, stratum=0, refid=KOD_RATE,
                                    org=req.xmt, rec=2 * n, xmt=2 * n + 1), addr)

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5.0)
        self.sock.close()


def test_kod_rate_backs_off_beyond_maxpoll(daemons):
    server = KodServer()
    try:
        d = daemons("server %s port %d minpoll 0 maxpoll 0\nport 0\n" % (SERVER_ADDR, server.port))
        deadline = time.monotonic() + RUN_SECONDS
        while time.monotonic() < deadline:
            assert d.alive(), d.log()
            time.sleep(0.2)
        log = d.log()
    finally:
        server.close()
    times = server.times
    assert len(times) >= 3, (times, log)
    gaps = [b - a for a, b in zip(times, times[1:])]
    # A poll plus the backoff (the scheduler's randomness only lengthens it).
    assert min(gaps) >= (1 + BACKOFF) * POLL * 0.95, (gaps, log)
    assert max(gaps) <= (1 + BACKOFF) * POLL * 1.5, (gaps, log)
    assert log.count("Received KoD RATE from %s" % SERVER_ADDR) == len(times), log
