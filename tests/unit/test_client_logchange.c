/* logchange THRESHOLD on the simulated platform: a server whose clock is
 * stepped by 10 s makes the client's next reference update correct 10 s;
 * above the threshold chronyd's warning "System clock wrong by X
 * seconds, adjustment started" is logged (before "System clock was stepped
 * by X seconds" when makestep steps), below it nothing. The platform's log
 * and clock steps are wrapped so the test sees the messages and the steps
 * made: the figure logged is the clock's step, as chronyd's, also when a
 * slew was still under way (an update's step, chronyc makestep). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/client.h"
#include "sim_fixture.h"

#define STEP_AT 600.0
#define STEP 10.0
#define MAX_LINES 64

struct fx {
  struct simfx net;
  struct platform_ops ops;       /* the simulator's, with log wrapped */
  struct platform plat;
  const struct platform *inner;
  struct client *client;
  char lines[MAX_LINES][256];     /* warnings logged */
  double at[MAX_LINES];           /* when (simulated seconds) */
  unsigned n_lines;
  double stepped;                 /* the clock's steps, s */
};

static void fx_log(void *ctx, int level, const char *msg)
{
  struct fx *f = ctx;
  if (level >= PLAT_LOG_WARN && f->n_lines < MAX_LINES) {
    f->at[f->n_lines] = sim_world_elapsed(f->net.w);
    snprintf(f->lines[f->n_lines++], sizeof(f->lines[0]), "%s", msg);
  }
  f->inner->ops->log(f->inner->ctx, level, msg);
}

/* The other operations, unchanged. */
#define FWD(name, ret, params, args) \
  static ret fx_##name params { struct fx *f = ctx; return f->inner->ops->name args; }
FWD(now, void, (void *ctx, struct timespec *out), (f->inner->ctx, out))
FWD(timer_add, plat_timer, (void *ctx, double delay, plat_timer_fn fn, void *arg),
    (f->inner->ctx, delay, fn, arg))
FWD(timer_cancel, void, (void *ctx, plat_timer t), (f->inner->ctx, t))
FWD(random_bytes, void, (void *ctx, void *buf, size_t len), (f->inner->ctx, buf, len))
FWD(clock_set_freq, int, (void *ctx, double ppm), (f->inner->ctx, ppm))
FWD(clock_get_freq, double, (void *ctx), (f->inner->ctx))
static int fx_clock_step(void *ctx, double seconds)
{
  struct fx *f = ctx;
  int r = f->inner->ops->clock_step(f->inner->ctx, seconds);
  if (r == 0)
    f->stepped += seconds;
  return r;
}
FWD(udp_open, int,
    (void *ctx, enum addr_family family, const struct ip_addr *local, uint16_t port,
     plat_recv_fn fn, void *arg),
    (f->inner->ctx, family, local, port, fn, arg))
FWD(udp_close, void, (void *ctx, int sock), (f->inner->ctx, sock))
FWD(udp_send, int,
    (void *ctx, int sock, const struct ip_addr *local, const struct ip_addr *to, uint16_t port,
     uint8_t *buf, size_t len, unsigned flags),
    (f->inner->ctx, sock, local, to, port, buf, len, flags))
FWD(clock_set_sync, void, (void *ctx, bool synchronised, double est_error, double max_error),
    (f->inner->ctx, synchronised, est_error, max_error))

/* The client started (its clock not yet run). */
static void fx_start(struct fx *f, double logchange, double makestep)
{
  struct client_params p;

  memset(f, 0, sizeof(*f));
  simfx_init(&f->net, &(struct simfx_opts){.server = {{.step_at = STEP_AT, .step = STEP}}});

  /* Every operation goes to the simulator with its own context
   * (clock_set_sync is optional). */
  f->inner = simfx_platform(&f->net);
  f->ops = (struct platform_ops){
    .now = fx_now, .timer_add = fx_timer_add, .timer_cancel = fx_timer_cancel,
    .udp_open = fx_udp_open, .udp_close = fx_udp_close, .udp_send = fx_udp_send,
    .random_bytes = fx_random_bytes, .clock_set_freq = fx_clock_set_freq,
    .clock_get_freq = fx_clock_get_freq, .clock_step = fx_clock_step,
    .clock_set_sync = f->inner->ops->clock_set_sync ? fx_clock_set_sync : NULL,
    .log = fx_log};
  f->plat.ops = &f->ops;
  f->plat.ctx = f;

  client_params_defaults(&p);
  assert_true(p.logchange == 1.0);   /* chrony's default */
  if (logchange >= 0.0)
    p.logchange = logchange;
  p.makestep_threshold = makestep;
  p.makestep_limit = makestep > 0.0 ? -1 : 0;
  f->client = client_new(&f->plat, &p, &f->net.ref);
  assert_non_null(f->client);
  struct client_source_params s = simfx_source(&f->net, 0, 4);
  s.iburst = true;
  assert_true(client_add_source(f->client, &s) >= 0);
  client_start(f->client);
}

