#include "core/dumpfile.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER "stratumd-dump 1"
#define MAX_LINE 512
#define MAX_FIELDS 8

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

/* The line is KEYWORD followed by n more fields. */
static bool keyword_line(struct reader *r, const char *keyword, int n)
{
  return next_line(r) && r->n_fields == n + 1 && strcmp(r->field[0], keyword) == 0;
}

static bool parse_int(const char *s, long long min, long long max, long long *out)
{
  const char *d = s + (*s == '-');
  if (!*d || strspn(d, "0123456789") != strlen(d) || strlen(d) > 19)
    return false;
  errno = 0;
  long long v = strtoll(s, NULL, 10);
  if (errno || v < min || v > max)
    return false;
  *out = v;
  return true;
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

static bool parse_state(struct reader *r, struct sst_dump *d)
{
  long long stratum, leap, run;
  if (!keyword_line(r, "state", 4) || !parse_int(r->field[1], 0, 15, &stratum) ||
      !parse_int(r->field[2], 0, 3, &leap) || !parse_double(r->field[3], &d->asymmetry) ||
      !parse_int(r->field[4], -1000, 1000, &run))
    return false;
  d->stratum = (int)stratum;
  d->leap = (uint8_t)leap;
  d->asymmetry_run = (int)run;
  return true;
}

static bool parse_sample(struct reader *r, struct sst_dump_sample *x)
{
  long long sec, nsec;
  double *values[] = {&x->offset, &x->orig_offset, &x->peer_delay, &x->peer_dispersion,
                      &x->root_delay, &x->root_dispersion};
  if (!next_line(r) || r->n_fields != 8 || !parse_int(r->field[0], -(1LL << 53), 1LL << 53, &sec) ||
      !parse_int(r->field[1], 0, 999999999, &nsec))
    return false;
  x->time.tv_sec = (time_t)sec;
  x->time.tv_nsec = (long)nsec;
  for (int i = 0; i < 6; i++)
    if (!parse_double(r->field[2 + i], values[i]))
      return false;
  return true;
}

enum dumpfile_status dumpfile_parse(const char *text, struct dumpfile *out, int *line)
{
  struct reader r = {.p = text};
  long long n;

  memset(out, 0, sizeof(*out));
  if (!next_line(&r) || r.n_fields != 2 || strcmp(r.field[0], "stratumd-dump") != 0 ||
      strcmp(r.field[1], "1") != 0) {
    *line = 1;
    return DUMPFILE_OTHER_VERSION;
  }
  bool ok = keyword_line(&r, "source", 1) && addr_parse(r.field[1], &out->addr) &&
            parse_state(&r, &out->stats) && keyword_line(&r, "samples", 1) &&
            parse_int(r.field[1], 0, SST_MAX_SAMPLES, &n);
  if (ok) {
    out->stats.n = (int)n;
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
  char a[ADDR_STR_LEN];
  const struct sst_dump *s = &d->stats;
  if (cap == 0 || !sst_dump_valid(s))
    return 0;
  size_t len = 0;
  int n = snprintf(buf, cap, HEADER "\nsource %s\nstate %d %d %.17g %d\nsamples %d\n",
                   addr_format(&d->addr, a), s->stratum, s->leap, s->asymmetry,
                   s->asymmetry_run, s->n);
  for (int i = 0; n >= 0 && (size_t)n < cap - len; i++) {
    len += (size_t)n;
    if (i == s->n)
      return len;
    const struct sst_dump_sample *x = &s->samples[i];
    n = snprintf(buf + len, cap - len, "%lld %ld %.17g %.17g %.17g %.17g %.17g %.17g\n",
                 (long long)x->time.tv_sec, x->time.tv_nsec, x->offset, x->orig_offset,
                 x->peer_delay, x->peer_dispersion, x->root_delay, x->root_dispersion);
  }
  return 0;
}
