"""The `offline` option of a source, as stratum.conf(5) describes it: the
source is not polled until stratumc's `online` command switches it on, and
`offline` switches it off again (chronyd's behaviour)."""
import os
import re
import subprocess
import time

import pytest

from ntptest import BUILD, wait_for

STRATUMC = BUILD / "stratumc"
CMD_TIMEOUT = 30


def stratumc(sock, *args):
    r = subprocess.run([str(STRATUMC), "-h", str(sock)] + list(args), capture_output=True,
                       text=True, timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def total_tx(sock):
    """Requests the daemon has sent to its one source (ntpdata's Total TX)."""
    rc, out = stratumc(sock, "ntpdata")
    m = re.search(r"^Total TX\s*: (\d+)$", out, re.M)
    assert rc == 0 and m, out
    return int(m.group(1))


def activity(sock):
    rc, out = stratumc(sock, "activity")
    assert rc == 0, out
    return out


def test_offline_source_is_polled_only_while_online(daemons, local_server, tmp_path):
    if not os.access(STRATUMC, os.X_OK):
        pytest.skip("%s not built (run `make`)" % STRATUMC)
    sockdir = tmp_path / "run"
    sockdir.mkdir(mode=0o770)
    sock = sockdir / "stratumd.sock"
    addr, port = local_server
    d = daemons("server %s port %d iburst offline minpoll 0 maxpoll 0\nport 0\n"
                "bindcmdaddress %s\n" % (addr, port, sock))

    # iburst with a 1 s poll would have sent several requests by now
    time.sleep(2.5)
    assert "1 sources offline" in activity(sock)
    assert total_tx(sock) == 0

    assert stratumc(sock, "online") == (0, "200 OK\n")
    assert wait_for(lambda: total_tx(sock) >= 2, 6.0), d.log()
    assert "1 sources online" in activity(sock)
    rc, out = stratumc(sock, "-c", "sources")
    assert rc == 0 and out.split(",")[5] != "0", out   # reach

    assert stratumc(sock, "offline") == (0, "200 OK\n")
    assert "1 sources offline" in activity(sock)
    sent = total_tx(sock)
    time.sleep(3.0)
    assert total_tx(sock) == sent, "polled %d times while offline" % (total_tx(sock) - sent)
    assert d.alive(), d.log()
