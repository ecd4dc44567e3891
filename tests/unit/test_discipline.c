/* The discipline on a simulated clock: slews and steps reach the clock,
 * cooked time jumps at once, listeners hear every change, and without
 * control the real clock is never touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/discipline.h"
#include "proto/ntp_time.h"
#include "sim/sim_world.h"

struct heard {
  int calls;
  double dfreq, doffset;
};

static void listener(void *arg, const struct timespec *when, double dfreq, double doffset)
{
  struct heard *h = arg;
  (void)when;
  h->calls++;
  h->dfreq += dfreq;
  h->doffset += doffset;
}

struct fixture {
  struct sim_world *w;
  struct sim_platform *host;
  struct discipline d;
  struct heard heard;
};

static void setup_world(struct fixture *f, bool control, double freq_error)
{
  struct timespec start = {1700000000, 0};
  struct sim_clock_params clock = {.offset = 0.0, .freq = freq_error, .wander = 0.0};
  memset(f, 0, sizeof(*f));
  f->w = sim_world_new(1, &start);
  f->host = sim_world_add_host(f->w, "client", "192.0.2.1", &clock);
  assert_non_null(f->host);
  disc_init(&f->d, sim_platform_get(f->host), control, true, 0.0, 83333.333, 500000.0);
  disc_add_listener(&f->d, listener, &f->heard);
}

static void teardown_world(struct fixture *f)
{
  disc_fini(&f->d);
  sim_world_free(f->w);
}

static void test_offset_is_slewed_into_the_clock(void **state)
{
  (void)state;
  struct fixture f;
  setup_world(&f, true, 0.0);
  /* The clock is 10 ms behind: advance it by 10 ms over 10 s (a
   * correction rate of 0.1 s2). */
  disc_accumulate(&f.d, 0.0, 0.010, 0.1);
  assert_int_equal(f.heard.calls, 1);
  assert_true(fabs(f.heard.doffset - 0.010) < 1e-12);
  assert_true(fabs(sim_platform_offset(f.host)) < 1e-9);  /* not yet */
  assert_int_equal(sim_world_run(f.w, 5.0), 0);
  assert_true(fabs(sim_platform_offset(f.host) - 0.005) < 1e-6);
  assert_int_equal(sim_world_run(f.w, 20.0), 0);
  assert_true(fabs(sim_platform_offset(f.host) - 0.010) < 1e-6);
  /* After the slew the clock runs at the base frequency again. */
  assert_true(fabs(sim_platform_freq_error(f.host)) < 1e-6);
  assert_int_equal(sim_platform_steps(f.host), 0);
  teardown_world(&f);
}

static void test_large_offset_limited_by_max_slew_rate(void **state)
{
  (void)state;
  struct fixture f;
  setup_world(&f, true, 0.0);
  disc_accumulate(&f.d, 0.0, 1.0, 0.0);  /* 1 s at 83333 ppm takes 12 s */
  assert_int_equal(sim_world_run(f.w, 6.0), 0);
  assert_true(fabs(sim_platform_offset(f.host) - 0.5) < 1e-3);
  assert_int_equal(sim_world_run(f.w, 10.0), 0);
  assert_true(fabs(sim_platform_offset(f.host) - 1.0) < 1e-6);
  teardown_world(&f);
}

/* The frequency cancelling an oscillator's error e is 1 / (1 + e) - 1:
 * frequencies scale the clock's rate, as a kernel's. */
static double cancelling(double error_ppm)
{
  return 1e6 * (1.0 / (1.0 + error_ppm * 1e-6) - 1.0);
}

static void test_frequency_correction_cancels_error(void **state)
{
  (void)state;
  struct fixture f;
  setup_world(&f, true, 100.0);
  disc_accumulate(&f.d, cancelling(100.0), 0.0, 0.0);
  assert_true(fabs(f.heard.dfreq - cancelling(100.0) * 1e-6) < 1e-12);
  assert_int_equal(sim_world_run(f.w, 1000.0), 0);
  assert_true(fabs(sim_platform_offset(f.host)) < 1e-9);
  teardown_world(&f);
}

/* A change of frequency is relative to the rate at the old one. */
static void test_relative_freq(void **state)
{
  (void)state;
  assert_true(disc_relative_freq(0.0, 100.0) == 100e-6);
  assert_true(fabs(disc_relative_freq(5e4, 5e4 + 1.05e3) - 1e-3) < 1e-15);
  assert_true(fabs(disc_relative_freq(-5e4, -5e4 - 0.95e3) + 1e-3) < 1e-15);
}

