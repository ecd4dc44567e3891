"""The simulator's scenarios held to accuracy limits (pytest).

build/stratum-sim runs the real client core against simulated servers on a
simulated network and prints one JSON line per scenario (see
src/sim/scenarios.h).  Every scenario runs once per session (module
fixture); the tests then hold each line to its limits.  The limits are at
least as strict as chrony's own simulation suite (test/simulation/
test.common: max_sync_time 210 s, time_max_limit 1e-3 s, time_rms_limit
3e-4 s, freq_rms_limit 1e-5), looser only where the physics of the scenario
demands it, and each looser figure says why.  Units: seconds, and ppm for
frequency errors.

The build directory is $REPO/build (STRATUM_BUILD overrides).  A missing
stratum-sim is a failure, not a skip: these tests are the simulator's
acceptance tests.
"""

import json
import math
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("STRATUM_BUILD", str(REPO / "build")))
SIM = BUILD / "stratum-sim"
TIMEOUT = 600          # s, for a whole run of every scenario

BASE_SCENARIOS = ["defaults", "iburst", "large-offset", "large-offset-behind", "large-jitter",
                  "large-wander", "falsetickers", "asym-jitter", "packet-loss", "intermittent",
                  "external-step", "external-step-forward", "external-step-backward",
                  "era-2036", "fast-poll"]
# chrony's client behaviours: a chronyd server's fuzzed stamps, poll 1,
# makestep (101-poll, 109-makestep), ratelimit (135-ratelimit).
CLIENT_SCENARIOS = ["fuzzed-server", "poll-1", "makestep-1e8", "makestep-minus-1e8",
                    "makestep-1", "ratelimit", "ratelimit-kod"]
# chrony's 113-leapsecond: a leap second inserted or deleted at the end of
# 2008-12-31, announced by the server, in each leapsecmode.
LEAP_MODES = ["system", "step", "slew", "ignore"]
LEAP_SCENARIOS = ["leap-%s-%s" % (kind, mode) for kind in ("insert", "delete")
                  for mode in LEAP_MODES]
# 113-leapsecond's smoothtime runs: the client's server smooths the leap.
SMEAR_SCENARIOS = ["leap-smear", "leap-smear-leaponly"]
# Held to their limits in test_refclock_scenarios.py.
REFCLOCK_SCENARIOS = ["refclock-sock", "refclock-pps-lock", "refclock-shm-fast",
                      "refclock-phc", "refclock-pps", "refclock-phc-bursts", "refclock-phc-extpps",
                      "refclock-local",
                      "refclock-local-off", "refclock-rtc", "refclock-servers", "refclock-stall"]
# chrony's 117-fallbackdrift: the server lost after 4250 s of 1e5 s.
FALLBACK_SCENARIOS = ["fallbackdrift"]
# chrony's 143-manual: settime from an operator, no server; and 145-rtc
# (its first run): the RTC tracked with rtcfile; its -s runs are held to
# chrony's limits in test_chrony_simulation.py.
RTC_SCENARIOS = ["manual", "rtcfile", "rtcfile-s", "rtcfile-s-driftfile"]
# Held to their limits in test_option_scenarios.py.
FREQACC_SCENARIOS = ["freqacc/%s/%s" % (f, d) for f in ("-5e4", "-500", "500", "5e4")
                     for d in ("-1e+4", "-1e+2", "1e+2", "1e+4")]
LARGEFREQ_SCENARIOS = ["largefreq/%s" % f for f in ("-5e4", "-5e3", "5e3", "5e4")]
OPTION_SCENARIOS = (["maxdelayquant", "copy", "mindelay", "mindelay-too-low",
                     "mindelay-no-asymmetry"] + FREQACC_SCENARIOS + LARGEFREQ_SCENARIOS +
                    ["filter", "filter-loss", "burst"])
# chrony's test/simulation tests, held to chrony's limits in
# test_chrony_simulation.py; the run lengths, and those never selecting.
CHRONYSIM_DURATIONS = {
    "prefer": 10000.0,
    "minsources-1": 10000.0, "minsources-3": 10000.0, "select-trust": 10000.0,
    "select-prefer": 10000.0, "select-prefer-far": 10000.0, "select-require": 10000.0,
    "select-require-false": 10000.0, "presend": 9900.0, "presend-far": 9900.0,
    "maxdelay": 10000.0, "maxdelay-short": 10000.0, "logchange": 10000.0,
    "maxchange": 10000.0, "maxunreach-none": 5000.0, "maxunreach-10": 5000.0,
    "xleave-noclientlog": 10000.0, "xleave": 10000.0, "presend-10s": 10.0,
    "presend-xleave-10s": 10.0, "smoothtime": 10000.0, "ipv6": 10000.0,
    "nocontrol": 10000.0, "nocontrol-step": 10000.0, "pool": 500.0, "pool-6": 500.0,
    "pool-6-maxsources-2": 500.0,
    **{"initstepslew-" + off: 100.0 for off in ("minus-2", "minus-0.2", "0.2", "2", "minus-1e8",
                                                 "minus-1e2", "1e2", "1e8")},
    "initstepslew-falseticker": 500.0, "initstepslew-deny": 500.0,
    "hwtimestamp": 200.0, "hwtimestamp-acqport": 200.0, "hwtimestamp-ipv6": 200.0,
    # chronysim3
    **{"driftfile/" + f: 10.0 for f in ("-5e-2", "-5e-4", "-5e-6", "5e-6", "5e-4", "5e-2")},
    "multrecv": 50000.0, "daemonts": 10000.0, "burst-delayed": 10000.0, "offline": 18000.0,
    "refresh-command": 1000.0, "refresh-128": 1100.0,
    **{"select-auth-" + mode: 10000.0 for mode in ("require", "prefer", "mix", "ignore")},
    "largenetwork": 10000.0, "broadcast": 10000.0, "peer": 10000.0,
    "peer-3-6-3-6": 4000.0, "peer-3-3-6-6": 4500.0, "peer-6-6-3-3": 4500.0,
    "peer-3-6-6-6": 4500.0, "peer-6-6-3-6": 4500.0, "peer-minus-2-2": 2200.0,
    "peer-2-minus-2": 2200.0, "packetloss-peer": 20000.0, "packetloss-peer-xleave": 20000.0,
    "replacement": 5000.0, "monoroot": 10000.0, "monoroot-xleave": 10000.0, "syncloop": 10000.0,
    "replacement-unreachable": 200000.0, "replacement-falsetickers": 200000.0,
    # chronysim4
    **{"allowdeny/" + n: 500.0 for n in (
        "deny", "deny-all", "deny-192.168.0.0/16", "deny-192.168.123", "deny-client",
        "deny-all-allow-other", "deny-all-allow", "deny-all-allow-all",
        "deny-all-allow-192.168.123", "deny-all-allow-192.168.123/24", "deny-other")},
    "nameserv": 10000.0,
    **{"ntpauth/v%d-key%d" % (v, k): 10000.0 for v in (3, 4) for k in range(1, 11)},
    "ntpauth/server-keyless": 10000.0, "ntpauth/client-keyless": 10000.0,
    **{"ntpauth-peer/v%d-v%d-key%d" % (lv, rv, k): 10000.0
       for lv in (3, 4) for rv in (3, 4) for k in (1, 10)},
    "ntpauth-peer/key1-key2": 10000.0, "peer-ipv6": 10000.0,
    **{"monoroot-chain-%d%s" % (lpoll, x): 10000.0 for lpoll in (5, 6, 7)
       for x in ("", "-xleave")},
    "asymjitter": 100000.0,
    # chronysim5
    **{"cmdmontime/%d" % y: 2.0 for y in (1850, 1950, 2050, 2150, 2250)},
    "knownclient": 10000.0,
    **{"port/" + n: 10000.0 for n in (
        "default", "acquisitionport-123", "server-port-0", "server-acquisitionport-123-port-0",
        "124-acquisitionport-0", "124-acquisitionport-123", "124-acquisitionport-124")},
    "tai": 1200.0, "tai-makestep": 1200.0,
    "quit-q": 10000.0, "quit-q-maxsamples-1": 10000.0, "quit-Q": 10000.0,
    "smoothtime-refclock": 10000.0, "smoothtime-refclock-xleave": 10000.0,
    "smoothtime-refclock-11s": 10000.0, "smoothtime-refclock-triangle": 10000.0,
    # chronysim6
    **{"chronyc/" + n: 1001.0 for n in ("reports", "dns", "csv", "csv-e")},
    **{"chronyc/" + n: 1.0 for n in (
        "remote-refused",
        *("open-" + w for w in ("activity", "authdata", "clients", "manual", "ntpdata", "rtcdata",
                                "selectdata", "serverstats", "smoothing", "sourcename", "sources",
                                "sourcestats", "tracking")),
        "opencommands-none", "cmddeny", "access", "access6", "failing", "steering", "others",
        "client-commands", "keygen-unknown")},
    **{"chronyc/" + n: 15.0 for n in ("lossy", "lossy-retries-3")},
    "chronyc/local-reports": 1.0,
}
CHRONYSIM_SCENARIOS = list(CHRONYSIM_DURATIONS)
CHRONYSIM_SMEAR = ["smoothtime"]          # a smearing server's text too
CHRONYSIM_RELAYS = ["largenetwork", "broadcast", "peer", "peer-3-6-3-6", "peer-3-3-6-6",
                    "peer-6-6-3-3", "peer-3-6-6-6", "peer-6-6-3-6", "peer-minus-2-2",
                    "peer-2-minus-2", "packetloss-peer", "packetloss-peer-xleave", "monoroot",
                    "monoroot-xleave", "syncloop",
                    *(n for n in CHRONYSIM_DURATIONS if n.startswith(("allowdeny/", "ntpauth-peer/",
                                                                      "monoroot-chain-"))),
                    "peer-ipv6", "knownclient",
                    *(n for n in CHRONYSIM_DURATIONS if n.startswith(("port/",
                                                                      "smoothtime-refclock")))]
