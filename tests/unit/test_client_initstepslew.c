/* client: initstepslew (chronyd's REF_ModeInitStepSlew) on the simulated
 * platform. The client's clock is 0.5 s fast; one server (iburst, as the
 * daemon adds the directive's hosts). The first update steps the clock when
 * the offset is at least the threshold, else slews it, and leaves the
 * reference alone; a server that never answers ends the mode without a
 * correction once its initial burst cannot give enough samples. Either way the client is
 * in its normal mode afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/client.h"
#include "sim_fixture.h"

#define CLOCK_OFFSET 0.5          /* s, local - true */
#define BURST_INTERVAL 2.0        /* s, iburst */

struct fx {
  struct simfx net;
  struct client *client;
  unsigned n_done;
  bool corrected;
  double done_at, offset_at_done;
  bool ref_synced_at_done;
};

static void on_done(void *arg, bool corrected)
{
  struct fx *f = arg;
  f->n_done++;
  f->corrected = corrected;
  f->done_at = sim_world_elapsed(f->net.w);
  f->offset_at_done = sim_platform_offset(f->net.client_host);
  f->ref_synced_at_done = f->net.ref.synchronised;
}

static struct fx *fx_new(double threshold, bool server_down)
{
  static struct fx f;
  struct client_params p;
  struct client_source_params s;
  memset(&f, 0, sizeof(f));
  simfx_init(&f.net, &(struct simfx_opts){.client_clock = {.offset = CLOCK_OFFSET}});
  if (server_down)
    assert_int_equal(sim_world_add_outage(f.net.w, f.net.client_host, f.net.hosts[0], 0.0, 1e9), 0);
  client_params_defaults(&p);
  f.client = client_new(simfx_platform(&f.net), &p, &f.net.ref);
  assert_non_null(f.client);
  client_source_defaults(&s);
  s.addr = f.net.addrs[0];
  s.iburst = true;
  assert_true(client_add_source(f.client, &s) >= 0);
  client_set_initstepslew(f.client, threshold, on_done, &f);
  client_start(f.client);
  return &f;
}

static void fx_free(struct fx *f)
{
  client_free(f->client);
  simfx_free(&f->net);
}

static void run_until(struct fx *f, double t)
{
  assert_int_equal(sim_world_run(f->net.w, t - sim_world_elapsed(f->net.w)), 0);
}

static void test_offset_above_threshold_is_stepped(void **state)
{
  (void)state;
  struct fx *f = fx_new(0.1, false);
  run_until(f, 30.0);
  assert_int_equal(f->n_done, 1);
  assert_true(f->corrected);
  assert_true(f->done_at < 5 * BURST_INTERVAL);
  assert_int_equal(sim_platform_steps(f->net.client_host), 1);
  assert_true(fabs(f->offset_at_done) < 1e-3);
  assert_false(f->ref_synced_at_done);
  /* Until the owner ends the mode, the source's updates are ignored
   * (chronyd's REF_ModeIgnore)... */
  assert_false(f->net.ref.synchronised);
  /* ...then the normal mode: the same source updates the reference. */
  client_end_initstepslew(f->client);
  run_until(f, 600.0);
  assert_int_equal(f->n_done, 1);
  assert_true(f->net.ref.synchronised);
  assert_int_equal(sim_platform_steps(f->net.client_host), 1);
  fx_free(f);
}

static void test_offset_below_threshold_is_slewed(void **state)
{
  (void)state;
  struct fx *f = fx_new(1.0, false);
  run_until(f, 30.0);
  assert_int_equal(f->n_done, 1);
  assert_true(f->corrected);
  assert_true(fabs(f->offset_at_done) > 0.4);       /* the slew has just started */
  /* Without the source, only the slew moves the clock: 0.5 s at chrony's
   * maxslewrate (83333 ppm) takes 6 s. */
  client_remove_source(f->client, 0);
  run_until(f, 60.0);
  assert_int_equal(sim_platform_steps(f->net.client_host), 0);
  assert_true(fabs(sim_platform_offset(f->net.client_host)) < 1e-3);
  fx_free(f);
}

static void test_no_reply_ends_without_correction(void **state)
{
  (void)state;
  struct fx *f = fx_new(0.1, true);
  unsigned warnings = sim_platform_log_count(f->net.client_host, PLAT_LOG_WARN);
  run_until(f, 60.0);
  assert_int_equal(f->n_done, 1);
  assert_false(f->corrected);
  /* chronyd's rule: at the 6th request, 5 missed, the last 2 of the 7
   * cannot make the 3 samples a selection needs. */
  assert_true(f->done_at >= 5 * BURST_INTERVAL && f->done_at < 6 * BURST_INTERVAL);
  assert_int_equal(sim_platform_log_count(f->net.client_host, PLAT_LOG_WARN), warnings + 1);
  assert_int_equal(sim_platform_steps(f->net.client_host), 0);
  assert_true(fabs(sim_platform_offset(f->net.client_host) - CLOCK_OFFSET) < 1e-3);
  fx_free(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_offset_above_threshold_is_stepped),
    cmocka_unit_test(test_offset_below_threshold_is_slewed),
    cmocka_unit_test(test_no_reply_ends_without_correction),
  };
  return cmocka_run_group_tests_name("client_initstepslew", tests, NULL, NULL);
}
