"""The chrony collector of Debian's prometheus-node-exporter-collectors
(chrony.py, a textfile collector extracted by scripts/monitoring.sh with the
prometheus_client library it imports) run with stratumc in chronyc's place,
and with the real chronyc against chronyd as the reference.

The script runs `chronyc -c tracking` from $PATH and has no option for the
daemon's address, so the test's PATH starts with a directory holding a
`chronyc` wrapper that adds `-h 127.0.0.1 -p CMDPORT` (the daemon's private
command port) and executes stratumc (or chronyc). Its output must pass
`promtool check metrics` (Debian's prometheus, scripts/prometheus.sh) and
its values must be those of `stratumc -c tracking` at the same moment (the
reports before and after the run must agree, else it is run again). Each
daemon (-x) follows a stratumd serving `local stratum 3` on loopback.
"""
import os
import re
import subprocess
import time

import pytest

from ntptest import (BUILD, Daemon, chronyd_daemon, free_udp_port, monitoring_root,
                     peers_root, prometheus_bin, require_stratumd, start_server, wait_for)

SYNC_TIMEOUT = 40.0
TRIES = 3


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    require_stratumd()
    d, addr = start_server(tmp_path_factory.mktemp("nec-upstream"))
    yield addr
    rc = d.stop()
    print("---- upstream stratumd (exit %s)\n%s" % (rc, d.log()))


def tracking(cmdport):
    r = subprocess.run([str(BUILD / "stratumc"), "-h", "127.0.0.1", "-p", str(cmdport), "-c",
                        "tracking"], capture_output=True, text=True, timeout=20,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().split(",")


@pytest.fixture(scope="module", params=["chronyd", "stratumd"])
def daemon(request, upstream, tmp_path_factory):
    """(kind, the daemon's command port, a PATH directory whose `chronyc`
    talks to it: the real chronyc for chronyd, stratumc for stratumd)."""
    monitoring_root()
    base = tmp_path_factory.mktemp("nec-" + request.param)
    cmdport = free_udp_port()
    lines = ["port 0", "server %s port %d iburst minpoll 6 maxpoll 6" % upstream,
             "cmdport %d" % cmdport, "bindcmdaddress 127.0.0.1", "bindcmdaddress /"]
    if request.param == "chronyd":
        d = chronyd_daemon(base / "daemon", lines)
        client = peers_root() / "usr" / "bin" / "chronyc"
    else:
        d = Daemon(base / "daemon", "\n".join(lines) + "\n")
        client = BUILD / "stratumc"
    bindir = base / "bin"
    bindir.mkdir()
    wrapper = bindir / "chronyc"
    wrapper.write_text('#!/bin/sh\nexec %s -h 127.0.0.1 -p %d "$@"\n' % (client, cmdport))
    wrapper.chmod(0o755)
    try:
        d.start(wait_ports=[(4, cmdport)])
        assert wait_for(lambda: tracking(cmdport)[1] == "127.0.0.1", SYNC_TIMEOUT), d.log()
        yield request.param, cmdport, bindir
    finally:
        rc = d.stop()
        print("---- %s (exit %s)\n%s" % (request.param, rc, d.log()))


def collector(bindir):
    mon = monitoring_root()
    env = dict(os.environ, PATH="%s:/usr/bin:/bin" % bindir,
               PYTHONPATH=str(mon / "usr/lib/python3/dist-packages"))
    r = subprocess.run(["/usr/bin/python3",
                        str(mon / "usr/share/prometheus-node-exporter-collectors/chrony.py")],
                       capture_output=True, text=True, timeout=30, env=env,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def samples(text):
    """{metric name with labels: value} of the text format."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            m = re.match(r"^(\S+(?:\{[^}]*\})?) (\S+)$", line)
            assert m, line
            out[m.group(1)] = float(m.group(2))
    return out


def test_collector_output_is_valid_and_agrees_with_stratumc(daemon):
    kind, cmdport, bindir = daemon
    for _ in range(TRIES):
        before = tracking(cmdport)
        text = collector(bindir)
        after = tracking(cmdport)
        # no clock update in between: stratum, reference time, last offset
        if [before[i] for i in (2, 3, 5)] == [after[i] for i in (2, 3, 5)]:
            break
        time.sleep(1)
    else:
        pytest.fail("tracking changed during each of %d runs" % TRIES)
    print("%s:\n%s" % (kind, text))

    promtool = prometheus_bin("promtool")
    r = subprocess.run([str(promtool), "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(), \
        r.stdout + r.stderr

    got = samples(text)
    t = after
    info = 'chrony_tracking_reference_info{ref_host="%s",ref_id="%s"}' % (t[1], t[0])
    assert got.get(info) == 1.0, (info, sorted(got))
    assert got["chrony_tracking_stratum"] == float(t[2])
    # the correction left changes with time (chronyd's does under -x too):
    # between the values before and after the run
    lo, hi = sorted((float(before[4]), float(t[4])))
    assert lo <= got["chrony_tracking_system_offset_seconds"] <= hi, (before[4], t[4])
    assert got["chrony_tracking_last_offset_seconds"] == float(t[5])
    # the collector fills root dispersion from the last offset's field too
    # (its own choice, the same with chronyc)
    assert got["chrony_tracking_root_dispersion_seconds"] == float(t[5])
    assert len(got) == 5, sorted(got)
