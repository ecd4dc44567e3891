"""Sources given by name, as chronyd handles them: a pool resolved through the
hosts file yields sources on two real chronyd 4.3 servers; a pool that wants
fewer sources drops the tentative ones that did not answer first, also when
both servers' first replies are read together; a source
that stops answering is replaced by another address of its name; a name that
does not resolve is retried with chronyd's growing interval without spinning;
a sourcedir's *.sources file adds its servers at start.

stratumd (always -x) resolves names with c-ares, which reads /etc/hosts and
/etc/resolv.conf. The tests that need names run stratumd as root in a
private mount namespace (unshare -m) where those two files are bind-mounted
test copies: the system's files are never changed, and the only name server
is a fake one on loopback, so no query leaves the machine. They are skipped
when not root or when mount namespaces are not available.

Bounded: every wait has a deadline; the retry test waits for chronyd's first
retry interval (28 s)."""
import random
import re
import select
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from ntptest import (BUILD, Daemon, _socket_inodes, chronyd_daemon, cpu_seconds, free_udp_port,
                     is_root, peers_root, query, wait_for)

POOL = "pool.test"
NOWHERE = "nowhere.test"
SERVERS = ("127.0.0.2", "127.0.0.3")
FIRST_RETRY = 28.0              # chronyd: 7 s * 2^2
SELECT_TIMEOUT = 30.0



# ---------------------------------------------------------------- namespaces

_unshare_ok = None


def require_namespace():
    global _unshare_ok
    if not is_root():
        pytest.skip("needs root: stratumd gets its own /etc/hosts in a mount namespace")
    if _unshare_ok is None:
        try:
            r = subprocess.run(["unshare", "--mount", "true"], capture_output=True, timeout=10)
            _unshare_ok = r.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _unshare_ok = False
    if not _unshare_ok:
        pytest.skip("mount namespaces (unshare -m) unavailable")


_dns_addr = None


def dns_addr():
    """The fake name server's address, one per test process: a random
    127.53.0.0/16 address whose port 53 was free when picked (a fixed one,
    such as 127.0.0.53, is taken by systemd-resolved on some machines and by
    another run of these tests on a shared one)."""
    global _dns_addr
    for _ in range(100):
        if _dns_addr:
            break
        addr = "127.53.%d.%d" % (random.randrange(256), random.randrange(1, 255))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind((addr, 53))
                _dns_addr = addr
            except OSError:
                pass
    assert _dns_addr, "no free port 53 in 100 addresses of 127.53.0.0/16"
    return _dns_addr


class NamespacedDaemon(Daemon):
    """stratumd (-x -d -d) in a private mount namespace whose /etc/hosts and
    /etc/resolv.conf are the given texts."""

    def __init__(self, workdir, config, hosts, nameserver=None):
        nameserver = nameserver or dns_addr()
        super().__init__(workdir, config, args=["-d"])
        self.hosts = self.workdir / "hosts"
        self.hosts.write_text(hosts)
        self.resolv = self.workdir / "resolv.conf"
        self.resolv.write_text("nameserver %s\noptions timeout:1 attempts:1\n" % nameserver)

    def argv(self):
        return namespaced_argv(super().argv(), self.hosts, self.resolv)


def namespaced_argv(argv, hosts, resolv):
    """argv run in a private mount namespace whose /etc/hosts and
    /etc/resolv.conf are the files hosts and resolv."""
    script = ('mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf && '
              'shift 2 && exec "$@"')
    return (["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
             str(hosts), str(resolv)] + argv)


class FakeNameServer:
    """A name server on loopback that answers every query NXDOMAIN ("refuse":
    no server at all, so queries get ICMP port unreachable) and notes when
    each query came."""

    def __init__(self, addr, answer=True):
        self.queries = []
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((addr, 53))
        self._answer = answer
        self._thread = threading.Thread(target=self._serve, daemon=True)
        if answer:
            self._thread.start()
        else:
            self._sock.close()

    def _serve(self):
        while not self._stop.is_set():
            r, _, _ = select.select([self._sock], [], [], 0.1)
            if not r:
                continue
            data, peer = self._sock.recvfrom(4096)
            if len(data) < 12:
                continue
            self.queries.append(time.monotonic())
            ident, flags = struct.unpack("!HH", data[:4])
            # QR, the query's opcode and RD, RA, NXDOMAIN; the question echoed.
            reply_flags = 0x8000 | (flags & 0x7900) | 0x0080 | 3
            self._sock.sendto(struct.pack("!HHHHHH", ident, reply_flags, 1, 0, 0, 0)
                              + question(data), peer)

    def close(self):
        self._stop.set()
        if self._answer:
            self._thread.join(timeout=2)
            self._sock.close()