# relays' texts too
# A client whose only server is offline: no packets; nor one without the
# key its server line names (chronyd's request fails to authenticate).
CHRONYSIM_SILENT = ["broadcast", "ntpauth/client-keyless"]
# 108-peer's and 125-packetloss's runs: chrony's tests do not check the
# packet intervals (chronyd schedules a peer's packets apart from its
# servers' requests, in a class of their own, with no separation between
# the two).
CHRONYSIM_PEERS = [n for n in CHRONYSIM_DURATIONS
                   if n == "peer" or n.startswith(("peer-", "packetloss-peer", "ntpauth-peer/",
                                                   "monoroot-chain-"))]
# 138-syncloop's client answers NTP requests too (its replies are packets it
# sends); chrony's test does not check the intervals either.
CHRONYSIM_SERVING = ["syncloop"]
# 133-hwtimestamp polls one server every second (minpoll 0 maxpoll 0) and
# does not check the intervals.
CHRONYSIM_POLL_0 = ["hwtimestamp", "hwtimestamp-acqport", "hwtimestamp-ipv6"]
# initstepslew's temporary sources alone (none left at the end), and all of
# them: their packets are held to chronyd's intervals there.
CHRONYSIM_NO_SOURCES = ["initstepslew-minus-2", "initstepslew-minus-0.2", "initstepslew-0.2",
                        "initstepslew-2", "initstepslew-minus-1e8", "initstepslew-minus-1e2",
                        "initstepslew-1e2", "initstepslew-1e8"]
CHRONYSIM_INITSTEPSLEW = CHRONYSIM_NO_SOURCES + ["initstepslew-falseticker",
                                                 "initstepslew-deny"]
# 104-driftfile's client: a drift file and no source at all.
CHRONYSIM_DRIFTFILE = [n for n in CHRONYSIM_DURATIONS if n.startswith("driftfile/")]
# 130-quit's: stratumd -q/-Q, its query in place of the sources (packets
# 2 s apart, as a source with iburst).
CHRONYSIM_QUERY = ["quit-q", "quit-q-maxsamples-1", "quit-Q"]
# A single request: 115-cmdmontime's 2 s to a noselect server, 130-quit's
# query with maxsamples 1.
CHRONYSIM_ONE_REQUEST = ([n for n in CHRONYSIM_DURATIONS if n.startswith("cmdmontime/")] +
                         ["quit-q-maxsamples-1", "quit-Q"] +
                         # 110-chronyc's 1 s and 15 s runs with a server
                         ["chronyc/" + n for n in ("remote-refused", "access", "access6",
                                                   "failing", "steering", "others",
                                                   "client-commands", "keygen-unknown", "lossy",
                                                   "lossy-retries-3", "local-reports")])
# 110-chronyc's later runs: 1 s, the client at "local stratum 1" (one
# server in the fifth run, none after).
CHRONYSIM_CHRONYC_1S = [n for n, d in CHRONYSIM_DURATIONS.items()
                        if n.startswith("chronyc/") and d == 1.0]
# ...and its last two, 15 s, whose server is never heard (chrony's client
# polls itself there).
CHRONYSIM_CHRONYC_UNHEARD = ["chronyc/lossy", "chronyc/lossy-retries-3"]
CHRONYSIM_UNSELECTED = ["minsources-1", "select-require-false", "maxdelay-short",
                        "presend-10s", "presend-xleave-10s", "initstepslew-deny",
                        *CHRONYSIM_NO_SOURCES, *CHRONYSIM_DRIFTFILE, *CHRONYSIM_SILENT,
                        # 107-allowdeny's denied runs, 105-ntpauth's without a keyfile
                        *("allowdeny/" + n for n in ("deny", "deny-all", "deny-192.168.0.0/16",
                                                     "deny-192.168.123", "deny-client",
                                                     "deny-all-allow-other")),
                        "ntpauth/server-keyless", *CHRONYSIM_QUERY,
                        *(n for n in CHRONYSIM_ONE_REQUEST if n.startswith("cmdmontime/")),
                        # 112-port's server without its NTP port
                        "port/server-port-0", "port/server-acquisitionport-123-port-0",
                        *CHRONYSIM_CHRONYC_1S, *CHRONYSIM_CHRONYC_UNHEARD]
