#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "sim/sim_rng.h"

#define N 100000

/* xoshiro256** seeded by splitmix64(0): pins the sequence, since every
 * simulation result depends on it. */
static void test_known_answer(void **state)
{
  (void)state;
  struct sim_rng r;
  sim_rng_seed(&r, 0);
  assert_true(sim_rng_next(&r) == 0x99ec5f36cb75f2b4ULL);
  assert_true(sim_rng_next(&r) == 0xbf6e1f784956452aULL);
  assert_true(sim_rng_next(&r) == 0x1a5f849d4933e6e0ULL);
}

static void test_same_seed_same_sequence(void **state)
{
  (void)state;
  struct sim_rng a, b, c;
  sim_rng_seed(&a, 42);
  sim_rng_seed(&b, 42);
  sim_rng_seed(&c, 43);
  unsigned differ = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = sim_rng_next(&a);
    assert_true(x == sim_rng_next(&b));
    differ += x != sim_rng_next(&c);
  }
  assert_int_equal(differ, 1000);
}

static void test_derive_streams_differ(void **state)
{
  (void)state;
  assert_true(sim_rng_derive(1, 0) != sim_rng_derive(1, 1));
  assert_true(sim_rng_derive(1, 0) != sim_rng_derive(2, 0));
  assert_true(sim_rng_derive(7, 3) == sim_rng_derive(7, 3));
}

static void test_uniform(void **state)
{
  (void)state;
  struct sim_rng r;
  double sum = 0.0;
  sim_rng_seed(&r, 1);
  for (int i = 0; i < N; i++) {
    double u = sim_rng_uniform(&r);
    assert_true(u >= 0.0 && u < 1.0);
    sum += u;
  }
  assert_true(fabs(sum / N - 0.5) < 0.005);
}

static void test_normal(void **state)
{
  (void)state;
  struct sim_rng r;
  double sum = 0.0, sum2 = 0.0;
  sim_rng_seed(&r, 2);
  for (int i = 0; i < N; i++) {
    double x = sim_rng_normal(&r);
    assert_true(isfinite(x));
    sum += x;
    sum2 += x * x;
  }
  double mean = sum / N;
  assert_true(fabs(mean) < 0.015);
  assert_true(fabs(sum2 / N - mean * mean - 1.0) < 0.02);
}

static void test_exponential(void **state)
{
  (void)state;
  struct sim_rng r;
  double sum = 0.0, sum2 = 0.0;
  sim_rng_seed(&r, 3);
  for (int i = 0; i < N; i++) {
    double x = sim_rng_exponential(&r);
    assert_true(x >= 0.0 && isfinite(x));
    sum += x;
    sum2 += x * x;
  }
  double mean = sum / N;
  assert_true(fabs(mean - 1.0) < 0.015);
  assert_true(fabs(sum2 / N - mean * mean - 1.0) < 0.05);   /* variance 1 */
}

static void test_bytes_little_endian_and_deterministic(void **state)
{
  (void)state;
  struct sim_rng a, b;
  uint8_t buf[11];
  sim_rng_seed(&a, 0);
  sim_rng_seed(&b, 0);
  sim_rng_bytes(&a, buf, sizeof(buf));
  uint64_t x = sim_rng_next(&b), y = sim_rng_next(&b);
  for (int i = 0; i < 8; i++)
    assert_int_equal(buf[i], (uint8_t)(x >> (8 * i)));
  for (int i = 0; i < 3; i++)
    assert_int_equal(buf[8 + i], (uint8_t)(y >> (8 * i)));
  /* A partial word is not reused: both generators are at the same place. */
  assert_true(sim_rng_next(&a) == sim_rng_next(&b));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_known_answer),
    cmocka_unit_test(test_same_seed_same_sequence),
    cmocka_unit_test(test_derive_streams_differ),
    cmocka_unit_test(test_uniform),
    cmocka_unit_test(test_normal),
    cmocka_unit_test(test_exponential),
    cmocka_unit_test(test_bytes_little_endian_and_deterministic),
  };
  return cmocka_run_group_tests_name("sim_rng", tests, NULL, NULL);
}
