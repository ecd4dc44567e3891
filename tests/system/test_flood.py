"""A flood of 10^6 requests from 10^5 spoofed loopback sources (bench/ntpload,
50k requests/s for 20 s, each source address set per message with
IP_PKTINFO) against stratumd with rate limiting and a 1 MiB client log,
while a legitimate client at 127.0.0.1 asks ten times a second.

Must hold: every request of the legitimate client that the daemon read is
answered (at least 99 %) and none is rate limited, and the client's share
answered is no less than the daemon's share read of all requests, but for
chance (the kernel drops what the daemon is too busy to read: nearly
nothing on an idle machine, the client's requests and the flood's alike on
a busy one); the log lists no more records than the limit allows
(chrony's count: 80 bytes a record, room for the old table while growing)
and counts every request the daemon read; the daemon's peak memory grows by
no more than `clientloglimit` (plus a little slack for the rest of its
heap). Every wait is bounded."""
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
REPLY_WAIT = 1.0                 # as long as a client waits for a reply
SOURCES_ANSWERED = 0.25          # of the flood's sources, at least
# The rest of the daemon's memory: peak growth measured +884 to +1072 KiB
# quietly, +1160 to +1292 KiB beside two CPU hogs and compilers. The log's
# tables, old and new while growing, are 960 KiB of it; under load the
# daemon reads full batches, touching all of its receive and transmit-stamp
# batch buffers (64 datagrams of 1500 bytes and their control data each,
# allocated at start but paged in only when used) and deeper stacks. 512 KiB
# is nearly twice the worst excess over the limit seen (268 KiB), and far
# below what keeping anything per flooding source would cost (100000 of them).
HEAP_SLACK = 512 * 1024


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"^%s:\s+(\d+) kB" % field, f.read(), re.M).group(1))


class LegitClient(threading.Thread):
    """Asks from 127.0.0.1 every LEGIT_INTERVAL s until stopped; counts the
    requests and the replies that echo one of them within REPLY_WAIT s of
    it (a reply may come after the next request is sent: the machine may
    be busy), waiting up to REPLY_WAIT s after the last one."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.sent = self.answered = 0
        self.stop_at = None

    def run(self):
        pending = {}                    # xmt -> when it was sent
        last_sent = 0.0
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            next_send = time.monotonic()
            while True:
                now = time.monotonic()
                stopping = self.stop_at is not None and now >= self.stop_at
                if stopping and (not pending or now >= last_sent + REPLY_WAIT):
                    break
                if not stopping and now >= next_send:
                    xmt = random_ts()
                    s.sendto(header(xmt=xmt), ("127.0.0.1", self.port))
                    pending[xmt] = last_sent = now
                    self.sent += 1
                    next_send = max(next_send + LEGIT_INTERVAL, now)
                r, _, _ = select.select([s], [], [], 0.01)
                if r:
                    p = parse(s.recv(2048))
                    sent_at = pending.pop(p.org, None) if p else None
                    if sent_at is not None and time.monotonic() - sent_at <= REPLY_WAIT:
                        self.answered += 1


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
        # The legitimate client's record: requests the daemon read from it
        # and dropped by rate limiting.
        legit_row = [r.split(",") for r in clients if r.startswith("127.0.0.1,")]
        legit_hits, legit_drops = (int(legit_row[0][1]), int(legit_row[0][2])) if legit_row \
            else (0, -1)
        growth = (hwm_after - hwm_before) * 1024
        max_records = CLIENTLOGLIMIT // (RECORD_COST * 16 * 3 // 2) * 16
        print("flood: sent %d from %d sources in %.1f s, %d replies; "
              "legitimate client answered %d/%d (%.1f %%), %d of its requests read, %d dropped; "
              "peak memory +%d KiB (limit %d KiB); "
              "%d client records listed (at most %d), %d replaced; %d requests counted; "
              "%d sources answered"
              % (f["sent"], FLOOD_SOURCES, f["elapsed"], f["replies"], legit.answered,
                 legit.sent, 100 * share, legit_hits, legit_drops, growth // 1024,
                 CLIENTLOGLIMIT // 1024, len(clients),
                 max_records, stats.get("Client log records dropped", -1),
                 stats.get("NTP packets received", -1), f["sources_answered"]))
        # ntpload stops at its deadline: on a busy machine it may be late for
        # the last requests (998554 of 10^6 with two CPU hogs beside the
        # suite; 992856 in CI beside a CPU hog, two other sessions' builds
        # and CI's own ASan and fuzz builds); at least this many make the
        # flood (margin: 7 x the worst seen).
        assert f["sent"] >= FLOOD_RATE * FLOOD_SECONDS * 0.95
        assert d.alive(), d.log()
        assert legit.sent >= FLOOD_SECONDS / LEGIT_INTERVAL * 0.9
        # Every legitimate request the daemon read was answered, none was
        # rate limited, and the flood does not crowd the client out more
        # than it crowds out itself: the kernel drops what the daemon is too
        # busy to read, the client's requests and the flood's alike. On an
        # idle machine the daemon reads (nearly) all of it and the client
        # gets 100 %; with two CPU hogs beside make check it read 31-72 % of
        # the flood and answered 96.2 % of the client (worst of 8 runs); in
        # CI, beside two compilers, 71.2 % of all and 78.7 % of the client.
        # The client's share may fall below the daemon's read share by
        # chance only: 0.15 is over four standard deviations of a share of
        # ~200 requests.
        assert legit_drops == 0 and legit.answered >= 0.99 * legit_hits, clients[:3]
        read_share = stats["NTP packets received"] / (f["sent"] + legit.sent)
        assert share >= min(read_share, 1.0) - 0.15, (share, read_share)
        assert growth <= CLIENTLOGLIMIT + HEAP_SLACK
        assert 0 < len(clients) <= max_records
        # Every source that was answered had a record; those not listed were
        # replaced. On an idle machine all 10^5 sources are answered; with
        # two CPU hogs beside make check 74 % were (the daemon read 42 % of
        # the flood; at 31 % read, about 60 % would be). A quarter, the
        # floor, is still three times what the log holds.
        assert f["sources_answered"] >= FLOOD_SOURCES * SOURCES_ANSWERED, f
        assert stats["Client log records dropped"] + len(clients) >= f["sources_answered"] + 1
        # Requests the kernel dropped before the daemon read them are not
        # counted; every one it read (and answered) is.
        assert stats["NTP packets received"] >= legit.answered + f["replies"]
    finally:
        d.stop()
