/* chrony's time smoothing: a leap second smeared as chrony.conf(5) says
 * (smoothtime 400 0.001024 leaponly: 62500 s, at most 32 ppm reached at
 * 31250 s), the served offset continuous and within the frequency limit,
 * the hold stage when the limit is reached, locking until the skew is
 * small, reset and the chronyc report's signs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>

#include "core/smooth.h"
#include "proto/timespec.h"

static const struct timespec T0 = {.tv_sec = 1230768000};

static struct timespec at(double t)
{
  return timespec_add_double(&T0, t);
}

/* The offset hidden over the stages: continuous, rate within max_freq,
 * back to zero at the end; the peak rate and the duration returned. */
static void follow(const struct smooth *s, double start, double start_offset, double max_freq_ppm,
                   double *peak_ppm, double *duration)
{
  struct smooth_report r;
  struct timespec now = at(start);
  assert_true(smooth_report(s, &now, &r));
  *duration = r.remaining_time;
  assert_true(fabs(smooth_offset(s, &now) - start_offset) < 1e-12);
  const double step = 10.0;
  double prev = smooth_offset(s, &now), peak = 0.0;
  for (double t = step; t <= *duration + 10 * step; t += step) {
    now = at(start + t);
    double o = smooth_offset(s, &now);
    double rate = fabs(o - prev) / step;
    assert_true(rate <= max_freq_ppm * 1e-6 * (1.0 + 1e-9));
    peak = fmax(peak, rate);
    prev = o;
  }
  assert_true(fabs(prev) < 1e-9);
  *peak_ppm = peak * 1e6;
}

static void test_leap_smear_as_documented(void **state)
{
  (void)state;
  struct smooth s;
  struct timespec t0 = at(0.0);
  smooth_init(&s, 400.0, 0.001024, true);
  assert_int_equal(smooth_offset(&s, &t0), 0.0);
  /* leaponly: the first update activates at once, whatever the skew. */
  assert_true(smooth_adjust(&s, &t0, 1e-6, 1e-3, 1.0));
  assert_int_equal(smooth_offset(&s, &t0), 0.0);     /* ordinary updates: nothing */
  smooth_leap(&s, &t0, 1);
  double peak, duration;
  follow(&s, 0.0, 1.0, 400.0, &peak, &duration);
  assert_true(fabs(duration - sqrt(4.0 / 0.001024e-6)) < 1e-6);
  assert_true(fabs(duration - 62500.0) < 1e-6);
  assert_true(fabs(peak - 32.0) < 0.01);
  struct smooth_report r;
  struct timespec mid = at(31250.0);
  assert_true(smooth_report(&s, &mid, &r));
  assert_true(r.active && r.leap_only);
  /* Half way: half the second hidden, the served time running slow by the
   * peak rate (chronyc's sign: < 0, slower), the wander turning. */
  assert_true(fabs(r.offset - 0.5) < 1e-6);
  assert_true(fabs(r.freq_ppm + 32.0) < 1e-6);
  assert_true(fabs(r.remaining_time - 31250.0) < 1e-6);
}

static void test_frequency_limit_holds(void **state)
{
  (void)state;
  struct smooth s;
  struct timespec t0 = at(0.0);
  smooth_init(&s, 10.0, 0.001, true);
  assert_true(smooth_activate(&s, &t0));
  assert_false(smooth_activate(&s, &t0));
  smooth_leap(&s, &t0, -1);
  double peak, duration;
  follow(&s, 0.0, -1.0, 10.0, &peak, &duration);
  assert_true(fabs(peak - 10.0) < 0.01);
  /* Longer than the two ramps alone would take. */
  assert_true(duration > sqrt(4.0 / 0.001e-6));
}

/* Not leaponly: updates wait until the skew is small enough; then each
 * offset the clock is corrected by is hidden and smoothed. */
static void test_adjustments_and_reset(void **state)
{
  (void)state;
  struct smooth s;
  struct timespec t0 = at(0.0);
  smooth_init(&s, 400.0, 0.01, false);
  assert_false(smooth_adjust(&s, &t0, 0.0, 0.5, 1e-3));   /* skew 1000 ppm: locked */
  assert_int_equal(smooth_offset(&s, &t0), 0.0);
  assert_true(smooth_adjust(&s, &t0, 0.0, 0.5, 1e-12));   /* activates, takes nothing */
  assert_int_equal(smooth_offset(&s, &t0), 0.0);
  /* The cooked time jumps 0.5 s ahead: the served time does not. */
  assert_false(smooth_adjust(&s, &t0, 0.0, 0.5, 1e-12));
  struct timespec jumped = at(0.5);
  assert_true(fabs(smooth_offset(&s, &jumped) + 0.5) < 1e-12);
  double peak, duration;
  follow(&s, 0.5, -0.5, 400.0, &peak, &duration);
  struct timespec later = at(0.5 + duration / 2.0);
  assert_true(smooth_reset(&s, &later));
  assert_int_equal(smooth_offset(&s, &later), 0.0);
  struct smooth off;
  smooth_init(&off, 0.0, 0.01, false);
  struct smooth_report r;
  assert_false(smooth_report(&off, &t0, &r));
  assert_false(smooth_reset(&off, &t0));
  assert_false(smooth_adjust(&off, &t0, 0.0, 1.0, 0.0));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_leap_smear_as_documented),
    cmocka_unit_test(test_frequency_limit_holds),
    cmocka_unit_test(test_adjustments_and_reset),
  };
  return cmocka_run_group_tests_name("smooth", tests, NULL, NULL);
}
