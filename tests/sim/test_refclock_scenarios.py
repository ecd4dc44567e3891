"""The simulator's reference clock scenarios held to chrony's limits (pytest).

build/stratum-sim runs the real client core with simulated reference clock
devices on the client's host (src/sim/sim_refclock.c: SOCK datagrams or an
SHM segment, with the device's own jitter) and, in two scenarios, simulated
NTP servers.  Every scenario runs for seeds 1-3 once per session.

The limits come from chrony's test/simulation/106-refclock (its refclock
tests; test.common's defaults where it keeps them): sync time 45-70 s,
offsets 1e-3 s max and 3e-4 s rms, frequency errors 5e-4 max and 1e-5 rms
(500 and 10 ppm: its clknetsim counts slewing as frequency error, as the
simulator here does), from the end of the sync window on (where chrony's
clknetsim resets its statistics), the reference's stratum and refid.  Where our
device's jitter differs from chrony's, the offset limits scale with it, as
chrony scales them itself (106's PHC test: 1e-9 s of jitter, 1e-7 s max,
1e-8 s rms; 006-largejitter: 0.1 s of jitter, 0.5 s max, 0.1 s rms), and
are tightened where the physics allows, each saying why.  Units: seconds,
ppm.
"""

import json

import pytest

from test_scenarios import max_sync_times, rows_by_seed, run_sim

SEEDS = [1, 2, 3]

NAMES = ["refclock-sock", "refclock-pps-lock", "refclock-shm-fast", "refclock-phc",
         "refclock-pps", "refclock-rtc", "refclock-servers", "refclock-stall",
         "refclock-phc-extpps", "refclock-local", "refclock-phc-bursts"]

# chrony's 106-refclock: the sync window of its SHM and PPS tests, and
# test.common's accuracy limits (frequencies in ppm).
CHRONY_SYNC = (45.0, 70.0)
CHRONY = dict(max_offset=1e-3, rms_offset=3e-4, max_freq_error=500.0, rms_freq_error=10.0)

# The devices' jitter, as src/sim/scenarios.c configures them.
NMEA_JITTER = 0.1        # a time-of-day receiver over a serial line
PPS_JITTER = 1e-6        # pulses, and the fast SHM refclock
GPS_JITTER = 100e-6      # 106-refclock's refclock_jitter (test.common's jitter)
POLL = 16.0              # s, the refclocks' default poll 4
SHM_POLL = 4.0           # s, poll 2
MIN_SAMPLES = 3          # a regression before a source is selectable (chrony's)
STALL_AT = 5000.0
SERVER_WINDOW = 64 * 16.0   # s: the server's 64 samples at poll 4
LOCAL_OUTAGE = 5000.0       # s: refclock-local's server lost from here to the end
SINE_PPM = 100.0            # its clock's frequency sine (106's)
MAX_SLEW_RATE = 83333.333   # ppm, chrony's maxslewrate

