/* Whole simulations: determinism per seed, a runaway handler stopped, and
 * the speed of simulated time (printed, not asserted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "core/exchange.h"
#include "proto/ntp_packet.h"
#include "sim/sim_metrics.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

#define MAX_SERVERS 3

/* A client that polls each server every `interval` seconds with the real
 * exchange code and keeps a digest of every offset it measures. */
struct poller {
  const struct platform *plat;
  double interval;
  unsigned n;
  struct ip_addr addr[MAX_SERVERS];
  int sock[MAX_SERVERS];
  ntp_ts nonce[MAX_SERVERS];
  struct timespec tx[MAX_SERVERS];
  unsigned sent, valid;
  uint64_t digest;            /* FNV-1a over the offsets' bits */
  double sum_offset;
};

static void on_reply(void *arg, int sock, const struct plat_datagram *dg)
{
  struct poller *p = arg;
  struct exch_sample s;
  struct ntp_packet pkt;
  ntp_packet_parse(dg->data, dg->len, &pkt);
  for (unsigned i = 0; i < p->n; i++) {
    if (p->sock[i] != sock || p->nonce[i] == 0)
      continue;
    enum exch_result r = exch_check_reply(&pkt, p->nonce[i], &p->tx[i], &dg->rx_time, &s);
    p->nonce[i] = 0;
    if (r != EXCH_OK)
      return;
    p->valid++;
    p->sum_offset += s.offset;
    uint8_t bytes[sizeof(s.offset)];
    memcpy(bytes, &s.offset, sizeof(bytes));
    for (size_t b = 0; b < sizeof(bytes); b++)
      p->digest = (p->digest ^ bytes[b]) * 0x100000001b3ULL;
  }
}

static void on_poll(void *arg)
{
  struct poller *p = arg;
  const struct platform *pl = p->plat;
  for (unsigned i = 0; i < p->n; i++) {
    uint8_t buf[NTP_HEADER_LEN];
    pl->ops->random_bytes(pl->ctx, &p->nonce[i], sizeof(p->nonce[i]));
    exch_build_request(buf, 4, 6, p->nonce[i]);
    pl->ops->now(pl->ctx, &p->tx[i]);
    assert_int_equal(pl->ops->udp_send(pl->ctx, p->sock[i], NULL, &p->addr[i], 123, buf,
                                       sizeof(buf), 0), 0);
    p->sent++;
  }
  assert_true(pl->ops->timer_add(pl->ctx, p->interval, on_poll, p) != 0);
}

static void poller_start(struct poller *p, struct sim_platform *host, double interval)
{
  p->plat = sim_platform_get(host);
  p->interval = interval;
  p->digest = 0xcbf29ce484222325ULL;
  for (unsigned i = 0; i < p->n; i++) {
    p->sock[i] = p->plat->ops->udp_open(p->plat->ctx, ADDR_INET4, NULL, 0, on_reply, p);
    assert_true(p->sock[i] >= 0);
  }
  on_poll(p);
}

struct outcome {
  uint64_t digest;
  unsigned sent, valid;
  uint64_t events;
  struct sim_metrics_result m;
};

/* A client with frequency error and wander; a good server, a jittery lossy
 * one and a falseticker; polls every 16 s. */
static void run_scenario(uint64_t seed, double seconds, bool observe, struct outcome *out)
{
  struct timespec start = {.tv_sec = 1700000000};
  struct sim_world *w = sim_world_new(seed, &start);
  struct sim_clock_params client_clock = {.offset = 0.1, .freq = 100.0, .wander = 1e-3};
  struct sim_link_params lan = {.delay = 100e-6, .jitter = 100e-6};
  struct sim_link_params bad = {.delay = 1e-3, .jitter = 1e-3, .loss = 0.33};
  struct sim_platform *client = sim_world_add_host(w, "client", "192.0.2.1", &client_clock);
  struct sim_platform *hosts[MAX_SERVERS];
  struct sim_server *servers[MAX_SERVERS];
  struct sim_server_config cfg = {0};
  struct poller p = {.n = MAX_SERVERS};
  assert_int_equal(sim_net_set_default(sim_world_net(w), &lan), 0);
  for (unsigned i = 0; i < MAX_SERVERS; i++) {
    char name[16], addr[16];
    struct sim_clock_params c = {.offset = i == 2 ? 1.0 : 0.0};
    snprintf(name, sizeof(name), "server%u", i);
    snprintf(addr, sizeof(addr), "192.0.2.%u", 11 + i);
    hosts[i] = sim_world_add_host(w, name, addr, &c);
    servers[i] = sim_server_new(sim_world_sched(w), hosts[i], &cfg);
    assert_non_null(servers[i]);
    addr_parse(addr, &p.addr[i]);
  }
  assert_int_equal(sim_world_set_path(w, client, hosts[1], &bad), 0);
  struct sim_metrics *m = observe ? sim_metrics_new(sim_world_sched(w), client, 1.0) : NULL;
  poller_start(&p, client, 16.0);
  assert_int_equal(sim_world_run(w, seconds), 0);
  *out = (struct outcome){.digest = p.digest, .sent = p.sent, .valid = p.valid,
                          .events = sim_sched_processed(sim_world_sched(w))};
  if (m)
    sim_metrics_compute(m, 1e-3, 0.0, 0.0, &out->m);
  sim_metrics_free(m);
  for (unsigned i = 0; i < MAX_SERVERS; i++)
    sim_server_free(servers[i]);
  sim_world_free(w);
}

