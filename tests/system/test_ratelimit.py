"""Rate limiting and the client log (ratelimit, cmdratelimit, clientloglimit,
noclientlog), seen from outside: replies counted on loopback, and the
daemon's own account in `stratumc clients` / `serverstats` (and the real
chronyc's, when the peers are there).

Clients send from distinct loopback addresses (127.0.0.2, 127.0.0.3 ...),
which Linux lets a socket bind to, so each is a client of its own to the
daemon. stratumd always runs with -x; every wait is bounded."""
import os
import select
import socket
import struct
import subprocess
import time

import pytest

from ntptest import BUILD, Daemon, free_udp_port, peers_root, require_stratumd

CMD_TIMEOUT = 20


def stratumc():
    p = BUILD / "stratumc"
    if not os.access(p, os.X_OK):
        pytest.skip("%s not built" % p)
    return p


def run(binary, args):
    r = subprocess.run([str(binary)] + list(args), capture_output=True, text=True,
                       timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout, r.stderr


def burst(port, src, n, payload=None, wait=1.0):
    """Send n requests from src as fast as possible; the number of replies
    received until `wait` seconds pass without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((src, 0))
        for _ in range(n):
            s.sendto(payload or (b"\x23" + b"\0" * 39 + os.urandom(8)), ("127.0.0.1", port))
        got = 0
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            r, _, _ = select.select([s], [], [], wait)
            if not r:
                break
            s.recv(2048)
            got += 1
        return got


def n_sources_request(seq):
    """chrony's N_SOURCES command request (32 bytes, protocol 6)."""
    return struct.pack("!BBBBHHI8x", 6, 1, 0, 0, 14, 0, seq) + b"\0" * 12


def clients_csv(sock):
    """{address: [fields]} of `stratumc -c clients`."""
    rc, out, err = run(stratumc(), ["-h", str(sock), "-c", "clients"])
    assert rc == 0, err
    return {line.split(",")[0]: line.split(",") for line in out.splitlines()}


def start(tmp_path, extra, cmdport=0):
    port = free_udp_port()
    sockdir = tmp_path / "run"
    sockdir.mkdir(exist_ok=True)
    os.chmod(str(sockdir), 0o770)
    sock = sockdir / "stratumd.sock"
    lines = ["port %d" % port, "bindaddress 127.0.0.1", "allow 127.0.0.0/8",
             "local stratum 3", "cmdport %d" % cmdport, "bindcmdaddress %s" % sock]
    if cmdport:
        lines += ["bindcmdaddress 127.0.0.1", "cmdallow 127.0.0.0/8"]
    d = Daemon(tmp_path / "d", "\n".join(lines + list(extra)) + "\n")
    d.start(wait_ports=[(4, port)] + ([(4, cmdport)] if cmdport else []))
    return d, port, sock


@pytest.fixture
def limited(tmp_path):
    require_stratumd()
    d, port, sock = start(tmp_path, ["ratelimit interval 1 burst 4 leak 2"])
    yield d, port, sock
    d.stop()
    print(d.log())


def test_burst_is_limited_other_clients_are_not(limited):
    d, port, sock = limited
    replies = burst(port, "127.0.0.2", 100)
    # the burst of 4, then about one in 4 (leak 2): 28 on average
    assert 4 <= replies <= 50, replies
    # another address has a bucket of its own
    assert burst(port, "127.0.0.3", 4) == 4
    rows = clients_csv(sock)
    burster, other = rows["127.0.0.2"], rows["127.0.0.3"]
    assert int(burster[1]) == 100 and int(burster[2]) == 100 - replies, burster
    assert int(other[1]) == 4 and int(other[2]) == 0, other
    # serverstats agrees
    rc, out, _ = run(stratumc(), ["-h", str(sock), "serverstats"])
    assert rc == 0
    assert "NTP packets received       : 104" in out, out
    assert "NTP packets dropped        : %d" % (100 - replies) in out, out
    assert d.alive()


def test_bucket_refills(limited):
    _, port, sock = limited
    burst(port, "127.0.0.2", 20)
    time.sleep(8.5)                     # 4 x 2 s: the bucket is full again
    assert burst(port, "127.0.0.2", 4) == 4


def test_reply_poll_is_at_least_the_interval(limited):
    _, port, _ = limited
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2.0)
        s.bind(("127.0.0.5", 0))
        for poll, want in ((0, 1), (6, 6)):
            s.sendto(b"\x23\x00" + struct.pack("b", poll) + b"\0" * 37 + os.urandom(8),
                     ("127.0.0.1", port))
            assert struct.unpack("b", s.recv(100)[2:3])[0] == want


