/* scenarios: the simulator's named scenarios and the runner that plays them.
 *
 * A scenario is a table entry: one client host (clock offset, frequency
 * error, wander) running the real client core configured by chrony.conf
 * text (read and mapped to the core as stratumd does), N simulated servers (perfect
 * clocks, or falsetickers with offset clocks), the paths between them (delay,
 * jitter, loss, asymmetry, outages) and outside events (an external step of
 * the client's clock). Parameters mirror chrony's simulation suite
 * (test/simulation/test.common and the tests named in each entry).
 *
 * A smearing server (smear) sits between the client and the servers when
 * the scenario asks for one. Relays are more hosts running the real core
 * with configurations of their own (higher strata, other clients); the
 * result tells each one's metrics.
 *
 * scenario_run() builds a world from the seed, runs it for the scenario's
 * duration, samples the client's true offset and frequency error every
 * second, and fills a result:
 *   sync_time    seconds from the start after which |offset| stays below
 *                the scenario's sync_threshold (SCENARIO_SYNC_THRESHOLD
 *                unless it has one) to the end (INFINITY: never)
 *   max/rms      over the steady part: from `settle` seconds when the
 *                scenario has one, else from sync_time (else every sample)
 *   late_*       the same over the second half of the run only (of the part
 *                after an external step or a leap second; from the
 *                scenario's late_from when it has one): the state the
 *                client settles in
 *   steps        clock steps the client made
 * Every second it also reads the client's selection, so a falseticker
 * selected even briefly is seen. A scenario may give the client reference
 * clocks: refclock lines in its text, each with a simulated device on the
 * client's host (sim_refclock.h, their jitter from the seed's streams
 * SCENARIO_REFCLOCK_STREAM + i); their sources follow the servers', and
 * the JSON line then also tells the reference's stratum and refid and each
 * refclock's counters. Everything is freed before returning.
 * The same scenario and seed give the same result, bit for bit, whatever
 * else runs in the process (apart from cpu_seconds). */
#ifndef STRATUM_SIM_SCENARIOS_H
#define STRATUM_SIM_SCENARIOS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/addr.h"
#include "core/platform.h"
#include "core/reference.h"
#include "core/clientlog.h"
#include "proto/cmdmon.h"
#include "sim/sim_clock.h"
#include "sim/sim_net.h"
#include "sim/sim_refclock.h"

#define SCENARIO_MAX_SERVERS 8
#define SCENARIO_MAX_REFCLOCKS 4
#define SCENARIO_MAX_SOURCES (SCENARIO_MAX_SERVERS + SCENARIO_MAX_REFCLOCKS)
#define SCENARIO_MAX_NAMES 4
#define SCENARIO_MAX_LOOKUPS 16          /* times kept per name */
#define SCENARIO_MAX_RELAYS 16
#define SCENARIO_MAX_CUTS 12
#define SCENARIO_CLIENT_HOST 100         /* the client is 192.168.123.100 */
#define SCENARIO_REFCLOCK_STREAM 1000
#define SCENARIO_RTC_STREAM 2000       /* the rtcfile RTC's jitter */
#define SCENARIO_NIC_STREAM 3000       /* the NIC clock's readings */
#define SCENARIO_CHRONYC_STREAM 4000   /* chronyc's keygen keys */
#define SCENARIO_RELAY_REFCLOCK_STREAM 4000
#define SCENARIO_NIC "eth0"            /* the client's NIC (hwtimestamp) */
#define SCENARIO_SYNC_THRESHOLD 1e-3     /* seconds */
#define SCENARIO_DEFAULT_SEED 1u
#define SCENARIO_SMEAR_ADDR "192.168.123.50"
/* chrony's test.common: servers 1..N on these networks (IPv4, IPv6), the
 * client's clock 0.1 s and 100 ppm fast, wandering 1e-3 ppm/sqrt(s). */
#define SCENARIO_SERVER_NET "192.168.123."
#define SCENARIO_SERVER6_NET "fc00::123:"
#define SCENARIO_CLIENT_CLOCK {.offset = 0.1, .freq = 100.0, .wander = 1e-3}
#define SCENARIO_DAY 86400

