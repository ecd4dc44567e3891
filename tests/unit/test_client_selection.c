/* client: the selection and statistics directives acting on a running
 * client, on the simulated platform: maxsamples (global, and a source's
 * own option over it), minstratum/maxstratum,
 * authselectmode, maxclockerror and a source's maxunreach. Two servers, 192.0.2.11 (stratum 1)
 * and 192.0.2.12 (stratum 3), polled every 16 s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sim_fixture.h"

#define N_SERVERS 2

struct fx {
  struct simfx net;
  struct client *client;
  unsigned bad[N_SERVERS];
};

static void on_event(void *arg, const struct ip_addr *addr, enum client_source_event ev)
{
  struct fx *f = arg;
  for (unsigned i = 0; i < N_SERVERS; i++)
    f->bad[i] += ev == CLIENT_SOURCE_BAD && addr_equal(addr, &f->net.addrs[i]);
}

static struct fx *fx_new(const struct client_params *p)
{
  static struct fx f;
  memset(&f, 0, sizeof(f));
  simfx_init(&f.net, &(struct simfx_opts){.n_servers = N_SERVERS,
                                          .server = {{.stratum = 1}, {.stratum = 3}}});
  f.client = client_new(simfx_platform(&f.net), p, &f.net.ref);
  assert_non_null(f.client);
  client_set_source_event(f.client, on_event, &f);
  return &f;
}

static void fx_free(struct fx *f)
{
  client_free(f->client);
  simfx_free(&f->net);
}

static void add_with(struct fx *f, unsigned server, int maxsamples, int maxunreach)
{
  struct client_source_params s = simfx_source(&f->net, server, 4);
  s.maxsamples = maxsamples;
  s.maxunreach = maxunreach;
  assert_true(client_add_source(f->client, &s) >= 0);
}

static void add(struct fx *f, unsigned server, int maxsamples)
{
  add_with(f, server, maxsamples, CLIENT_DEFAULT_MAXUNREACH);
}

static void run(struct fx *f, double seconds)
{
  client_start(f->client);
  assert_int_equal(sim_world_run(f->net.w, seconds), 0);
}

static struct client_source_report report(const struct fx *f, unsigned i)
{
  struct client_source_report r;
  assert_true(client_source_report(f->client, i, &r));
  return r;
}

/* 20 polls: a source keeps what maxsamples allows, its own option first. */
static void test_maxsamples(void **state)
{
  (void)state;
  struct client_params p = simfx_client_params();
  p.max_samples = 5;
  struct fx *f = fx_new(&p);
  add(f, 0, -1);
  add(f, 1, 9);
  run(f, 20 * 16.0);
  assert_int_equal(report(f, 0).stats.n_samples, 5);
  assert_int_equal(report(f, 1).stats.n_samples, 9);
  fx_free(f);

  p.max_samples = 0;             /* chrony's default: no limit but 64 */
  f = fx_new(&p);
  add(f, 0, -1);
  run(f, 20 * 16.0);
  assert_true(report(f, 0).stats.n_samples > 9);
  fx_free(f);
}

/* maxstratum 2: the stratum-3 server is 'r' and, after 4 of its samples
 * were refused, worth replacing; minstratum 2: the stratum-1 server is. */
static void test_stratum_limits(void **state)
{
  (void)state;
  struct client_params p = simfx_client_params();
  p.selection.max_stratum = 2;
  struct fx *f = fx_new(&p);
  add(f, 0, -1);
  add(f, 1, -1);
  run(f, 12 * 16.0);
  assert_int_equal(client_selected(f->client), 0);
  assert_int_equal(report(f, 1).sel_state, 'r');
  assert_true(f->bad[1] > 0);
  assert_int_equal(f->bad[0], 0);
  fx_free(f);

  p.selection.max_stratum = 15;
  p.selection.min_stratum = 2;
  f = fx_new(&p);
  add(f, 0, -1);
  add(f, 1, -1);
  run(f, 12 * 16.0);
  assert_int_equal(client_selected(f->client), 1);
  assert_int_equal(report(f, 0).sel_state, 'r');
  fx_free(f);
}

/* authselectmode require: sources without a key get noselect (the
 * effective options chronyc selectdata shows); the default, mix, changes
 * nothing when no source has a key. */
static void test_authselectmode(void **state)
{
  (void)state;
  struct client_params p = simfx_client_params();
  p.auth_mode = SEL_AUTH_REQUIRE;
  struct fx *f = fx_new(&p);
  add(f, 0, -1);
  run(f, 12 * 16.0);
  struct client_source_report r = report(f, 0);
  assert_true(r.eff_noselect && !r.noselect);
  assert_int_equal(r.sel_state, 'N');
  assert_int_equal(client_selected(f->client), -1);
  fx_free(f);

  p = simfx_client_params();
  f = fx_new(&p);
  add(f, 0, -1);
  run(f, 12 * 16.0);
  r = report(f, 0);
  assert_true(!r.eff_noselect && !r.eff_require && !r.eff_trust);
  assert_int_equal(client_selected(f->client), 0);
  fx_free(f);
}

/* maxunreach: the selected server stops answering at 200 s. With chrony's
 * default it stays selectable (its samples are newer than the other's
 * oldest); with maxunreach 0 it is stale ('S') at the first poll after its
 * 8 requests went unanswered, and the other one is selected. */
