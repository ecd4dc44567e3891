#include "core/logfmt.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/refclock.h"

static const char *const names[LOGFMT_FILES] = {"measurements", "statistics", "tracking",
                                                "refclocks", "tempcomp", "rtc", "selection"};

/* chrony's titles (ntp_core.c, sourcestats.c, reference.c, refclock.c,
 * tempcomp.c, sources.c). */
static const char *const columns[LOGFMT_FILES] = {
  "   Date (UTC) Time     IP Address   L St 123 567 ABCD  LP RP Score    Offset  Peer del. "
  "Peer disp.  Root del. Root disp. Refid     MTxRx",
  "   Date (UTC) Time     IP Address    Std dev'n Est offset  Offset sd  Diff freq   Est skew"
  "  Stress  Ns  Bs  Nr  Asym",
  "   Date (UTC) Time     IP Address   St   Freq ppm   Skew ppm     Offset L Co  Offset sd "
  "Rem. corr. Root delay Root disp. Max. error",
  "   Date (UTC) Time         Refid  DP L P  Raw offset   Cooked offset      Disp.",
  "   Date (UTC) Time        Temp.       Comp.",      /* tempcomp.c */
  "   Date (UTC) Time   RTC fast (s) Val   Est fast (s)   Slope (ppm)  Ns  Nr Meas",  /* rtc_linux.c */
  "   Date (UTC) Time     IP Address   S EOpts Reach Score Last sample  Low end   High end",
};

const char *logfmt_name(enum logfmt_file f)
{
  return (unsigned)f < LOGFMT_FILES ? names[f] : "";
}

const char *logfmt_columns(enum logfmt_file f)
{
  return (unsigned)f < LOGFMT_FILES ? columns[f] : "";
}

/* snprintf into buf; 0 and "" if it does not fit. */
__attribute__((format(printf, 3, 4)))
static size_t fmt(char *buf, size_t cap, const char *format, ...)
{
  va_list ap;
  if (cap == 0)
    return 0;
  va_start(ap, format);
  int n = vsnprintf(buf, cap, format, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= cap) {
    buf[0] = '\0';
    return 0;
  }
  return (size_t)n;
}

size_t logfmt_banner(char *buf, size_t cap, enum logfmt_file f)
{
  char ruler[256];
  size_t len = strlen(logfmt_columns(f));
  if (len >= sizeof(ruler))
    len = sizeof(ruler) - 1;
  memset(ruler, '=', len);
  ruler[len] = '\0';
  return fmt(buf, cap, "%s\n%s\n%s\n", ruler, logfmt_columns(f), ruler);
}