/* The device behind refclock line i of the client's configuration (the
 * line itself is in the scenario's conf text). */
struct scenario_refclock {
  unsigned rate;                   /* the device's ticks per second; 0: 1 */
  double dev_offset, jitter;       /* its reading's error, s */
  enum sim_refclock_jitter jitter_kind;
  bool pulse;                      /* SOCK pulses (PPS-like) */
  double dev_freq;                 /* PHC: the device's frequency error, ppm */
  double delay_jitter;             /* PHC: bursts of it (sim_refclock.h) */
  unsigned jitter_on, jitter_off;
  double stall_at;                 /* s from the start it stops; 0: never */
  double step_at, step;            /* its reading's error moves by step s (!= 0)
                                      at step_at s from the start */
  /* From wave_from s on, its error also a triangle wave of this amplitude
   * and period, at its lowest at wave_origin s and every period after
   * (sim_refclock.h); amplitude 0: none. */
  double wave_from, wave_origin, wave_period, wave_amplitude;
};

/* An operator's chronyc command to the client (settime and manual with
 * `manual` in its conf), sent at `at` s from the start to its command
 * server, where it arrives 100 us later. */
enum scenario_cmd { SCENARIO_SETTIME, SCENARIO_MANUAL_DELETE, SCENARIO_MANUAL_RESET,
                    SCENARIO_MANUAL_LIST, SCENARIO_ONLINE, SCENARIO_OFFLINE, SCENARIO_ONOFFLINE,
                    SCENARIO_ACTIVITY, SCENARIO_REFRESH, SCENARIO_TRACKING };
#define SCENARIO_MAX_COMMANDS 16
struct scenario_command {
  double at;
  enum scenario_cmd cmd;
  double arg;                      /* settime: the time given, s from the start
                                      (whole seconds, as chronyc sends); delete: N;
                                      online, offline: server N (0: all sources) */
};

/* Another host running the real client core and responder (as the
 * smearing server does): a higher-stratum server or another client of
 * chrony's networks (test.common's server_strata, clients). Its sources
 * are servers and relays by address; it answers the NTP clients its
 * allow and deny lines let through (after an "allow" for all, as
 * clknetsim's start_client adds one). */
struct scenario_relay {
  const char *conf;                /* its chrony.conf */
  unsigned host;                   /* its address: 192.168.123.N (not a server's) */
  struct sim_clock_params clock;
  double start;                    /* s from the start its core starts (chrony's
                                      node start); 0: at once */
  /* The devices of its refclock lines (their jitter from the seed's
   * streams SCENARIO_RELAY_REFCLOCK_STREAM + SCENARIO_MAX_REFCLOCKS * its
   * index + i). */
  struct scenario_refclock refclocks[SCENARIO_MAX_REFCLOCKS];
};

/* Datagrams from host `from` to host `to` (192.168.123.N: a server, a
 * relay or the client, SCENARIO_CLIENT_HOST) are lost in [start, end) s of
 * every `period` s (clknetsim's (% time period)); period 0: in [start, end)
 * once, end 0 meaning the end of the run. */
struct scenario_cut {
  unsigned from, to;               /* from 0 ends the list */
  double period, start, end;
};

/* A name the world's name service answers (at once) with the addresses of
 * servers N (1-based, in this order; 0 ends the list). */
struct scenario_name {
  const char *name;
  unsigned servers[SCENARIO_MAX_SERVERS];
};

/* The world of a scenario; the client's configuration is chrony.conf text,
 * read by the daemon's parser and mapped to the core as the daemon maps it
 * (conf/conf_client.h). */
