#include "stratumc/format.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "proto/cmdmon.h"

/* One row of the unit ladder: below `limit` seconds, print value/divisor
 * with this many decimals and this suffix. */
struct unit_step {
  double limit, divisor;
  int decimals;
  const char *suffix;
};

static const struct unit_step offset_steps[] = {
  {9999.5e-9, 1e-9, 0, "ns"}, {9999.5e-6, 1e-6, 0, "us"}, {9999.5e-3, 1e-3, 0, "ms"},
  {999.5, 1.0, 1, "s"}, {99999.5, 1.0, 0, "s"}, {99999.5 * 60, 60.0, 0, "m"},
  {99999.5 * 3600, 3600.0, 0, "h"}, {99999.5 * 86400, 86400.0, 0, "d"},
};

void sc_fmt_offset(char *buf, size_t len, double seconds, int with_sign)
{
  size_t n = sizeof(offset_steps) / sizeof(offset_steps[0]);
  const struct unit_step *s = NULL;
  double x = fabs(seconds);
  for (size_t i = 0; i < n && !s; i++)
    if (x < offset_steps[i].limit)
      s = &offset_steps[i];
  double value = with_sign ? seconds : x;
  /* the two-letter units take one column less for the number */
  int width = (s && s->suffix[1] ? 4 : 5) + (with_sign ? 1 : 0);
  if (!s) {
    snprintf(buf, len, with_sign ? "%+*.0fy" : "%*.0fy", width, value / (86400.0 * 365));
    return;
  }
  snprintf(buf, len, with_sign ? "%+*.*f%s" : "%*.*f%s", width, s->decimals,
           value / s->divisor, s->suffix);
}

void sc_fmt_interval(char *buf, size_t len, uint32_t s)
{
  if (s == UINT32_MAX)
    snprintf(buf, len, "   -");
  else if (s < 1200)
    snprintf(buf, len, "%4" PRIu32, s);
  else if (s < 36000)
    snprintf(buf, len, "%3" PRIu32 "m", s / 60);
  else if (s < 345600)
    snprintf(buf, len, "%3" PRIu32 "h", s / 3600);
  else if (s / 86400 > 999)
    snprintf(buf, len, "%3" PRIu32 "y", s / 86400 / 365);
  else
    snprintf(buf, len, "%3" PRIu32 "d", s / 86400);
}

void sc_fmt_freq(char *buf, size_t len, double ppm, int with_sign)
{
  int decimals = fabs(ppm) < 99999.5 ? 3 : 0;
  snprintf(buf, len, with_sign ? "%+10.*f" : "%10.*f", decimals, ppm);
}

void sc_fmt_log_interval(char *buf, size_t len, int rate)
{
  if (rate >= 127)
    snprintf(buf, len, " -");
  else
    snprintf(buf, len, "%2d", rate);
}

void sc_fmt_utc(char *buf, size_t len, const struct timespec *t)
{
  struct tm tm;
  time_t sec = t->tv_sec;
  if (len == 0)
    return;
  buf[0] = '\0';
  if (gmtime_r(&sec, &tm))
    strftime(buf, len, "%a %b %d %H:%M:%S %Y", &tm);
}

void sc_fmt_epoch(char *buf, size_t len, const struct timespec *t)
{
  snprintf(buf, len, "%lld.%09ld", (long long)t->tv_sec, (long)t->tv_nsec);
}

void sc_fmt_bits(char *buf, size_t len, unsigned v, int bits)
{
  size_t n = 0;
  for (int i = bits - 1; i >= 0 && n + 1 < len; i--)
    buf[n++] = (v >> i) & 1 ? '1' : '0';
  if (len > 0)
    buf[n] = '\0';
}

const char *sc_leap_name(int leap, int short_form)
{
  static const char *const names[][2] = {
    {"Normal", "N"}, {"Insert second", "+"}, {"Delete second", "-"}, {"Not synchronised", "?"},
  };
  if (leap < 0 || leap > 3)
    return short_form ? "?" : "Invalid";
  return names[leap][short_form ? 1 : 0];
}

const char *sc_ntp_mode_name(int mode)
{
  switch (mode) {
  case 1: return "Symmetric active";
  case 2: return "Symmetric passive";
  case 4: return "Server";
  default: return "Invalid";
  }
}

const char *sc_timestamp_source_name(int c)
{
  switch (c) {
  case 'D': return "Daemon";
  case 'K': return "Kernel";
  case 'H': return "Hardware";
  default: return "Invalid";
  }
}

const char *sc_status_text(int status)
{
  switch (status) {
  case CMD_STT_SUCCESS: return "200 OK";
  case CMD_STT_ACCESSALLOWED: return "208 Access allowed";
  case CMD_STT_ACCESSDENIED: return "209 Access denied";
  case CMD_STT_FAILED: return "500 Failure";
  case CMD_STT_UNAUTH: return "501 Not authorised";
  case CMD_STT_INVALID: return "502 Invalid command";
  case CMD_STT_NOSUCHSOURCE: return "503 No such source";
  case CMD_STT_INVALIDTS: return "504 Duplicate or stale logon detected";
  case CMD_STT_NOTENABLED: return "505 Facility not enabled in daemon";
  case CMD_STT_BADSUBNET: return "507 Bad subnet";
  case 10: return "510 No command access from this host";
  case CMD_STT_SOURCEALREADYKNOWN: return "511 Source already present";
  case CMD_STT_TOOMANYSOURCES: return "512 Too many sources present";
  case CMD_STT_NORTC: return "513 RTC driver not running";
  case CMD_STT_BADRTCFILE: return "514 Can't write RTC parameters";
  case CMD_STT_INVALIDAF: return "515 Invalid address family";
  case CMD_STT_BADSAMPLE: return "516 Sample index out of range";
  case CMD_STT_BADPKTVERSION: return "517 Protocol version mismatch";
  case CMD_STT_BADPKTLENGTH: return "518 Packet length mismatch";
  case CMD_STT_INACTIVE: return "519 Client logging is not active in the daemon";
  case CMD_STT_INVALIDNAME: return "521 Invalid name";
  default: return "520 Got unexpected error from daemon";
  }
}

double sc_log2_to_double(int l)
{
  if (l >= 0)
    return (double)(1U << (l > 31 ? 31 : l));
  return 1.0 / (double)(1U << (l < -31 ? 31 : -l));
}
