/* srclist: sources given by name, on the simulator, its name table
 * scripted by each test (core/srclist.h, chrony's rules in core/names.h):
 * a pool keeps the maxsources that answered first (also when their first
 * replies arrive together) and removes the others; a source that stops
 * answering is replaced by another address of its name, not more often
 * than the hold-off allows; a name that does not resolve is retried after
 * 28 s, doubling up to 3584 s, and logged once; a round resolves its names
 * one after the other; a name not resolved yet is listed as chronyd's
 * placeholders, replaced in place. These were root-only interop tests
 * (tests/interop/test_pool.py), which still run against chronyd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/srclist.h"
#include "sim/sim_refclock.h"
#include "sim_fixture.h"

#define N_SERVERS 4
#define POLL 16.0                /* minpoll = maxpoll = 4 */
#define MAX_TIMES 16

struct fx {
  struct simfx net;
  struct client *client;
  struct srclist *list;
};

/* Servers 192.0.2.11..14, delay[i] seconds away (one way). */
static struct fx *fx_new(const double delay[N_SERVERS])
{
  static struct fx f;
  struct simfx_opts o = {.n_servers = N_SERVERS};
  memset(&f, 0, sizeof(f));
  for (unsigned i = 0; i < N_SERVERS; i++)
    o.path[i].delay = delay ? delay[i] : 100e-6;
  simfx_init(&f.net, &o);
  struct client_params p = simfx_client_params();
  f.client = client_new(simfx_platform(&f.net), &p, &f.net.ref);
  assert_non_null(f.client);
  f.list = srclist_new(simfx_platform(&f.net), f.client, ADDR_UNSPEC);
  assert_non_null(f.list);
  client_start(f.client);
  return &f;
}

static void fx_free(struct fx *f)
{
  srclist_free(f->list);
  client_free(f->client);
  simfx_free(&f->net);
}

/* name answers servers[first..first+n-1] (in that order) after delay s. */
static void name(struct fx *f, const char *text, unsigned first, int n, double delay)
{
  assert_int_equal(sim_names_set(sim_world_names(f->net.w), text, &f->net.addrs[first], n, delay, NULL),
                   0);
}

static struct srclist_source line(const char *text, bool pool, int maxsources)
{
  struct srclist_source s = {.family = ADDR_UNSPEC, .pool = pool, .maxsources = maxsources};
  client_source_defaults(&s.params);
  s.params.minpoll = s.params.maxpoll = 4;
  snprintf(s.params.name, sizeof(s.params.name), "%s", text);
  return s;
}

static void add(struct fx *f, const char *text, bool pool, int maxsources)
{
  struct srclist_source s = line(text, pool, maxsources);
  assert_int_equal(srclist_add(f->list, &s), SRCLIST_OK);
}

static bool is_source(const struct fx *f, unsigned server)
{
  return client_find_source(f->client, &f->net.addrs[server]) >= 0;
}

/* The placeholders in reports: names not resolved yet, as chronyd counts
 * them (chronyc activity). */
static unsigned unresolved(const struct fx *f)
{
  unsigned n = 0;
  for (unsigned i = 0; i < client_n_sources(f->client); i++) {
    struct client_source_report r;
    assert_true(client_source_report(f->client, i, &r));
    n += r.placeholder_id != 0;
  }
  return n;
}

static uint64_t requests(const struct fx *f, unsigned server)
{
  return sim_server_stats(f->net.servers[server])->received;
}

/* Twice maxsources are added; the two that answered first are kept, the
 * others removed before their replies come, and hear no more requests.
 * (Their first requests leave 0.2 s apart, chronyd's sampling separation:
 * the slow ones take longer than that.) */
