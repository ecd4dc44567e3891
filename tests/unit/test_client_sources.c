/* client: sources that come, go and change address while the client runs,
 * and chrony's reasons to replace a source (a server that stopped
 * answering, a falseticker), on the simulated platform. Every source polls
 * every 16 s (minpoll = maxpoll = 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim_fixture.h"

#define N_SERVERS 4
#define MAX_EVENTS 256
#define POLL 16.0
#define FIRST_POLL 0.2          /* the first request of a started source */

struct event {
  struct ip_addr addr;
  enum client_source_event ev;
  double t;
};

struct fx {
  struct simfx net;
  struct client *client;
  struct event events[MAX_EVENTS];
  unsigned n_events;
};

static void on_event(void *arg, const struct ip_addr *addr, enum client_source_event ev)
{
  struct fx *f = arg;
  assert_true(f->n_events < MAX_EVENTS);
  f->events[f->n_events++] = (struct event){*addr, ev, sim_world_elapsed(f->net.w)};
}

/* Servers 192.0.2.11..14; server i's clock is offsets[i] s wrong. */
static struct fx *fx_new(const double offsets[N_SERVERS])
{
  static struct fx f;
  struct simfx_opts o = {.n_servers = N_SERVERS};
  memset(&f, 0, sizeof(f));
  for (unsigned i = 0; offsets && i < N_SERVERS; i++)
    o.server_clock[i].offset = offsets[i];
  simfx_init(&f.net, &o);
  struct client_params p = simfx_client_params();
  f.client = client_new(simfx_platform(&f.net), &p, &f.net.ref);
  assert_non_null(f.client);
  client_set_source_event(f.client, on_event, &f);
  return &f;
}

static void fx_free(struct fx *f)
{
  client_free(f->client);
  simfx_free(&f->net);
}

static void add(struct fx *f, unsigned server)
{
  struct client_source_params s = simfx_source(&f->net, server, 4);
  snprintf(s.name, sizeof(s.name), "pool.example");
  assert_true(client_add_source(f->client, &s) >= 0);
}

/* Events for server i of kind ev: how many, and the time of the first. */
static unsigned count(const struct fx *f, unsigned server, enum client_source_event ev,
                      double *first)
{
  unsigned n = 0;
  for (unsigned i = 0; i < f->n_events; i++) {
    if (!addr_equal(&f->events[i].addr, &f->net.addrs[server]) || f->events[i].ev != ev)
      continue;
    if (n++ == 0 && first)
      *first = f->events[i].t;
  }
  return n;
}

static void test_unreachable_is_bad_after_8_polls(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  double t = 0.0;
  add(f, 0);
  add(f, 1);
  assert_int_equal(sim_world_add_outage(f->net.w, f->net.client_host, f->net.hosts[0], 0.0, 1e6), 0);
  client_start(f->client);
  simfx_run_until(&f->net, 120.0);
  /* Server 1 answered at its first poll, server 0 never. */
  assert_int_equal(count(f, 1, CLIENT_SOURCE_ANSWERED, &t), 1);
  assert_true(t < FIRST_POLL + 1.0);
  assert_int_equal(count(f, 0, CLIENT_SOURCE_ANSWERED, NULL), 0);
  assert_int_equal(count(f, 0, CLIENT_SOURCE_BAD, NULL), 0);
  /* The 9th request finds 8 unanswered ones: bad, then at every poll. */
  simfx_run_until(&f->net, 200.0);
  assert_int_equal(count(f, 0, CLIENT_SOURCE_BAD, &t), 5);
  assert_true(fabs(t - (FIRST_POLL + 8 * POLL)) < 3.0);
  assert_int_equal(count(f, 1, CLIENT_SOURCE_BAD, NULL), 0);
  fx_free(f);
}

