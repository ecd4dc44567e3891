#include "sim/scenarios.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_client.h"
#include "conf/config.h"
#include "conf/driftfile.h"
#include "core/client.h"
#include "core/initslew.h"
#include "core/ntp_server.h"
#include "core/reference.h"
#include "core/cmdsrv.h"
#include "core/manual.h"
#include "core/refclock.h"
#include "core/rtctrack.h"
#include "core/srclist.h"
#include "sim/sim_metrics.h"
#include "sim/sim_names.h"
#include "sim/sim_refclock.h"
#include "sim/sim_rng.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

/* chrony's test/simulation/test.common defaults, in the simulator's units:
 * time_offset 0.1 s, freq_offset 1e-4 (100 ppm, the clock runs fast),
 * wander 1e-9 per one-second step (1e-3 ppm/sqrt(s)), base_delay 1e-4 s
 * plus jitter 1e-4 s * exponential, on each direction; minpoll 6, maxpoll
 * 10, no makestep, limit 10000 s. */
#define CLIENT_CLOCK {.offset = 0.1, .freq = 100.0, .wander = 1e-3}
#define LAN {.delay = 100e-6, .jitter = 100e-6, .jitter_kind = SIM_JITTER_EXP}
/* 101-poll and 109-makestep: 1 us or 10 us of jitter, no wander. */
#define STILL_CLOCK(off) {.offset = (off), .freq = 100.0, .wander = 0.0}
#define JITTER(j) {.delay = 100e-6, .jitter = (j), .jitter_kind = SIM_JITTER_EXP}
#define QUIET {.delay = 100e-6, .jitter = 0.0, .jitter_kind = SIM_JITTER_EXP}
/* 117-fallbackdrift: no delay but the jitter. */
#define JITTER0(j) {.delay = 0.0, .jitter = (j), .jitter_kind = SIM_JITTER_EXP}
/* 118-maxdelay: base_delay 1e-5, jitter 1e-5. */
#define TINY_LAN {.delay = 10e-6, .jitter = 10e-6, .jitter_kind = SIM_JITTER_EXP}
/* 201-freqaccumulation: base_delay 1e-6, jitter 1e-6. */
#define MICRO_LAN {.delay = 1e-6, .jitter = 1e-6, .jitter_kind = SIM_JITTER_EXP}
/* test.common's network with jitter_asymmetry: the jitter of one direction
 * scaled by 1 - 2a (requests) or 1 + 2a (replies). */
#define ASYM_LAN(scale) {.delay = 100e-6, .jitter = 100e-6 * (scale), .jitter_kind = SIM_JITTER_EXP}
/* The client's configuration: server N of the world, and test.common's
 * client_server_options. */
#define SERVER(n, options) "server " SERVER_NET #n " " options "\n"
#define SERVER1 SERVER(1, "minpoll 6 maxpoll 10")

#define SAMPLE_INTERVAL 1.0        /* s, metrics and selection sampling */
#define COMMAND_DELAY 100e-6       /* s from the operator to the client (test.common's) */
#define RTC_LATENCY 1e-6           /* s an RTC interrupt comes late... */
#define RTC_JITTER 1e-6            /* ...give or take this */
#define CLIENT_PRECISION (-20)
#define CLIENT_ADDR "192.168.123.100"
#define CLIENT6_ADDR "fc00::123:64"
#define SERVER_NET "192.168.123."          /* servers 1..N, as chrony's tests */
#define SERVER_ADDR_FMT SERVER_NET "%u"
#define SERVER6_NET "fc00::123:"               /* chrony's tests' ip_family 6 */
#define SERVER6_ADDR_FMT SERVER6_NET "%x"
#define ERA_2036 ((time_t)2085978496)      /* 2036-02-07T06:28:16Z */
#define DEC_30_2008 ((time_t)1230595200)   /* 2008-12-30T00:00:00Z */
#define DAY 86400
#define JAN_1_2010 ((time_t)1262304000)    /* 2010-01-01T00:00:00Z */

/* chrony's 113-leapsecond: from 2008-12-30 00:00 for four days, the
 * servers announcing the leap second at the end of 2008-12-31; default
 * network and client, minpoll 6, maxpoll 10. */
#define LEAP_SCENARIO(name_, about_, leap_, mode_) \
  { \
    .name = name_, .about = about_, .conf = SERVER1 "leapsecmode " mode_ "\n", \
    .duration = 4.0 * DAY, .start = DEC_30_2008, \
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, .leap = leap_, \
  }
/* chrony's 201-freqaccumulation: the clock freq_ ppm off, a drift file
 * that says drift_ (skew 1e5 ppm), 100 s ahead, makestep 1 1, minpoll 6
 * maxpoll 6, 1 us delay and 1 us jitter each way, no wander, 180 s. The
 * steady state is chrony's statistics window, from its max_sync_time. */
#define FREQACC(freq_, drift_) \
  { \
    .name = "freqacc/" #freq_ "/" #drift_, \
    .about = "clock " #freq_ " ppm off, drift file " #drift_ " 100000, makestep 1 1, " \
             "poll 6 (201-freqaccumulation)", \
    .conf = SERVER(1, "minpoll 6 maxpoll 6") "makestep 1 1\n", \
    .driftfile = #drift_ " 100000", \
    .duration = 180.0, .settle = 140.0, .late_from = 140.0, .sync_threshold = 1e-5, \
    .client_clock = {.offset = 100.0, .freq = (freq_)}, .n_servers = 1, \
    .up = MICRO_LAN, .down = MICRO_LAN, \
  }
#define FREQACC_DRIFTS(freq_) \
  FREQACC(freq_, -1e+4), FREQACC(freq_, -1e+2), FREQACC(freq_, 1e+2), FREQACC(freq_, 1e+4)

/* chrony's 003-largefreqoffset: the clock freq_ ppm off, and behind or
 * ahead by what that makes in 130 s, so that the first update finds
 * little offset and much frequency; defaults otherwise. Its statistics
 * start at its max_sync_time, 1000 s. */
#define LARGEFREQ(freq_) \
  { \
    .name = "largefreq/" #freq_, \
    .about = "clock " #freq_ " ppm off, offset -130 s times that (003-largefreqoffset)", \
    .conf = SERVER1, \
    .duration = 10000.0, .settle = 1000.0, \
    .client_clock = {.offset = -(freq_) * 1e-6 * 130.0, .freq = (freq_), .wander = 1e-3}, \
    .n_servers = 1, .up = LAN, .down = LAN, \
  }

/* 123-mindelay: the jitter almost all on the replies (jitter_asymmetry
 * 0.499), wander 1e-12. */
#define MINDELAY(name_, about_, options_) \
  { \
    .name = name_, .about = about_, .conf = SERVER(1, "minpoll 6 maxpoll 10 " options_), \
    .duration = 10000.0, \
    .client_clock = {.offset = 0.1, .freq = 100.0, .wander = 1e-6}, .n_servers = 1, \
    .up = ASYM_LAN(1.0 - 2 * 0.499), .down = ASYM_LAN(1.0 + 2 * 0.499), \
  }

/* The default network with another base delay (chrony's base_delay). */
#define DELAY(d) {.delay = (d), .jitter = 100e-6, .jitter_kind = SIM_JITTER_EXP}
/* chrony's 120-selectoptions: 3 servers at chrony's default polls, the
 * first `n_false` of them falsetickers (1 s, 2 s), servers 1 and 3 with
 * these options, `delay` s away each way. */
#define SELECT_OPTIONS(name_, about_, opt1, opt3, delay_, n_false) \
  { \
    .name = name_, .about = about_, \
    .conf = SERVER(1, opt1) SERVER(2, "") SERVER(3, opt3), .duration = 10000.0, \
    .client_clock = CLIENT_CLOCK, .n_servers = 3, \
    .server_offset = {1.0, (n_false) > 1 ? 2.0 : 0.0}, .up = DELAY(delay_), \
    .down = DELAY(delay_), \
  }
/* chrony's 118-maxdelay: 10 us delay and 10 us jitter (TINY_LAN), no
 * wander, the frequency error "(sum 1e-10)": 1e-4 ppm more each second. */
#define DRIFTING_CLOCK {.offset = 0.1, .drift = 1e-4}
/* chrony's 150-maxunreach: 2 servers polled every 64 s keeping 64 samples,
 * server 2 0.5 s farther each way, server 1 unreachable from 2000 s (its
 * requests lost) of 5000 s. */
#define MAXUNREACH(name_, opt, about_) \
  { \
    .name = name_, .about = about_, \
    .conf = SERVER(1, "minpoll 6 maxpoll 6 minsamples 64" opt) \
            SERVER(2, "minpoll 6 maxpoll 6 minsamples 64" opt), \
    .duration = 5000.0, \
    .client_clock = CLIENT_CLOCK, .n_servers = 2, .up = LAN, .down = LAN, \
    .server_delay = {0.0, 0.5}, .server_lost_at = {2000.0}, \
  }
/* chrony's 103-initstepslew: no frequency error nor wander, the client
 * `off` s off, `initstepslew 5` from server 1 alone (no server line), 100 s. */
#define INITSTEPSLEW(name_, off) \
  { \
    .name = name_, .about = "initstepslew 5 from server 1, client " #off " s off, no "\
                            "frequency error nor wander (103-initstepslew)", \
    .conf = "initstepslew 5 " SERVER_NET "1\n", .duration = 100.0, \
    .client_clock = {.offset = (off)}, .n_servers = 1, .up = LAN, .down = LAN, \
  }
#define INITSTEPSLEW_2 "initstepslew 5 " SERVER_NET "1 " SERVER_NET "2\n"
/* The smearing server of 113-leapsecond's smoothtime runs. */
#define SMEAR_CONF(leaponly) \
  SERVER1 "leapsecmode slew\nsmoothtime 400 0.001" leaponly "\n"

