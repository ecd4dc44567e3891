#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ntp_time.h"
#include "sim/sim_clock.h"

#define START ((sim_time)1700000000 * SIM_NS_PER_S)
#define ROLLOVER_2036 ((sim_time)2085978496 * SIM_NS_PER_S)   /* NTP era 1 begins */
#define YEAR_2040 ((sim_time)2208988800 * SIM_NS_PER_S)

static const struct sim_clock_params fast100 = {.freq = 100.0};

static void test_frequency_error_accumulates_exactly(void **state)
{
  (void)state;
  struct sim_clock c;
  sim_clock_init(&c, START, &fast100, 1);
  sim_time t = START + 1000 * SIM_NS_PER_S;
  assert_true(sim_clock_read(&c, t) - t == 100000000);   /* 0.1 s, to the ns */
  assert_true(fabs(sim_clock_offset(&c, t) - 0.1) < 1e-12);
  assert_true(sim_clock_freq_error(&c, t) == 100.0);
}

/* A sine of 100 ppm and 1000 s: 100 ppm a quarter period in, the offset
 * its integral (2 * 100e-6 * 1000 / 2pi s half a period in, 0 after a
 * whole one), corrections added as with the constant part. */
static void test_sine_frequency(void **state)
{
  (void)state;
  struct sim_clock c;
  const struct sim_clock_params sine = {.offset = 1.0, .sine_amp = 100.0, .sine_period = 1000.0};
  sim_clock_init(&c, START, &sine, 1);
  assert_float_equal(sim_clock_freq_error(&c, START + 250 * SIM_NS_PER_S), 100.0, 1e-9);
  assert_float_equal(sim_clock_offset(&c, START + 500 * SIM_NS_PER_S),
                     1.0 + 0.1 / M_PI, 1e-12);
  assert_true(sim_clock_set_freq(&c, START + 500 * SIM_NS_PER_S, -10.0));
  assert_float_equal(sim_clock_freq_error(&c, START + 750 * SIM_NS_PER_S), -110.0, 1e-9);
  assert_float_equal(sim_clock_offset(&c, START + 1000 * SIM_NS_PER_S), 1.0 - 0.005, 1e-12);
}

/* A drift of 1e-4 ppm/s, applied at each one-second step: 1 ppm after
 * 10000 s, the offset the sum of the steps (1e-10 * 9999 * 10000 / 2). */
static void test_linear_drift(void **state)
{
  (void)state;
  struct sim_clock c;
  const struct sim_clock_params drift = {.offset = 1.0, .drift = 1e-4};
  sim_clock_init(&c, START, &drift, 1);
  assert_float_equal(sim_clock_freq_error(&c, START + 10000 * SIM_NS_PER_S), 1.0, 1e-12);
  assert_float_equal(sim_clock_offset(&c, START + 10000 * SIM_NS_PER_S), 1.0049995, 1e-12);
}

/* The correction scales the oscillator's rate, as a kernel's: 100 ppm fast
 * is cancelled by 1 / (1 + 1e-4) - 1, not by -100 ppm (which leaves
 * -100 * 100e-6 ppm). */
static void test_correction_cancels_error(void **state)
{
  (void)state;
  struct sim_clock c;
  const double cancel = 1e6 * (1.0 / (1.0 + 100e-6) - 1.0);
  sim_clock_init(&c, START, &fast100, 1);
  assert_true(sim_clock_set_freq(&c, START, cancel));
  assert_true(sim_clock_get_freq(&c) == cancel);
  sim_time t = START + 1000 * SIM_NS_PER_S;
  assert_true(llabs(sim_clock_read(&c, t) - t) <= 1);
  assert_true(fabs(sim_clock_freq_error(&c, t)) < 1e-9);
  assert_true(sim_clock_set_freq(&c, t, -100.0));
  assert_true(fabs(sim_clock_freq_error(&c, t) + 0.01) < 1e-9);

  /* Corrected half way: the offset gained so far stays. */
  sim_clock_init(&c, START, &fast100, 1);
  assert_true(sim_clock_set_freq(&c, START + 500 * SIM_NS_PER_S, cancel));
  assert_true(llabs(sim_clock_read(&c, t) - t - 50000000) <= 1);
}

static void test_step(void **state)
{
  (void)state;
  struct sim_clock c;
  struct sim_clock_params p = {.offset = -0.25};
  sim_clock_init(&c, START, &p, 1);
  assert_true(sim_clock_read(&c, START) - START == -250000000);
  assert_true(sim_clock_step(&c, START + SIM_NS_PER_S, 0.25));
  assert_true(sim_clock_read(&c, START + 2 * SIM_NS_PER_S) == START + 2 * SIM_NS_PER_S);
  assert_false(sim_clock_step(&c, START + 2 * SIM_NS_PER_S, NAN));
  assert_false(sim_clock_set_freq(&c, START + 2 * SIM_NS_PER_S, INFINITY));
  assert_false(sim_clock_set_freq(&c, START + 2 * SIM_NS_PER_S, 2 * SIM_CLOCK_MAX_FREQ));
  assert_true(sim_clock_get_freq(&c) == 0.0);
}

/* drift: the frequency grows by drift ppm each second, so the offset
 * follows drift t^2 / 2 (to within the one-second steps). */
static void test_drift(void **state)
{
  (void)state;
  struct sim_clock c;
  struct sim_clock_params p = {.drift = 1e-4};
  sim_clock_init(&c, START, &p, 1);
  sim_time t = START + 10000 * SIM_NS_PER_S;
  assert_true(fabs(sim_clock_freq_error(&c, t) - 1.0) < 1e-9);
  double want = 1e-4 * 1e-6 * 10000.0 * 10000.0 / 2.0;
  assert_true(fabs(sim_clock_offset(&c, t) - want) < 1e-3 * want);
}

