/* Timeout classes on the simulated platform: timers of one class fire at
 * least the separation apart (chronyd's sampling separation), from each
 * other and from the last one that fired, never sooner than asked; a
 * cancelled timer holds nobody up; a step of the time scale moves the
 * class's times with it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/tclass.h"
#include "sim/sim_world.h"

#define SEP 0.2
#define N 4

struct fixture {
  struct sim_world *w;
  struct discipline d;
  struct tclass c;
  struct tclass_timer t[N];
  double fired[N];                  /* elapsed s; -1: not yet */
};

struct shot {
  struct fixture *f;
  int i;
};
static struct shot shots[N];

static void on_fire(void *arg)
{
  struct shot *s = arg;
  s->f->fired[s->i] = sim_world_elapsed(s->f->w);
}

static void on_change(void *arg, const struct timespec *when, double dfreq, double doffset)
{
  tclass_slew(arg, when, dfreq, doffset);
}

static void setup(struct fixture *f)
{
  struct timespec start = {1700000000, 0};
  memset(f, 0, sizeof(*f));
  f->w = sim_world_new(1, &start);
  struct sim_platform *host = sim_world_add_host(f->w, "host", "192.0.2.1", NULL);
  assert_non_null(host);
  disc_init(&f->d, sim_platform_get(host), true, true, 0.0, 83333.333, 500000.0);
  tclass_init(&f->c, sim_platform_get(host), &f->d);
  assert_true(disc_add_listener(&f->d, on_change, &f->c));
  for (int i = 0; i < N; i++) {
    shots[i] = (struct shot){f, i};
    f->fired[i] = -1.0;
  }
}

static void teardown(struct fixture *f)
{
  for (int i = 0; i < N; i++)
    tclass_cancel(&f->t[i]);
  disc_fini(&f->d);
  sim_world_free(f->w);
}

static void add(struct fixture *f, int i, double delay)
{
  assert_true(tclass_add(&f->c, &f->t[i], delay, SEP, on_fire, &shots[i]));
}

static void assert_near(double got, double want)
{
  if (fabs(got - want) > 1e-6)
    fail_msg("fired at %.9f s, expected %.9f s", got, want);
}

/* Four sources started together: 0.2 s, 0.4 s, 0.6 s, 0.8 s. */
static void test_spread(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f);
  for (int i = 0; i < N; i++)
    add(&f, i, SEP);
  assert_int_equal(sim_world_run(f.w, 2.0), 0);
  for (int i = 0; i < N; i++)
    assert_near(f.fired[i], SEP * (i + 1));
  teardown(&f);
}

/* Separated from the last dispatch; timers far apart keep their delays. */
static void test_after_dispatch_and_far_apart(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f);
  add(&f, 0, 1.0);
  assert_int_equal(sim_world_run(f.w, 1.05), 0);
  assert_near(f.fired[0], 1.0);
  add(&f, 1, 0.01);                     /* 0.05 s after the last one: waits */
  add(&f, 2, 5.0);
  add(&f, 3, 10.0);
  assert_int_equal(sim_world_run(f.w, 20.0), 0);
  assert_near(f.fired[1], 1.0 + SEP);
  assert_near(f.fired[2], 6.05);
  assert_near(f.fired[3], 11.05);
  teardown(&f);
}

/* A cancelled timer frees its slot; re-adding a pending one moves it. */
static void test_cancel_and_readd(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f);
  add(&f, 0, 1.0);
  add(&f, 1, 1.0);                      /* 1.2 s */
  tclass_cancel(&f.t[0]);
  assert_false(tclass_pending(&f.t[0]));
  add(&f, 2, 0.9);                      /* 0.3 s before timer 1: allowed */
  add(&f, 1, 3.0);                      /* moved: no longer in the way */
  add(&f, 3, 1.0);                      /* 0.1 s after timer 2: waits */
  assert_int_equal(sim_world_run(f.w, 5.0), 0);
  assert_near(f.fired[0], -1.0);
  assert_near(f.fired[2], 0.9);
  assert_near(f.fired[3], 0.9 + SEP);
  assert_near(f.fired[1], 3.0);
  teardown(&f);
}

/* After a step of the time scale, the pending timer is still where it
 * was: a new one next to it is separated from it. */
static void test_step_moves_times(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f);
  add(&f, 0, 1.0);
  assert_true(disc_step(&f.d, -100.0));
  add(&f, 1, 1.0);
  assert_int_equal(sim_world_run(f.w, 5.0), 0);
  assert_near(f.fired[0], 1.0);
  assert_near(f.fired[1], 1.0 + SEP);
  teardown(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_spread),
    cmocka_unit_test(test_after_dispatch_and_far_apart),
    cmocka_unit_test(test_cancel_and_readd),
    cmocka_unit_test(test_step_moves_times),
  };
  return cmocka_run_group_tests_name("tclass", tests, NULL, NULL);
}
