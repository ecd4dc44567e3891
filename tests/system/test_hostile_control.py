"""Hostile control requests against a running stratumd: 5000 random
requests over UDP (cmdport) and 5000 over the Unix socket, shaped like
chrony's protocol (mostly version 6, request type, a random command number
and length, random bytes) or pure noise, from a seeded generator.

The figure "survived, nothing lost": no reply is longer than its request;
the daemon is alive, counted every request it read (serverstats), still
answers 100 of 100 NTP requests and stratumc's tracking. Requests that
change state are allowed on the Unix socket; shutdown (62) is left out so
the daemon's survival means something, as is the clock (-x)."""
import os
import random
import re
import socket
import struct
import subprocess

import pytest

from ntptest import (BUILD, Daemon, exchange, free_udp_port, header, random_ts,
                     require_stratumd, server_config, wait_for)

STRATUMC = BUILD / "stratumc"
N_EACH = 5000
BATCH = 50                           # sent, then their replies read
SHUTDOWN = 62
SEND_TIMEOUT = 10.0


def random_request(rng, seq):
    """A request with sequence number seq where it has a header (noise may
    carry any)."""
    if rng.random() < 0.1:
        return bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 700)))
    cmd = rng.randrange(0, 80)
    while cmd == SHUTDOWN:
        cmd = rng.randrange(0, 80)
    version = 6 if rng.random() < 0.9 else rng.randrange(0, 256)
    hdr = struct.pack("!BBBBHHIII", version, 1, 0, 0, cmd, 0, seq, 0, 0)
    body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 600)))
    return (hdr + body)[:rng.randrange(1, len(hdr) + len(body) + 1)]


def reply_seq(reply):
    """The sequence number of a reply (chrony's reply header), or None."""
    return struct.unpack("!I", reply[16:20])[0] if len(reply) >= 20 else None


def answered(port, n=100):
    got = 0
    for _ in range(n):
        got += len(exchange(("127.0.0.1", port), header(xmt=random_ts()), timeout=0.5,
                            max_replies=1)) == 1
    return got


def test_random_control_requests(tmp_path):
    require_stratumd()
    if not os.access(STRATUMC, os.X_OK):
        pytest.skip("stratumc not built")
    port, cmdport = free_udp_port(), free_udp_port()
    sock = tmp_path / "s.sock"
    d = Daemon(tmp_path, server_config(port, extra=["cmdport %d" % cmdport,
                                                    "bindcmdaddress 127.0.0.1",
                                                    "bindcmdaddress %s" % sock]))
    d.start(wait_ports=[(4, port), (4, cmdport)])
    assert wait_for(sock.exists, 2.0), d.log()
    rng = random.Random(7822)
    longer = replies = unmatched = 0
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
                socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as x:
            u.bind(("127.0.0.1", 0))
            x.bind("")                       # autobind: an address to answer to
            for s, dst in ((u, ("127.0.0.1", cmdport)), (x, str(sock))):
                # Every request sent on this socket, so that a reply coming
                # after its batch's wait (a busy machine) is still matched.
                sent = {}
                for first in range(0, N_EACH, BATCH):
                    # A send to the Unix socket blocks while the daemon's
                    # queue is full: wait for it (bounded), not 20 ms.
                    s.settimeout(SEND_TIMEOUT)
                    for seq in range(first, first + BATCH):
                        req = random_request(rng, seq)
                        sent[seq] = len(req)
                        s.sendto(req, dst)
                    s.settimeout(0.02)
                    try:
                        while True:
                            reply = s.recv(4096)
                            replies += 1
                            n = sent.get(reply_seq(reply))
                            unmatched += n is None
                            longer += n is not None and len(reply) > n
                    except socket.timeout:
                        pass
        assert d.alive(), d.log()
        n = answered(port)
        out = subprocess.run([str(STRATUMC), "-h", str(sock), "-m", "tracking", "serverstats"],
                             capture_output=True, text=True, timeout=20)
        counted = int(re.search(r"^Command packets received\s*:\s*(\d+)$", out.stdout,
                                re.M).group(1))
        print("%d random control requests (UDP and Unix socket): %d replies, %d longer than "
              "their request, %d not matched to one; alive; NTP answered %d/100; tracking: %s; "
              "command requests counted %d" % (2 * N_EACH, replies, longer, unmatched, n,
                                               "ok" if out.returncode == 0 else "failed", counted))
        assert longer == 0 and unmatched == 0
        assert counted >= replies        # every answered request was counted
        assert n == 100
        assert out.returncode == 0 and "Reference ID" in out.stdout, out.stdout + out.stderr
    finally:
        d.stop()