/* retune: client_retune's parameters at RETUNE_AT (a reload), or NULL. */
#define RETUNE_AT 300.0
static void fx_run_retuned(struct fx *f, double logchange, double makestep,
                           const struct client_params *retune)
{
  fx_start(f, logchange, makestep);
  if (retune) {
    assert_int_equal(sim_world_run(f->net.w, RETUNE_AT), 0);
    client_retune(f->client, retune);
  }
  assert_int_equal(sim_world_run(f->net.w, 2000.0 - (retune ? RETUNE_AT : 0.0)), 0);
}

static void fx_run(struct fx *f, double logchange, double makestep)
{
  fx_run_retuned(f, logchange, makestep, NULL);
}

static void fx_free(struct fx *f)
{
  client_free(f->client);
  simfx_free(&f->net);
}

/* The index of the first line starting with `prefix`, or -1. */
static int find_line(const struct fx *f, const char *prefix)
{
  for (unsigned i = 0; i < f->n_lines; i++)
    if (strncmp(f->lines[i], prefix, strlen(prefix)) == 0)
      return (int)i;
  return -1;
}

static unsigned count_lines(const struct fx *f, const char *prefix)
{
  unsigned n = 0;
  for (unsigned i = 0; i < f->n_lines; i++)
    n += strncmp(f->lines[i], prefix, strlen(prefix)) == 0;
  return n;
}

/* The figure of the first "System clock was stepped by" line. */
static double stepped_by(const struct fx *f)
{
  double y = 0.0;
  int j = find_line(f, "System clock was stepped by ");
  assert_true(j >= 0);
  assert_int_equal(sscanf(f->lines[j], "System clock was stepped by %lf seconds", &y), 1);
  return y;
}

/* Run until the 10 s are found and being slewed, then `more` s. */
static void run_into_slew(struct fx *f, double more)
{
  for (int i = 0; i < 2000 && find_line(f, "System clock wrong by ") < 0; i++)
    assert_int_equal(sim_world_run(f->net.w, 1.0), 0);
  assert_true(find_line(f, "System clock wrong by ") >= 0);
  assert_int_equal(sim_world_run(f->net.w, more), 0);
}

static double wrong_by(const char *line)
{
  double x = 0.0;
  char tail[64] = "";
  assert_int_equal(sscanf(line, "System clock wrong by %lf seconds, %63[^\n]", &x, tail), 2);
  assert_string_equal(tail, "adjustment started");
  return x;
}

static void test_slew_above_default_threshold(void **state)
{
  (void)state;
  struct fx f;
  fx_run(&f, -1.0, 0.0);
  int i = find_line(&f, "System clock wrong by ");
  assert_true(i >= 0);
  /* Server minus local: the server jumped ahead, the clock is behind. */
  assert_true(f.at[i] > STEP_AT);
  assert_true(fabs(wrong_by(f.lines[i]) - STEP) < 0.01);
  assert_int_equal(count_lines(&f, "System clock wrong by "), 1);
  assert_int_equal(find_line(&f, "System clock was stepped"), -1);
  /* Slewed: the client ends up with the server. */
  assert_true(fabs(sim_platform_offset(f.net.client_host) - STEP) < 1e-2);
  fx_free(&f);
}

static void test_step_logged_before_stepping(void **state)
{
  (void)state;
  struct fx f;
  fx_run(&f, -1.0, 1.0);
  int i = find_line(&f, "System clock wrong by ");
  int j = find_line(&f, "System clock was stepped by ");
  assert_true(i >= 0 && j > i);
  double x = wrong_by(f.lines[i]), y = stepped_by(&f);
  assert_true(fabs(y - f.stepped) < 1e-6);
  assert_true(fabs(x - y) < 1e-3);
  assert_true(fabs(x - STEP) < 0.01);
  assert_int_equal(count_lines(&f, "System clock wrong by "), 1);
  fx_free(&f);
}