struct scenario {
  const char *name;
  const char *about;               /* one line: what it checks, chrony's test */
  /* The client's chrony.conf: servers named by their simulated addresses
   * (192.168.123.N for server N, or the smearing server's SCENARIO_SMEAR_ADDR),
   * refclock lines (devices in refclocks[], in the same order), makestep,
   * leapsecmode... */
  const char *conf;
  double duration;                 /* seconds of true time */
  double settle;                   /* steady state from here; 0: from sync_time */
  time_t start;                    /* Unix seconds; 0: SCENARIO_DEFAULT_START */
  struct sim_clock_params client_clock;
  unsigned n_servers;
  double server_offset[SCENARIO_MAX_SERVERS];   /* != 0: a falseticker, seconds */
  struct sim_link_params up;       /* client -> server */
  struct sim_link_params down;     /* server -> client */
  bool server_fuzz;                /* servers' stamps carry bits below their precision */
  /* The text of the file the conf's driftfile would name, "FREQ SKEW" in
   * chrony's signs (conf/driftfile.h), read at start; NULL: none. */
  const char *driftfile;
  bool server_xleave;              /* servers keep a client log: interleaved replies */
  bool ipv6;                       /* hosts on fc00::123:N (server N), not 192.168.123.N */
  bool no_control;                 /* the client never adjusts its clock (stratumd -x) */
  /* Count the client's measurements (chrony's `log measurements`) by mode
   * and tests, and print the counts. */
  bool measurements;
  double sync_threshold;           /* s; 0: SCENARIO_SYNC_THRESHOLD */
  /* ppm; > 0: synchronised also needs the frequency error within it
   * (chrony's find_sync with its freq_max_limit) */
  double sync_freq_threshold;
  double late_from;                /* s; 0: half way (after an external step) */
  struct clog_ratelimit server_ratelimit;   /* the servers' ratelimit (enabled: on) */
  /* Server i's own paths: this much more delay each way, and (> 0) lost
   * for good this many seconds from the start. */
  double server_delay[SCENARIO_MAX_SERVERS];
  double server_lost_at[SCENARIO_MAX_SERVERS];
  /* Paths up only for `outage_open` seconds of every `outage_period`. */
  double outage_period, outage_open;
  /* The client's clock stepped behind the core's back (ext_step != 0). */
  double ext_step_at, ext_step;
  struct scenario_refclock refclocks[SCENARIO_MAX_REFCLOCKS];
  /* leap 1 (-1): UTC inserts (deletes) a second at the end of the first
   * June 30 or December 31 after the start, and the servers announce it
   * from the start; the client applies it as its leapsecmode says. At that
   * instant the servers' clocks, which keep UTC, step back (forward) a
   * second, and the client's offset is measured from UTC from then on. */
  int leap;
  /* Not NULL: the client's one server is a smearing server (chrony's
   * 113-leapsecond smoothtime runs), the real client core synchronised to
   * the servers and serving the client with the real responder, with this
   * chrony.conf (its smoothtime and leapsecmode). */
  const char *smear_conf;
  struct scenario_name names[SCENARIO_MAX_NAMES];   /* NULL name ends the list */
  /* The smearing server's clock; NULL: test.common's client clock. */
  const struct sim_clock_params *smear_clock;
  /* With rtcfile in conf: the client's RTC (rtcdevice) gains rtc_freq ppm
   * of true time from rtc_error s fast at the start (chrony's 145-rtc:
   * clknetsim's RTC), its interrupts 1 us late with jitter; the result
   * tells the core's estimates at the end (chronyc rtcdata's numbers). */
  double rtc_freq, rtc_error;
  /* stratumd -s (145-rtc's later runs): the clock set from that RTC at
   * start (core/rtcinit.h), corrected by `rtcfile_text` (the rtcfile's
   * content, chronyd's format; NULL: none) and refused before
   * `driftfile_changed` (Unix seconds; 0: no drift file); with rtcfile in
   * conf the tracking then starts with the initial trim and the sources
   * wait for its end. */
  bool init_from_rtc;
  const char *rtcfile_text;
  time_t driftfile_changed;
  struct scenario_command commands[SCENARIO_MAX_COMMANDS];
  unsigned n_commands;
  /* Every host without kernel timestamping (sim_platform_set_daemon_stamps). */
  bool daemon_stamps;
  /* Tell when each of names[] was looked up (the result's lookups). */
  bool lookups;
  /* The text of the file the conf's keyfile would name (conf/keyfile.h),
   * the client's keys and the relays' (with a keyfile line in their conf)
   * and every server's; NULL: none. */
  const char *keys;
  /* Not NULL: the servers' keys instead ("": they know none). */
  const char *server_keys;
  /* s from the start the client's core starts (chrony's client_start);
   * its clock runs from the start. 0: at once. */
  double client_start;
  /* Relays, after the servers; every path between two hosts is then the
   * scenario's (up from the host added first to the other, down back). */
  struct scenario_relay relays[SCENARIO_MAX_RELAYS];
  unsigned n_relays;
  /* The client has an NTP socket as the daemon's: its peers send from it
   * and their packets come to it; it answers as its allow and deny lines
   * say (addresses only), and can poll itself. */
  bool client_serves;
  struct scenario_cut cuts[SCENARIO_MAX_CUTS];
  /* Count the client's log messages containing these (NULL ends them). */
  const char *log_watch[SIM_PLATFORM_MAX_WATCHES];
  /* Watch i counts only the messages logged in [from, to) s of the run
   * (chrony's checks of the log's times); to 0: all of them. */
  double log_window[SIM_PLATFORM_MAX_WATCHES][2];
  /* The watches count the relays' messages too (chrony's checks of every
   * client's log). */
  bool watch_relays;
  /* > 0: count the client's measurements at this local and remote poll
   * with tests A, B and D passed (chrony's measurements.log lines
   * "11.1   N  N"), all and those in [poll_from, poll_to) s. */
  int measured_poll;
  double poll_from, poll_to;
  /* With hwtimestamp lines in conf: the client's NIC, SCENARIO_NIC, whose
   * own PTP clock (its error dev_offset s, dev_freq ppm; its readings as a
   * PHC refclock's, sim_refclock.h) stamps the client's packets
   * (sim_platform_set_nic); the result counts its stamps. */
  struct scenario_refclock nic;
  /* Server i's clock stepped by server_step[i] s (!= 0) at server_step_at
   * s from the start, as chronyc's doffset corrects it (its F323 monotonic
   * scale unchanged, sim_server.h). */
  double server_step_at, server_step[SCENARIO_MAX_SERVERS];
  /* Count the client's and the relays' measurements by source and test D
   * (chrony's loop test: the source is not synchronised to us); the first
   * SCENARIO_MAX_DCOUNTS sources of each. */
  bool loop_measurements;
  /* Tell the lowest and highest destination port of every datagram sent
   * in the world (chrony's check_packet_port: all to port 123). */
  bool ports;
  /* The text of the file the conf's leapseclist names (leap-seconds.list,
   * core/leapdb.h); NULL: none. */
  const char *leapseclist;
  /* 'q' or 'Q': stratumd -q or -Q (chronyd's, client_chronyd_options): the
   * client host runs the daemon's query of the conf's servers (by
   * address, core/query.h) instead of its sources; with 'q' its clock is
   * stepped by the best offset at the end. 0: neither. */
  char query;
  /* chrony's chronyc_conf: command lines run at chronyc_at s from the
   * start (chronyc_start) by stratumc with chronyc_options (test.common's
   * "-n" and the run's), as from 192.168.123.<chronyc_host> over UDP, or
   * (chronyc_host 0) over the Unix socket: cmdmon_unix
   * (sim/scenario_chronyc.h); the result keeps what it printed. NULL:
   * none. */
  const char *chronyc, *chronyc_options;
  double chronyc_at;
  unsigned chronyc_host;
  /* Stop at the first line that fails, as clknetsim's chronyc -m does;
   * or (chronyc_each) go on: each line is a run of its own in chrony's
   * test (its loops over commands). */
  bool chronyc_each;
  /* > 0: only every chronyc_pass_every-th request datagram from the
   * chronyc reaches the client, the others are lost (clknetsim's delay
   * expression in 110-chronyc's last runs); chronyc tries again as its
   * retries say (its timeouts take no simulated time here). */
  unsigned chronyc_pass_every;
  /* The relays' servers keep a client log as the daemon's (clientloglimit,
   * noclientlog: interleaved replies, rate limits); without it they answer
   * in basic mode only. */
  bool relay_clientlog;
};

