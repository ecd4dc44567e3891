/* series: one plotted quantity over time in bounded memory (pure).
 *
 * Points fall into at most SC_SERIES_BUCKETS buckets of equal width (a
 * power of two of seconds) that keep the lowest and the highest point, so
 * a spike shows however long the log; when a point falls outside, the
 * width doubles, pairs of buckets merging, until it fits. Summary figures
 * of |v| (RMS, maximum, 95th percentile from a histogram of logarithmic
 * bins, within SC_SERIES_P_ERROR relative) cover every point. */
#ifndef STRATUM_STRATUMC_SERIES_H
#define STRATUM_STRATUMC_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SC_SERIES_BUCKETS 1024
#define SC_SERIES_P_ERROR 0.012

struct sc_point {
  double t, v;
};

struct sc_bucket {
  uint32_t n;
  struct sc_point lo, hi;
};

struct sc_series {
  struct sc_bucket *b;               /* SC_SERIES_BUCKETS, from the first point */
  uint32_t *hist;                    /* of |v| */
  double width;                      /* of a bucket, s */
  int64_t first;                     /* index of b[0] in multiples of width */
  uint64_t n;
  double sum_sq, max_abs;
  double t_min, t_max, v_min, v_max;
};

/* A series is zeroed memory to start with. false: out of memory (the
 * point is not counted). */
bool sc_series_add(struct sc_series *s, double t, double v);
/* The kept points in time order: each bucket's lowest and highest (once
 * if the same point). Up to 2 * SC_SERIES_BUCKETS; returns how many. */
size_t sc_series_points(const struct sc_series *s, struct sc_point *out, size_t cap);
double sc_series_rms(const struct sc_series *s);
/* The nearest-rank p-quantile (0 < p <= 1) of |v|. */
double sc_series_quantile_abs(const struct sc_series *s, double p);
void sc_series_free(struct sc_series *s);

#endif