static bool same_outcome(const struct outcome *a, const struct outcome *b)
{
  return a->digest == b->digest && a->sent == b->sent && a->valid == b->valid &&
         a->events == b->events &&
         memcmp(&a->m.max_offset, &b->m.max_offset, sizeof(double)) == 0 &&
         memcmp(&a->m.rms_offset, &b->m.rms_offset, sizeof(double)) == 0 &&
         memcmp(&a->m.rms_freq_error, &b->m.rms_freq_error, sizeof(double)) == 0;
}

static void test_deterministic_per_seed(void **state)
{
  (void)state;
  struct outcome a, b, c;
  run_scenario(11, 10000.0, true, &a);
  run_scenario(11, 10000.0, true, &b);
  run_scenario(12, 10000.0, true, &c);
  print_message("seed 11: %u sent, %u valid, digest %016llx; seed 12: %u valid, digest %016llx\n",
                a.sent, a.valid, (unsigned long long)a.digest, c.valid,
                (unsigned long long)c.digest);
  assert_true(same_outcome(&a, &b));
  assert_false(same_outcome(&a, &c));
  /* 626 polls of 3 servers; a third of one server's exchanges lost (two
   * chances to lose each: request and reply). */
  assert_int_equal(a.sent, 626 * 3);
  assert_true(a.valid > 626 * 2 + 626 / 3 && a.valid < 626 * 2 + 626 * 2 / 3);
  /* Nothing steers the clock: it drifts away from 0.1 s at ~100 ppm. */
  assert_true(isinf(a.m.sync_time));
  assert_true(a.m.max_offset > 1.0);
}

/* Sampling the truth only reads: without metrics the run is the same. */
static void test_observing_changes_nothing(void **state)
{
  (void)state;
  struct outcome a, b;
  run_scenario(11, 10000.0, true, &a);
  run_scenario(11, 10000.0, false, &b);
  assert_true(a.digest == b.digest && a.valid == b.valid);
  assert_true(a.events == b.events + 10001);   /* the samples, 0 s to 10000 s */
}

static double cpu_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void test_speed(void **state)
{
  (void)state;
  struct outcome o;
  const double simulated = 1e5;
  double t0 = cpu_seconds();
  run_scenario(1, simulated, true, &o);
  double cpu = cpu_seconds() - t0;
  print_message("speed: %.0f s simulated (client polling 3 servers every 16 s, 1 s metrics, "
                "wander) in %.3f s CPU: %.3g simulated s per CPU s, %llu events\n",
                simulated, cpu, simulated / cpu, (unsigned long long)o.events);
  assert_int_equal(o.sent, 6251 * 3);
}

static void on_runaway(void *arg)
{
  struct sim_world *w = arg;
  sim_world_at(w, sim_world_elapsed(w), on_runaway, w);
}

static void test_runaway_handler_stops_run(void **state)
{
  (void)state;
  struct timespec start = {.tv_sec = 1700000000};
  struct sim_world *w = sim_world_new(1, &start);
  sim_world_set_verbose(w, false);
  assert_true(sim_world_at(w, 10.0, on_runaway, w));
  assert_int_equal(sim_world_run(w, 100.0), -ELOOP);
  assert_true(sim_world_elapsed(w) == 10.0);
  sim_world_free(w);
}

static void test_bad_hosts(void **state)
{
  (void)state;
  struct timespec start = {.tv_sec = 1700000000};
  struct sim_world *w = sim_world_new(1, &start);
  struct sim_clock_params c = {0};
  assert_non_null(sim_world_add_host(w, "a", "192.0.2.1", NULL));
  assert_null(sim_world_add_host(w, "b", "192.0.2.1", &c));
  assert_null(sim_world_add_host(w, "c", "not an address", &c));
  assert_non_null(sim_world_add_host(w, "d", "2001:db8::1", &c));
  sim_world_free(w);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_deterministic_per_seed),
    cmocka_unit_test(test_observing_changes_nothing),
    cmocka_unit_test(test_speed),
    cmocka_unit_test(test_runaway_handler_stops_run),
    cmocka_unit_test(test_bad_hosts),
  };
  return cmocka_run_group_tests_name("sim_world", tests, NULL, NULL);
}