static void test_pool_keeps_those_that_answered_first(void **state)
{
  (void)state;
  static const double delay[N_SERVERS] = {0.5, 0.001, 0.4, 0.002};
  struct fx *f = fx_new(delay);
  name(f, "pool.test", 0, N_SERVERS, 0.01);
  add(f, "pool.test", true, 2);
  /* before the answer, as chronyd: 2 x maxsources placeholders */
  assert_int_equal(client_n_sources(f->client), 4);
  assert_int_equal(unresolved(f), 4);
  simfx_run_until(&f->net, 0.1);
  assert_int_equal(client_n_sources(f->client), 4);
  assert_int_equal(unresolved(f), 0);
  simfx_run_until(&f->net, 1.0);
  assert_int_equal(client_n_sources(f->client), 2);
  assert_true(is_source(f, 1) && is_source(f, 3));
  simfx_run_until(&f->net, 2.0);                                  /* requests in flight arrive */
  uint64_t slow[2] = {requests(f, 0), requests(f, 2)};
  simfx_run_until(&f->net, 10 * POLL);
  assert_true(requests(f, 0) == slow[0] && requests(f, 2) == slow[1]);
  assert_int_equal(client_n_sources(f->client), 2);
  assert_true(requests(f, 1) >= 9 && requests(f, 3) >= 9);
  fx_free(f);
}

/* A host in front of a server that holds the server's replies until
 * `release` (true time) and then sends them on, so that replies of two
 * such hosts reach the client at one instant (as when the daemon reads
 * both in one pass of its loop). */
struct holder {
  const struct platform *plat;
  int front, back;
  struct ip_addr server, client;
  uint16_t client_port;
  uint8_t reply[128];
  size_t len;
};

static void on_request(void *arg, int sock, const struct plat_datagram *dg)
{
  struct holder *h = arg;
  uint8_t buf[128];
  (void)sock;
  if (dg->len > sizeof(buf))
    return;
  h->client = dg->from;
  h->client_port = dg->from_port;
  memcpy(buf, dg->data, dg->len);
  h->plat->ops->udp_send(h->plat->ctx, h->back, NULL, &h->server, 123, buf, dg->len, 0);
}

static void on_reply(void *arg, int sock, const struct plat_datagram *dg)
{
  struct holder *h = arg;
  (void)sock;
  if (dg->len <= sizeof(h->reply) && h->len == 0) {
    memcpy(h->reply, dg->data, dg->len);
    h->len = dg->len;
  }
}

static void release(void *arg)
{
  struct holder *h = arg;
  if (h->len)
    h->plat->ops->udp_send(h->plat->ctx, h->front, NULL, &h->client, h->client_port, h->reply,
                           h->len, 0);
}

static void holder_start(struct holder *h, struct fx *f, const char *addr, unsigned server,
                         double at)
{
  struct sim_platform *host = sim_world_add_host(f->net.w, addr, addr, NULL);
  assert_non_null(host);
  *h = (struct holder){.plat = sim_platform_get(host), .server = f->net.addrs[server]};
  h->front = h->plat->ops->udp_open(h->plat->ctx, ADDR_INET4, NULL, 123, on_request, h);
  h->back = h->plat->ops->udp_open(h->plat->ctx, ADDR_INET4, NULL, 0, on_reply, h);
  assert_true(h->front >= 0 && h->back >= 0);
  assert_true(sim_world_at(f->net.w, at, release, h));
}

/* Both first replies arrive at the same instant: the first completes the
 * pool (maxsources 1), the second must not save its source. */
static void test_pool_replies_together_keep_maxsources(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  struct holder holders[2];
  struct ip_addr addrs[2];
  holder_start(&holders[0], f, "192.0.2.21", 0, 1.0);
  holder_start(&holders[1], f, "192.0.2.22", 1, 1.0);
  assert_true(addr_parse("192.0.2.21", &addrs[0]) && addr_parse("192.0.2.22", &addrs[1]));
  assert_int_equal(sim_names_set(sim_world_names(f->net.w), "pool.test", addrs, 2, 0.0, NULL), 0);
  add(f, "pool.test", true, 1);
  simfx_run_until(&f->net, 0.9);
  assert_int_equal(client_n_sources(f->client), 2);
  assert_true(holders[0].len > 0 && holders[1].len > 0);   /* both replies held */
  simfx_run_until(&f->net, 2.0);
  assert_int_equal(client_n_sources(f->client), 1);
  fx_free(f);
}

/* The first address stops answering: after 8 unanswered requests the
 * client reports it bad and it is replaced by the name's other address
 * (a second lookup), once. */
