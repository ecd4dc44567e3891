/* makestep on the simulated platform, as chronyd: the update that steps
 * the clock also corrects its frequency (a client 100 ppm fast is right
 * after its first update), and the step moves the reference's past with
 * the clock, so the interval to the next update is the poll interval, not
 * the size of the step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/client.h"
#include "core/reference.h"
#include "sim_fixture.h"

#define POLL 4                        /* 16 s */
#define CLIENT_FREQ 100.0             /* ppm, the client's error */

struct fx {
  struct simfx net;
  struct client *client;
};

static void fx_start(struct fx *f, double offset)
{
  struct client_params p;

  memset(f, 0, sizeof(*f));
  simfx_init(&f->net, &(struct simfx_opts){.lan = {.delay = 100e-6, .jitter = 1e-6}, .client_clock = {.offset = offset, .freq = CLIENT_FREQ}});
  client_params_defaults(&p);
  p.makestep_threshold = 1.0;
  p.makestep_limit = 1;
  f->client = client_new(simfx_platform(&f->net), &p, &f->net.ref);
  struct client_source_params s = simfx_source(&f->net, 0, POLL);
  assert_true(client_add_source(f->client, &s) >= 0);
  client_start(f->client);
}

static void fx_free(struct fx *f)
{
  client_free(f->client);
  simfx_free(&f->net);
}

/* Runs until the client has stepped, then for `more` seconds. */
static void run_past_step(struct fx *f, double more)
{
  while (client_steps(f->client) == 0) {
    assert_true(sim_world_elapsed(f->net.w) < 20 * (1 << POLL));
    assert_int_equal(sim_world_run(f->net.w, 0.5), 0);
  }
  assert_int_equal(sim_world_run(f->net.w, more), 0);
}

static void test_step_corrects_frequency(void **state)
{
  (void)state;
  struct fx f;
  fx_start(&f, 10.0);
  run_past_step(&f, 1.0);
  struct ref_tracking t;
  ref_tracking(client_reference(f.client), &t);
  /* One update (the step), from the regression of the samples before it. */
  assert_true(fabs(t.freq_ppm + CLIENT_FREQ) < 1.0);
  assert_true(fabs(sim_platform_freq_error(f.net.client_host)) < 1.0);
  assert_true(fabs(sim_platform_offset(f.net.client_host)) < 1e-5);
  fx_free(&f);
}

static void check_interval_after_step(double offset)
{
  struct fx f;
  fx_start(&f, offset);
  run_past_step(&f, 1.5 * (1 << POLL));
  assert_int_equal(client_steps(f.client), 1);
  struct ref_tracking t;
  ref_tracking(client_reference(f.client), &t);
  /* The one update after the step came one poll later. */
  assert_true(t.last_update_interval > 0.5 * (1 << POLL));
  assert_true(t.last_update_interval < 2.5 * (1 << POLL));
  assert_true(fabs(sim_platform_offset(f.net.client_host)) < 1e-5);
  fx_free(&f);
}

static void test_step_moves_the_past(void **state)
{
  (void)state;
  check_interval_after_step(1e8);
  check_interval_after_step(-1e8);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_step_corrects_frequency),
    cmocka_unit_test(test_step_moves_the_past),
  };
  return cmocka_run_group_tests_name("client_makestep", tests, NULL, NULL);
}