static void test_replace(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  struct client_source_report r;
  double t = 0.0;
  add(f, 0);
  add(f, 1);
  assert_int_equal(sim_world_add_outage(f->net.w, f->net.client_host, f->net.hosts[0], 0.0, 1e6), 0);
  client_start(f->client);
  simfx_run_until(&f->net, 140.0);
  assert_true(count(f, 0, CLIENT_SOURCE_BAD, NULL) > 0);

  unsigned before = f->n_events;
  assert_int_equal(client_find_source(f->client, &f->net.addrs[0]), 0);
  assert_true(client_replace_source(f->client, 0, &f->net.addrs[2]));
  assert_int_equal(client_find_source(f->client, &f->net.addrs[0]), -1);
  assert_int_equal(client_find_source(f->client, &f->net.addrs[2]), 0);
  assert_false(client_replace_source(f->client, 2, &f->net.addrs[3]));
  simfx_run_until(&f->net, 400.0);
  /* The new server answers and is never found bad; the old one is gone. */
  assert_int_equal(count(f, 2, CLIENT_SOURCE_ANSWERED, &t), 1);
  assert_true(t > 140.0 && t < 141.0);
  assert_int_equal(count(f, 2, CLIENT_SOURCE_BAD, NULL), 0);
  for (unsigned i = before; i < f->n_events; i++)
    assert_false(addr_equal(&f->events[i].addr, &f->net.addrs[0]));
  assert_true(client_source_report(f->client, 0, &r));
  assert_true(addr_equal(&r.addr, &f->net.addrs[2]));
  assert_true(r.valid_replies >= 15);    /* polls from 140 s to 400 s at minpoll */
  assert_int_equal(r.reach, 0xFF);
  assert_true(r.n_samples > 0);
  fx_free(f);
}

static void test_remove_and_add_while_running(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  add(f, 0);
  add(f, 1);
  add(f, 2);
  client_start(f->client);
  simfx_run_until(&f->net, 300.0);
  int sel = client_selected(f->client);
  assert_true(sel >= 0);

  /* Removing a source before the selected one keeps the selection. */
  struct client_source_report r;
  assert_true(client_source_report(f->client, (unsigned)sel, &r));
  unsigned victim = sel == 0 ? 2u : 0u;
  client_remove_source(f->client, victim);
  assert_int_equal(client_n_sources(f->client), 2);
  int now_sel = client_selected(f->client);
  assert_true(now_sel >= 0);
  struct client_source_report r2;
  assert_true(client_source_report(f->client, (unsigned)now_sel, &r2));
  assert_true(addr_equal(&r.addr, &r2.addr));

  /* Removing the selected source selects among the others. */
  client_remove_source(f->client, (unsigned)now_sel);
  assert_int_equal(client_n_sources(f->client), 1);
  client_remove_source(f->client, 5);
  assert_int_equal(client_n_sources(f->client), 1);

  /* A source added to a running client starts at once. */
  add(f, 3);
  simfx_run_until(&f->net, 320.0);
  assert_int_equal(count(f, 3, CLIENT_SOURCE_ANSWERED, NULL), 1);
  simfx_run_until(&f->net, 500.0);
  assert_true(client_selected(f->client) >= 0);
  fx_free(f);
}

static void test_falseticker_is_bad(void **state)
{
  (void)state;
  static const double offsets[N_SERVERS] = {0.0, 0.0, 0.0, 1.0};
  struct fx *f = fx_new(offsets);
  double t = 0.0;
  for (unsigned i = 0; i < N_SERVERS; i++)
    add(f, i);
  client_start(f->client);
  simfx_run_until(&f->net, 600.0);
  for (unsigned i = 0; i < 3; i++)
    assert_int_equal(count(f, i, CLIENT_SOURCE_BAD, NULL), 0);
  /* Bad in 4 selections in a row that its own samples triggered. */
  assert_true(count(f, 3, CLIENT_SOURCE_BAD, &t) > 0);
  assert_true(t > 3 * POLL && t < 10 * POLL);
  fx_free(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_unreachable_is_bad_after_8_polls),
    cmocka_unit_test(test_replace),
    cmocka_unit_test(test_remove_and_add_while_running),
    cmocka_unit_test(test_falseticker_is_bad),
  };
  return cmocka_run_group_tests_name("client_sources", tests, NULL, NULL);
}
