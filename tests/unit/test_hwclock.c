/* hwclock: the tracking of a hardware clock, against chrony's own unit
 * test of hwclock.c (test/unit/hwclock.c) and its rules for readings. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/hwclock.h"
#include "fake_platform.h"
#include "proto/timespec.h"

struct fixture {
  struct fake_platform fp;
  struct discipline disc;
  uint64_t rng;
};

static double uniform(struct fixture *f, double lo, double hi)
{
  f->rng = f->rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return lo + (hi - lo) * (double)(f->rng >> 11) * 0x1.0p-53;
}

static int setup(void **state)
{
  static struct fixture f;
  fake_platform_init(&f.fp);
  disc_init(&f.disc, &f.fp.plat, false, true, 0.0, 83333.333, 500000.0);
  f.rng = 12345;
  *state = &f;
  return 0;
}

static struct timespec at(double s)
{
  return timespec_add_double(&(struct timespec){.tv_sec = 1700000000}, s);
}

/* n readings of the hardware time hw around local time t, each within
 * +-spread of it. */
static void readings(struct fixture *f, struct plat_phc_reading *rd, int n,
                     const struct timespec *t, const struct timespec *hw, double spread)
{
  for (int i = 0; i < n; i++) {
    rd[i].sys_before = timespec_add_double(t, -uniform(f, 0.0, spread));
    rd[i].phc = *hw;
    rd[i].sys_after = timespec_add_double(t, uniform(f, 0.0, spread));
  }
}

/* chrony's test: clocks of random frequency, jitter and sampling interval;
 * the fit's offset within twice the jitter of the newest sample, the
 * predictions within a few jitters once there are samples, and on average
 * better the more samples are kept. */
static void test_tracks_like_chrony(void **state)
{
  struct fixture *f = *state;
  struct plat_phc_reading rd[20];

  for (int i = 1; i <= 6; i++) {
    struct hcl c;
    int max = 1 << i, count = 0;
    double sum = 0.0;
    hcl_init(&c, &f->disc, (int)uniform(f, 0, max), max, 1.0, 1e-9, 1e-9, (uint64_t)i);
    for (int j = 0; j < 40; j++) {
      double hw0 = uniform(f, 0.0, 1e6), local0 = uniform(f, 0.0, 1e6);
      double freq = uniform(f, 0.9, 1.1), jitter = uniform(f, 10e-9, 1000e-9);
      double interval = uniform(f, 1.0, 10.0);
      bool new_sample = false;
      hcl_reset(&c);
      for (int k = 0; k < 100; k++) {
        struct timespec hw = at(hw0 + k * interval * freq), local = at(local0 + k * interval), ts;
        if (hcl_cook(&c, &hw, &ts, NULL) && new_sample) {
          double dj = fabs(timespec_diff(&ts, &local)) / jitter;
          if (c.n >= c.max_samples / 2) {
            sum += dj;
            count++;
          }
          assert_true(c.n < 4 || dj <= 4.0);
          assert_true(c.n < 8 || dj <= 3.0);
        }
        hw = at(hw0 + k * interval * freq + uniform(f, -jitter, jitter));
        new_sample = false;
        if (hcl_needs_sample(&c, &local)) {
          int n = (int)uniform(f, 1, 21);
          struct timespec h, s;
          double err;
          int quality;
          readings(f, rd, n, &local, &hw, jitter / 10.0);
          assert_true(hcl_process_readings(&c, rd, n, &h, &s, &err, &quality));
          assert_true(quality >= 0 && quality <= 2);
          if (quality > 0) {
            hcl_accumulate(&c, &h, &s, 2.0 * jitter);
            new_sample = true;
          }
        }
        assert_int_equal(c.valid, c.n >= 2);
        if (c.valid)
          assert_true(fabs(c.offset) <= 2.0 * jitter);
      }
    }
    assert_true(count > 0);
    assert_true(sum / count < 2.4 / sqrt(max));
  }
}

/* Readings whose delays are typical are averaged (quality 2); a batch of
 * slow ones gives its shortest, wanted (1) while nothing predicts it, and
 * not (0) once the fit predicts it within its error. */
