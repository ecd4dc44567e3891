/* scenarios: the simulator's named scenarios and the runner that plays them.
 *
 * A scenario is a table entry: one client host (clock offset, frequency
 * error, wander) running the real client core, N simulated servers (perfect
 * clocks, or falsetickers with offset clocks), the paths between them (delay,
 * jitter, loss, asymmetry, outages) and outside events (an external step of
 * the client's clock). Parameters mirror chrony's simulation suite
 * (test/simulation/test.common and the tests named in each entry).
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
 *                after an external step; from the scenario's late_from when
 *                it has one): the state the client settles in
 *   steps        clock steps the client made
 * Every second it also reads the client's selection, so a falseticker
 * selected even briefly is seen. Everything is freed before returning.
 * The same scenario and seed give the same result, bit for bit, whatever
 * else runs in the process (apart from cpu_seconds). */
#ifndef STRATUM_SIM_SCENARIOS_H
#define STRATUM_SIM_SCENARIOS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/addr.h"
#include "core/clientlog.h"
#include "sim/sim_clock.h"
#include "sim/sim_net.h"

#define SCENARIO_MAX_SERVERS 8
#define SCENARIO_SYNC_THRESHOLD 1e-3     /* seconds */
#define SCENARIO_DEFAULT_SEED 1u

struct scenario {
  const char *name;
  const char *about;               /* one line: what it checks, chrony's test */
  double duration;                 /* seconds of true time */
  double settle;                   /* steady state from here; 0: from sync_time */
  time_t start;                    /* Unix seconds; 0: SCENARIO_DEFAULT_START */
  struct sim_clock_params client_clock;
  unsigned n_servers;
  double server_offset[SCENARIO_MAX_SERVERS];   /* != 0: a falseticker, seconds */
  struct sim_link_params up;       /* client -> server */
  struct sim_link_params down;     /* server -> client */
  int minpoll, maxpoll;
  bool iburst;
  bool server_fuzz;                /* servers' stamps carry bits below their precision */
  double makestep_threshold;       /* makestep THRESHOLD LIMIT; 0: no makestep */
  int makestep_limit;
  double sync_threshold;           /* s; 0: SCENARIO_SYNC_THRESHOLD */
  double late_from;                /* s; 0: half way (after an external step) */
  struct clog_ratelimit server_ratelimit;   /* the servers' ratelimit (enabled: on) */
  /* Paths up only for `outage_open` seconds of every `outage_period`. */
  double outage_period, outage_open;
  /* The client's clock stepped behind the core's back (ext_step != 0). */
  double ext_step_at, ext_step;
};

struct scenario_source {
  struct ip_addr addr;
  bool falseticker;
  int poll;
  uint8_t reach;
  char state;
  unsigned n_samples;
  uint64_t valid_replies, bad_replies;
  uint64_t requests, kod_replies;  /* the client's to it, and its KoDs */
  uint64_t server_replies;         /* sent by the simulated server (KoDs too) */
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
  struct scenario_source sources[SCENARIO_MAX_SERVERS];
  unsigned log_warnings, log_errors;   /* the client host's */
  double min_tx_interval;          /* s between two of the client's datagrams */
  uint64_t events;
  double cpu_seconds;
};

#define SCENARIO_DEFAULT_START ((time_t)1735689600)   /* 2025-01-01T00:00:00Z */

size_t scenario_count(void);
const struct scenario *scenario_get(size_t i);
const struct scenario *scenario_find(const char *name);

struct scenario_options {
  bool verbose;                    /* the hosts' log messages to stderr */
  /* When set: after the run, one line per second of the run,
   * "elapsed offset freq_error selected" (s, s, ppm, source index or -1). */
  FILE *trace;
};

/* Returns 0, or -ENOMEM when the world could not be built (the result then
 * holds nothing useful). A run stopped by the scheduler (-ELOOP) returns 0
 * with run_status set and the metrics of the part that ran. */
int scenario_run(const struct scenario *s, uint64_t seed, const struct scenario_options *opt,
                 struct scenario_result *out);

/* One JSON object on one line (with the newline). */
void scenario_print_json(FILE *f, const struct scenario *s, const struct scenario_result *r);

#endif
