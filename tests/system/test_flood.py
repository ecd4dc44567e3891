"""A flood of 10^6 requests from 10^5 spoofed loopback sources (bench/ntpload,
50k requests/s for 20 s, each source address set per message with
IP_PKTINFO) against stratumd with rate limiting and a 1 MiB client log,
while a legitimate client at 127.0.0.1 asks ten times a second.

Must hold: the legitimate client is answered at least 99 % of the time; the
log lists no more records than the limit allows (chrony's count: 80 bytes a
record, room for the old table while growing) and counts every request the
daemon read; the daemon's peak memory grows by no more than `clientloglimit`
(plus a little slack for the rest of its heap). Every wait
is bounded."""
import os
import re
import select
import socket
import subprocess
import threading
import time

import pytest

from ntptest import BUILD, Daemon, free_udp_port, header, parse, random_ts, require_stratumd

LOAD = BUILD / "bench" / "ntpload"
STRATUMC = BUILD / "stratumc"
FLOOD_RATE = 50000
FLOOD_SECONDS = 20
FLOOD_SOURCES = 100000
CLIENTLOGLIMIT = 1048576
RECORD_COST = 80                 # bytes chrony counts per record
LEGIT_INTERVAL = 0.1
HEAP_SLACK = 128 * 1024          # the rest of the daemon's heap may move a little


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"^%s:\s+(\d+) kB" % field, f.read(), re.M).group(1))


class LegitClient(threading.Thread):
    """Asks from 127.0.0.1 every LEGIT_INTERVAL s until stopped; counts the
    requests and the replies that echo them."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.sent = self.answered = 0
        self.stop_at = None

    def run(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            while self.stop_at is None or time.monotonic() < self.stop_at:
                xmt = random_ts()
                s.sendto(header(xmt=xmt), ("127.0.0.1", self.port))
                self.sent += 1
                deadline = time.monotonic() + LEGIT_INTERVAL
                while True:
                    left = deadline - time.monotonic()
                    r, _, _ = select.select([s], [], [], max(left, 0))
                    if not r:
                        break
                    p = parse(s.recv(2048))
                    if p and p.org == xmt:
                        self.answered += 1
                left = deadline - time.monotonic()
                if left > 0:
                    time.sleep(left)


def serverstats(sock):
    out = subprocess.run([str(STRATUMC), "-h", str(sock), "serverstats"], capture_output=True,
                         text=True, timeout=20).stdout
    return {k.strip(): int(v) for k, v in re.findall(r"^([^:\n]+?)\s*:\s*(\d+)$", out, re.M)}


def test_flood_from_spoofed_sources(tmp_path):
    require_stratumd()
    if not os.access(LOAD, os.X_OK) or not os.access(STRATUMC, os.X_OK):
        pytest.skip("bench/ntpload or stratumc not built")
    port = free_udp_port()
    sock = tmp_path / "stratumd.sock"
    d = Daemon(tmp_path, "port %d\nbindaddress 127.0.0.1\nlocal stratum 1\nallow 127.0.0.0/8\n"
               "ratelimit interval -4 burst 16 leak 2\nclientloglimit %d\nbindcmdaddress %s\n"
               % (port, CLIENTLOGLIMIT, sock))
    d.start(wait_ports=[(4, port)])
    try:
        hwm_before = status_kib(d.proc.pid, "VmHWM")
        legit = LegitClient(port)
        legit.start()
        flood = subprocess.run([str(LOAD), "-p", str(port), "-r", str(FLOOD_RATE),
                                "-d", str(FLOOD_SECONDS), "-n", str(FLOOD_SOURCES), "-s", "77",
                                "-g", "4", "-w", "1"],
                               capture_output=True, text=True, timeout=FLOOD_SECONDS + 60)
        legit.stop_at = time.monotonic()
        legit.join(timeout=5)
        assert flood.returncode == 0, flood.stderr
        f = {k: float(v) for k, v in re.findall(r"(\w+)=([-\d.]+)", flood.stdout)}
        hwm_after = status_kib(d.proc.pid, "VmHWM")
        stats = serverstats(sock)
        clients = subprocess.run([str(STRATUMC), "-h", str(sock), "-c", "clients"],
                                 capture_output=True, text=True, timeout=20).stdout.splitlines()
        share = legit.answered / legit.sent
        growth = (hwm_after - hwm_before) * 1024
        max_records = CLIENTLOGLIMIT // (RECORD_COST * 16 * 3 // 2) * 16
        print("flood: sent %d from %d sources in %.1f s, %d replies; "
              "legitimate client answered %d/%d (%.1f %%); peak memory +%d KiB (limit %d KiB); "
              "%d client records listed (at most %d), %d replaced; %d requests counted"
              % (f["sent"], FLOOD_SOURCES, f["elapsed"], f["replies"], legit.answered,
                 legit.sent, 100 * share, growth // 1024, CLIENTLOGLIMIT // 1024, len(clients),
                 max_records, stats.get("Client log records dropped", -1),
                 stats.get("NTP packets received", -1)))
        assert f["sent"] == FLOOD_RATE * FLOOD_SECONDS
        assert d.alive(), d.log()
        assert legit.sent >= FLOOD_SECONDS / LEGIT_INTERVAL * 0.9
        assert share >= 0.99
        assert growth <= CLIENTLOGLIMIT + HEAP_SLACK
        assert 0 < len(clients) <= max_records
        assert stats["Client log records dropped"] > FLOOD_SOURCES - max_records
        # Requests the kernel dropped before the daemon read them are not
        # counted; every one it read is.
        assert stats["NTP packets received"] >= legit.sent * 0.99 + f["replies"]
    finally:
        d.stop()
