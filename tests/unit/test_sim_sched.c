#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "sim/sim_rng.h"
#include "sim/sim_sched.h"

#define START ((sim_time)1700000000 * SIM_NS_PER_S)

struct log {
  struct sim_sched *s;
  int order[64];
  sim_time when[64];
  unsigned n;
};

struct mark {
  struct log *log;
  int id;
};

static void on_mark(void *arg)
{
  struct mark *m = arg;
  struct log *l = m->log;
  l->when[l->n] = sim_sched_now(l->s);
  l->order[l->n++] = m->id;
}

static void test_time_order_and_ties(void **state)
{
  (void)state;
  struct log l = {.s = sim_sched_new(START)};
  struct mark m[4] = {{&l, 0}, {&l, 1}, {&l, 2}, {&l, 3}};
  assert_true(sim_sched_add(l.s, START + 30, on_mark, &m[0], NULL) != 0);
  assert_true(sim_sched_add(l.s, START + 10, on_mark, &m[1], NULL) != 0);
  assert_true(sim_sched_add(l.s, START + 30, on_mark, &m[2], NULL) != 0);
  assert_true(sim_sched_add(l.s, START - 5, on_mark, &m[3], NULL) != 0);  /* past: now */
  assert_int_equal(sim_sched_pending(l.s), 4);
  assert_int_equal(sim_sched_run_until(l.s, START + 100), 0);
  assert_int_equal(l.n, 4);
  int expect[] = {3, 1, 0, 2};
  sim_time when[] = {START, START + 10, START + 30, START + 30};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(l.order[i], expect[i]);
    assert_true(l.when[i] == when[i]);
  }
  assert_true(sim_sched_now(l.s) == START + 100);
  assert_true(sim_sched_elapsed(l.s) == 100e-9);
  assert_true(sim_sched_processed(l.s) == 4);
  sim_sched_free(l.s);
}

/* An event added for "now" while events of this instant run waits behind
 * the ones already pending (loop.c's rule for timers armed in a pass). */
struct rearm {
  struct log *log;
  struct mark late;
};

static void on_add_now(void *arg)
{
  struct rearm *r = arg;
  on_mark(&r->late);
  r->late.id = 9;
  sim_sched_add(r->log->s, sim_sched_now(r->log->s), on_mark, &r->late, NULL);
}

static void test_added_now_runs_after_pending(void **state)
{
  (void)state;
  struct log l = {.s = sim_sched_new(START)};
  struct rearm r = {&l, {&l, 5}};
  struct mark other = {&l, 6};
  sim_sched_add(l.s, START + 1, on_add_now, &r, NULL);
  sim_sched_add(l.s, START + 1, on_mark, &other, NULL);
  assert_int_equal(sim_sched_run_until(l.s, START + 1), 0);
  assert_int_equal(l.n, 3);
  assert_int_equal(l.order[0], 5);
  assert_int_equal(l.order[1], 6);
  assert_int_equal(l.order[2], 9);
  sim_sched_free(l.s);
}

static void test_cancel(void **state)
{
  (void)state;
  struct log l = {.s = sim_sched_new(START)};
  struct mark m[3] = {{&l, 0}, {&l, 1}, {&l, 2}};
  int owner;
  sim_event a = sim_sched_add(l.s, START + 1, on_mark, &m[0], NULL);
  sim_sched_add(l.s, START + 2, on_mark, &m[1], &owner);
  sim_sched_add(l.s, START + 3, on_mark, &m[1], &owner);
  sim_sched_cancel(l.s, a);
  sim_sched_cancel(l.s, a);            /* twice: ignored */
  sim_sched_cancel(l.s, 0);
  sim_sched_cancel_owner(l.s, &owner);
  /* The freed slot is reused; the stale id must not cancel the new event. */
  sim_event c = sim_sched_add(l.s, START + 4, on_mark, &m[2], NULL);
  assert_true(c != a);
  sim_sched_cancel(l.s, a);
  assert_int_equal(sim_sched_run_until(l.s, START + 10), 0);
  assert_int_equal(l.n, 1);
  assert_int_equal(l.order[0], 2);
  sim_sched_free(l.s);
}

static void on_forever(void *arg)
{
  struct sim_sched *s = arg;
  sim_sched_add(s, sim_sched_now(s), on_forever, s, NULL);
}

static void test_zero_delay_loop_is_stopped(void **state)
{
  (void)state;
  struct sim_sched *s = sim_sched_new(START);
  sim_sched_add(s, START + 5, on_forever, s, NULL);
  assert_int_equal(sim_sched_run_until(s, START + 100), -ELOOP);
  assert_true(sim_sched_now(s) == START + 5);
  assert_true(sim_sched_processed(s) == SIM_SCHED_MAX_PER_INSTANT);
  assert_int_equal(sim_sched_run_until(s, START + 100), -ELOOP);
  sim_sched_free(s);
}

/* Many events at random times, half cancelled: the rest run in order. */
struct ordered {
  struct sim_sched *s;
  sim_time last;
  unsigned runs;
  bool sorted;
};

static void on_ordered(void *arg)
{
  struct ordered *o = arg;
  o->sorted &= sim_sched_now(o->s) >= o->last;
  o->last = sim_sched_now(o->s);
  o->runs++;
}

static void test_heap_under_load(void **state)
{
  (void)state;
  enum { N = 20000 };
  static sim_event ids[N];
  struct ordered o = {.s = sim_sched_new(START), .last = START, .sorted = true};
  struct sim_rng r;
  sim_rng_seed(&r, 5);
  for (int i = 0; i < N; i++)
    ids[i] = sim_sched_add(o.s, START + (sim_time)(sim_rng_next(&r) % 1000000), on_ordered, &o,
                           NULL);
  for (int i = 0; i < N; i += 2)
    sim_sched_cancel(o.s, ids[i]);
  assert_int_equal(sim_sched_pending(o.s), N / 2);
  assert_int_equal(sim_sched_run_until(o.s, START + 1000000), 0);
  assert_int_equal(o.runs, N / 2);
  assert_true(o.sorted);
  assert_int_equal(sim_sched_pending(o.s), 0);
  sim_sched_free(o.s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_time_order_and_ties),
    cmocka_unit_test(test_added_now_runs_after_pending),
    cmocka_unit_test(test_cancel),
    cmocka_unit_test(test_zero_delay_loop_is_stopped),
    cmocka_unit_test(test_heap_under_load),
  };
  return cmocka_run_group_tests_name("sim_sched", tests, NULL, NULL);
}