def question(query):
    """The question section of a query (the name and its type and class)."""
    pos = 12
    while pos < len(query) and query[pos] != 0:
        pos += 1 + query[pos]
    return query[12:pos + 5]


@pytest.fixture
def name_server():
    require_namespace()
    ns = FakeNameServer(dns_addr())
    try:
        yield ns
    finally:
        ns.close()


# ---------------------------------------------------------------- servers

@pytest.fixture
def chronyd_pair(tmp_path):
    """chronyd 4.3 (-x -4) serving stratum 1 on 127.0.0.2 and 127.0.0.3, one
    port; yields (port, [command socket of each], [Daemon of each])."""
    require_namespace()
    port = free_udp_port()
    started, sockets = [], []
    try:
        for i, addr in enumerate(SERVERS):
            work = tmp_path / ("chronyd%d" % i)
            work.mkdir(mode=0o700)      # chronyd wants its socket's directory private
            sock = work / "chronyd.sock"
            d = chronyd_daemon(work, ["port %d" % port, "bindaddress %s" % addr,
                                      "local stratum 1", "allow 127.0.0.0/8", "cmdport 0",
                                      "bindcmdaddress %s" % sock])
            d.args.append("-4")
            started.append(d)
            d.start(wait_ports=[(4, port)])
            sockets.append(sock)
        yield port, sockets, started
    finally:
        for d in started:
            rc = d.stop()
            print("---- chronyd (exit %s)\n%s" % (rc, d.log()))


def requests_served(sock):
    """NTP packets a chronyd received, from `chronyc serverstats`."""
    chronyc = peers_root() / "usr" / "bin" / "chronyc"
    r = subprocess.run([str(chronyc), "-h", str(sock), "-n", "serverstats"],
                       capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    m = re.search(r"NTP packets received\s*:\s*(\d+)", r.stdout)
    assert m, r.stdout
    return int(m.group(1))


def queued_sockets(pid):
    """How many of process pid's UDP sockets have datagrams waiting to be read."""
    inodes = _socket_inodes(pid)
    n = 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(table) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) >= 10 and fields[9] in inodes and int(fields[4].split(":")[1], 16):
                n += 1
    return n


def pool_hosts():
    return "127.0.0.1 localhost\n" + "".join("%s %s\n" % (a, POOL) for a in SERVERS)


@pytest.fixture
def run(tmp_path):
    """Factory: run(config, hosts, nameserver) -> started NamespacedDaemon,
    stopped (and its log printed) at teardown."""
    started = []

    def start(config, hosts, **kw):
        d = NamespacedDaemon(tmp_path / ("stratumd%d" % len(started)), config, hosts, **kw)
        started.append(d)
        return d.start()

    yield start
    for d in started:
        rc = d.stop()
        print("---- %s (exit %s)\n%s" % (" ".join(d.argv()), rc, d.log()))


# ---------------------------------------------------------------- tests

def test_pool_yields_two_sources(run, name_server, chronyd_pair):
    port, sockets, _ = chronyd_pair
    d = run("port 0\npool %s port %d iburst maxsources 2\n" % (POOL, port), pool_hosts())
    for addr in SERVERS:
        assert wait_for(lambda: "Added source %s (%s)" % (addr, POOL) in d.log(), 5), d.log()
    assert wait_for(lambda: "Selected source 127.0.0." in d.log(), SELECT_TIMEOUT), d.log()
    # Both servers are polled (nothing else talks to them).
    assert wait_for(lambda: all(requests_served(s) >= 4 for s in sockets), 10), \
        [requests_served(s) for s in sockets]
    assert "Removed tentative source" not in d.log()
    assert "Could not resolve" not in d.log()
    assert name_server.queries == []    # the hosts file answered
    assert d.alive()


def check_one_kept(d, sockets):
    """Of the pool's two sources (maxsources 1) one was removed, once, and
    hears no more requests; the other is selected."""
    assert wait_for(lambda: "Removed tentative source" in d.log(), 10), d.log()
    m = re.search(r"Removed tentative source (\S+) \(%s\)" % re.escape(POOL), d.log())
    assert m and m.group(1) in SERVERS, d.log()
    kept = SERVERS[1 - SERVERS.index(m.group(1))]
    assert "Added source %s (%s)" % (m.group(1), POOL) in d.log()
    assert wait_for(lambda: "Selected source %s" % kept in d.log(), SELECT_TIMEOUT), d.log()
    # The removed server hears no more requests.
    gone = sockets[SERVERS.index(m.group(1))]
    before = requests_served(gone)
    time.sleep(3)
    assert requests_served(gone) == before
    assert d.log().count("Removed tentative source") == 1, d.log()