static const struct scenario scenarios[] = {
  {
    .name = "defaults",
    .about = "chrony's default test settings (001-defaults), longer run",
    .conf = SERVER1,
    .duration = 20000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "iburst",
    .about = "defaults with iburst (102-iburst, without its makestep and drift file)",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 iburst"),
    .duration = 20000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "large-offset",
    .about = "client 100 s ahead at start, slewed at maxslewrate (004-largetimeoffset)",
    .conf = SERVER1,
    .duration = 10000.0,
    .client_clock = {.offset = 100.0, .freq = 100.0, .wander = 1e-3},
    .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "large-offset-behind",
    .about = "client 100 s behind at start, slewed at maxslewrate (004-largetimeoffset)",
    .conf = SERVER1,
    .duration = 10000.0,
    .client_clock = {.offset = -100.0, .freq = 100.0, .wander = 1e-3},
    .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "large-jitter",
    .about = "10 ms exponential jitter each way (006-largejitter, scaled)",
    .conf = SERVER1,
    .duration = 20000.0, .settle = 2000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 10e-3}, .down = {.delay = 100e-6, .jitter = 10e-3},
  },
  {
    .name = "large-wander",
    .about = "frequency random walk of 0.1 ppm/sqrt(s) (007-largewander: wander 1e-7)",
    .conf = SERVER1,
    .duration = 20000.0, .settle = 1000.0,
    .client_clock = {.offset = 0.1, .freq = 100.0, .wander = 0.1},
    .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "falsetickers",
    .about = "5 servers, 1 ms away, 2 of them 1 s and 2 s wrong (009-sourceselection)",
    .conf = SERVER1 SERVER(2, "minpoll 6 maxpoll 10") SERVER(3, "minpoll 6 maxpoll 10")
            SERVER(4, "minpoll 6 maxpoll 10") SERVER(5, "minpoll 6 maxpoll 10"),
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 5,
    .server_offset = {1.0, 2.0, 0.0, 0.0, 0.0},
    .up = {.delay = 1e-3, .jitter = 100e-6}, .down = {.delay = 1e-3, .jitter = 100e-6},
  },
  {
    .name = "asym-jitter",
    .about = "1 ms exponential jitter on requests only, none on replies",
    .conf = SERVER1,
    .duration = 20000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 1e-3}, .down = QUIET,
  },
  {
    .name = "packet-loss",
    .about = "33 % of datagrams lost in each direction (55 % of exchanges)",
    .conf = SERVER1,
    .duration = 20000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 100e-6, .loss = 0.33},
    .down = {.delay = 100e-6, .jitter = 100e-6, .loss = 0.33},
  },
  {
    .name = "intermittent",
    .about = "server reachable 1200 s of every 10000 s (014-intermittent)",
    .conf = SERVER1,
    .duration = 100000.0, .settle = 1200.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .outage_period = 10000.0, .outage_open = 1200.0,
  },
  {
    .name = "external-step",
    .about = "client clock stepped +0.5 s by an outside force at 20000 s (005-externalstep)",
    .conf = SERVER1,
    .duration = 40000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .ext_step_at = 20000.0, .ext_step = 0.5,
  },
  {
    .name = "external-step-forward",
    .about = "client clock stepped +100 s by an outside force at 150 s (005-externalstep)",
    .conf = SERVER1,
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .ext_step_at = 150.0, .ext_step = 100.0,
  },
  {
    .name = "external-step-backward",
    .about = "client clock stepped -100 s by an outside force at 150 s (005-externalstep)",
    .conf = SERVER1,
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .ext_step_at = 150.0, .ext_step = -100.0,
  },
  {
    .name = "era-2036",
    .about = "start 500 s before the NTP era rollover, 2036-02-07T06:28:16Z (008-ntpera)",
    .conf = SERVER1,
    .duration = 10000.0, .start = ERA_2036 - 500,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "fast-poll",
    .about = "minpoll 4 maxpoll 4 (101-poll)",
    .conf = SERVER(1, "minpoll 4 maxpoll 4"),
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "refclock-sock",
    .about = "a SOCK time-of-day refclock (NMEA-like, 100 ms normal jitter) alone, refid GPS "
             "(106-refclock's first test with 006-largejitter's 0.1 s: 0.5 s max, 0.1 s rms)",
    .conf = "refclock SOCK /var/run/stratum.ref0.sock refid GPS\n",
    .duration = 10000.0, .settle = 2000.0,
    .client_clock = CLIENT_CLOCK,
    .refclocks = {{.jitter = 0.1}},
  },
  {
    .name = "refclock-pps-lock",
    .about = "SOCK pulses (PPS-like, 1 us jitter) locked to a noselect SOCK NMEA refclock "
             "(100 ms jitter) (106-refclock's PPS lock NMEA: sync 45-70 s, stratum 1)",
    .conf = "refclock SOCK /var/run/stratum.ref0.sock refid NMEA noselect\n"
            "refclock SOCK /var/run/stratum.ref1.sock lock NMEA refid PPS\n",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK,
    .refclocks = {{.jitter = 0.1}, {.jitter = 1e-6, .pulse = true}},
  },
  {
    .name = "refclock-shm-fast",
    .about = "an SHM refclock with 1 us jitter written 4 times a second, dpoll -2 poll 2 "
             "(106-refclock's PHC poll 0: sync in 3 polls + 4 s, 100 / 10 jitters max / rms)",
    .conf = "refclock SHM 0 dpoll -2 poll 2\n",
    .duration = 2000.0,
    .client_clock = CLIENT_CLOCK,
    .refclocks = {{.rate = 4, .jitter = 1e-6}},
  },
  {
    .name = "refclock-phc",
    .about = "a PTP clock read 25 times per poll, 1 us per reading, 0.1 us jitter; stratum 3 "
             "delay 1e-3 (106-refclock's PHC: sync 45-70 s, stratum 4, root delay 1e-3)",
    .conf = "refclock PHC /dev/ptp0 stratum 3 delay 1e-3 refid GPS\n",
    .duration = 2000.0,
    .client_clock = CLIENT_CLOCK,
    .refclocks = {{.jitter = 1e-7}},
  },
  {
    .name = "refclock-pps",
    .about = "a PPS device (1 us jitter) locked to a noselect SHM NMEA clock 0.35 s late with "
             "50 ms jitter (106-refclock's PPS: sync, stratum 1, 610-740 of 1000 pulses taken)",
    .conf = "refclock SHM 0 refid NMEA noselect\nrefclock PPS /dev/pps1 lock NMEA\n",
    .duration = 2000.0,
    .client_clock = CLIENT_CLOCK,
    .refclocks = {{.dev_offset = -0.35, .jitter = 0.05}, {.jitter = 1e-6}},
  },
  {
    .name = "refclock-phc-bursts",
    .about = "a PTP clock read without cross timestamps at poll 0 (1e-9 jitter), its readings' "
             "delays jittered by 1 us for 8 of every 500 reads (106-refclock's PHC jitter "
             "bursts: sync 5-7 s, 1e-7 s max, 1e-8 s rms)",
    .conf = "refclock PHC /dev/ptp0:nocrossts poll 0\n",
    .duration = 1000.0, .sync_threshold = 1e-7,
    .client_clock = CLIENT_CLOCK,
    .refclocks = {{.jitter = 1e-9, .delay_jitter = 1e-6, .jitter_on = 2 * 25 * 8,
                   .jitter_off = 2 * 25 * 492}},
  },
  {
    .name = "refclock-phc-extpps",
    .about = "a PTP clock 0.3 s off and 30 ppm fast stamping pulses (extpps, 0.1 us jitter), "
             "locked to a noselect SHM NMEA clock 0.35 s late with 50 ms jitter",
    .conf = "refclock SHM 0 refid NMEA noselect\n"
            "refclock PHC /dev/ptp1:extpps lock NMEA refid PPS\n",
    .duration = 2000.0,
    .client_clock = CLIENT_CLOCK,
    .refclocks = {{.dev_offset = -0.35, .jitter = 0.05},
                  {.dev_offset = 0.3, .dev_freq = 30.0, .jitter = 1e-7}},
  },
  {
    .name = "refclock-local",
    .about = "106-refclock's PHC local: frequency a 100 ppm sine of 1000 s, one server at poll "
             "4 until 5000 s, a PTP clock 0.399 s off and 1000 ppm fast but stable (1 us "
             "jitter) as the local standard at poll 2, never selected",
    .conf = SERVER(1, "minpoll 4 maxpoll 4 filter 5 minsamples 64")
            "refclock PHC /dev/ptp0 local poll 2\n",
    .duration = 10000.0,
    .client_clock = {.sine_amp = 100.0, .sine_period = 1000.0},
    .n_servers = 1, .up = LAN, .down = LAN,
    .outage_period = 20000.0, .outage_open = 5000.0,
    .refclocks = {{.dev_offset = 0.399, .dev_freq = 1000.0, .jitter = 1e-6}},
  },
  {
    .name = "refclock-local-off",
    .about = "refclock-local without its PTP clock",
    .conf = SERVER(1, "minpoll 4 maxpoll 4 filter 5 minsamples 64"),
    .duration = 10000.0,
    .client_clock = {.sine_amp = 100.0, .sine_period = 1000.0},
    .n_servers = 1, .up = LAN, .down = LAN,
    .outage_period = 20000.0, .outage_open = 5000.0,
  },
  {
    .name = "refclock-rtc",
    .about = "an RTC's update interrupts (1 us jitter), stratum 3 delay 1e-3, client 0.1 s "
             "off, no frequency error nor wander (106-refclock's RTC: stratum 4)",
    .conf = "refclock RTC /dev/rtc0 stratum 3 delay 1e-3 refid GPS\n",
    .duration = 2000.0,
    .client_clock = {.offset = 0.1},
    .refclocks = {{.jitter = 1e-6}},
  },
  {
    .name = "refclock-servers",
    .about = "a SOCK refclock (106-refclock's 100 us jitter: sync 45-70 s, 1 ms max, 0.3 ms "
             "rms) with 2 NTP servers at minpoll 4 maxpoll 4: stratum 0 beats stratum 1",
    .conf = SERVER(1, "minpoll 4 maxpoll 4") SERVER(2, "minpoll 4 maxpoll 4")
            "refclock SOCK /var/run/stratum.ref0.sock refid GPS\n",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 2, .up = LAN, .down = LAN,
    .refclocks = {{.jitter = 100e-6}},
  },
  {
    .name = "refclock-stall",
    .about = "refclock-servers with 1 server, the refclock's device stalls at 5000 s: its "
             "reach falls, the server takes over once the refclock is stale (chrony's rule)",
    .conf = SERVER(1, "minpoll 4 maxpoll 4")
            "refclock SOCK /var/run/stratum.ref0.sock refid GPS\n",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .refclocks = {{.jitter = 100e-6, .stall_at = 5000.0}},
  },
  LEAP_SCENARIO("leap-insert-system", "leap second inserted, leapsecmode system (113-leapsecond)",
                1, "system"),
  LEAP_SCENARIO("leap-insert-step", "leap second inserted, leapsecmode step (113-leapsecond)",
                1, "step"),
  LEAP_SCENARIO("leap-insert-slew", "leap second inserted, leapsecmode slew (113-leapsecond)",
                1, "slew"),
  LEAP_SCENARIO("leap-insert-ignore", "leap second inserted, leapsecmode ignore",
                1, "ignore"),
  LEAP_SCENARIO("leap-delete-system", "leap second deleted, leapsecmode system (113-leapsecond)",
                -1, "system"),
  LEAP_SCENARIO("leap-delete-step", "leap second deleted, leapsecmode step (113-leapsecond)",
                -1, "step"),
  LEAP_SCENARIO("leap-delete-slew", "leap second deleted, leapsecmode slew (113-leapsecond)",
                -1, "slew"),
  LEAP_SCENARIO("leap-delete-ignore", "leap second deleted, leapsecmode ignore",
                -1, "ignore"),
  {
    .name = "leap-smear", .about = "a client of a server smoothing all its corrections "
                                   "across an inserted leap second (113-leapsecond, smoothtime)",
    .conf = "server " SCENARIO_SMEAR_ADDR " minpoll 6 maxpoll 10\n", .smear_conf = SMEAR_CONF(""),
    .duration = 4.0 * DAY, .start = DEC_30_2008, .client_clock = CLIENT_CLOCK, .n_servers = 1,
    .up = LAN, .down = LAN, .leap = 1,
  },
  {
    .name = "leap-smear-leaponly", .about = "a client of a server smearing an inserted leap "
                                            "second (113-leapsecond, smoothtime leaponly)",
    .conf = "server " SCENARIO_SMEAR_ADDR " minpoll 6 maxpoll 10\n", .smear_conf = SMEAR_CONF(" leaponly"),
    .duration = 4.0 * DAY, .start = DEC_30_2008, .client_clock = CLIENT_CLOCK, .n_servers = 1,
    .up = LAN, .down = LAN, .leap = 1,
  },
  {
    .name = "fuzzed-server",
    .about = "defaults, the server's stamps fuzzed below its precision as chronyd's (001)",
    .conf = SERVER1,
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, .server_fuzz = true,
  },
  {
    .name = "poll-1",
    .about = "minpoll 1 maxpoll 1, makestep 1e-2 1, 1 us jitter, no wander (101-poll)",
    .conf = SERVER(1, "minpoll 1 maxpoll 1") "makestep 1e-2 1\n",
    .duration = 20.0, .sync_threshold = 1e-5, .late_from = 10.0,
    .client_clock = STILL_CLOCK(0.1), .n_servers = 1, .up = JITTER(1e-6), .down = JITTER(1e-6),
  },
  {
    .name = "makestep-1e8",
    .about = "client 1e8 s ahead, makestep 2 1, 10 us jitter, no wander (109-makestep)",
    .conf = SERVER1 "makestep 2 1\n",
    .duration = 200.0, .late_from = 150.0,
    .client_clock = STILL_CLOCK(1e8), .n_servers = 1, .up = JITTER(1e-5), .down = JITTER(1e-5),
  },
  {
    .name = "makestep-minus-1e8",
    .about = "client 1e8 s behind, makestep 2 1, 10 us jitter, no wander (109-makestep)",
    .conf = SERVER1 "makestep 2 1\n",
    .duration = 200.0, .late_from = 150.0,
    .client_clock = STILL_CLOCK(-1e8), .n_servers = 1, .up = JITTER(1e-5),
    .down = JITTER(1e-5),
  },
  {
    .name = "makestep-1",
    .about = "client 1 s ahead, makestep 2 1, 10 us jitter, no wander (109-makestep)",
    .conf = SERVER1 "makestep 2 1\n",
    .duration = 200.0, .late_from = 150.0,
    .client_clock = STILL_CLOCK(1.0), .n_servers = 1, .up = JITTER(1e-5), .down = JITTER(1e-5),
  },
  {
    .name = "ratelimit",
    .about = "minpoll 3 maxpoll 3, server ratelimit interval 6 burst 2 leak 4 (135-ratelimit)",
    .conf = SERVER(1, "minpoll 3 maxpoll 3"),
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .server_ratelimit = {.enabled = true, .interval = 6, .burst = 2, .leak = 4},
  },
  {
    .name = "ratelimit-kod",
    .about = "as ratelimit, with kod 2: KoD RATE slows the client (135-ratelimit)",
    .conf = SERVER(1, "minpoll 3 maxpoll 3"),
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .server_ratelimit = {.enabled = true, .interval = 6, .burst = 2, .leak = 4, .kod = 2},
  },
  {
    .name = "fallbackdrift",
    .about = "frequency a 100 ppm sine of 1000 s, the server lost at 4250 s for the rest of "
             "1e5 s: fallbackdrift 6 10 (117-fallbackdrift)",
    .conf = SERVER(1, "minpoll 4 maxpoll 4") "fallbackdrift 6 10\n",
    .duration = 100000.0, .settle = 300.0, .sync_threshold = 1.0,
    .client_clock = {.offset = 10.0, .sine_amp = 100.0, .sine_period = 1000.0},
    .n_servers = 1, .up = JITTER0(1e-6), .down = JITTER0(1e-6),
    .outage_period = 100000.0, .outage_open = 4250.0,
  },
  {
    .name = "manual",
    .about = "no server, manual: settime each hour from 1:00 (the clock 0.1 s and 100 ppm "
             "fast), delete, list, reset (143-manual)",
    .conf = "manual\n",
    .duration = 12.0 * 3600, .start = JAN_1_2010, .sync_threshold = 4e-3,
    .client_clock = CLIENT_CLOCK, .n_servers = 0,
    .commands = {{3600, SCENARIO_SETTIME, 3600}, {7200, SCENARIO_SETTIME, 7200},
                 {10800, SCENARIO_SETTIME, 10800}, {14400, SCENARIO_SETTIME, 14400},
                 {18000, SCENARIO_MANUAL_DELETE, 2}, {21600, SCENARIO_SETTIME, 21600},
                 {25200, SCENARIO_MANUAL_LIST, 0}, {28800, SCENARIO_SETTIME, 28800},
                 {32400, SCENARIO_MANUAL_RESET, 0}, {36000, SCENARIO_SETTIME, 36000},
                 {39600, SCENARIO_MANUAL_LIST, 0}},
    .n_commands = 11,
  },
  {
    .name = "rtcfile",
    .about = "the RTC 10 s slow at the start, gaining 100 ppm, tracked with rtcfile for 9900 s "
             "(145-rtc's first run; chronyc rtcdata's figures)",
    .conf = SERVER1 "rtcfile /var/lib/chrony/rtc\nrtconutc\n",
    .duration = 9900.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .rtc_freq = 100.0, .rtc_error = -10.0,
  },
  {
    .name = "maxdelayquant",
    .about = "minpoll 2 maxpoll 2 maxdelayquant 0.1 on 10 us + 10 us jitter, the frequency "
             "drifting 1e-4 ppm/s, no wander (118-maxdelay's quantile run)",
    .conf = SERVER(1, "minpoll 2 maxpoll 2 maxdelayquant 0.1"),
    .duration = 10000.0,
    .client_clock = DRIFTING_CLOCK, .n_servers = 1, .up = TINY_LAN, .down = TINY_LAN,
  },
  {
    .name = "copy",
    .about = "defaults with copy: the server's stratum and refid are ours (141-copy)",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 copy"),
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  MINDELAY("mindelay", "mindelay 2e-4 asymmetry 0.499 with the jitter almost all on replies "
           "(123-mindelay)", "mindelay 2e-4 asymmetry 0.499"),
  MINDELAY("mindelay-too-low", "as mindelay with mindelay 1e-4: the correction misses "
           "(123-mindelay: no sync)", "mindelay 1e-4 asymmetry 0.499"),
  MINDELAY("mindelay-no-asymmetry", "as mindelay with asymmetry 0.0: no correction "
           "(123-mindelay: no sync)", "mindelay 2e-4 asymmetry 0.0"),
  FREQACC_DRIFTS(-5e4), FREQACC_DRIFTS(-500), FREQACC_DRIFTS(500), FREQACC_DRIFTS(5e4),
  LARGEFREQ(-5e4), LARGEFREQ(-5e3), LARGEFREQ(5e3), LARGEFREQ(5e4),
  {
    .name = "filter",
    .about = "minpoll 4 maxpoll 4 filter 15 maxdelay 3.5e-4: over half the replies too "
             "slow (127-filter)",
    .conf = SERVER(1, "minpoll 4 maxpoll 4 filter 15 maxdelay 3.5e-4"),
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "filter-loss",
    .about = "minpoll 4 maxpoll 4 filter 3, 30 % of datagrams lost each way (127-filter)",
    .conf = SERVER(1, "minpoll 4 maxpoll 4 filter 3"),
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 100e-6, .loss = 0.3},
    .down = {.delay = 100e-6, .jitter = 100e-6, .loss = 0.3},
  },
  {
    .name = "burst",
    .about = "burst polltarget 1, only every fourth request gets through (126-burst)",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 burst polltarget 1"),
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 100e-6, .jitter_kind = SIM_JITTER_EXP, .pass_every = 4},
    .down = LAN,
  },
  /* chronysim: chrony 4.8's test/simulation tests with no scenario before,
   * with their network, clock and configuration. */
  {
    .name = "prefer",
    .about = "3 servers, the third with prefer (202-prefer)",
    .conf = SERVER1 SERVER(2, "minpoll 6 maxpoll 10") SERVER(3, "minpoll 6 maxpoll 10 prefer"),
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 3, .up = LAN, .down = LAN,
  },
  {
    .name = "minsources-1",
    .about = "minsources 3 with 1 server: never selected, never synchronised (116-minsources)",
    .conf = SERVER1 "minsources 3\n",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "minsources-3",
    .about = "minsources 3 with 3 servers (116-minsources)",
    .conf = SERVER1 SERVER(2, "minpoll 6 maxpoll 10") SERVER(3, "minpoll 6 maxpoll 10")
            "minsources 3\n",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 3, .up = LAN, .down = LAN,
  },
  SELECT_OPTIONS("select-trust", "the third of 3 servers trusted, the others 1 s and 2 s "
                 "wrong, 0.6 s away: it wins (120-selectoptions)", "", "trust", 0.6, 2),
  SELECT_OPTIONS("select-prefer", "the third of 3 servers preferred, the others 1 s and 2 s "
                 "wrong, 0.6 s away: the first selected, never synchronised "
                 "(120-selectoptions)", "", "prefer", 0.6, 2),
  SELECT_OPTIONS("select-prefer-far", "as select-prefer 1.1 s away: the intervals all meet, "
                 "the preferred one is synchronised to (120-selectoptions)", "", "prefer",
                 1.1, 2),
  SELECT_OPTIONS("select-require", "the third of 3 servers required, the first 1 s wrong "
                 "(120-selectoptions)", "", "require", 1e-3, 1),
  SELECT_OPTIONS("select-require-false", "the first of 3 servers, 1 s wrong, required: "
                 "nothing selected (120-selectoptions)", "require", "", 1e-3, 1),
  {
    .name = "presend",
    .about = "presend 6 maxdelay 16, maxdistance 10 (114-presend), 9900 s",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 presend 6 maxdelay 16") "maxdistance 10\n",
    .duration = 9900.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "presend-far",
    .about = "presend with a server 5 s away each way (114-presend, base_delay 5)",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 presend 6 maxdelay 16") "maxdistance 10\n",
    .duration = 9900.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = DELAY(5.0), .down = DELAY(5.0),
  },
  {
    .name = "maxdelay",
    .about = "maxpoll 6 maxdelay 3e-5 maxdelayratio 2 maxdelaydevratio 2, 10 us delay and "
             "jitter, no wander, frequency drifting 1e-4 ppm/s (118-maxdelay)",
    .conf = SERVER(1, "maxpoll 6 maxdelay 3e-5 maxdelayratio 2.0 maxdelaydevratio 2.0"),
    .duration = 10000.0,
    .client_clock = DRIFTING_CLOCK, .n_servers = 1, .up = TINY_LAN, .down = TINY_LAN,
  },
  {
    .name = "maxdelay-short",
    .about = "as maxdelay with maxdelay 2e-5, below every round trip: never synchronised "
             "(118-maxdelay)",
    .conf = SERVER(1, "maxpoll 6 maxdelay 2e-5"),
    .duration = 10000.0,
    .client_clock = DRIFTING_CLOCK, .n_servers = 1, .up = TINY_LAN, .down = TINY_LAN,
  },
  {
    .name = "logchange",
    .about = "client 2 s off, stepped 1 s behind its back at 300 s, maxsamples 6, logchange "
             "0.1: 3-8 warnings (132-logchange)",
    .conf = SERVER(1, "minpoll 6 maxpoll 10 maxsamples 6") "logchange 0.1\n",
    .duration = 10000.0,
    .client_clock = {.offset = 2.0, .freq = 100.0, .wander = 1e-3},
    .n_servers = 1, .up = LAN, .down = LAN, .ext_step_at = 300.0, .ext_step = 1.0,
  },
  {
    .name = "maxchange",
    .about = "client 2 s off, stepped 1 s behind its back at 300 s, maxchange 0.1 1 3: 3 "
             "offsets ignored, then chronyd exits (131-maxchange)",
    .conf = SERVER1 "maxchange 0.1 1 3\n",
    .duration = 10000.0,
    .client_clock = {.offset = 2.0, .freq = 100.0, .wander = 1e-3},
    .n_servers = 1, .up = LAN, .down = LAN, .ext_step_at = 300.0, .ext_step = 1.0,
  },
  MAXUNREACH("maxunreach-none", "", "server 1 lost at 2000 s, server 2 0.5 s farther each way, "
             "minsamples 64: server 1 stays selected (150-maxunreach)"),
  MAXUNREACH("maxunreach-10", " maxunreach 10", "as maxunreach-none with maxunreach 10: "
             "server 2 selected from 00:52 (150-maxunreach)"),
  {
    .name = "xleave-noclientlog",
    .about = "xleave with a server keeping no client log: basic replies only (122-xleave)",
    .conf = SERVER(1, "xleave"),
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, .measurements = true,
  },
  {
    .name = "xleave",
    .about = "xleave with a server keeping a client log: 2 basic samples, then interleaved "
             "(122-xleave)",
    .conf = SERVER(1, "xleave"),
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .server_xleave = true, .measurements = true,
  },
  {
    .name = "presend-10s",
    .about = "presend 5, 10 s: the presend's reply fails test A, the next is a sample "
             "(114-presend)",
    .conf = SERVER(1, "presend 5"),
    .duration = 10.0, .late_from = 5.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .server_xleave = true, .measurements = true,
  },
  {
    .name = "presend-xleave-10s",
    .about = "presend 5 xleave, 10 s: two replies fail test A, one is a sample (114-presend)",
    .conf = SERVER(1, "presend 5 xleave"),
    .duration = 10.0, .late_from = 5.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .server_xleave = true, .measurements = true,
  },
  {
    .name = "smoothtime",
    .about = "a client of a stratum-2 server (its clock 100 ppm fast, on time) polling at "
             "minpoll 8 with smoothtime 400 0.001 (119-smoothtime's first run)",
    .conf = "server " SCENARIO_SMEAR_ADDR "\n",
    .smear_conf = SERVER(1, "minpoll 8") "smoothtime 400 0.001\n",
    .smear_clock = &(const struct sim_clock_params){.freq = 100.0, .wander = 1e-3},
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
  },
  {
    .name = "ipv6",
    .about = "defaults over IPv6, the server fc00::123:1 (015-ipv6)",
    .conf = "server " SERVER6_NET "1\n",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN, .ipv6 = true,
  },
  {
    .name = "nocontrol",
    .about = "stratumd -x (chronyd -x), the clock on time, no frequency error nor wander: "
             "never touched (128-nocontrol)",
    .conf = "server " SERVER_NET "1\n",
    .duration = 10000.0,
    .client_clock = {0}, .n_servers = 1, .up = LAN, .down = LAN, .no_control = true,
  },
  {
    .name = "nocontrol-step",
    .about = "as nocontrol with makestep 0.01 -1 and the server's offset option 5.0005: "
             "every step fails, 'Could not step' 20-60 times (128-nocontrol)",
    .conf = "server " SERVER_NET "1 offset 5.0005\nmakestep 0.01 -1\n",
    .duration = 10000.0,
    .client_clock = {0}, .n_servers = 1, .up = LAN, .down = LAN, .no_control = true,
  },
  {
    .name = "pool",
    .about = "a pool of 3 servers, 500 s: each measured 5-10 times (137-pool)",
    .conf = "pool nodes-1-2-3.net1.clk\n",
    .duration = 500.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 3, .up = LAN, .down = LAN,
    .names = {{"nodes-1-2-3.net1.clk", {1, 2, 3}}},
  },
  {
    .name = "pool-6",
    .about = "a pool of 6 servers at minpoll 6 maxpoll 6, 500 s: 4 of them used, 30-35 "
             "measurements (137-pool)",
    .conf = "pool nodes-1-2-3-4-5-6.net1.clk minpoll 6 maxpoll 6\n",
    .duration = 500.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 6, .up = LAN, .down = LAN,
    .names = {{"nodes-1-2-3-4-5-6.net1.clk", {1, 2, 3, 4, 5, 6}}},
  },
  {
    .name = "pool-6-maxsources-2",
    .about = "as pool-6 with maxsources 2: 15-17 measurements (137-pool)",
    .conf = "pool nodes-1-2-3-4-5-6.net1.clk maxsources 2 minpoll 6 maxpoll 6\n",
    .duration = 500.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 6, .up = LAN, .down = LAN,
    .names = {{"nodes-1-2-3-4-5-6.net1.clk", {1, 2, 3, 4, 5, 6}}},
  },
  INITSTEPSLEW("initstepslew-minus-2", -2.0),
  INITSTEPSLEW("initstepslew-minus-0.2", -0.2),
  INITSTEPSLEW("initstepslew-0.2", 0.2),
  INITSTEPSLEW("initstepslew-2", 2.0),
  INITSTEPSLEW("initstepslew-minus-1e8", -1e8),
  INITSTEPSLEW("initstepslew-minus-1e2", -1e2),
  INITSTEPSLEW("initstepslew-1e2", 1e2),
  INITSTEPSLEW("initstepslew-1e8", 1e8),
  {
    .name = "initstepslew-falseticker",
    .about = "initstepslew 5 from 2 servers, the first 1 s wrong, then server 2; client 3 s "
             "off: no suitable source, slewed by server 2 (103-initstepslew)",
    .conf = INITSTEPSLEW_2 SERVER(2, ""),
    .duration = 500.0,
    .client_clock = {.offset = 3.0}, .n_servers = 2, .server_offset = {1.0},
    .up = LAN, .down = LAN,
  },
  {
    .name = "initstepslew-deny",
    .about = "as initstepslew-falseticker with servers that answer nothing (deny): no "
             "suitable source at once, never synchronised (103-initstepslew)",
    .conf = INITSTEPSLEW_2 SERVER(2, ""),
    .duration = 500.0,
    .client_clock = {.offset = 3.0}, .n_servers = 2, .server_offset = {1.0},
    .up = LAN, .down = {.delay = 100e-6, .jitter = 100e-6, .loss = 1.0},
  },
};

