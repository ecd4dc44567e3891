"""stratumd -Q: measure the offset of the configured servers, print it and
exit, never touching the clock - as chronyd -Q, whose behaviour (4.3) this
mirrors:
  - success: logs "System clock wrong by X seconds (ignored)" and exits 0
    (about 4 s with iburst: chronyd -Q ends at its first update, with three
    samples 2 s apart);
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
import shutil
import socket
import struct
import subprocess
import threading
import time

import pytest

from ntptest import MODE_SERVER, free_udp_port, header, ntp_now, require_stratumd

OFFSET_RE = re.compile(r"System clock wrong by (-?\d+\.\d+) seconds")
RUN_TIMEOUT = 40


def query_mode(directives, extra_opts=("-d",), timeout=RUN_TIMEOUT, mode="-Q", binary=None):
    stratumd = binary or require_stratumd()
    t0 = time.monotonic()
    r = subprocess.run([str(stratumd), "-x"] + list(extra_opts) + [mode, "-f", "/dev/null"]
                       + list(directives), capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return r, time.monotonic() - t0


def version():
    return subprocess.run([str(require_stratumd()), "-v"], capture_output=True,
                          text=True, timeout=10).stdout.split()[-1]


def test_q_with_x_says_it_could_not_step(local_server):
    """chronyd -q -x: "(step)", then "Could not step system clock", exit 0."""
    r, _ = query_mode(["server %s port %d iburst" % local_server], mode="-q")
    assert r.returncode == 0, r.stderr
    assert re.search(r"System clock wrong by -?\d+\.\d+ seconds \(step\)\n.*Could not step "
                     r"system clock\n.*stratumd exiting\n$", r.stderr), r.stderr


def test_query_mode_prints_offset(local_server):
    r, elapsed = query_mode(["server %s port %d iburst" % local_server])
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    m = OFFSET_RE.search(out)
    assert m, "no 'System clock wrong by X seconds' in:\n" + out
    assert abs(float(m.group(1))) < 1e-3, out
    assert "3/3 replies" in r.stdout, out
    # chronyd's first and last lines (-x -Q).
    lines = [l.split(" ", 1)[1] for l in r.stderr.splitlines()]
    assert lines[:2] == ["stratumd version %s starting" % version(), "Disabled control of "
                         "system clock"] and lines[-1] == "stratumd exiting", r.stderr
    # Three samples 2 s apart, done at the third reply: 4.0 s here
    # (chronyd -Q 4.3 s); it was 8 s.
    assert elapsed < 6.5, "took %.1f s" % elapsed


def unauthenticated_server(sock, stop):
    """Answer every request with a valid reply that carries no MAC."""
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            data, addr = sock.recvfrom(1024)
        except socket.timeout:
            continue
        if len(data) >= 48:
            sock.sendto(header(mode=MODE_SERVER, stratum=2, org=struct.unpack("!Q", data[40:48])[0],
                               rec=ntp_now(), ref=ntp_now(), xmt=ntp_now()), addr)


def test_query_mode_says_why_a_keyed_server_gave_nothing(tmp_path):
    """A key missing from the keyfile is warned about (as the daemon and
    chronyd do) and that server is not asked; replies that fail the
    authentication test are counted and named."""
    keys = tmp_path / "keys"
    keys.write_text("1 SHA256 HEX:" + "ab" * 32 + "\n")
    keys.chmod(0o600)
    stop = threading.Event()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        t = threading.Thread(target=unauthenticated_server, args=(sock, stop), daemon=True)
        t.start()
        try:
            r, elapsed = query_mode(["keyfile %s" % keys,
                                     "server 127.0.0.1 port %d iburst key 5" % port,
                                     "server 127.0.0.1 port %d iburst key 1" % port], timeout=60)
        finally:
            stop.set()
            t.join(5)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "Key 5 is missing" in r.stderr, out
    assert "no valid reply (key 5 missing)" in r.stdout, out
    assert "no valid reply (8 sent, 8 failed authentication)" in r.stdout, out


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


def keyfile(tmp_path, lines):
    keys = tmp_path / "keys"
    keys.write_text("".join(lines))
    keys.chmod(0o600)
    return keys


# chronyd 4.8 (keys.c) skips a key line it cannot use with a warning ("Invalid
# type in key 1", "Unsupported hash function in key 2"), so that key is
# missing: a source with it is never asked ("Key 1 is missing"), and if no
# other source can be measured, -Q and -q end as when nothing answers: "No
# suitable source for synchronisation", exit 1 (chronyd 4.3: after 10 s).
UNKNOWN_TYPE = "1 FOO HEX:" + "ab" * 16 + "\n"


@pytest.mark.parametrize("mode", ["-Q", "-q"])
def test_query_mode_key_of_unknown_type(local_server, tmp_path, mode):
    keys = keyfile(tmp_path, [UNKNOWN_TYPE])
    r, elapsed = query_mode(["keyfile %s" % keys,
                             "server %s port %d iburst key 1" % local_server], mode=mode)
    out = r.stdout + r.stderr
    assert r.returncode == 1, "exit %d:\n%s" % (r.returncode, out)
    assert "%s:1: expected a key type" % keys in r.stderr, out
    assert "Key 1 is missing" in r.stderr, out
    assert "no valid reply (key 1 missing)" in r.stdout, out
    assert "No suitable source for synchronisation" in r.stderr, out
    assert not OFFSET_RE.search(out), out
    assert elapsed < 20, "took %.1f s" % elapsed


def test_query_mode_bad_key_line_of_no_source(local_server, tmp_path):
    """A key no server uses: the warning, and the query as without it."""
    keys = keyfile(tmp_path, [UNKNOWN_TYPE])
    r, _ = query_mode(["keyfile %s" % keys, "server %s port %d iburst" % local_server])
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "%s:1: expected a key type" % keys in r.stderr, out
    assert OFFSET_RE.search(out), out


def test_query_mode_key_needing_missing_openssl_module(local_server, tmp_path):
    """A SHA1 key, and stratumd copied out of the build directory: it looks
    for its OpenSSL module at the installed path, where none is (else the
    test skips). The key is not loaded, as chronyd built without the hash
    would not load it."""
    binary = tmp_path / "bin" / "stratumd"
    binary.parent.mkdir()
    shutil.copy2(str(require_stratumd()), str(binary))
    keys = keyfile(tmp_path, ["2 SHA1 HEX:" + "cd" * 20 + "\n"])
    r, elapsed = query_mode(["keyfile %s" % keys,
                             "server %s port %d iburst key 2" % local_server], binary=binary)
    out = r.stdout + r.stderr
    if "stratum-ossl.so : No such file" not in out:
        pytest.skip("a module is installed on this machine:\n" + out)
    assert r.returncode == 1, "exit %d:\n%s" % (r.returncode, out)
    assert "Key 2 (SHA1) in %s line 1 needs OpenSSL" % keys in r.stderr, out
    assert "Key 2 is missing" in r.stderr, out
    assert "no valid reply (key 2 missing)" in r.stdout, out
    assert "No suitable source for synchronisation" in r.stderr, out
    assert elapsed < 20, "took %.1f s" % elapsed
