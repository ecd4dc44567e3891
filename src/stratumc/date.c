/* date: see date.h. */
#include "stratumc/date.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TOKENS 16
#define MAX_NUMBER 1000000L   /* larger numbers are no part of a date */

enum tok_kind { T_NUM, T_WORD, T_PUNCT };

struct tok {
  enum tok_kind kind;
  long num;
  char text[12];             /* a word, lowercased (longer ones cut, then refused) */
  size_t len;                /* its full length */
  char punct;
};

struct parts {
  bool have_time, have_date, have_zone, have_year;
  int hour, min, sec, meridian;   /* meridian: 0 24-hour, 1 am, 2 pm */
  int year, mon, day;             /* mon 1-12 */
};

static const char *const months[] = {"january", "february", "march", "april", "may", "june",
                                     "july", "august", "september", "october", "november",
                                     "december"};

static int tokenize(const char *s, struct tok *t)
{
  int n = 0;
  while (*s) {
    if (isspace((unsigned char)*s)) {
      s++;
      continue;
    }
    if (n == MAX_TOKENS)
      return -1;
    struct tok *k = &t[n++];
    memset(k, 0, sizeof(*k));
    if (isdigit((unsigned char)*s)) {
      k->kind = T_NUM;
      while (isdigit((unsigned char)*s)) {
        k->num = k->num * 10 + (*s++ - '0');
        if (k->num >= MAX_NUMBER)
          return -1;
        k->len++;
      }
    } else if (isalpha((unsigned char)*s)) {
      k->kind = T_WORD;
      for (; isalpha((unsigned char)*s) || *s == '.'; s++) {
        if (*s == '.')
          continue;                /* a.m., Sept. */
        if (k->len < sizeof(k->text) - 1)
          k->text[k->len] = (char)tolower((unsigned char)*s);
        k->len++;
      }
    } else if (strchr(":/-,", *s)) {
      k->kind = T_PUNCT;
      k->punct = *s++;
    } else {
      return -1;
    }
  }
  return n;
}

static bool is_punct(const struct tok *t, int n, int i, char c)
{
  return i < n && t[i].kind == T_PUNCT && t[i].punct == c;
}

static bool is_num(const struct tok *t, int n, int i)
{
  return i < n && t[i].kind == T_NUM;
}

/* A month's name (whole, or its first three letters or more): 1-12, else 0. */
static int month_of(const struct tok *k)
{
  if (k->kind != T_WORD || k->len < 3 || k->len >= sizeof(k->text))
    return 0;
  for (int m = 0; m < 12; m++)
    if (strncmp(months[m], k->text, k->len) == 0)
      return m + 1;
  return 0;
}

static int meridian_of(const struct tok *t, int n, int i)
{
  if (i >= n || t[i].kind != T_WORD)
    return 0;
  return strcmp(t[i].text, "am") == 0 ? 1 : strcmp(t[i].text, "pm") == 0 ? 2 : 0;
}

static int full_year(long y, size_t digits)
{
  if (digits <= 2)
    return (int)(y < 69 ? 2000 + y : 1900 + y);
  return (int)y;
}

static bool set_date(struct parts *p, int year, bool have_year, long mon, long day)
{
  if (p->have_date || mon < 1 || mon > 12 || day < 1 || day > 31)
    return false;
  p->have_date = true;
  p->have_year = have_year;
  p->year = year;
  p->mon = (int)mon;
  p->day = (int)day;
  return true;
}

