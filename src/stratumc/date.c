/* date: see date.h. The parser takes each item as getdate.y's LALR(1)
 * parser does: a token that can continue the item is always taken (bison
 * shifts), so "June 5 2024" is June 5 at 20:24 and "5 jun 12:00" is
 * refused, as chronyc has them. */
#include "stratumc/date.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#define WORD_MAX 19                /* chronyc keeps this much of a word */
#define HOUR(h) ((h) * 60)         /* zones: minutes west of UTC */

enum kind {
  K_END, K_UNUM, K_SNUM, K_MONTH, K_DAY, K_ZONE, K_DAYZONE, K_DST, K_MERIDIAN,
  K_YEAR_UNIT, K_MONTH_UNIT, K_DAY_UNIT, K_HOUR_UNIT, K_MINUTE_UNIT, K_SEC_UNIT, K_AGO,
  K_ID, K_CHAR
};

enum meridian { MER24, MER_AM, MER_PM };

struct token {
  enum kind kind;
  long value;                      /* a number, a table's value; K_CHAR: the character */
};

struct word {
  const char *name;
  enum kind kind;
  long value;
};

static const struct word month_day[] = {
  {"january", K_MONTH, 1}, {"february", K_MONTH, 2}, {"march", K_MONTH, 3},
  {"april", K_MONTH, 4}, {"may", K_MONTH, 5}, {"june", K_MONTH, 6}, {"july", K_MONTH, 7},
  {"august", K_MONTH, 8}, {"september", K_MONTH, 9}, {"sept", K_MONTH, 9},
  {"october", K_MONTH, 10}, {"november", K_MONTH, 11}, {"december", K_MONTH, 12},
  {"sunday", K_DAY, 0}, {"monday", K_DAY, 1}, {"tuesday", K_DAY, 2}, {"tues", K_DAY, 2},
  {"wednesday", K_DAY, 3}, {"wednes", K_DAY, 3}, {"thursday", K_DAY, 4}, {"thur", K_DAY, 4},
  {"thurs", K_DAY, 4}, {"friday", K_DAY, 5}, {"saturday", K_DAY, 6}, {NULL, K_END, 0}};

static const struct word units[] = {
  {"year", K_YEAR_UNIT, 1}, {"month", K_MONTH_UNIT, 1}, {"fortnight", K_DAY_UNIT, 14},
  {"week", K_DAY_UNIT, 7}, {"day", K_DAY_UNIT, 1}, {"hour", K_HOUR_UNIT, 1},
  {"minute", K_MINUTE_UNIT, 1}, {"min", K_MINUTE_UNIT, 1}, {"second", K_SEC_UNIT, 1},
  {"sec", K_SEC_UNIT, 1}, {NULL, K_END, 0}};

/* "second" is a unit, never the ordinal. */
static const struct word others[] = {
  {"tomorrow", K_MINUTE_UNIT, 24 * 60}, {"yesterday", K_MINUTE_UNIT, -24 * 60},
  {"today", K_MINUTE_UNIT, 0}, {"now", K_MINUTE_UNIT, 0}, {"last", K_UNUM, -1},
  {"this", K_MINUTE_UNIT, 0}, {"next", K_UNUM, 1}, {"first", K_UNUM, 1},
  {"third", K_UNUM, 3}, {"fourth", K_UNUM, 4}, {"fifth", K_UNUM, 5}, {"sixth", K_UNUM, 6},
  {"seventh", K_UNUM, 7}, {"eighth", K_UNUM, 8}, {"ninth", K_UNUM, 9},
  {"tenth", K_UNUM, 10}, {"eleventh", K_UNUM, 11}, {"twelfth", K_UNUM, 12},
  {"ago", K_AGO, 1}, {NULL, K_END, 0}};