#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

size_t scenario_count(void)
{
  return N_SCENARIOS;
}

const struct scenario *scenario_get(size_t i)
{
  return i < N_SCENARIOS ? &scenarios[i] : NULL;
}

const struct scenario *scenario_find(const char *name)
{
  for (size_t i = 0; i < N_SCENARIOS; i++)
    if (strcmp(scenarios[i].name, name) == 0)
      return &scenarios[i];
  return NULL;
}

/* ------------------------------------------------------------------ runner */

/* Reads the client's selection once a second, from the start to the end. */
struct observer {
  struct sim_sched *sched;
  sim_time next;
  const struct client *client;
  const struct ip_addr *falsetickers;
  unsigned n_falsetickers;
  int last_selected;
  struct scenario_result *out;
  bool trace;                      /* keep every sample's selection */
  int *selections;
  size_t n_selections, cap_selections;
};

static void keep_selection(struct observer *o, int sel)
{
  if (o->n_selections == o->cap_selections) {
    size_t cap = o->cap_selections ? o->cap_selections * 2 : 1024;
    int *p = realloc(o->selections, cap * sizeof(*p));
    if (!p) {
      o->trace = false;
      return;
    }
    o->selections = p;
    o->cap_selections = cap;
  }
  o->selections[o->n_selections++] = sel;
}