/* A slew at a 5 % base frequency moves the clock by the offset, no more:
 * the slew scales the corrected rate (added to the base it would be 5 %
 * off). */
static void test_slew_at_large_base_frequency(void **state)
{
  (void)state;
  struct fixture f;
  setup_world(&f, true, 5e4);
  disc_accumulate(&f.d, cancelling(5e4), 1.0, 0.0);
  assert_int_equal(sim_world_run(f.w, 100.0), 0);
  assert_true(fabs(sim_platform_offset(f.host) - 1.0) < 1e-6);
  assert_true(fabs(sim_platform_freq_error(f.host)) < 1e-6);
  teardown_world(&f);
}

static void test_cooked_time_includes_pending_correction(void **state)
{
  (void)state;
  struct fixture f;
  struct timespec before, after;
  setup_world(&f, true, 0.0);
  disc_cooked_time(&f.d, &before);
  disc_accumulate(&f.d, 0.0, 0.25, 25.0);
  disc_cooked_time(&f.d, &after);
  assert_true(fabs(timespec_diff(&after, &before) - 0.25) < 1e-9);
  assert_int_equal(sim_world_run(f.w, 50.0), 0);
  disc_cooked_time(&f.d, &after);
  /* cooked = true time + 0.25 throughout, whatever has been slewed */
  assert_true(fabs(timespec_diff(&after, &before) - 50.25) < 1e-6);
  teardown_world(&f);
}

static void test_step_includes_unfinished_slew(void **state)
{
  (void)state;
  struct fixture f;
  setup_world(&f, true, 0.0);
  disc_accumulate(&f.d, 0.0, 0.2, 20.0);
  assert_int_equal(sim_world_run(f.w, 50.0), 0);  /* half slewed */
  assert_true(disc_step(&f.d, 1.0));
  assert_true(fabs(sim_platform_offset(f.host) - 1.2) < 1e-6);
  assert_int_equal(sim_platform_steps(f.host), 1);
  assert_int_equal(f.d.steps, 1);
  assert_true(fabs(f.heard.doffset - 1.2) < 1e-12);
  teardown_world(&f);
}

static void test_without_control_the_clock_is_untouched(void **state)
{
  (void)state;
  struct fixture f;
  struct timespec c0, c1;
  setup_world(&f, false, 50.0);
  disc_cooked_time(&f.d, &c0);
  disc_accumulate(&f.d, -50.0, 0.5, 0.5);
  assert_true(disc_step(&f.d, 2.0));
  assert_int_equal(sim_world_run(f.w, 1000.0), 0);
  /* the real clock drifted freely: 50 ppm for 1000 s, no step */
  assert_true(fabs(sim_platform_offset(f.host) - 0.05) < 1e-6);
  assert_int_equal(sim_platform_steps(f.host), 0);
  /* the virtual clock took all corrections: +2.5 s, frequency cancelled
   * (to first order: (1 + 50e-6)(1 - 50e-6) leaves 2.5 ppb) */
  disc_cooked_time(&f.d, &c1);
  assert_true(fabs(timespec_diff(&c1, &c0) - 1002.5) < 1e-5);
  teardown_world(&f);
}

/* chronyd's shortest slew: a correction with no rate (a first update, an
 * offset_sd of 0) takes 1 s, not |offset| / maxslewrate (0.16 s here). */
static void test_shortest_slew_is_one_second(void **state)
{
  (void)state;
  struct fixture f;
  setup_world(&f, true, 0.0);
  disc_accumulate(&f.d, 0.0, 0.013, 0.0);
  assert_int_equal(sim_world_run(f.w, 0.5), 0);
  /* half way, at 13000 ppm (the raw clock runs 1.3 % fast: 0.5 s of true
   * time is 0.5065 s of slewing) */
  assert_true(fabs(sim_platform_offset(f.host) - 0.5 * 0.013) < 1e-4);
  assert_true(fabs(sim_platform_freq_error(f.host) - 13000.0) < 1.0);
  assert_int_equal(sim_world_run(f.w, 1.0), 0);
  assert_true(fabs(sim_platform_offset(f.host) - 0.013) < 1e-9);
  assert_true(fabs(sim_platform_freq_error(f.host)) < 1e-6);
  teardown_world(&f);
}

