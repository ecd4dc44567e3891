#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_net.h"

#define START ((sim_time)1700000000 * SIM_NS_PER_S)
#define N_PACKETS 10000
#define SPACING (10 * SIM_NS_PER_S / 1000)   /* 10 ms between sends */

/* Node A sends N_PACKETS datagrams carrying their send time to node B, which
 * records each one's delay. */
struct bench {
  struct sim_sched *sched;
  struct sim_net *net;
  int a, b, sock_a, sock_b;
  struct ip_addr addr_a, addr_b;
  unsigned sent, received;
  double delays[N_PACKETS];
  struct sim_net_dgram last;
};

static void on_receive(void *arg, int sock, const struct sim_net_dgram *dg)
{
  struct bench *b = arg;
  sim_time sent;
  (void)sock;
  assert_int_equal(dg->len, sizeof(sent));
  memcpy(&sent, dg->data, sizeof(sent));
  if (b->received < N_PACKETS)     /* copies may bring more */
    b->delays[b->received] = sim_seconds(sim_sched_now(b->sched) - sent);
  b->received++;
  b->last = *dg;
}

static void on_send(void *arg)
{
  struct bench *b = arg;
  sim_time now = sim_sched_now(b->sched);
  assert_int_equal(sim_net_send(b->net, b->sock_a, NULL, &b->addr_b, 123, (uint8_t *)&now,
                                sizeof(now)), 0);
  if (++b->sent < N_PACKETS)
    sim_sched_add(b->sched, now + SPACING, on_send, b, NULL);
}

static struct bench *bench_new(uint64_t seed, const struct sim_link_params *p)
{
  struct bench *b = calloc(1, sizeof(*b));
  b->sched = sim_sched_new(START);
  b->net = sim_net_new(b->sched, seed);
  addr_parse("192.0.2.1", &b->addr_a);
  addr_parse("192.0.2.2", &b->addr_b);
  b->a = sim_net_add_node(b->net, &b->addr_a, 1);
  b->b = sim_net_add_node(b->net, &b->addr_b, 1);
  assert_int_equal(sim_net_set_link(b->net, b->a, b->b, p), 0);
  b->sock_a = sim_net_bind(b->net, b->a, ADDR_INET4, NULL, 0, on_receive, b);
  b->sock_b = sim_net_bind(b->net, b->b, ADDR_INET4, NULL, 123, on_receive, b);
  assert_true(b->sock_a >= 0 && b->sock_b >= 0);
  sim_sched_add(b->sched, START, on_send, b, NULL);
  return b;
}

static void bench_run(struct bench *b)
{
  assert_int_equal(sim_sched_run_until(b->sched, START + 200 * SIM_NS_PER_S), 0);
  assert_int_equal(b->sent, N_PACKETS);
}

static void bench_free(struct bench *b)
{
  sim_net_free(b->net);
  sim_sched_free(b->sched);
  free(b);
}

static void stats(const struct bench *b, double *mean, double *sd, double *min)
{
  double s = 0.0, s2 = 0.0;
  *min = INFINITY;
  for (unsigned i = 0; i < b->received; i++) {
    s += b->delays[i];
    s2 += b->delays[i] * b->delays[i];
    *min = fmin(*min, b->delays[i]);
  }
  *mean = s / b->received;
  *sd = sqrt(s2 / b->received - *mean * *mean);
}

static void test_exponential_jitter_and_loss(void **state)
{
  (void)state;
  struct sim_link_params p = {.delay = 100e-6, .jitter = 100e-6, .loss = 0.1};
  struct bench *b = bench_new(1, &p);
  double mean, sd, min;
  bench_run(b);
  stats(b, &mean, &sd, &min);
  double loss = 1.0 - (double)b->received / N_PACKETS;
  print_message("exp jitter: mean %.1f us, sd %.1f us, min %.1f us, loss %.4f\n", mean * 1e6,
                sd * 1e6, min * 1e6, loss);
  assert_true(fabs(mean - 200e-6) < 5e-6);
  assert_true(fabs(sd - 100e-6) < 6e-6);
  assert_true(min >= 100e-6);
  assert_true(fabs(loss - 0.1) < 0.012);
  const struct sim_net_stats *st = sim_net_stats(b->net);
  assert_true(st->sent == N_PACKETS && st->delivered == b->received &&
              st->lost == N_PACKETS - b->received);
  bench_free(b);
}