/* A command's answer: its status, and settime's figures (chronyc's "Clock
 * was OFFSET seconds fast.  Frequency change = DFREQppm, new frequency =
 * FREQppm"), manual list's rows (time from the start, slewed and
 * original offset, residual), activity's counts or tracking's reference
 * time (as the wire carried it). */
struct scenario_answer {
  int status;
  struct timespec ref_time;
  double offset, dfreq_ppm, freq_ppm;
  unsigned n_samples;
  double samples[CMD_MAX_MANUAL_SAMPLES][4];
  struct cmd_rpy_activity activity;
};

struct scenario_source {
  struct ip_addr addr;
  uint32_t placeholder_id;         /* a name not resolved yet (no address):
                                    chronyc's ID# */
  bool falseticker;
  int poll;
  uint8_t reach;
  char state;
  unsigned n_samples;
  uint64_t valid_replies, bad_replies;
  uint64_t good_replies;           /* that became samples (chrony's tests A-D passed) */
  /* A reference clock: its refid for a name, its bad-input counters
   * (core/refclock.h) and what its device wrote. */
  bool refclock;
  char name[8];
  uint64_t bad_message, bad_sample, bad_pulse, read_errors, written;
  uint64_t requests, kod_replies;  /* the client's to it, and its KoDs */
  uint64_t server_replies;         /* sent by the simulated server (KoDs too) */
};

