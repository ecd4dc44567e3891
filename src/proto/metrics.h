/* metrics: the reports of chrony's command protocol (proto/cmdmon.h) as
 * Prometheus' text exposition format (version 0.0.4), for the daemon's
 * metricsport and for `stratumc metrics`: both fetch the same replies
 * through a cmdmon exchange (in process, or over a command socket) and
 * render them here, so their text is the same.
 *
 * Names, help texts, types and labels are those of chrony_exporter
 * (github.com/SuperQ/chrony_exporter 0.13.3): chrony_tracking_*,
 * chrony_sources_* (with its ntpdata metrics), chrony_sourcestats_*,
 * chrony_serverstats_* (those of chrony 4.3's serverstats reply) and
 * chrony_up. Added under the same prefix: chrony_tracking_leap_status,
 * chrony_serverstats_client_log_records (the `clients` report's number of
 * records) and chrony_serverstats_ntp_requests_dropped_total{reason} (the
 * daemon's own counts, which the protocol does not carry). Counters end in
 * _total; every family has HELP and TYPE lines; a family without samples
 * is left out.
 *
 * Labels: source_address is the address as chronyc -n prints it (a
 * reference clock's: its reference ID in letters); source_name the name
 * the source was configured with (the `sourcename` report), else the
 * address; no DNS look-ups. Label values keep printable ASCII, escape \ "
 * and newline, and turn other bytes into '?'. Values print as integers or
 * as the shortest decimal that reads back as the same double. */
#ifndef STRATUM_PROTO_METRICS_H
#define STRATUM_PROTO_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/cmdmon.h"

#define METRICS_MAX_SOURCES 256          /* sources looked at; more are left out */
#define METRICS_MAX_TEXT (4u << 20)      /* the most text metrics_render writes */
#define METRICS_MAX_DROPS 8              /* drop reasons */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* One source: its `sources` row, its `sourcename`, `ntpdata` and
 * `sourcestats` replies when the daemon gave them. */
struct metrics_source {
  bool have_data, have_name, have_ntp_data, have_stats;
  struct cmd_rpy_source_data data;
  char name[CMD_NAME_LEN];
  struct cmd_rpy_ntp_data ntp_data;
  struct cmd_rpy_sourcestats stats;
};

struct metrics_drop {
  const char *reason;                /* a label value: letters only */
  uint64_t count;
};

struct metrics_reports {
  bool up;                           /* every request had a reply */
  bool have_tracking, have_server_stats, have_clients;
  bool have_timestamp_stats;         /* server_stats is SERVER_STATS4 (not chronyd 4.3's) */
  struct cmd_rpy_tracking tracking;
  struct cmd_rpy_server_stats server_stats;
  uint32_t client_log_records;       /* the clients report's n_indices */
  uint32_t n_sources;
  struct metrics_source *sources;    /* n_sources, allocated by metrics_fetch */
  /* Only the daemon knows these (not in the protocol): */
  unsigned n_drops;
  struct metrics_drop drops[METRICS_MAX_DROPS];
};

/* One request for its reply; false when no reply came (stratumc's
 * sc_exchange_fn has this type). */
typedef bool metrics_exchange_fn(void *arg, struct cmd_request *req, struct cmd_reply *rpy);

/* Fetch tracking, the sources (source data, name, ntpdata, sourcestats of
 * each, at most METRICS_MAX_SOURCES), serverstats and the client log's
 * size, one request at a time. A report the daemon refuses (serverstats,
 * ntpdata and clients are not open over UDP by default) is left out; the
 * first request without a reply ends the fetch with r->up false. False
 * only when out of memory. Free with metrics_reports_free. */
bool metrics_fetch(struct metrics_reports *r, metrics_exchange_fn *exchange, void *arg);
void metrics_reports_free(struct metrics_reports *r);

/* Text that grows, up to METRICS_MAX_TEXT. */
struct metrics_text {
  char *data;                        /* NUL-terminated */
  size_t len, cap;
  bool failed;                       /* out of memory or over the limit */
};

/* Append the exposition of r to t; false if t failed. */
bool metrics_render(const struct metrics_reports *r, struct metrics_text *t);
void metrics_text_free(struct metrics_text *t);

#endif