static void test_unreachable_source_replaced_by_another_address(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  double times[MAX_TIMES];
  name(f, "single.test", 0, 2, 0.0);
  assert_int_equal(sim_world_add_outage(f->net.w, f->net.client_host, f->net.hosts[0], 0.0, 1e9), 0);
  add(f, "single.test", false, 0);
  simfx_run_until(&f->net, 8 * POLL);
  assert_true(is_source(f, 0));
  simfx_run_until(&f->net, 10 * POLL);
  assert_false(is_source(f, 0));
  assert_true(is_source(f, 1));
  assert_int_equal(client_n_sources(f->client), 1);
  assert_int_equal(sim_names_lookups(sim_world_names(f->net.w), "single.test", times, MAX_TIMES), 2);
  assert_true(times[1] > 8 * POLL && times[1] < 10 * POLL);
  simfx_run_until(&f->net, 40 * POLL);
  assert_true(is_source(f, 1));
  assert_int_equal(sim_names_lookups(sim_world_names(f->net.w), "single.test", times, MAX_TIMES), 2);
  fx_free(f);
}

/* Two names go bad together: one is replaced at once, the other only after
 * the random hold-off (up to 3584 s), at the next report after it. */
static void test_replacements_wait_for_the_holdoff(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  name(f, "a.test", 0, 2, 0.0);
  name(f, "b.test", 2, 2, 0.0);
  assert_int_equal(sim_world_add_outage(f->net.w, f->net.client_host, f->net.hosts[0], 0.0, 1e9), 0);
  assert_int_equal(sim_world_add_outage(f->net.w, f->net.client_host, f->net.hosts[2], 0.0, 1e9), 0);
  add(f, "a.test", false, 0);
  add(f, "b.test", false, 0);
  simfx_run_until(&f->net, 10 * POLL);
  assert_int_equal(is_source(f, 0) + is_source(f, 2), 1);   /* one of them replaced */
  simfx_run_until(&f->net, 3584.0 + 12 * POLL);
  assert_false(is_source(f, 0) || is_source(f, 2));
  assert_true(is_source(f, 1) && is_source(f, 3));
  fx_free(f);
}

/* A name that does not resolve: 28 s, then doubling up to 3584 s between
 * rounds (after each failed answer); logged once; once it resolves, the
 * source is added and the lookups stop. */
static void test_unresolved_name_retried_with_growing_intervals(void **state)
{
  (void)state;
  static const double intervals[] = {28, 56, 112, 224, 448, 896, 1792, 3584, 3584};
  const double answer = 0.5;
  struct fx *f = fx_new(NULL);
  struct sim_names *names = sim_world_names(f->net.w);
  double times[MAX_TIMES];
  assert_int_equal(sim_names_set(names, "nowhere.test", NULL, 0, answer, "Domain name not found"),
                   0);
  add(f, "nowhere.test", false, 0);
  double t = 0.0;
  for (size_t i = 0; i < sizeof(intervals) / sizeof(intervals[0]); i++)
    t += answer + intervals[i];
  simfx_run_until(&f->net, t + 1.0);
  unsigned n = sim_names_lookups(names, "nowhere.test", times, MAX_TIMES);
  assert_int_equal(n, sizeof(intervals) / sizeof(intervals[0]) + 1);
  for (unsigned i = 1; i < n; i++)
    assert_true(times[i] - times[i - 1] == answer + intervals[i - 1]);
  assert_int_equal(sim_platform_log_count(f->net.client_host, PLAT_LOG_WARN), 1);
  assert_int_equal(unresolved(f), 1);

  name(f, "nowhere.test", 0, 1, 0.0);
  simfx_run_until(&f->net, t + 3584.0 + answer + 1.0);
  assert_int_equal(sim_names_lookups(names, "nowhere.test", times, MAX_TIMES), n + 1);
  assert_true(is_source(f, 0));
  assert_int_equal(unresolved(f), 0);
  simfx_run_until(&f->net, t + 3 * 3584.0);
  assert_int_equal(sim_names_lookups(names, "nowhere.test", times, MAX_TIMES), n + 1);
  fx_free(f);
}

/* One lookup at a time: the second name is asked when the first answered. */
static void test_round_resolves_names_one_after_the_other(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  double a, b;
  name(f, "a.test", 0, 1, 2.0);
  name(f, "b.test", 1, 1, 2.0);
  add(f, "a.test", false, 0);
  add(f, "b.test", false, 0);
  simfx_run_until(&f->net, 5.0);
  assert_int_equal(sim_names_lookups(sim_world_names(f->net.w), "a.test", &a, 1), 1);
  assert_int_equal(sim_names_lookups(sim_world_names(f->net.w), "b.test", &b, 1), 1);
  assert_true(a == 0.0 && b == 2.0);
  assert_true(is_source(f, 0) && is_source(f, 1));
  fx_free(f);
}