/* One source's measurements that passed every test but maybe D (chrony's
 * measurements.log lines "111 111 111x"), by test D's result. */
#define SCENARIO_MAX_DCOUNTS 4
struct scenario_dcount {
  char addr[ADDR_STR_LEN];         /* "": unused */
  unsigned d_passed, d_failed;
};

/* A relay's clock, as the client's metrics (from the start). */
struct scenario_relay_result {
  double sync_time;                /* INFINITY: never */
  double max_offset, rms_offset, max_freq_error, rms_freq_error;
  int ref_stratum;                 /* at the end (0: unsynchronised) */
  double min_tx_interval;          /* INFINITY: fewer than two datagrams */
  uint64_t to_client;              /* datagrams it sent the client (clknetsim's
                                      log.packets), lost ones and broadcasts too */
  struct scenario_dcount dcounts[SCENARIO_MAX_DCOUNTS];   /* with loop_measurements */
};

struct scenario_result {
  uint64_t seed;
  double duration;                 /* simulated seconds actually run */
  int run_status;                  /* 0, or -ELOOP / -ENOMEM from the world */
  double sync_time;                /* INFINITY: never */
  double steady_from;              /* where the steady metrics start, s */
  double max_offset, rms_offset;   /* seconds */
  double max_freq_error, rms_freq_error;   /* ppm */
  size_t n_steady;
  double late_from;                /* s */
  double late_max_offset, late_rms_offset;
  double late_max_freq_error, late_rms_freq_error;
  double final_offset;             /* seconds, at the end */
  unsigned steps;                  /* counted by the platform */
  unsigned client_steps;           /* as the client reports them */
  int selected;                    /* source index at the end, -1: none */
  double first_selected;           /* s; INFINITY: never selected */
  unsigned selected_seconds;       /* seconds with a source selected */
  unsigned selection_changes;
  bool falseticker_selected;       /* ever, at any one-second sample */
  unsigned n_sources;
  struct scenario_source sources[SCENARIO_MAX_SOURCES];
  unsigned n_refclocks;            /* the configuration's refclock lines */
  bool smear_leaponly;             /* the smearing server's smoothtime leaponly */
  bool rtc;                        /* rtcfile tracked the RTC */
  int rtc_samples;
  double rtc_ref_at;               /* s from the start of the estimates' RTC time */
  double rtc_fast, rtc_gain_ppm;   /* the estimates: s fast of the clock, ppm */
  double rtc_true_fast;            /* s the RTC was fast of true time then, untrimmed */
  bool rtc_set;                    /* -s: the clock was set from the RTC */
  double sources_at;               /* -s: s from the start the sources began (NAN: not waited) */
  struct scenario_answer answers[SCENARIO_MAX_COMMANDS];   /* one per command */
  int ref_stratum;                 /* our reference at the end (0: unsynchronised) */
  uint32_t ref_refid;
  unsigned log_warnings, log_errors;   /* the client host's */
  double leap_at;                  /* s from the start of the leap (leap != 0) */
  unsigned kernel_leaps;           /* applied by the client's simulated kernel */
  double min_tx_interval;          /* s between two of the client's datagrams */
  /* maxchange gave up (chronyd exits there; the simulated client goes on
   * ignoring every offset over the limit): when first, and how often. */
  double gave_up_at;               /* s; INFINITY: never */
  unsigned give_ups;
  /* The measurements (when the scenario counts them): [interleaved][test A
   * failed], those that passed every other test (chrony's measurements.log
   * lines "111 111 1111" and "111 111 0111"); others are not counted. */
  unsigned measurements[2][2];
  /* initstepslew (in the client's conf): when its temporary sources made
   * way for the configured ones, less chronyd's 2 s wait: when it corrected
   * the clock or found no suitable source (INFINITY: not yet). */
  double initslew_done_at;
  struct scenario_relay_result relays[SCENARIO_MAX_RELAYS];
  /* With the scenario's lookups: how often each of its names was looked
   * up, and when (s from the start; the first SCENARIO_MAX_LOOKUPS). */
  unsigned n_lookups[SCENARIO_MAX_NAMES];
  double lookup_at[SCENARIO_MAX_NAMES][SCENARIO_MAX_LOOKUPS];
  unsigned log_matches[SIM_PLATFORM_MAX_WATCHES];   /* per log_watch */
  unsigned poll_measurements[2];   /* measured_poll's: all, in the window */
  struct scenario_dcount dcounts[SCENARIO_MAX_DCOUNTS];   /* with loop_measurements */
  bool nic;                        /* the client had a NIC... */
  uint64_t hw_rx_stamps, hw_tx_stamps;   /* ...whose stamps it used */
  uint64_t nic_reads;              /* readings of its clock (chronyd's "Polling PHC") */
  /* The stamps of its first source's last measurement (ntpdata's TX and
   * RX timestamping: 'D', 'K' or 'H'; '?': none). */
  char last_tx_source, last_rx_source;
  uint16_t min_to_port, max_to_port;   /* with the scenario's ports */
  char chronyc[8192];              /* what the scenario's chronyc printed */
  uint64_t events;
  double cpu_seconds;
};

