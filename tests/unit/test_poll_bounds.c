/* chronyd's limits of a source's polling, on the simulator: minpoll and
 * maxpoll from -7 to 24 (below: the default, above: 24), sub-second polls
 * only while the server answers over a LAN-like round trip (at most
 * 10 ms), chronyc's minpoll/maxpoll outside the range ignored, polltarget
 * at least 1, the statistics' sample limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/client.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

struct net {
  struct sim_world *w;
  struct sim_platform *client, *server_host;
  struct sim_server *server;
  struct ip_addr server_addr;
  struct refstate ref;
  struct client *c;
};

/* A client and a server `delay` seconds apart (each way); `up` false: the
 * server never answers. */
static void net_init(struct net *n, double delay, bool up)
{
  struct timespec start = {.tv_sec = 1700000000};
  struct sim_link_params link = {.delay = delay, .jitter = delay * 0.01};
  struct sim_server_config cfg = {0};
  memset(n, 0, sizeof(*n));
  n->w = sim_world_new(11, &start);
  assert_int_equal(sim_net_set_default(sim_world_net(n->w), &link), 0);
  n->client = sim_world_add_host(n->w, "client", "192.0.2.1", NULL);
  n->server_host = sim_world_add_host(n->w, "server", "192.0.2.21", NULL);
  assert_non_null(n->server_host);
  n->server = sim_server_new(sim_world_sched(n->w), n->server_host, &cfg);
  assert_non_null(n->server);
  assert_true(addr_parse("192.0.2.21", &n->server_addr));
  if (!up)
    assert_int_equal(sim_world_add_outage(n->w, n->client, n->server_host, 0.0, 1e9), 0);
  struct client_params cp;
  client_params_defaults(&cp);
  cp.control = false;
  ref_state_init(&n->ref, -20);
  n->c = client_new(sim_platform_get(n->client), &cp, &n->ref);
  assert_non_null(n->c);
}

static void net_free(struct net *n)
{
  client_free(n->c);
  sim_server_free(n->server);
  sim_world_free(n->w);
}

static void add_source(struct net *n, int minpoll, int maxpoll)
{
  struct client_source_params p;
  client_source_defaults(&p);
  p.addr = n->server_addr;
  p.minpoll = minpoll;
  p.maxpoll = maxpoll;
  assert_int_equal(client_add_source(n->c, &p), 0);
}

static uint64_t requests(const struct net *n)
{
  struct client_source_report r;
  assert_true(client_source_report(n->c, 0, &r));
  return r.requests;
}

/* Requests sent in `seconds` from now. */
static uint64_t run(struct net *n, double seconds)
{
  uint64_t before = requests(n);
  assert_int_equal(sim_world_run(n->w, seconds), 0);
  return requests(n) - before;
}

static int poll_of(const struct net *n)
{
  struct client_source_report r;
  assert_true(client_source_report(n->c, 0, &r));
  return r.poll;
}

static struct client_source_params bound(int minpoll, int maxpoll)
{
  struct client_source_params p;
  client_source_defaults(&p);
  p.minpoll = minpoll;
  p.maxpoll = maxpoll;
  client_source_bound(&p);
  return p;
}

/* NCR_CreateInstance: below -7 the default (6 and 10), above 24 24, maxpoll
 * at least minpoll. */
static void test_bound_polls(void **state)
{
  (void)state;
  struct client_source_params p = bound(-32, -32);
  assert_int_equal(p.minpoll, 6);
  assert_int_equal(p.maxpoll, 10);
  p = bound(-8, -7);
  assert_int_equal(p.minpoll, 6);
  assert_int_equal(p.maxpoll, 6);
  p = bound(-7, -7);
  assert_int_equal(p.minpoll, -7);
  assert_int_equal(p.maxpoll, -7);
  p = bound(99, 25);
  assert_int_equal(p.minpoll, 24);
  assert_int_equal(p.maxpoll, 24);
  p = bound(8, 4);
  assert_int_equal(p.minpoll, 8);
  assert_int_equal(p.maxpoll, 8);
  p = bound(INT32_MIN, INT32_MAX);
  assert_int_equal(p.minpoll, 6);
  assert_int_equal(p.maxpoll, 24);
}

/* polltarget >= 1 (chronyd 4.4), minstratum <= 15, the statistics' sample
 * limits (SST_CreateInstance), -1 meaning the global setting. */
