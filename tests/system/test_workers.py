"""`serverworkers N`: N threads with SO_REUSEPORT sockets of their own answer
plain client requests beside the main loop; everything else is forwarded to
the main loop (src/daemon/workers.h). Seen from outside: the threads and
sockets exist, every request is answered whichever socket the kernel
picked, authenticated and symmetric requests are answered as without
workers, serverstats counts every request, a changed reference state
reaches the workers, and the system call filter covers the threads."""
import hashlib
import os
import re
import socket
import struct
import subprocess
import time

import pytest

from ntptest import (BUILD, Daemon, exchange, free_udp_port, header, parse, random_ts,
                     require_stratumd, wait_for)

LOAD = BUILD / "bench" / "ntpload"
STRATUMC = BUILD / "stratumc"
KEY = b"workers-test-key"


def start(tmp_path, extra=(), args=()):
    require_stratumd()
    port = free_udp_port()
    sock = tmp_path / "s.sock"
    keys = tmp_path / "keys"
    keys.write_text("7 MD5 ASCII:%s\n" % KEY.decode())
    os.chmod(keys, 0o600)
    conf = ["port %d" % port, "bindaddress 127.0.0.1", "allow 127.0.0.0/8", "local stratum 1",
            "serverworkers 2", "keyfile %s" % keys, "bindcmdaddress %s" % sock] + list(extra)
    d = Daemon(tmp_path, "\n".join(conf) + "\n", args=args)
    d.start(wait_ports=[(4, port)])
    assert wait_for(sock.exists, 2.0), d.log()     # the command socket comes later
    return d, port, sock


def threads(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"^Threads:\s+(\d+)", f.read(), re.M).group(1))


def filtered_threads(pid):
    """(threads in filter mode, threads not) of pid."""
    modes = []
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            modes.append(re.search(r"^Seccomp:\s+2$", f.read(), re.M) is not None)
    return modes.count(True), modes.count(False)


def n_sockets_on(pid, port):
    """UDP sockets of pid bound to port (from /proc/net/udp)."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    n = 0
    with open("/proc/net/udp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[9] in inodes:
                n += 1
    return n


def serverstats(sock):
    out = subprocess.run([str(STRATUMC), "-h", str(sock), "serverstats"], capture_output=True,
                         text=True, timeout=20).stdout
    return {k.strip(): int(v) for k, v in re.findall(r"^([^:\n]+?)\s*:\s*(\d+)$", out, re.M)}


def test_workers_answer_beside_the_main_loop(tmp_path):
    if not os.access(LOAD, os.X_OK) or not os.access(STRATUMC, os.X_OK):
        pytest.skip("bench/ntpload or stratumc not built")
    d, port, sock = start(tmp_path)
    try:
        assert threads(d.proc.pid) == 3
        assert n_sockets_on(d.proc.pid, port) == 3
        # 1024 source addresses: the kernel spreads them over the 3 sockets.
        r = subprocess.run([str(LOAD), "-p", str(port), "-r", "20000", "-d", "1", "-n", "1024"],
                           capture_output=True, text=True, timeout=30)
        f = {k: float(v) for k, v in re.findall(r"(\w+)=([-\d.]+)", r.stdout)}
        assert f["sent"] == 20000 and f["replies"] == 20000, r.stdout
        time.sleep(1.5)                     # the workers report every second
        stats = serverstats(sock)
        print("20000 requests, %d replies; serverstats: %s" % (f["replies"], stats))
        assert stats["NTP packets received"] == 20000
        assert stats["NTP packets dropped"] == 0
    finally:
        d.stop()
    # The exit log counts the workers' requests too.
    assert "NTP packets received 20000, replied 20000" in d.log(), d.log()


def test_authenticated_and_symmetric_requests_reach_the_main_loop(tmp_path):
    d, port, _ = start(tmp_path)
    try:
        for i in range(30):                 # fresh source ports: all sockets get some
            req = header(xmt=random_ts())
            mac = struct.pack("!I", 7) + hashlib.md5(KEY + req).digest()
            replies = exchange(("127.0.0.1", port), req + mac, timeout=1.0, max_replies=1)
            assert len(replies) == 1, "authenticated request %d unanswered" % i
            data = replies[0][0]
            assert len(data) == 68 and data[48:52] == struct.pack("!I", 7)
            assert hashlib.md5(KEY + data[:48]).digest() == data[52:]
            xmt = random_ts()
            replies = exchange(("127.0.0.1", port), header(mode=1, xmt=xmt), timeout=1.0,
                               max_replies=1)
            assert len(replies) == 1 and parse(replies[0][0]).mode == 2
            assert parse(replies[0][0]).org == xmt
    finally:
        d.stop()


def test_reference_changes_reach_the_workers(tmp_path):
    """`local off` changes the main loop's reference state; within two
    periods (the main loop publishes every second, each worker looks every
    second) every socket answers unsynchronised."""
    d, port, sock = start(tmp_path)
    try:
        r = subprocess.run([str(STRATUMC), "-h", str(sock), "local", "off"], capture_output=True,
                           text=True, timeout=20)
        assert r.returncode == 0, r.stdout + r.stderr
        time.sleep(2.5)
        leaps = []
        for _ in range(40):                 # fresh source ports: all sockets get some
            replies = exchange(("127.0.0.1", port), header(xmt=random_ts()), timeout=1.0,
                               max_replies=1)
            leaps.append(parse(replies[0][0]).li)
        print("leap indicators of 40 replies after local off:", leaps)
        assert leaps == [3] * 40, leaps
    finally:
        d.stop()


def test_system_call_filter_covers_the_workers(tmp_path):
    d, port, _ = start(tmp_path, args=["-F", "1"])
    try:
        # The filter is loaded after the sockets are bound: wait (bounded) for it.
        assert wait_for(lambda: filtered_threads(d.proc.pid)[1] == 0, 5.0), \
            "unfiltered threads: %r" % (filtered_threads(d.proc.pid),)
        assert filtered_threads(d.proc.pid)[0] == threads(d.proc.pid) == 3
        for _ in range(30):
            assert len(exchange(("127.0.0.1", port), header(xmt=random_ts()), timeout=1.0,
                                max_replies=1)) == 1
        assert d.alive()
    finally:
        d.stop()
