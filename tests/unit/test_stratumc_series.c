/* Unit tests for src/stratumc/series.c: points kept as they are while few,
 * decimated to each bucket's lowest and highest when many (a spike
 * survives), summary figures over every point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stratumc/series.h"

#define T0 1.8e9

static void test_few_points_kept(void **state)
{
  (void)state;
  struct sc_series s = {0};
  const double v[] = {1e-6, -2e-6, 3e-6, 0.5e-6};
  for (size_t i = 0; i < 4; i++)
    assert_true(sc_series_add(&s, T0 + 16.0 * (double)i, v[i]));
  struct sc_point p[8];
  assert_int_equal(sc_series_points(&s, p, 8), 4);
  for (size_t i = 0; i < 4; i++) {
    assert_true(p[i].t == T0 + 16.0 * (double)i);
    assert_true(p[i].v == v[i]);
  }
  assert_true(s.v_min == -2e-6 && s.v_max == 3e-6 && s.t_min == T0 && s.t_max == T0 + 48);
  sc_series_free(&s);
  assert_int_equal(sc_series_points(&s, p, 8), 0);
}

/* Deterministic pseudo-random values in [-1, 1) (xorshift). */
static double noise(uint64_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return (double)(*x >> 11) / 4503599627370496.0 - 1.0;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void test_many_points_decimated(void **state)
{
  (void)state;
  enum { N = 200000, SPIKE = 123457 };
  struct sc_series s = {0};
  double *t = malloc(N * sizeof(double)), *v = malloc(N * sizeof(double));
  double *abs_v = malloc(N * sizeof(double)), sum_sq = 0;
  uint64_t x = 88172645463325252ULL;
  assert_non_null(t);
  assert_non_null(v);
  assert_non_null(abs_v);
  for (size_t i = 0; i < N; i++) {
    /* every 2 s, but the first points come last: the series grows to the left too */
    size_t k = (i + N / 3) % N;
    t[i] = T0 + 2.0 * (double)k;
    v[i] = k == SPIKE ? 1e-3 : 1e-6 * noise(&x);
    assert_true(sc_series_add(&s, t[i], v[i]));
    abs_v[i] = fabs(v[i]);
    sum_sq += v[i] * v[i];
  }
  /* the buckets, recomputed from the width the series chose */
  static struct sc_bucket want[SC_SERIES_BUCKETS];
  double w = s.width;
  assert_true(w * SC_SERIES_BUCKETS > 2.0 * (N - 1) && w * SC_SERIES_BUCKETS <= 8.0 * N);
  assert_true(frexp(w, &(int){0}) == 0.5);                     /* a power of two */
  for (size_t i = 0; i < N; i++) {
    int64_t b = (int64_t)floor(t[i] / w) - s.first;
    assert_true(b >= 0 && b < SC_SERIES_BUCKETS);
    if (want[b].n == 0 || v[i] < want[b].lo.v)
      want[b].lo = (struct sc_point){t[i], v[i]};
    if (want[b].n == 0 || v[i] > want[b].hi.v)
      want[b].hi = (struct sc_point){t[i], v[i]};
    want[b].n++;
  }
  for (size_t b = 0; b < SC_SERIES_BUCKETS; b++) {
    assert_int_equal(s.b[b].n, want[b].n);
    if (want[b].n) {
      assert_true(s.b[b].lo.v == want[b].lo.v);
      assert_true(s.b[b].hi.v == want[b].hi.v);
    }
  }
  static struct sc_point p[2 * SC_SERIES_BUCKETS];
  size_t n = sc_series_points(&s, p, 2 * SC_SERIES_BUCKETS);
  assert_true(n > SC_SERIES_BUCKETS / 2 && n <= 2 * SC_SERIES_BUCKETS);
  bool spike = false;
  for (size_t i = 0; i < n; i++) {
    assert_true(i == 0 || p[i].t > p[i - 1].t);
    spike |= p[i].v == 1e-3 && p[i].t == T0 + 2.0 * SPIKE;
  }
  assert_true(spike);
  /* the figures */
  qsort(abs_v, N, sizeof(double), cmp_double);
  double p95 = abs_v[(size_t)ceil(0.95 * N) - 1];
  assert_true(fabs(sc_series_quantile_abs(&s, 0.95) - p95) <= p95 * SC_SERIES_P_ERROR);
  assert_true(fabs(sc_series_rms(&s) - sqrt(sum_sq / N)) <= 1e-12 * sqrt(sum_sq / N) + 1e-18);
  assert_true(s.max_abs == 1e-3);
  assert_true(sc_series_quantile_abs(&s, 1.0) == 1e-3);
  assert_true(s.n == N);
  sc_series_free(&s);
  free(t);
  free(v);
  free(abs_v);
}

static void test_figures_of_nothing_and_zero(void **state)
{
  (void)state;
  struct sc_series s = {0};
  assert_true(sc_series_rms(&s) == 0.0);
  assert_true(sc_series_quantile_abs(&s, 0.95) == 0.0);
  assert_true(sc_series_add(&s, T0, 0.0));
  assert_true(sc_series_add(&s, T0 + 1, 0.0));
  assert_true(sc_series_quantile_abs(&s, 0.95) == 0.0);
  assert_true(sc_series_add(&s, T0 + 2, -4.0));
  assert_true(sc_series_add(&s, T0 + 3, 3.0));
  assert_true(fabs(sc_series_rms(&s) - sqrt(25.0 / 4)) < 1e-12);
  assert_true(fabs(sc_series_quantile_abs(&s, 0.5) - 0.0) < 1e-12);
  assert_true(fabs(sc_series_quantile_abs(&s, 0.75) - 3.0) <= 3.0 * SC_SERIES_P_ERROR);
  sc_series_free(&s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_few_points_kept),
    cmocka_unit_test(test_many_points_decimated),
    cmocka_unit_test(test_figures_of_nothing_and_zero),
  };
  return cmocka_run_group_tests_name("stratumc_series", tests, NULL, NULL);
}