static const struct word zones[] = {
  {"gmt", K_ZONE, HOUR(0)}, {"ut", K_ZONE, HOUR(0)}, {"utc", K_ZONE, HOUR(0)},
  {"wet", K_ZONE, HOUR(0)}, {"bst", K_DAYZONE, HOUR(0)}, {"wat", K_ZONE, HOUR(1)},
  {"at", K_ZONE, HOUR(2)}, {"ast", K_ZONE, HOUR(4)}, {"adt", K_DAYZONE, HOUR(4)},
  {"est", K_ZONE, HOUR(5)}, {"edt", K_DAYZONE, HOUR(5)}, {"cst", K_ZONE, HOUR(6)},
  {"cdt", K_DAYZONE, HOUR(6)}, {"mst", K_ZONE, HOUR(7)}, {"mdt", K_DAYZONE, HOUR(7)},
  {"pst", K_ZONE, HOUR(8)}, {"pdt", K_DAYZONE, HOUR(8)}, {"yst", K_ZONE, HOUR(9)},
  {"ydt", K_DAYZONE, HOUR(9)}, {"hst", K_ZONE, HOUR(10)}, {"hdt", K_DAYZONE, HOUR(10)},
  {"cat", K_ZONE, HOUR(10)}, {"ahst", K_ZONE, HOUR(10)}, {"nt", K_ZONE, HOUR(11)},
  {"idlw", K_ZONE, HOUR(12)}, {"cet", K_ZONE, -HOUR(1)}, {"met", K_ZONE, -HOUR(1)},
  {"mewt", K_ZONE, -HOUR(1)}, {"mest", K_DAYZONE, -HOUR(1)}, {"mesz", K_DAYZONE, -HOUR(1)},
  {"swt", K_ZONE, -HOUR(1)}, {"sst", K_DAYZONE, -HOUR(1)}, {"fwt", K_ZONE, -HOUR(1)},
  {"fst", K_DAYZONE, -HOUR(1)}, {"eet", K_ZONE, -HOUR(2)}, {"bt", K_ZONE, -HOUR(3)},
  {"zp4", K_ZONE, -HOUR(4)}, {"zp5", K_ZONE, -HOUR(5)}, {"zp6", K_ZONE, -HOUR(6)},
  {"wast", K_ZONE, -HOUR(7)}, {"wadt", K_DAYZONE, -HOUR(7)}, {"cct", K_ZONE, -HOUR(8)},
  {"jst", K_ZONE, -HOUR(9)}, {"east", K_ZONE, -HOUR(10)}, {"eadt", K_DAYZONE, -HOUR(10)},
  {"gst", K_ZONE, -HOUR(10)}, {"nzt", K_ZONE, -HOUR(12)}, {"nzst", K_ZONE, -HOUR(12)},
  {"nzdt", K_DAYZONE, -HOUR(12)}, {"idle", K_ZONE, -HOUR(12)}, {NULL, K_END, 0}};

/* The letters a-z but j, as zones: a-m east of UTC, n-y west, z UTC. */
static long military_zone(char c)
{
  if (c >= 'a' && c <= 'i')
    return HOUR(c - 'a' + 1);
  if (c >= 'k' && c <= 'm')
    return HOUR(c - 'k' + 10);
  if (c >= 'n' && c <= 'y')
    return -HOUR(c - 'n' + 1);
  return 0;                        /* z */
}