/* The slew lasts corr_rate / |correction| (chronyd's correction rate):
 * twice the correction, half the time; a new offset joins what is left,
 * all of it slewed over the new rate's time. */
static void test_slew_lasts_rate_over_correction(void **state)
{
  (void)state;
  struct fixture f;
  setup_world(&f, true, 0.0);
  disc_accumulate(&f.d, 0.0, 0.1, 1.0);              /* 10 s */
  assert_int_equal(sim_world_run(f.w, 5.0), 0);
  assert_true(fabs(disc_remaining(&f.d) - 0.05) < 1e-6);
  disc_accumulate(&f.d, 0.0, 0.15, 1.0);             /* 0.2 left: 5 s */
  assert_true(fabs(sim_platform_freq_error(f.host) - 0.2 / 5.0 * 1e6) < 1.0);
  assert_int_equal(sim_world_run(f.w, 2.5), 0);
  assert_true(fabs(disc_remaining(&f.d) - 0.1) < 1e-6);
  assert_int_equal(sim_world_run(f.w, 2.6), 0);
  assert_true(fabs(disc_remaining(&f.d)) < 1e-9);
  assert_true(fabs(sim_platform_offset(f.host) - 0.25) < 1e-9);
  teardown_world(&f);
}

/* A new frequency alone re-times the slew at the last correction rate, as
 * chronyd's update_slew: what is left, half, takes twice as long. */
static void test_new_frequency_keeps_the_rate(void **state)
{
  (void)state;
  struct fixture f;
  setup_world(&f, true, 0.0);
  disc_accumulate(&f.d, 0.0, 0.1, 1.0);              /* 10 s */
  assert_int_equal(sim_world_run(f.w, 5.0), 0);
  f.heard.calls = 0;
  disc_set_freq(&f.d, 1.0);                          /* 0.05 left: 20 s */
  assert_int_equal(f.heard.calls, 1);
  assert_true(fabs(f.heard.dfreq - 1e-6) < 1e-12);
  assert_int_equal(sim_world_run(f.w, 10.0), 0);
  assert_true(fabs(disc_remaining(&f.d) - 0.025) < 1e-6);
  assert_int_equal(sim_world_run(f.w, 10.1), 0);
  assert_true(fabs(disc_remaining(&f.d)) < 1e-9);
  teardown_world(&f);
}

/* The slew's end is timed on the raw clock, 1 s at least: slowing the
 * clock by 1.3 % for 1 s, its timer comes after 1 s of the slowed clock,
 * 1.3 % later, and the clock goes that much too far (chronyd's
 * update_slew does the same); the next slew brings it back. */
static void test_slew_end_at_least_one_raw_second(void **state)
{
  (void)state;
  struct fixture f;
  setup_world(&f, true, 0.0);
  disc_accumulate(&f.d, 0.0, -0.013, 0.0);
  double r = -0.013;
  assert_int_equal(sim_world_run(f.w, 1.0 / (1.0 + r) + 1e-6), 0);
  assert_true(fabs(sim_platform_offset(f.host) - r / (1.0 + r)) < 1e-8);
  assert_int_equal(sim_world_run(f.w, 3.0), 0);
  assert_true(fabs(sim_platform_offset(f.host) + 0.013) < 1e-9);
  teardown_world(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_offset_is_slewed_into_the_clock),
    cmocka_unit_test(test_large_offset_limited_by_max_slew_rate),
    cmocka_unit_test(test_frequency_correction_cancels_error),
    cmocka_unit_test(test_relative_freq),
    cmocka_unit_test(test_slew_at_large_base_frequency),
    cmocka_unit_test(test_cooked_time_includes_pending_correction),
    cmocka_unit_test(test_step_includes_unfinished_slew),
    cmocka_unit_test(test_without_control_the_clock_is_untouched),
    cmocka_unit_test(test_shortest_slew_is_one_second),
    cmocka_unit_test(test_slew_lasts_rate_over_correction),
    cmocka_unit_test(test_new_frequency_keeps_the_rate),
    cmocka_unit_test(test_slew_end_at_least_one_raw_second),
  };
  return cmocka_run_group_tests_name("discipline", tests, NULL, NULL);
}