def test_chronyc_shows_the_drops(limited):
    _, port, sock = limited
    chronyc = peers_root() / "usr" / "bin" / "chronyc"
    if not chronyc.is_file():
        pytest.skip("no chronyc")
    replies = burst(port, "127.0.0.2", 100)
    # -n: addresses, not the names /etc/hosts may give them
    rc, out, err = run(chronyc, ["-h", str(sock), "-n", "clients"])
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["Hostname", "NTP", "Drop", "Int", "IntL", "Last", "Cmd",
                                "Drop", "Int", "Last"]
    row = [l for l in lines if l.startswith("127.0.0.2 ")][0].split()
    assert row[1:3] == ["100", str(100 - replies)], out
    assert int(row[3]) in (-5, -4)      # 100 requests within one or two 1/16 s
    rc, out, _ = run(chronyc, ["-h", str(sock), "-c", "clients"])
    ours = run(stratumc(), ["-h", str(sock), "-c", "clients"])[1]
    strip = lambda text: [l.split(",")[:5] for l in text.splitlines()]
    assert strip(out) == strip(ours)


def test_clients_reset_and_min_hits(limited):
    _, port, sock = limited
    burst(port, "127.0.0.2", 10)
    burst(port, "127.0.0.3", 1)
    rc, out, _ = run(stratumc(), ["-h", str(sock), "-c", "clients", "-p", "5"])
    assert rc == 0 and [l.split(",")[0] for l in out.splitlines()] == ["127.0.0.2"], out
    assert run(stratumc(), ["-h", str(sock), "clients", "-r"])[0] == 0
    rows = clients_csv(sock)
    assert rows["127.0.0.2"][1:3] == ["0", "0"] and rows["127.0.0.3"][1] == "0", rows


def test_cmdratelimit_spares_localhost(tmp_path):
    require_stratumd()
    cmdport = free_udp_port()
    d, _, sock = start(tmp_path, ["cmdratelimit interval 2 burst 2 leak 4"], cmdport)
    try:
        got = burst(cmdport, "127.0.0.2", 50, n_sources_request(1))
        assert 2 <= got <= 15, got          # the burst of 2, then 1 in 16
        assert burst(cmdport, "127.0.0.1", 50, n_sources_request(2)) == 50
        rows = clients_csv(sock)
        assert rows["127.0.0.2"][6:8] == ["50", str(50 - got)], rows
        assert rows["127.0.0.1"][6:8] == ["50", "0"], rows
    finally:
        d.stop()
        print(d.log())


def test_noclientlog(tmp_path):
    require_stratumd()
    d, port, sock = start(tmp_path, ["noclientlog"])
    try:
        assert burst(port, "127.0.0.2", 20) == 20
        rc, out, _ = run(stratumc(), ["-h", str(sock), "clients"])
        assert rc == 1 and "519 Client logging is not active in the daemon" in out, out
        rc, out, _ = run(stratumc(), ["-h", str(sock), "serverstats"])
        assert rc == 0 and "NTP packets received       : 20" in out, out
    finally:
        d.stop()


@pytest.mark.parametrize("directive", ["ratelimit", "cmdratelimit", "ntsratelimit"])
def test_ratelimit_with_noclientlog_is_an_error(tmp_path, directive):
    conf = tmp_path / "s.conf"
    conf.write_text("noclientlog\n%s\nport %d\ncmdport 0\nbindcmdaddress /\n"
                    "pidfile %s\n" % (directive, free_udp_port(), tmp_path / "s.pid"))
    r = subprocess.run([str(require_stratumd()), "-x", "-d", "-f", str(conf)],
                       capture_output=True, text=True, timeout=CMD_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    assert r.returncode != 0
    assert "Rate limiting cannot be enabled with noclientlog" in r.stderr


def test_log_stays_within_clientloglimit(tmp_path):
    """2000 addresses into a log of 64 records: every request is counted,
    64 addresses are listed, the others were replaced."""
    require_stratumd()
    d, port, sock = start(tmp_path, ["clientloglimit 7680"])     # 4 slots of 16
    try:
        for i in range(2000):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.1.%d.%d" % (i // 250, i % 250 + 1), 0))
                s.sendto(b"\x23" + b"\0" * 47, ("127.0.0.1", port))
            if i % 50 == 49:
                time.sleep(0.01)        # stay within the socket's receive buffer
        time.sleep(0.5)
        rows = clients_csv(sock)
        assert len(rows) == 64, len(rows)
        rc, out, _ = run(stratumc(), ["-h", str(sock), "serverstats"])
        received = int([l for l in out.splitlines() if l.startswith("NTP packets received")][0]
                       .split(":")[1])
        dropped = int([l for l in out.splitlines() if l.startswith("Client log records dropped")]
                      [0].split(":")[1])
        assert received == 2000, out
        assert dropped == 2000 - 64, out
        assert d.alive()
    finally:
        d.stop()
