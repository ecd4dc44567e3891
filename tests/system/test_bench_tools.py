"""Smoke test of the server benchmark's tools (bench/): the load generator
against the bare responder and against stratumd, one second at a low rate.
Figures come from `make bench-server`; this only checks that they work."""
import re
import subprocess
import time

from ntptest import BUILD, Daemon, free_udp_port

LOAD = BUILD / "bench" / "ntpload"
BARE = BUILD / "bench" / "ntpbare"


# ntpload sends on a schedule and stops at its deadline: on a busy machine it
# may be late for the last few (1993 of 2000 with two CPU hogs beside the
# suite). What it sent must be answered; that it sent at least this share of
# its goal only says that it ran (margin: 14 x the shortfall seen).
MIN_SENT = 0.95


def load(port, rate=2000, duration=1.0):
    # -w 5: on a loaded machine the last replies came after the default 0.3 s
    # (1994 and 1995 of 2000 seen); the wait ends as soon as all are in.
    out = subprocess.run([str(LOAD), "-p", str(port), "-r", str(rate), "-d", str(duration),
                          "-n", "64", "-w", "5"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return {k: float(v) for k, v in re.findall(r"(\w+)=([-\d.]+)", out.stdout)}


def test_generator_against_bare_responder():
    port = free_udp_port()
    bare = subprocess.Popen([str(BARE), "-p", str(port)], stderr=subprocess.PIPE)
    try:
        time.sleep(0.2)
        r = load(port)
        assert r["sent"] >= 2000 * MIN_SENT and r["replies"] == r["sent"], r
        assert r["bad"] == 0 and r["dup"] == 0 and r["loss_pct"] == 0
    finally:
        bare.terminate()
        bare.wait(timeout=5)


def test_generator_against_stratumd(tmp_path):
    port = free_udp_port()
    d = Daemon(tmp_path, "port %d\nbindaddress 127.0.0.1\nlocal stratum 1\nallow 127.0.0.0/8\n"
               % port)
    d.start(wait_ports=[(4, port)])
    try:
        r = load(port)
        assert r["sent"] >= 2000 * MIN_SENT and r["replies"] == r["sent"], (r, d.log())
        assert r["bad"] == 0
    finally:
        d.stop()