static void test_bound_other_limits(void **state)
{
  (void)state;
  struct client_source_params p;
  client_source_defaults(&p);
  client_source_bound(&p);
  assert_int_equal(p.polltarget, 8);
  assert_int_equal(p.minsamples, -1);
  assert_int_equal(p.maxsamples, -1);
  p.polltarget = -3;
  p.minstratum = 16;
  p.minsamples = 0;
  p.maxsamples = 65;
  client_source_bound(&p);
  assert_int_equal(p.polltarget, 1);
  assert_int_equal(p.minstratum, 15);
  assert_int_equal(p.minsamples, 1);
  assert_int_equal(p.maxsamples, 64);
  p.minsamples = 30;
  p.maxsamples = 20;
  client_source_bound(&p);
  assert_int_equal(p.minsamples, 20);
  p.minsamples = 100;
  p.maxsamples = 0;   /* no limit: 64 */
  client_source_bound(&p);
  assert_int_equal(p.minsamples, 64);
}

/* The configuration: minpoll -32 maxpoll -32 polled ~24,000 times a
 * second; now it is chronyd's 64 s. */
static void test_minpoll_minus_32_polls_at_the_default(void **state)
{
  (void)state;
  struct net n;
  net_init(&n, 100e-6, true);
  add_source(&n, -32, -32);
  client_start(n.c);
  uint64_t k = run(&n, 200.0);
  assert_true(k >= 3 && k <= 4);
  assert_int_equal(poll_of(&n), 6);
  net_free(&n);
}

/* minpoll -7 on a LAN: 128 requests a second once the server answered,
 * never more. */
static void test_minpoll_minus_7_on_a_lan(void **state)
{
  (void)state;
  struct net n;
  net_init(&n, 100e-6, true);
  add_source(&n, -7, -7);
  client_start(n.c);
  run(&n, 10.0);
  assert_int_equal(poll_of(&n), -7);
  uint64_t k = run(&n, 10.0);
  assert_true(k >= 1200 && k <= 1280);
  net_free(&n);
}

/* Over a WAN round trip (40 ms) or to a silent server: not below 1 s. */
static void test_no_sub_second_poll_off_the_lan(void **state)
{
  (void)state;
  for (int up = 0; up < 2; up++) {
    struct net n;
    net_init(&n, 20e-3, up);
    add_source(&n, -7, -7);
    client_start(n.c);
    run(&n, 10.0);
    assert_int_equal(poll_of(&n), 0);
    uint64_t k = run(&n, 20.0);
    assert_true(k >= 19 && k <= 21);
    net_free(&n);
  }
}

/* chronyc minpoll/maxpoll: out of range ignored (the reply is still a
 * success, as chronyd's); in range set, pulling the other limit along. */
static void test_modify_polls(void **state)
{
  (void)state;
  struct net n;
  struct client_source_report r;
  net_init(&n, 100e-6, true);
  add_source(&n, 4, 6);
  client_start(n.c);
  run(&n, 100.0);
  assert_true(client_modify_source(n.c, &n.server_addr, CLIENT_MINPOLL, -32));
  assert_true(client_modify_source(n.c, &n.server_addr, CLIENT_MINPOLL, -8));
  assert_true(client_modify_source(n.c, &n.server_addr, CLIENT_MAXPOLL, -32));
  assert_true(client_modify_source(n.c, &n.server_addr, CLIENT_MAXPOLL, 25));
  assert_true(client_modify_source(n.c, &n.server_addr, CLIENT_MINPOLL, 1e12));
  uint64_t k = run(&n, 64.0);
  assert_true(k >= 1 && k <= 4);   /* still 16..64 s */
  assert_int_equal(sim_platform_log_count(n.client, PLAT_LOG_WARN), 5);

  assert_true(client_modify_source(n.c, &n.server_addr, CLIENT_MINPOLL, 8));
  assert_int_equal(poll_of(&n), 8);   /* maxpoll raised to 8 too */
  assert_true(client_modify_source(n.c, &n.server_addr, CLIENT_MAXPOLL, 2));
  assert_int_equal(poll_of(&n), 2);   /* minpoll lowered to 2 */
  assert_true(client_modify_source(n.c, &n.server_addr, CLIENT_MINPOLL, -7));
  assert_true(client_modify_source(n.c, &n.server_addr, CLIENT_MAXPOLL, -7));
  run(&n, 70.0);   /* the request timed at the old poll, then chronyd's 1/128 s */
  k = run(&n, 10.0);
  assert_true(k >= 1200 && k <= 1280);
  assert_true(client_source_report(n.c, 0, &r));
  assert_int_equal(r.poll, -7);
  net_free(&n);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bound_polls),
    cmocka_unit_test(test_bound_other_limits),
    cmocka_unit_test(test_minpoll_minus_32_polls_at_the_default),
    cmocka_unit_test(test_minpoll_minus_7_on_a_lan),
    cmocka_unit_test(test_no_sub_second_poll_off_the_lan),
    cmocka_unit_test(test_modify_polls),
  };
  return cmocka_run_group_tests_name("poll_bounds", tests, NULL, NULL);
}
