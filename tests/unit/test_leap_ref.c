/* The reference's leap second handling (chronyd's update_leap_status and
 * leap timers) on the simulator: the leap second database is used when the
 * sources announce none, a source's announcement wins over it, the kernel
 * is told the second and TAI-UTC (leapsecmode system) and applies it at
 * midnight, packets and chronyc tracking say "unsynchronised" during the
 * leap and nothing after it, and without clock control system becomes
 * step (chronyd -x). */
#define _DEFAULT_SOURCE   /* timegm */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "core/leapdb.h"
#include "sim_fixture.h"

/* TAI-UTC 33 from 2006, 34 from 2009 (leap-seconds.list, shortened). */
static const char list_2009[] = "#$ 3676924800\n#@ 3928521600\n"
                                "3345062400 33\n3439756800 34\n";
#define JAN_1_2009 ((time_t)1230768000)

#define MAX_CALLS 8

struct fx {
  struct simfx net;
  struct platform_ops ops;      /* the simulator's, clock_set_leap recorded */
  struct platform plat;
  struct ntp_server ntp;
  struct client *client;
  struct cmdsrv cmd;
  struct leapdb db;
  int calls, leap[MAX_CALLS], tai[MAX_CALLS];
};

static struct fx *recording;    /* the fixture whose calls are recorded */
static void (*sim_set_leap)(void *ctx, int leap, int tai);

static void record_set_leap(void *ctx, int leap, int tai)
{
  struct fx *f = recording;
  if (f->calls < MAX_CALLS) {
    f->leap[f->calls] = leap;
    f->tai[f->calls] = tai;
  }
  f->calls++;
  sim_set_leap(ctx, leap, tai);
}

static enum ntp_leap lookup(void *arg, time_t when, int *tai)
{
  return leapdb_get(arg, when, tai);
}

/* A client synchronised for 120 s from `start` (with or without clock
 * control) to a server announcing `announced`, with the database. */
static void start(struct fx *f, time_t start, uint8_t announced, bool control)
{
  struct client_params p;
  memset(f, 0, sizeof(*f));
  recording = f;
  assert_true(leapdb_parse_list(list_2009, strlen(list_2009), &f->db));
  simfx_init(&f->net, &(struct simfx_opts){.seed = 5, .start = start,
                                           .server = {{.leap = announced}}});
  const struct platform *sim = simfx_platform(&f->net);
  f->ops = *sim->ops;
  sim_set_leap = sim->ops->clock_set_leap;
  f->ops.clock_set_leap = record_set_leap;
  f->plat = (struct platform){.ops = &f->ops, .ctx = sim->ctx};
  client_params_defaults(&p);
  p.control = control;
  p.leap_lookup = lookup;
  p.leap_arg = &f->db;
  f->client = simfx_serving_client(&f->net, &f->plat, &p, &f->ntp, &f->cmd);
}

static void finish(struct fx *f)
{
  simfx_serving_client_free(f->client, &f->ntp, &f->cmd);
  simfx_free(&f->net);
  recording = NULL;
}

/* Run the world until `t` (Unix seconds of true time). */
static void run_until(struct fx *f, double t)
{
  double now = (double)sim_sched_now(sim_world_sched(f->net.w)) / 1e9;
  assert_int_equal(sim_world_run(f->net.w, t - now), 0);
}

