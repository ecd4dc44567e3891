#include "stratumc/logline.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 512
#define MAX_TOKENS 24

static const char *const names[SC_LOG_KINDS] = {"measurements", "statistics", "tracking",
                                                "refclocks"};

const char *sc_log_name(enum sc_log_kind kind)
{
  return (unsigned)kind < SC_LOG_KINDS ? names[kind] : "";
}

/* n decimal digits at s -> *out. */
static bool digits(const char *s, int n, int *out)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i]))
      return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

static bool leap_year(int y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (counted in 400-year eras from March 1st, 0000). */
static long days_from_epoch(int y, int m, int d)
{
  y -= m <= 2;
  long era = y / 400;                               /* y >= 1900 here */
  long yoe = y - era * 400;
  long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int sc_log_time(const char *date, const char *time, double *out)
{
  static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y, mo, d, h, mi, s;
  if (strlen(date) != 10 || date[4] != '-' || date[7] != '-' || !digits(date, 4, &y) ||
      !digits(date + 5, 2, &mo) || !digits(date + 8, 2, &d) || y < 1900 || mo < 1 || mo > 12 ||
      d < 1 || d > month_days[mo - 1] + (mo == 2 && leap_year(y)))
    return 0;
  if (strlen(time) < 8 || time[2] != ':' || time[5] != ':' || !digits(time, 2, &h) ||
      !digits(time + 3, 2, &mi) || !digits(time + 6, 2, &s) || h > 23 || mi > 59 || s > 60)
    return 0;
  double frac = 0.0, unit = 0.1;
  const char *p = time + 8;
  if (*p == '.') {
    if (!p[1])
      return 0;
    for (p++; *p; p++, unit /= 10) {
      if (!isdigit((unsigned char)*p))
        return 0;
      frac += (*p - '0') * unit;
    }
  } else if (*p) {
    return 0;
  }
  *out = ((double)days_from_epoch(y, mo, d) * 86400.0 + h * 3600 + mi * 60 + s) + frac;
  return 1;
}

/* Far beyond any offset, delay or frequency: a value this large is garbage,
 * and refusing it keeps every sum and axis of the report finite. */
#define VALUE_MAX 1e20

static bool number(const char *s, double *out)
{
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end || !(fabs(v) < VALUE_MAX))
    return false;
  *out = v;
  return true;
}

/* The values at the token indexes idx[0..n-1] into v[0..n-1]. */
static bool numbers(char **tok, const int *idx, int n, double *v)
{
  for (int i = 0; i < n; i++)
    if (!number(tok[idx[i]], &v[i]))
      return false;
  return true;
}

/* A source is an address or a refid: printable ASCII. */
static bool source(const char *s, char *out)
{
  size_t len = strlen(s);
  if (len >= SC_LOG_SOURCE_LEN)
    return false;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
      return false;
  memcpy(out, s, len + 1);
  return true;
}

static int split(char *buf, char **tok)
{
  int n = 0;
  for (char *p = buf; *p;) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
      *p++ = '\0';
    if (!*p)
      break;
    if (n == MAX_TOKENS)
      return n + 1;
    tok[n++] = p;
    while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
      p++;
  }
  return n;
}

/* Columns of the values, in the order of the kind's enum. */
static const int meas_cols[] = {11, 12, 13, 14, 15};
static const int stat_cols[] = {3, 4, 5, 6, 7, 8};
static const int trk_cols[] = {4, 5, 6, 11, 12, 13, 9, 10};
static const int ref_cols[] = {7, 8};

enum sc_log_line sc_log_parse(enum sc_log_kind kind, const char *line, struct sc_log_record *r)
{
  char buf[LINE_MAX_LEN], *tok[MAX_TOKENS];
  double v[8];
  size_t len = strlen(line);
  if (len >= sizeof(buf))
    return SC_LINE_BAD;
  memcpy(buf, line, len + 1);
  int n = split(buf, tok);
  if (n == 0 || tok[0][0] == '=' || !strcmp(tok[0], "Date"))
    return SC_LINE_SKIP;                  /* empty, or a banner's ruler or titles */
  memset(r, 0, sizeof(*r));
  if (n < 3 || !sc_log_time(tok[0], tok[1], &r->time) || !source(tok[2], r->source))
    return SC_LINE_BAD;
  switch (kind) {
  case SC_LOG_MEASUREMENTS:              /* 20 columns; chrony before 4.0 had fewer at the end */
    if (n < 17 || n > 20 || !numbers(tok, meas_cols, 5, v))
      return SC_LINE_BAD;
    r->v[SC_MEAS_OFFSET] = v[0];
    r->v[SC_MEAS_DELAY] = v[1];
    return SC_LINE_DATA;
  case SC_LOG_STATISTICS:                /* 13 columns; 12 before chrony 4.0 (no Asym) */
    if (n < 12 || n > 13 || !numbers(tok, stat_cols, 6, v))
      return SC_LINE_BAD;
    r->v[SC_STAT_STD_DEV] = v[0];
    r->v[SC_STAT_OFFSET] = v[1];
    r->v[SC_STAT_OFFSET_SD] = v[2];
    r->v[SC_STAT_FREQ_PPM] = v[3];
    r->v[SC_STAT_SKEW_PPM] = v[4];
    return SC_LINE_DATA;
  case SC_LOG_TRACKING:
    if (n != 14 || !numbers(tok, trk_cols, 8, v))
      return SC_LINE_BAD;
    memcpy(r->v, v, sizeof(double) * SC_LOG_VALUES);
    return SC_LINE_DATA;
  case SC_LOG_REFCLOCKS:                 /* raw offset is "-" in a filtered sample */
    if (n != 9 || !numbers(tok, ref_cols, 2, v) ||
        (strcmp(tok[6], "-") && !number(tok[6], &v[2])))
      return SC_LINE_BAD;
    r->filtered = !strcmp(tok[3], "-");
    r->v[SC_REF_COOKED_OFFSET] = v[0];
    return SC_LINE_DATA;
  case SC_LOG_KINDS:
    break;
  }
  return SC_LINE_BAD;
}
