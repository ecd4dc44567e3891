/* quantile: chrony's stochastic quantile estimates (maxdelayquant, a
 * hardware clock's reading delays). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>

#include "core/quantile.h"

#define MIN_STEP 1e-7

/* A fixed stream of uniform numbers in [0, 1) (xorshift64). */
static double uniform(void *arg)
{
  uint64_t *s = arg;
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return (double)(*s >> 11) / 9007199254740992.0;
}

static double zero(void *arg)
{
  (void)arg;
  return 0.0;
}

static double one(void *arg)
{
  (void)arg;
  return 1.0;
}

/* k within 1..q-1, at most QNT_MAX_QUANTILES of them; k outside the range
 * read as the nearest. */
static void test_ranges(void **state)
{
  (void)state;
  struct qnt q;
  qnt_init(&q, 0, 200, 100, MIN_STEP, 100);
  assert_int_equal(q.min_k, 1);
  assert_int_equal(q.n_k, QNT_MAX_QUANTILES);
  qnt_init(&q, 20, 10, 100, MIN_STEP, 100);
  assert_int_equal(q.min_k, 20);
  assert_int_equal(q.n_k, 1);
  qnt_accumulate(&q, 5e-4, zero, NULL);
  assert_true(qnt_get(&q, 99) == 5e-4);
}

/* Before a value the estimate is 0; the first value seeds a single
 * quantile's estimators; reset forgets it. */
static void test_seeded_by_first_value(void **state)
{
  (void)state;
  struct qnt q;
  qnt_init(&q, 50, 50, 100, MIN_STEP, 100);
  assert_true(qnt_get(&q, 50) == 0.0);
  qnt_accumulate(&q, 1e-4, zero, NULL);
  assert_true(qnt_get(&q, 50) == 1e-4);
  qnt_reset(&q);
  assert_true(qnt_get(&q, 50) == 0.0);
}

/* Two quantiles: the first two values seed them in order, the first one
 * filling both until the second comes. */
static void test_two_quantiles_seeded_sorted(void **state)
{
  (void)state;
  struct qnt q;
  qnt_init(&q, 1, 2, 10, MIN_STEP, 1000);
  qnt_accumulate(&q, 3e-6, zero, NULL);
  assert_true(qnt_get(&q, 1) == 3e-6 && qnt_get(&q, 2) == 3e-6);
  qnt_accumulate(&q, 1e-6, zero, NULL);
  assert_true(qnt_get(&q, 1) == 1e-6 && qnt_get(&q, 2) == 3e-6);
}

/* With draws of 0 no estimator moves; with 1 each moves towards the value,
 * never beyond it by more than a quarter step, by growing steps. */
static void test_moves_by_chance(void **state)
{
  (void)state;
  struct qnt q;
  qnt_init(&q, 50, 50, 100, MIN_STEP, 100);
  qnt_accumulate(&q, 1e-3, zero, NULL);
  for (int i = 0; i < 10; i++)
    qnt_accumulate(&q, 2e-3, zero, NULL);
  assert_true(qnt_get(&q, 50) == 1e-3);
  double last = 1e-3;
  for (int i = 0; i < 100; i++) {
    qnt_accumulate(&q, 2e-3, one, NULL);
    assert_true(qnt_get(&q, 50) > last);
    last = qnt_get(&q, 50);
    assert_true(last <= 2e-3 + MIN_STEP / 4.0);
  }
  assert_true(last > 1e-3 + 100 * MIN_STEP);
  for (int i = 0; i < 1000; i++)
    qnt_accumulate(&q, 0.5e-3, one, NULL);
  assert_true(fabs(qnt_get(&q, 50) - 0.5e-3) <= MIN_STEP / 4.0);
}

/* On exponential values (scale 1e-5 above 1e-4, chrony's 118-maxdelay
 * network) the estimates settle near the true quantiles and about a
 * fraction p of later values lie below them. */
static void test_converges(void **state)
{
  (void)state;
  static const int ks[] = {10, 50, 90};
  for (unsigned i = 0; i < 3; i++) {
    struct qnt q;
    uint64_t s = 88172645463325252ull, v = 2463534242ull;
    unsigned below = 0, n = 0;
    double p = ks[i] / 100.0;
    qnt_init(&q, ks[i], ks[i], 100, MIN_STEP, 100);
    for (int j = 0; j < 4000; j++) {
      double x = 1e-4 - 1e-5 * log(1.0 - uniform(&v));
      if (j >= 2000) {
        n++;
        below += x <= qnt_get(&q, ks[i]) + MIN_STEP / 2.0;
      }
      qnt_accumulate(&q, x, uniform, &s);
    }
    double want = 1e-4 - 1e-5 * log(1.0 - p);
    print_message("p %.1f: estimate %.2f us (true %.2f us), %u of %u below\n", p,
                  qnt_get(&q, ks[i]) * 1e6, want * 1e6, below, n);
    assert_true(fabs(qnt_get(&q, ks[i]) - want) < 0.2 * (want - 1e-4));
    assert_true(fabs((double)below / n - p) < 0.05);
  }
}

/* The same values and draws give the same estimates. */
static void test_deterministic(void **state)
{
  (void)state;
  struct qnt a, b;
  uint64_t sa = 7, sb = 7, v = 3;
  qnt_init(&a, 1, 2, 10, MIN_STEP, 1000);
  qnt_init(&b, 1, 2, 10, MIN_STEP, 1000);
  for (int i = 0; i < 500; i++) {
    double x = 1e-4 * uniform(&v);
    qnt_accumulate(&a, x, uniform, &sa);
    qnt_accumulate(&b, x, uniform, &sb);
  }
  assert_true(qnt_get(&a, 1) == qnt_get(&b, 1) && qnt_get(&a, 2) == qnt_get(&b, 2));
  assert_true(qnt_get(&a, 1) < qnt_get(&a, 2));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ranges),
    cmocka_unit_test(test_seeded_by_first_value),
    cmocka_unit_test(test_two_quantiles_seeded_sorted),
    cmocka_unit_test(test_moves_by_chance),
    cmocka_unit_test(test_converges),
    cmocka_unit_test(test_deterministic),
  };
  return cmocka_run_group_tests_name("quantile", tests, NULL, NULL);
}