/* Given as an address: added at once, never resolved; known twice. */
static void test_addresses_need_no_lookup(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  struct srclist_source s = {.family = ADDR_UNSPEC};
  client_source_defaults(&s.params);
  snprintf(s.params.name, sizeof(s.params.name), "192.0.2.11");
  assert_int_equal(srclist_add(f->list, &s), SRCLIST_OK);
  assert_true(is_source(f, 0));
  assert_int_equal(srclist_add(f->list, &s), SRCLIST_KNOWN);
  s.family = ADDR_INET6;
  snprintf(s.params.name, sizeof(s.params.name), "192.0.2.12");
  assert_int_equal(srclist_add(f->list, &s), SRCLIST_FAILED);
  assert_int_equal(srclist_delete(f->list, &f->net.addrs[0]), SRCLIST_OK);
  assert_int_equal(srclist_delete(f->list, &f->net.addrs[0]), SRCLIST_UNKNOWN);
  fx_free(f);
}

/* refresh 1000: at each tick the name looked up the longest ago is looked
 * up again; a server whose name moved follows it, one whose name still
 * has its address keeps it (also on chronyc refresh); 0 turns it off. */
static void test_refresh_interval(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  struct sim_names *names = sim_world_names(f->net.w);
  double a[MAX_TIMES], b[MAX_TIMES];
  srclist_set_refresh(f->list, 1000);
  name(f, "a.test", 0, 1, 0.0);
  name(f, "b.test", 1, 3, 0.0);
  add(f, "a.test", false, 0);
  simfx_run_until(&f->net, 300.0);
  add(f, "b.test", false, 0);
  simfx_run_until(&f->net, 900.0);
  assert_true(is_source(f, 0) && is_source(f, 1));
  name(f, "a.test", 2, 1, 0.0);                  /* a.test moved */
  simfx_run_until(&f->net, 1900.0);
  assert_int_equal(sim_names_lookups(names, "a.test", a, MAX_TIMES), 2);
  assert_int_equal(sim_names_lookups(names, "b.test", b, MAX_TIMES), 1);
  assert_true(a[1] >= 1000.0 && a[1] < 1001.0);
  assert_false(is_source(f, 0));
  assert_true(is_source(f, 2));
  simfx_run_until(&f->net, 2900.0);                          /* b.test's turn; it still has server 1 */
  assert_int_equal(sim_names_lookups(names, "b.test", b, MAX_TIMES), 2);
  assert_true(b[1] >= 2000.0 && b[1] < 2001.0);
  assert_true(is_source(f, 1));
  assert_false(is_source(f, 3));
  srclist_refresh(f->list);                      /* chronyc refresh: the same */
  simfx_run_until(&f->net, 2910.0);
  assert_int_equal(sim_names_lookups(names, "b.test", b, MAX_TIMES), 3);
  assert_true(is_source(f, 1) && is_source(f, 2));
  assert_int_equal(client_n_sources(f->client), 2);
  srclist_set_refresh(f->list, 0);
  simfx_run_until(&f->net, 9000.0);
  assert_int_equal(sim_names_lookups(names, "a.test", a, MAX_TIMES), 3);
  assert_int_equal(sim_names_lookups(names, "b.test", b, MAX_TIMES), 3);
  fx_free(f);
}

/* As chronyd, per source: chronyc refresh looks a pool's name up once for
 * each of its sources, and refresh 100 one source each 100 s, the one
 * looked up for the longest ago (each then once in 300 s here). */
static void test_refresh_per_source(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  struct sim_names *names = sim_world_names(f->net.w);
  double t[MAX_TIMES];
  name(f, "pool.test", 0, 3, 0.0);
  name(f, "one.test", 3, 1, 0.0);
  add(f, "pool.test", true, 2);
  add(f, "one.test", false, 0);
  simfx_run_until(&f->net, 50.0);
  assert_int_equal(client_n_sources(f->client), 3);
  assert_int_equal(sim_names_lookups(names, "pool.test", t, MAX_TIMES), 1);
  srclist_refresh(f->list);
  simfx_run_until(&f->net, 60.0);
  assert_int_equal(sim_names_lookups(names, "pool.test", t, MAX_TIMES), 3);
  assert_int_equal(sim_names_lookups(names, "one.test", t, MAX_TIMES), 2);
  assert_int_equal(client_n_sources(f->client), 3);   /* all still fresh */
  srclist_set_refresh(f->list, 100);
  simfx_run_until(&f->net, 365.0);
  assert_int_equal(sim_names_lookups(names, "pool.test", t, MAX_TIMES), 5);
  assert_int_equal(sim_names_lookups(names, "one.test", t, MAX_TIMES), 3);
  assert_true(t[2] >= 100.0 && t[2] < 366.0);
  assert_int_equal(client_n_sources(f->client), 3);
  fx_free(f);
}

