"""Reference clocks side by side: stratumd and Debian's chronyd 4.3 (both -x)
read the same samples, each from its own SOCK socket.

One feeder sends every sample to both daemons' sockets at once:
  - GPS: the fed offset O1, then (once both follow GPS) O2
  - REF2 (noselect): GPS's offset plus d, so once a daemon has corrected its
    clock to GPS it measures d for REF2 (sourcestats' Offset column, which
    has the opposite sign: the local clock's offset from the source)
Both must select GPS (`#*` in Debian's chronyc sources against either
daemon, the same row shapes), both at stratum 1 with refid GPS, and they
must measure the same offsets: tracking.log's first update for O1,
sourcestats' REF2 offset for d, the updates after the step O2 - O1.  Each margin comes from the
daemons' own figures (printed precision, offset standard deviations) and
is printed with the offsets.

chronyd also polls stratumd's NTP server (noselect): `chronyc ntpdata`
shows stratumd's replies at stratum 1 with reference ID 47505300 (GPS).

Both daemons stop alike at start-up on a missing SOCK directory and on a
driver option SOCK has not.
"""

import random
import shutil
import tempfile
from pathlib import Path

import pytest

from ntptest import (Daemon, chronyc_rc, chronyd_daemon, free_udp_port, require_stratumd,
                     stratumc, wait_for)
from refclocks import (SockFeeder, half_unit, query_mode, sources_rows, sourcestats_rows,
                       tracking_fields, tracking_log)

SYNC_TIMEOUT = 120.0
CMD_TIMEOUT = 10




@pytest.fixture
def rdir():
    require_stratumd()
    d = Path(tempfile.mkdtemp(prefix="rclc-"))
    d.chmod(0o700)
    for sub in ("s", "c"):
        (d / sub).mkdir(mode=0o770)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def refclock_lines(d):
    return ["refclock SOCK %s/gps.sock refid GPS poll 2 filter 4" % d,
            "refclock SOCK %s/ref2.sock refid REF2 poll 2 filter 4 noselect" % d]


def common_lines(d):
    return ["bindcmdaddress %s/cmd.sock" % d, "logdir %s" % d, "log tracking"]


def gps_rows(d):
    return [r for r in tracking_log(d / "tracking.log") if r["name"] == "GPS"]


def agree(label, a, b, offset):
    """Two daemons' tracking.log rows measured -offset alike."""
    margin = (half_unit(a["offset_text"]) + half_unit(b["offset_text"]) +
              a["offset_sd"] + b["offset_sd"])
    print("%s: fed %+.9f s; stratumd %+.9f s, chronyd %+.9f s; difference %.3g s "
          "(margin %.3g s)" % (label, offset, -a["offset"], -b["offset"],
                               abs(a["offset"] - b["offset"]), margin))
    assert abs(a["offset"] - b["offset"]) <= margin
    for r in (a, b):
        assert abs(-r["offset"] - offset) <= half_unit(r["offset_text"]) + r["offset_sd"]


