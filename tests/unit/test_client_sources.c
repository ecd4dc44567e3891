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

#include "core/client.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

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
  struct sim_world *w;
  struct sim_platform *client_host;
  struct sim_platform *hosts[N_SERVERS];
  struct sim_server *servers[N_SERVERS];
  struct ip_addr addrs[N_SERVERS];
  struct refstate ref;
  struct client *client;
  struct event events[MAX_EVENTS];
  unsigned n_events;
};

static void on_event(void *arg, const struct ip_addr *addr, enum client_source_event ev)
{
  struct fx *f = arg;
  assert_true(f->n_events < MAX_EVENTS);
  f->events[f->n_events++] = (struct event){*addr, ev, sim_world_elapsed(f->w)};
}

/* Servers 192.0.2.11..14; server i's clock is offsets[i] s wrong. */
static struct fx *fx_new(const double offsets[N_SERVERS])
{
  static struct fx f;
  struct timespec start = {.tv_sec = 1700000000};
  struct sim_link_params lan = {.delay = 100e-6, .jitter = 10e-6};
  struct sim_server_config cfg = {0};
  struct client_params p;
  memset(&f, 0, sizeof(f));
  f.w = sim_world_new(1, &start);
  assert_int_equal(sim_net_set_default(sim_world_net(f.w), &lan), 0);
  f.client_host = sim_world_add_host(f.w, "client", "192.0.2.1", NULL);
  assert_non_null(f.client_host);
  for (unsigned i = 0; i < N_SERVERS; i++) {
    char name[16], addr[16];
    struct sim_clock_params c = {.offset = offsets ? offsets[i] : 0.0};
    snprintf(name, sizeof(name), "server%u", i);
    snprintf(addr, sizeof(addr), "192.0.2.%u", 11 + i);
    f.hosts[i] = sim_world_add_host(f.w, name, addr, &c);
    assert_non_null(f.hosts[i]);
    f.servers[i] = sim_server_new(sim_world_sched(f.w), f.hosts[i], &cfg);
    assert_non_null(f.servers[i]);
    assert_true(addr_parse(addr, &f.addrs[i]));
  }
  ref_state_init(&f.ref, -20);
  client_params_defaults(&p);
  p.control = false;
  f.client = client_new(sim_platform_get(f.client_host), &p, &f.ref);
  assert_non_null(f.client);
  client_set_source_event(f.client, on_event, &f);
  return &f;
}

static void fx_free(struct fx *f)
{
  client_free(f->client);
  for (unsigned i = 0; i < N_SERVERS; i++)
    sim_server_free(f->servers[i]);
  sim_world_free(f->w);
}

static void add(struct fx *f, unsigned server)
{
  struct client_source_params s;
  client_source_defaults(&s);
  s.addr = f->addrs[server];
  s.minpoll = s.maxpoll = 4;
  snprintf(s.name, sizeof(s.name), "pool.example");
  assert_true(client_add_source(f->client, &s) >= 0);
}

static void run_until(struct fx *f, double t)
{
  assert_int_equal(sim_world_run(f->w, t - sim_world_elapsed(f->w)), 0);
}

/* Events for server i of kind ev: how many, and the time of the first. */
static unsigned count(const struct fx *f, unsigned server, enum client_source_event ev,
                      double *first)
{
  unsigned n = 0;
  for (unsigned i = 0; i < f->n_events; i++) {
    if (!addr_equal(&f->events[i].addr, &f->addrs[server]) || f->events[i].ev != ev)
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
  assert_int_equal(sim_world_add_outage(f->w, f->client_host, f->hosts[0], 0.0, 1e6), 0);
  client_start(f->client);
  run_until(f, 120.0);
  /* Server 1 answered at its first poll, server 0 never. */
  assert_int_equal(count(f, 1, CLIENT_SOURCE_ANSWERED, &t), 1);
  assert_true(t < FIRST_POLL + 1.0);
  assert_int_equal(count(f, 0, CLIENT_SOURCE_ANSWERED, NULL), 0);
  assert_int_equal(count(f, 0, CLIENT_SOURCE_BAD, NULL), 0);
  /* The 9th request finds 8 unanswered ones: bad, then at every poll. */
  run_until(f, 200.0);
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
  assert_int_equal(sim_world_add_outage(f->w, f->client_host, f->hosts[0], 0.0, 1e6), 0);
  client_start(f->client);
  run_until(f, 140.0);
  assert_true(count(f, 0, CLIENT_SOURCE_BAD, NULL) > 0);

  unsigned before = f->n_events;
  assert_int_equal(client_find_source(f->client, &f->addrs[0]), 0);
  assert_true(client_replace_source(f->client, 0, &f->addrs[2]));
  assert_int_equal(client_find_source(f->client, &f->addrs[0]), -1);
  assert_int_equal(client_find_source(f->client, &f->addrs[2]), 0);
  assert_false(client_replace_source(f->client, 2, &f->addrs[3]));
  run_until(f, 400.0);
  /* The new server answers and is never found bad; the old one is gone. */
  assert_int_equal(count(f, 2, CLIENT_SOURCE_ANSWERED, &t), 1);
  assert_true(t > 140.0 && t < 141.0);
  assert_int_equal(count(f, 2, CLIENT_SOURCE_BAD, NULL), 0);
  for (unsigned i = before; i < f->n_events; i++)
    assert_false(addr_equal(&f->events[i].addr, &f->addrs[0]));
  assert_true(client_source_report(f->client, 0, &r));
  assert_true(addr_equal(&r.addr, &f->addrs[2]));
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
  run_until(f, 300.0);
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
  run_until(f, 320.0);
  assert_int_equal(count(f, 3, CLIENT_SOURCE_ANSWERED, NULL), 1);
  run_until(f, 500.0);
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
  run_until(f, 600.0);
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
