"""Debian's gpsd as the reference clock of stratumd, and of chronyd beside it.

gpsd reads NMEA sentences (tests/data/gpsd-nmea.log, RMC and GGA at 1 Hz,
restamped with the second they are sent in and written 'delay' seconds
after it) and writes their time to the NTP shared memory segment 0 (as
root, its first device's time-of-day segment), which a daemon reads with
the line chrony's documentation gives for gpsd:
    refclock SHM 0 refid GPS precision 1e-1 delay 0.2   (+ poll 2 filter 4)

Why not gpsfake: gpsfake hands gpsd a pseudo-terminal (/dev/pts/N), and
gpsd 3.22 exports no time to NTP from a source it classifies as a PTY (its
test harness); run with gpsfake, it decodes every sentence (packets flagged
NTPTIME) but segment 0 keeps count 0 and valid 0.  So the test writes the
NMEA itself to a pseudo-terminal that gpsd opens as its controlling
terminal (`setsid -c`), through a node of /dev/tty's device: a character
device gpsd takes for a serial port, so it serves its time as it does for a
real receiver.  (gpsd's SOCK
socket, /run/chrony.<device>.sock, carries PPS pulses only: a terminal
without a PPS line gives none.)

Each side runs in its own `unshare --ipc --mount` with a private tmpfs on
/run: its gpsd and its daemon share segment 0 and nothing else does.  One
replay thread writes the same sentences at the same moment to both sides'
terminals, so stratumd and chronyd read the same samples:
  - both select GPS (`#*` in Debian's chronyc sources, reach > 0, samples
    in sourcestats), both at stratum 1 with refid GPS
  - both measure the offset the replay made (the sentence's second minus the
    moment gpsd read it): their first updates agree, and match the replay's
    mean lateness, within the margin of the log's precision, the offsets'
    standard deviations and the spread of the replay's lateness
gpsd's TCP port is a free one on loopback; root only (namespaces).
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ntptest import (DATA, Daemon, PEERS_DIR, REPO, chronyc_rc, chronyd_daemon, free_tcp_port,
                     is_root, require_stratumd, wait_for)
from refclocks import (NmeaReplay, half_unit, nmea_cycles, sources_rows, sourcestats_rows,
                       tracking_fields, tracking_log, with_prefix)

GPSD_SCRIPT = REPO / "scripts" / "gpsd.sh"
GPSD_ROOT = PEERS_DIR / "gpsd-root"
NMEA_LOG = DATA / "gpsd-nmea.log"
REPLAY_DELAY = 0.15     # s after the second, as a receiver's fix comes late
SYNC_TIMEOUT = 120.0
REFCLOCK = "refclock SHM 0 refid GPS precision 1e-1 delay 0.2 poll 2 filter 4"

# In the namespaces: a private /run, gpsd on the terminal $1 as its
# controlling terminal, then the daemon ("$@" after the 7 arguments).  gpsd
# opens the controlling terminal by a name of the side's own ($7, a node of
# /dev/tty's device): it refuses a device another process has open by the
# same name, and the other side's gpsd has its terminal open.
SIDE = ('mount -t tmpfs -o mode=0755 tmpfs /run || exit 1\n'
        'mknod -m 0600 "/run/$7" c 5 0 || exit 1\n'
        'setsid -c env LD_LIBRARY_PATH="$2" "$3" -N -n -b -S "$4" -P "$5" "/run/$7" '
        '<"$1" >"$6" 2>&1 &\n'
        'shift 7\n'
        'exec "$@"\n')


def gpsd_bin():
    if not is_root():
        pytest.skip("gpsd's time segments and the namespaces need root")
    for tool in ("unshare", "setsid"):
        if not shutil.which(tool):
            pytest.skip("%s not found" % tool)
    gpsd = GPSD_ROOT / "usr" / "sbin" / "gpsd"
    if not gpsd.is_file():
        r = subprocess.run(["bash", str(GPSD_SCRIPT)], capture_output=True, text=True,
                           timeout=600, env=dict(os.environ, PEERS_DIR=str(PEERS_DIR)))
        if r.returncode != 0:
            pytest.skip("scripts/gpsd.sh failed (%d): %s" % (r.returncode, r.stderr[-500:]))
    r = subprocess.run(["unshare", "--ipc", "--mount", "--", "sh", "-c",
                        "mount -t tmpfs tmpfs /run"], capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        pytest.skip("unshare --ipc --mount with a tmpfs on /run fails here: %s"
                    % r.stderr.strip())
    return gpsd


class Side:
    """A terminal pair, and a daemon started behind gpsd in namespaces."""

    def __init__(self, name, d, gpsd, daemon):
        self.name, self.d = name, d
        self.master, slave = os.openpty()
        self.slave_path = os.ttyname(slave)
        os.close(slave)
        self.gpsd_pid = d / "gpsd.pid"
        self.gpsd_log = d / "gpsd.log"
        self.daemon = with_prefix(daemon, [
            "unshare", "--ipc", "--mount", "--", "sh", "-c", SIDE, "side", self.slave_path,
            str(GPSD_ROOT / "usr" / "lib" / "x86_64-linux-gnu"), str(gpsd),
            str(free_tcp_port()), str(self.gpsd_pid), str(self.gpsd_log), "gps-" + name])

    def gpsd_running(self):
        try:
            pid = int(self.gpsd_pid.read_text())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def stop(self):
        status = self.daemon.stop()
        pid = self.gpsd_running()
        if pid:
            os.kill(pid, 15)
            wait_for(lambda: not self.gpsd_running(), 5.0)
            if self.gpsd_running():
                os.kill(pid, 9)
        os.close(self.master)
        print("---- %s (exit %s)\n%s" % (self.name, status, self.daemon.log()))

    def gps_rows(self):
        return [r for r in tracking_log(self.d / "tracking.log") if r["name"] == "GPS"]

    def synced(self):
        rc, out = chronyc_rc(self.d / "cmd.sock", "tracking")
        f = tracking_fields(out) if rc == 0 else {}
        return f.get("Stratum") == "1" and self.gps_rows()


@pytest.fixture
def rdir():
    require_stratumd()
    d = Path(tempfile.mkdtemp(prefix="rclg-"))
    d.chmod(0o700)
    for sub in ("s", "c"):
        (d / sub).mkdir(mode=0o770)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_nmea_log_is_valid_1hz_rmc_gga():
    cycles = nmea_cycles(NMEA_LOG)
    assert len(cycles) >= 5
    assert all([b.split(",")[0][2:] for b in c] == ["RMC", "GGA"] for c in cycles)


def test_gpsd_shm_selected_by_stratumd_and_chronyd(rdir):
    gpsd = gpsd_bin()
    s, c = rdir / "s", rdir / "c"
    lines = lambda d: [REFCLOCK, "bindcmdaddress %s/cmd.sock" % d, "logdir %s" % d,  # noqa: E731
                       "log tracking", "port 0"]
    sides = [Side("stratumd", s, gpsd, Daemon(s / "d", "\n".join(lines(s)) + "\n")),
             Side("chronyd", c, gpsd, chronyd_daemon(c / "d", lines(c) + ["cmdport 0"]))]
    replay = None
    try:
        for side in sides:
            side.daemon.start()
        replay = NmeaReplay([side.master for side in sides], nmea_cycles(NMEA_LOG), REPLAY_DELAY)
        assert wait_for(lambda: all(side.daemon.alive() and side.synced() for side in sides),
                        SYNC_TIMEOUT), "\n".join(
            "%s: gpsd %s, tracking.log %s\n%s\ngpsd log:\n%s"
            % (side.name, side.gpsd_running(), side.gps_rows(), side.daemon.log(),
               side.gpsd_log.read_text()[-2000:] if side.gpsd_log.exists() else "")
            for side in sides)
        first = {}
        for side in sides:
            rc, out = chronyc_rc(side.d / "cmd.sock", "tracking")
            f = tracking_fields(out)
            assert (f["Reference ID"], f["Stratum"]) == ("47505300 (GPS)", "1"), out
            rc, out = chronyc_rc(side.d / "cmd.sock", "sources")
            print("chronyc sources against %s:\n%s" % (side.name, out))
            mode, state, stratum, poll, reach = sources_rows(out)["GPS"][:5]
            assert (mode, state, stratum, poll) == ("#", "*", 0, 2), out
            assert reach != 0, out
            rc, out = chronyc_rc(side.d / "cmd.sock", "sourcestats")
            print(out)
            assert sourcestats_rows(out)["GPS"][0] >= 1, out
            first[side.name] = side.gps_rows()[0]

        late = replay.lateness
        spread = max(late) - min(late)
        a, b = first["stratumd"], first["chronyd"]
        margin = (half_unit(a["offset_text"]) + half_unit(b["offset_text"]) +
                  a["offset_sd"] + b["offset_sd"] + spread)
        print("gpsd SHM 0: replay %.6f-%.6f s late (mean %.6f) over %d s; first update: "
              "stratumd %+.6f s, chronyd %+.6f s; difference %.3g s (margin %.3g s)"
              % (min(late), max(late), sum(late) / len(late), len(late), -a["offset"], -b["offset"],
                 abs(a["offset"] - b["offset"]), margin))
        assert abs(a["offset"] - b["offset"]) <= margin
        # The offset is the replay's lateness (and gpsd's reading after it),
        # within the lateness' spread and the daemon's own figures.
        mean = sum(late) / len(late)
        for r in (a, b):
            assert abs(r["offset"] - mean) <= spread + r["offset_sd"] + half_unit(r["offset_text"])
    finally:
        if replay:
            replay.stop()
        for side in sides:
            side.stop()
