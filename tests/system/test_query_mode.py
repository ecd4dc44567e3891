"""stratumd -Q: measure the offset of the configured servers, print it and
exit, never touching the clock - as chronyd -Q, whose behaviour (4.3) this
mirrors:
  - success: logs "System clock wrong by X seconds (ignored)" and exits 0
    (about 4 s with iburst: four samples 2 s apart);
  - no server answers: after the iburst it logs "No suitable source for
    synchronisation" and exits 1 (about 10 s with iburst);
  - the server answers but is unsynchronised (leap 3, stratum 0): the same
    message and exit 1 (about 8 s);
  - -t SECONDS bounds the run ("Timeout reached", exit 1 if not synchronised).
  (Without iburst chronyd -Q waits its normal polling interval: minutes.)
We pass -x as well (no clock control at all) and -f /dev/null: directives on
the command line replace the config file anyway.
"""
import re
import subprocess
import time

from ntptest import free_udp_port, require_stratumd

OFFSET_RE = re.compile(r"System clock wrong by (-?\d+\.\d+) seconds")
RUN_TIMEOUT = 40


def query_mode(directives, extra_opts=("-d",), timeout=RUN_TIMEOUT):
    stratumd = require_stratumd()
    t0 = time.monotonic()
    r = subprocess.run([str(stratumd), "-x"] + list(extra_opts) + ["-Q", "-f", "/dev/null"]
                       + list(directives), capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return r, time.monotonic() - t0


def test_query_mode_prints_offset(local_server):
    r, elapsed = query_mode(["server %s port %d iburst" % local_server])
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    m = OFFSET_RE.search(out)
    assert m, "no 'System clock wrong by X seconds' in:\n" + out
    assert abs(float(m.group(1))) < 1e-3, out
    assert elapsed < 20, "took %.1f s" % elapsed


def test_query_mode_without_d_stays_in_foreground(local_server):
    """-Q alone does not detach (chronyd's -Q implies -n and logs to stderr)."""
    r, elapsed = query_mode(["server %s port %d iburst" % local_server], extra_opts=())
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert OFFSET_RE.search(out), out


def test_query_mode_no_answer_exits_1(tmp_path):
    port = free_udp_port()         # nothing listens there
    r, elapsed = query_mode(["server 127.0.0.1 port %d iburst" % port])
    out = r.stdout + r.stderr
    assert r.returncode == 1, "exit %d:\n%s" % (r.returncode, out)
    assert "No suitable source for synchronisation" in out, out
    assert not OFFSET_RE.search(out), out
    assert elapsed < 30, "took %.1f s" % elapsed


def test_query_mode_unsynchronised_server_exits_1(unsync_server):
    r, elapsed = query_mode(["server %s port %d iburst" % unsync_server])
    out = r.stdout + r.stderr
    assert r.returncode == 1, "exit %d:\n%s" % (r.returncode, out)
    assert "No suitable source for synchronisation" in out, out
    assert not OFFSET_RE.search(out), out


def test_query_mode_timeout_option():
    """-t 2 with a server that never answers: gives up after 2 s, exit 1
    (chronyd: "Timeout reached")."""
    port = free_udp_port()
    r, elapsed = query_mode(["server 127.0.0.1 port %d iburst" % port],
                            extra_opts=("-d", "-t", "2"))
    out = r.stdout + r.stderr
    assert r.returncode == 1, "exit %d:\n%s" % (r.returncode, out)
    assert 1.5 < elapsed < 6, "took %.1f s" % elapsed
    assert not OFFSET_RE.search(out), out


def test_query_mode_never_measures_peers(local_server):
    """As chronyd -Q (checked on 4.3): a peer is never measured (-Q opens no
    NTP server socket, so it never sends to the peer) - with a server too,
    the server's offset is the result; with only peers, -t ends the wait
    ("Timeout reached", exit 1). No "not implemented" warning either."""
    r, elapsed = query_mode(["peer 127.0.0.5 port %d iburst" % local_server[1],
                             "server %s port %d iburst" % local_server])
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert OFFSET_RE.search(out), out
    assert "127.0.0.5" not in r.stdout, out
    assert "not implemented" not in out, out

    r, elapsed = query_mode(["peer %s port %d iburst" % local_server],
                            extra_opts=("-d", "-t", "2"))
    out = r.stdout + r.stderr
    assert r.returncode == 1, "exit %d:\n%s" % (r.returncode, out)
    assert "Timeout reached" in out, out
    assert 1.5 < elapsed < 6, "took %.1f s" % elapsed
    assert "not implemented" not in out, out


def test_query_mode_under_the_system_call_filter(local_server, tmp_path):
    """-F applies to -Q too (after the names are resolved): it measures as
    without the filter, and while it waits its status shows the filter."""
    r, _ = query_mode(["server %s port %d iburst" % local_server], extra_opts=("-d", "-F", "1"))
    assert r.returncode == 0 and OFFSET_RE.search(r.stdout + r.stderr), r.stdout + r.stderr
    stratumd = require_stratumd()
    p = subprocess.Popen([str(stratumd), "-x", "-d", "-F", "1", "-t", "3", "-Q", "-f", "/dev/null",
                          "server 127.0.0.1 port %d iburst" % free_udp_port()],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    try:
        seen = False
        deadline = time.monotonic() + 2.5
        while not seen and time.monotonic() < deadline and p.poll() is None:
            with open("/proc/%d/status" % p.pid) as f:
                seen = re.search(r"^Seccomp:\s+2$", f.read(), re.M) is not None
            time.sleep(0.05)
        assert seen
    finally:
        p.kill()
        p.wait(timeout=5)
