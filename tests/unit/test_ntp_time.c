/* Unit tests for src/proto/ntp_time.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#include <cmocka.h>

#include "proto/ntp_time.h"

/* Unix times of the instants the era tests use. */
#define T_1900 (-2208988800LL)
#define T_1970 0LL
#define T_1980 315532800LL          /* 1980-01-01T00:00:00Z */
#define T_2024 1704067200LL         /* 2024-01-01T00:00:00Z */
#define T_2036 2085978496LL         /* 2036-02-07T06:28:16Z: NTP era 1 second 0 */
#define T_2038 2147483648LL         /* 2038-01-19T03:14:08Z: 2^31, 32-bit time_t wraps */
#define T_2100 4102444800LL         /* 2100-01-01T00:00:00Z */
#define T_2500 16725225600LL        /* 2500-01-01T00:00:00Z */
#define HALF_ERA (1LL << 31)

static struct timespec mk(int64_t sec, long nsec)
{
  struct timespec ts;

  ts.tv_sec = (time_t)sec;
  ts.tv_nsec = nsec;
  return ts;
}

static ntp_ts ntp(uint32_t sec, uint32_t frac)
{
  return (ntp_ts)sec << 32 | frac;
}

static void check_ts(struct timespec ts, int64_t sec, long nsec)
{
  assert_int_equal((int64_t)ts.tv_sec, sec);
  assert_int_equal(ts.tv_nsec, nsec);
}

static void check_from(int64_t sec, long nsec, ntp_ts expect)
{
  struct timespec ts = mk(sec, nsec);

  assert_true(ntp_ts_from_timespec(&ts) == expect);
}

static void test_time_t_is_64_bit(void **state)
{
  (void)state;
  /* The era tests past 2038 are meaningless otherwise. */
  assert_true(sizeof(time_t) >= 8);
}

static void test_from_timespec_known_dates(void **state)
{
  (void)state;
  check_from(T_1970, 0, ntp(0x83aa7e80U, 0));
  check_from(T_1980, 0, ntp(0x96792480U, 0));
  check_from(T_2036 - 1, 0, ntp(0xffffffffU, 0));
  check_from(T_2036, 0, ntp(0, 0));
  check_from(T_2036 + 1, 0, ntp(1, 0));
  check_from(T_2038, 0, ntp(0x03aa7e80U, 0));
  check_from(T_2100, 0, ntp(0x7830d580U, 0));
  check_from(T_2500, 0, ntp(0x68912f00U, 0));
  check_from(T_1900, 0, ntp(0, 0));
}

static void test_to_timespec_2036_rollover(void **state)
{
  (void)state;
  /* Era 1 second 0 seen from 2024, from just before, and from 2100. */
  check_ts(ntp_ts_to_timespec(ntp(0, 0), T_2024), T_2036, 0);
  check_ts(ntp_ts_to_timespec(ntp(0, 0), T_2036 - 1), T_2036, 0);
  check_ts(ntp_ts_to_timespec(ntp(0, 0), T_2100), T_2036, 0);
  /* The last second of era 0 seen from after the rollover. */
  check_ts(ntp_ts_to_timespec(ntp(0xffffffffU, 0x80000000U), T_2036 + 10),
           T_2036 - 1, 500000000);
  /* The same timestamp seen from the 1900s is 1900-01-01. */
  check_ts(ntp_ts_to_timespec(ntp(0, 0), T_1900 + 1000), T_1900, 0);
}

static void test_to_timespec_2038(void **state)
{
  (void)state;
  check_ts(ntp_ts_to_timespec(ntp(0x03aa7e80U, 0), T_2024), T_2038, 0);
  check_ts(ntp_ts_to_timespec(ntp(0x03aa7e81U, 0x40000000U), T_2038), T_2038 + 1, 250000000);
  check_ts(ntp_ts_to_timespec(ntp(0x03aa7e7fU, 0), T_2100), T_2038 - 1, 0);
}

static void test_to_timespec_2100_and_2500(void **state)
{
  (void)state;
  check_ts(ntp_ts_to_timespec(ntp(0x7830d580U, 0), T_2100), T_2100, 0);
  check_ts(ntp_ts_to_timespec(ntp(0x7830d580U, 0), T_2038 + 100000000), T_2100, 0);
  /* From 2024 the same bits are nearer to 1963: the pivot decides. */
  check_ts(ntp_ts_to_timespec(ntp(0x7830d580U, 0), T_2024), T_2100 - 2 * HALF_ERA, 0);
  check_ts(ntp_ts_to_timespec(ntp(0x68912f00U, 0), T_2500 - 12345), T_2500, 0);
}

