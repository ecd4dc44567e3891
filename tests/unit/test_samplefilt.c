/* samplefilt: chrony's median filter for NTP sources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>

#include "core/samplefilt.h"
#include "proto/ntp_time.h"

#define T0 1700000000
#define PRECISION 1e-6

static struct sst_sample smp(double t, double offset, double disp)
{
  struct timespec base = {T0, 0};
  return (struct sst_sample){.time = timespec_add_double(&base, t), .offset = offset,
                             .peer_delay = 0.001, .peer_dispersion = disp,
                             .root_delay = 0.01, .root_dispersion = 0.002, .stratum = 2};
}

static void feed(struct spf *f, double t, double offset, double disp)
{
  struct sst_sample s = smp(t, offset, disp);
  assert_true(spf_accumulate(f, &s));
}

static double since_t0(const struct sst_sample *s)
{
  struct timespec base = {T0, 0};
  return timespec_diff(&s->time, &base);
}

/* An NTP source's filter gives a result from whatever it holds, one sample
 * or more (its source decides when, after N exchanges), and starts over;
 * empty, nothing. */
static void test_result_from_what_it_holds(void **state)
{
  (void)state;
  struct spf f;
  struct sst_sample out;
  spf_init(&f, 3);
  assert_false(spf_get_filtered(&f, PRECISION, &out));
  feed(&f, 0.0, 0.1, 1e-5);
  feed(&f, 1.0, 0.2, 1e-5);
  assert_int_equal(spf_samples(&f), 2);
  assert_true(spf_get_filtered(&f, PRECISION, &out));
  assert_float_equal(out.offset, 0.15, 1e-12);
  assert_int_equal(spf_samples(&f), 0);
  assert_false(spf_get_filtered(&f, PRECISION, &out));
  feed(&f, 2.0, 0.3, 1e-5);
  assert_true(spf_get_filtered(&f, PRECISION, &out));
  assert_float_equal(out.offset, 0.3, 1e-12);
}

static void test_odd_count_gives_the_median(void **state)
{
  (void)state;
  struct spf f;
  struct sst_sample out;
  spf_init(&f, 5);
  const double offsets[] = {0.5, -0.3, 0.01, 0.02, 9.0};
  for (int i = 0; i < 5; i++)
    feed(&f, i, offsets[i], 1e-5);
  assert_true(spf_get_filtered(&f, PRECISION, &out));
  assert_float_equal(out.offset, 0.02, 1e-12);
  assert_float_equal(since_t0(&out), 3.0, 1e-9);
  assert_float_equal(out.peer_delay, 0.001, 1e-12);
  assert_int_equal(out.stratum, 2);
}

static void test_even_count_averages_the_middle_two(void **state)
{
  (void)state;
  struct spf f;
  struct sst_sample out;
  spf_init(&f, 4);
  const double offsets[] = {0.4, 0.1, 0.3, -5.0};
  for (int i = 0; i < 4; i++)
    feed(&f, i, offsets[i], 1e-5);
  assert_true(spf_get_filtered(&f, PRECISION, &out));
  assert_float_equal(out.offset, 0.2, 1e-12);
  /* Mean time of the two kept (t=1 and t=2). */
  assert_float_equal(since_t0(&out), 1.5, 1e-9);
  /* Their spread (sd 0.1414) exceeds the mean dispersion. */
  assert_float_equal(out.peer_dispersion, sqrt(0.02), 1e-9);
  assert_float_equal(out.root_dispersion, sqrt(0.02), 1e-9);
}

static void test_high_dispersion_samples_set_aside(void **state)
{
  (void)state;
  struct spf f;
  struct sst_sample out;
  spf_init(&f, 6);
  /* Four precise samples around 0.01, two imprecise ones that would move
   * the median. */
  feed(&f, 0, 0.010, 1e-5);
  feed(&f, 1, 0.5, 1e-3);
  feed(&f, 2, 0.011, 1.2e-5);
  feed(&f, 3, 0.6, 1e-3);
  feed(&f, 4, 0.012, 1e-5);
  feed(&f, 5, 0.013, 1e-5);
  assert_true(spf_get_filtered(&f, PRECISION, &out));
  assert_float_equal(out.offset, 0.0115, 1e-12);
}