/* chrony's UTI_TimeToLogForm: "YYYY-MM-DD HH:MM:SS" in UTC. */
static const char *log_time(const struct timespec *t, char out[32])
{
  struct tm tm;
  time_t sec = t->tv_sec;
  if (!gmtime_r(&sec, &tm) || strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
    snprintf(out, 32, "%s", "1970-01-01 00:00:00");
  return out;
}

/* chrony's sign, without printing -0. */
static double neg(double x)
{
  return x == 0.0 ? 0.0 : -x;
}

static char leap_char(uint8_t leap)
{
  static const char chars[4] = {'N', '+', '-', '?'};
  return chars[leap & 3];
}

/* chrony's timestamp source characters: daemon, kernel, hardware. */
static char ts_char(enum plat_ts_source s)
{
  return s == PLAT_TS_HARDWARE ? 'H' : s == PLAT_TS_KERNEL ? 'K' : 'D';
}

size_t logfmt_measurement(char *buf, size_t cap, const struct client_log_measurement *m)
{
  char t[32], a[ADDR_STR_LEN];
  const bool *x = m->test;
  return fmt(buf, cap,
             "%s %-15s %1c %2d %1d%1d%1d %1d%1d%1d %1d%1d%1d%1d  %2d %2d %4.2f %10.3e %10.3e "
             "%10.3e %10.3e %10.3e %08" PRIX32 " %1d%1c %1c %1c\n",
             log_time(&m->time, t), addr_format(&m->addr, a), leap_char(m->leap), m->stratum,
             x[CLIENT_TEST_1], x[CLIENT_TEST_2], x[CLIENT_TEST_3], x[CLIENT_TEST_5],
             x[CLIENT_TEST_6], x[CLIENT_TEST_7], x[CLIENT_TEST_A], x[CLIENT_TEST_B],
             x[CLIENT_TEST_C], x[CLIENT_TEST_D], m->local_poll, m->remote_poll, m->score,
             m->offset, m->peer_delay, m->peer_dispersion, m->root_delay, m->root_dispersion,
             m->refid, m->mode & 7, m->interleaved ? 'I' : 'B', ts_char(m->tx_source),
             ts_char(m->rx_source));
}

size_t logfmt_statistics(char *buf, size_t cap, const struct client_log_statistics *s)
{
  char t[32], a[ADDR_STR_LEN];
  const char *source = s->addr.family == ADDR_UNSPEC ? rcl_refid_text(s->refid, a)
                                                     : addr_format(&s->addr, a);
  return fmt(buf, cap, "%s %-15s %10.3e %10.3e %10.3e %10.3e %10.3e %7.1e %3d %3d %3d %5.2f\n",
             log_time(&s->time, t), source, s->std_dev, neg(s->offset),
             s->offset_sd, neg(s->frequency), s->skew, s->stress, s->n_samples, s->best_start,
             s->n_runs, s->asymmetry);
}

size_t logfmt_tempcomp(char *buf, size_t cap, const struct timespec *when, double temp,
                       double comp)
{
  char t[32];
  return fmt(buf, cap, "%s %11.4e %11.4e\n", log_time(when, t), temp, comp);
}

size_t logfmt_rtc(char *buf, size_t cap, const struct rtct_log *l)
{
  char t[32];
  struct timespec whole = {.tv_sec = l->sys_time.tv_sec};
  return fmt(buf, cap, "%s %14.6f %1d  %14.6f  %12.3f  %2d  %2d %4d\n", log_time(&whole, t),
             l->rtc_fast, l->valid ? 1 : 0, l->est_fast, l->slope_ppm, l->n_samples, l->n_runs,
             l->period);
}

size_t logfmt_tracking(char *buf, size_t cap, const struct ref_log *tr)
{
  char t[32], a[ADDR_STR_LEN];
  /* A reference clock has no address: its refid, as chronyd. */
  const char *source = tr->addr.family == ADDR_UNSPEC ? rcl_refid_text(tr->refid, a)
                                                      : addr_format(&tr->addr, a);
  return fmt(buf, cap,
             "%s %-15s %2d %10.3f %10.3f %10.3e %1c %2d %10.3e %10.3e %10.3e %10.3e %10.3e\n",
             log_time(&tr->time, t), source, tr->stratum, neg(tr->freq_ppm),
             tr->skew_ppm, neg(tr->offset), leap_char(tr->leap), tr->combined, tr->offset_sd,
             neg(tr->remaining), tr->root_delay, tr->root_dispersion, tr->max_error);
}

size_t logfmt_selection(char *buf, size_t cap, const struct client_log_selection *s)
{
  char t[32], a[ADDR_STR_LEN];
  const char *source = s->addr.family == ADDR_UNSPEC ? rcl_refid_text(s->refid, a)
                                                     : addr_format(&s->addr, a);
  /* The first option column is always '-' in chronyd's. */
  return fmt(buf, cap, "%s %-15s %c -%c%c%c%c %4o %5.2f %10.3e %10.3e %10.3e\n",
             log_time(&s->time, t), source, sel_status_char(s->status),
             s->noselect ? 'N' : '-', s->prefer ? 'P' : '-', s->trust ? 'T' : '-',
             s->require ? 'R' : '-', (unsigned)s->reach, s->score, s->last_sample_ago,
             neg(s->hi), neg(s->lo));
}

size_t logfmt_refclock(char *buf, size_t cap, const struct rcl_log_sample *s)
{
  static const char sync[4] = {'N', '+', '-', '?'};
  char t[32], id[5];
  char leap = sync[s->leap & 3];
  rcl_refid_text(s->refid, id);
  if (s->filtered)
    return fmt(buf, cap, "%s.%06ld %-5s   - %1c -       -       %13.6e %10.3e\n",
               log_time(&s->time, t), s->time.tv_nsec / 1000, id, leap, s->cooked_offset,
               s->dispersion);
  return fmt(buf, cap, "%s.%06ld %-5s %3d %1c %1d %13.6e %13.6e %10.3e\n", log_time(&s->time, t),
             s->time.tv_nsec / 1000, id, s->driver_polled, leap, s->pulse, s->raw_offset,
             s->cooked_offset, s->dispersion);
}

void logfmt_clean(char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 ? *s != '\t' : *s == 0x7f)
      *s = '?';
}
