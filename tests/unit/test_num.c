/* Tests of num: each function against glibc's libm (linked into this test
 * only) on random bit patterns (every class: zeros, subnormals, normals,
 * infinities, quiet and signaling NaNs) and on the edge cases by name;
 * bit for bit, but num_log2 and num_exp, which may be one ulp off (and
 * are counted: rare). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "proto/num.h"

#define RANDOM_RUNS 2000000

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_bits(void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* The same bits, or both NaN when glibc's result is NaN (a NaN's payload
 * is the CPU's, not the function's). */
static void assert_same(double want, double got, const char *what, double x)
{
  if (isnan(want) && isnan(got))
    return;
  if (num_bits(want) != num_bits(got))
    fail_msg("%s(%a): glibc %a, num %a", what, x, want, got);
}

static const double edges[] = {0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5,
                               0.49999999999999994, -0.49999999999999994, 0x1p52 - 0.5,
                               -0x1p52 + 0.5, 0x1p52, 0x1p63, -0x1p63, 0x1p64, 1e300, -1e300,
                               0x1p-1074, -0x1p-1074, 0x1p-1022, 0x1.fffffffffffffp-1023,
                               0x1.fffffffffffffp1023, INFINITY, -INFINITY, NAN};

static void test_exact_functions(void **state)
{
  (void)state;
  for (size_t i = 0; i < RANDOM_RUNS + sizeof(edges) / sizeof(edges[0]); i++) {
    double x = i < RANDOM_RUNS ? num_from_bits(next_bits()) : edges[i - RANDOM_RUNS];
    double y = num_from_bits(next_bits());
    int k = (int)(next_bits() % 4400) - 2200, e1, e2;
    /* a number with a fraction, where rounding has work to do */
    double r = (double)(int64_t)(next_bits() >> 12) / 1024.0 * (next_bits() & 1 ? 1 : -1);

    assert_same(frexp(x, &e1), num_frexp(x, &e2), "frexp", x);
    if (isfinite(x))
      assert_int_equal(e1, e2);
    assert_same(ldexp(x, k), num_ldexp(x, k), "ldexp", x);
    assert_same(fmax(x, y), num_fmax(x, y), "fmax", x);
    assert_same(fmin(x, y), num_fmin(x, y), "fmin", x);
    assert_same(fmax(y, x), num_fmax(y, x), "fmax", y);
    assert_same(fmin(y, x), num_fmin(y, x), "fmin", y);
    assert_same(round(x), num_round(x), "round", x);
    assert_same(round(r), num_round(r), "round", r);
    assert_int_equal(lround(r), num_lround(r));
    assert_int_equal(llround(r), num_llround(r));
  }
}

static void test_signed_zeros_and_ties(void **state)
{
  (void)state;
  assert_true(signbit(num_fmax(-0.0, 0.0)) && !signbit(num_fmax(0.0, -0.0)));
  assert_true(signbit(num_round(-0.4)));
  assert_true(num_round(-2.5) == -3.0 && num_round(2.5) == 3.0);
  assert_true(num_round(0.49999999999999994) == 0.0);
  assert_true(num_fmax(NAN, 1.0) == 1.0 && num_fmin(2.0, NAN) == 2.0);
  assert_true(num_lround(1e300) == num_lround(-1e300));   /* LONG_MIN, as glibc's */
}

/* Whether two doubles are at most one ulp apart. */
static int within_ulp(double a, double b)
{
  int64_t d = (int64_t)(num_bits(a) - num_bits(b));
  return num_bits(a) >> 63 == num_bits(b) >> 63 && d >= -1 && d <= 1;
}

static void test_log2_exp_within_one_ulp(void **state)
{
  unsigned long off_log2 = 0, off_exp = 0;
  (void)state;
  for (int i = 0; i < RANDOM_RUNS; i++) {
    double x = fabs(num_from_bits(next_bits()));
    if (isfinite(x) && x > 0.0) {
      if (!within_ulp(log2(x), num_log2(x)))
        fail_msg("log2(%a): glibc %a, num %a", x, log2(x), num_log2(x));
      off_log2 += num_bits(log2(x)) != num_bits(num_log2(x));
    }
    /* exp's whole range, most of it where the result is a normal number */
    double e = (double)(next_bits() >> 11) / 0x1p53 * 1500.0 - 750.0;
    if (!within_ulp(exp(e), num_exp(e)) && !(exp(e) < 0x1p-1022))
      fail_msg("exp(%a): glibc %a, num %a", e, exp(e), num_exp(e));
    off_exp += num_bits(exp(e)) != num_bits(num_exp(e));
  }
  /* the exact powers of two and the limits */
  for (int k = -1074; k <= 1023; k++)
    assert_true(num_log2(ldexp(1.0, k)) == k);
  assert_true(num_exp(0.0) == 1.0 && num_exp(-1000.0) == 0.0 && isinf(num_exp(1000.0)) &&
              isnan(num_exp(NAN)));
  print_message("one ulp off: log2 %lu, exp %lu of %d\n", off_log2, off_exp, RANDOM_RUNS);
  assert_true(off_log2 < RANDOM_RUNS / 1000 && off_exp < RANDOM_RUNS / 100);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_exact_functions),
    cmocka_unit_test(test_signed_zeros_and_ties),
    cmocka_unit_test(test_log2_exp_within_one_ulp),
  };
  return cmocka_run_group_tests_name("num", tests, NULL, NULL);
}