static void observe(void *arg)
{
  struct observer *o = arg;
  struct scenario_result *r = o->out;
  int sel = client_selected(o->client);
  if (o->trace)
    keep_selection(o, sel);
  if (sel != o->last_selected) {
    if (sel >= 0 || o->last_selected >= 0)
      r->selection_changes++;
    o->last_selected = sel;
  }
  if (sel >= 0) {
    struct ip_addr addr;
    r->selected_seconds++;
    if (isinf(r->first_selected))
      r->first_selected = sim_sched_elapsed(o->sched);
    if (client_source_address(o->client, (unsigned)sel, &addr))
      for (unsigned i = 0; i < o->n_falsetickers; i++)
        if (addr_equal(&addr, &o->falsetickers[i]))
          r->falseticker_selected = true;
  }
  o->next += sim_ns(SAMPLE_INTERVAL);
  sim_sched_add(o->sched, o->next, observe, o, o);
}

struct ext_step {
  struct sim_platform *host;
  double seconds;
};

static void do_stall(void *arg)
{
  sim_refclock_set_stalled(arg, true);
}

/* Refclock i: its device on the client's host, and its source with the
 * parameters of its line. */
static bool add_refclock(struct sim_world *w, struct sim_platform *chost, struct client *client,
                         const struct rcl_params *p, const struct scenario_refclock *sr,
                         unsigned i, uint64_t seed, struct sim_refclock **dev)
{
  struct sim_refclock_config dc = {
    .driver = p->driver, .param = p->param, .rate = sr->rate, .offset = sr->dev_offset,
    .jitter = sr->jitter, .jitter_kind = sr->jitter_kind, .pulse = sr->pulse,
    .freq = sr->dev_freq, .delay_jitter = sr->delay_jitter, .jitter_on = sr->jitter_on,
    .jitter_off = sr->jitter_off, .extts = p->option & PLAT_PHC_EXTPPS, .channel = p->channel,
    .seed = sim_rng_derive(seed, SCENARIO_REFCLOCK_STREAM + i),
  };
  *dev = sim_refclock_new(sim_world_sched(w), chost, &dc);
  if (!*dev || (sr->stall_at > 0.0 && !sim_world_at(w, sr->stall_at, do_stall, *dev)))
    return false;
  return client_add_refclock(client, p) >= 0;
}