static void test_quality(void **state)
{
  struct fixture *f = *state;
  struct hcl c;
  struct plat_phc_reading rd[10];
  struct timespec hw, sys;
  double err;
  int quality;

  hcl_init(&c, &f->disc, 2, 16, 1.0, 1e-9, 1e-9, 7);
  for (int k = 0; k < 10; k++) {
    struct timespec t = at(k), h = at(1000 + k);
    readings(f, rd, 10, &t, &h, 100e-9);
    assert_true(hcl_process_readings(&c, rd, 10, &hw, &sys, &err, &quality));
    assert_int_equal(quality, 2);
    assert_true(err <= 100e-9);
    assert_true(fabs(timespec_diff(&sys, &t)) < 100e-9);
    if (k < 3)
      hcl_accumulate(&c, &hw, &sys, 2 * err);
  }
  assert_true(c.valid);

  /* Ten times slower readings: outside the delay quantiles. */
  struct timespec t = at(20), h = at(1020);
  readings(f, rd, 3, &t, &h, 5e-6);
  assert_true(hcl_process_readings(&c, rd, 3, &hw, &sys, &err, &quality));
  assert_int_equal(quality, 0);
  assert_true(err >= 1e-7);

  /* A clock 1 ms behind its prediction no longer fits: wanted. As in
   * chrony, the test is signed: 1 ms ahead is not. */
  h = at(1019.999);
  readings(f, rd, 3, &t, &h, 5e-6);
  assert_true(hcl_process_readings(&c, rd, 3, &hw, &sys, &err, &quality));
  assert_int_equal(quality, 1);
  h = at(1020.001);
  readings(f, rd, 3, &t, &h, 5e-6);
  assert_true(hcl_process_readings(&c, rd, 3, &hw, &sys, &err, &quality));
  assert_int_equal(quality, 0);

  /* Nothing tracked yet: wanted too. */
  hcl_reset(&c);
  for (int k = 0; k < 10; k++) {
    t = at(30 + k);
    readings(f, rd, 10, &t, &h, 100e-9);
    assert_true(hcl_process_readings(&c, rd, 10, &hw, &sys, &err, &quality));
  }
  readings(f, rd, 3, &t, &h, 5e-6);
  assert_true(hcl_process_readings(&c, rd, 3, &hw, &sys, &err, &quality));
  assert_int_equal(quality, 1);
}

/* A reading across a step (negative delay), or none: no sample. */
static void test_rejects(void **state)
{
  struct fixture *f = *state;
  struct hcl c;
  struct plat_phc_reading rd[2];
  struct timespec hw, sys, t = at(0);
  double err;
  int quality;

  hcl_init(&c, &f->disc, 2, 16, 1.0, 1e-9, 1e-9, 7);
  assert_false(hcl_process_readings(&c, rd, 0, &hw, &sys, &err, &quality));
  readings(f, rd, 2, &t, &t, 1e-6);
  rd[1].sys_after = timespec_add_double(&rd[1].sys_before, -1e-6);
  assert_false(hcl_process_readings(&c, rd, 2, &hw, &sys, &err, &quality));
  assert_false(hcl_cook(&c, &t, &hw, NULL));
}

/* Samples closer than half the separation, or a hardware clock going
 * back, start again; a frequency beyond 2/3 is not trusted. */
static void test_resets(void **state)
{
  struct fixture *f = *state;
  struct hcl c;
  struct timespec out;

  hcl_init(&c, &f->disc, 2, 8, 1.0, 1e-9, 1e-9, 7);
  struct timespec l, h;
  for (int k = 0; k < 4; k++) {
    h = at(5000 + k);
    l = at(k);
    hcl_accumulate(&c, &h, &l, 1e-6);
  }
  assert_int_equal(c.n, 4);
  l = at(4);
  assert_true(hcl_needs_sample(&c, &l));
  l = at(3.5);
  assert_false(hcl_needs_sample(&c, &l));
  l = at(3.2);
  h = at(5003.2);
  hcl_accumulate(&c, &h, &l, 1e-6);
  assert_int_equal(c.n, 1);
  assert_false(c.valid);
  h = at(5003.0);
  l = at(5);
  hcl_accumulate(&c, &h, &l, 1e-6);
  assert_int_equal(c.n, 1);

  hcl_reset(&c);
  for (int k = 0; k < 4; k++) {
    h = at(2.0 * k);
    l = at(k);
    hcl_accumulate(&c, &h, &l, 1e-6);
    assert_false(hcl_cook(&c, &h, &out, NULL));
  }
  assert_int_equal(c.n, 0);
}

