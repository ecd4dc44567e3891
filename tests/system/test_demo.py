"""scripts/demo.sh (make demo) fails loudly: when its server cannot start
(DEMO_PORT taken) or a binary is missing, it exits non-zero with a message
naming the step; run as root with the peers extracted, it succeeds."""
import os
import signal
import socket
import subprocess

import pytest

from ntptest import BUILD, PEERS_DIR, REPO, free_udp_port, is_root, require_stratumd

DEMO = REPO / "scripts" / "demo.sh"


def run_demo(build, port, timeout):
    env = dict(os.environ, DEMO_PORT=str(port), PEERS_DIR=str(PEERS_DIR))
    p = subprocess.Popen(["bash", str(DEMO), str(build)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        pytest.fail("demo.sh still running after %d s:\n%s\n%s" % (timeout, out, err))
    return p.returncode, out, err


def test_demo_fails_when_its_port_is_taken():
    require_stratumd()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        rc, out, err = run_demo(BUILD, port, timeout=30)
    assert rc == 1, (rc, out, err)
    assert "demo: FAILED at step: start a stratumd server on 127.0.0.1:%d" % port in err, err
    assert "is port %d in use? set DEMO_PORT" % port in err, err
    assert "Address already in use" in out, out


def test_demo_fails_without_the_binaries(tmp_path):
    rc, out, err = run_demo(tmp_path, free_udp_port(), timeout=30)
    assert rc == 1, (rc, out, err)
    assert "demo: FAILED at step: check the build" in err, err
    assert "%s/stratumd is missing" % tmp_path in err, err


def test_demo_rejects_a_port_that_is_not_one():
    rc, out, err = run_demo(BUILD, "11123x", timeout=30)
    assert rc == 1 and "DEMO_PORT=11123x is not a UDP port number" in err, (rc, out, err)


def test_demo_succeeds():
    """The whole demo (about 20 s); as the README says, it runs as root
    (chronyd -u root) with the peers scripts/peers.sh extracted."""
    require_stratumd()
    if not is_root():
        pytest.skip("make demo runs as root (chronyd -Q -u root)")
    if not (PEERS_DIR / "root" / "usr" / "sbin" / "chronyd").is_file():
        pytest.skip("no chronyd in %s (scripts/peers.sh)" % PEERS_DIR)
    rc, out, err = run_demo(BUILD, free_udp_port(), timeout=120)
    assert rc == 0, (out, err)
    assert "demo: every step succeeded" in out, out
    # `sources` names 127.0.0.1 as /etc/hosts does (localhost on most machines)
    try:
        name = socket.getnameinfo(("127.0.0.1", 0), socket.NI_NAMEREQD)[0]
    except OSError:
        name = "127.0.0.1"
    for seen in ("stratum 3, offset", "chronyd exiting", "Selected source 127.0.0.1",
                 "Leap status     : Normal", "^* " + name[:20], "stratumd exit status: 0"):
        assert seen in out + err, seen