def test_stratumd_and_chronyd_measure_the_same_refclock(rdir):
    s, c = rdir / "s", rdir / "c"
    port = free_udp_port()
    sd = Daemon(s / "d", "\n".join(refclock_lines(s) + common_lines(s) + [
        "port %d" % port, "bindaddress 127.0.0.1", "allow 127.0.0.1"]) + "\n")
    cd = chronyd_daemon(c / "d", refclock_lines(c) + common_lines(c) + [
        "cmdport 0", "port 0",
        "server 127.0.0.1 port %d minpoll 0 maxpoll 0 noselect" % port])
    o1 = random.choice((-1, 1)) * random.uniform(5e-3, 50e-3)
    o2 = o1 + random.choice((-1, 1)) * random.uniform(2e-3, 8e-3)
    d2 = random.choice((-1, 1)) * random.uniform(0.5e-3, 5e-3)
    fed = {"gps": o1}
    feeders = []
    try:
        sd.start(wait_ports=[(4, port)])
        cd.start()
        feeders = [SockFeeder([s / "gps.sock", c / "gps.sock"], lambda n: fed["gps"]),
                   SockFeeder([s / "ref2.sock", c / "ref2.sock"], lambda n: fed["gps"] + d2)]

        # Both follow GPS at stratum 1, as chronyc sees them.
        def synced(d):
            rc, out = chronyc_rc(d / "cmd.sock", "tracking")
            f = tracking_fields(out) if rc == 0 else {}
            return f.get("Stratum") == "1" and len(gps_rows(d)) >= 2
        assert wait_for(lambda: sd.alive() and cd.alive() and synced(s) and synced(c),
                        SYNC_TIMEOUT), "%s\n%s" % (sd.log(), cd.log())
        rows = {}
        for name, d in (("stratumd", s), ("chronyd", c)):
            rc, out = chronyc_rc(d / "cmd.sock", "tracking")
            f = tracking_fields(out)
            assert (f["Reference ID"], f["Stratum"]) == ("47505300 (GPS)", "1"), out
            rc, out = chronyc_rc(d / "cmd.sock", "sources")
            assert rc == 0, out
            rows[name] = sources_rows(out)
            print("chronyc sources against %s:\n%s" % (name, out))
        for name in ("GPS", "REF2"):
            shape = [rows[n][name][:4] for n in ("stratumd", "chronyd")]
            assert shape[0] == shape[1], shape
            assert all(rows[n][name][4] != 0 for n in rows), rows
        assert rows["stratumd"]["GPS"][:4] == ("#", "*", 0, 2)
        rc, out = stratumc(s / "cmd.sock", "sources")
        assert rc == 0 and sources_rows(out)["GPS"][:4] == ("#", "*", 0, 2), out

        # The first update measured O1 in both.
        agree("first update", gps_rows(s)[0], gps_rows(c)[0], o1)

        # REF2 against the clocks corrected to GPS: -d2 in both (the samples
        # taken before a correction are corrected with the clock).
        def ref2(d):
            rc, out = chronyc_rc(d / "cmd.sock", "sourcestats")
            assert rc == 0, out
            return sourcestats_rows(out).get("REF2")

        def ref2_margin(r):
            return r[4] + 0.5 * _unit_of(r[3])
        assert wait_for(lambda: all(ref2(d) and ref2(d)[0] >= 2 and
                                    abs(ref2(d)[3] + d2) <= ref2_margin(ref2(d)) for d in (s, c)),
                        SYNC_TIMEOUT), (ref2(s), ref2(c))
        rs, rc_ = ref2(s), ref2(c)
        margin = ref2_margin(rs) + ref2_margin(rc_)
        print("REF2 (noselect, fed GPS's offset %+.9f s): stratumd %+.9f s (sd %.3g s), "
              "chronyd %+.9f s (sd %.3g s); difference %.3g s (margin %.3g s)"
              % (d2, rs[3], rs[4], rc_[3], rc_[4], abs(rs[3] - rc_[3]), margin))
        assert abs(rs[3] - rc_[3]) <= margin

        # A step of the reference: the updates after it (a poll's filter may
        # mix samples from before and after) correct the clocks by O2 - O1;
        # waited for until the newest update is down to 1% of the step.
        before = {d: len(gps_rows(d)) for d in (s, c)}
        fed["gps"] = o2

        def after_step(d):
            rows = gps_rows(d)[before[d]:]
            # Updates made of samples fed before the step may come first (a
            # busy machine delays the feeder and the polls), and a filter
            # mixing samples from both sides spreads the step over several
            # updates (under load one saw 2.7 ms of a 6.3 ms step at most):
            # the step must have been seen, summed, before it can be judged.
            seen = abs(sum(r["offset"] for r in rows)) >= abs(o2 - o1) / 2
            if not seen or len(rows) < 2 or abs(rows[-1]["offset"]) > abs(o2 - o1) / 100:
                return None
            margin = sum(half_unit(r["offset_text"]) + r["offset_sd"] for r in rows)
            return -sum(r["offset"] for r in rows), margin, len(rows)
        assert wait_for(lambda: after_step(s) and after_step(c), SYNC_TIMEOUT), \
            "%s\n%s" % (gps_rows(s), gps_rows(c))
        (ts, ms, ns), (tc, mc, nc) = after_step(s), after_step(c)
        print("after the step: fed %+.9f s; stratumd corrected %+.9f s in %d updates "
              "(margin %.3g s), chronyd %+.9f s in %d updates (margin %.3g s); "
              "difference %.3g s" % (o2 - o1, ts, ns, ms, tc, nc, mc, abs(ts - tc)))
        assert abs(ts - (o2 - o1)) <= ms and abs(tc - (o2 - o1)) <= mc
        assert abs(ts - tc) <= ms + mc

        # chronyd, an NTP client of stratumd, sees stratum 1 and refid GPS.
        def ntpdata():
            rc, out = chronyc_rc(c / "cmd.sock", "ntpdata", "127.0.0.1")
            f = tracking_fields(out) if rc == 0 else {}
            return f if f.get("Stratum") == "1" else None
        assert wait_for(ntpdata, 30.0), chronyc_rc(c / "cmd.sock", "ntpdata", "127.0.0.1")[1]
        f = ntpdata()
        print("chronyc ntpdata (stratumd's server): Stratum %s, Reference ID %s"
              % (f["Stratum"], f["Reference ID"]))
        assert f["Reference ID"] == "47505300 (GPS)"
    finally:
        for feeder in feeders:
            feeder.stop()
        for name, d in (("stratumd", sd), ("chronyd", cd)):
            print("---- %s (exit %s)\n%s" % (name, d.stop(), d.log()))