static void report_refclock(const struct client *client, unsigned k,
                            const struct sim_refclock *dev, struct scenario_source *src)
{
  const struct rcl *r = client_refclock(client, k);
  src->refclock = true;
  if (!r)
    return;
  rcl_refid_text(r->p.refid, src->name);
  src->bad_message = r->counters[RCL_BAD_MESSAGE];
  src->bad_sample = r->counters[RCL_BAD_SAMPLE];
  src->bad_pulse = r->counters[RCL_BAD_PULSE];
  src->read_errors = r->counters[RCL_READ_ERRORS];
  src->written = sim_refclock_written(dev);
}

/* One of the client's measurements (log measurements), counted. */
static void on_measurement(void *arg, const struct client_log_measurement *m)
{
  struct scenario_result *out = ((struct observer *)arg)->out;
  for (int i = CLIENT_TEST_1; i < CLIENT_N_TESTS; i++)
    if (!m->test[i] && i != CLIENT_TEST_A)
      return;
  out->measurements[m->interleaved][!m->test[CLIENT_TEST_A]]++;
}

/* The client's maxchange gave up (the observer is set before it runs). */
static void on_give_up(void *arg)
{
  struct observer *o = arg;
  if (!o->out->give_ups++)
    o->out->gave_up_at = sim_sched_elapsed(o->sched);
}

static void do_external_step(void *arg)
{
  struct ext_step *e = arg;
  sim_platform_external_step(e->host, e->seconds);
}

/* Seconds from `start` to the end of the first leap second day after it:
 * the instant UTC repeats a second (or, one second earlier, skips one). */
static double leap_elapsed(time_t start, int leap)
{
  time_t midnight = start - start % DAY + DAY;
  while (!ref_leap_day(midnight - 1))
    midnight += DAY;
  return (double)(midnight - start) - (leap < 0 ? 1.0 : 0.0);
}

/* UTC's leap second: the servers' clocks follow it, the client's offset
 * is measured from it. */
struct utc_leap {
  struct sim_platform **servers;
  unsigned n_servers;
  struct sim_metrics *metrics;
  int leap;
};

static void do_utc_leap(void *arg)
{
  struct utc_leap *u = arg;
  for (unsigned i = 0; i < u->n_servers; i++)
    sim_platform_external_step(u->servers[i], -(double)u->leap);
  sim_metrics_shift_utc(u->metrics, -(double)u->leap);
}

/* The server, pool and peer lines of c as the client's sources, through
 * the source list as stratumd adds them. */
static struct srclist *add_sources(const struct platform *plat, struct client *client,
                                   const struct config *c)
{
  struct srclist *l = srclist_new(plat, client, ADDR_UNSPEC);
  if (!l)
    return NULL;
  srclist_set_refresh(l, c->refresh);
  for (unsigned i = 0; i < c->n_sources; i++) {
    struct srclist_source src;
    conf_srclist_source(&c->sources[i], &src);
    if (srclist_add(l, &src) != SRCLIST_OK) {
      srclist_free(l);
      return NULL;
    }
  }
  return l;
}

/* The configured sources, added now or once initstepslew is done. */
struct late_sources {
  const struct platform *plat;
  struct client *client;
  const struct config *conf;
  struct srclist *list;
  struct observer *obs;
};

static void start_sources(void *arg)
{
  struct late_sources *l = arg;
  if (l->obs)
    l->obs->out->initslew_done_at = sim_sched_elapsed(l->obs->sched) - INITSLEW_END_DELAY;
  l->list = add_sources(l->plat, l->client, l->conf);
}

/* initstepslew's hosts: addresses, as the scenarios give them. */
static unsigned initslew_hosts(const struct config *c, struct initslew_host *hosts)
{
  unsigned n = 0;
  for (unsigned i = 0; c->initstepslew && i < c->initstepslew_hosts.n && n < INITSLEW_MAX_HOSTS;
       i++)
    if (addr_parse(c->initstepslew_hosts.v[i], &hosts[n].addr))
      hosts[n++].name = c->initstepslew_hosts.v[i];
  return n;
}

/* The smearing server: the real client core and responder on a host. */
struct smearer {
  struct sim_platform *host;
  struct refstate ref;
  struct ntp_server srv;
  bool srv_ready;
  struct client *client;
  struct srclist *sources;
  int sock;
};

static bool smearer_start(struct smearer *m, struct sim_world *w, const struct config *c,
                          const struct sim_clock_params *own_clock)
{
  static const struct ip_subnet everyone;
  const struct sim_clock_params clock = CLIENT_CLOCK;
  struct client_params p;
  m->sock = -1;
  if (!(m->host = sim_world_add_host(w, "smear", SCENARIO_SMEAR_ADDR,
                                     own_clock ? own_clock : &clock)))
    return false;
  const struct platform *plat = sim_platform_get(m->host);
  struct timespec now;
  plat->ops->now(plat->ctx, &now);
  conf_reference(c, CLIENT_PRECISION, &now, &m->ref);
  srv_init(&m->srv, plat, &m->ref);
  m->srv_ready = true;
  if (!access_add(&m->srv.access, &everyone, true, false))
    return false;
  m->sock = plat->ops->udp_open(plat->ctx, ADDR_INET4, NULL, NTP_PORT, srv_receive, &m->srv);
  conf_client_params(c, true, &p);
  if (m->sock < 0 || !(m->client = client_new(plat, &p, &m->ref)) ||
      !(m->sources = add_sources(plat, m->client, c)))
    return false;
  client_start(m->client);
  return true;
}