/* --- the order of the sources in reports (chronyd's source table) --- */

/* The sources' names as reports list them, one space apart (a refclock's
 * refid, an NTP source's address, a placeholder's ID#). */
static const char *listed(const struct fx *f)
{
  static char out[256];
  size_t at = 0;
  out[0] = '\0';
  for (unsigned i = 0; i < client_n_sources(f->client); i++) {
    struct client_source_report r;
    char a[ADDR_STR_LEN];
    assert_true(client_source_report(f->client, i, &r));
    const char *text = a;
    if (r.placeholder_id)                        /* chronyc's ID# */
      snprintf(a, sizeof(a), "ID#%010u", (unsigned)r.placeholder_id);
    else
      text = r.refclock ? r.name : addr_format(&r.addr, a);
    at += (size_t)snprintf(out + at, sizeof(out) - at, "%s%s", i ? " " : "", text);
    assert_true(at < sizeof(out));
  }
  return out;
}

/* A SOCK reference clock, SOC0, noselect: only its place matters. */
static void add_refclock(struct fx *f)
{
  struct sim_refclock_config dev = {.driver = PLAT_REFCLOCK_SOCK, .param = "/run/gps.sock"};
  struct rcl_params r;
  assert_non_null(sim_refclock_new(sim_world_sched(f->net.w), f->net.client_host, &dev));
  rcl_params_default(&r);
  r.driver = PLAT_REFCLOCK_SOCK;
  snprintf(r.param, sizeof(r.param), "%s", dev.param);
  r.refid = rcl_default_refid(PLAT_REFCLOCK_SOCK, 0);
  r.noselect = true;
  assert_int_equal(client_add_refclock(f->client, &r), 0);
}

/* The configuration's order, refclocks first: a name that resolves 2 s
 * late keeps its place before the address after it, a pool its place
 * after them, the refclock (added last) comes first; the indices of
 * client_find_source and client_selected are the reports'. */
static void test_order_as_configured(void **state)
{
  (void)state;
  static const double delay[N_SERVERS] = {0.001, 0.001, 0.5, 0.3};
  struct fx *f = fx_new(delay);
  name(f, "late.test", 0, 1, 2.0);
  name(f, "pool.test", 2, 2, 0.0);
  add(f, "late.test", false, 0);
  add(f, "192.0.2.12", false, 0);
  add(f, "pool.test", true, 1);
  add_refclock(f);
  assert_string_equal(listed(f), "SOC0 ID#0000000001 192.0.2.12 ID#0000000002 ID#0000000003");
  simfx_run_until(&f->net, 2.1);       /* resolved, the pool's not answered yet */
  assert_string_equal(listed(f), "SOC0 192.0.2.11 192.0.2.12 192.0.2.13 192.0.2.14");
  simfx_run_until(&f->net, 5.0);
  /* the pool kept the one that answered first (192.0.2.14, nearer) */
  assert_string_equal(listed(f), "SOC0 192.0.2.11 192.0.2.12 192.0.2.14");
  assert_int_equal(client_find_source(f->client, &f->net.addrs[1]), 2);
  simfx_run_until(&f->net, 10 * POLL);
  int sel = client_selected(f->client);
  struct ip_addr a;
  assert_true(sel >= 1 && client_selected_address(f->client, &a));
  assert_int_equal(client_find_source(f->client, &a), sel);
  fx_free(f);
}

/* A source deleted from the middle: those after it move up; one added
 * then comes last, also given by a name that was configured before. */