def test_pool_keeps_maxsources_that_answered_first(run, name_server, chronyd_pair):
    port, sockets, _ = chronyd_pair
    d = run("port 0\npool %s port %d iburst maxsources 1\n" % (POOL, port), pool_hosts())
    # Twice maxsources are tried; once one answered, the other goes.
    check_one_kept(d, sockets)


def test_pool_replies_read_together_keep_maxsources(run, name_server, chronyd_pair):
    """Both servers' first replies wait in stratumd's sockets and are read in
    one pass of its loop (as when it is busy or descheduled): the first one
    completes the pool, the second must not save its source (chronyd has
    removed it by then)."""
    port, sockets, servers = chronyd_pair
    for c in servers:
        c.signal(signal.SIGSTOP)
    d = None
    try:
        d = run("port 0\npool %s port %d iburst maxsources 1\n" % (POOL, port), pool_hosts())
        # The first requests (0.2 s after the sources are added) wait in the
        # stopped servers' sockets; stratumd is stopped before its next
        # request of the burst (2 s later), the servers answer, and it
        # resumes with both replies to read.
        assert wait_for(lambda: all(queued_sockets(c.proc.pid) for c in servers), 5), d.log()
        d.signal(signal.SIGSTOP)
        for c in servers:
            c.signal(signal.SIGCONT)
        assert wait_for(lambda: queued_sockets(d.proc.pid) >= 2, 5), d.log()
    finally:
        for c in servers:
            c.signal(signal.SIGCONT)
        if d:
            d.signal(signal.SIGCONT)
    check_one_kept(d, sockets)


def test_unreachable_source_replaced_by_another_address(run, name_server, chronyd_pair):
    port, sockets, _ = chronyd_pair
    dead = "127.0.0.4"                  # first in the hosts file, nothing there
    hosts = "%s single.test\n%s single.test\n" % (dead, SERVERS[0])
    d = run("port 0\nserver single.test port %d iburst minpoll 0 maxpoll 0\n" % port, hosts)
    assert wait_for(lambda: "Added source %s (single.test)" % dead in d.log(), 5), d.log()
    # 8 requests unanswered: chronyd's rule replaces the source.
    line = "Source %s replaced with %s (single.test)" % (dead, SERVERS[0])
    assert wait_for(lambda: line in d.log(), 20), d.log()
    assert wait_for(lambda: "Selected source %s" % SERVERS[0] in d.log(), SELECT_TIMEOUT), \
        d.log()
    assert requests_served(sockets[0]) > 0
    assert d.log().count("replaced with") == 1


@pytest.mark.parametrize("answer", [True, False], ids=["nxdomain", "no-server"])
def test_unresolvable_pool_does_not_spin(run, tmp_path, answer):
    require_namespace()
    ns = FakeNameServer(dns_addr(), answer=answer)
    try:
        d = run("port 0\npool %s iburst\n" % NOWHERE, "127.0.0.1 localhost\n")
        assert wait_for(lambda: "Could not resolve address of %s" % NOWHERE in d.log(), 5), \
            d.log()
        assert "Resolving again in 28 seconds" in d.log()
        start_cpu = cpu_seconds(d.proc.pid)
        time.sleep(5)
        used = cpu_seconds(d.proc.pid) - start_cpu
        assert used < 0.2, "stratumd used %.2f s of CPU in 5 s" % used
        assert d.alive(), d.log()
        if answer:
            assert 1 <= len(ns.queries) <= 4, ns.queries     # A and AAAA, once
    finally:
        ns.close()


def test_unresolvable_name_is_retried_after_28s(run, name_server):
    d = run("port 0\nserver %s iburst\n" % NOWHERE, "127.0.0.1 localhost\n")
    assert wait_for(lambda: len(name_server.queries) > 0, 5), d.log()
    first = name_server.queries[0]
    # One lookup may send several queries within milliseconds (A and AAAA,
    # the resolver's own retry); the retry is the first a second later.
    def later():
        return [t - first for t in name_server.queries if t - first > 1.0]
    assert wait_for(lambda: later(), FIRST_RETRY + 10), d.log()
    retry = later()[0]
    assert FIRST_RETRY - 2 < retry < FIRST_RETRY + 4, retry
    assert wait_for(lambda: "Resolving again in 56 seconds" in d.log(), 5), d.log()
    # Logged once, not at every attempt.
    assert d.log().count("Could not resolve address of %s" % NOWHERE) == 1


def test_sourcedir_sources_added_at_start(local_server, tmp_path):
    addr, port = local_server
    sources = tmp_path / "sources.d"
    sources.mkdir()
    (sources / "a.sources").write_text("server %s port %d iburst\n" % (addr, port))
    (sources / "b.conf").write_text("server 127.0.0.9 port %d iburst\n" % port)  # not *.sources
    d = Daemon(tmp_path / "client", "port 0\nsourcedir %s\n" % sources)
    try:
        d.start()
        assert wait_for(lambda: "Selected source %s" % addr in d.log(), SELECT_TIMEOUT), d.log()
        assert "not implemented" not in d.log()
        assert "127.0.0.9" not in d.log()
    finally:
        print("---- stratumd (exit %s)\n%s" % (d.stop(), d.log()))