static void smearer_free(struct smearer *m)
{
  if (!m->host)
    return;                        /* none, or its host could not be made */
  srclist_free(m->sources);
  client_free(m->client);
  if (m->sock >= 0) {
    const struct platform *plat = sim_platform_get(m->host);
    plat->ops->udp_close(plat->ctx, m->sock);
  }
  if (m->srv_ready)
    srv_free(&m->srv);
}

static double cpu_now(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
    return 0.0;
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Both directions between the client and a server, and the outages. */
static int wire_paths(struct sim_world *w, const struct scenario *s, struct sim_platform *client,
                      struct sim_platform *server)
{
  struct sim_net *net = sim_world_net(w);
  int c = sim_platform_node(client), v = sim_platform_node(server);
  int r = sim_net_set_link(net, c, v, &s->up);
  if (r == 0)
    r = sim_net_set_link(net, v, c, &s->down);
  if (r == 0 && s->outage_period > 0.0)
    for (double t = 0.0; r == 0 && t < s->duration; t += s->outage_period)
      r = sim_world_add_outage(w, client, server, t + s->outage_open, t + s->outage_period);
  return r;
}

/* Server i's own delay and loss, over what wire_paths set. */
static int wire_own_paths(struct sim_world *w, const struct scenario *s, unsigned i,
                          struct sim_platform *client, struct sim_platform *server)
{
  struct sim_net *net = sim_world_net(w);
  int c = sim_platform_node(client), v = sim_platform_node(server);
  int r = 0;
  if (s->server_delay[i] != 0.0) {
    struct sim_link_params up = s->up, down = s->down;
    up.delay += s->server_delay[i];
    down.delay += s->server_delay[i];
    r = sim_net_set_link(net, c, v, &up);
    if (r == 0)
      r = sim_net_set_link(net, v, c, &down);
  }
  if (r == 0 && s->server_lost_at[i] > 0.0)
    r = sim_world_add_outage(w, client, server, s->server_lost_at[i], s->duration);
  return r;
}

/* The scenario's names, each with its servers' addresses. */
static int set_names(struct sim_world *w, const struct scenario *s,
                     const struct ip_addr addrs[SCENARIO_MAX_SERVERS])
{
  for (unsigned i = 0; i < SCENARIO_MAX_NAMES && s->names[i].name; i++) {
    struct ip_addr list[SCENARIO_MAX_SERVERS];
    int n = 0;
    for (; n < SCENARIO_MAX_SERVERS && s->names[i].servers[n]; n++) {
      unsigned k = s->names[i].servers[n];
      if (k > s->n_servers)
        return -EINVAL;
      list[n] = addrs[k - 1];
    }
    int r = sim_names_set(sim_world_names(w), s->names[i].name, list, n, 0.0, NULL);
    if (r != 0)
      return r;
  }
  return 0;
}

static void server_addr(const struct scenario *s, unsigned i, char buf[ADDR_STR_LEN])
{
  if (s->ipv6)
    snprintf(buf, ADDR_STR_LEN, SERVER6_ADDR_FMT, i + 1);
  else
    snprintf(buf, ADDR_STR_LEN, SERVER_ADDR_FMT, i + 1);
}

static void write_trace(FILE *f, const struct scenario *s, const struct sim_metrics *m,
                        const struct observer *o)
{
  size_t n;
  const struct sim_metrics_sample *smp = sim_metrics_samples(m, &n);
  fprintf(f, "# %s: elapsed_s offset_s freq_error_ppm selected\n", s->name);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%.0f %.9g %.9g %d\n", smp[i].t, smp[i].offset, smp[i].freq_error,
            o->trace && i < o->n_selections ? o->selections[i] : -1);
}

bool scenario_parse_conf(const char *name, const char *text, struct config *c, FILE *err)
{
  struct conf_diag d = {0};
  conf_init(c);
  conf_parse_text(c, text, strlen(text), name, &d);
  for (unsigned i = 0; i < d.n; i++)
    fprintf(err, "%s\n", d.items[i].text);
  bool ok = d.n_errors == 0;
  conf_diag_free(&d);
  if (!ok)
    conf_free(c);
  return ok;
}

/* The client's configuration (and the smearing server's, if any) and its
 * refclock lines as the core takes them. False, with what is wrong on
 * stderr, when they cannot make this scenario; nothing is left to free. */
static bool read_confs(const struct scenario *s, struct config *c, struct config *smear,
                       struct rcl_params rcl[SCENARIO_MAX_REFCLOCKS])
{
  char name[128], err[160];
  if (!scenario_parse_conf(s->name, s->conf, c, stderr))
    return false;
  snprintf(name, sizeof(name), "%s.smear", s->name);
  if (!s->smear_conf)
    conf_init(smear);
  else if (!scenario_parse_conf(name, s->smear_conf, smear, stderr)) {
    conf_free(c);
    return false;
  }
  bool ok = (c->n_sources + c->n_refclocks > 0 || c->manual || c->initstepslew) &&
            c->n_refclocks <= SCENARIO_MAX_REFCLOCKS;
  if (!ok)
    fprintf(stderr, "%s: %u server/pool/peer and %u refclock lines: at least one line "
            "(or manual or initstepslew) and at most %d refclocks\n", s->name, c->n_sources,
            c->n_refclocks, SCENARIO_MAX_REFCLOCKS);
  for (unsigned i = 0; ok && i < c->n_refclocks; i++)
    if (!(ok = conf_client_refclock(c, i, &rcl[i], err, sizeof(err))))
      fprintf(stderr, "%s (%s:%d)\n", err, c->refclocks[i].file, c->refclocks[i].line);
  if (!ok) {
    conf_free(c);
    conf_free(smear);
  }
  return ok;
}

/* The operator: chronyc's commands through the client's command server. */
struct operator {
  const struct scenario *s;
  struct cmdsrv srv;
  struct manual manual;
  time_t start;
  unsigned next;
  struct scenario_result *out;
};

static void operate(void *arg)
{
  struct operator *o = arg;
  const struct scenario_command *c = &o->s->commands[o->next];
  struct scenario_answer *a = &o->out->answers[o->next++];
  static const uint16_t codes[] = {[SCENARIO_SETTIME] = CMD_SETTIME,
                                   [SCENARIO_MANUAL_DELETE] = CMD_MANUAL_DELETE,
                                   [SCENARIO_MANUAL_RESET] = CMD_MANUAL,
                                   [SCENARIO_MANUAL_LIST] = CMD_MANUAL_LIST};
  struct cmd_request q = {.command = codes[c->cmd], .sequence = o->next};
  if (c->cmd == SCENARIO_SETTIME)
    q.data.time = (struct timespec){.tv_sec = o->start + (time_t)c->arg};
  else
    q.data.option = c->cmd == SCENARIO_MANUAL_RESET ? 2 : (int32_t)c->arg;
  uint8_t req[CMD_MAX_PACKET], rpy[CMD_MAX_PACKET];
  struct cmd_reply r;
  size_t n = cmd_build_request(&q, req, sizeof(req));
  n = n ? cmdsrv_process(&o->srv, req, n, true, rpy, sizeof(rpy)) : 0;
  if (!n || !cmd_parse_reply(rpy, n, &r)) {
    a->status = -1;
    return;
  }
  a->status = r.status;
  a->offset = r.data.manual_timestamp.offset;
  a->dfreq_ppm = r.data.manual_timestamp.dfreq_ppm;
  a->freq_ppm = r.data.manual_timestamp.new_afreq_ppm;
  if (c->cmd != SCENARIO_MANUAL_LIST)
    return;
  a->n_samples = r.data.manual_list.n_samples;
  for (unsigned i = 0; i < a->n_samples && i < CMD_MAX_MANUAL_SAMPLES; i++) {
    const struct cmd_rpy_manual_sample *x = &r.data.manual_list.samples[i];
    a->samples[i][0] = timespec_to_double(&x->when) - (double)o->start;
    a->samples[i][1] = x->slewed_offset;
    a->samples[i][2] = x->orig_offset;
    a->samples[i][3] = x->residual;
  }
}

static bool operator_start(struct operator *o, struct sim_world *w, struct sim_platform *chost,
                           struct client *client, struct refstate *ref, struct ntp_server *ntp,
                           const struct config *c, time_t start)
{
  cmdsrv_init(&o->srv, sim_platform_get(chost), ref, ntp);
  o->srv.client = client;
  manual_init(&o->manual, c->manual);
  o->start = start;
  if (!disc_add_listener(client_reference(client)->disc, manual_clock_changed, &o->manual))
    return false;
  o->srv.manual = &o->manual;
  /* Each arrives a network's delay after its time (chrony's 143-manual
   * sends them over clknetsim's network): the clock's slew then falls
   * between two of the metrics' samples, as there. */
  for (unsigned i = 0; i < o->s->n_commands; i++)
    if (!sim_world_at(w, o->s->commands[i].at + COMMAND_DELAY, operate, o))
      return false;
  return true;
}

/* rtcfile: the client's RTC device and the core's tracking of it (no
 * file: the coefficients stay in memory). */
static bool rtc_start(struct sim_world *w, struct sim_platform *chost, struct client *client,
                      const struct config *c, const struct scenario *s, uint64_t seed,
                      struct rtctrack *r)
{
  struct sim_refclock_config dev = {.driver = PLAT_REFCLOCK_RTC, .param = c->rtcdevice,
                                    .offset = RTC_LATENCY, .jitter = RTC_JITTER,
                                    .freq = s->rtc_freq, .rtc_error = s->rtc_error,
                                    .seed = sim_rng_derive(seed, SCENARIO_RTC_STREAM)};
  struct reference *ref = client_reference(client);
  struct rtct_params p = {.device = c->rtcdevice, .utc = c->rtconutc, .autotrim = c->rtcautotrim};
  return sim_refclock_new(sim_world_sched(w), chost, &dev) &&
         rtct_start(r, sim_platform_get(chost), ref->disc, ref->state, &p) &&
         disc_add_listener(ref->disc, rtct_clock_changed, r);
}