/* The fit converts hardware time; a change of the cooked time scale moves
 * its conversions with it. */
static void test_cook_and_slew(void **state)
{
  struct fixture *f = *state;
  struct hcl c;
  struct timespec out, h, l;
  double err;

  hcl_init(&c, &f->disc, 2, 8, 1.0, 1e-9, 1e-9, 7);
  for (int k = 0; k < 8; k++) {
    h = at(100 + k * 16 * (1 + 50e-6));
    l = at(k * 16);
    hcl_accumulate(&c, &h, &l, 1e-8);
  }
  assert_true(c.valid);
  assert_true(fabs(c.frequency - (1 + 50e-6)) < 1e-9);
  h = at(100 + 200 * (1 + 50e-6));
  assert_true(hcl_cook(&c, &h, &out, &err));
  l = at(200);
  assert_true(fabs(timespec_diff(&out, &l)) < 1e-8);
  assert_true(err == 1e-8);

  l = at(112);
  hcl_slew(&c, &l, 0.0, 0.25);
  assert_true(hcl_cook(&c, &h, &out, NULL));
  l = at(200.25);
  assert_true(fabs(timespec_diff(&out, &l)) < 1e-8);
}

/* The clock's frequency changed between samples (500 ppm faster, as the
 * discipline sets it): the line is fitted on the oscillator's intervals,
 * so it stays straight, and converts at the new rate. */
static void test_frequency_change(void **state)
{
  struct fixture *f = *state;
  struct hcl c;
  struct timespec h, l;
  double local = 0.0;

  hcl_init(&c, &f->disc, 2, 8, 1.0, 1e-9, 1e-9, 7);
  for (int k = 0; k < 8; k++) {
    if (k == 4) {
      disc_set_freq(&f->disc, 500.0);
      l = at(local);
      hcl_slew(&c, &l, 500e-6, 0.0);            /* as the discipline tells it */
    }
    local += k == 0 ? 0.0 : 16.0 * (k >= 4 ? 1.0 + 500e-6 : 1.0);
    h = at(1000 + 16.0 * k);
    l = at(local);
    hcl_accumulate(&c, &h, &l, 1e-8);
    assert_true(c.valid || k == 0);
  }
  assert_int_equal(c.n, 8);
  assert_true(fabs(c.frequency - 1.0 / (1.0 + 500e-6)) < 1e-9);
}

/* min/max samples clamped as chrony's: 2..64, max at least min. */
static void test_limits(void **state)
{
  struct fixture *f = *state;
  struct hcl c;
  hcl_init(&c, &f->disc, 0, 1000, 1.0, 1e-9, 1e-9, 7);
  assert_int_equal(c.min_samples, HCL_MIN_SAMPLES);
  assert_int_equal(c.max_samples, HCL_MAX_SAMPLES);
  hcl_init(&c, &f->disc, 20, 4, 1.0, 1e-9, 1e-9, 7);
  assert_int_equal(c.max_samples, 20);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(test_tracks_like_chrony, setup),
    cmocka_unit_test_setup(test_quality, setup),
    cmocka_unit_test_setup(test_rejects, setup),
    cmocka_unit_test_setup(test_resets, setup),
    cmocka_unit_test_setup(test_cook_and_slew, setup),
    cmocka_unit_test_setup(test_frequency_change, setup),
    cmocka_unit_test_setup(test_limits, setup),
  };
  return cmocka_run_group_tests_name("hwclock", tests, NULL, NULL);
}
