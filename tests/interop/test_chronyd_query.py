"""chronyd 4.3 (Debian 12, extracted by scripts/peers.sh) as a client of
stratumd.

chronyd -Q ("print offset and exit") never touches the clock (it disables
clock control itself; we do not need -x).  It needs: a config of its own
(never /etc/chrony/chrony.conf) with the pidfile in a temp dir, `cmdport 0`
and `bindcmdaddress /` so it opens no command sockets, and `-u <us>` so it
does not look up (and switch to) Debian's _chrony user.  It logs to stderr:
  "System clock wrong by -0.000001 seconds (ignored)"   exit 0
  "No suitable source for synchronisation"              exit 1
With `log measurements` it writes one line per sample to measurements.log,
including the server's leap status and stratum and the result of its sanity
tests, which lets us check what it made of stratumd's replies.
"""
import re
import socket
import subprocess

import pytest

from ntptest import chronyd_path, free_udp_port, server_config, username

CHRONYD_TIMEOUT = 40          # hard bound on one chronyd run (s)
OFFSET_RE = re.compile(r"System clock wrong by (-?\d+\.\d+) seconds")
# 2026-11-25 01:22:40 127.0.0.1  N  3 111 111 1111   6  6 0.00 -2.866e-06 ...
MEAS_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (\S+)\s+([N+\-?])\s+(\d+)\s+"
                     r"([01]{3}) ([01]{3}) ([01]{4})\s+-?\d+\s+-?\d+\s+\S+\s+(\S+)", re.M)


def chronyd_query(tmp_path, server, extra=()):
    """Run chronyd -Q against server=(addr, port); return (completed process,
    list of measurements.log rows)."""
    chronyd = chronyd_path()
    logdir = tmp_path / "chronyd-log"
    logdir.mkdir(exist_ok=True)
    conf = tmp_path / "chrony.conf"
    conf.write_text("\n".join([
        "server %s port %d iburst" % server,
        "pidfile %s" % (tmp_path / "chronyd.pid"),
        "cmdport 0",
        "bindcmdaddress /",
        "logdir %s" % logdir,
        "log measurements",
    ] + list(extra)) + "\n")
    # -t: chronyd's own bound; CHRONYD_TIMEOUT: ours
    r = subprocess.run([str(chronyd), "-Q", "-t", "30", "-f", str(conf), "-u", username()],
                       capture_output=True, text=True, timeout=CHRONYD_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    meas = logdir / "measurements.log"
    rows = MEAS_RE.findall(meas.read_text()) if meas.exists() else []
    return r, rows


def test_chronyd_query_offset_below_1ms(local_server, tmp_path):
    r, rows = chronyd_query(tmp_path, local_server)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    m = OFFSET_RE.search(out)
    assert m, "no offset in chronyd's output:\n" + out
    assert abs(float(m.group(1))) < 1e-3, out


def test_chronyd_sees_stratum_3_and_passes_its_tests(local_server, tmp_path):
    r, rows = chronyd_query(tmp_path, local_server)
    assert r.returncode == 0, r.stdout + r.stderr
    assert rows, "chronyd logged no measurement"
    for addr, leap, stratum, t1, t2, t3, offset in rows:
        assert addr == local_server[0]
        assert leap == "N", "leap %s (N = normal)" % leap
        assert int(stratum) == 3
        # chronyd's packet tests (duplicate, bogus, invalid, ...) all pass
        assert (t1, t2, t3) == ("111", "111", "1111"), (t1, t2, t3)
        assert abs(float(offset)) < 1e-3


def test_chronyd_query_unsynchronised_server_is_no_source(unsync_server, tmp_path):
    """stratumd without a reference answers leap 3 / stratum 0, which chronyd
    must refuse exactly as it refuses an unsynchronised chronyd: "No suitable
    source for synchronisation", exit status 1."""
    r, rows = chronyd_query(tmp_path, unsync_server)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "No suitable source for synchronisation" in out, out
    assert not OFFSET_RE.search(out)


def test_chronyd_query_over_ipv6(daemons, tmp_path):
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback (::1)")
    port = free_udp_port("::1")
    daemons(server_config(port, bind="::1", allow=("::1",)), wait_ports=[(6, port)])
    r, rows = chronyd_query(tmp_path, ("::1", port))
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    m = OFFSET_RE.search(out)
    assert m and abs(float(m.group(1))) < 1e-3, out
    assert rows and all(int(st) == 3 and leap == "N" for _, leap, st, *_ in rows), rows