static void test_true_delay(void **state)
{
  (void)state;
  struct sim_clock c;
  sim_clock_init(&c, START, &fast100, 1);
  sim_time d = sim_clock_true_delay(&c, START, 16.0);
  assert_true(d == (sim_time)ceil(16e9 / 1.0001));
  /* When it fires the local clock has advanced by the delay (to the ns). */
  sim_time advanced = sim_clock_read(&c, START + d) - sim_clock_read(&c, START);
  assert_true(advanced >= 16 * SIM_NS_PER_S && advanced <= 16 * SIM_NS_PER_S + 1);
  assert_true(sim_clock_true_delay(&c, START, -1.0) == 0);
  assert_true(sim_clock_true_delay(&c, START, NAN) == 0);
}

/* The trajectory depends on the seed only, not on when the clock is read. */
static void test_wander_deterministic(void **state)
{
  (void)state;
  struct sim_clock a, b, c;
  struct sim_clock_params p = {.freq = 5.0, .wander = 0.01};
  sim_clock_init(&a, START, &p, 7);
  sim_clock_init(&b, START, &p, 7);
  sim_clock_init(&c, START, &p, 8);
  sim_time end = START + 3600 * SIM_NS_PER_S;
  for (sim_time t = START; t < end; t += 370000000)
    (void)sim_clock_offset(&a, t);
  double oa = sim_clock_offset(&a, end), ob = sim_clock_offset(&b, end);
  assert_memory_equal(&oa, &ob, sizeof(oa));
  assert_true(sim_clock_freq_error(&a, end) == sim_clock_freq_error(&b, end));
  assert_true(sim_clock_offset(&c, end) != oa);
  assert_true(sim_clock_freq_error(&a, end) != 5.0);
}

/* A random walk of the frequency: var(f(T)) = w^2 T, and its integral, the
 * offset, var = w^2 T^3 / 3 (ppm^2 -> s^2 with 1e-12). */
static void test_wander_variance(void **state)
{
  (void)state;
  const int n = 400;
  const double w = 0.01, T = 1000.0;
  double sf = 0.0, sf2 = 0.0, so2 = 0.0;
  for (int i = 0; i < n; i++) {
    struct sim_clock c;
    struct sim_clock_params p = {.wander = w};
    sim_clock_init(&c, START, &p, 1000 + (uint64_t)i);
    sim_time t = START + (sim_time)T * SIM_NS_PER_S;
    double f = sim_clock_freq_error(&c, t), o = sim_clock_offset(&c, t);
    sf += f;
    sf2 += f * f;
    so2 += o * o;
  }
  double var_f = sf2 / n - (sf / n) * (sf / n);
  double expect_f = w * w * T;
  double expect_o = w * w * 1e-12 * T * T * T / 3.0;
  print_message("wander: var(freq) %.4f ppm^2 (expected %.4f), var(offset) %.3g s^2 "
                "(expected %.3g)\n", var_f, expect_f, so2 / n, expect_o);
  assert_true(var_f > 0.7 * expect_f && var_f < 1.3 * expect_f);
  assert_true(so2 / n > 0.5 * expect_o && so2 / n < 2.0 * expect_o);
}

/* Nanosecond resolution where a double of seconds would have ~0.2-0.5 us. */
static void test_precision_near_2036_and_2040(void **state)
{
  (void)state;
  const sim_time starts[] = {ROLLOVER_2036 - 500 * SIM_NS_PER_S - 1, YEAR_2040 + 123456789};
  for (unsigned i = 0; i < 2; i++) {
    struct sim_clock c;
    struct sim_clock_params p = {.offset = 7e-9, .freq = 1.0};
    sim_clock_init(&c, starts[i], &p, 1);
    assert_true(sim_clock_read(&c, starts[i]) - starts[i] == 7);
    sim_time t = starts[i] + 1000 * SIM_NS_PER_S + 1;
    assert_true(sim_clock_read(&c, t) - t == 1000007);   /* 1 ms + 7 ns */
    /* To a timespec, to an NTP timestamp and back, across the rollover. */
    struct timespec ts = sim_time_to_timespec(sim_clock_read(&c, t));
    assert_true(sim_time_from_timespec(&ts) == sim_clock_read(&c, t));
    struct timespec back = ntp_ts_to_timespec(ntp_ts_from_timespec(&ts), ts.tv_sec - 600);
    assert_true(sim_time_from_timespec(&back) == sim_time_from_timespec(&ts));
  }
}

static void test_time_conversions(void **state)
{
  (void)state;
  struct timespec ts = sim_time_to_timespec(-1);
  assert_true(ts.tv_sec == -1 && ts.tv_nsec == 999999999);
  assert_true(sim_time_from_timespec(&ts) == -1);
  assert_true(sim_ns(1e-9) == 1);
  assert_true(sim_ns(-2.5e-9) == -3);
  assert_true(sim_ns(NAN) == 0);
  assert_true(sim_ns(1e300) == sim_ns(SIM_TIME_MAX_SECONDS));
  assert_true(sim_seconds(1500000000) == 1.5);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_frequency_error_accumulates_exactly),
    cmocka_unit_test(test_sine_frequency),
    cmocka_unit_test(test_linear_drift),
    cmocka_unit_test(test_correction_cancels_error),
    cmocka_unit_test(test_step),
    cmocka_unit_test(test_drift),
    cmocka_unit_test(test_true_delay),
    cmocka_unit_test(test_wander_deterministic),
    cmocka_unit_test(test_wander_variance),
    cmocka_unit_test(test_precision_near_2036_and_2040),
    cmocka_unit_test(test_time_conversions),
  };
  return cmocka_run_group_tests_name("sim_clock", tests, NULL, NULL);
}
