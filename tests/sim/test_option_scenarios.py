"""The simulator's scenarios of source options and of the clock's frequency
held to chrony's limits (pytest).

Each scenario is one of chrony's test/simulation tests (118-maxdelay,
141-copy, 123-mindelay, 201-freqaccumulation, 003-largefreqoffset) with its
network, clock and limits (test.common's defaults where the test keeps
them: sync 120-210 s, offsets 1e-3 s max and 3e-4 s rms, frequency errors
500 and 10 ppm as the simulator counts them, see test_scenarios.py), the
offsets and frequency errors from max_sync_time on, as chrony's
check_sync (test_chrony_simulation.py).  Every
scenario runs for seeds 1-3 once per session.  Units: seconds, ppm.
"""

import json

import pytest

from test_scenarios import max_sync_times, rows_by_seed, run_sim

SEEDS = [1, 2, 3]

FREQACC = ["freqacc/%s/%s" % (f, d) for f in ("-5e4", "-500", "500", "5e4")
           for d in ("-1e+4", "-1e+2", "1e+2", "1e+4")]
LARGEFREQ = ["largefreq/%s" % f for f in ("-5e4", "-5e3", "5e3", "5e4")]
NAMES = (["maxdelayquant", "copy", "mindelay"] + FREQACC + LARGEFREQ +
         ["filter", "filter-loss", "burst"])
# 123-mindelay's runs that must not synchronise (check_sync && test_fail).
UNSYNCED = ["mindelay-too-low", "mindelay-no-asymmetry"]

CHRONY = dict(sync=(120.0, 210.0), max_offset=1e-3, rms_offset=3e-4, max_freq_error=500.0,
              rms_freq_error=10.0)

LIMITS = {
    # 118-maxdelay's quantile run: min_sync_time 10, max_sync_time 2000,
    # time_rms_limit 2e-4; its selection is not checked (with 8 polls gone
    # before the third good sample, chronyd logs "no selectable sources").
    "maxdelayquant": dict(CHRONY, sync=(10.0, 2000.0), rms_offset=2e-4, may_warn=True),
    # 141-copy: test.common's limits.
    "copy": dict(CHRONY),
    # 123-mindelay: time_rms_limit 1e-6 (wander 1e-12).
    "mindelay": dict(CHRONY, rms_offset=1e-6),
    # 201-freqaccumulation: sync 120-140 s, 1e-5 s and 1e-7 (0.1 ppm) max
    # and rms; one step (makestep 1 1), statistics from 140 s.
    **{name: dict(sync=(120.0, 140.0), max_offset=1e-5, rms_offset=1e-5, max_freq_error=0.1,
                  rms_freq_error=0.1, steps=1) for name in FREQACC},
    # 003-largefreqoffset: max_sync_time 1000, statistics from there.
    **{name: dict(CHRONY, sync=(120.0, 1000.0)) for name in LARGEFREQ},
    # 127-filter: filter 15 at poll 4 gives a sample every 240 s, the
    # third at 720 s: sync 710-720; its poll stays 16 s.
    # check_source_selection fails (test_source_dropped_as_chronyd).
    "filter": dict(CHRONY, sync=(710.0, 720.0), max_min_tx_interval=16.1, may_warn=True),
    # ...and with 30 % of datagrams lost each way and filter 3: 130-720 s.
    # A source out of reach for 8 polls (0.51^8 a poll) is lost a while,
    # as chronyd's would be: "no selectable sources" warnings.
    "filter-loss": dict(CHRONY, sync=(130.0, 720.0), may_warn=True),
    # 126-burst's first run: a burst at every poll above minpoll gets one
    # of its requests through: chrony's sync window 700-730 s, a minimum
    # interval of at most 2.2 s between requests and a mean of at least
    # 150 s; check_source_selection fails (test_source_dropped_as_chronyd).
    "burst": dict(CHRONY, sync=(700.0, 730.0), max_min_tx_interval=2.2,
                  min_mean_tx_interval=150.0, may_warn=True),
}
# 123-mindelay's limits, which these runs must miss (sim_table.py shows it).
LIMITS.update({name: LIMITS["mindelay"] for name in UNSYNCED})

