#include "stratumc/series.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Histogram of |v|: bin 0 below HIST_LOW, then HIST_PER_DECADE bins a
 * decade up to HIST_DECADES decades above, the last bin open-ended. */
#define HIST_LOW 1e-12
#define HIST_PER_DECADE 100
#define HIST_DECADES 16
#define HIST_BINS (HIST_PER_DECADE * HIST_DECADES + 2)
#define FIRST_WIDTH (1.0 / 1024)         /* s; a power of two: the grids nest */

static size_t hist_bin(double a)
{
  if (a < HIST_LOW)
    return 0;
  double k = floor(log10(a / HIST_LOW) * HIST_PER_DECADE);
  return k >= HIST_BINS - 2 ? HIST_BINS - 1 : 1 + (size_t)k;
}

/* The middle (geometric) of a bin, clamped to what was seen. */
static double hist_value(const struct sc_series *s, size_t bin)
{
  if (bin == 0)
    return 0.0;
  double v = HIST_LOW * pow(10.0, ((double)bin - 0.5) / HIST_PER_DECADE);
  return v > s->max_abs ? s->max_abs : v;
}

static int64_t index_of(double t, double width)
{
  return (int64_t)floor(t / width);
}

static void put(struct sc_bucket *b, double t, double v)
{
  if (b->n == 0 || v < b->lo.v)
    b->lo = (struct sc_point){t, v};
  if (b->n == 0 || v > b->hi.v)
    b->hi = (struct sc_point){t, v};
  b->n++;
}

/* Double the width until [lo, hi] fits; old buckets merge into new ones. */
static void widen(struct sc_series *s, double lo, double hi)
{
  double width = s->width;
  int64_t first;
  do {
    width *= 2;
    first = index_of(lo, width);
  } while (index_of(hi, width) - first >= SC_SERIES_BUCKETS);
  struct sc_bucket merged[SC_SERIES_BUCKETS];
  memset(merged, 0, sizeof(merged));
  for (size_t i = 0; i < SC_SERIES_BUCKETS; i++) {
    const struct sc_bucket *b = &s->b[i];
    if (b->n == 0)
      continue;
    struct sc_bucket *m = &merged[index_of(b->lo.t, width) - first];
    uint32_t n = m->n;
    put(m, b->lo.t, b->lo.v);
    put(m, b->hi.t, b->hi.v);
    m->n = n + b->n;
  }
  memcpy(s->b, merged, sizeof(merged));
  s->width = width;
  s->first = first;
}

bool sc_series_add(struct sc_series *s, double t, double v)
{
  if (!s->b) {
    s->b = calloc(SC_SERIES_BUCKETS, sizeof(*s->b));
    s->hist = calloc(HIST_BINS, sizeof(*s->hist));
    if (!s->b || !s->hist) {
      sc_series_free(s);
      return false;
    }
    s->width = FIRST_WIDTH;
    s->first = index_of(t, s->width);
    s->t_min = s->t_max = t;
    s->v_min = s->v_max = v;
  }
  int64_t i = index_of(t, s->width) - s->first;
  if (i < 0 || i >= SC_SERIES_BUCKETS) {
    widen(s, fmin(t, s->t_min), fmax(t, s->t_max));
    i = index_of(t, s->width) - s->first;
  }
  put(&s->b[i], t, v);
  s->t_min = fmin(s->t_min, t);
  s->t_max = fmax(s->t_max, t);
  s->v_min = fmin(s->v_min, v);
  s->v_max = fmax(s->v_max, v);
  s->n++;
  s->sum_sq += v * v;
  s->max_abs = fmax(s->max_abs, fabs(v));
  s->hist[hist_bin(fabs(v))]++;
  return true;
}

size_t sc_series_points(const struct sc_series *s, struct sc_point *out, size_t cap)
{
  size_t n = 0;
  for (size_t i = 0; s->b && i < SC_SERIES_BUCKETS; i++) {
    const struct sc_bucket *b = &s->b[i];
    if (b->n == 0)
      continue;
    bool lo_first = b->lo.t <= b->hi.t;
    const struct sc_point *p[2] = {lo_first ? &b->lo : &b->hi, lo_first ? &b->hi : &b->lo};
    for (int k = 0; k < 2 && n < cap; k++)
      if (k == 0 || p[1]->t != p[0]->t || p[1]->v != p[0]->v)
        out[n++] = *p[k];
  }
  return n;
}

double sc_series_rms(const struct sc_series *s)
{
  return s->n ? sqrt(s->sum_sq / (double)s->n) : 0.0;
}

double sc_series_quantile_abs(const struct sc_series *s, double p)
{
  if (s->n == 0)
    return 0.0;
  uint64_t rank = (uint64_t)ceil(p * (double)s->n), seen = 0;
  if (rank == 0)
    rank = 1;
  for (size_t i = 0; i < HIST_BINS; i++) {
    seen += s->hist[i];
    if (seen >= rank)
      return hist_value(s, i);
  }
  return s->max_abs;
}

void sc_series_free(struct sc_series *s)
{
  free(s->b);
  free(s->hist);
  memset(s, 0, sizeof(*s));
}
