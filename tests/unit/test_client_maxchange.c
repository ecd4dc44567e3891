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
#include "sim_fixture.h"

#define STEP_AT 600.0

struct fx {
  struct simfx net;
  struct client *client;
  int gave_up;
  double gave_up_at;
};

static void on_give_up(void *arg)
{
  struct fx *f = arg;
  if (f->gave_up++ == 0)
    f->gave_up_at = sim_world_elapsed(f->net.w);
}

static void fx_run(struct fx *f, int start, int ignore, double seconds)
{
  struct client_params p;

  memset(f, 0, sizeof(*f));
  simfx_init(&f->net, &(struct simfx_opts){.server = {{.step_at = STEP_AT, .step = 1.0}}});
  client_params_defaults(&p);
  p.maxchange_offset = 0.1;
  p.maxchange_start = start;
  p.maxchange_ignore = ignore;
  p.give_up = on_give_up;
  p.give_up_arg = f;
  f->client = client_new(simfx_platform(&f->net), &p, &f->net.ref);
  struct client_source_params s = simfx_source(&f->net, 0, 4);
  s.iburst = true;
  assert_true(client_add_source(f->client, &s) >= 0);
  client_start(f->client);
  assert_int_equal(sim_world_run(f->net.w, seconds), 0);
}

static void fx_free(struct fx *f)
{
  client_free(f->client);
  simfx_free(&f->net);
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
  assert_true(fabs(sim_platform_offset(f.net.client_host)) < 1e-3);
  fx_free(&f);
}

static void test_negative_ignore_never_gives_up(void **state)
{
  (void)state;
  struct fx f;
  fx_run(&f, 1, -1, 2000.0);
  assert_int_equal(f.gave_up, 0);
  assert_true(fabs(sim_platform_offset(f.net.client_host)) < 1e-3);
  fx_free(&f);
}

static void test_disabled_follows_the_server(void **state)
{
  (void)state;
  struct fx f;
  fx_run(&f, -1, 0, 2000.0);
  assert_int_equal(f.gave_up, 0);
  /* Without maxchange the client follows the stepped server (slewed). */
  assert_true(fabs(sim_platform_offset(f.net.client_host) - 1.0) < 1e-3);
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