static void test_maxunreach(void **state)
{
  (void)state;
  static const int limits[] = {CLIENT_DEFAULT_MAXUNREACH, 0};
  for (int k = 0; k < 2; k++) {
    struct client_params p = simfx_client_params();
    struct fx *f = fx_new(&p);
    add_with(f, 0, -1, limits[k]);
    add(f, 1, -1);
    assert_int_equal(sim_world_add_outage(f->net.w, f->net.client_host, f->net.hosts[0], 200.0, 1e6), 0);
    run(f, 190.0);
    assert_int_equal(client_selected(f->client), 0);
    assert_int_equal(sim_world_run(f->net.w, 230.0), 0);      /* 8 + 2 missed polls */
    struct client_source_report r = report(f, 0);
    assert_int_equal(r.reach, 0);
    assert_int_equal(r.sel_state == 'S', limits[k] == 0);
    assert_int_equal(client_selected(f->client), limits[k] == 0 ? 1 : 0);
    fx_free(f);
  }
}

struct sel_count {
  unsigned reachable, unreachable;   /* selections logged, by the reach shown */
};

static void count_selection(void *arg, const struct client_log_selection *s)
{
  struct sel_count *n = arg;
  if (s->reach != 0)
    n->reachable++;
  else
    n->unreachable++;
}

/* As chronyd 4.8 (SRC_UpdateReachability): a missed reply reselects only
 * once the source's register is empty. The only server stops answering at
 * 200 s, after which there are no samples: the selections logged from then
 * on are all from missed replies, and none while the register still holds
 * a reply; 12 polls later it has been empty for a few. */
static void test_missed_reply_reselects_when_unreachable(void **state)
{
  (void)state;
  struct sel_count n = {0, 0};
  struct client_params p = simfx_client_params();
  p.log.selection = count_selection;
  p.log.arg = &n;
  struct fx *f = fx_new(&p);
  add(f, 0, -1);
  assert_int_equal(sim_world_add_outage(f->net.w, f->net.client_host, f->net.hosts[0], 200.0, 1e6), 0);
  run(f, 201.0);
  assert_int_equal(client_selected(f->client), 0);
  assert_true(n.reachable > 0);
  n = (struct sel_count){0, 0};
  assert_int_equal(sim_world_run(f->net.w, 12 * 16.0), 0);
  assert_int_equal(report(f, 0).reach, 0);
  assert_int_equal(n.reachable, 0);
  assert_true(n.unreachable > 0);
  fx_free(f);
}

/* maxdistance is the selection's limit, not a packet test (chronyd's test 7
 * stops at 16 s): a server 5 s of root dispersion away answers, its
 * replies are samples, and the selection finds it too far ('d'). */
static void test_far_server_answers(void **state)
{
  (void)state;
  struct simfx net;
  simfx_init(&net, &(struct simfx_opts){.server = {{.stratum = 1, .root_dispersion = 5.0}}});
  struct client_params p = simfx_client_params();
  struct client *c = client_new(simfx_platform(&net), &p, &net.ref);
  assert_non_null(c);
  struct client_source_params s = simfx_source(&net, 0, 4);
  assert_true(client_add_source(c, &s) >= 0);
  client_start(c);
  assert_int_equal(sim_world_run(net.w, 12 * 16.0), 0);
  struct client_source_report r;
  assert_true(client_source_report(c, 0, &r));
  assert_int_equal(r.reach, 0xff);
  assert_true(r.stats.n_samples >= 3);
  assert_int_equal(r.sel_state, 'd');
  assert_int_equal(client_selected(c), -1);
  client_free(c);
  simfx_free(&net);
}

/* A reply that fails the delay tests is an answer that is no sample: as
 * chronyd's, the poll creeps up by 0.02 at each (none missed, so nothing
 * else moves it). maxdelay below the LAN's 200 us round trip: in 960 s
 * the 50th reply at minpoll 4 takes the poll one up, far from two. */
static void test_slow_replies_raise_the_poll(void **state)
{
  (void)state;
  struct client_params p = simfx_client_params();
  struct fx *f = fx_new(&p);
  struct client_source_params s = simfx_source(&f->net, 0, 4);
  s.maxpoll = 6;
  s.maxdelay = 50e-6;
  assert_true(client_add_source(f->client, &s) >= 0);
  run(f, 60 * 16.0);
  struct client_source_report r = report(f, 0);
  assert_int_equal(r.stats.n_samples, 0);
  assert_int_equal(r.reach, 0xff);
  assert_int_equal(r.poll, 5);
  fx_free(f);
}

/* maxclockerror is part of how fast the served root dispersion grows. */
static void test_maxclockerror(void **state)
{
  (void)state;
  double rate[2];
  for (int k = 0; k < 2; k++) {
    struct client_params p = simfx_client_params();
    p.selection.max_clock_error = k ? 100e-6 : 1e-6;
    struct fx *f = fx_new(&p);
    add(f, 0, -1);
    run(f, 12 * 16.0);
    assert_true(f->net.ref.synchronised);
    rate[k] = f->net.ref.dispersion_rate;
    fx_free(f);
  }
  assert_true(rate[0] < 50e-6);
  assert_true(rate[1] >= 100e-6);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_maxsamples),
    cmocka_unit_test(test_stratum_limits),
    cmocka_unit_test(test_authselectmode),
    cmocka_unit_test(test_maxclockerror),
    cmocka_unit_test(test_maxunreach),
    cmocka_unit_test(test_missed_reply_reselects_when_unreachable),
    cmocka_unit_test(test_far_server_answers),
    cmocka_unit_test(test_slow_replies_raise_the_poll),
  };
  return cmocka_run_group_tests_name("client_selection", tests, NULL, NULL);
}
