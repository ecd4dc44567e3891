#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdint.h>

#include "core/srcstats.h"
#include "proto/ntp_time.h"

#define T0 1700000000

/* Deterministic noise: splitmix64 and Box-Muller. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static double uniform(void) /* (0, 1) */
{
  return ((rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(double sd)
{
  return sd * sqrt(-2.0 * log(uniform())) * cos(2.0 * M_PI * uniform());
}

static struct timespec at(double t) /* T0 + t */
{
  struct timespec base = {T0, 0};
  return timespec_add_double(&base, t);
}

static struct sst_sample smp(double t, double offset, double delay)
{
  return (struct sst_sample){.time = at(t), .offset = offset, .peer_delay = delay,
                             .peer_dispersion = 1e-5, .root_delay = 0.02,
                             .root_dispersion = 0.001, .stratum = 2, .leap = 0};
}

static void add(struct sst *s, double t, double offset, double delay)
{
  struct sst_sample x = smp(t, offset, delay);
  assert_true(sst_add(s, &x));
  sst_regress(s);
}

static struct sst_tracking tracking(const struct sst *s, double now)
{
  struct sst_tracking tr;
  struct timespec n = at(now);
  assert_true(sst_get_tracking_data(s, &n, &tr));
  return tr;
}

static struct sst_selection selection(const struct sst *s, double now)
{
  struct sst_selection sel;
  struct timespec n = at(now);
  assert_true(sst_get_selection_data(s, &n, &sel));
  return sel;
}

static struct sst_report report(const struct sst *s, double now)
{
  struct sst_report r;
  struct timespec n = at(now);
  sst_get_report(s, &n, &r);
  return r;
}

static double predict(const struct sst *s, double t)
{
  struct timespec w = at(t);
  return sst_predict_offset(s, &w);
}

static bool slew(struct sst *s, double when, double dfreq, double doffset)
{
  struct timespec w = at(when);
  return sst_slew_samples(s, &w, dfreq, doffset);
}

/* A noiseless line: offset off0 + f t, one sample every dt seconds. */
static void add_line(struct sst *s, int n, double dt, double off0, double f)
{
  for (int k = 0; k < n; k++)
    add(s, k * dt, off0 + f * k * dt, 0.01);
}

static void test_noiseless_line_is_exact(void **state)
{
  (void)state;
  struct sst s;
  const double f = 50e-6, off0 = 0.01, last = 19 * 64.0;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  add_line(&s, 20, 64.0, off0, f);

  struct sst_tracking tr = tracking(&s, last + 100);
  assert_true(fabs(tr.frequency - f) < 1e-12);
  assert_true(fabs(tr.offset - (off0 + f * last)) < 1e-12);
  assert_true(fabs(tr.offset_now - (off0 + f * (last + 100))) < 1e-12);
  assert_true(timespec_diff(&tr.ref_time, &(struct timespec){T0 + 1216, 0}) == 0.0);
  assert_true(tr.skew < 1e-9);
  assert_true(tr.std_dev < 1e-8);
  assert_true(fabs(predict(&s, last + 1000) - (off0 + f * (last + 1000))) < 1e-12);

  struct sst_selection sel = selection(&s, last + 100);
  assert_true(sel.select_ok);
  assert_true(fabs(sel.offset - (off0 + f * (last + 100))) < 1e-12);
  assert_true(sel.root_distance >= 0.011 && sel.root_distance < 0.0111);
  assert_true(fabs(sel.last_sample_ago - 100) < 1e-9);
  assert_int_equal(sel.stratum, 2);
  assert_int_equal(sel.leap, 0);
  assert_true(sst_samples(&s) >= 6 && sst_samples(&s) <= 20);
  assert_true(fabs(sel.first_sample_ago - (100 + 64.0 * (sst_samples(&s) - 1))) < 1e-9);

  struct sst_report r = report(&s, last + 100);
  assert_int_equal(r.n_samples, sst_samples(&s));
  assert_true(fabs(r.span - 64.0 * (r.n_samples - 1)) < 1e-9);
  assert_true(fabs(r.frequency - f) < 1e-12);
  assert_true(fabs(r.offset - (off0 + f * (last + 100))) < 1e-12);
  assert_true(fabs(r.last_offset - (off0 + f * last)) < 1e-15);
  assert_true(fabs(r.last_ago - 100) < 1e-9);
  assert_true(r.asymmetry == 0.0); /* all delays equal: nothing to estimate */
}

/* Random offsets about a line: the estimates must agree with the truth
 * within their own error bounds. */
static void test_noisy_estimates_within_bounds(void **state)
{
  (void)state;
  const double sigma = 1e-4, dt = 16.0;
  const int trials = 100, n = 32;
  int f_in_skew = 0, f_in_3sd = 0, off_in_3sd = 0, sd_ok = 0;

  rng_state = 12345;
  for (int trial = 0; trial < trials; trial++) {
    struct sst s;
    double f = (uniform() - 0.5) * 200e-6, off0 = (uniform() - 0.5) * 0.02;
    sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
    for (int k = 0; k < n; k++)
      add(&s, k * dt, off0 + f * k * dt + gauss(sigma), 0.01);

    struct sst_tracking tr = tracking(&s, (n - 1) * dt);
    double ferr = fabs(tr.frequency - f), oerr = fabs(tr.offset - (off0 + f * (n - 1) * dt));
    f_in_skew += ferr <= tr.skew;
    f_in_3sd += ferr <= 3 * tr.frequency_sd;
    off_in_3sd += oerr <= 3 * tr.offset_sd;
    sd_ok += tr.std_dev > 0.5 * sigma && tr.std_dev < 2 * sigma;
    assert_true(tr.skew > tr.frequency_sd);
    assert_true(sst_runs(&s) >= 1 && sst_runs(&s) <= sst_samples(&s));
  }
  assert_true(f_in_skew >= 97);
  assert_true(f_in_3sd >= 90);
  assert_true(off_in_3sd >= 90);
  assert_true(sd_ok >= 95);
}

/* Weighting: samples with a larger delay count less. */
static void test_large_delay_samples_weigh_less(void **state)
{
  (void)state;
  struct sst s;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  s.fixed_asymmetry = 0.0;
  /* Every fourth sample is delayed by 10 ms more and its offset is off by
   * 1 ms in alternate directions (so the runs test keeps everything). */
  for (int k = 0; k < 16; k++) {
    bool slow = k % 4 == 3;
    add(&s, k * 16.0, slow ? (k % 8 == 3 ? 1e-3 : -1e-3) : 0.0, slow ? 0.02 : 0.01);
  }
  struct sst_tracking tr = tracking(&s, 15 * 16.0);
  /* Unweighted, the outliers would leave a residual std dev of ~0.5 ms. */
  assert_true(fabs(tr.offset) < 2e-5);
  assert_true(fabs(tr.frequency) < 1e-7);
}

/* An outlier burst, then a frequency change: the runs test drops the old
 * samples that no longer fit a line. */
static void test_runs_test_drops_old_samples(void **state)
{
  (void)state;
  struct sst s;
  const double dt = 16.0, sigma = 1e-5, f2 = 10e-6;
  int k = 0, drops = 0;

  rng_state = 777;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  for (; k < 40; k++)
    add(&s, k * dt, 0.001 + gauss(sigma), 0.01);
  assert_int_equal(sst_samples(&s), 40);
  for (int j = 0; j < 27; j++, k++) {
    double off = j < 3 ? 0.006 : 0.001 + f2 * (j - 2) * dt;
    struct sst_sample x = smp(k * dt, off + gauss(sigma), 0.01);
    assert_true(sst_add(&s, &x));
    int before = sst_samples(&s);
    sst_regress(&s);
    drops += sst_samples(&s) < before;
    assert_true(sst_samples(&s) >= SST_DEFAULT_MIN_SAMPLES);
  }
  assert_true(drops >= 2);
  assert_true(sst_samples(&s) < 30);
  struct sst_tracking tr = tracking(&s, (k - 1) * dt);
  assert_true(fabs(tr.frequency - f2) < 0.5e-6);
  assert_true(fabs(tr.frequency - f2) <= tr.skew);
}

static void test_min_samples_limits_the_runs_test(void **state)
{
  (void)state;
  struct sst s;
  const double dt = 16.0;

  rng_state = 778;
  sst_init(&s, 20, 0);
  for (int k = 0; k < 40; k++)
    add(&s, k * dt, gauss(1e-5), 0.01);
  for (int k = 40; k < 70; k++) {
    add(&s, k * dt, 20e-6 * (k - 39) * dt + gauss(1e-5), 0.01);
    assert_true(sst_samples(&s) >= 20);
  }
}

/* Clock step of +0.5 s: stored samples are re-expressed in the new clock. */
static void test_slew_step_signs(void **state)
{
  (void)state;
  struct sst s;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  for (int k = 0; k < 3; k++)
    add(&s, k * 16.0, 0.1, 0.01);
  assert_true(fabs(report(&s, 40).last_ago - 8.0) < 1e-9);

  assert_true(slew(&s, 40, 0.0, 0.5));
  struct sst_report r = report(&s, 40.5);
  assert_true(fabs(r.last_offset - (0.1 - 0.5)) < 1e-12);   /* offset decreases */
  assert_true(fabs(r.last_orig_offset - 0.1) < 1e-12);      /* as measured */
  assert_true(fabs(r.last_ago - 8.0) < 1e-9);               /* time moved +0.5 */
  assert_true(fabs(report(&s, 40).last_ago - 7.5) < 1e-9);
  assert_true(fabs(predict(&s, 40.5) - (-0.4)) < 1e-12);

  struct sst_tracking tr = tracking(&s, 40.5);
  assert_true(timespec_diff(&tr.ref_time, &(struct timespec){T0 + 32, 500000000}) == 0.0);
  assert_true(fabs(tr.offset + 0.4) < 1e-12);
  assert_true(fabs(selection(&s, 40.5).offset + 0.4) < 1e-12);

  sst_regress(&s);
  assert_true(fabs(tracking(&s, 40.5).offset + 0.4) < 1e-12);
  assert_true(fabs(tracking(&s, 40.5).frequency) < 1e-12);
}

/* Local clock slow by 50 ppm and behind: speeding it up by 50 ppm and
 * adding the offset leaves nothing to correct. */
static void test_slew_frequency_signs(void **state)
{
  (void)state;
  struct sst s;
  const double f = 50e-6, off0 = 0.02, w = 19 * 64.0;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  add_line(&s, 20, 64.0, off0, f);
  double off_w = off0 + f * w;
  assert_true(fabs(predict(&s, w) - off_w) < 1e-12);

  assert_true(slew(&s, w, f, off_w));
  assert_true(fabs(tracking(&s, w).frequency) < 1e-12);
  assert_true(fabs(predict(&s, w + off_w)) < 1e-12);
  assert_true(fabs(predict(&s, w + off_w + 1000)) < 1e-12);
  sst_regress(&s);
  assert_true(fabs(tracking(&s, w).frequency) < 1e-12);
  assert_true(fabs(predict(&s, w + off_w + 1000)) < 1e-12);

  /* Slowing the clock makes the offset grow: it falls behind. */
  assert_true(slew(&s, w + 2000, -f, 0.0));
  assert_true(fabs(tracking(&s, w).frequency - f / (1 - f)) < 1e-12);
  assert_true(predict(&s, w + 3000) > 0.0);
}

/* The slewed estimate is the line the slewed samples give. */
static void test_slew_matches_new_regression(void **state)
{
  (void)state;
  struct sst s;
  const double when = 19 * 64.0 + 100;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  add_line(&s, 20, 64.0, -0.003, -30e-6);
  assert_true(slew(&s, when, 3e-4, -0.02));
  double f = tracking(&s, when).frequency, p = predict(&s, when + 500);
  sst_regress(&s);
  assert_true(fabs(tracking(&s, when).frequency - f) < 1e-12);
  assert_true(fabs(predict(&s, when + 500) - p) < 1e-11);
}

static void test_slew_rejects_bad_input(void **state)
{
  (void)state;
  struct sst s;
  struct timespec bad = {T0, 1000000000L};
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  add(&s, 0, 0.1, 0.01);
  assert_false(slew(&s, 0, NAN, 0.0));
  assert_false(slew(&s, 0, 1.0, 0.0));
  assert_false(slew(&s, 0, -1.5, 0.0));
  assert_false(slew(&s, 0, 0.0, INFINITY));
  assert_false(slew(&s, 0, 0.0, 2 * SST_MAX_VALUE));
  assert_false(sst_slew_samples(&s, &bad, 0.0, 0.0));
  assert_true(fabs(report(&s, 0).last_offset - 0.1) < 1e-15);
}

static void test_ring_wraps_at_max_samples(void **state)
{
  (void)state;
  struct sst s;
  const double f = 20e-6;
  int max_n = 0;

  rng_state = 99;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  for (int k = 0; k < 300; k++) {
    add(&s, k * 8.0, f * k * 8.0 + gauss(1e-6), 0.01);
    assert_true(sst_samples(&s) <= SST_MAX_SAMPLES);
    max_n = sst_samples(&s) > max_n ? sst_samples(&s) : max_n;
  }
  assert_int_equal(max_n, SST_MAX_SAMPLES);
  struct sst_tracking tr = tracking(&s, 299 * 8.0);
  assert_true(fabs(tr.frequency - f) < 1e-8);
  assert_true(fabs(tr.offset - f * 299 * 8.0) < 2e-6);
  struct sst_report r = report(&s, 299 * 8.0);
  assert_true(fabs(r.span - 8.0 * (r.n_samples - 1)) < 1e-9);
}

static void test_max_samples(void **state)
{
  (void)state;
  struct sst s;

  rng_state = 5;
  sst_init(&s, 6, 10);
  for (int k = 0; k < 30; k++) {
    add(&s, k * 16.0, gauss(1e-5), 0.01);
    assert_true(sst_samples(&s) <= 10);
  }
  assert_true(sst_samples(&s) >= 6);
}

static void test_init_clamps_limits(void **state)
{
  (void)state;
  struct sst s;
  sst_init(&s, 100, 200);
  assert_int_equal(s.max_samples, SST_MAX_SAMPLES);
  assert_int_equal(s.min_samples, SST_MAX_SAMPLES);
  sst_init(&s, 0, -5);
  assert_int_equal(s.max_samples, SST_MAX_SAMPLES);
  assert_int_equal(s.min_samples, 1);
  sst_init(&s, 6, 3);
  assert_int_equal(s.max_samples, 3);
  assert_int_equal(s.min_samples, 3);
  sst_init(&s, 6, 0);
  assert_int_equal(s.max_samples, SST_MAX_SAMPLES);
  assert_int_equal(s.min_samples, 6);
  assert_true(s.fixed_asymmetry == 1.0);
  assert_true(s.max_jitter == 0.0);   /* the selection's maxjitter, set by the caller */
}

static void test_fewer_than_three_samples(void **state)
{
  (void)state;
  struct sst s;
  struct sst_selection sel;
  struct timespec now = at(10);
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  assert_false(sst_get_selection_data(&s, &now, &sel));
  assert_true(predict(&s, 10) == 0.0);

  add(&s, 0, 0.05, 0.01);
  sel = selection(&s, 10);
  assert_false(sel.select_ok);
  assert_true(fabs(sel.offset - 0.05) < 1e-15);
  assert_true(fabs(sel.root_distance - (0.01 + 0.001 + 10 * 2000e-6)) < 1e-12);
  assert_true(sel.std_dev == 4.0);
  assert_true(predict(&s, 10) == 0.05);
  struct sst_tracking tr = tracking(&s, 10);
  assert_true(tr.offset == 0.05 && tr.offset_now == 0.05);
  assert_true(tr.offset_sd == 4.0 && tr.skew == 2000e-6 && tr.frequency == 0.0);
  assert_true(fabs(tr.root_dispersion - (0.001 + 4.0)) < 1e-12);
  assert_int_equal(sst_runs(&s), 0);

  add(&s, 16, 0.06, 0.01);
  sel = selection(&s, 20);
  assert_false(sel.select_ok);
  assert_true(fabs(sel.offset - 0.06) < 1e-15); /* the newer sample is closer */
  assert_true(predict(&s, 20) == 0.06);

  add(&s, 32, 0.07, 0.01);
  assert_true(selection(&s, 40).select_ok);
  assert_true(fabs(tracking(&s, 40).frequency - 0.01 / 16) < 1e-12);
}

/* maxsamples 1 or 2 (for -q): selectable once that many are held. */
static void test_tiny_max_samples_selectable(void **state)
{
  (void)state;
  struct sst s;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, 1);
  s.max_jitter = 1.0;
  add(&s, 0, 0.05, 0.01);
  struct sst_selection sel = selection(&s, 1);
  assert_true(sel.select_ok);
  assert_true(sel.std_dev == 1.0);
  add(&s, 16, 0.07, 0.01);
  assert_int_equal(sst_samples(&s), 1);
  assert_true(fabs(selection(&s, 16).offset - 0.07) < 1e-15);

  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, 2);
  add(&s, 0, 0.05, 0.01);
  assert_false(selection(&s, 1).select_ok);
  add(&s, 16, 0.05, 0.01);
  assert_true(selection(&s, 17).select_ok);
}

static void test_add_rejects_bad_samples(void **state)
{
  (void)state;
  struct sst s;
  struct sst_sample x;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  add(&s, 0, 0.05, 0.01);

  x = smp(16, NAN, 0.01);
  assert_false(sst_add(&s, &x));
  x = smp(16, INFINITY, 0.01);
  assert_false(sst_add(&s, &x));
  x = smp(16, 2 * SST_MAX_VALUE, 0.01);
  assert_false(sst_add(&s, &x));
  x = smp(16, 0.0, -0.001);
  assert_false(sst_add(&s, &x));
  x = smp(16, 0.0, INFINITY);
  assert_false(sst_add(&s, &x));
  x = smp(16, 0.0, 0.01);
  x.peer_dispersion = NAN;
  assert_false(sst_add(&s, &x));
  x = smp(16, 0.0, 0.01);
  x.root_delay = -1;
  assert_false(sst_add(&s, &x));
  x = smp(16, 0.0, 0.01);
  x.root_dispersion = -INFINITY;
  assert_false(sst_add(&s, &x));
  x = smp(16, 0.0, 0.01);
  x.time.tv_nsec = 1000000000L;
  assert_false(sst_add(&s, &x));
  x = smp(16, 0.0, 0.01);
  x.time.tv_sec = (time_t)1 << 60;
  assert_false(sst_add(&s, &x));
  assert_int_equal(sst_samples(&s), 1);
  assert_false(sst_add_dispersion(&s, -1.0));
  assert_false(sst_add_dispersion(&s, NAN));
}

static void test_out_of_order_resets(void **state)
{
  (void)state;
  struct sst s;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  for (int k = 0; k < 5; k++)
    add(&s, k * 16.0, 0.0, 0.01);
  add(&s, 64, 0.0, 0.01); /* same time as the newest */
  assert_int_equal(sst_samples(&s), 1);
  add(&s, 80, 0.0, 0.01);
  add(&s, 70, 0.0, 0.01); /* earlier */
  assert_int_equal(sst_samples(&s), 1);
  assert_false(selection(&s, 70).select_ok);
}

static void assert_finite_outputs(const struct sst *s, const struct timespec *now)
{
  struct sst_selection sel;
  struct sst_tracking tr;
  struct sst_delay_test dt;
  struct sst_report r;
  double lo, hi;

  if (sst_get_selection_data(s, now, &sel))
    assert_true(isfinite(sel.offset) && isfinite(sel.root_distance) &&
                isfinite(sel.std_dev) && isfinite(sel.lo_limit) && isfinite(sel.hi_limit) &&
                isfinite(sel.first_sample_ago) && isfinite(sel.last_sample_ago));
  if (sst_get_tracking_data(s, now, &tr))
    assert_true(isfinite(tr.offset) && isfinite(tr.offset_now) && isfinite(tr.offset_sd) &&
                isfinite(tr.frequency) && isfinite(tr.frequency_sd) && isfinite(tr.skew) &&
                isfinite(tr.std_dev) && isfinite(tr.root_delay) &&
                isfinite(tr.root_dispersion));
  if (sst_get_delay_test_data(s, now, &dt))
    assert_true(isfinite(dt.predicted_offset) && isfinite(dt.min_delay) &&
                isfinite(dt.last_sample_ago));
  sst_get_report(s, now, &r);
  assert_true(isfinite(r.offset) && isfinite(r.offset_err) && isfinite(r.frequency) &&
              isfinite(r.skew) && isfinite(r.std_dev) && isfinite(r.span) &&
              isfinite(r.asymmetry));
  sst_get_frequency_range(s, &lo, &hi);
  assert_true(isfinite(lo) && isfinite(hi) && lo <= hi);
  assert_true(isfinite(sst_predict_offset(s, now)));
  assert_true(isfinite(sst_poll_adjust(s, 1e300, 0.0, 8)));
}

static void test_extreme_values_stay_finite(void **state)
{
  (void)state;
  struct sst s;
  const time_t edge = (time_t)1 << 53;

  sst_init(&s, 3, 0);
  s.precision = 0.0;
  for (int k = 0; k < 10; k++) {
    struct sst_sample x = {.time = {edge - 1000 + k, k}, .offset = k % 2 ? SST_MAX_VALUE : -SST_MAX_VALUE,
                           .peer_delay = k % 3 ? SST_MAX_VALUE : 0.0,
                           .root_delay = SST_MAX_VALUE, .root_dispersion = SST_MAX_VALUE};
    assert_true(sst_add(&s, &x));
    sst_regress(&s);
    assert_finite_outputs(&s, &(struct timespec){-edge, 0});
  }
  /* Samples a nanosecond apart, then far apart. */
  sst_init(&s, 3, 0);
  for (int k = 0; k < 6; k++) {
    struct sst_sample x = {.time = {k < 3 ? -edge : edge, k}, .offset = 1.0 * k};
    assert_true(sst_add(&s, &x));
    sst_regress(&s);
    assert_finite_outputs(&s, &(struct timespec){0, 0});
  }
  assert_true(sst_slew_samples(&s, &(struct timespec){edge, 0}, 0.999999, SST_MAX_VALUE));
  sst_regress(&s);
  assert_finite_outputs(&s, &(struct timespec){0, 0});
}

/* Random operations with random (valid) values never give non-finite
 * results. */
static void test_random_operations_stay_finite(void **state)
{
  (void)state;
  struct sst s;
  struct timespec t = {T0, 0};
  static const double scale[] = {0.0, 1e-9, 1e-3, 1.0, 1e6, SST_MAX_VALUE};

  rng_state = 2024;
  sst_init(&s, 4, 16);
  for (int i = 0; i < 20000; i++) {
    double v = scale[rng_next() % 6] * uniform();
    switch (rng_next() % 8) {
    case 0:
      sst_slew_samples(&s, &t, (uniform() - 0.5) * 1.9 * scale[rng_next() % 4],
                       (uniform() - 0.5) * scale[rng_next() % 6]);
      break;
    case 1:
      sst_add_dispersion(&s, v * 1e-3);
      break;
    case 2:
      t = timespec_add_double(&t, -v);
      /* fall through */
    default: {
      struct sst_sample x = {.time = t, .offset = (uniform() - 0.5) * v, .peer_delay = v,
                             .peer_dispersion = uniform() * v, .root_delay = v * uniform(),
                             .root_dispersion = v * 0.5, .stratum = 3};
      sst_add(&s, &x);
      sst_regress(&s);
      t = timespec_add_double(&t, scale[rng_next() % 4] * uniform() + 1e-9);
    }
    }
    if (t.tv_sec > ((time_t)1 << 50) || t.tv_sec < -((time_t)1 << 50))
      t = (struct timespec){T0, 0};
    assert_finite_outputs(&s, &t);
  }
}

static void test_poll_adjust(void **state)
{
  (void)state;
  struct sst s;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  assert_true(fabs(sst_poll_adjust(&s, 0.0, 0.1, 8) - (-0.25)) < 1e-15);
  for (int k = 0; k < 8; k++)
    add(&s, k * 16.0, 0.0, 0.01);
  assert_int_equal(sst_samples(&s), 8);
  assert_true(sst_poll_adjust(&s, 0.0, 0.1, 8) == 0.0);
  assert_true(fabs(sst_poll_adjust(&s, 0.0, 0.1, 4) - 0.25) < 1e-15);
  assert_true(fabs(sst_poll_adjust(&s, 0.0, 0.1, 16) - (-0.0625)) < 1e-15);
  assert_true(fabs(sst_poll_adjust(&s, 0.4, 0.1, 8) - (-2.0)) < 1e-12);
  assert_true(isfinite(sst_poll_adjust(&s, 1.0, 0.0, 8)));
  assert_true(isfinite(sst_poll_adjust(&s, INFINITY, 1e-300, 0)));
  assert_true(isfinite(sst_poll_adjust(&s, NAN, NAN, -3)));
}

static void test_delay_test_and_frequency_range(void **state)
{
  (void)state;
  struct sst s;
  struct sst_delay_test dt;
  struct timespec now = at(200);
  double lo, hi;

  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  assert_true(sst_min_delay(&s) == DBL_MAX);
  sst_get_frequency_range(&s, &lo, &hi);
  assert_true(lo == -2000e-6 && hi == 2000e-6);
  rng_state = 3;
  for (int k = 0; k < 5; k++)
    add(&s, k * 16.0, 1e-6 * k * 16 + gauss(1e-5), 0.01 + 0.001 * (k % 2));
  assert_false(sst_get_delay_test_data(&s, &now, &dt));
  add(&s, 80, 80e-6, 0.009);
  assert_true(sst_get_delay_test_data(&s, &now, &dt));
  assert_true(dt.min_delay == 0.009);
  assert_true(fabs(dt.last_sample_ago - 120) < 1e-9);
  assert_true(fabs(dt.predicted_offset - predict(&s, 200)) < 1e-15);

  struct sst_tracking tr = tracking(&s, 200);
  sst_get_frequency_range(&s, &lo, &hi);
  assert_true(fabs(lo - (tr.frequency - tr.skew)) < 1e-18);
  assert_true(fabs(hi - (tr.frequency + tr.skew)) < 1e-18);

  s.min_delay = 0.02;
  assert_true(sst_min_delay(&s) == 0.02);
}

static void test_add_dispersion(void **state)
{
  (void)state;
  struct sst s;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  add_line(&s, 8, 16.0, 0.0, 0.0);
  double d = selection(&s, 120).root_distance;
  assert_true(sst_add_dispersion(&s, 0.5));
  assert_true(fabs(selection(&s, 120).root_distance - (d + 0.5)) < 1e-12);
}

/* All the jitter on the way back from the server: extra delay d makes the
 * measured offset smaller by d/2. The estimate finds +0.5 after 10 fits in
 * a row, and the offsets are then moved to the minimum delay's. */
static void test_asymmetry_estimated(void **state)
{
  (void)state;
  struct sst s;
  const double dt = 16.0, f = 5e-6;
  double last = 0, min_extra = 1;

  rng_state = 4242;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  for (int k = 0; k < 40; k++) {
    double extra = uniform() * 0.004;
    last = k * dt;
    min_extra = fmin(min_extra, extra);
    add(&s, last, 0.001 + f * last - extra / 2 + gauss(1e-7), 0.01 + extra);
    /* Not before 10 estimates in a row. */
    assert_true(k >= 9 || report(&s, last).asymmetry == 0.0);
  }
  struct sst_report r = report(&s, last);
  assert_true(fabs(r.asymmetry - 0.5) < 0.02);
  struct sst_tracking tr = tracking(&s, last);
  assert_true(fabs(tr.offset - (0.001 + f * last - min_extra / 2)) < 1e-6);
  assert_true(tr.std_dev < 2e-7);

  /* Fixed at -0.5, the opposite correction is applied. */
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  s.fixed_asymmetry = -0.5;
  min_extra = 1;
  for (int k = 0; k < 20; k++) {
    double extra = uniform() * 0.004;
    min_extra = fmin(min_extra, extra);
    add(&s, k * dt, -0.001 + extra / 2 + gauss(1e-7), 0.01 + extra);
  }
  assert_true(report(&s, 19 * dt).asymmetry == -0.5);
  assert_true(fabs(tracking(&s, 19 * dt).offset - (-0.001 + min_extra / 2)) < 1e-6);

  /* Off: the samples are taken as measured. */
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  s.fixed_asymmetry = 0.0;
  for (int k = 0; k < 20; k++)
    add(&s, k * dt, k % 2 ? -0.001 : 0.0, k % 2 ? 0.012 : 0.01);
  assert_true(report(&s, 19 * dt).asymmetry == 0.0);
}

/* mindelay: a delay below it is mirrored above it. */
static void test_min_delay_option(void **state)
{
  (void)state;
  struct sst s;
  sst_init(&s, SST_DEFAULT_MIN_SAMPLES, SST_DEFAULT_MAX_SAMPLES);
  s.min_delay = 0.01;
  add(&s, 0, 0.0, 0.004);
  assert_true(sst_min_delay(&s) == 0.01);
  s.min_delay = 0.0;
  assert_true(fabs(sst_min_delay(&s) - 0.016) < 1e-15);
}

/* A history exported and imported into a fresh instance gives the same
 * estimates; the import keeps only the newest max_samples. */
static void test_export_import_round_trip(void **state)
{
  (void)state;
  struct sst a, b;
  struct sst_dump d;
  rng_state = 7;
  sst_init(&a, 6, 0);
  for (int i = 0; i < 20; i++)
    add(&a, 16.0 * i, 1e-3 + 2e-6 * 16.0 * i + gauss(1e-5), 1e-3 + 1e-4 * uniform());
  sst_export(&a, &d);
  assert_int_equal(d.n, sst_samples(&a));
  assert_int_equal(d.stratum, 2);
  assert_int_equal(d.leap, 0);
  assert_true(sst_dump_valid(&d));

  sst_init(&b, 6, 0);
  assert_true(sst_import(&b, &d));
  assert_int_equal(sst_samples(&b), sst_samples(&a));
  struct sst_tracking ta = tracking(&a, 400.0), tb = tracking(&b, 400.0);
  assert_true(fabs(ta.offset - tb.offset) < 1e-12);
  assert_true(fabs(ta.frequency - tb.frequency) < 1e-12);
  assert_true(selection(&b, 400.0).select_ok);

  sst_init(&b, 3, 4);
  assert_true(sst_import(&b, &d));
  assert_int_equal(sst_samples(&b), 4);
  struct sst_report r = report(&b, 400.0);
  assert_true(r.last_offset == d.samples[d.n - 1].offset);
}

/* Invalid dumps are refused and change nothing. */
static void test_import_rejects_invalid_dumps(void **state)
{
  (void)state;
  struct sst s;
  struct sst_dump good, d;
  sst_init(&s, 6, 0);
  for (int i = 0; i < 8; i++)
    add(&s, 16.0 * i, 1e-3, 1e-3);
  sst_export(&s, &good);

  struct sst b;
  sst_init(&b, 6, 0);
  add(&b, 0.0, 0.5, 1e-3);
  for (int k = 0; k < 12; k++) {
    d = good;
    switch (k) {
    case 0: d.n = -1; break;
    case 1: d.n = SST_MAX_SAMPLES + 1; break;
    case 2: d.stratum = 16; break;
    case 3: d.leap = 4; break;
    case 4: d.asymmetry = 0.6; break;
    case 5: d.asymmetry = NAN; break;
    case 6: d.asymmetry_run = 1001; break;
    case 7: d.samples[3].time = d.samples[2].time; break;       /* not increasing */
    case 8: d.samples[1].time.tv_nsec = 1000000000L; break;
    case 9: d.samples[0].peer_delay = -1e-3; break;
    case 10: d.samples[5].orig_offset = INFINITY; break;
    case 11: d.samples[7].root_dispersion = 2e10; break;
    }
    assert_false(sst_dump_valid(&d));
    assert_false(sst_import(&b, &d));
    assert_int_equal(sst_samples(&b), 1);
    assert_true(report(&b, 1.0).last_offset == 0.5);
  }
}

/* sst_correct_offset: every sample and the estimate move by the offset,
 * the frequency does not (chronyd's SST_CorrectOffset). */
static void test_correct_offset(void **state)
{
  (void)state;
  struct sst s;
  sst_init(&s, 3, 64);
  for (int i = 0; i < 8; i++)
    add(&s, 16.0 * i, 0.001 + 1e-6 * 16.0 * i, 1e-3);
  sst_regress(&s);
  struct sst_tracking before = tracking(&s, 128.0);
  struct timespec t128 = at(128.0);
  double predicted = sst_predict_offset(&s, &t128);
  sst_correct_offset(&s, 0.5);
  struct sst_tracking after = tracking(&s, 128.0);
  assert_true(fabs(sst_predict_offset(&s, &t128) - predicted - 0.5) < 1e-9);
  assert_true(fabs(after.offset - before.offset - 0.5) < 1e-9);
  assert_true(fabs(after.frequency - before.frequency) < 1e-12);
  sst_regress(&s);
  assert_true(fabs(tracking(&s, 128.0).offset - before.offset - 0.5) < 1e-9);
  sst_correct_offset(&s, NAN);                /* refused */
  assert_true(fabs(tracking(&s, 128.0).offset - before.offset - 0.5) < 1e-9);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_noiseless_line_is_exact),
    cmocka_unit_test(test_correct_offset),
    cmocka_unit_test(test_noisy_estimates_within_bounds),
    cmocka_unit_test(test_large_delay_samples_weigh_less),
    cmocka_unit_test(test_runs_test_drops_old_samples),
    cmocka_unit_test(test_min_samples_limits_the_runs_test),
    cmocka_unit_test(test_slew_step_signs),
    cmocka_unit_test(test_slew_frequency_signs),
    cmocka_unit_test(test_slew_matches_new_regression),
    cmocka_unit_test(test_slew_rejects_bad_input),
    cmocka_unit_test(test_ring_wraps_at_max_samples),
    cmocka_unit_test(test_max_samples),
    cmocka_unit_test(test_init_clamps_limits),
    cmocka_unit_test(test_fewer_than_three_samples),
    cmocka_unit_test(test_tiny_max_samples_selectable),
    cmocka_unit_test(test_add_rejects_bad_samples),
    cmocka_unit_test(test_out_of_order_resets),
    cmocka_unit_test(test_extreme_values_stay_finite),
    cmocka_unit_test(test_random_operations_stay_finite),
    cmocka_unit_test(test_poll_adjust),
    cmocka_unit_test(test_delay_test_and_frequency_range),
    cmocka_unit_test(test_add_dispersion),
    cmocka_unit_test(test_asymmetry_estimated),
    cmocka_unit_test(test_min_delay_option),
    cmocka_unit_test(test_export_import_round_trip),
    cmocka_unit_test(test_import_rejects_invalid_dumps),
  };
  return cmocka_run_group_tests_name("srcstats", tests, NULL, NULL);
}