LIMITS = {
    # 100 ms of jitter: never within 1 ms, so no sync time.  chrony's
    # 006-largejitter allows 5x / 1x the jitter (max / rms) for 0.1 s of
    # jitter; a whole poll's 16 samples, averaged, are off by jitter / 4,
    # and the regression over many polls does better still: that is the rms
    # limit, one jitter the max.  Errors of tens of ms are slewed at
    # thousands of ppm: 006's frequency limits (2e-1 max, 5e-3 rms).
    "refclock-sock": dict(sync=None, max_offset=NMEA_JITTER, rms_offset=NMEA_JITTER / 4,
                          max_freq_error=2e5, rms_freq_error=5e3),
    # 106's PPS locked to a noselect NMEA: its sync window; the offsets of
    # 106's PHC test scaled to 1 us of jitter would be 100 us and 10 us: the
    # brief asks for the us range, so 10 and 2 jitters.  Frequency: 10x
    # tighter than test.common (a us of offset needs no hard slewing).
    "refclock-pps-lock": dict(sync=CHRONY_SYNC, max_offset=10 * PPS_JITTER,
                              rms_offset=2 * PPS_JITTER, max_freq_error=50.0,
                              rms_freq_error=1.0),
    # 106's PHC test (poll 0) syncs in 5-7 s: 3 polls, then 4 s for the
    # slew.  At poll 2 the 3 polls take 12 s.  Offsets as above.
    "refclock-shm-fast": dict(sync=(MIN_SAMPLES * SHM_POLL, MIN_SAMPLES * SHM_POLL + 4.0),
                              max_offset=10 * PPS_JITTER, rms_offset=PPS_JITTER,
                              max_freq_error=50.0, rms_freq_error=1.0),
    # 106's PHC test: its sync window and test.common's limits, the offsets
    # held to 10 us / 1 us (a reading's 1 us delay bounds its error).
    "refclock-phc": dict(sync=CHRONY_SYNC, max_offset=10 * PPS_JITTER, rms_offset=PPS_JITTER,
                         max_freq_error=50.0, rms_freq_error=1.0),
    # 106's PPS device locked to SHM NMEA: as the pulses locked to SOCK.
    "refclock-pps": dict(sync=CHRONY_SYNC, max_offset=10 * PPS_JITTER, rms_offset=2 * PPS_JITTER,
                         max_freq_error=50.0, rms_freq_error=1.0),
    # The PTP clock's pulses (0.1 us of jitter, as the PHC's readings of
    # refclock-phc) through its tracking: the PHC's limits, however far off
    # and fast the PTP clock itself runs.
    "refclock-phc-extpps": dict(sync=CHRONY_SYNC, max_offset=10 * PPS_JITTER,
                                rms_offset=PPS_JITTER, max_freq_error=50.0, rms_freq_error=1.0),
    # 106's PHC test with bursts of delay jitter: its offset limits (1e-7,
    # 1e-8 s, from its sync, the offset within 1e-7 s: the scenario's sync
    # threshold) held through the bursts by the readings' delay quantiles.
    # Its sync window is 5-7 s; here 10 s: the 0.1 s initial slew leaves a
    # residual of a microsecond that the reference takes 6 s more to remove
    # (the updates', not the readings', doing).
    "refclock-phc-bursts": dict(sync=(5.0, 10.0), max_offset=1e-7, rms_offset=1e-8,
                                max_freq_error=CHRONY["max_freq_error"],
                                rms_freq_error=CHRONY["rms_freq_error"]),
    # 106's PHC local test: its limits (sync within 5000 s; 1e-3, 5e-4 s;
    # 2e-5, 5e-6 as ppm).
    "refclock-local": dict(sync=(0.0, LOCAL_OUTAGE), max_offset=1e-3, rms_offset=5e-4,
                           max_freq_error=20.0, rms_freq_error=5.0),
    # Its control, without the PTP clock (not run here but in
    # test_local_refclock_steadies_the_clock): a frequency estimate off by
    # at most the sine's amplitude for the rest of the run, slewing at most
    # at chrony's maxslewrate.
    "refclock-local-off": dict(sync=None, max_offset=SINE_PPM * 1e-6 * LOCAL_OUTAGE,
                               rms_offset=SINE_PPM * 1e-6 * LOCAL_OUTAGE,
                               max_freq_error=MAX_SLEW_RATE, rms_freq_error=MAX_SLEW_RATE),
    # 106's RTC test (no wander, no frequency error): its sync window, the
    # offsets held to the 1 us of the interrupts' jitter (10 / 1 jitters).
    "refclock-rtc": dict(sync=CHRONY_SYNC, max_offset=10 * PPS_JITTER, rms_offset=PPS_JITTER,
                         max_freq_error=50.0, rms_freq_error=1.0),
    # 106's first test: 100 us of jitter, test.common's limits; the rms
    # held to one jitter.
    "refclock-servers": dict(sync=CHRONY_SYNC, max_offset=CHRONY["max_offset"],
                             rms_offset=GPS_JITTER, max_freq_error=CHRONY["max_freq_error"],
                             rms_freq_error=CHRONY["rms_freq_error"]),
    # The same, across the server's takeover.
    "refclock-stall": dict(sync=CHRONY_SYNC, max_offset=CHRONY["max_offset"],
                           rms_offset=GPS_JITTER, max_freq_error=CHRONY["max_freq_error"],
                           rms_freq_error=CHRONY["rms_freq_error"]),
}