static void test_to_timespec_1970_and_1980(void **state)
{
  (void)state;
  check_ts(ntp_ts_to_timespec(ntp(0x83aa7e80U, 0), T_1970), T_1970, 0);
  check_ts(ntp_ts_to_timespec(ntp(0x83aa7e80U, 0), T_2024), T_1970, 0);
  check_ts(ntp_ts_to_timespec(ntp(0x96792480U, 0), T_2024), T_1980, 0);
  check_ts(ntp_ts_to_timespec(ntp(0x83aa7e7fU, 0), T_1970), -1, 0);
}

static void test_to_timespec_window_edges(void **state)
{
  const int64_t pivot = T_2024;
  struct timespec lo = mk(pivot - HALF_ERA, 0);
  struct timespec hi = mk(pivot + HALF_ERA, 0);
  struct timespec hi1 = mk(pivot + HALF_ERA - 1, 0);

  (void)state;
  /* [pivot - 2^31, pivot + 2^31): the low edge is in, the high edge maps
   * onto the low one. */
  check_ts(ntp_ts_to_timespec(ntp_ts_from_timespec(&lo), pivot), pivot - HALF_ERA, 0);
  check_ts(ntp_ts_to_timespec(ntp_ts_from_timespec(&hi), pivot), pivot - HALF_ERA, 0);
  check_ts(ntp_ts_to_timespec(ntp_ts_from_timespec(&hi1), pivot), pivot + HALF_ERA - 1, 0);
  /* The pivot's own timestamp comes back exactly. */
  check_ts(ntp_ts_to_timespec(ntp(0xe93c7f00U, 0), pivot), pivot, 0);
}

static void test_fraction_to_ntp(void **state)
{
  (void)state;
  check_from(T_2024, 0, ntp(0xe93c7f00U, 0));
  check_from(T_2024, 500000000, ntp(0xe93c7f00U, 0x80000000U));
  check_from(T_2024, 250000000, ntp(0xe93c7f00U, 0x40000000U));
  check_from(T_2024, 1, ntp(0xe93c7f00U, 4));           /* 4.29 rounds down */
  check_from(T_2024, 999999999, ntp(0xe93c7f00U, 0xfffffffcU)); /* no carry */
}

static void test_fraction_to_nsec(void **state)
{
  (void)state;
  check_ts(ntp_ts_to_timespec(ntp(0xe93c7f00U, 1), T_2024), T_2024, 0);  /* 0.23 ns */
  check_ts(ntp_ts_to_timespec(ntp(0xe93c7f00U, 3), T_2024), T_2024, 1);  /* 0.70 ns */
  check_ts(ntp_ts_to_timespec(ntp(0xe93c7f00U, 0xc0000000U), T_2024), T_2024, 750000000);
  /* Within half a nanosecond of the next second: carries into tv_sec. */
  check_ts(ntp_ts_to_timespec(ntp(0xe93c7f00U, 0xffffffffU), T_2024), T_2024 + 1, 0);
}

static void test_round_trip_nanoseconds(void **state)
{
  int64_t sec[] = {T_1970, T_2024, T_2036 - 1, T_2036, T_2038, T_2100, T_2500};
  size_t i;
  long ns;

  (void)state;
  for (i = 0; i < sizeof(sec) / sizeof(sec[0]); i++) {
    /* 7919 is prime, so the steps cover every residue pattern. */
    for (ns = 0; ns < 1000000000L; ns += 7919) {
      struct timespec ts = mk(sec[i], ns);

      check_ts(ntp_ts_to_timespec(ntp_ts_from_timespec(&ts), (time_t)sec[i]), sec[i], ns);
    }
    struct timespec last = mk(sec[i], 999999999);

    check_ts(ntp_ts_to_timespec(ntp_ts_from_timespec(&last), (time_t)sec[i]), sec[i], 999999999);
  }
}

static void test_from_timespec_unnormalised(void **state)
{
  (void)state;
  check_from(T_2024, -1, ntp(0xe93c7effU, 0xfffffffcU));
  check_from(T_2024, 1500000000L, ntp(0xe93c7f01U, 0x80000000U));
}

static void test_short_format(void **state)
{
  (void)state;
  assert_int_equal(ntp_short_from_double(0.0), 0);
  assert_int_equal(ntp_short_from_double(1.0), 0x00010000U);
  assert_int_equal(ntp_short_from_double(1.5), 0x00018000U);
  assert_int_equal(ntp_short_from_double(0.25), 0x00004000U);
  /* Rounded up: a bound must not shrink. */
  assert_int_equal(ntp_short_from_double(1e-9), 1);
  assert_int_equal(ntp_short_from_double(1.0 + 1e-9), 0x00010001U);
  assert_true(ntp_short_to_double(0x00018000U) == 1.5);
  assert_true(ntp_short_to_double(1) == 1.0 / 65536.0);
  assert_true(ntp_short_to_double(0xffffffffU) == 4294967295.0 / 65536.0);
}

