/* maxchange OFFSET START IGNORE on the simulated platform: a server that
 * steps its clock by 1 s makes the client see an offset above the limit;
 * the offset is ignored IGNORE times, then the client gives up (chronyd
 * exits). Before START updates nothing is checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/client.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

#define STEP_AT 600.0

struct fx {
  struct sim_world *w;
  struct sim_platform *client_host, *server_host;
  struct sim_server *server;
  struct refstate ref;
  struct client *client;
  int gave_up;
  double gave_up_at;
};

static void on_give_up(void *arg)
{
  struct fx *f = arg;
  if (f->gave_up++ == 0)
    f->gave_up_at = sim_world_elapsed(f->w);
}

static void fx_run(struct fx *f, int start, int ignore, double seconds)
{
  struct timespec t0 = {.tv_sec = 1700000000};
  struct sim_link_params lan = {.delay = 100e-6, .jitter = 10e-6};
  struct sim_server_config scfg = {.step_at = STEP_AT, .step = 1.0};
  struct client_params p;
  struct client_source_params s;

  memset(f, 0, sizeof(*f));
  f->w = sim_world_new(1, &t0);
  assert_int_equal(sim_net_set_default(sim_world_net(f->w), &lan), 0);
  f->client_host = sim_world_add_host(f->w, "client", "192.0.2.1", NULL);
  f->server_host = sim_world_add_host(f->w, "server", "192.0.2.11", NULL);
  f->server = sim_server_new(sim_world_sched(f->w), f->server_host, &scfg);
  assert_non_null(f->server);
  ref_state_init(&f->ref, -20);
  client_params_defaults(&p);
  p.maxchange_offset = 0.1;
  p.maxchange_start = start;
  p.maxchange_ignore = ignore;
  p.give_up = on_give_up;
  p.give_up_arg = f;
  f->client = client_new(sim_platform_get(f->client_host), &p, &f->ref);
  client_source_defaults(&s);
  assert_true(addr_parse("192.0.2.11", &s.addr));
  s.minpoll = s.maxpoll = 4;
  s.iburst = true;
  assert_true(client_add_source(f->client, &s) >= 0);
  client_start(f->client);
  assert_int_equal(sim_world_run(f->w, seconds), 0);
}

static void fx_free(struct fx *f)
{
  client_free(f->client);
  sim_server_free(f->server);
  sim_world_free(f->w);
}

static void test_gives_up_after_ignoring(void **state)
{
  (void)state;
  struct fx f;
  fx_run(&f, 1, 2, 2000.0);
  assert_true(f.gave_up >= 1);
  /* Two updates ignored at 16 s polls after the step, the third gives up. */
  assert_true(f.gave_up_at > STEP_AT && f.gave_up_at < STEP_AT + 5 * 16.0);
  /* The 1 s was never applied to the clock. */
  assert_true(fabs(sim_platform_offset(f.client_host)) < 1e-3);
  fx_free(&f);
}

static void test_negative_ignore_never_gives_up(void **state)
{
  (void)state;
  struct fx f;
  fx_run(&f, 1, -1, 2000.0);
  assert_int_equal(f.gave_up, 0);
  assert_true(fabs(sim_platform_offset(f.client_host)) < 1e-3);
  fx_free(&f);
}

static void test_disabled_follows_the_server(void **state)
{
  (void)state;
  struct fx f;
  fx_run(&f, -1, 0, 2000.0);
  assert_int_equal(f.gave_up, 0);
  /* Without maxchange the client follows the stepped server (slewed). */
  assert_true(fabs(sim_platform_offset(f.client_host) - 1.0) < 1e-3);
  fx_free(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gives_up_after_ignoring),
    cmocka_unit_test(test_negative_ignore_never_gives_up),
    cmocka_unit_test(test_disabled_follows_the_server),
  };
  return cmocka_run_group_tests_name("client_maxchange", tests, NULL, NULL);
}
