/* sim_names: the simulated name service, on its own and as a simulated
 * host's platform_ops.resolve. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim_world.h"

#define START ((sim_time)1700000000 * SIM_NS_PER_S)

struct answer {
  struct sim_sched *sched;
  unsigned calls;
  double at;
  int n;
  struct ip_addr addrs[PLAT_RESOLVE_MAX];
  char error[64];
};

static void on_answer(void *arg, const struct ip_addr *addrs, int n, const char *error)
{
  struct answer *a = arg;
  a->calls++;
  a->at = sim_sched_elapsed(a->sched);
  a->n = n;
  memcpy(a->addrs, addrs, (size_t)n * sizeof(addrs[0]));
  snprintf(a->error, sizeof(a->error), "%s", error ? error : "");
  assert_true((n > 0) == (error == NULL));
}

static struct ip_addr ip(const char *s)
{
  struct ip_addr a;
  assert_true(addr_parse(s, &a));
  return a;
}

static void run(struct sim_sched *s, double seconds)
{
  assert_int_equal(sim_sched_run_until(s, sim_sched_now(s) + sim_ns(seconds)), 0);
}

static void test_answers_after_the_delay(void **state)
{
  (void)state;
  struct sim_sched *s = sim_sched_new(START);
  struct sim_names *t = sim_names_new(s);
  struct ip_addr addrs[3] = {ip("192.0.2.1"), ip("2001:db8::1"), ip("192.0.2.2")};
  struct answer a = {.sched = s};
  assert_int_equal(sim_names_set(t, "pool.test", addrs, 3, 0.5, NULL), 0);
  assert_true(sim_names_lookup(t, "pool.test", ADDR_UNSPEC, 16, on_answer, &a, NULL) != 0);
  run(s, 0.4);
  assert_int_equal(a.calls, 0);
  run(s, 0.2);
  assert_int_equal(a.calls, 1);
  assert_true(a.at == 0.5);
  assert_int_equal(a.n, 3);
  assert_true(addr_equal(&a.addrs[1], &addrs[1]));
  /* The family asked for, at most max. */
  sim_names_lookup(t, "pool.test", ADDR_INET4, 1, on_answer, &a, NULL);
  run(s, 1.0);
  assert_int_equal(a.n, 1);
  assert_true(addr_equal(&a.addrs[0], &addrs[0]));
  sim_names_lookup(t, "pool.test", ADDR_INET6, 16, on_answer, &a, NULL);
  run(s, 1.0);
  assert_int_equal(a.n, 1);
  assert_true(addr_equal(&a.addrs[0], &addrs[1]));
  sim_names_free(t);
  sim_sched_free(s);
}

static void test_failures_and_unknown_names(void **state)
{
  (void)state;
  struct sim_sched *s = sim_sched_new(START);
  struct sim_names *t = sim_names_new(s);
  struct ip_addr v4 = ip("192.0.2.1");
  struct answer a = {.sched = s};
  /* Unknown: fails at once, but never from inside the lookup. */
  sim_names_lookup(t, "nowhere.test", ADDR_UNSPEC, 16, on_answer, &a, NULL);
  assert_int_equal(a.calls, 0);
  run(s, 0.0);
  assert_int_equal(a.calls, 1);
  assert_string_equal(a.error, SIM_NAMES_NOT_FOUND);
  assert_int_equal(sim_names_set(t, "slow.test", NULL, 0, 2.0, "Timeout while contacting DNS"),
                   0);
  sim_names_lookup(t, "slow.test", ADDR_UNSPEC, 16, on_answer, &a, NULL);
  run(s, 3.0);
  assert_int_equal(a.calls, 2);
  assert_true(a.at == 2.0);
  assert_string_equal(a.error, "Timeout while contacting DNS");
  /* A name with no address of the family asked for. */
  assert_int_equal(sim_names_set(t, "v4.test", &v4, 1, 0.0, NULL), 0);
  sim_names_lookup(t, "v4.test", ADDR_INET6, 16, on_answer, &a, NULL);
  run(s, 0.0);
  assert_int_equal(a.n, 0);
  assert_string_equal(a.error, SIM_NAMES_NO_DATA);
  assert_int_equal(sim_names_set(t, "bad.test", NULL, 0, 0.0, NULL), -EINVAL);
  assert_int_equal(sim_names_set(t, "bad.test", &v4, 1, -1.0, NULL), -EINVAL);
  sim_names_free(t);
  sim_sched_free(s);
}