# In the simulator's order.
SCENARIOS = (BASE_SCENARIOS + REFCLOCK_SCENARIOS + LEAP_SCENARIOS + SMEAR_SCENARIOS +
             CLIENT_SCENARIOS + FALLBACK_SCENARIOS + RTC_SCENARIOS + OPTION_SCENARIOS +
             CHRONYSIM_SCENARIOS)

REQUIRED_KEYS = {"scenario", "seed", "sync_time", "max_offset", "rms_offset",
                 "max_freq_error", "rms_freq_error", "steps", "duration", "selected",
                 "falseticker_selected", "reach", "events", "cpu_seconds"}

# chrony's defaults (test.common), converted: frequencies in ppm.  chrony's
# freq_rms_limit 1e-5 is 10 ppm (not 10 ppb) and its freq_max_limit 5e-4 is
# 500 ppm: its clknetsim counts the slewing of offsets as frequency error, as
# the simulator here does.
CHRONY = dict(sync_time=210.0, max_offset=1e-3, rms_offset=3e-4,
              max_freq_error=500.0, rms_freq_error=10.0)

# What a run with chrony's default network (100 us delay and 100 us
# exponential jitter each way, 1e-3 ppm/sqrt(s) wander) must meet:
#   from sync_time: chrony's offset limits, frequency limits 10x tighter
#   than chrony's (chrony slews an offset x at x^2 / (1.5 sd T): offsets
#   below 1 ms with sd ~50 us give tens of ppm at most);
#   late (second half of the run, at the longest polls): chrony's rms
#   offset limit again (chrony checks the whole run only) and 1 ppm.  The
#   physical floor there is ~40 us and ~50 ppb: a single offset has 71 us of
#   noise, and the wander alone moves the frequency by 32 ppb per 1024 s poll
#   and the offset by ~20 us, so a 10 ppb (1e-2 ppm) rms is out of reach of
#   any client polling at 1024 s.  Measured over seeds 1-8 (see the issue
#   notes) the late rms offset is 25-263 us: the regression over ~8 samples
#   at 1024 s lags the wandering frequency; closing that gap towards the
#   floor is open work, so the limit is chrony's, not the floor's.
DEFAULT_LIMITS = dict(sync_time=210.0, max_offset=1e-3, rms_offset=3e-4,
                      max_freq_error=50.0, rms_freq_error=1.0,
                      late_rms_offset=3e-4, late_rms_freq_error=1.0)

LIMITS = {
    "defaults": dict(DEFAULT_LIMITS),
    # iburst: synchronised within seconds, but on a frequency measured over
    # 6 s (~16 ppm of noise), so the first minutes slew hard: chrony's
    # frequency limits apply from sync_time.
    "iburst": dict(DEFAULT_LIMITS, max_freq_error=CHRONY["max_freq_error"],
                   rms_freq_error=CHRONY["rms_freq_error"]),
    # 10 ms exponential jitter each way: single offsets are off by ~7 ms,
    # so "synchronised below 1 ms" is not asserted; the steady state (from
    # 2000 s) must still be far better than one sample.  chrony's
    # 006-largejitter allows 5x / 1x the jitter (max / rms).
    "large-jitter": dict(sync_time=None, max_offset=10e-3, rms_offset=3e-3,
                         max_freq_error=50.0, rms_freq_error=10.0,
                         late_rms_offset=3e-3, late_rms_freq_error=3.0),
    # 0.1 ppm/sqrt(s) random walk: the frequency moves ~1 ppm per 64 s poll
    # and ~2 ppm over a regression window, the offset tens of us per poll.
    # chrony's 007-largewander: 5 ms max, 1 ms rms, 100 ppm rms.
    # Offsets of several hundred us are slewed at tens to hundreds of ppm,
    # by chrony's rule above: chrony's max frequency limit.
    "large-wander": dict(sync_time=None, max_offset=5e-3, rms_offset=1e-3,
                         max_freq_error=CHRONY["max_freq_error"], rms_freq_error=10.0,
                         late_rms_offset=1e-3, late_rms_freq_error=10.0),
    # Run for chrony's 10000 s (its 009-sourceselection uses the default
    # length), not the 20000 s of `defaults`.
    "falsetickers": dict(DEFAULT_LIMITS),
    # 1 ms of jitter on requests only: a naive average is biased by half the
    # excess delay (0.5 ms) and single offsets are off by up to a few ms;
    # weighting samples by delay must remove most of it.  An outlier that
    # gets through is slewed fast (small sd): chrony's max frequency limit.
    # Once the asymmetry is estimated the bias (~0.4 ms) is known to a
    # microsecond and slewed within a poll, and the poll stays short
    # (every sample's delay differs): chrony's frequency limits.
    "asym-jitter": dict(DEFAULT_LIMITS, sync_time=400.0,
                        max_freq_error=CHRONY["max_freq_error"],
                        rms_freq_error=CHRONY["rms_freq_error"],
                        late_rms_offset=2e-4, late_rms_freq_error=2.0),
    # 55 % of exchanges lost: half the samples, slower start, ~1.5x noise.
    # The late limit is met by this seed, not by every one, as by chronyd:
    # chronyd 4.8 in clknetsim on this network (125-packetloss's loss
    # expression, one client, 20000 s) had a late rms of 42-432 us over seeds
    # 1-24 (median 169, 2 over 300); stratum-sim 62-444 us (median 180, 3).
    "packet-loss": dict(DEFAULT_LIMITS, sync_time=600.0),
    # 8800 s of every 10000 s without a server: the clock runs free on its
    # frequency estimate (~0.1 ppm off after 1200 s of polls) while the
    # wander accumulates ~0.5 ms; the ms found after an outage is slewed at
    # up to ~1000 ppm by chrony's rule.  chrony's 014-intermittent: 100 ms
    # max, 2 ms rms, 10000 ppm max, 20 ppm rms.  No late limits: the
    # outages are the point.
    "intermittent": dict(sync_time=None, max_offset=10e-3, rms_offset=2e-3,
                         max_freq_error=2000.0, rms_freq_error=2.0),
    # +0.5 s at 20000 s behind the client's back: it must notice at its
    # next polls and slew it out; limits apply once it has (sync_time
    # counts from the start, see test_external_step_corrected); late =
    # 30000-40000 s.
    "external-step": dict(DEFAULT_LIMITS, sync_time=None),
    "era-2036": dict(DEFAULT_LIMITS),
    # 100 s slewed out at maxslewrate (83333 ppm: 1200 s), and 100 s stepped
    # by someone else: chrony's sync window is checked by
    # test_chronys_sync_window, its accuracy limits apply from then.
    "large-offset": dict(DEFAULT_LIMITS, sync_time=1400.0),
    "large-offset-behind": dict(DEFAULT_LIMITS, sync_time=1400.0),
    "external-step-forward": dict(DEFAULT_LIMITS, sync_time=1550.0),
    "external-step-backward": dict(DEFAULT_LIMITS, sync_time=1550.0),
    # Polling every 16 s: faster start, more samples against the noise,
    # but each update's error is slewed out over ~48 s.
    "fast-poll": dict(DEFAULT_LIMITS, sync_time=100.0, rms_freq_error=2.0,
                      late_rms_offset=5e-5, late_rms_freq_error=0.3),
    "fuzzed-server": dict(DEFAULT_LIMITS),
    # chrony's 101-poll at poll 1 (20 s runs, makestep 1e-2 1, 1 us jitter,
    # no wander): its limits, the offset's measured from the sync time.
    "poll-1": dict(sync_time=5.0, max_offset=1e-5, rms_offset=5e-6, max_freq_error=10.0,
                   rms_freq_error=5.0, min_steady=10),
    # chrony's 109-makestep (200 s runs, makestep 2 1, 10 us jitter, no
    # wander): its limits from the sync time (the 70 s after it), and the
    # defaults' late limits from 150 s (the scenarios' late_from).
    "makestep-1e8": dict(CHRONY, sync_time=140.0, min_steady=50, late_rms_offset=3e-4,
                         late_rms_freq_error=1.0),
    "makestep-minus-1e8": dict(CHRONY, sync_time=140.0, min_steady=50, late_rms_offset=3e-4,
                               late_rms_freq_error=1.0),
    "makestep-1": dict(CHRONY, sync_time=150.0, min_steady=50, late_rms_offset=3e-4,
                       late_rms_freq_error=1.0),
    # chrony's 135-ratelimit: polling every 8 s at a server that answers
    # about one request in 6 (or sends KoD RATE): the default limits.
    "ratelimit": dict(DEFAULT_LIMITS),
    # With kod, the samples come 8 s or 40 s apart (a KoD's backoff): an
    # offset measured after a long wait is slewed within a short interval
    # (up to 55 ppm seen, seeds 1-3): chrony's max frequency limit.
    "ratelimit-kod": dict(DEFAULT_LIMITS, max_freq_error=CHRONY["max_freq_error"]),
    # chrony's 117-fallbackdrift limits (its time_max/rms 1 s, freq_max 2e-4,
    # freq_rms 1e-4, max_sync_time 4500 s; synchronised here means within
    # 1 s, the scenario's threshold) over the run after the first 10 s slew
    # (300 s). Without fallbackdrift the clock keeps the last update's
    # frequency: 9.06-9.08 s off at the end, rms freq 116 ppm (seeds 1-3).
    "fallbackdrift": dict(sync_time=4500.0, max_offset=1.0, rms_offset=1.0,
                          max_freq_error=200.0, rms_freq_error=100.0),
    # 145-rtc's network and client are the defaults'; the RTC's own limits
    # are in test_rtcfile_tracks_the_rtc.
    "rtcfile": dict(DEFAULT_LIMITS),
    # chrony's 143-manual limits: time_max 4e-3, time_rms 2e-3, freq_max
    # 4e-3 (4000 ppm), freq_rms 2e-5 (20 ppm), synchronised (within 4 ms,
    # the scenario's threshold) 7204-7206 s from the start: the settime at
    # 2:00 that gives the frequency, its 0.36 s slewed at maxslewrate. Seeds
    # 1-4 gave 0.6-2.0 ms max, 0.26-0.98 ms rms, 0.14-0.24 ppm max, 7205 s.
    "manual": dict(sync_time=7206.0, max_offset=4e-3, rms_offset=2e-3,
                   max_freq_error=4000.0, rms_freq_error=20.0),
}