static void test_order_delete_from_middle(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  name(f, "late.test", 0, 1, 1.0);
  add(f, "late.test", false, 0);
  add(f, "192.0.2.12", false, 0);
  add(f, "192.0.2.13", false, 0);
  simfx_run_until(&f->net, 2.0);
  assert_string_equal(listed(f), "192.0.2.11 192.0.2.12 192.0.2.13");
  assert_int_equal(srclist_delete(f->list, &f->net.addrs[1]), SRCLIST_OK);
  assert_string_equal(listed(f), "192.0.2.11 192.0.2.13");
  add(f, "192.0.2.12", false, 0);
  assert_string_equal(listed(f), "192.0.2.11 192.0.2.13 192.0.2.12");
  assert_int_equal(srclist_delete(f->list, &f->net.addrs[0]), SRCLIST_OK);
  add(f, "late.test", false, 0);
  simfx_run_until(&f->net, 4.0);
  assert_string_equal(listed(f), "192.0.2.13 192.0.2.12 192.0.2.11");
  fx_free(f);
}

/* A pool member that stops answering is replaced in its place (before the
 * address configured after the pool). */
static void test_order_pool_replacement(void **state)
{
  (void)state;
  static const double delay[N_SERVERS] = {0.5, 0.001, 0.001, 0.001};
  struct fx *f = fx_new(delay);
  name(f, "pool.test", 0, 3, 0.0);
  assert_int_equal(sim_world_add_outage(f->net.w, f->net.client_host, f->net.hosts[1], 5 * POLL,
                                        1e9), 0);
  add(f, "pool.test", true, 1);
  add(f, "192.0.2.14", false, 0);
  simfx_run_until(&f->net, 0.1);
  assert_string_equal(listed(f), "192.0.2.11 192.0.2.12 192.0.2.14");
  simfx_run_until(&f->net, 2.0);
  assert_string_equal(listed(f), "192.0.2.12 192.0.2.14");
  simfx_run_until(&f->net, 16 * POLL);
  assert_false(is_source(f, 1));
  struct client_source_report r;
  assert_true(client_source_report(f->client, 0, &r));
  assert_true(addr_equal(&r.addr, &f->net.addrs[0]) || addr_equal(&r.addr, &f->net.addrs[2]));
  assert_string_equal(strchr(listed(f), ' '), " 192.0.2.14");
  fx_free(f);
}

/* As chronyd: a name not resolved yet is listed in its place with an ID#
 * address, a pool with 2 x maxsources of them, numbered in the order they
 * came; each source of the name takes the place of one; a pool that got
 * fewer addresses keeps the others until more come, and drops those left
 * once maxsources answered (chronyd removes them with its tentative
 * sources). */
static void test_placeholders_replaced_in_place(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  name(f, "late.test", 0, 1, 2.0);
  name(f, "pool.test", 1, 1, 0.0);             /* one address of four */
  add(f, "late.test", false, 0);
  add(f, "192.0.2.14", false, 0);
  add(f, "pool.test", true, 2);
  assert_string_equal(listed(f), "ID#0000000001 192.0.2.14 ID#0000000002 ID#0000000003 "
                                 "ID#0000000004 ID#0000000005");
  simfx_run_until(&f->net, 2.1);
  assert_string_equal(listed(f), "192.0.2.11 192.0.2.14 192.0.2.12 ID#0000000003 "
                                 "ID#0000000004 ID#0000000005");
  name(f, "pool.test", 1, 2, 0.0);             /* the next round (28 s) finds another */
  simfx_run_until(&f->net, 29.0);
  assert_int_equal(unresolved(f), 3);
  simfx_run_until(&f->net, 30.0 + POLL);
  assert_string_equal(listed(f), "192.0.2.11 192.0.2.14 192.0.2.12 192.0.2.13");
  fx_free(f);
}

/* A line removed (a reload) before its name resolved takes its
 * placeholders with it; a name added later numbers on. */
static void test_placeholders_of_a_removed_line(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  struct srclist_source pool = line("nowhere.test", true, 1);
  assert_int_equal(sim_names_set(sim_world_names(f->net.w), "nowhere.test", NULL, 0, 0.5,
                                 "Domain name not found"), 0);
  add(f, "192.0.2.11", false, 0);
  assert_int_equal(srclist_add(f->list, &pool), SRCLIST_OK);
  add(f, "192.0.2.12", false, 0);
  simfx_run_until(&f->net, 1.0);
  assert_string_equal(listed(f), "192.0.2.11 ID#0000000001 ID#0000000002 192.0.2.12");
  srclist_remove(f->list, &pool);
  assert_string_equal(listed(f), "192.0.2.11 192.0.2.12");
  add(f, "nowhere.test", false, 0);
  assert_string_equal(listed(f), "192.0.2.11 192.0.2.12 ID#0000000003");
  fx_free(f);
}

