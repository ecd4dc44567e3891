"""ntpdig (ntpsec 1.2.2, Debian 12, extracted by scripts/peers.sh) against
stratumd.  ntpdig has no port option: it always asks port 123, so stratumd
must bind port 123, which needs root.  We bind an address of 127.0.0.0/8
that nothing else uses (Linux routes all of 127/8 to lo): a random
127.123.x.y, one per test process, so that runs side by side do not meet.
For ::1, the only IPv6 loopback address, a lock file lets one test at a time
on this machine use port 123.

ntpdig's output (checked on ntpsec 1.2.2):
  text: "2026-11-25 01:23:00.526680 (+0000) +0.000041 +/- 0.000207 127.0.123.1 s3 no-leap"
  -j:   {"time":...,"offset":-0.000003,"precision":...,"host":"127.0.123.1",
         "ip":"127.0.123.1","stratum":3,"leap":"no-leap","adjusted":false}
It exits 1 with "no eligible servers" when no usable reply came; an
unsynchronised server (stratum 0) is dropped with
"Response dropped: stratum 0, probable KOD packet".  ntpdig only sets the
clock with -S/-s, which we never pass.
"""
import contextlib
import fcntl
import json
import os
import random
import re
import socket
import subprocess
import tempfile
import time

import pytest

from ntptest import Daemon, ntpdig_cmd, require_stratumd, server_config

ADDR6 = "::1"
LOCK_TIMEOUT = 60.0
_addr4 = None


def _port123_free(addr):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.bind((addr, 123))
        return True
    except OSError:
        return False


def addr4():
    """This process's IPv4 address for ntpdig: a 127.123.x.y whose port 123
    was free when picked."""
    global _addr4
    if os.geteuid() != 0:
        pytest.skip("ntpdig only asks port 123; binding it needs root")
    for _ in range(100):
        if _addr4:
            break
        addr = "127.123.%d.%d" % (random.randrange(256), random.randrange(1, 255))
        if _port123_free(addr):
            _addr4 = addr
    assert _addr4, "no free port 123 in 100 addresses of 127.123.0.0/16"
    return _addr4


@contextlib.contextmanager
def port123_lock():
    """Hold the machine-wide lock of [::1]:123 (waits at most LOCK_TIMEOUT s)."""
    path = os.path.join(tempfile.gettempdir(), "stratum-tests-ipv6-port123.lock")
    with open(path, "a") as f:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail("[::1]:123 still locked by another test after %.0f s"
                                % LOCK_TIMEOUT)
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _server(tmp_path, addr, local_stratum=3):
    if os.geteuid() != 0:
        pytest.skip("ntpdig only asks port 123; binding it needs root")
    require_stratumd()
    if not _port123_free(addr):
        pytest.skip("[%s]:123 is already in use on this machine" % addr)
    # ntpdig's socket is not bound: the kernel sends from 127.0.0.1 to
    # 127.123.x.y, hence allow 127.0.0.0/8
    allow = ("::1",) if ":" in addr else ("127.0.0.0/8",)
    d = Daemon(tmp_path, server_config(123, bind=addr, allow=allow,
                                       local_stratum=local_stratum))
    try:
        d.start(wait_ports=[(6 if ":" in addr else 4, 123)])
    except BaseException:
        d.stop()
        raise
    return d


@pytest.fixture
def server4(tmp_path):
    d = _server(tmp_path, addr4())
    yield d
    print("---- stratumd (exit %s)\n%s" % (d.stop(), d.log()))


@pytest.fixture
def unsync_server4(tmp_path):
    d = _server(tmp_path, addr4(), local_stratum=None)
    yield d
    print("---- stratumd (exit %s)\n%s" % (d.stop(), d.log()))


def ntpdig(*args):
    cmd, env = ntpdig_cmd()
    r = subprocess.run(cmd + ["-t", "2"] + list(args), capture_output=True, text=True,
                       timeout=30, env=env, stdin=subprocess.DEVNULL)
    return r


def test_ntpdig_text_reports_stratum_3(server4):
    r = ntpdig(addr4())
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"\(([+-]\d{4})\) ([+-]\d+\.\d+) \+/- (\d+\.\d+) (\S+) s(\d+) (\S+)$",
                  r.stdout.strip())
    assert m, "unexpected ntpdig output: %r" % r.stdout
    offset, host, stratum, leap = float(m.group(2)), m.group(4), int(m.group(5)), m.group(6)
    bound = float(m.group(3))
    assert host == addr4()
    assert stratum == 3
    assert leap == "no-leap"
    # Our clock is the server's: the offset is within its error bound (on a
    # busy machine ntpdig's own delay can make that a few ms).
    assert abs(offset) < 0.01 + bound, r.stdout


def test_ntpdig_json_reports_stratum_3(server4):
    r = ntpdig("-j", addr4())
    assert r.returncode == 0, r.stdout + r.stderr
    reply = json.loads(r.stdout.strip().splitlines()[-1])
    assert reply["stratum"] == 3
    assert reply["leap"] == "no-leap"
    assert reply["ip"] == addr4()
    assert reply["adjusted"] is False
    # As above: ntpdig's JSON calls the error bound "precision" (its
    # synchd(), the text's "+/- BOUND"); 14 ms off was seen beside two CPU
    # hogs.
    assert abs(reply["offset"]) < 0.01 + reply["precision"], reply


def test_ntpdig_several_samples(server4):
    r = ntpdig("-p", "4", "-j", addr4())
    assert r.returncode == 0, r.stdout + r.stderr
    reply = json.loads(r.stdout.strip().splitlines()[-1])
    assert reply["stratum"] == 3


def test_ntpdig_drops_unsynchronised_server(unsync_server4):
    """An unsynchronised stratumd must look exactly like an unsynchronised
    chronyd to ntpdig: stratum 0 -> dropped, no eligible servers, exit 1."""
    r = ntpdig(addr4())
    assert r.returncode == 1, r.stdout + r.stderr
    assert "stratum 0, probable KOD packet" in r.stderr, r.stderr
    assert "no eligible servers" in r.stderr


def test_ntpdig_ipv6(tmp_path):
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind((ADDR6, 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    with port123_lock():
        d = _server(tmp_path, ADDR6)
        try:
            r = ntpdig("-6", "-j", ADDR6)
            assert r.returncode == 0, r.stdout + r.stderr
            reply = json.loads(r.stdout.strip().splitlines()[-1])
            assert (reply["stratum"], reply["leap"], reply["ip"]) == (3, "no-leap", ADDR6)
        finally:
            print("---- stratumd (exit %s)\n%s" % (d.stop(), d.log()))