# The leap scenarios: once synchronised (before the leap, or after it when
# it put the clock out) the clock stays within chrony's 1 ms; the state
# they settle in (from half way between the leap and the end) meets the
# defaults. The steady part's frequency limits do not apply: with slew and
# ignore it starts in the last second of a slew at maxslewrate.
LEAP_LIMITS = dict(max_offset=CHRONY["max_offset"],
                   late_rms_offset=DEFAULT_LIMITS["late_rms_offset"],
                   late_rms_freq_error=DEFAULT_LIMITS["late_rms_freq_error"])

# Scenarios whose client steps its clock (makestep), and how often.
STEPS = {"poll-1": 1, "makestep-1e8": 1, "makestep-minus-1e8": 1}

EXT_STEP_AT = 20000.0
EXT_STEP_SYNC = 3000.0   # s after the step: ~3 polls at maxpoll 10

DURATIONS = {"intermittent": 100000.0, "external-step": 40000.0,
             "era-2036": 10000.0, "fast-poll": 10000.0, "falsetickers": 10000.0,
             "fuzzed-server": 10000.0, "poll-1": 20.0, "makestep-1e8": 200.0,
             "makestep-minus-1e8": 200.0, "makestep-1": 200.0, "ratelimit": 10000.0,
             "ratelimit-kod": 10000.0, "fallbackdrift": 100000.0, "rtcfile": 9900.0,
             "rtcfile-s": 10000.0, "rtcfile-s-driftfile": 10000.0,
             "manual": 43200.0,
             "large-offset": 10000.0, "large-offset-behind": 10000.0,
             "external-step-forward": 10000.0, "external-step-backward": 10000.0,
             "refclock-sock": 10000.0, "refclock-pps-lock": 10000.0,
             "refclock-shm-fast": 2000.0, "refclock-phc": 2000.0, "refclock-pps": 2000.0,
             "refclock-rtc": 2000.0, "refclock-phc-extpps": 2000.0, "refclock-phc-bursts": 1000.0,
             "refclock-local": 10000.0, "refclock-local-off": 10000.0,
             "refclock-servers": 10000.0, "refclock-stall": 10000.0,
             "maxdelayquant": 10000.0, "copy": 10000.0, "mindelay": 10000.0,
             "mindelay-too-low": 10000.0, "mindelay-no-asymmetry": 10000.0,
             **{name: 180.0 for name in FREQACC_SCENARIOS},
             **{name: 10000.0 for name in LARGEFREQ_SCENARIOS},
             "filter": 10000.0, "filter-loss": 10000.0, "burst": 10000.0,
             **{name: 4 * 86400.0 for name in LEAP_SCENARIOS + SMEAR_SCENARIOS},
             **CHRONYSIM_DURATIONS}

# chrony's min_sync_time and max_sync_time for its scenarios with a slew of
# 100 s (004-largetimeoffset; 005-externalstep, where the step is detected
# as chronyd's scheduler detects it and the sources start afresh). Before
# the slew kept its pace across updates and the step was detected, these
# took 3221-8764 s (or never) and 1718-1783 s.
# chrony's 101-poll (poll 1: 4-5 s, within 1e-5 s; before the update that
# steps also corrected the frequency: 7 s) and 109-makestep (1e8 s: 120-140
# s; before: 193-196 s, and never within 1 ms from -1e8 s: the next slew
# counted the step as its interval and took 92664 s; 1 s: 130-150 s).
SYNC_WINDOWS = {"large-offset": (1300.0, 1400.0), "large-offset-behind": (1300.0, 1400.0),
                "external-step-forward": (1500.0, 1550.0),
                "external-step-backward": (1500.0, 1550.0),
                "poll-1": (4.0, 5.0), "makestep-1e8": (120.0, 140.0),
                "makestep-minus-1e8": (120.0, 140.0), "makestep-1": (130.0, 150.0),
                "manual": (7204.0, 7206.0)}


def sim_bin():
    if not (SIM.is_file() and os.access(SIM, os.X_OK)):
        pytest.fail("%s is missing: build it (`make`), or point STRATUM_BUILD at a build "
                    "directory that has it" % SIM)
    return SIM