# The refclock each scenario must end synchronised to, and its refid.
SELECTED = {"refclock-sock": "GPS", "refclock-pps-lock": "PPS", "refclock-shm-fast": "SHM0",
            "refclock-phc": "GPS", "refclock-pps": "PPS1", "refclock-rtc": "GPS",
            "refclock-servers": "GPS", "refclock-phc-extpps": "PPS",
            "refclock-phc-bursts": "PHC0"}
# Our stratum when synchronised to it: the refclock's stratum option + 1
# (106's PHC runs with `stratum 3`: "Stratum : 4").
REF_STRATUM = {"refclock-phc": 4, "refclock-rtc": 4}


@pytest.fixture(scope="module")
def results():
    return rows_by_seed(NAMES, SEEDS, max_sync_times(LIMITS))


def refid_hex(text):
    return "%08x" % int.from_bytes(text.encode().ljust(4, b"\0"), "big")


def refclocks(row):
    return [s for s in row["sources"] if s.get("refclock")]


def summary(r):
    return ("%s seed %s: sync %s s, max %.3g s, rms %.3g s, max freq %.3g ppm, "
            "rms freq %.3g ppm, selected %s, reach %s, ref %s/%s"
            % (r["scenario"], r["seed"], r["sync_time"], r["max_offset"], r["rms_offset"],
               r["max_freq_error"], r["rms_freq_error"], r["selected"], r["reach"],
               r.get("ref_stratum"), r.get("ref_refid")))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", NAMES)
def test_limits(results, name, seed):
    r, lim = results[(name, seed)], LIMITS[name]
    what = summary(r)
    assert r["run_status"] == 0 and r["steps"] == 0, what
    if lim["sync"] is None:
        assert r["steady_from"] > 0, what       # judged from the settle time
    else:
        low, high = lim["sync"]
        assert r["sync_time"] is not None and low <= r["sync_time"] <= high, what
    assert r["max_offset"] <= lim["max_offset"], what
    assert r["rms_offset"] <= lim["rms_offset"], what
    assert r["max_freq_error"] <= lim["max_freq_error"], what
    assert r["rms_freq_error"] <= lim["rms_freq_error"], what
    assert r["steady_samples"] >= r["duration"] / 2, what


def test_limits_no_looser_than_chrony():
    for name in ("refclock-pps-lock", "refclock-shm-fast", "refclock-servers",
                 "refclock-stall"):
        for key, value in CHRONY.items():
            assert LIMITS[name][key] <= value, (name, key)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(SELECTED))
