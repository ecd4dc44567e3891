/* logline: one line of chrony's log files (measurements.log, statistics.log,
 * tracking.log, refclocks.log) -> a time, a source and the values that the
 * report plots (pure). The layouts are chrony's (doc/chrony.conf.adoc, the
 * log directive; stratumd writes them through core/logfmt.c); banners and
 * empty lines are skipped, any other line that does not parse (or has a
 * value of 1e20 or more in magnitude) is bad. */
#ifndef STRATUM_STRATUMC_LOGLINE_H
#define STRATUM_STRATUMC_LOGLINE_H

#include <stddef.h>

enum sc_log_kind { SC_LOG_MEASUREMENTS, SC_LOG_STATISTICS, SC_LOG_TRACKING, SC_LOG_REFCLOCKS,
                   SC_LOG_KINDS };

/* Indexes of sc_log_record.v, per kind; seconds unless the name says ppm. */
enum { SC_MEAS_OFFSET, SC_MEAS_DELAY };
enum { SC_STAT_STD_DEV, SC_STAT_OFFSET, SC_STAT_OFFSET_SD, SC_STAT_FREQ_PPM, SC_STAT_SKEW_PPM };
enum { SC_TRK_FREQ_PPM, SC_TRK_SKEW_PPM, SC_TRK_OFFSET, SC_TRK_ROOT_DELAY, SC_TRK_ROOT_DISP,
       SC_TRK_MAX_ERROR };
enum { SC_REF_COOKED_OFFSET };
#define SC_LOG_VALUES 6

#define SC_LOG_SOURCE_LEN 48

struct sc_log_record {
  double time;                       /* seconds since the epoch (the log's UTC) */
  char source[SC_LOG_SOURCE_LEN];    /* address, or refclock refid */
  int filtered;                      /* refclocks: 1 for a filtered sample ("-") */
  double v[SC_LOG_VALUES];
};

enum sc_log_line { SC_LINE_DATA, SC_LINE_SKIP, SC_LINE_BAD };

/* "measurements" ... "refclocks". */
const char *sc_log_name(enum sc_log_kind kind);
/* Parse one line (without or with its newline). */
enum sc_log_line sc_log_parse(enum sc_log_kind kind, const char *line, struct sc_log_record *r);
/* "YYYY-MM-DD" and "HH:MM:SS[.frac]" in UTC -> seconds since the epoch;
 * 0 if they are not a valid date and time. */
int sc_log_time(const char *date, const char *time, double *out);

#endif
