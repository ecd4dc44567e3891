"""chronyc -n sources lists the sources of Debian's chronyd 4.3 and of
stratumd in the same order for the same configuration: reference clocks
first, then the NTP sources in the order of their lines, a name in its
line's place although it resolves after the addresses that follow it, a
pool's sources together in the pool line's place.

Both daemons (-x) run in a private mount namespace whose /etc/hosts names
the sources (test_pool.py's way: root only, skipped otherwise) and whose
resolv.conf names a loopback address with no server, so no query leaves
the machine. Then a source is deleted from the middle and one added, on
both. Nothing answers the NTP sources: only their rows matter, and every
wait is bounded."""
import os
import re

import pytest

from ntptest import Daemon, chronyc_rc, chronyd_daemon, free_udp_port, wait_for
from test_pool import dns_addr, namespaced_argv, require_namespace

HOSTS = ("127.0.0.1 localhost\n127.0.0.22 late.test\n"
         "127.0.0.24 pool.test\n127.0.0.25 pool.test\n")
POOL = {"127.0.0.24", "127.0.0.25"}
ROWS = 8                        # 2 refclocks, 4 servers, the pool's 2
RESOLVE_TIMEOUT = 10.0


def config(work, port):
    """The lines both daemons read: refclocks around servers given by
    address and by name and a pool."""
    return ["refclock SOCK %s refid GPS noselect" % (work / "gps.sock"),
            "server 127.0.0.21 port %d" % port,
            "server late.test port %d" % port,
            "server 127.0.0.23 port %d" % port,
            "refclock SOCK %s refid PPS noselect" % (work / "pps.sock"),
            "pool pool.test port %d maxsources 1" % port,
            "server 127.0.0.26 port %d" % port]


def names(out):
    """The Name/IP address column of chronyc's sources rows, a pool's
    addresses as POOL (which of them comes first is chronyd's hash table's
    choice)."""
    rows = [line.split()[1] for line in out.splitlines() if re.match(r"^[#^=][*+?x~-] ", line)]
    return ["POOL" if r in POOL else r for r in rows]


def listed(daemon, sock, rows):
    """chronyc -n sources' names once `rows` sources are there."""
    out = []

    def complete():                 # (chronyd's socket comes after its start)
        rc, text = chronyc_rc(sock, "-n", "sources")
        out[:] = [text]
        return rc == 0 and len(names(text)) == rows
    assert wait_for(complete, RESOLVE_TIMEOUT), (out, daemon.log())
    return names(out[0])


def private_dir(path):
    path.mkdir(mode=0o770)
    os.chmod(path, 0o770)       # whatever the umask
    return path


@pytest.fixture
def namespace(tmp_path):
    """(hosts, resolv.conf) files for the daemons' namespaces."""
    require_namespace()
    hosts = tmp_path / "hosts"
    hosts.write_text(HOSTS)
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver %s\noptions timeout:1 attempts:1\n" % dns_addr())
    return hosts, resolv


def run_in(daemon, namespace):
    argv = daemon.argv
    daemon.argv = lambda: namespaced_argv(argv(), *namespace)
    return daemon.start()


def test_sources_order_as_chronyd(tmp_path, namespace):
    port = free_udp_port()
    started = []
    try:
        # short names: chronyc's own socket (chronyc.PID.sock) goes beside
        # the daemon's, and a socket's path has at most 107 bytes
        cwork = private_dir(tmp_path / "c")
        csock = cwork / "d.sock"
        chronyd = chronyd_daemon(cwork, config(cwork, port) + [
            "port 0", "cmdport 0", "bindcmdaddress %s" % csock])
        started.append(chronyd)
        run_in(chronyd, namespace)
        swork = tmp_path / "s"
        swork.mkdir()
        ssock = private_dir(swork / "k") / "d.sock"
        stratumd = Daemon(swork, "\n".join(config(swork, port) + [
            "port 0", "cmdport 0", "bindcmdaddress %s" % ssock]) + "\n")
        started.append(stratumd)
        run_in(stratumd, namespace)
        both = ((chronyd, csock), (stratumd, ssock))
        want, got = (listed(d, sock, ROWS) for d, sock in both)
        # chronyd's order is the configuration's, refclocks first
        assert want == ["GPS", "PPS", "127.0.0.21", "127.0.0.22", "127.0.0.23", "POOL", "POOL",
                        "127.0.0.26"]
        assert got == want
        # The name's source deleted from the middle, a server added: the
        # sources after it move up, the new one comes last.
        for d, sock in both:
            for command in ("delete 127.0.0.22", "add server 127.0.0.27 port %d" % port):
                rc, out = chronyc_rc(sock, command)
                assert rc == 0 and "200 OK" in out, (command, out, d.log())
        want, got = (listed(d, sock, ROWS) for d, sock in both)
        assert want == ["GPS", "PPS", "127.0.0.21", "127.0.0.23", "POOL", "POOL", "127.0.0.26",
                        "127.0.0.27"]
        assert got == want
    finally:
        for d in started:
            rc = d.stop()
            print("---- %s (exit %s)\n%s" % (d.binary, rc, d.log()))
