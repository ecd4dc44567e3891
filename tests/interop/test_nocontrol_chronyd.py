"""-x beside chronyd 4.3 -x: synchronised to a server half a second ahead
of this host's clock, both keep a virtual clock, so chronyc tracking's
"System time" says the clock is half a second slow of NTP time (the
correction the virtual clock holds, never applied); with makestep, both log
"Could not step system clock" and never that the clock was stepped, at
every update while makestep's limit lasts: the clock itself stays wrong
(chronyd 4.8 slews the step not made into the virtual clock, 4.3 drops it:
either way the next update wants the step again)."""
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from ntptest import Daemon, FakeServer, chronyd_daemon, peers_root

OFFSET = 0.5            # the server ahead of this host, s
SETTLE_TIMEOUT = 20.0
MAKESTEP_LIMIT = 3      # makestep 0.1 3: updates that may step


def chronyc_tracking(sock):
    c = peers_root() / "usr" / "bin" / "chronyc"
    if not c.is_file():
        pytest.skip("chronyc not found in %s" % c)
    r = subprocess.run([str(c), "-h", str(sock), "tracking"], capture_output=True, text=True,
                       timeout=10, stdin=subprocess.DEVNULL)
    return dict(re.findall(r"^(.+?)\s*:\s*(.*)$", r.stdout, re.M))


def system_time(sock):
    """chronyc's System time, > 0 when slow of NTP time, and its error bound
    (root delay / 2 + root dispersion); None before it is known."""
    t = chronyc_tracking(sock)
    m = re.match(r"([\d.]+) seconds (fast|slow)", t.get("System time", ""))
    if not m:
        return None
    bound = sum(float(re.match(r"[\d.]+", t.get(k, "0")).group(0)) * w
                for k, w in (("Root delay", 0.5), ("Root dispersion", 1.0)))
    return float(m.group(1)) * (1 if m.group(2) == "slow" else -1), bound


@pytest.mark.parametrize("makestep", [False, True])
def test_virtual_clock_as_chronyd(tmp_path, makestep):
    server = FakeServer(offset=OFFSET)
    daemons = {}
    # A short directory for the command sockets: chronyc binds its own reply
    # socket beside the server's, and pytest's tmp_path under make check is
    # long enough to take that path over the 108 bytes a socket's may have.
    short = Path(tempfile.mkdtemp(prefix="nc-"))
    try:
        for name in ("chronyd", "stratumd"):
            sockdir = short / name
            sockdir.mkdir(parents=True, mode=0o770)
            os.chmod(sockdir, 0o770)
            lines = ["port 0", "cmdport 0", "bindcmdaddress %s" % (sockdir / "s.sock"),
                     "server 127.0.0.1 port %d iburst minpoll 0 maxpoll 0" % server.port]
            if makestep:
                lines.append("makestep 0.1 %d" % MAKESTEP_LIMIT)
            if name == "chronyd":
                d = chronyd_daemon(tmp_path / name / "run", lines)
            else:
                d = Daemon(tmp_path / name / "run", "\n".join(lines) + "\n")
            d.start()
            daemons[name] = (d, sockdir / "s.sock")
        deadline = time.monotonic() + SETTLE_TIMEOUT
        settled, seen = {}, {}
        while time.monotonic() < deadline and len(settled) < len(daemons):
            for name, (d, sock) in daemons.items():
                assert d.alive(), d.log()
                t = system_time(sock) if "Selected source" in d.log() else None
                seen[name] = t
                # Within 10 ms, or the measurement's own bound when the
                # Python server answers late on a loaded machine.
                tried = d.log().count("Could not step system clock")
                if t is not None and abs(t[0] - OFFSET) < 0.01 + t[1] and \
                        (not makestep or tried == MAKESTEP_LIMIT):
                    settled[name] = t
            time.sleep(0.25)
        logs = {name: d.log() for name, (d, _) in daemons.items()}
    finally:
        for d, _ in daemons.values():
            d.stop()
        server.close()
        shutil.rmtree(short, ignore_errors=True)
    assert set(settled) == set(daemons), (seen, logs)
    for name, log in logs.items():
        assert "System clock was stepped" not in log, (name, log)
        assert ("Could not step system clock" in log) == makestep, (name, log)
        if makestep:
            assert log.count("Could not step system clock") == MAKESTEP_LIMIT, (name, log)