static void test_below_threshold_silent(void **state)
{
  (void)state;
  struct fx f;
  fx_run(&f, 50.0, 1.0);
  /* Stepped by makestep, but 10 s is within logchange 50. */
  assert_int_equal(find_line(&f, "System clock wrong by "), -1);
  assert_true(find_line(&f, "System clock was stepped by ") >= 0);
  fx_free(&f);
}

static void test_small_threshold_logs_each_large_update(void **state)
{
  (void)state;
  struct fx f;
  /* Normal updates correct microseconds: 1 ms stays silent until the
   * step, then every update above it is logged. */
  fx_run(&f, 1e-3, 0.0);
  assert_true(count_lines(&f, "System clock wrong by ") >= 1);
  for (unsigned i = 0; i < f.n_lines; i++)
    if (strncmp(f.lines[i], "System clock wrong by ", 22) == 0) {
      assert_true(f.at[i] > STEP_AT);
      assert_true(fabs(wrong_by(f.lines[i])) > 1e-3);
    }
  fx_free(&f);
}

/* A reload before the server's step: logchange 50 and no makestep become
 * logchange 1 and makestep 1 -1, so the 10 s is logged and stepped; the
 * updates made so far count on (the source keeps its samples). */
static void test_retune_applies_makestep_and_logchange(void **state)
{
  (void)state;
  struct fx f;
  struct client_params p;
  client_params_defaults(&p);
  p.makestep_threshold = 1.0;
  p.makestep_limit = -1;
  fx_run_retuned(&f, 50.0, 0.0, &p);
  int i = find_line(&f, "System clock wrong by ");
  int j = find_line(&f, "System clock was stepped by ");
  assert_true(i >= 0 && j > i && f.at[i] > STEP_AT);
  assert_true(fabs(wrong_by(f.lines[i]) - STEP) < 0.01);
  fx_free(&f);
  /* The same run without the reload stays silent and slews. */
  fx_run(&f, 50.0, 0.0);
  assert_int_equal(find_line(&f, "System clock wrong by "), -1);
  assert_int_equal(find_line(&f, "System clock was stepped by "), -1);
  fx_free(&f);
}

/* makestep set while the 10 s are slewed (5 s into it): the next update
 * steps the clock by what is left of the slew, and says so (the update's
 * own offset is about 0). */
static void test_step_during_slew_logs_the_step(void **state)
{
  (void)state;
  struct fx f;
  fx_start(&f, -1.0, 0.0);
  run_into_slew(&f, 5.0);
  ref_set_makestep(client_reference(f.client), 1.0, -1);
  assert_int_equal(sim_world_run(f.net.w, 100.0), 0);
  double y = stepped_by(&f);
  assert_true(y > 1.0 && y < STEP);
  assert_true(fabs(y - f.stepped) < 1e-6);
  assert_true(fabs(sim_platform_offset(f.net.client_host) - STEP) < 0.01);
  fx_free(&f);
}

/* chronyc makestep 5 s into the slew (chronyd's LCL_MakeStep): the clock
 * is stepped by what is left of it, the time itself unchanged. */
static void test_makestep_steps_the_rest_of_a_slew(void **state)
{
  (void)state;
  struct fx f;
  fx_start(&f, -1.0, 0.0);
  run_into_slew(&f, 5.0);
  double before = sim_platform_offset(f.net.client_host);
  assert_true(ref_step_now(client_reference(f.client)));
  double y = stepped_by(&f);
  assert_true(y > 1.0 && y < STEP);
  assert_true(fabs(y - f.stepped) < 1e-6);   /* %.6f */
  assert_true(fabs(before + y - STEP) < 0.01);
  assert_true(fabs(sim_platform_offset(f.net.client_host) - STEP) < 0.01);
  fx_free(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_slew_above_default_threshold),
    cmocka_unit_test(test_step_logged_before_stepping),
    cmocka_unit_test(test_below_threshold_silent),
    cmocka_unit_test(test_small_threshold_logs_each_large_update),
    cmocka_unit_test(test_retune_applies_makestep_and_logchange),
    cmocka_unit_test(test_step_during_slew_logs_the_step),
    cmocka_unit_test(test_makestep_steps_the_rest_of_a_slew),
  };
  return cmocka_run_group_tests_name("client_logchange", tests, NULL, NULL);
}