/* One item at t[i]; the index after it, or -1. */
static int item(const struct tok *t, int n, int i, struct parts *p)
{
  const struct tok *k = &t[i];
  int m;

  if (k->kind == T_NUM && is_punct(t, n, i + 1, ':') && is_num(t, n, i + 2)) {
    if (p->have_time)
      return -1;
    p->have_time = true;
    p->hour = (int)k->num;
    p->min = (int)t[i + 2].num;
    i += 3;
    if (is_punct(t, n, i, ':') && is_num(t, n, i + 1)) {
      p->sec = (int)t[i + 1].num;
      i += 2;
    }
    if ((p->meridian = meridian_of(t, n, i)) != 0)
      i++;
    return i;
  }
  if (k->kind == T_NUM && meridian_of(t, n, i + 1)) {
    if (p->have_time)
      return -1;
    p->have_time = true;
    p->hour = (int)k->num;
    p->meridian = meridian_of(t, n, i + 1);
    return i + 2;
  }
  if (k->kind == T_NUM && is_punct(t, n, i + 1, '-') && is_num(t, n, i + 2) &&
      is_punct(t, n, i + 3, '-') && is_num(t, n, i + 4))
    return set_date(p, full_year(k->num, k->len), true, t[i + 2].num, t[i + 4].num) ? i + 5 : -1;
  if (k->kind == T_NUM && is_punct(t, n, i + 1, '/') && is_num(t, n, i + 2)) {
    if (is_punct(t, n, i + 3, '/') && is_num(t, n, i + 4)) {
      if (k->num >= 1000)
        return set_date(p, (int)k->num, true, t[i + 2].num, t[i + 4].num) ? i + 5 : -1;
      return set_date(p, full_year(t[i + 4].num, t[i + 4].len), true, k->num, t[i + 2].num)
                 ? i + 5
                 : -1;
    }
    return set_date(p, 0, false, k->num, t[i + 2].num) ? i + 3 : -1;
  }
  if ((m = month_of(k)) != 0 && is_num(t, n, i + 1)) {
    long day = t[i + 1].num;
    i += 2;
    if (is_punct(t, n, i, ','))
      i++;
    /* A year follows unless it is the hour of a time. */
    if (is_num(t, n, i) && !is_punct(t, n, i + 1, ':') && !meridian_of(t, n, i + 1))
      return set_date(p, full_year(t[i].num, t[i].len), true, m, day) ? i + 1 : -1;
    return set_date(p, 0, false, m, day) ? i : -1;
  }
  if (k->kind == T_NUM && i + 1 < n && (m = month_of(&t[i + 1])) != 0) {
    long day = k->num;
    i += 2;
    if (is_num(t, n, i) && !is_punct(t, n, i + 1, ':') && !meridian_of(t, n, i + 1))
      return set_date(p, full_year(t[i].num, t[i].len), true, m, day) ? i + 1 : -1;
    return set_date(p, 0, false, m, day) ? i : -1;
  }
  if (k->kind == T_WORD && k->len < sizeof(k->text) &&
      (strcmp(k->text, "utc") == 0 || strcmp(k->text, "ut") == 0 ||
       strcmp(k->text, "gmt") == 0 || strcmp(k->text, "z") == 0)) {
    if (p->have_zone)
      return -1;
    p->have_zone = true;
    return i + 1;
  }
  return -1;
}

bool sc_date_parse(const char *text, time_t now, time_t *out)
{
  struct tok t[MAX_TOKENS];
  struct parts p;
  int n = tokenize(text, t);

  memset(&p, 0, sizeof(p));
  if (n <= 0)
    return false;
  for (int i = 0; i < n;) {
    if (is_punct(t, n, i, ',')) {
      i++;
      continue;
    }
    if ((i = item(t, n, i, &p)) < 0)
      return false;
  }
  if (p.meridian) {
    if (p.hour < 1 || p.hour > 12)
      return false;
    p.hour = p.hour % 12 + (p.meridian == 2 ? 12 : 0);
  }
  if (p.hour > 23 || p.min > 59 || p.sec > 59)
    return false;

  struct tm today;
  if (!(p.have_zone ? gmtime_r(&now, &today) : localtime_r(&now, &today)))
    return false;
  struct tm tm = {.tm_sec = p.sec, .tm_min = p.min, .tm_hour = p.hour, .tm_isdst = -1};
  tm.tm_year = p.have_year ? p.year - 1900 : today.tm_year;
  tm.tm_mon = p.have_date ? p.mon - 1 : today.tm_mon;
  tm.tm_mday = p.have_date ? p.day : today.tm_mday;
  if (tm.tm_year < 70)
    return false;
  struct tm check = tm;
  time_t r = p.have_zone ? timegm(&tm) : mktime(&tm);
  /* 31 February is no date: the library would have made it March. */
  if (r == (time_t)-1 || tm.tm_mday != check.tm_mday || tm.tm_mon != check.tm_mon)
    return false;
  *out = r;
  return true;
}