def test_refclock_is_the_reference(results, name, seed):
    r = results[(name, seed)]
    refid = SELECTED[name]
    assert r["selected"] == refid, summary(r)
    (src,) = [s for s in refclocks(r) if s["refid"] == refid]
    assert src["state"] == "*" and src["address"] is None
    # A refclock is stratum 0: ours is 1, with its refid (106: "Stratum 1",
    # "Reference ID 50505331 (PPS1)").
    assert r["ref_stratum"] == REF_STRATUM.get(name, 1), summary(r)
    assert r["ref_refid"] == refid_hex(refid), summary(r)
    assert r["falseticker_selected"] is False


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", NAMES)
def test_clean_input_counts_nothing_bad(results, name, seed):
    r = results[(name, seed)]
    for src in refclocks(r):
        assert src["bad_message"] == 0 and src["bad_sample"] == 0, src
        assert src["read_errors"] == 0, src
        assert src["written"] > 0
        # Every sample written was taken, but a few SHM writes: the reads
        # follow the local clock, the writes true time, both every 1/4 s, so
        # now and then a write is overwritten unread (2 of 8000 here).
        assert src["valid"] + src["bad_pulse"] <= src["written"], src
        assert src["valid"] + src["bad_pulse"] >= src["written"] - 4, src
    bad_pulses = sum(s["bad_pulse"] for s in refclocks(r))
    if name not in ("refclock-pps-lock", "refclock-pps", "refclock-phc-extpps"):
        assert bad_pulses == 0
    # Bad input is logged once per kind: nothing else warns here, but
    # refclock-local's "Can't synchronise": once before the first selection
    # (the server has polled 8 times, its filter 5 still short of 3
    # samples: chronyd's forced first report), once when it is lost.
    lost = 2 if name == "refclock-local" else 0
    assert r["warnings"] == (1 if bad_pulses else 0) + lost, summary(r)
    assert r["errors"] == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_pulses_locked_to_nmea(results, seed):
    r = results[("refclock-pps-lock", seed)]
    nmea, pps = refclocks(r)
    assert nmea["refid"] == "NMEA" and nmea["state"] != "*"     # noselect
    assert pps["refid"] == "PPS"
    # A pulse is dropped only when the NMEA sample it takes its second from
    # is off by 0.4 s with its dispersion (chrony's PPS_LOCK_LIMIT): beyond
    # 3 jitters, 0.27 % of normal draws.
    assert 0 < pps["bad_pulse"] <= 0.0027 * pps["written"], pps
    assert nmea["reach"] == pps["reach"] == 0o377


# 106-refclock's PPS device locked to SHM NMEA (50 ms of jitter): 610-740
# of its 1000 pulses taken.
CHRONY_PPS_TAKEN = (0.61, 0.74)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["refclock-pps", "refclock-phc-extpps"])
def test_pulses_locked_to_noisy_nmea(results, name, seed):
    r = results[(name, seed)]
    nmea, pps = refclocks(r)
    assert nmea["refid"] == "NMEA" and nmea["state"] != "*"     # noselect
    low, high = CHRONY_PPS_TAKEN
    assert low * pps["written"] <= pps["valid"] <= high * pps["written"], pps


@pytest.mark.parametrize("seed", SEEDS)
def test_local_refclock_steadies_the_clock(results, seed, tmp_path):
    r = results[("refclock-local", seed)]
    (phc,) = refclocks(r)
    # 106: never the reference (no PHC0 line in tracking.log), a sample
    # each second (9999-10001 in refclocks.log).
    assert phc["state"] == "?" and phc["reach"] == 0o377, phc
    assert phc["valid"] == phc["written"], phc
    assert abs(phc["valid"] - r["duration"]) <= 1, phc
    trace = tmp_path / "trace"
    p = run_sim("--seed", str(seed), "--trace", str(trace), "refclock-local")
    assert p.returncode == 0, p.stderr[-4000:]
    selected = {int(line.split()[3]) for line in trace.read_text().splitlines()[1:]}
    # the server (index 1: reports list the refclock first) or nothing
    assert selected <= {-1, 1}, selected
    # Without it, the clock wanders once the server is gone: an order of
    # magnitude further.
    p = run_sim("--seed", str(seed), "refclock-local-off")
    assert p.returncode == 0, p.stderr[-4000:]
    off = json.loads(p.stdout)
    lim = LIMITS["refclock-local-off"]
    assert off["max_offset"] <= lim["max_offset"] and off["rms_offset"] <= lim["rms_offset"]
    assert off["max_freq_error"] <= lim["max_freq_error"]
    assert 10 * r["late_rms_offset"] < off["late_rms_offset"], (summary(r), summary(off))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", [n for n in NAMES if n != "refclock-stall"])