/* A lookup answers what the table said when it was made; each lookup is
 * recorded with its time. */
static void test_script_and_record(void **state)
{
  (void)state;
  struct sim_sched *s = sim_sched_new(START);
  struct sim_names *t = sim_names_new(s);
  struct ip_addr v4 = ip("192.0.2.1");
  struct answer a = {.sched = s};
  double times[4];
  sim_names_lookup(t, "late.test", ADDR_UNSPEC, 16, on_answer, &a, NULL);
  assert_int_equal(sim_names_set(t, "late.test", &v4, 1, 0.0, NULL), 0);
  run(s, 10.0);
  assert_int_equal(a.n, 0);
  sim_names_lookup(t, "late.test", ADDR_UNSPEC, 16, on_answer, &a, NULL);
  run(s, 1.0);
  assert_int_equal(a.n, 1);
  assert_int_equal(sim_names_lookups(t, "late.test", times, 4), 2);
  assert_true(times[0] == 0.0 && times[1] == 10.0);
  assert_int_equal(sim_names_lookups(t, "other.test", times, 4), 0);
  sim_names_free(t);
  sim_sched_free(s);
}

static void test_cancel(void **state)
{
  (void)state;
  struct sim_sched *s = sim_sched_new(START);
  struct sim_names *t = sim_names_new(s);
  struct answer a = {.sched = s};
  int owner;
  plat_lookup l = sim_names_lookup(t, "x.test", ADDR_UNSPEC, 16, on_answer, &a, NULL);
  sim_names_cancel(t, l);
  sim_names_lookup(t, "y.test", ADDR_UNSPEC, 16, on_answer, &a, &owner);
  sim_names_lookup(t, "z.test", ADDR_UNSPEC, 16, on_answer, &a, &owner);
  sim_names_cancel_owner(t, &owner);
  run(s, 1.0);
  assert_int_equal(a.calls, 0);
  sim_names_lookup(t, "x.test", ADDR_UNSPEC, 16, on_answer, &a, NULL);
  sim_names_free(t);            /* pending: dropped, unanswered */
  run(s, 1.0);
  assert_int_equal(a.calls, 0);
  sim_sched_free(s);
}

/* The world's table is what its hosts' platforms resolve with. */
static void test_hosts_resolve_with_the_worlds_table(void **state)
{
  (void)state;
  struct timespec start = {.tv_sec = 1700000000};
  struct sim_world *w = sim_world_new(1, &start);
  struct sim_platform *h = sim_world_add_host(w, "h", "192.0.2.9", NULL);
  const struct platform *p = sim_platform_get(h);
  struct ip_addr v4 = ip("192.0.2.1");
  struct answer a = {.sched = sim_world_sched(w)};
  assert_int_equal(sim_names_set(sim_world_names(w), "ntp.test", &v4, 1, 0.25, NULL), 0);
  assert_true(p->ops->resolve(p->ctx, "ntp.test", ADDR_UNSPEC, 4, on_answer, &a) != 0);
  plat_lookup l = p->ops->resolve(p->ctx, "ntp.test", ADDR_UNSPEC, 4, on_answer, &a);
  p->ops->resolve_cancel(p->ctx, l);
  assert_int_equal(sim_world_run(w, 1.0), 0);
  assert_int_equal(a.calls, 1);
  assert_true(a.at == 0.25 && a.n == 1);
  p->ops->resolve(p->ctx, "ntp.test", ADDR_UNSPEC, 4, on_answer, &a);
  sim_world_free(w);            /* the host's lookup goes with it */
  assert_int_equal(a.calls, 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_answers_after_the_delay),
    cmocka_unit_test(test_failures_and_unknown_names),
    cmocka_unit_test(test_script_and_record),
    cmocka_unit_test(test_cancel),
    cmocka_unit_test(test_hosts_resolve_with_the_worlds_table),
  };
  return cmocka_run_group_tests_name("sim_names", tests, NULL, NULL);
}