def run_sim(*args, timeout=TIMEOUT):
    return subprocess.run([str(sim_bin()), *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout)


def parse_lines(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def max_sync_times(limits):
    """{name: max_sync_time} of the limits that have a sync window above 0
    (rows_by_seed's stats_from)."""
    return {name: lim["sync"][1] for name, lim in limits.items()
            if lim.get("sync") and lim["sync"][1] > 0.0}


def rows_by_seed(names, seeds, stats_from=None):
    """{(name, seed): row}: one run of the named scenarios per seed (the
    other scenario suites' fixture).  stats_from: {name: seconds}, where
    the named scenarios' max and rms figures start (stratum-sim
    --stats-from: chrony's max_sync_time, where clknetsim resets them)."""
    stats_from = stats_from or {}
    groups = {}
    for name in names:
        groups.setdefault(stats_from.get(name), []).append(name)
    out = {}
    for seed in seeds:
        for start, group in groups.items():
            opts = () if start is None else ("--stats-from", repr(float(start)))
            p = run_sim("--seed", str(seed), *opts, *group)
            assert p.returncode == 0, p.stderr[-4000:]
            for row in parse_lines(p.stdout):
                out[(row["scenario"], seed)] = row
    assert len(out) == len(names) * len(seeds)
    return out


def without_cpu(row):
    return {k: v for k, v in row.items() if k != "cpu_seconds"}


@pytest.fixture(scope="module")
def all_lines():
    """One run of every scenario (no names given), default seed."""
    p = run_sim()
    assert p.returncode == 0, "stratum-sim exited %d:\n%s" % (p.returncode, p.stderr[-4000:])
    return parse_lines(p.stdout)


@pytest.fixture(scope="module")
def results(all_lines):
    return {row["scenario"]: row for row in all_lines}


def steady_summary(r):
    return ("sync %s s, steady from %s s: max %.3g s, rms %.3g s, max freq %.3g ppm, "
            "rms freq %.3g ppm; from %s s: rms %.3g s, rms freq %.3g ppm; steps %s, "
            "selected %s, reach %s"
            % (r["sync_time"], r.get("steady_from"), r["max_offset"], r["rms_offset"],
               r["max_freq_error"], r["rms_freq_error"], r.get("late_from"),
               r.get("late_rms_offset", math.nan), r.get("late_rms_freq_error", math.nan),
               r["steps"], r["selected"], r["reach"]))


# ----------------------------------------------------------------- the runner

def test_every_scenario_runs_in_order(all_lines):
    assert [row["scenario"] for row in all_lines] == SCENARIOS


def test_lines_have_the_required_fields(all_lines):
    for row in all_lines:
        missing = REQUIRED_KEYS - set(row)
        assert not missing, "%s lacks %s" % (row.get("scenario"), sorted(missing))
        assert row["seed"] == 1
        assert isinstance(row["falseticker_selected"], bool)
        assert isinstance(row["reach"], list)
        # (the manual scenario's client has no server, nor initstepslew's alone)
        assert row["reach"] or row["scenario"] in (["manual"] + CHRONYSIM_NO_SOURCES +
                                                   CHRONYSIM_DRIFTFILE + CHRONYSIM_QUERY +
                                                   CHRONYSIM_CHRONYC_1S)
        assert row["sync_time"] is None or row["sync_time"] >= 0
        for key in ("max_offset", "rms_offset", "max_freq_error", "rms_freq_error"):
            assert isinstance(row[key], (int, float)) and math.isfinite(row[key]), key
        assert row["events"] > 0 and row["cpu_seconds"] >= 0


def test_runs_last_their_full_duration(results):
    for name, row in results.items():
        assert row.get("run_status", 0) == 0, name
        assert row["duration"] == DURATIONS.get(name, 20000.0), name


def test_same_seed_same_results(results):
    # A subset in another order: each scenario's run depends on nothing else
    # run in the process.
    names = ["era-2036", "falsetickers", "defaults"]
    p = run_sim("--seed", "1", *names)
    assert p.returncode == 0, p.stderr[-4000:]
    again = {row["scenario"]: row for row in parse_lines(p.stdout)}
    assert sorted(again) == sorted(names)
    for name in names:
        assert without_cpu(again[name]) == without_cpu(results[name]), name


@pytest.mark.parametrize("seed", [2, 3])
@pytest.mark.parametrize("name", ["defaults", "falsetickers", "era-2036"])
def test_other_seeds_same_limits(results, name, seed):
    # The limits hold for the scenario, not for one lucky draw.
    p = run_sim("--seed", str(seed), name)
    assert p.returncode == 0, p.stderr[-4000:]
    (row,) = parse_lines(p.stdout)
    assert row["seed"] == seed
    assert without_cpu(row) != without_cpu(results[name])
    assert row["falseticker_selected"] is False
    check_limits(row, LIMITS[name])


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", sorted(SYNC_WINDOWS))
def test_chronys_sync_window(results, name, seed):
    row = results[name]
    if seed != 1:
        p = run_sim("--seed", str(seed), name)
        assert p.returncode == 0, p.stderr[-4000:]
        (row,) = parse_lines(p.stdout)
    low, high = SYNC_WINDOWS[name]
    assert row["sync_time"] is not None and low <= row["sync_time"] <= high, steady_summary(row)
    check_limits(row, LIMITS[name])


def test_trace_changes_nothing(results, tmp_path):
    trace = tmp_path / "trace.txt"
    p = run_sim("--trace", str(trace), "fast-poll")
    assert p.returncode == 0, p.stderr[-4000:]
    (row,) = parse_lines(p.stdout)
    assert without_cpu(row) == without_cpu(results["fast-poll"])
    lines = trace.read_text().splitlines()
    assert lines[0].startswith("# fast-poll")
    samples = [line.split() for line in lines[1:]]
    assert len(samples) == 10001               # 0 s to 10000 s
    assert [float(x[0]) for x in samples[:3]] == [0.0, 1.0, 2.0]
    assert abs(float(samples[0][1]) - 0.1) < 1e-6   # the initial offset


def test_table_script(all_lines):
    text = "".join(json.dumps(row) + "\n" for row in all_lines)
    p = subprocess.run(["/usr/bin/python3", str(REPO / "scripts" / "sim_table.py")],
                       input=text, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=60)
    assert p.returncode == 0, p.stderr
    body = p.stdout.splitlines()[2:]
    assert [line.split()[0] for line in body] == SCENARIOS


def test_limits_table(all_lines):
    """make bench's second table: every scenario has limits, and a figure
    over its limit is named."""
    over = dict(all_lines[0], seed=99, max_offset=2 * LIMITS["defaults"]["max_offset"])
    text = "".join(json.dumps(row) + "\n" for row in all_lines + [over])
    p = subprocess.run(["/usr/bin/python3", str(REPO / "scripts" / "sim_table.py"), "--limits"],
                       input=text, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=60)
    assert p.returncode == 0, p.stderr
    second = p.stdout.split("\n\n", 1)[1].splitlines()[2:]
    verdicts = {(line.split()[0], line.split()[1]): line.split("  ")[-1].strip()
                for line in second}
    assert len(verdicts) == len(SCENARIOS) + 1
    assert verdicts[("defaults", "99")] == "over: max off us"
    assert all(v != "no limits" for v in verdicts.values()), verdicts


def test_conf_texts(tmp_path):
    """--conf prints each scenario's chrony.conf under its name, the
    smearing server's after it; stratumd -p takes every text."""
    p = run_sim("--conf")
    assert p.returncode == 0, p.stderr
    texts, name = {}, None
    for line in p.stdout.splitlines():
        if line.startswith("# "):
            name = line[2:].split(":")[0] + (" smear" if "smearing server" in line else "")
            if ": its relay " in line:
                name += " relay " + line.split(": its relay ")[1].split()[0]
            texts[name] = []
        else:
            texts[name].append(line)
    assert [n for n in texts if not n.endswith(" smear") and " relay " not in n] == SCENARIOS
    assert sorted({n.split(" relay ")[0] for n in texts if " relay " in n}) == \
        sorted(CHRONYSIM_RELAYS)
    assert sorted(n[:-6] for n in texts if n.endswith(" smear")) == \
        sorted(SMEAR_SCENARIOS + CHRONYSIM_SMEAR)
    for name, lines in texts.items():
        assert any(line.split()[0] in ("server", "pool", "refclock", "initstepslew", "manual",
                                       "driftfile", "local")
                   for line in lines), name
        conf = tmp_path / "scenario.conf"
        conf.write_text("\n".join(lines) + "\n")
        r = subprocess.run([str(BUILD / "stratumd"), "-p", "-f", str(conf)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=30)
        assert r.returncode == 0 and r.stderr == "", (name, r.stderr)


def test_unknown_scenario_exits_2():
    p = run_sim("defaults", "no-such-scenario")
    assert p.returncode == 2
    assert "no-such-scenario" in p.stderr
    assert p.stdout == ""          # nothing ran


def test_bad_seed_exits_2():
    p = run_sim("--seed", "x1", "defaults")
    assert p.returncode == 2
    assert p.stdout == ""


def test_list_names_every_scenario():
    p = run_sim("--list")
    assert p.returncode == 0
    assert [line.split()[0] for line in p.stdout.splitlines()] == SCENARIOS


# -------------------------------------------------------------- the accuracy

def check_limits(r, lim):
    what = "%s: %s" % (r["scenario"], steady_summary(r))
    if lim.get("sync_time") is not None:
        assert r["sync_time"] is not None, "never synchronised: " + what
        assert r["sync_time"] <= lim["sync_time"], "sync too slow: " + what
    assert r["max_offset"] <= lim["max_offset"], "max offset: " + what
    assert r["rms_offset"] <= lim["rms_offset"], "rms offset: " + what
    assert r["max_freq_error"] <= lim["max_freq_error"], "max freq error: " + what
    assert r["rms_freq_error"] <= lim["rms_freq_error"], "rms freq error: " + what
    if lim.get("late_rms_offset") is not None:
        assert r["late_rms_offset"] <= lim["late_rms_offset"], "late rms offset: " + what
        assert r["late_rms_freq_error"] <= lim["late_rms_freq_error"], \
            "late rms freq error: " + what
    # The steady part is a real part of the run.
    assert r["steady_samples"] >= lim.get("min_steady", 1000), "steady part too short: " + what


def test_limits_no_looser_than_chrony():
    for name in ("defaults", "iburst", "falsetickers", "era-2036", "packet-loss",
                 "asym-jitter", "external-step", "fast-poll"):
        for key, value in CHRONY.items():
            if key != "sync_time" and LIMITS[name].get(key) is not None:
                assert LIMITS[name][key] <= value, (name, key)
    assert LIMITS["defaults"]["sync_time"] <= CHRONY["sync_time"]


@pytest.mark.parametrize("name", BASE_SCENARIOS + CLIENT_SCENARIOS)
def test_limits(results, name):
    check_limits(results[name], LIMITS[name])


@pytest.mark.parametrize("name", BASE_SCENARIOS + CLIENT_SCENARIOS)
def test_no_steps_and_no_falseticker(results, name):
    r = results[name]
    # No makestep by default: offsets (0.1 s, 0.5 s) are slewed, never stepped.
    assert r["steps"] == STEPS.get(name, 0), steady_summary(r)
    assert r["client_steps"] == r["steps"]
    assert r["falseticker_selected"] is False


@pytest.mark.parametrize("name", [n for n in SCENARIOS
                                  if n not in ["intermittent", "refclock-local",
                                               "refclock-local-off", "manual"] +
                                  FALLBACK_SCENARIOS + CHRONYSIM_UNSELECTED])
def test_selected_at_the_end(results, name):
    r = results[name]
    assert r["selected"] is not None, steady_summary(r)
    assert r["first_selected"] is not None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fallbackdrift_keeps_the_clock_within_a_second(results, seed):
    """117-fallbackdrift: once the server is lost the frequency falls back to
    the averages over 64-1024 s of a 100 ppm sine of 1000 s, whose mean is
    the clock's true frequency: 95750 s later it is still within 1 s."""
    row = results["fallbackdrift"] if seed == 1 else \
        parse_lines(run_sim("--seed", str(seed), "fallbackdrift").stdout)[0]
    check_limits(row, LIMITS["fallbackdrift"])
    assert abs(row["final_offset"]) < LIMITS["fallbackdrift"]["max_offset"], steady_summary(row)
    assert row["selected"] is None and row["steps"] == 0


# chrony's 145-rtc, first run: after 9900 s, chronyc rtcdata gives a
# reference time of 02:43-02:44 (9780-9839 s), an RTC -9.01.... s fast and
# gaining 99.98-99.99 ppm (clknetsim's RTC: 10 s slow at the start, 100 ppm
# fast). Here the same RTC: the reference is the newest sample, within the
# longest measurement period (240 s) of the end; the offset is the RTC's
# true error then within 1 ms (the clock's own offset is within chrony's
# 1 ms; the samples' 1 us); the gain is measured against the clock, whose
# own frequency is off by its late rms (0.04-0.10 ppm, seeds 1-4), so it
# is held to 0.15 ppm of 100 (chrony's 0.02 is of its client's clock).
# Seeds 1-4 gave references at 9772-9890 s, offsets within 0.4 ms of the
# truth, gains 99.975-100.091 ppm, 10-14 samples.
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rtcfile_tracks_the_rtc(results, seed):
    row = results["rtcfile"]
    if seed != 1:
        p = run_sim("--seed", str(seed), "rtcfile")
        assert p.returncode == 0, p.stderr[-4000:]
        (row,) = parse_lines(p.stdout)
    assert 9900.0 - 240.0 <= row["rtc_ref_at"] <= 9900.0, row
    assert abs(row["rtc_fast"] - row["rtc_true_fast"]) < 1e-3, row
    assert abs(row["rtc_true_fast"] - (-10.0 + 100e-6 * (row["rtc_ref_at"] + 10.0))) < 1e-9
    assert abs(row["rtc_gain_ppm"] - 100.0) < 0.15, row
    assert row["rtc_samples"] >= 8, row
    check_limits(row, LIMITS["rtcfile"])


# chrony's 143-manual: what chronyc prints for each command, as its
# regular expressions hold it (chronyc rounds to 0.01: "Clock was 0.4.
# seconds fast.  Frequency change = 0.00ppm, new frequency = 0.00ppm"...).
MANUAL_ANSWERS = [  # settime: (offset, dfreq, new freq) ranges as printed
    ((0.40, 0.49), (0.0, 0.0), (0.0, 0.0)),
    ((0.30, 0.39), (99.0, 100.99), (99.0, 100.99)),
    ((-0.09, 0.09), (-0.19, 0.19), (99.0, 100.99)),
    ((-0.09, 0.09), (-0.19, 0.19), (99.0, 100.99)),
    "manual delete",
    ((-0.09, 0.09), (-0.29, 0.29), (99.0, 100.99)),
    "manual list",
    ((-0.09, 0.09), (-0.29, 0.29), (99.0, 100.99)),
    "manual reset",
    ((-0.09, 0.09), (-0.29, 0.29), (99.0, 100.99)),
    "manual list",
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_manual_answers_as_chrony(results, seed):
    row = results["manual"]
    if seed != 1:
        p = run_sim("--seed", str(seed), "manual")
        assert p.returncode == 0, p.stderr[-4000:]
        (row,) = parse_lines(p.stdout)
    check_limits(row, LIMITS["manual"])
    assert row["steps"] == 0
    answers = row["commands"]
    assert len(answers) == len(MANUAL_ANSWERS)
    for got, want in zip(answers, MANUAL_ANSWERS):
        assert got["status"] == 0, got
        if isinstance(want, str):
            assert got["command"] == want
            continue
        assert got["command"] == "settime"
        for key, (low, high) in zip(("offset", "dfreq_ppm", "freq_ppm"), want):
            assert low - 0.005 <= got[key] < high + 0.005, (key, got)
    # the list after the delete: 1:00, 2:00, 4:00, 6:00 (00:59:59 or
    # 01:00:00 as chronyc prints it), slewed and residual 0.00, original
    # 0.46, 0.36, 0.00, 0.00; after the reset only 10:00's
    first = answers[6]["samples"]
    assert [round(s[0]) for s in first] == [3600, 7200, 14400, 21600]
    for (at, slewed, orig, resid), want in zip(first, (0.46, 0.36, 0.0, 0.0)):
        assert abs(slewed) < 0.005 and abs(resid) < 0.005 and abs(orig - want) < 0.005
    (last,) = answers[10]["samples"]
    assert round(last[0]) == 36000 and abs(last[2]) < 0.005


def test_defaults_reach_full(results):
    for name in ("defaults", "iburst", "era-2036", "fast-poll", "large-jitter"):
        assert results[name]["reach"] == [0o377], name


def test_defaults_poll_reaches_maxpoll(results):
    r = results["defaults"]
    assert r["sources"][0]["poll"] >= 9, steady_summary(r)


def test_iburst_no_slower_than_defaults(results):
    r, d = results["iburst"], results["defaults"]
    assert r["first_selected"] is not None and r["first_selected"] <= 30, steady_summary(r)
    assert r["sync_time"] is not None and r["sync_time"] <= d["sync_time"], steady_summary(r)


def test_falsetickers_rejected(results):
    r = results["falsetickers"]
    assert r["falseticker_selected"] is False
    good = {s["address"] for s in r["sources"] if not s["falseticker"]}
    bad = [s for s in r["sources"] if s["falseticker"]]
    assert len(good) == 3 and len(bad) == 2
    assert r["selected"] in good
    for s in bad:
        assert s["state"] == "x", s        # chronyc sources: a falseticker
        assert s["reach"] == 0o377, s       # they answer; they are just wrong


def test_packet_loss_seen(results):
    # About 45 % of exchanges complete: the register shows the gaps, but the
    # source stays reachable.
    r, d = results["packet-loss"], results["defaults"]
    assert r["reach"][0] != 0
    assert 0.2 * d["sources"][0]["valid"] < r["sources"][0]["valid"] < d["sources"][0]["valid"]


def test_intermittent_selects_in_every_window(results):
    r = results["intermittent"]
    # 10 windows of 1200 s: selected in each, unselected in each outage,
    # counted in the client's messages as chrony's 014-intermittent counts
    # them (9-10 of each). The selected source's poll grows by 0.1 per
    # missed reply, as chronyd's, so an outage may end before 8 of them,
    # or the first request of a window find the source unreachable just
    # before its answer selects it again (within a second: not in
    # selection_changes, sampled each second).
    p = run_sim("--verbose", "intermittent")
    assert p.returncode == 0, p.stderr[-4000:]
    client = [line for line in p.stderr.splitlines() if " client: " in line]
    lost = [l for l in client if "Can't synchronise: no selectable sources (1 unreachable" in l]
    selected = [l for l in client if "Selected source 192.168.123.1" in l]
    assert 9 <= len(lost) <= 10 and 9 <= len(selected) <= 10, (len(lost), len(selected))
    assert r["selection_changes"] >= 10, steady_summary(r)
    assert r["selected_seconds"] < 60000


def test_external_step_corrected(results):
    r = results["external-step"]
    assert r["sync_time"] is not None, steady_summary(r)
    assert EXT_STEP_AT < r["sync_time"] <= EXT_STEP_AT + EXT_STEP_SYNC, steady_summary(r)


def test_era_2036_like_defaults(results):
    r, d = results["era-2036"], results["defaults"]
    assert r["sync_time"] is not None and abs(r["sync_time"] - d["sync_time"]) <= 100, \
        steady_summary(r)


def test_fast_poll_polls_at_16s(results):
    r = results["fast-poll"]
    src = r["sources"][0]
    assert src["poll"] == 4
    assert src["valid"] >= 10000 / 16 * 0.95, src
    assert r["sync_time"] is not None and r["sync_time"] <= 120, steady_summary(r)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzzed_server_replies_all_taken(results, seed):
    # A chronyd server's stamps carry random bits below its precision: half
    # of its replies have a transmit time before their receive time.  chrony
    # takes them (the magnitudes, clamped to the precision); rejecting them
    # lost 26-35 of ~50 replies and delayed the first selection to 323-779 s
    # (seeds 1-3).  chrony's 001-defaults sync window: 120-210 s.
    row = results["fuzzed-server"]
    if seed != 1:
        p = run_sim("--seed", str(seed), "fuzzed-server")
        assert p.returncode == 0, p.stderr[-4000:]
        (row,) = parse_lines(p.stdout)
    src = row["sources"][0]
    assert src["bad"] == 0 and src["valid"] > 0, src
    assert 120.0 <= row["sync_time"] <= 210.0, steady_summary(row)
    check_limits(row, LIMITS["fuzzed-server"])


# chrony's 135-ratelimit, `ratelimit interval 6 burst 2 leak 4` on the
# server, the client at minpoll 3 maxpoll 3 for 10000 s: its windows for
# the packets each way and (with `kod 2`) the "Received KoD RATE" lines.
# A KoD RATE makes chronyd wait 4 polls more for its next request, whatever
# its maxpoll; before stratumd did so, it kept its rate (1238 requests, 455
# answers, 267 KoDs, seeds 1-3).
RATELIMIT_WINDOWS = {
    "ratelimit": dict(requests=(1200, 1300), answers=(180, 220), kods=(0, 0)),
    "ratelimit-kod": dict(requests=(700, 850), answers=(350, 450), kods=(100, 140)),
}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", sorted(RATELIMIT_WINDOWS))
def test_ratelimit_packets_as_chronyd(results, name, seed):
    row = results[name]
    if seed != 1:
        p = run_sim("--seed", str(seed), name)
        assert p.returncode == 0, p.stderr[-4000:]
        (row,) = parse_lines(p.stdout)
    src = row["sources"][0]
    win = RATELIMIT_WINDOWS[name]
    assert win["requests"][0] <= src["requests"] <= win["requests"][1], src
    assert win["answers"][0] <= src["server_replies"] <= win["answers"][1], src
    assert win["kods"][0] <= src["kods"] <= win["kods"][1], src
    assert src["poll"] == 3, src              # the poll itself stays at maxpoll
    # Every KoD was logged (chronyd's warning), nothing else warned.
    assert row["warnings"] == src["kods"], row["warnings"]
    check_limits(row, LIMITS[name])


@pytest.mark.parametrize("name", [n for n in SCENARIOS
                                  if n not in CHRONYSIM_INITSTEPSLEW + CHRONYSIM_PEERS +
                                  CHRONYSIM_SERVING + CHRONYSIM_POLL_0])
def test_packet_interval_as_chronyd(results, name):
    # chrony's check_packet_interval: the client's shortest interval between
    # two of its packets is at least 0.18 s with several servers (chronyd's
    # 0.2 s sampling separation between sources) and 1.8 s with one (the
    # iburst interval).  Before the separation, the falsetickers scenario's
    # five requests left within 20-134 us of each other (seeds 1-3).
    r = results[name]
    servers = [s for s in r["sources"] if not s.get("refclock")]
    if name in CHRONYSIM_QUERY:
        servers = [None]                           # the query's one server
    if not servers or name in CHRONYSIM_SILENT + CHRONYSIM_ONE_REQUEST:
        # refclocks alone: no packets at all; a single request
        assert r["min_tx_interval"] is None, steady_summary(r)
        return
    floor = 0.18 if len(servers) > 1 else 1.8
    assert r["min_tx_interval"] >= floor, (r["min_tx_interval"], steady_summary(r))


@pytest.mark.parametrize("seed", [2, 3])
@pytest.mark.parametrize("name", ["falsetickers"])
def test_packet_interval_other_seeds(name, seed):
    p = run_sim("--seed", str(seed), name)
    assert p.returncode == 0, p.stderr[-4000:]
    (row,) = parse_lines(p.stdout)
    assert row["min_tx_interval"] >= 0.18, row["min_tx_interval"]
    check_limits(row, LIMITS[name])


# ------------------------------------------------------------ leap seconds

# chrony's 113-leapsecond windows, seconds after the leap: with the kernel
# or a step the clock is right again within a second (max_sync_time =
# leap + 1); slewed at maxslewrate (83333 ppm) the second takes 12 s
# (leap + 11 to leap + 13). Ignored, it is an offset of a second that the
# next updates find and slew: later than any of these, but within the run.
LEAP_SYNC = {"system": (None, 1.0), "step": (None, 1.0), "slew": (11.0, 13.0),
             "ignore": (13.0, None)}


def leap_row(results, name, seed):
    if seed == 1:
        return results[name]
    p = run_sim("--seed", str(seed), name)
    assert p.returncode == 0, p.stderr[-4000:]
    (row,) = parse_lines(p.stdout)
    return row


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", LEAP_SCENARIOS)
def test_leap_second(results, name, seed):
    r = leap_row(results, name, seed)
    kind, mode = name.split("-")[1:]
    assert r["leap"] == (1 if kind == "insert" else -1)
    # At the end of 2008-12-31: 2 days after the start (a deleted second
    # one second earlier, when 23:59:59 is skipped).
    assert r["leap_at"] == 2 * 86400.0 - (0.0 if kind == "insert" else 1.0)
    low, high = LEAP_SYNC[mode]
    what = steady_summary(r)
    assert r["sync_time"] is not None, what
    if low is not None:
        assert r["sync_time"] >= r["leap_at"] + low, what
    if high is not None:
        assert r["sync_time"] <= r["leap_at"] + high, what
    else:
        assert r["sync_time"] < DURATIONS[name] - 86400.0, what
    # Who applied it: the simulated kernel, the daemon's one step, or no
    # step at all; each mode's chronyd message is a warning, except the
    # kernel's (debug).
    assert r["kernel_leaps"] == (1 if mode == "system" else 0), what
    assert r["steps"] == (1 if mode == "step" else 0), what
    assert r["client_steps"] == r["steps"]
    assert r["warnings"] == (0 if mode == "system" else 1), what
    assert r["errors"] == 0
    assert r["late_from"] == (r["leap_at"] + DURATIONS[name]) / 2.0
    for key, limit in LEAP_LIMITS.items():
        assert r[key] <= limit, "%s: %s" % (key, what)


# chrony's 113-leapsecond with `smoothtime 400 0.001 [leaponly]` on the
# server: the client (leapsecmode system) is on UTC again only when the
# smear is over, min_sync_time 230000 s and max_sync_time 240000 s from the
# start (sqrt(4 / 0.001 ppm/s) = 63246 s after the leap at 172800 s). It
# never hears of the leap, never steps, and half way through it is half a
# second from UTC.
SMEAR_SYNC = (230000.0, 240000.0)
SMEAR_LENGTH = 2.0 / math.sqrt(0.001e-6)


@pytest.mark.parametrize("name", SMEAR_SCENARIOS)
def test_smeared_leap_second(results, name, tmp_path):
    r = results[name]
    what = steady_summary(r)
    assert r["smear"] == ("leaponly" if name.endswith("leaponly") else "all")
    assert r["sync_time"] is not None, what
    assert SMEAR_SYNC[0] <= r["sync_time"] <= SMEAR_SYNC[1], what
    assert r["kernel_leaps"] == 0 and r["steps"] == 0 and r["client_steps"] == 0, what
    assert r["warnings"] == 0 and r["errors"] == 0, what
    for key, limit in LEAP_LIMITS.items():
        assert r[key] <= limit, "%s: %s" % (key, what)
    # The trace: the offset from UTC (which moved back a second at the
    # leap) changes by at most chrony's frequency limit per second once the
    # client has settled, except for UTC's own second, and is about half a
    # second half way through the smear.
    trace = tmp_path / "trace.txt"
    p = run_sim("--trace", str(trace), name)
    assert p.returncode == 0, p.stderr[-4000:]
    rows = [line.split() for line in trace.read_text().splitlines()[1:]]
    t = [float(x[0]) for x in rows]
    offset = [float(x[1]) - (1.0 if ti >= r["leap_at"] else 0.0) for ti, x in zip(t, rows)]
    rate = max(abs(offset[i] - offset[i - 1]) for i in range(1, len(t)) if t[i] > 3600.0)
    assert rate <= CHRONY["max_freq_error"] * 1e-6, rate
    half = offset[int(r["leap_at"] + SMEAR_LENGTH / 2.0)] + 1.0
    assert abs(half - 0.5) < 0.01, half