static void test_rejects_non_increasing_time_and_garbage(void **state)
{
  (void)state;
  struct spf f;
  spf_init(&f, 4);
  feed(&f, 10.0, 0.0, 1e-5);
  struct sst_sample s = smp(10.0, 0.0, 1e-5);
  assert_false(spf_accumulate(&f, &s));
  s = smp(9.0, 0.0, 1e-5);
  assert_false(spf_accumulate(&f, &s));
  s = smp(11.0, NAN, 1e-5);
  assert_false(spf_accumulate(&f, &s));
  s = smp(11.0, 0.0, INFINITY);
  assert_false(spf_accumulate(&f, &s));
  assert_int_equal(spf_samples(&f), 1);
}

static void test_too_noisy_result_dropped_and_window_slides(void **state)
{
  (void)state;
  struct spf f;
  struct sst_sample out;
  spf_init(&f, 2);
  feed(&f, 0, -20.0, 1e-5);
  feed(&f, 1, 20.0, 1e-5);
  assert_false(spf_get_filtered(&f, PRECISION, &out));
  assert_int_equal(spf_samples(&f), 2);
  feed(&f, 2, 20.5, 1e-5);
  assert_int_equal(spf_samples(&f), 2);
  assert_true(spf_get_filtered(&f, PRECISION, &out));
  assert_float_equal(out.offset, 20.25, 1e-12);
}

static void test_length_clamped(void **state)
{
  (void)state;
  struct spf f;
  struct sst_sample out;
  spf_init(&f, 0);
  feed(&f, 0, 0.25, 1e-5);
  assert_true(spf_get_filtered(&f, PRECISION, &out));
  assert_float_equal(out.offset, 0.25, 1e-12);
  /* One sample: the dispersion is at least the precision. */
  assert_true(out.peer_dispersion >= PRECISION);
  spf_init(&f, 100000);
  assert_int_equal(f.max_samples, SPF_MAX_SAMPLES);
}

static void test_slew_moves_samples(void **state)
{
  (void)state;
  struct spf f;
  struct sst_sample out;
  struct timespec when = {T0 + 2, 0};
  spf_init(&f, 2);
  feed(&f, 0, 0.1, 1e-5);
  feed(&f, 1, 0.1, 1e-5);
  /* The clock was moved 0.05 s forward: offsets shrink by as much. */
  spf_slew(&f, &when, 0.0, 0.05);
  assert_true(spf_get_filtered(&f, PRECISION, &out));
  assert_float_equal(out.offset, 0.05, 1e-12);
  assert_float_equal(since_t0(&out), 0.55, 1e-9);
  /* The last time moved too: a sample at the old t=1.02 is not newer. */
  struct sst_sample s = smp(1.02, 0.0, 1e-5);
  assert_false(spf_accumulate(&f, &s));
}

static void test_reduces_noise(void **state)
{
  (void)state;
  struct spf f;
  struct sst_sample out;
  uint32_t x = 12345;
  double sum_raw = 0.0, sum_filt = 0.0;
  int n_raw = 0, n_filt = 0;
  spf_init(&f, 8);
  for (int i = 0; i < 800; i++) {
    x = x * 1664525u + 1013904223u;
    /* Mostly small noise, every few samples a large spike. */
    double noise = ((x >> 8) / 16777216.0 - 0.5) * 2e-4;
    if ((x >> 16) % 10 == 0)
      noise += 5e-3;
    feed(&f, i, noise, 1e-5);
    sum_raw += noise * noise;
    n_raw++;
    /* Asked every 8 samples, as a source with filter 8 asks. */
    if (i % 8 == 7 && spf_get_filtered(&f, PRECISION, &out)) {
      sum_filt += out.offset * out.offset;
      n_filt++;
    }
  }
  assert_int_equal(n_filt, 100);
  assert_true(sqrt(sum_filt / n_filt) < 0.3 * sqrt(sum_raw / n_raw));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_result_from_what_it_holds),
    cmocka_unit_test(test_odd_count_gives_the_median),
    cmocka_unit_test(test_even_count_averages_the_middle_two),
    cmocka_unit_test(test_high_dispersion_samples_set_aside),
    cmocka_unit_test(test_rejects_non_increasing_time_and_garbage),
    cmocka_unit_test(test_too_noisy_result_dropped_and_window_slides),
    cmocka_unit_test(test_length_clamped),
    cmocka_unit_test(test_slew_moves_samples),
    cmocka_unit_test(test_reduces_noise),
  };
  return cmocka_run_group_tests_name("samplefilt", tests, NULL, NULL);
}