/* pass_every 4: exactly every fourth datagram gets through. */
static void test_pass_every(void **state)
{
  (void)state;
  struct sim_link_params p = {.delay = 100e-6, .pass_every = 4};
  struct bench *b = bench_new(3, &p);
  bench_run(b);
  assert_int_equal(b->received, N_PACKETS / 4);
  assert_int_equal(sim_net_stats(b->net)->lost, N_PACKETS - N_PACKETS / 4);
  bench_free(b);
}

/* Spikes: none before the spike_from-th datagram, then the given share of
 * them, each exactly spike_delay later. */
static void test_spikes(void **state)
{
  (void)state;
  struct sim_link_params p = {.delay = 100e-6, .spike_delay = 0.15, .spike_prob = 0.7,
                              .spike_from = 7};
  struct bench *b = bench_new(5, &p);
  unsigned spiked = 0;
  bench_run(b);
  assert_int_equal(b->received, N_PACKETS);
  for (unsigned i = 0; i < N_PACKETS; i++) {
    bool late = fabs(b->delays[i] - 0.15 - 100e-6) < 1e-9;
    assert_true(late || fabs(b->delays[i] - 100e-6) < 1e-9);
    assert_true(i >= 6 || !late);
    spiked += late;
  }
  print_message("spikes: %.4f of %u\n", (double)spiked / (N_PACKETS - 6), N_PACKETS - 6);
  assert_true(fabs((double)spiked / (N_PACKETS - 6) - 0.7) < 0.015);
  bench_free(b);
}

/* Copies: each datagram read 1 to 4 times, 2.5 on average, all counted. */
static void test_copies(void **state)
{
  (void)state;
  struct sim_link_params p = {.delay = 100e-6, .jitter = 100e-6, .copies = 4};
  struct bench *b = bench_new(6, &p);
  bench_run(b);
  double mean = (double)b->received / N_PACKETS;
  print_message("copies: %.3f per datagram\n", mean);
  assert_true(b->received <= 4 * N_PACKETS && fabs(mean - 2.5) < 0.04);
  assert_int_equal(sim_net_stats(b->net)->delivered, b->received);
  bench_free(b);
}

static void test_normal_jitter(void **state)
{
  (void)state;
  struct sim_link_params p = {.delay = 1e-3, .jitter = 100e-6, .jitter_kind = SIM_JITTER_NORMAL};
  struct bench *b = bench_new(2, &p);
  double mean, sd, min;
  bench_run(b);
  stats(b, &mean, &sd, &min);
  print_message("normal jitter: mean %.1f us, sd %.1f us\n", mean * 1e6, sd * 1e6);
  assert_int_equal(b->received, N_PACKETS);
  assert_true(fabs(mean - 1e-3) < 3e-6);
  assert_true(fabs(sd - 100e-6) < 5e-6);
  bench_free(b);
}

static void test_deterministic_per_seed(void **state)
{
  (void)state;
  struct sim_link_params p = {.delay = 1e-3, .jitter = 1e-3, .loss = 0.3};
  struct bench *x = bench_new(3, &p), *y = bench_new(3, &p), *z = bench_new(4, &p);
  bench_run(x);
  bench_run(y);
  bench_run(z);
  assert_int_equal(x->received, y->received);
  assert_memory_equal(x->delays, y->delays, sizeof(x->delays));
  assert_true(x->received != z->received ||
              memcmp(x->delays, z->delays, sizeof(x->delays)) != 0);
  bench_free(x);
  bench_free(y);
  bench_free(z);
}

static void test_outage_drops_window(void **state)
{
  (void)state;
  struct sim_link_params p = {.delay = 1e-3};
  struct bench *b = bench_new(5, &p);
  /* Sends are at 10 ms steps: [10 s, 20 s) holds exactly 1000 of them. */
  assert_int_equal(sim_net_add_outage(b->net, b->a, b->b, START + 10 * SIM_NS_PER_S,
                                      START + 20 * SIM_NS_PER_S), 0);
  assert_int_equal(sim_net_add_outage(b->net, b->a, b->b, 5, 4), -EINVAL);
  bench_run(b);
  assert_int_equal(b->received, N_PACKETS - 1000);
  assert_true(sim_net_stats(b->net)->outage == 1000);
  bench_free(b);
}

