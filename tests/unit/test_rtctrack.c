/* rtcfile's RTC tracking (core/rtctrack.c) on a simulated host whose RTC
 * (sim_refclock.h) starts 3.4 s fast and gains 20 ppm: the fit's offset
 * and gain, the measurement periods, trimrtc and the relock that saves the
 * coefficients, rtcautotrim, the clock's corrections, and no device. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rtctrack.h"
#include "proto/timespec.h"
#include "sim/sim_refclock.h"
#include "sim/sim_world.h"

#define RTC_ERROR 3.4             /* s fast at the start */
#define RTC_GAIN 20.0             /* ppm */
#define RTC_JITTER 1e-5           /* s: interrupt latency */
#define T0 1700000000

struct fixture {
  struct sim_world *w;
  struct sim_platform *host;
  struct discipline d;
  struct refstate ref;
  struct rtctrack r;
  struct sim_refclock *dev;
  int saves, logs, max_period;
  struct rtct_coefs saved;
};

static bool save(void *arg, const struct rtct_coefs *c)
{
  struct fixture *f = arg;
  f->saves++;
  f->saved = *c;
  return true;
}

static void on_log(void *arg, const struct rtct_log *l)
{
  struct fixture *f = arg;
  f->logs++;
  if (l->period > f->max_period)
    f->max_period = l->period;
}

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  struct timespec start = {T0, 0};
  f->w = sim_world_new(1, &start);
  f->host = sim_world_add_host(f->w, "client", "192.0.2.1", NULL);
  assert_non_null(f->host);
  disc_init(&f->d, sim_platform_get(f->host), true, true, 0.0, 83333.333, 500000.0);
  ref_state_init(&f->ref, -20);
  struct sim_refclock_config cfg = {.driver = PLAT_REFCLOCK_RTC, .param = "/dev/rtc0",
                                    .freq = RTC_GAIN, .rtc_error = RTC_ERROR, .jitter = RTC_JITTER,
                                    .seed = 5};
  f->dev = sim_refclock_new(sim_world_sched(f->w), f->host, &cfg);
  assert_non_null(f->dev);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  rtct_stop(&f->r);
  disc_fini(&f->d);
  sim_world_free(f->w);
  free(f);
  return 0;
}

static void start(struct fixture *f, double autotrim)
{
  struct rtct_params p = {.device = "/dev/rtc0", .utc = true, .autotrim = autotrim,
                          .save = save, .log = on_log, .arg = f};
  assert_true(rtct_start(&f->r, sim_platform_get(f->host), &f->d, &f->ref, &p));
  assert_true(disc_add_listener(&f->d, rtct_clock_changed, &f->r));
}

static void run(struct fixture *f, double seconds)
{
  assert_int_equal(sim_world_run(f->w, seconds), 0);
}

/* The RTC's error at its reference time, on this perfect clock. */
static double rtc_error_at(int64_t rtc_sec)
{
  double t = (double)rtc_sec - RTC_ERROR;           /* about, when it showed rtc_sec */
  return RTC_ERROR + RTC_GAIN * 1e-6 * (t - T0);
}

static void test_tracking(void **state)
{
  struct fixture *f = *state;
  struct rtct_report rep;
  start(f, 0.0);
  run(f, 4000.0);
  rtct_report(&f->r, &rep);
  assert_true(rep.n_samples >= 14 && rep.n_samples <= 40);
  assert_true(rep.span > 2000 && rep.span < 4000);
  assert_true(fabs(rep.gain_ppm - RTC_GAIN) < 0.05);
  assert_true(fabs(rep.fast - rtc_error_at(rep.ref_time)) < 5 * RTC_JITTER);
  assert_true(rep.ref_time > T0 + 3000);
  assert_int_equal(f->max_period, 240);
  assert_true(f->logs >= rep.n_samples);
  assert_int_equal(f->saves, 0);
  assert_true(rtct_write(&f->r));                    /* writertc */
  assert_int_equal(f->saves, 1);
  assert_true(f->saved.valid && f->saved.ref_time == rep.ref_time);
  /* the clock advanced by a second: the RTC is a second less fast of it */
  assert_true(disc_step(&f->d, 1.0));
  struct rtct_report after;
  rtct_report(&f->r, &after);
  assert_true(fabs(after.fast - (rep.fast - 1.0)) < 1e-9);
  /* stepped by someone else: the samples go, the estimate moves */
  rtct_clock_jumped(&f->r, -2.0);
  rtct_report(&f->r, &rep);
  assert_int_equal(rep.n_samples, 0);
  assert_true(fabs(rep.fast - (after.fast + 2.0)) < 1e-9);
}

static void test_trim(void **state)
{
  struct fixture *f = *state;
  struct rtct_report rep;
  start(f, 0.0);
  run(f, 200.0);
  rtct_trim(&f->r);
  run(f, 12.0);                                      /* eight samples a second apart */
  assert_int_equal(f->saves, 1);
  /* set to the system second: within half a second and its drift */
  assert_true(f->saved.valid && fabs(f->saved.fast) < 0.5 + 1e-3);
  assert_true(fabs(f->saved.gain * 1e6 - RTC_GAIN) < 0.05);   /* the rate from before */
  assert_true(f->saved.ref_time > T0 + 200);
  rtct_report(&f->r, &rep);
  assert_true(rep.n_samples <= 1);                   /* measuring again from nothing */
  run(f, 600.0);
  rtct_report(&f->r, &rep);
  /* half a second at most when set, and what it gained since */
  assert_true(fabs(rep.fast) < 0.5 + RTC_GAIN * 1e-6 * 1000.0);
  assert_true(fabs(rep.gain_ppm - RTC_GAIN) < 0.05);
  /* an RTC within a second is left alone */
  rtct_trim(&f->r);
  run(f, 12.0);
  assert_int_equal(f->saves, 1);
}

/* rtcautotrim 1: trimmed once synchronised, then left alone. */
static void test_autotrim(void **state)
{
  struct fixture *f = *state;
  start(f, 1.0);
  run(f, 100.0);
  assert_int_equal(f->saves, 0);                     /* not synchronised */
  f->ref.synchronised = true;
  run(f, 300.0);
  assert_int_equal(f->saves, 1);
  assert_true(fabs(f->saved.fast) < 0.5 + 1e-3);
  run(f, 1000.0);                                    /* it gains 0.02 s: no trim */
  assert_int_equal(f->saves, 1);
}

static void test_no_device(void **state)
{
  struct fixture *f = *state;
  struct rtct_params p = {.device = "/dev/rtc9", .utc = true};
  assert_false(rtct_start(&f->r, sim_platform_get(f->host), &f->d, &f->ref, &p));
  rtct_stop(&f->r);                                  /* nothing to stop */
  assert_int_equal(f->saves, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_tracking, setup, teardown),
    cmocka_unit_test_setup_teardown(test_trim, setup, teardown),
    cmocka_unit_test_setup_teardown(test_autotrim, setup, teardown),
    cmocka_unit_test_setup_teardown(test_no_device, setup, teardown),
  };
  return cmocka_run_group_tests_name("rtctrack", tests, NULL, NULL);
}
