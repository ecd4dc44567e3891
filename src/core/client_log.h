/* client_log: what the client gives the log files (chrony's `log
 * measurements statistics selection tracking refclocks`), as plain values
 * for core/logfmt.h, and the statistics line every source (NTP or
 * reference clock) makes the same way. */
#ifndef STRATUM_CORE_CLIENT_LOG_H
#define STRATUM_CORE_CLIENT_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/addr.h"
#include "core/platform.h"
#include "core/reference.h"
#include "core/refclock.h"
#include "core/select.h"
#include "core/srcstats.h"

/* Log file hooks (chrony's `log measurements statistics tracking`): plain
 * values, in this core's sign convention (offsets server minus local,
 * frequencies > 0 when the local clock runs slow); the formatter
 * (core/logfmt.h) converts to chrony's columns. */
enum client_log_test {              /* the test columns of measurements.log */
  CLIENT_TEST_1, CLIENT_TEST_2, CLIENT_TEST_3, CLIENT_TEST_5, CLIENT_TEST_6, CLIENT_TEST_7,
  CLIENT_TEST_A, CLIENT_TEST_B, CLIENT_TEST_C, CLIENT_TEST_D, CLIENT_N_TESTS
};

/* One reply that passed tests 1-7 (chrony's `log measurements`). */
struct client_log_measurement {
  struct timespec time;          /* cooked local time of the sample (midpoint) */
  struct ip_addr addr;
  uint8_t leap;                  /* of the reply */
  int stratum;
  bool test[CLIENT_N_TESTS];     /* true: passed */
  int local_poll, remote_poll;
  double score;                  /* the poll score */
  double offset;                 /* server minus local (RFC 5905 theta) */
  double peer_delay, peer_dispersion;
  double root_delay, root_dispersion;   /* as in the reply */
  uint32_t refid;
  int mode;                      /* NTP mode of the reply */
  bool interleaved;
  enum plat_ts_source tx_source, rx_source;
};

/* A source's regression (chrony's `log statistics`). */
struct client_log_statistics {
  struct timespec time;          /* of the estimate (newest sample) */
  struct ip_addr addr;           /* ADDR_UNSPEC: a refclock, named by its refid */
  uint32_t refid;
  double std_dev, offset, offset_sd, frequency, skew;   /* s, s/s */
  double stress;                 /* |old freq - new freq| / old skew */
  int n_samples, best_start, n_runs;   /* best_start: samples dropped */
  double asymmetry;
};

/* A source after a selection (chrony's `log selection`): one for each
 * source, each time the sources are selected. */
struct client_log_selection {
  struct timespec time;          /* of the selection */
  struct ip_addr addr;           /* ADDR_UNSPEC: a refclock, named by refid */
  uint32_t refid;
  enum sel_status status;
  bool noselect, prefer, trust, require;   /* effective (authselectmode's) */
  uint8_t reach;
  double score;                  /* reselection score (>= 1) */
  double last_sample_ago;        /* s */
  double lo, hi;                 /* the interval judged (sel_source's) */
};

/* Any pointer may be NULL. Called from inside the client's handlers. */
struct client_log_hooks {
  void (*measurement)(void *arg, const struct client_log_measurement *m);
  void (*statistics)(void *arg, const struct client_log_statistics *s);
  void (*selection)(void *arg, const struct client_log_selection *s);
  void (*tracking)(void *arg, const struct ref_log *t);   /* the reference's */
  rcl_log_fn refclock;           /* each refclock's samples (refclocks.log) */
  void *arg;
};

/* chrony's statistics.log line of a source whose statistics st were just
 * regressed again at `now` (before: the report, n_before: the samples
 * before the regression), given to log->statistics if it is set. */
void client_log_statistics(const struct client_log_hooks *log, const struct sst *st,
                           const struct timespec *now, const struct sst_report *before,
                           int n_before, const struct ip_addr *addr, uint32_t refid);

#endif
