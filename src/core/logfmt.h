/* logfmt: the lines of chrony's log files (`log measurements statistics
 * tracking`), in chrony's column layout, so existing parsers of
 * measurements.log, statistics.log, tracking.log and the others work.
 *
 * The values come from the client's log hooks (core/client.h) in this
 * core's sign convention; chrony's columns are converted here: the
 * measurement offset is RFC 5905 theta as is (> 0: local clock slow), the
 * statistics offset and frequency and the tracking offset, frequency and
 * remaining correction are negated (chrony: > 0 when the local clock is
 * fast / gaining). Times are printed in UTC as chrony does. Pure. */
#ifndef STRATUM_CORE_LOGFMT_H
#define STRATUM_CORE_LOGFMT_H

#include <stddef.h>

#include "core/client_log.h"
#include "core/rtctrack.h"

enum logfmt_file { LOGFMT_MEASUREMENTS, LOGFMT_STATISTICS, LOGFMT_TRACKING, LOGFMT_REFCLOCKS,
                   LOGFMT_TEMPCOMP, LOGFMT_RTC, LOGFMT_SELECTION,
                   LOGFMT_FILES };

/* Long enough for any line, its newline and NUL. */
#define LOGFMT_LINE_MAX 320

/* Replace every control character of s but tab with '?', in place: a
 * message quoting a hostile file cannot move the cursor, rewrite a
 * terminal's title or forge a log line. */
void logfmt_clean(char *s);

/* "measurements", "statistics", "tracking", "refclocks", "tempcomp", "rtc",
 * "selection". */
const char *logfmt_name(enum logfmt_file f);
/* The column titles (chrony's, without a newline). */
const char *logfmt_columns(enum logfmt_file f);
/* The banner: a ruler of '=' as long as the titles, the titles, the ruler
 * again, each ending in a newline. Returns its length (0 if cap is too
 * small; buf then holds ""). */
size_t logfmt_banner(char *buf, size_t cap, enum logfmt_file f);

/* One line ending in a newline; each returns its length (0 if cap is too
 * small; buf then holds ""). */
size_t logfmt_measurement(char *buf, size_t cap, const struct client_log_measurement *m);
size_t logfmt_statistics(char *buf, size_t cap, const struct client_log_statistics *s);
/* tempcomp's reading: the temperature and the compensation (ppm). */
size_t logfmt_tempcomp(char *buf, size_t cap, const struct timespec *when, double temp,
                       double comp);
/* rtc.log: a measurement of the RTC (rtcfile). */
size_t logfmt_rtc(char *buf, size_t cap, const struct rtct_log *l);
size_t logfmt_tracking(char *buf, size_t cap, const struct ref_log *t);
/* selection.log: the interval as chronyc selectdata's (chrony's sign). */
size_t logfmt_selection(char *buf, size_t cap, const struct client_log_selection *s);
/* refclocks.log: offsets as chrony prints them (reference minus system). */
size_t logfmt_refclock(char *buf, size_t cap, const struct rcl_log_sample *s);

#endif
