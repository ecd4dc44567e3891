#include "core/dumpfile.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER "SRC0"
#define MAX_LINE 512
#define MAX_FIELDS 8
#define MAX_REACH_SIZE 8

struct reader {
  const char *p;
  int line;
  char buf[MAX_LINE];
  char *field[MAX_FIELDS];
  int n_fields;
};

/* The next line, split at single spaces into fields; false if there is no
 * complete line, it is too long, or it has an empty field. */
static bool next_line(struct reader *r)
{
  const char *end = strchr(r->p, '\n');
  r->line++;
  if (!end || end - r->p >= MAX_LINE)
    return false;
  size_t len = (size_t)(end - r->p);
  memcpy(r->buf, r->p, len);
  r->buf[len] = '\0';
  r->p = end + 1;
  r->n_fields = 0;
  for (char *s = r->buf;; s++) {
    char *sp = strchr(s, ' ');
    if (r->n_fields == MAX_FIELDS || (sp ? sp : s + strlen(s)) == s)
      return false;
    r->field[r->n_fields++] = s;
    if (!sp)
      return true;
    *sp = '\0';
    s = sp;
  }
}

static bool parse_int(const char *s, int base, long long min, long long max, long long *out)
{
  const char *d = s + (*s == '-');
  const char *digits = base == 8 ? "01234567" : "0123456789";
  if (!*d || strspn(d, digits) != strlen(d) || strlen(d) > 19)
    return false;
  errno = 0;
  long long v = strtoll(s, NULL, base);
  if (errno || v < min || v > max)
    return false;
  *out = v;
  return true;
}

/* chrony's sign (local minus server) and back, without a negative zero. */
static double chrony_sign(double x)
{
  return x == 0.0 ? 0.0 : -x;
}

static bool parse_double(const char *s, double *out)
{
  char *end;
  if (!*s || isspace((unsigned char)*s))
    return false;
  double v = strtod(s, &end);
  if (*end || !isfinite(v))
    return false;
  *out = v;
  return true;
}

/* "AUTH REACH REACH_SIZE STRATUM LEAP" */
static bool parse_state(struct reader *r, struct dumpfile *d)
{
  long long v[5];
  if (!next_line(r) || r->n_fields != 5 || !parse_int(r->field[0], 10, 0, 1, &v[0]) ||
      !parse_int(r->field[1], 8, 0, 0377, &v[1]) ||
      !parse_int(r->field[2], 10, 0, MAX_REACH_SIZE, &v[2]) ||
      !parse_int(r->field[3], 10, 0, 15, &v[3]) || !parse_int(r->field[4], 10, 0, 2, &v[4]))
    return false;
  d->authenticated = v[0];
  d->reach = (uint8_t)v[1];
  d->reach_size = (int)v[2];
  d->stats.stratum = (int)v[3];
  d->stats.leap = (uint8_t)v[4];
  return true;
}

/* "SEC.NSEC" as chronyd writes it: nine digits of nanoseconds. */
static bool parse_time(const char *s, struct timespec *t)
{
  const char *dot = strchr(s, '.');
  char sec[24];
  long long v, ns;
  if (!dot || (size_t)(dot - s) >= sizeof(sec) || strlen(dot + 1) != 9 ||
      strspn(s, "0123456789") != (size_t)(dot - s) || strspn(dot + 1, "0123456789") != 9)
    return false;
  memcpy(sec, s, (size_t)(dot - s));
  sec[dot - s] = '\0';
  if (!parse_int(sec, 10, 0, 1LL << 40, &v) || !parse_int(dot + 1, 10, 0, 999999999, &ns))
    return false;
  t->tv_sec = (time_t)v;
  t->tv_nsec = (long)ns;
  return true;
}

static bool parse_sample(struct reader *r, struct sst_dump_sample *x)
{
  double v[6];
  if (!next_line(r) || r->n_fields != 7 || !parse_time(r->field[0], &x->time))
    return false;
  for (int i = 0; i < 6; i++)
    if (!parse_double(r->field[1 + i], &v[i]))
      return false;
  x->offset = chrony_sign(v[0]);
  x->orig_offset = chrony_sign(v[1]);
  x->peer_delay = v[2];
  x->peer_dispersion = v[3];
  x->root_delay = v[4];
  x->root_dispersion = v[5];
  return true;
}

enum dumpfile_status dumpfile_parse(const char *text, struct dumpfile *out, int *line)
{
  struct reader r = {.p = text};
  long long n, run;

  memset(out, 0, sizeof(*out));
  if (!next_line(&r) || r.n_fields != 1 || strcmp(r.field[0], HEADER) != 0) {
    *line = 1;
    return DUMPFILE_OTHER_VERSION;
  }
  /* The name as dumpfile_format writes one: no tab or carriage return. */
  bool ok = next_line(&r) && r.n_fields == 1 && strlen(r.field[0]) < sizeof(out->name) &&
            strcspn(r.field[0], "\t\r") == strlen(r.field[0]);
  if (ok)
    strcpy(out->name, r.field[0]);
  ok = ok && parse_state(&r, out) && next_line(&r) && r.n_fields == 2 &&
       parse_int(r.field[0], 10, 1, SST_MAX_SAMPLES, &n) &&
       parse_int(r.field[1], 10, -1000, 1000, &run);
  if (ok) {
    out->stats.n = (int)n;
    out->stats.asymmetry_run = (int)run;
    for (int i = 0; i < out->stats.n && ok; i++)
      ok = parse_sample(&r, &out->stats.samples[i]);
  }
  if (ok && *r.p != '\0') {
    r.line++;
    ok = false;
  }
  /* Values each fine, but not together (times out of order...): the
   * sample lines as a whole are wrong. */
  if (ok && !sst_dump_valid(&out->stats)) {
    r.line = 5;
    ok = false;
  }
  *line = r.line;
  return ok ? DUMPFILE_OK : DUMPFILE_CORRUPT;
}

size_t dumpfile_format(char *buf, size_t cap, const struct dumpfile *d)
{
  const struct sst_dump *s = &d->stats;
  if (cap == 0 || !sst_dump_valid(s) || s->n < 1 || !d->name[0] ||
      strcspn(d->name, " \t\r\n") != strlen(d->name) || d->reach_size < 0 ||
      d->reach_size > MAX_REACH_SIZE || s->leap > 2)
    return 0;
  size_t len = 0;
  int n = snprintf(buf, cap, HEADER "\n%s\n%d %o %d %d %d\n%d %d\n", d->name, d->authenticated,
                   d->reach, d->reach_size, s->stratum, s->leap, s->n, s->asymmetry_run);
  for (int i = 0; n >= 0 && (size_t)n < cap - len; i++) {
    len += (size_t)n;
    if (i == s->n)
      return len;
    const struct sst_dump_sample *x = &s->samples[i];
    n = snprintf(buf + len, cap - len, "%lld.%09ld %.6e %.6e %.6e %.6e %.6e %.6e\n",
                 (long long)x->time.tv_sec, x->time.tv_nsec, chrony_sign(x->offset),
                 chrony_sign(x->orig_offset), x->peer_delay, x->peer_dispersion, x->root_delay,
                 x->root_dispersion);
  }
  return 0;
}
