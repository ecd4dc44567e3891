"""The UDP command port as monitoring tools expect it (issue 15): by
default stratumd listens on both 127.0.0.1 and ::1, as chronyd does, so
`chronyc -h 127.0.0.1,::1` (chrony-wait's and the exporters' way) and
`stratumc -h 127.0.0.1,::1` reach it; a list is tried in order, the next
address when one does not answer."""
import socket
import subprocess

import pytest

from ntptest import BUILD, Daemon, free_udp_port, ipv6_loopback, udp_ports_of, wait_for

from test_chronyc import chronyc

pytestmark = pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback here")


def free_port_both():
    """A UDP port free on 127.0.0.1 and on ::1."""
    for _ in range(20):
        port = free_udp_port()
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
                s.bind(("::1", port))
            return port
        except OSError:
            continue
    pytest.skip("no port free on both loopbacks")


def stratumc(*args, host, port):
    r = subprocess.run([str(BUILD / "stratumc"), "-n", "-h", host, "-p", str(port)] + list(args),
                       capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def start(tmp_path, name, args=()):
    port = free_port_both()
    d = Daemon(tmp_path / name, "port 0\ncmdport %d\nlocal stratum 5\n" % port, args=list(args))
    d.start()
    return d, port


def test_both_loopbacks_by_default(tmp_path):
    d, port = start(tmp_path, "both")
    try:
        assert wait_for(lambda: {(4, port), (6, port)} <= udp_ports_of(d.proc.pid), 5), \
            udp_ports_of(d.proc.pid)
        for host in ("127.0.0.1,::1", "::1,127.0.0.1", "::1", "127.0.0.1"):
            rc, out = stratumc("tracking", host=host, port=port)
            assert rc == 0 and "Stratum         : 5" in out, (host, out)
            rc, out = chronyc("tracking", host=host, port=port)
            assert rc == 0 and "Stratum         : 5" in out, (host, out)
    finally:
        d.stop()


def test_list_falls_back_to_the_next_address(tmp_path):
    """With only IPv4 (-4) the daemon does not answer on ::1: the list goes
    on to 127.0.0.1, for stratumc as for chronyc."""
    d, port = start(tmp_path, "v4", args=["-4"])
    try:
        assert wait_for(lambda: (4, port) in udp_ports_of(d.proc.pid), 5)
        assert (6, port) not in udp_ports_of(d.proc.pid)
        rc, out = stratumc("tracking", host="::1,127.0.0.1", port=port)
        assert rc == 0 and "Stratum         : 5" in out, out
        rc, out = chronyc("tracking", host="::1,127.0.0.1", port=port)
        assert rc == 0 and "Stratum         : 5" in out, out
    finally:
        d.stop()
