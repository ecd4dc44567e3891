#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>

#include "sim/sim_metrics.h"
#include "sim/sim_world.h"

struct fixture {
  struct sim_world *w;
  struct sim_platform *h;
  struct sim_metrics *m;
};

/* The core corrects the clock (a counted step) 50.5 s into the run. */
static void on_correct(void *arg)
{
  const struct platform *p = sim_platform_get(arg);
  assert_int_equal(p->ops->clock_step(p->ctx, 0.01), 0);
}

/* A clock 10 ms behind and 2 ppm fast, stepped into place at 50.5 s; from
 * then on its offset is 2e-6 * t. Sampled every second for 100 s. */
static int setup(void **state)
{
  static struct fixture f;
  struct timespec start = {.tv_sec = 1700000000};
  struct sim_clock_params c = {.offset = -0.01, .freq = 2.0};
  f.w = sim_world_new(1, &start);
  f.h = sim_world_add_host(f.w, "h", "192.0.2.1", &c);
  f.m = sim_metrics_new(sim_world_sched(f.w), f.h, 1.0);
  assert_non_null(f.m);
  assert_true(sim_world_at(f.w, 50.5, on_correct, f.h));
  assert_int_equal(sim_world_run(f.w, 100.0), 0);
  *state = &f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  sim_metrics_free(f->m);
  sim_world_free(f->w);
  return 0;
}

static void test_samples(void **state)
{
  struct fixture *f = *state;
  size_t n;
  const struct sim_metrics_sample *s = sim_metrics_samples(f->m, &n);
  assert_int_equal(n, 101);   /* 0 s to 100 s */
  assert_true(s[0].t == 0.0 && s[0].offset == -0.01 && s[0].freq_error == 2.0);
  assert_true(s[100].t == 100.0);
  assert_true(fabs(s[100].offset - 2e-4) < 1e-12);
}

static void test_sync_time_and_steady_state(void **state)
{
  struct fixture *f = *state;
  struct sim_metrics_result r;
  sim_metrics_compute(f->m, 1e-3, 0.0, 0.0, &r);
  assert_true(r.sync_time == 51.0);
  assert_int_equal(r.steps, 1);
  assert_int_equal(r.n_samples, 101);
  assert_int_equal(r.n_steady, 50);
  assert_true(fabs(r.max_offset - 2e-4) < 1e-12);
  double sum = 0.0;
  for (int t = 51; t <= 100; t++)
    sum += (2e-6 * t) * (2e-6 * t);
  assert_true(fabs(r.rms_offset - sqrt(sum / 50)) < 1e-12);
  assert_true(r.max_freq_error == 2.0 && r.rms_freq_error == 2.0);
}

static void test_settle_time(void **state)
{
  struct fixture *f = *state;
  struct sim_metrics_result r;
  sim_metrics_compute(f->m, 1e-3, 0.0, 80.0, &r);
  assert_true(r.sync_time == 51.0);
  assert_int_equal(r.n_steady, 21);
  assert_true(fabs(r.max_offset - 2e-4) < 1e-12);
}

static void test_never_synchronised(void **state)
{
  struct fixture *f = *state;
  struct sim_metrics_result r;
  sim_metrics_compute(f->m, 1e-6, 0.0, 0.0, &r);
  assert_true(isinf(r.sync_time));
  assert_int_equal(r.n_steady, 101);
  assert_true(r.max_offset == 0.01);
}

/* With a frequency threshold, chrony's find_sync: the clock's 2 ppm keep
 * it unsynchronised under 2 ppm, not at 2 ppm. */
static void test_frequency_threshold(void **state)
{
  struct fixture *f = *state;
  struct sim_metrics_result r;
  sim_metrics_compute(f->m, 1e-3, 1.9, 0.0, &r);
  assert_true(isinf(r.sync_time));
  sim_metrics_compute(f->m, 1e-3, 2.0, 0.0, &r);
  assert_true(r.sync_time == 51.0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_samples),
    cmocka_unit_test(test_sync_time_and_steady_state),
    cmocka_unit_test(test_frequency_threshold),
    cmocka_unit_test(test_settle_time),
    cmocka_unit_test(test_never_synchronised),
  };
  return cmocka_run_group_tests_name("sim_metrics", tests, setup, teardown);
}