static void test_short_format_saturation(void **state)
{
  (void)state;
  assert_int_equal(ntp_short_from_double(-1e-9), 0);
  assert_int_equal(ntp_short_from_double(-5.0), 0);
  assert_int_equal(ntp_short_from_double(-INFINITY), 0);
  assert_int_equal(ntp_short_from_double(4294967295.0 / 65536.0), 0xffffffffU);
  assert_int_equal(ntp_short_from_double(4294967294.0 / 65536.0), 0xfffffffeU);
  assert_int_equal(ntp_short_from_double(65536.0), 0xffffffffU);
  assert_int_equal(ntp_short_from_double(1e300), 0xffffffffU);
  assert_int_equal(ntp_short_from_double(INFINITY), 0xffffffffU);
  assert_int_equal(ntp_short_from_double(NAN), 0xffffffffU);
}

static void test_ts_to_from_double(void **state)
{
  struct timespec ts;

  (void)state;
  ts = mk(1, 500000000);
  assert_true(timespec_to_double(&ts) == 1.5);
  ts = mk(-2, 500000000);
  assert_true(timespec_to_double(&ts) == -1.5);
  check_ts(timespec_from_double(1.5), 1, 500000000);
  check_ts(timespec_from_double(-1.5), -2, 500000000);
  check_ts(timespec_from_double(-1e-9), -1, 999999999);
  check_ts(timespec_from_double(0.0), 0, 0);
  check_ts(timespec_from_double(0.9999999996), 1, 0);   /* rounding carries */
  check_ts(timespec_from_double(1704067200.25), T_2024, 250000000);
}

static void test_ts_from_double_limits(void **state)
{
  (void)state;
  check_ts(timespec_from_double(NAN), 0, 0);
  check_ts(timespec_from_double(1e300), 1LL << 62, 0);
  check_ts(timespec_from_double(-INFINITY), -(1LL << 62), 0);
}

static void test_ts_diff(void **state)
{
  struct timespec a = mk(5, 100000000), b = mk(3, 900000000);
  struct timespec big = mk(T_2500, 1), small = mk(T_2500, 0);

  (void)state;
  assert_true(fabs(timespec_diff(&a, &b) - 1.2) < 1e-12);
  assert_true(fabs(timespec_diff(&b, &a) + 1.2) < 1e-12);
  assert_true(timespec_diff(&a, &a) == 0.0);
  /* Nanoseconds survive a large common part. */
  assert_true(fabs(timespec_diff(&big, &small) - 1e-9) < 1e-18);
}

static void test_ts_add_double(void **state)
{
  struct timespec ts = mk(5, 900000000);
  struct timespec far = mk(T_2500, 999999999);

  (void)state;
  check_ts(timespec_add_double(&ts, 0.2), 6, 100000000);
  check_ts(timespec_add_double(&ts, -0.95), 4, 950000000);
  check_ts(timespec_add_double(&ts, -6.0), -1, 900000000);
  check_ts(timespec_add_double(&ts, 0.0), 5, 900000000);
  check_ts(timespec_add_double(&far, 1e-9), T_2500 + 1, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_time_t_is_64_bit),
    cmocka_unit_test(test_from_timespec_known_dates),
    cmocka_unit_test(test_to_timespec_2036_rollover),
    cmocka_unit_test(test_to_timespec_2038),
    cmocka_unit_test(test_to_timespec_2100_and_2500),
    cmocka_unit_test(test_to_timespec_1970_and_1980),
    cmocka_unit_test(test_to_timespec_window_edges),
    cmocka_unit_test(test_fraction_to_ntp),
    cmocka_unit_test(test_fraction_to_nsec),
    cmocka_unit_test(test_round_trip_nanoseconds),
    cmocka_unit_test(test_from_timespec_unnormalised),
    cmocka_unit_test(test_short_format),
    cmocka_unit_test(test_short_format_saturation),
    cmocka_unit_test(test_ts_to_from_double),
    cmocka_unit_test(test_ts_from_double_limits),
    cmocka_unit_test(test_ts_diff),
    cmocka_unit_test(test_ts_add_double),
  };

  return cmocka_run_group_tests_name("ntp_time", tests, NULL, NULL);
}