#define SCENARIO_DEFAULT_START ((time_t)1735689600)   /* 2025-01-01T00:00:00Z */


struct scenario_options {
  bool verbose;                    /* the hosts' log messages to stderr */
  /* When set: after the run, one line per second of the run,
   * "elapsed offset freq_error selected" (s, s, ppm, source index or -1). */
  FILE *trace;
  /* > 0: max/rms from here on (the client's and the relays'), whatever the
   * scenario's settle: chrony's check_sync, whose clknetsim resets its
   * statistics at max_sync_time. */
  double stats_from;
};

/* `text`, a scenario's chrony.conf, read into c (initialised here) by the
 * daemon's parser as the file `name`; its messages ("NAME:LINE: ...") go to
 * err. False when it holds an error (c is then freed). */
struct config;
bool scenario_parse_conf(const char *name, const char *text, struct config *c, FILE *err);

/* Returns 0, -EINVAL when the scenario's configuration is bad (what is
 * wrong, with the file:line the parser gives, written to stderr), or
 * -ENOMEM when the world could not be built (the result then holds nothing
 * useful). A run stopped by the scheduler (-ELOOP) returns 0
 * with run_status set and the metrics of the part that ran. */
int scenario_run(const struct scenario *s, uint64_t seed, const struct scenario_options *opt,
                 struct scenario_result *out);

/* One JSON object on one line (with the newline). */
void scenario_print_json(FILE *f, const struct scenario *s, const struct scenario_result *r);

#endif