# 118-maxdelay counts the measurements that passed test C (measurements.log
# "111 111 1111") and those that failed it ("111 111 1101") over its
# 10000 s at poll 2: 200-500 and 2000-2300 of about 2500.
QUANT_PASSED = (200, 500)
QUANT_FAILED = (2000, 2300)

SIM_SERVER_REFID = "47505300"   # "GPS", the simulated servers' refid


@pytest.fixture(scope="module")
def results():
    return rows_by_seed(NAMES, SEEDS, max_sync_times(LIMITS))


def summary(r):
    s = r["sources"][0]
    return ("%s seed %s: sync %s s, max %.3g s, rms %.3g s, max freq %.3g ppm, "
            "rms freq %.3g ppm, selected %s, valid %s, good %s, ref %s/%s"
            % (r["scenario"], r["seed"], r["sync_time"], r["max_offset"], r["rms_offset"],
               r["max_freq_error"], r["rms_freq_error"], r["selected"], s["valid"], s["good"],
               r.get("ref_stratum"), r.get("ref_refid")))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", NAMES)
def test_chronys_limits(results, name, seed):
    r = results[(name, seed)]
    lim = LIMITS[name]
    lo, hi = lim["sync"]
    assert r["sync_time"] is not None and lo <= r["sync_time"] <= hi, summary(r)
    for key in ("max_offset", "rms_offset", "max_freq_error", "rms_freq_error"):
        assert r[key] <= lim[key], "%s > %g: %s" % (key, lim[key], summary(r))
    assert r["selected"] == r["sources"][0]["address"], summary(r)
    assert r["steps"] == lim.get("steps", 0) and r["errors"] == 0, summary(r)
    # makestep's step is logged as chronyd warns of it ("System clock wrong
    # by", "was stepped by").
    if not lim.get("may_warn"):
        assert r["warnings"] == 2 * lim.get("steps", 0), summary(r)
    if "max_min_tx_interval" in lim:
        assert r["min_tx_interval"] <= lim["max_min_tx_interval"], summary(r)
    if "min_mean_tx_interval" in lim:
        assert r["duration"] / r["sources"][0]["requests"] >= lim["min_mean_tx_interval"], \
            summary(r)


# 126-burst and 127-filter's first runs: `check_source_selection && test_fail`.
# With no source selectable yet when a source has polled 8 times, chronyd
# logs "Can't synchronise: no selectable sources" once (sources.c's
# forced_first_report); the simulator counts it as a warning.
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["burst", "filter"])
def test_source_dropped_as_chronyd(results, name, seed):
    r = results[(name, seed)]
    assert r["warnings"] == 1 and r["first_selected"] is not None, summary(r)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", UNSYNCED)
def test_mindelay_wrong_options_miss(name, seed):
    # 123-mindelay: with the minimum delay or the asymmetry wrong, the
    # correction leaves chrony's 1e-6 s rms limit far behind.
    p = run_sim("--seed", str(seed), name)
    assert p.returncode == 0, p.stderr[-4000:]
    r = json.loads(p.stdout)
    assert r["rms_offset"] > 10 * LIMITS["mindelay"]["rms_offset"], summary(r)


@pytest.mark.parametrize("seed", SEEDS)
def test_maxdelayquant_keeps_its_quantile(results, seed):
    r = results[("maxdelayquant", seed)]
    s = r["sources"][0]
    passed, failed = s["good"], s["valid"] - s["good"]
    assert QUANT_PASSED[0] <= passed <= QUANT_PASSED[1], summary(r)
    assert QUANT_FAILED[0] <= failed <= QUANT_FAILED[1], summary(r)


@pytest.mark.parametrize("seed", SEEDS)
def test_copy_takes_the_servers_reference(results, seed):
    # 141-copy: chronyc tracking shows the server's refid and stratum 1.
    r = results[("copy", seed)]
    assert r["ref_stratum"] == 1, summary(r)
    assert r["ref_refid"] == SIM_SERVER_REFID, summary(r)
