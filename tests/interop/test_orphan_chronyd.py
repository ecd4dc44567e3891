"""`local stratum 10 orphan` beside chronyd 4.3: a stratumd and a chronyd
(both -x) on 127.0.0.1 and 127.0.0.2, each the other's only server,
settle as a group of chronyds does: the one with the smaller address
serves its local time (tracking: refid 7F7F0101, stratum 10), the other
synchronises to it (refid 7F000001, stratum 11), whichever daemon has
which address. stratumd is given `waitunsynced 0` (chronyd 4.3 has no wait;
4.8's default with orphan is 300 s)."""
import os
import re
import socket
import subprocess
import time

import pytest

from ntptest import Daemon, chronyd_daemon, free_udp_port, peers_root

ADDRS = ("127.0.0.1", "127.0.0.2")
SETTLE_TIMEOUT = 30.0


def tracking(sock):
    c = peers_root() / "usr" / "bin" / "chronyc"
    if not c.is_file():
        pytest.skip("chronyc not found in %s" % c)
    r = subprocess.run([str(c), "-h", str(sock), "tracking"], capture_output=True, text=True,
                       timeout=10, stdin=subprocess.DEVNULL)
    f = dict(re.findall(r"^(.+?)\s*:\s*(.*)$", r.stdout, re.M))
    return f.get("Reference ID", "")[:8], f.get("Stratum")


def free_port_on_both():
    """A UDP port free on both addresses."""
    while True:
        port = free_udp_port(ADDRS[0])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((ADDRS[1], port))
            return port
        except OSError:
            continue
        finally:
            s.close()


@pytest.mark.parametrize("stratumd_at", [0, 1])
def test_orphan_pair_with_chronyd(tmp_path, stratumd_at):
    port = free_port_on_both()
    daemons = []
    try:
        for i, addr in enumerate(ADDRS):
            other = ADDRS[1 - i]
            sockdir = tmp_path / ("n%d" % i) / "sock"
            sockdir.mkdir(parents=True, mode=0o770)
            os.chmod(sockdir, 0o770)
            lines = ["port %d" % port, "bindaddress %s" % addr, "bindacqaddress %s" % addr,
                     "allow 127.0.0.0/8", "cmdport 0", "bindcmdaddress %s" % (sockdir / "s"),
                     "server %s port %d iburst minpoll 0 maxpoll 0" % (other, port)]
            if i == stratumd_at:
                d = Daemon(tmp_path / ("n%d" % i) / "run",
                           "\n".join(lines + ["local stratum 10 orphan waitunsynced 0"]) + "\n")
            else:
                d = chronyd_daemon(tmp_path / ("n%d" % i) / "run",
                                   lines + ["local stratum 10 orphan"])
            d.start(wait_ports=[(4, port)] if i == stratumd_at else ())
            daemons.append((d, sockdir / "s"))
        want = [("7F7F0101", "10"), ("7F000001", "11")]
        deadline = time.monotonic() + SETTLE_TIMEOUT
        got = None
        while time.monotonic() < deadline:
            for d, _ in daemons:
                assert d.alive(), d.log()
            got = [tracking(sock) for _, sock in daemons]
            if got == want:
                break
            time.sleep(0.5)
        # and it stays so
        time.sleep(3)
        assert got == want and [tracking(sock) for _, sock in daemons] == want, \
            (got, [d.log() for d, _ in daemons])
        assert "not implemented" not in daemons[stratumd_at][0].log()
    finally:
        for d, _ in daemons:
            d.stop()