static void rtc_result(const struct rtctrack *r, time_t start, const struct scenario *s,
                       struct scenario_result *out)
{
  struct rtct_report rep;
  rtct_report(r, &rep);
  out->rtc = true;
  out->rtc_samples = rep.n_samples;
  out->rtc_ref_at = (double)(rep.ref_time - start);
  out->rtc_fast = rep.fast;
  out->rtc_gain_ppm = rep.gain_ppm;
  /* The RTC showed ref_time when true time was ref_time less its error. */
  double true_at = out->rtc_ref_at - s->rtc_error;
  out->rtc_true_fast = s->rtc_error + s->rtc_freq * 1e-6 * true_at;
}

int scenario_run(const struct scenario *s, uint64_t seed, const struct scenario_options *opt,
                 struct scenario_result *out)
{
  double cpu0 = cpu_now();
  struct timespec start = {.tv_sec = s->start ? s->start : SCENARIO_DEFAULT_START};
  struct sim_platform *hosts[SCENARIO_MAX_SERVERS] = {0};
  struct sim_server *servers[SCENARIO_MAX_SERVERS] = {0};
  struct sim_refclock *devs[SCENARIO_MAX_REFCLOCKS] = {0};
  struct ip_addr addrs[SCENARIO_MAX_SERVERS], falsetickers[SCENARIO_MAX_SERVERS];
  unsigned n_false = 0;
  struct sim_metrics *metrics = NULL;
  struct client *client = NULL;
  struct late_sources late = {0};
  struct initslew islew = {0};
  struct refstate ref;
  struct client_params params;
  struct config conf, smear_conf;
  struct rcl_params rcl[SCENARIO_MAX_REFCLOCKS];
  struct observer obs = {0};
  struct ext_step ext = {0};
  struct utc_leap utc_leap = {0};
  struct smearer smear = {0};
  struct rtctrack rtc = {0};
  struct operator op = {0};
  struct ntp_server ntp;
  bool have_ntp = false;
  int ret = -ENOMEM;

  memset(out, 0, sizeof(*out));
  out->seed = seed;
  out->sync_time = INFINITY;
  out->first_selected = INFINITY;
  out->gave_up_at = INFINITY;
  out->initslew_done_at = INFINITY;
  out->selected = -1;
  if (s->n_servers > SCENARIO_MAX_SERVERS || !read_confs(s, &conf, &smear_conf, rcl))
    return -EINVAL;
  out->n_refclocks = conf.n_refclocks;
  out->smear_leaponly = smear_conf.smoothtime_leaponly;

  struct sim_world *w = sim_world_new(seed, &start);
  if (!w) {
    conf_free(&conf);
    conf_free(&smear_conf);
    return -ENOMEM;
  }
  sim_world_set_verbose(w, opt && opt->verbose);
  struct sim_sched *sched = sim_world_sched(w);

  /* The client first (stream 1), then the servers in order. */
  struct sim_platform *chost = sim_world_add_host(w, "client", s->ipv6 ? CLIENT6_ADDR : CLIENT_ADDR,
                                                   &s->client_clock);
  if (!chost)
    goto done;
  for (unsigned i = 0; i < s->n_servers; i++) {
    char name[SIM_PLATFORM_NAME_LEN], addr[ADDR_STR_LEN];
    struct sim_clock_params clock = {.offset = s->server_offset[i]};
    struct sim_server_config cfg = {.fuzz = s->server_fuzz, .ratelimit = s->server_ratelimit,
                                    .xleave = s->server_xleave};
    if (s->leap)
      cfg.leap = s->leap > 0 ? NTP_LEAP_INSERT : NTP_LEAP_DELETE;
    snprintf(name, sizeof(name), "server%u", i + 1);
    server_addr(s, i, addr);
    if (!addr_parse(addr, &addrs[i]))
      goto done;
    if (s->server_offset[i] != 0.0)
      falsetickers[n_false++] = addrs[i];
    hosts[i] = sim_world_add_host(w, name, addr, &clock);
    if (!hosts[i] || !(servers[i] = sim_server_new(sched, hosts[i], &cfg)) ||
        (!s->smear_conf && wire_paths(w, s, chost, hosts[i]) != 0))
      goto done;
    if (!s->smear_conf && wire_own_paths(w, s, i, chost, hosts[i]) != 0)
      goto done;
  }
  /* Then the smearing server, if any, between the client and the servers. */
  if (s->smear_conf) {
    if (!smearer_start(&smear, w, &smear_conf, s->smear_clock) || wire_paths(w, s, chost, smear.host) != 0)
      goto done;
    for (unsigned i = 0; i < s->n_servers; i++)
      if (wire_paths(w, s, smear.host, hosts[i]) != 0)
        goto done;
  }

  if (set_names(w, s, addrs) != 0)
    goto done;
  metrics = sim_metrics_new(sched, chost, SAMPLE_INTERVAL);
  if (!metrics)
    goto done;

  struct timespec client_t0;
  sim_platform_get(chost)->ops->now(sim_platform_get(chost)->ctx, &client_t0);
  conf_reference(&conf, CLIENT_PRECISION, &client_t0, &ref);
  conf_client_params(&conf, !s->no_control, &params);
  params.give_up = on_give_up;
  params.give_up_arg = &obs;
  if (s->measurements) {
    params.log.measurement = on_measurement;
    params.log.arg = &obs;
  }
  if (s->driftfile) {
    if (!driftfile_parse(s->driftfile, &params.initial_freq, &params.initial_skew)) {
      fprintf(stderr, "stratum-sim: %s: bad drift file '%s'\n", s->name, s->driftfile);
      ret = -EINVAL;
      goto done;
    }
    params.have_initial_freq = true;
  }
  client = client_new(sim_platform_get(chost), &params, &ref);
  if (!client)
    goto done;
  late = (struct late_sources){.plat = sim_platform_get(chost), .client = client, .conf = &conf,
                               .obs = &obs};
  struct initslew_host slew_hosts[INITSLEW_MAX_HOSTS];
  unsigned n_hosts = initslew_hosts(&conf, slew_hosts);
  if (!initslew_start(&islew, sim_platform_get(chost), client, slew_hosts, n_hosts,
                      conf.initstepslew_threshold, start_sources, &late)) {
    late.obs = NULL;
    start_sources(&late);
    if (!late.list)
      goto done;
  }
  for (unsigned i = 0; i < conf.n_refclocks; i++)
    if (!add_refclock(w, chost, client, &rcl[i], &s->refclocks[i], i, seed, &devs[i]))
      goto done;

  if (conf.rtcfile && !rtc_start(w, chost, client, &conf, s, seed, &rtc))
    goto done;
  op.s = s;
  op.out = out;
  if (s->n_commands) {
    srv_init(&ntp, sim_platform_get(chost), &ref);
    have_ntp = true;
    if (!operator_start(&op, w, chost, client, &ref, &ntp, &conf, start.tv_sec))
      goto done;
  }

  obs = (struct observer){.sched = sched, .next = sim_sched_now(sched), .client = client,
                          .falsetickers = falsetickers, .n_falsetickers = n_false,
                          .last_selected = -1, .out = out, .trace = opt && opt->trace};
  if (!sim_sched_add(sched, obs.next, observe, &obs, &obs))
    goto done;
  if (s->ext_step != 0.0) {
    ext = (struct ext_step){.host = chost, .seconds = s->ext_step};
    if (!sim_world_at(w, s->ext_step_at, do_external_step, &ext))
      goto done;
  }

  if (s->leap) {
    out->leap_at = leap_elapsed(start.tv_sec, s->leap);
    utc_leap = (struct utc_leap){.servers = hosts, .n_servers = s->n_servers,
                                 .metrics = metrics, .leap = s->leap};
    if (!sim_world_at(w, out->leap_at, do_utc_leap, &utc_leap))
      goto done;
  }

  client_start(client);
  out->run_status = sim_world_run(w, s->duration);
  out->duration = sim_world_elapsed(w);