def test_reach_full(results, name, seed):
    for src in refclocks(results[(name, seed)]):
        assert src["reach"] == 0o377, src


def test_fast_shm_polls(results):
    (src,) = refclocks(results[("refclock-shm-fast", 1)])
    assert src["poll"] == 2
    # 4 writes a second, each read once by the reads every 1/4 s.
    assert src["written"] == 4 * results[("refclock-shm-fast", 1)]["duration"]


@pytest.mark.parametrize("seed", SEEDS)
def test_servers_not_selected(results, seed):
    r = results[("refclock-servers", seed)]
    servers = [s for s in r["sources"] if not s.get("refclock")]
    assert len(servers) == 2
    for s in servers:
        assert s["state"] != "*" and s["reach"] == 0o377, s
    # A server may carry the first seconds, before the refclock has its
    # MIN_SAMPLES polls: then the refclock, for good.
    assert r["selection_changes"] <= 2, summary(r)


@pytest.mark.parametrize("seed", SEEDS)
def test_stalled_refclock_gives_way(results, seed, tmp_path):
    r = results[("refclock-stall", seed)]
    (gps,) = refclocks(r)
    assert gps["reach"] == 0, gps
    assert gps["written"] == STALL_AT - 1            # one a second from 1 s
    assert r["selected"] == "192.168.123.1", summary(r)
    assert r["ref_stratum"] == 2
    assert r["ref_refid"] == "c0a87b01"               # the server's address
    # When: chrony keeps an unreachable source selectable while its newest
    # sample is no older than the oldest of the reachable ones (else STALE):
    # the server's 64 samples span 1024 s.
    trace = tmp_path / "trace"
    p = run_sim("--seed", str(seed), "--trace", str(trace), "refclock-stall")
    assert p.returncode == 0, p.stderr[-4000:]
    rows = [line.split() for line in trace.read_text().splitlines()[1:]]
    before = [int(x[3]) for x in rows if float(x[0]) < STALL_AT and float(x[0]) >= 100]
    after = [(float(x[0]), int(x[3])) for x in rows if float(x[0]) >= STALL_AT]
    # indices as reports number them: the refclock first, then the server
    assert set(before) == {0}                       # the refclock
    takeover = next(t for t, sel in after if sel == 1)
    assert takeover <= STALL_AT + SERVER_WINDOW + 2 * POLL, takeover
    assert all(sel == 1 for t, sel in after if t >= takeover)


def test_same_seed_same_results(results):
    for name in ("refclock-pps-lock", "refclock-stall"):
        p = run_sim("--seed", "2", "--stats-from", repr(max_sync_times(LIMITS)[name]), name)
        assert p.returncode == 0
        row = json.loads(p.stdout)
        old = results[(name, 2)]
        assert {k: v for k, v in row.items() if k != "cpu_seconds"} == \
            {k: v for k, v in old.items() if k != "cpu_seconds"}


@pytest.mark.parametrize("seed", SEEDS)
def test_pps_device_locked_to_late_nmea(results, seed):
    """106's PPS test: the NMEA clock 0.35 s late with 50 ms of jitter, so
    a pulse's seconds are off by more than chrony's lock limit (0.4 of a
    pulse with the dispersions) now and then: 610-740 of 1000 pulses are
    taken in chrony's run (its refclocks.log lines)."""
    r = results[("refclock-pps", seed)]
    nmea, pps = refclocks(r)
    assert nmea["refid"] == "NMEA" and pps["refid"] == "PPS1"
    taken = pps["valid"] / pps["written"]
    assert 0.61 <= taken <= 0.74, pps
    # The edges of the last poll period may not have been read yet.
    assert pps["written"] - 2 <= pps["valid"] + pps["bad_pulse"] <= pps["written"], pps