def test_served_time_follows_the_refclock_as_chronyds(rdir):
    """With -x, chronyd serves its virtual clock: the system clock corrected
    by the refclock's offset, which `stratumd -Q` (a client on the system
    clock) sees as the fed offset.  stratumd must serve the same."""
    offset = random.choice((-1, 1)) * random.uniform(5e-3, 50e-3)
    ports = {"stratumd": free_udp_port(), "chronyd": free_udp_port()}
    daemons = {}
    feeder = None
    try:
        for name, d in (("stratumd", rdir / "s"), ("chronyd", rdir / "c")):
            lines = [refclock_lines(d)[0], "port %d" % ports[name], "bindaddress 127.0.0.1",
                     "allow 127.0.0.1"] + common_lines(d)
            daemons[name] = (Daemon(d / "d", "\n".join(lines) + "\n") if name == "stratumd"
                             else chronyd_daemon(d / "d", lines + ["cmdport 0"]))
            daemons[name].start(wait_ports=[(4, ports[name])])
        feeder = SockFeeder([rdir / "s" / "gps.sock", rdir / "c" / "gps.sock"], offset)
        assert wait_for(lambda: all(gps_rows(rdir / sub) for sub in ("s", "c")), SYNC_TIMEOUT)
        seen = {name: query_mode(port) for name, port in ports.items()}
        for name, (stratum, served, delay) in seen.items():
            print("stratumd -Q against %s: stratum %d, offset %+.6f s, delay %.6f s "
                  "(fed %+.6f s)" % (name, stratum, served, delay, offset))
            assert stratum == 1
        # The figures are printed in microseconds.
        follows = {name: abs(served - offset) <= delay + 1e-6
                   for name, (_, served, delay) in seen.items()}
        assert follows["chronyd"], seen
        assert follows["stratumd"], seen
    finally:
        if feeder:
            feeder.stop()
        for name, d in daemons.items():
            print("---- %s (exit %s)\n%s" % (name, d.stop(), d.log()))


def _unit_of(x):
    """The unit chrony prints an offset of size x in (its ns/us/ms/s)."""
    a = abs(x)
    return 1e-9 if a < 9999.5e-9 else 1e-6 if a < 9999.5e-6 else 1e-3 if a < 9999.5e-3 else 1.0


@pytest.mark.parametrize("line,words", [
    ("refclock SOCK {d}/missing/gps.sock", ("Could not open",)),
    ("refclock SOCK {d}/gps.sock:perm=0644", ("Invalid refclock driver option perm=0644",)),
])
def test_start_up_errors_as_chronyd(rdir, line, words):
    """Both stop with exit status 1 and say so."""
    statuses = {}
    for name, d in (("stratumd", rdir / "s"), ("chronyd", rdir / "c")):
        lines = [line.format(d=d), "port 0"]
        daemon = (Daemon(d / "d", "\n".join(lines) + "\n") if name == "stratumd"
                  else chronyd_daemon(d / "d", lines))
        daemon.spawn()
        statuses[name] = (daemon.wait(20), daemon.log())
        daemon.stop()
        print("---- %s (exit %s)\n%s" % (name, statuses[name][0], statuses[name][1]))
    for name, (status, log) in statuses.items():
        assert status == 1, (name, log)
        assert all(w in log for w in words), (name, log)
