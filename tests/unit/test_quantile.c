/* quantile: chrony's stochastic quantile estimate (maxdelayquant). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>

#include "core/quantile.h"

#define MIN_STEP 1e-7

/* A fixed stream of uniform numbers in [0, 1) (xorshift64). */
static double uniform(uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return (double)(*s >> 11) / 9007199254740992.0;
}

static void feed(struct qnt *q, double value, uint64_t *s)
{
  double r[QNT_REPEAT];
  for (int i = 0; i < QNT_REPEAT; i++)
    r[i] = uniform(s);
  qnt_accumulate(q, value, r);
}

/* chrony's range 0.05..0.95, in hundredths. */
static void test_p_bounded(void **state)
{
  (void)state;
  struct qnt q;
  qnt_init(&q, 0.2, MIN_STEP);
  assert_int_equal(q.k, 20);
  qnt_init(&q, 0.01, MIN_STEP);
  assert_int_equal(q.k, 5);
  qnt_init(&q, 1.5, MIN_STEP);
  assert_int_equal(q.k, 95);
  qnt_init(&q, NAN, MIN_STEP);
  assert_int_equal(q.k, 5);
  qnt_init(&q, 0.126, MIN_STEP);
  assert_int_equal(q.k, 13);
}

/* Before a value the estimate is 0 (chronyd's test C fails then); the
 * first value seeds every estimator; half a step above still passes. */
static void test_seeded_by_first_value(void **state)
{
  (void)state;
  struct qnt q;
  uint64_t s = 1;
  qnt_init(&q, 0.5, MIN_STEP);
  assert_true(qnt_estimate(&q) == 0.0);
  assert_false(qnt_accepts(&q, 1e-4));
  feed(&q, 1e-4, &s);
  assert_true(qnt_estimate(&q) == 1e-4);
  assert_true(qnt_accepts(&q, 1e-4 + 0.49 * MIN_STEP));
  assert_false(qnt_accepts(&q, 1e-4 + 0.51 * MIN_STEP));
  qnt_reset(&q);
  assert_true(qnt_estimate(&q) == 0.0);
}

/* With random numbers of 0 no estimator moves; with 1 each moves towards
 * the value, never beyond it by more than a quarter step. */
static void test_moves_by_chance(void **state)
{
  (void)state;
  struct qnt q;
  double zero[QNT_REPEAT] = {0}, one[QNT_REPEAT];
  for (int i = 0; i < QNT_REPEAT; i++)
    one[i] = 1.0;
  qnt_init(&q, 0.5, MIN_STEP);
  qnt_accumulate(&q, 1e-3, zero);
  for (int i = 0; i < 10; i++)
    qnt_accumulate(&q, 2e-3, zero);
  assert_true(qnt_estimate(&q) == 1e-3);
  double last = 1e-3;
  for (int i = 0; i < 100; i++) {
    qnt_accumulate(&q, 2e-3, one);
    assert_true(qnt_estimate(&q) > last);
    last = qnt_estimate(&q);
    assert_true(last <= 2e-3 + MIN_STEP / 4.0);
  }
  /* Steps grow while the direction holds: 100 moves went far. */
  assert_true(last > 1e-3 + 100 * MIN_STEP);
  for (int i = 0; i < 1000; i++)
    qnt_accumulate(&q, 0.5e-3, one);
  assert_true(fabs(qnt_estimate(&q) - 0.5e-3) <= MIN_STEP / 4.0);
}

/* On exponential values (scale 1e-5 above 1e-4, chrony's 118-maxdelay
 * network), the estimate settles near the true quantile and about a
 * fraction p of later values pass. */
static void test_converges(void **state)
{
  (void)state;
  static const double ps[] = {0.1, 0.5, 0.9};
  for (unsigned k = 0; k < 3; k++) {
    struct qnt q;
    uint64_t s = 88172645463325252ull, v = 2463534242ull;
    unsigned passed = 0, n = 0;
    qnt_init(&q, ps[k], MIN_STEP);
    for (int i = 0; i < 4000; i++) {
      double x = 1e-4 - 1e-5 * log(1.0 - uniform(&v));
      if (i >= 2000) {
        n++;
        passed += qnt_accepts(&q, x);
      }
      feed(&q, x, &s);
    }
    double want = 1e-4 - 1e-5 * log(1.0 - ps[k]);
    print_message("p %.1f: estimate %.2f us (true %.2f us), %u of %u passed\n", ps[k],
                  qnt_estimate(&q) * 1e6, want * 1e6, passed, n);
    assert_true(fabs(qnt_estimate(&q) - want) < 0.2 * (want - 1e-4));
    assert_true(fabs((double)passed / n - ps[k]) < 0.05);
  }
}

/* The same values and random numbers give the same estimate. */
static void test_deterministic(void **state)
{
  (void)state;
  struct qnt a, b;
  uint64_t sa = 7, sb = 7, v = 3;
  qnt_init(&a, 0.3, MIN_STEP);
  qnt_init(&b, 0.3, MIN_STEP);
  for (int i = 0; i < 500; i++) {
    double x = 1e-4 * uniform(&v);
    feed(&a, x, &sa);
    feed(&b, x, &sb);
  }
  assert_true(qnt_estimate(&a) == qnt_estimate(&b));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_p_bounded),
    cmocka_unit_test(test_seeded_by_first_value),
    cmocka_unit_test(test_moves_by_chance),
    cmocka_unit_test(test_converges),
    cmocka_unit_test(test_deterministic),
  };
  return cmocka_run_group_tests_name("quantile", tests, NULL, NULL);
}