static bool is_space(char c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool find(const struct word *table, const char *w, struct token *t)
{
  for (; table->name; table++) {
    if (strcmp(table->name, w) == 0) {
      *t = (struct token){table->kind, table->value};
      return true;
    }
  }
  return false;
}

/* A word, lowercased, as getdate's LookupWord classes it. */
static struct token lookup(char *w)
{
  struct token t = {K_ID, 0};
  size_t len = strlen(w);
  if (strcmp(w, "am") == 0 || strcmp(w, "a.m.") == 0)
    return (struct token){K_MERIDIAN, MER_AM};
  if (strcmp(w, "pm") == 0 || strcmp(w, "p.m.") == 0)
    return (struct token){K_MERIDIAN, MER_PM};
  /* Three letters (or three and a period) abbreviate a month or day. */
  bool abbrev = len == 3 || (len == 4 && w[3] == '.');
  if (abbrev) {
    w[3] = '\0';
    for (const struct word *m = month_day; m->name; m++)
      if (strncmp(w, m->name, 3) == 0)
        return (struct token){m->kind, m->value};
  } else if (find(month_day, w, &t)) {
    return t;
  }
  if (find(zones, w, &t))
    return t;
  if (strcmp(w, "dst") == 0)
    return (struct token){K_DST, 0};
  if (find(units, w, &t))
    return t;
  len = strlen(w);
  if (len > 0 && w[len - 1] == 's') {   /* a plural unit */
    w[len - 1] = '\0';
    if (find(units, w, &t))
      return t;
    w[len - 1] = 's';
  }
  if (find(others, w, &t))
    return t;
  if (len == 1 && w[0] != 'j')
    return (struct token){K_ZONE, military_zone(w[0])};
  /* Zones written with periods (e.g. "u.t.c."). */
  char *q = w;
  for (const char *c = w; *c; c++)
    if (*c != '.')
      *q++ = *c;
  bool periods = *q != '\0';
  *q = '\0';
  if (periods && find(zones, w, &t))
    return t;
  return (struct token){K_ID, 0};
}

struct lexer {
  const char *p;
  struct token tok;                /* the lookahead */
};

static void next(struct lexer *l)
{
  for (;;) {
    while (is_space(*l->p))
      l->p++;
    char c = *l->p;
    if (is_digit(c) || c == '-' || c == '+') {
      int sign = 0;
      if (!is_digit(c)) {
        sign = c == '-' ? -1 : 1;
        if (!is_digit(*++l->p))
          continue;                  /* a sign alone is skipped */
      }
      long n = 0;
      for (; is_digit(*l->p); l->p++) {
        n = n * 10 + (*l->p - '0');
        if (n > INT_MAX) {         /* chronyc's int would overflow */
          l->tok = (struct token){K_CHAR, '0'};   /* no item takes it */
          return;
        }
      }
      l->tok = (struct token){sign ? K_SNUM : K_UNUM, sign < 0 ? -n : n};
      return;
    }
    if (is_alpha(c)) {
      char w[WORD_MAX + 1];
      size_t len = 0;
      for (; is_alpha(*l->p) || *l->p == '.'; l->p++)
        if (len < WORD_MAX)
          w[len++] = (char)(*l->p | 0x20);   /* lower case ('.' unchanged) */
      w[len] = '\0';
      l->tok = lookup(w);
      return;
    }
    if (c == '\0') {
      l->tok = (struct token){K_END, 0};
      return;
    }
    l->p++;
    if (c != '(') {
      l->tok = (struct token){K_CHAR, (unsigned char)c};
      return;
    }
    for (int depth = 1; depth > 0; l->p++) {   /* a comment, nested */
      if (*l->p == '\0') {
        l->tok = (struct token){K_END, 0};
        return;
      }
      depth += *l->p == '(' ? 1 : *l->p == ')' ? -1 : 0;
    }
  }
}

/* What the items set; unset parts are now's. */
struct parts {
  long year, month, day, hour, min, sec;
  enum meridian meridian;
  long zone;                       /* minutes west of UTC */
  int64_t rel[6];                  /* years, months, days, hours, minutes, seconds */
  long day_ordinal, day_number;
  int have_time, have_zone, have_date, have_day, have_rel;
};

static bool is_char(const struct lexer *l, char c)
{
  return l->tok.kind == K_CHAR && l->tok.value == c;
}

/* The current token if it is a K_UNUM: its value; false if not. */
static bool take_unum(struct lexer *l, long *v)
{
  if (l->tok.kind != K_UNUM)
    return false;
  *v = l->tok.value;
  next(l);
  return true;
}

static int unit_index(enum kind k)
{
  switch (k) {
  case K_YEAR_UNIT: return 0;
  case K_MONTH_UNIT: return 1;
  case K_DAY_UNIT: return 2;
  case K_HOUR_UNIT: return 3;
  case K_MINUTE_UNIT: return 4;
  case K_SEC_UNIT: return 5;
  default: return -1;
  }
}

/* A relative item: n times the unit now current, then `ago`, which
 * negates all of them so far. */
static bool relative(struct lexer *l, struct parts *p, long n)
{
  int64_t *r = &p->rel[unit_index(l->tok.kind)];
  *r += (int64_t)n * l->tok.value;
  if (*r > INT_MAX || *r < -INT_MAX)
    return false;                  /* chronyc's int would overflow */
  next(l);
  if (l->tok.kind == K_AGO) {
    for (int i = 0; i < 6; i++)
      p->rel[i] = -p->rel[i];
    next(l);
  }
  p->have_rel++;
  return true;
}

/* +-HHMM after a time: its zone. */
static long numeric_zone(long z)
{
  return z < 0 ? -z % 100 + (-z / 100) * 60 : -(z % 100 + (z / 100) * 60);
}

/* HH:MM[:SS] and what may follow, HH taken. */
static bool clock_time(struct lexer *l, struct parts *p, long hour)
{
  long min, sec;
  next(l);                         /* ':' */
  if (!take_unum(l, &min))
    return false;
  p->hour = hour;
  p->min = min;
  p->have_time++;
  bool seconds = is_char(l, ':');
  if (seconds) {
    next(l);
    if (!take_unum(l, &sec))
      return false;
    p->sec = sec;
  }
  p->meridian = MER24;
  if (l->tok.kind == K_MERIDIAN) {
    p->meridian = (enum meridian)l->tok.value;
    next(l);
  } else if (l->tok.kind == K_SNUM) {
    p->zone = numeric_zone(l->tok.value);   /* (the seconds stay now's without :SS) */
    p->have_zone++;
    next(l);
    return true;
  }
  if (!seconds)
    p->sec = 0;
  return true;
}

/* Items beginning with an unsigned number n, already taken. */
static bool after_number(struct lexer *l, struct parts *p, long n)
{
  long a, b;
  struct token t = l->tok;
  if (t.kind == K_MERIDIAN) {      /* H am|pm */
    next(l);
    p->hour = n;
    p->min = p->sec = 0;
    p->meridian = (enum meridian)t.value;
    p->have_time++;
    return true;
  }
  if (is_char(l, ':'))
    return clock_time(l, p, n);
  if (t.kind == K_DAY) {
    next(l);
    p->day_ordinal = n;
    p->day_number = t.value;
    p->have_day++;
    return true;
  }
  if (is_char(l, '/')) {
    next(l);
    if (!take_unum(l, &a))
      return false;
    p->have_date++;
    if (!is_char(l, '/')) {
      p->month = n;
      p->day = a;
      return true;
    }
    next(l);
    if (!take_unum(l, &b))
      return false;
    /* YYYY/MM/DD from 1000 on, else MM/DD/YY */
    p->year = n >= 1000 ? n : b;
    p->month = n >= 1000 ? a : n;
    p->day = n >= 1000 ? b : a;
    return true;
  }
  if (t.kind == K_SNUM) {          /* YYYY-MM-DD */
    next(l);
    if (l->tok.kind != K_SNUM)
      return false;
    p->year = n;
    p->month = -t.value;
    p->day = -l->tok.value;
    p->have_date++;
    next(l);
    return true;
  }
  if (t.kind == K_MONTH) {         /* DD Month [YYYY], DD-Mon-YYYY */
    next(l);
    p->day = n;
    p->month = t.value;
    if (l->tok.kind == K_SNUM || l->tok.kind == K_UNUM) {
      p->year = l->tok.kind == K_SNUM ? -l->tok.value : l->tok.value;
      next(l);
    }
    p->have_date++;
    return true;
  }
  if (unit_index(t.kind) >= 0)
    return relative(l, p, n);
  /* A bare number: the year after a time and a date, else YYYYMMDD or
   * HHMM. */
  if (p->have_time && p->have_date && !p->have_rel) {
    p->year = n;
  } else if (n > 10000) {
    p->have_date++;
    p->day = n % 100;
    p->month = (n / 100) % 100;
    p->year = n / 10000;
  } else {
    p->have_time++;
    p->hour = n < 100 ? n : n / 100;
    p->min = n < 100 ? 0 : n % 100;
    p->sec = 0;
    p->meridian = MER24;
  }
  return true;
}

static bool item(struct lexer *l, struct parts *p)
{
  struct token t = l->tok;
  long v;
  if (unit_index(t.kind) >= 0)
    return relative(l, p, 1);
  next(l);
  switch (t.kind) {
  case K_UNUM: return after_number(l, p, t.value);
  case K_SNUM: return unit_index(l->tok.kind) >= 0 && relative(l, p, t.value);
  case K_MONTH:                    /* Month DD[, YYYY] */
    if (!take_unum(l, &v))
      return false;
    p->month = t.value;
    p->day = v;
    p->have_date++;
    if (!is_char(l, ','))
      return true;
    next(l);
    return take_unum(l, &p->year);
  case K_DAY:
    if (is_char(l, ','))
      next(l);
    p->day_ordinal = 1;
    p->day_number = t.value;
    p->have_day++;
    return true;
  case K_ZONE:
    p->zone = t.value;
    if (l->tok.kind == K_DST) {
      p->zone -= 60;
      next(l);
    }
    p->have_zone++;
    return true;
  case K_DAYZONE:
    p->zone = t.value - 60;
    p->have_zone++;
    return true;
  default: return false;
  }
}

static long to_year(long y)
{
  y = y < 0 ? -y : y;
  return y < 69 ? y + 2000 : y < 100 ? y + 1900 : y;
}

static int to_hour(long h, enum meridian m)
{
  if (m == MER24)
    return h >= 0 && h <= 23 ? (int)h : -1;
  if (h < 1 || h > 12)
    return -1;
  return (int)(h % 12) + (m == MER_PM ? 12 : 0);
}

static bool fits(int64_t v, int *out)
{
  if (v < INT_MIN || v > INT_MAX)
    return false;
  *out = (int)v;
  return true;
}

bool sc_date_parse(const char *text, time_t now, time_t *out)
{
  struct tm today, tm;
  if (!localtime_r(&now, &today))
    return false;
  struct parts p = {.year = today.tm_year + 1900L, .month = today.tm_mon + 1,
                    .day = today.tm_mday, .hour = today.tm_hour, .min = today.tm_min,
                    .sec = today.tm_sec};
  struct lexer l = {.p = text};
  next(&l);
  while (l.tok.kind != K_END)
    if (!item(&l, &p))
      return false;
  if (p.have_time > 1 || p.have_zone > 1 || p.have_date > 1 || p.have_day > 1)
    return false;

  int64_t hour = 0, min = 0, sec = 0;
  /* A time, or only relative items: from the time (now's); else midnight. */
  if (p.have_time || (p.have_rel && !p.have_date && !p.have_day)) {
    if ((hour = to_hour(p.hour, p.meridian)) < 0)
      return false;
    min = p.min;
    sec = p.sec;
  }
  memset(&tm, 0, sizeof(tm));
  tm.tm_isdst = today.tm_isdst;
  if (!fits(to_year(p.year) - 1900 + p.rel[0], &tm.tm_year) ||
      !fits(p.month - 1 + p.rel[1], &tm.tm_mon) || !fits(p.day + p.rel[2], &tm.tm_mday) ||
      !fits(hour + p.rel[3], &tm.tm_hour) || !fits(min + p.rel[4], &tm.tm_min) ||
      !fits(sec + p.rel[5], &tm.tm_sec))
    return false;
  /* Summer time as mktime finds it but for a plain shift of now. */
  if (p.have_date || p.have_day || p.have_time || p.rel[0] || p.rel[1] || p.rel[2])
    tm.tm_isdst = -1;
  time_t t = mktime(&tm);
  if (t == (time_t)-1)
    return false;
  if (p.have_day && !p.have_date) {
    int64_t shift = (p.day_number - tm.tm_wday + 7) % 7 +
                    7 * ((int64_t)p.day_ordinal - (p.day_ordinal > 0));
    if (!fits(tm.tm_mday + shift, &tm.tm_mday) || (t = mktime(&tm)) == (time_t)-1)
      return false;
  }
  if (p.have_zone) {
    /* The fields were the zone's, not local time. */
    struct tm fields = tm;
    time_t as_utc = timegm(&fields);
    if (as_utc == (time_t)-1)
      return false;
    t = as_utc + (time_t)p.zone * 60;
  }
  *out = t;
  return true;
}