  struct sim_metrics_result m;
  double threshold = s->sync_threshold > 0.0 ? s->sync_threshold : SCENARIO_SYNC_THRESHOLD;
  sim_metrics_compute(metrics, threshold, s->settle, &m);
  out->sync_time = m.sync_time;
  out->steady_from = s->settle > 0.0 ? s->settle : isfinite(m.sync_time) ? m.sync_time : 0.0;
  out->max_offset = m.max_offset;
  out->rms_offset = m.rms_offset;
  out->max_freq_error = m.max_freq_error;
  out->rms_freq_error = m.rms_freq_error;
  out->n_steady = m.n_steady;
  /* Half way from the last disturbance to the end. */
  double disturbed = s->ext_step != 0.0 ? s->ext_step_at : s->leap ? out->leap_at : 0.0;
  out->late_from = s->late_from > 0.0 ? s->late_from : (disturbed + s->duration) / 2.0;
  sim_metrics_compute(metrics, threshold, out->late_from, &m);
  out->late_max_offset = m.max_offset;
  out->late_rms_offset = m.rms_offset;
  out->late_max_freq_error = m.max_freq_error;
  out->late_rms_freq_error = m.rms_freq_error;
  out->steps = m.steps;
  out->final_offset = sim_platform_offset(chost);
  out->client_steps = client_steps(client);
  out->selected = client_selected(client);
  out->n_sources = client_n_sources(client);
  if (out->n_sources > SCENARIO_MAX_SOURCES)
    out->n_sources = SCENARIO_MAX_SOURCES;
  for (unsigned i = 0; i < out->n_sources; i++) {
    struct client_source_report rep;
    struct scenario_source *src = &out->sources[i];
    unsigned n_ntp = client_n_ntp_sources(client);
    if (i >= n_ntp)
      report_refclock(client, i - n_ntp, devs[i - n_ntp], src);
    if (!client_source_report(client, i, &rep)) {
      if (i < s->n_servers)
        src->addr = addrs[i];
      src->state = '?';
      continue;
    }
    src->addr = rep.addr;
    src->poll = rep.poll;
    src->reach = rep.reach;
    src->state = rep.state;
    src->n_samples = rep.n_samples;
    src->valid_replies = rep.valid_replies;
    src->bad_replies = rep.bad_replies;
    src->good_replies = rep.good_replies;
    src->requests = rep.requests;
    src->kod_replies = rep.kod_replies;
    for (unsigned k = 0; k < s->n_servers; k++)
      if (addr_equal(&rep.addr, &addrs[k]))
        src->server_replies = sim_server_stats(servers[k])->replied;
    for (unsigned k = 0; k < n_false; k++)
      if (addr_equal(&rep.addr, &falsetickers[k]))
        src->falseticker = true;
  }
  struct timespec now;
  struct ref_params rp;
  sim_platform_get(chost)->ops->now(sim_platform_get(chost)->ctx, &now);
  ref_get_params(&ref, &now, &rp);
  out->ref_stratum = rp.stratum;
  out->ref_refid = rp.refid;
  out->min_tx_interval = sim_platform_min_send_interval(chost);
  out->log_warnings = sim_platform_log_count(chost, PLAT_LOG_WARN);
  out->log_errors = sim_platform_log_count(chost, PLAT_LOG_ERR) +
                    sim_platform_log_count(chost, PLAT_LOG_FATAL);
  out->kernel_leaps = sim_platform_leaps(chost);
  if (conf.rtcfile)
    rtc_result(&rtc, start.tv_sec, s, out);
  out->events = sim_sched_processed(sched);
  if (opt && opt->trace)
    write_trace(opt->trace, s, metrics, &obs);
  ret = 0;

done:
  if (rtc.plat)
    rtct_stop(&rtc);
  if (have_ntp) {
    cmdsrv_free(&op.srv);
    srv_free(&ntp);
  }
  initslew_stop(&islew);
  srclist_free(late.list);
  client_free(client);
  smearer_free(&smear);
  sim_sched_cancel_owner(sched, &obs);
  free(obs.selections);
  sim_metrics_free(metrics);
  for (unsigned i = 0; i < s->n_servers; i++)
    sim_server_free(servers[i]);
  sim_world_free(w);
  conf_free(&conf);
  conf_free(&smear_conf);
  out->cpu_seconds = cpu_now() - cpu0;
  return ret;
}

/* ------------------------------------------------------------------- JSON */

static void json_num(FILE *f, const char *key, double v)
{
  if (isfinite(v))
    fprintf(f, ", \"%s\": %.9g", key, v);
  else
    fprintf(f, ", \"%s\": null", key);
}

static void json_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

/* An address, or a reference clock's refid. */
static const char *source_name(const struct scenario_source *src, char buf[ADDR_STR_LEN])
{
  return src->refclock ? src->name : addr_format(&src->addr, buf);
}

void scenario_print_json(FILE *f, const struct scenario *s, const struct scenario_result *r)
{
  char buf[ADDR_STR_LEN];
  fprintf(f, "{\"scenario\": ");
  json_str(f, s->name);
  fprintf(f, ", \"seed\": %llu", (unsigned long long)r->seed);
  json_num(f, "duration", r->duration);
  json_num(f, "sync_time", r->sync_time);
  json_num(f, "steady_from", r->steady_from);
  json_num(f, "max_offset", r->max_offset);
  json_num(f, "rms_offset", r->rms_offset);
  json_num(f, "max_freq_error", r->max_freq_error);
  json_num(f, "rms_freq_error", r->rms_freq_error);
  fprintf(f, ", \"steady_samples\": %zu", r->n_steady);
  json_num(f, "late_from", r->late_from);
  json_num(f, "late_max_offset", r->late_max_offset);
  json_num(f, "late_rms_offset", r->late_rms_offset);
  json_num(f, "late_max_freq_error", r->late_max_freq_error);
  json_num(f, "late_rms_freq_error", r->late_rms_freq_error);
  json_num(f, "final_offset", r->final_offset);
  fprintf(f, ", \"steps\": %u, \"client_steps\": %u", r->steps, r->client_steps);
  fprintf(f, ", \"selected\": ");
  if (r->selected >= 0 && (unsigned)r->selected < r->n_sources)
    json_str(f, source_name(&r->sources[r->selected], buf));
  else
    fprintf(f, "null");
  fprintf(f, ", \"falseticker_selected\": %s", r->falseticker_selected ? "true" : "false");
  json_num(f, "first_selected", r->first_selected);
  fprintf(f, ", \"selected_seconds\": %u, \"selection_changes\": %u", r->selected_seconds,
          r->selection_changes);
  fprintf(f, ", \"reach\": [");
  for (unsigned i = 0; i < r->n_sources; i++)
    fprintf(f, "%s%u", i ? ", " : "", r->sources[i].reach);
  fprintf(f, "], \"sources\": [");
  for (unsigned i = 0; i < r->n_sources; i++) {
    const struct scenario_source *src = &r->sources[i];
    char state[2] = {src->state ? src->state : '?', 0};
    fprintf(f, "%s{\"address\": ", i ? ", " : "");
    if (src->refclock) {
      fprintf(f, "null, \"refclock\": true, \"refid\": ");
      json_str(f, src->name);
    } else {
      json_str(f, addr_format(&src->addr, buf));
    }
    fprintf(f, ", \"falseticker\": %s, \"state\": ", src->falseticker ? "true" : "false");
    json_str(f, state);
    fprintf(f, ", \"reach\": %u, \"poll\": %d, \"samples\": %u, \"valid\": %llu, \"bad\": %llu",
            src->reach, src->poll, src->n_samples, (unsigned long long)src->valid_replies,
            (unsigned long long)src->bad_replies);
    fprintf(f, ", \"good\": %llu", (unsigned long long)src->good_replies);
    fprintf(f, ", \"requests\": %llu, \"kods\": %llu, \"server_replies\": %llu",
            (unsigned long long)src->requests, (unsigned long long)src->kod_replies,
            (unsigned long long)src->server_replies);
    if (src->refclock)
      fprintf(f, ", \"bad_message\": %llu, \"bad_sample\": %llu, \"bad_pulse\": %llu, "
              "\"read_errors\": %llu, \"written\": %llu",
              (unsigned long long)src->bad_message, (unsigned long long)src->bad_sample,
              (unsigned long long)src->bad_pulse, (unsigned long long)src->read_errors,
              (unsigned long long)src->written);
    fputc('}', f);
  }
  fprintf(f, "]");
  fprintf(f, ", \"ref_stratum\": %d, \"ref_refid\": \"%08x\"", r->ref_stratum,
            (unsigned)r->ref_refid);
  fprintf(f, ", \"warnings\": %u, \"errors\": %u", r->log_warnings, r->log_errors);
  if (s->leap) {
    json_num(f, "leap_at", r->leap_at);
    fprintf(f, ", \"leap\": %d, \"kernel_leaps\": %u", s->leap, r->kernel_leaps);
    if (s->smear_conf)
      fprintf(f, ", \"smear\": \"%s\"", r->smear_leaponly ? "leaponly" : "all");
  }
  if (r->rtc) {
    fprintf(f, ", \"rtc_samples\": %d", r->rtc_samples);
    json_num(f, "rtc_ref_at", r->rtc_ref_at);
    json_num(f, "rtc_fast", r->rtc_fast);
    json_num(f, "rtc_gain_ppm", r->rtc_gain_ppm);
    json_num(f, "rtc_true_fast", r->rtc_true_fast);
  }
  if (s->n_commands) {
    static const char *const names[] = {"settime", "manual delete", "manual reset",
                                        "manual list"};
    fprintf(f, ", \"commands\": [");
    for (unsigned i = 0; i < s->n_commands; i++) {
      const struct scenario_answer *a = &r->answers[i];
      fprintf(f, "%s{\"command\": \"%s\", \"status\": %d", i ? ", " : "",
              names[s->commands[i].cmd], a->status);
      if (s->commands[i].cmd == SCENARIO_SETTIME && a->status == CMD_STT_SUCCESS) {
        json_num(f, "offset", a->offset);
        json_num(f, "dfreq_ppm", a->dfreq_ppm);
        json_num(f, "freq_ppm", a->freq_ppm);
      }
      if (s->commands[i].cmd == SCENARIO_MANUAL_LIST) {
        fprintf(f, ", \"samples\": [");
        for (unsigned k = 0; k < a->n_samples && k < CMD_MAX_MANUAL_SAMPLES; k++)
          fprintf(f, "%s[%.9g, %.9g, %.9g, %.9g]", k ? ", " : "", a->samples[k][0],
                  a->samples[k][1], a->samples[k][2], a->samples[k][3]);
        fputc(']', f);
      }
      fputc('}', f);
    }
    fputc(']', f);
  }
  if (s->measurements)
    fprintf(f, ", \"measurements\": {\"basic\": %u, \"basic_a_failed\": %u, "
            "\"interleaved\": %u, \"interleaved_a_failed\": %u}", r->measurements[0][0],
            r->measurements[0][1], r->measurements[1][0], r->measurements[1][1]);
  if (isfinite(r->initslew_done_at))
    json_num(f, "initslew_done_at", r->initslew_done_at);
  if (r->give_ups) {
    json_num(f, "gave_up_at", r->gave_up_at);
    fprintf(f, ", \"give_ups\": %u", r->give_ups);
  }
  json_num(f, "min_tx_interval", r->min_tx_interval);
  fprintf(f, ", \"events\": %llu, \"run_status\": %d", (unsigned long long)r->events,
          r->run_status);
  fprintf(f, ", \"cpu_seconds\": %.3f}\n", r->cpu_seconds);
}