/* chronyc delete ID#, as chronyd 4.8's NSR_RemoveSource: that placeholder
 * only. A server's was its name's last: the name is not looked up again.
 * A pool keeps its other placeholders and fills them when it resolves. */
static void test_delete_placeholders(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  name(f, "late.test", 0, 1, 40.0);              /* after the first round */
  name(f, "pool.test", 1, 3, 40.0);
  add(f, "late.test", false, 0);
  add(f, "pool.test", true, 2);
  simfx_run_until(&f->net, 1.0);
  assert_string_equal(listed(f), "ID#0000000001 ID#0000000002 ID#0000000003 "
                                 "ID#0000000004 ID#0000000005");
  struct ip_addr id1 = addr_from_id(1), id3 = addr_from_id(3), id9 = addr_from_id(9);
  assert_int_equal(srclist_delete(f->list, &id9), SRCLIST_UNKNOWN);
  assert_int_equal(srclist_delete(f->list, &id1), SRCLIST_OK);
  assert_int_equal(srclist_delete(f->list, &id3), SRCLIST_OK);
  assert_int_equal(srclist_delete(f->list, &id3), SRCLIST_UNKNOWN);
  assert_string_equal(listed(f), "ID#0000000002 ID#0000000004 ID#0000000005");
  simfx_run_until(&f->net, 2 * 40.0 + 0.1);      /* one lookup, then the other */
  assert_string_equal(listed(f), "192.0.2.12 192.0.2.13 192.0.2.14");
  simfx_run_until(&f->net, 600.0);               /* the pool complete */
  assert_int_equal(unresolved(f), 0);
  assert_false(is_source(f, 0));
  fx_free(f);
}

/* The only source of a partly resolved pool deleted: as chronyd, the pool
 * keeps its placeholders and goes on resolving for them. */
static void test_delete_only_member_of_partly_resolved_pool(void **state)
{
  (void)state;
  struct fx *f = fx_new(NULL);
  name(f, "pool.test", 0, 1, 0.0);               /* one address of four */
  add(f, "pool.test", true, 2);
  simfx_run_until(&f->net, 1.0);
  assert_string_equal(listed(f), "192.0.2.11 ID#0000000002 ID#0000000003 ID#0000000004");
  assert_int_equal(srclist_delete(f->list, &f->net.addrs[0]), SRCLIST_OK);
  assert_string_equal(listed(f), "ID#0000000002 ID#0000000003 ID#0000000004");
  name(f, "pool.test", 1, 2, 0.0);               /* the next round (28 s) finds two */
  simfx_run_until(&f->net, 28.1);
  assert_string_equal(listed(f), "192.0.2.12 192.0.2.13 ID#0000000004");
  simfx_run_until(&f->net, 28.0 + POLL);         /* both answered: complete */
  assert_string_equal(listed(f), "192.0.2.12 192.0.2.13");
  fx_free(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pool_keeps_those_that_answered_first),
    cmocka_unit_test(test_pool_replies_together_keep_maxsources),
    cmocka_unit_test(test_unreachable_source_replaced_by_another_address),
    cmocka_unit_test(test_replacements_wait_for_the_holdoff),
    cmocka_unit_test(test_unresolved_name_retried_with_growing_intervals),
    cmocka_unit_test(test_round_resolves_names_one_after_the_other),
    cmocka_unit_test(test_addresses_need_no_lookup),
    cmocka_unit_test(test_refresh_interval),
    cmocka_unit_test(test_refresh_per_source),
    cmocka_unit_test(test_order_as_configured),
    cmocka_unit_test(test_order_delete_from_middle),
    cmocka_unit_test(test_order_pool_replacement),
    cmocka_unit_test(test_placeholders_replaced_in_place),
    cmocka_unit_test(test_placeholders_of_a_removed_line),
    cmocka_unit_test(test_delete_placeholders),
    cmocka_unit_test(test_delete_only_member_of_partly_resolved_pool),
  };
  return cmocka_run_group_tests_name("srclist", tests, NULL, NULL);
}