@pytest.mark.parametrize("maxsources,unknown", [(None, 8), (3, 6), (12, 16)])
def test_activity_counts_an_unresolved_pool_as_chronyd(run, name_server, tmp_path, maxsources,
                                                       unknown):
    """chronyd holds a pool it could not resolve as 2 x maxsources (at most
    16) sources of unknown address, and `activity` counts each."""
    sock = tmp_path / "s.sock"
    option = " maxsources %d" % maxsources if maxsources else ""
    d = run("port 0\ncmdport 0\nbindcmdaddress %s\npool %s iburst%s\nserver %s\n"
            % (sock, NOWHERE, option, NOWHERE), "127.0.0.1 localhost\n")
    assert wait_for(lambda: d.log().count("Could not resolve address of %s" % NOWHERE) >= 1, 5), \
        d.log()
    out = subprocess.run([str(BUILD / "stratumc"), "-h", str(sock), "activity"],
                         capture_output=True, text=True, timeout=10).stdout
    assert "%d sources with unknown address" % (unknown + 1) in out, out


def test_many_pools_start_in_linear_time(run, name_server):
    """100,000 pool lines: measured 0.4 s of CPU to READY=1 (it was 25 s,
    quadratic); the bound leaves a tenfold margin."""
    config = "port 0\n" + "".join("pool p%d.test iburst\n" % i for i in range(100000))
    d = run(config, "127.0.0.1 localhost\n")
    used = cpu_seconds(d.proc.pid)
    assert used < 4.0, "%.2f s of CPU before the daemon was ready" % used


@pytest.mark.parametrize("rule,answered", [("allow client.test", True),
                                           ("allow 127.0.0.0/8\ndeny client.test", False)])
def test_allow_and_deny_by_host_name(run, name_server, rule, answered):
    """chronyd takes a host name in allow/deny for its first address; the
    hosts file of the namespace says client.test is 127.0.0.1."""
    port = free_udp_port()
    run("port %d\nbindaddress 127.0.0.1\nlocal stratum 3\n%s\n" % (port, rule),
        "127.0.0.1 localhost\n127.0.0.1 client.test\n")
    assert (query(("127.0.0.1", port), timeout=2.0)[1] is not None) == answered


def test_an_unresolvable_host_name_in_allow_is_an_error(tmp_path, name_server):
    """Never a wider rule: the daemon does not start, and says where."""
    d = NamespacedDaemon(tmp_path / "d", "port %d\nallow %s\n" % (free_udp_port(), NOWHERE),
                         "127.0.0.1 localhost\n")
    d.spawn()
    try:
        assert d.proc.wait(15) == 1
    finally:
        d.stop()
    assert "stratumd.conf:2: allow: could not resolve address of %s" % NOWHERE in d.log(), d.log()


def test_pool_added_and_removed_in_chronyds_words(run, name_server, tmp_path):
    """chronyd 4.8 (ntp_sources.c log_source): a pool a sourcedir reload
    brings or takes away is logged once by its name, "Added pool NAME" and
    "Removed pool NAME", not by its sources; the sources of the
    configuration at start are not logged (chronyc of Debian's 4.3 sends
    the reload)."""
    chronyc = peers_root() / "usr" / "bin" / "chronyc"
    if not chronyc.is_file():
        pytest.skip("chronyc not found in %s" % chronyc)
    srcdir = tmp_path / "sources.d"
    srcdir.mkdir()
    sock = tmp_path / "sock"
    sock.mkdir(mode=0o770)
    d = run("port 0\nsourcedir %s\nbindcmdaddress %s\nserver 127.0.0.9 offline\n"
            % (srcdir, sock / "s.sock"), pool_hosts())

    def reload_sources():
        r = subprocess.run([str(chronyc), "-h", str(sock / "s.sock"), "reload", "sources"],
                           capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
        assert "200 OK" in r.stdout, r.stdout + r.stderr

    (srcdir / "p.sources").write_text("pool %s maxsources 2 offline\n" % POOL)
    reload_sources()
    assert wait_for(lambda: "Added pool %s" % POOL in d.log(), 5), d.log()
    (srcdir / "p.sources").write_text("")
    reload_sources()
    assert wait_for(lambda: "Removed pool %s" % POOL in d.log(), 5), d.log()
    log = d.log()
    assert log.count("Added pool") == 1 and log.count("Removed pool") == 1, log
    assert "Added source 127.0.0.9" not in log, log