static void test_datagram_fields_and_asymmetry(void **state)
{
  (void)state;
  struct sim_link_params back = {.delay = 3e-3};
  struct sim_link_params there = {.delay = 1e-3};
  struct bench *b = bench_new(6, &there);
  assert_int_equal(sim_net_set_link(b->net, b->b, b->a, &back), 0);
  sim_time now = START;
  assert_int_equal(sim_net_send(b->net, b->sock_b, NULL, &b->addr_a, 32768, (uint8_t *)&now,
                                sizeof(now)), 0);
  assert_int_equal(sim_sched_run_until(b->sched, START), 0);
  assert_int_equal(sim_sched_run_until(b->sched, START + SIM_NS_PER_S / 100), 0);
  /* The first datagram from A (1 ms) and the one from B (3 ms) arrived. */
  assert_int_equal(b->received, 2);
  assert_true(fabs(b->delays[0] - 1e-3) < 1e-9);
  assert_true(fabs(b->delays[1] - 3e-3) < 1e-9);
  assert_true(addr_equal(&b->last.from, &b->addr_b));
  assert_true(addr_equal(&b->last.to, &b->addr_a));
  assert_int_equal(b->last.from_port, 123);
  assert_int_equal(b->last.to_port, 32768);
  bench_free(b);
}

static void test_bind_rules(void **state)
{
  (void)state;
  struct sim_link_params p = {.delay = 1e-3};
  struct bench *b = bench_new(7, &p);
  struct ip_addr other, v6;
  addr_parse("198.51.100.1", &other);
  addr_parse("2001:db8::1", &v6);
  assert_int_equal(sim_net_bind(b->net, b->b, ADDR_INET4, NULL, 123, on_receive, b),
                   -EADDRINUSE);
  assert_int_equal(sim_net_bind(b->net, b->b, ADDR_INET4, &b->addr_b, 123, on_receive, b),
                   -EADDRINUSE);
  assert_int_equal(sim_net_bind(b->net, b->b, ADDR_INET4, &other, 0, on_receive, b),
                   -EADDRNOTAVAIL);
  assert_int_equal(sim_net_bind(b->net, b->b, ADDR_UNSPEC, NULL, 0, on_receive, b),
                   -EAFNOSUPPORT);
  /* The same port in the other family is free. */
  int s6 = sim_net_bind(b->net, b->b, ADDR_INET6, NULL, 123, on_receive, b);
  assert_true(s6 >= 0);
  assert_int_equal(sim_net_send(b->net, s6, NULL, &v6, 123, (uint8_t *)"x", 1), -ENETUNREACH);
  assert_int_equal(sim_net_send(b->net, s6, NULL, &b->addr_a, 123, (uint8_t *)"x", 1),
                   -EAFNOSUPPORT);
  assert_int_equal(sim_net_send(b->net, b->sock_a, &b->addr_b, &b->addr_b, 123,
                                (uint8_t *)"x", 1), -EADDRNOTAVAIL);
  assert_int_equal(sim_net_send(b->net, 999, NULL, &b->addr_b, 123, (uint8_t *)"x", 1), -EBADF);
  assert_int_equal(sim_net_send(b->net, b->sock_a, NULL, &b->addr_b, 123, (uint8_t *)"x",
                                SIM_NET_MAX_DATAGRAM + 1), -EMSGSIZE);
  /* Ephemeral ports: the next one in the range. */
  int e1 = sim_net_bind(b->net, b->a, ADDR_INET4, NULL, 0, on_receive, b);
  assert_true(e1 >= 0);
  sim_time now = START;
  assert_int_equal(sim_sched_run_until(b->sched, START), 0);   /* A's first send */
  assert_int_equal(sim_net_send(b->net, e1, NULL, &b->addr_b, 123, (uint8_t *)&now,
                                sizeof(now)), 0);
  assert_int_equal(sim_sched_run_until(b->sched, START + SIM_NS_PER_S / 200), 0);
  assert_int_equal(b->received, 2);
  assert_int_equal(b->last.from_port, SIM_NET_EPHEMERAL_FIRST + 1);
  sim_net_unbind(b->net, s6);
  assert_int_equal(sim_net_bind(b->net, b->b, ADDR_INET6, NULL, 123, on_receive, b), s6);
  int node = sim_net_add_node(b->net, &b->addr_a, 1);
  assert_int_equal(node, -EADDRINUSE);
  bench_free(b);
}

