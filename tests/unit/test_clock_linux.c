/* Only the pure part: how a frequency is split into tick and freq. The
 * system clock itself is never touched by tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>

#include <sys/timex.h>

#include "sys/clock_linux.h"

static void check(double ppm, long want_tick, double want_freq)
{
  long tick;
  double freq;
  clock_split_freq(ppm, 10000, &tick, &freq);
  assert_int_equal(tick, want_tick);
  assert_true(fabs(freq - want_freq) < 1e-9);
  assert_true(fabs((tick - 10000) * 100.0 + freq - ppm) < 1e-9);
}

static void test_small_frequencies_stay_in_freq(void **state)
{
  (void)state;
  check(0.0, 10000, 0.0);
  check(12.5, 10000, 12.5);
  check(-49.0, 10000, -49.0);
}

static void test_large_frequencies_use_tick(void **state)
{
  (void)state;
  check(100.0, 10001, 0.0);
  check(-260.0, 9997, 40.0);
  check(83333.333, 10833, 33.333);
  check(-83333.333, 9167, -33.333);
}

static void test_freq_part_within_kernel_limit(void **state)
{
  (void)state;
  for (double ppm = -100000.0; ppm <= 100000.0; ppm += 37.7) {
    long tick;
    double freq;
    clock_split_freq(ppm, 10000, &tick, &freq);
    assert_true(fabs(freq) <= 50.0 + 1e-9);
  }
}

/* Another process's changes are noticed; our own (the modes of the call
 * that reports them) are not; nothing before a first call. */
static void test_interference(void **state)
{
  (void)state;
  const struct clock_kernel_state last = {true, STA_UNSYNC, 2, 1000, 10000};
  struct clock_kernel_state now = last;
  assert_false(clock_interference(&last, 0, &now));
  now.freq = 2000;
  assert_true(clock_interference(&last, 0, &now));
  assert_false(clock_interference(&last, ADJ_FREQUENCY, &now));
  now = last;
  now.tick = 10001;
  assert_true(clock_interference(&last, ADJ_FREQUENCY, &now));
  assert_false(clock_interference(&last, ADJ_FREQUENCY | ADJ_TICK, &now));
  now = last;
  now.status |= STA_PLL;
  assert_true(clock_interference(&last, 0, &now));
  assert_false(clock_interference(&last, ADJ_STATUS, &now));
  now = last;
  now.status |= STA_INS;                /* not the PLL flag */
  assert_false(clock_interference(&last, 0, &now));
  now = last;
  now.constant = 7;
  assert_true(clock_interference(&last, 0, &now));
  assert_false(clock_interference(&last, ADJ_TIMECONST, &now));
  const struct clock_kernel_state none = {0};
  assert_false(clock_interference(&none, 0, &now));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_small_frequencies_stay_in_freq),
    cmocka_unit_test(test_interference),
    cmocka_unit_test(test_large_frequencies_use_tick),
    cmocka_unit_test(test_freq_part_within_kernel_limit),
  };
  return cmocka_run_group_tests_name("clock_linux", tests, NULL, NULL);
}