static void test_database_leap_applied_by_the_kernel(void **state)
{
  (void)state;
  struct fx f;
  start(&f, JAN_1_2009 - 600, NTP_LEAP_NONE, true);
  /* The server announces nothing; the database's second is served. */
  assert_int_equal(simfx_tracking(&f.cmd).leap_status, NTP_LEAP_INSERT);
  assert_int_equal(simfx_served(&f.ntp, &f.plat).leap, NTP_LEAP_INSERT);
  assert_int_equal(f.calls, 1);
  assert_int_equal(f.leap[0], 1);
  assert_int_equal(f.tai[0], 33);
  assert_int_equal(sim_platform_leaps(f.net.client_host), 0);

  /* During the leap: "unsynchronised"; the kernel has applied it. */
  run_until(&f, (double)JAN_1_2009 + 0.5);
  assert_int_equal(simfx_served(&f.ntp, &f.plat).leap, NTP_LEAP_UNSYNC);
  assert_int_equal(simfx_tracking(&f.cmd).leap_status, NTP_LEAP_UNSYNC);
  assert_int_equal(sim_platform_leaps(f.net.client_host), 1);

  /* After it: no leap, and the kernel told TAI-UTC 34 with no leap. */
  run_until(&f, (double)JAN_1_2009 + 3.0);
  assert_int_equal(simfx_served(&f.ntp, &f.plat).leap, NTP_LEAP_NONE);
  assert_int_equal(simfx_tracking(&f.cmd).leap_status, NTP_LEAP_NONE);
  assert_int_equal(f.calls, 2);
  assert_int_equal(f.leap[1], 0);
  assert_int_equal(f.tai[1], 34);
  assert_int_equal(sim_platform_leaps(f.net.client_host), 1);
  finish(&f);
}

/* chronyd: the sources' leap, when they announce one, is taken over the
 * database's. */
static void test_sources_announcement_wins(void **state)
{
  (void)state;
  struct fx f;
  start(&f, JAN_1_2009 - 600, NTP_LEAP_DELETE, true);
  assert_int_equal(simfx_tracking(&f.cmd).leap_status, NTP_LEAP_DELETE);
  assert_int_equal(f.calls, 1);
  assert_int_equal(f.leap[0], -1);
  assert_int_equal(f.tai[0], 33);
  finish(&f);
}

/* Not a leap second day: the database is asked but gives no leap; only
 * TAI-UTC goes to the kernel. */
static void test_no_leap_on_other_days(void **state)
{
  (void)state;
  struct fx f;
  start(&f, JAN_1_2009 + 86400, NTP_LEAP_NONE, true);
  assert_int_equal(simfx_tracking(&f.cmd).leap_status, NTP_LEAP_NONE);
  assert_int_equal(f.calls, 1);
  assert_int_equal(f.leap[0], 0);
  assert_int_equal(f.tai[0], 34);
  finish(&f);
}

/* chronyd -x: no kernel leap; the daemon steps its own (virtual) clock,
 * the system clock is left alone. */
static void test_without_control_system_is_step(void **state)
{
  (void)state;
  struct fx f;
  start(&f, JAN_1_2009 - 600, NTP_LEAP_NONE, false);
  assert_int_equal(simfx_tracking(&f.cmd).leap_status, NTP_LEAP_INSERT);
  unsigned warnings = sim_platform_log_count(f.net.client_host, PLAT_LOG_WARN);
  double before = sim_platform_offset(f.net.client_host);
  run_until(&f, (double)JAN_1_2009 + 0.5);
  assert_int_equal(f.calls, 0);
  assert_int_equal(sim_platform_leaps(f.net.client_host), 0);
  assert_int_equal(sim_platform_steps(f.net.client_host), 0);
  assert_true(fabs(sim_platform_offset(f.net.client_host) - before) < 1e-3);
  /* "System clock was stepped for leap second". */
  assert_int_equal(sim_platform_log_count(f.net.client_host, PLAT_LOG_WARN), warnings + 1);
  assert_int_equal(simfx_served(&f.ntp, &f.plat).leap, NTP_LEAP_UNSYNC);
  finish(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_database_leap_applied_by_the_kernel),
    cmocka_unit_test(test_sources_announcement_wins),
    cmocka_unit_test(test_no_leap_on_other_days),
    cmocka_unit_test(test_without_control_system_is_step),
  };
  return cmocka_run_group_tests_name("leap_ref", tests, NULL, NULL);
}