static void test_unreachable(void **state)
{
  (void)state;
  struct sim_link_params p = {.delay = 1e-3};
  struct bench *b = bench_new(8, &p);
  struct ip_addr nobody;
  sim_time now = START;
  addr_parse("203.0.113.9", &nobody);
  /* Nobody owns the address: the send succeeds, the datagram vanishes. */
  assert_int_equal(sim_net_send(b->net, b->sock_a, NULL, &nobody, 123, (uint8_t *)&now,
                                sizeof(now)), 0);
  /* The receiving socket is closed before the datagrams arrive. */
  sim_net_unbind(b->net, b->sock_b);
  assert_int_equal(sim_sched_run_until(b->sched, START + SIM_NS_PER_S / 100), 0);
  assert_int_equal(b->received, 0);
  assert_true(sim_net_stats(b->net)->unreachable == 2);
  bench_free(b);
}

/* A's datagram to 192.0.2.255 reaches B and a third node C of the /24 (one
 * datagram on each link), not D of another network; A's first datagram
 * (the bench's) is counted on its link to B too. */
static void test_broadcast(void **state)
{
  (void)state;
  struct sim_link_params p = {.delay = 1e-3};
  struct bench *b = bench_new(9, &p);
  struct ip_addr c_addr, d_addr, bcast;
  sim_time now = START;
  addr_parse("192.0.2.3", &c_addr);
  addr_parse("198.51.100.4", &d_addr);
  addr_parse("192.0.2.255", &bcast);
  int c = sim_net_add_node(b->net, &c_addr, 1), d = sim_net_add_node(b->net, &d_addr, 1);
  assert_true(sim_net_bind(b->net, c, ADDR_INET4, NULL, 123, on_receive, b) >= 0);
  assert_true(sim_net_bind(b->net, d, ADDR_INET4, NULL, 123, on_receive, b) >= 0);
  assert_int_equal(sim_net_send(b->net, b->sock_a, NULL, &bcast, 123, (uint8_t *)&now,
                                sizeof(now)), 0);
  assert_int_equal(sim_sched_run_until(b->sched, START + SIM_NS_PER_S / 200), 0);
  assert_int_equal(b->received, 3);                /* the bench's own, B's and C's */
  assert_int_equal(sim_net_link_sent(b->net, b->a, b->b), 2);
  assert_int_equal(sim_net_link_sent(b->net, b->a, c), 1);
  assert_int_equal(sim_net_link_sent(b->net, b->a, d), 0);
  assert_int_equal(sim_net_stats(b->net)->unreachable, 0);
  bench_free(b);
}

/* The lowest and highest destination port of every datagram sent: lost
 * and unreachable ones too. */
static void test_destination_ports(void **state)
{
  (void)state;
  struct sim_link_params p = {.delay = 1e-3, .loss = 1.0};
  struct bench *b = bench_new(9, &p);
  struct ip_addr nobody;
  sim_time now = START;
  addr_parse("203.0.113.9", &nobody);
  const struct sim_net_stats *st = sim_net_stats(b->net);
  assert_int_equal(st->min_to_port, 0);
  assert_int_equal(st->max_to_port, 0);
  assert_int_equal(sim_sched_run_until(b->sched, START), 0);   /* the bench's first, to 123 */
  assert_int_equal(sim_net_send(b->net, b->sock_a, NULL, &nobody, 124, (uint8_t *)&now,
                                sizeof(now)), 0);
  assert_int_equal(sim_net_send(b->net, b->sock_a, NULL, &b->addr_b, 5, (uint8_t *)&now,
                                sizeof(now)), 0);
  assert_int_equal(st->sent, 3);
  assert_int_equal(st->min_to_port, 5);
  assert_int_equal(st->max_to_port, 124);
  bench_free(b);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_exponential_jitter_and_loss),
    cmocka_unit_test(test_pass_every),
    cmocka_unit_test(test_spikes),
    cmocka_unit_test(test_copies),
    cmocka_unit_test(test_normal_jitter),
    cmocka_unit_test(test_deterministic_per_seed),
    cmocka_unit_test(test_outage_drops_window),
    cmocka_unit_test(test_datagram_fields_and_asymmetry),
    cmocka_unit_test(test_bind_rules),
    cmocka_unit_test(test_unreachable),
    cmocka_unit_test(test_broadcast),
    cmocka_unit_test(test_destination_ports),
  };
  return cmocka_run_group_tests_name("sim_net", tests, NULL, NULL);
}
