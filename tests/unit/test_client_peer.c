/* client: symmetric mode (peer sources) on the simulated platform.
 *
 * - A pair: host A has a server and peers with B; B's only source is A.
 *   Both clocks start wrong; B converges to the true time through A, and A
 *   never takes B (synchronised to A) as a source: the loop test.
 * - A scripted peer: the test plays the peer with packets it builds, to
 *   check what a peer source sends and what it accepts: answers with the
 *   right origin become samples; duplicates, wrong origins and wrong modes
 *   change nothing but counters, and datagrams that are not a peer's
 *   symmetric packets are left to the server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/client.h"
#include "proto/ntp_packet.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

#define PORT 123
#define POLL 4

/* A host's NTP server socket, dispatched as the daemon does. */
struct node {
  struct sim_platform *host;
  struct refstate ref;
  struct client *client;
  int sock;
  unsigned unclaimed;              /* datagrams the client left to the server */
};

static void on_server_socket(void *arg, int sock, const struct plat_datagram *dg)
{
  struct node *n = arg;
  if (!client_peer_receive(n->client, sock, dg))
    n->unclaimed++;
}

static void node_start(struct node *n, bool control)
{
  struct client_params p;
  const struct platform *plat = sim_platform_get(n->host);
  refstate_init(&n->ref, -20);
  client_params_defaults(&p);
  p.control = control;
  p.makestep_threshold = 0.1;
  p.makestep_limit = 3;
  n->client = client_new(plat, &p, &n->ref);
  assert_non_null(n->client);
  n->sock = plat->ops->udp_open(plat->ctx, ADDR_INET4, NULL, PORT, on_server_socket, n);
  assert_true(n->sock >= 0);
  client_set_server_socket(n->client, ADDR_INET4, n->sock);
}

static void add_source(struct node *n, const char *addr, bool peer)
{
  struct client_source_params s;
  client_source_defaults(&s);
  assert_true(addr_parse(addr, &s.addr));
  s.minpoll = s.maxpoll = POLL;
  s.iburst = true;
  s.peer = peer;
  snprintf(s.name, sizeof(s.name), "%s", addr);
  assert_true(client_add_source(n->client, &s) >= 0);
}

static void report(const struct node *n, unsigned i, struct client_source_report *r)
{
  assert_true(client_source_report(n->client, i, r));
}

static void test_pair_converges(void **state)
{
  (void)state;
  struct timespec start = {.tv_sec = 1700000000};
  struct sim_link_params lan = {.delay = 100e-6, .jitter = 20e-6};
  struct sim_clock_params ca = {.offset = 0.05, .freq = 30.0};
  struct sim_clock_params cb = {.offset = -0.3, .freq = -60.0};
  struct sim_server_config cfg = {0};
  struct node a = {0}, b = {0};
  struct client_source_report r;

  struct sim_world *w = sim_world_new(7, &start);
  assert_int_equal(sim_net_set_default(sim_world_net(w), &lan), 0);
  struct sim_platform *server_host = sim_world_add_host(w, "server", "192.0.2.10", NULL);
  a.host = sim_world_add_host(w, "a", "192.0.2.1", &ca);
  b.host = sim_world_add_host(w, "b", "192.0.2.2", &cb);
  assert_non_null(server_host);
  struct sim_server *server = sim_server_new(sim_world_sched(w), server_host, &cfg);
  assert_non_null(server);
  node_start(&a, true);
  node_start(&b, true);
  add_source(&a, "192.0.2.10", false);
  add_source(&a, "192.0.2.2", true);
  add_source(&b, "192.0.2.1", true);
  client_start(a.client);
  client_start(b.client);

  assert_int_equal(sim_world_run(w, 1200.0), 0);
  double worst = 0.0;
  for (int i = 0; i < 100; i++) {         /* the next 800 s: steady state */
    assert_int_equal(sim_world_run(w, 8.0), 0);
    worst = fmax(worst, fabs(sim_platform_offset(b.host)));
  }
  assert_true(worst < 1e-3);
  assert_true(fabs(sim_platform_offset(a.host)) < 1e-3);
  assert_int_equal(client_selected(b.client), 0);
  assert_int_equal(client_selected(a.client), 0);
  assert_int_equal(a.ref.stratum, 2);
  assert_int_equal(b.ref.stratum, 3);
  /* A hears B (it is reachable) but never samples it: B is synchronised
   * to A, so every packet of B fails the loop test. */
  report(&a, 1, &r);
  assert_true(r.peer);
  assert_int_not_equal(r.reach, 0);
  assert_int_equal(r.n_samples, 0);
  report(&b, 0, &r);
  assert_true(r.peer);
  /* Most packets are answered (a few cross in flight while the two settle
   * into chronyd's timing). */
  assert_true(__builtin_popcount(r.reach) >= 6);
  assert_true(r.valid_replies * 10 >= r.requests * 8);
  assert_true(r.n_samples >= 4);
  assert_int_equal(a.unclaimed + b.unclaimed, 0);

  client_free(a.client);
  client_free(b.client);
  sim_server_free(server);
  sim_world_free(w);
}

/* ---- a scripted peer ---- */

struct scripted {
  struct sim_world *w;
  struct node c;                   /* the client under test, 192.0.2.1 */
  struct sim_platform *peer_host;  /* 192.0.2.2, a perfect clock */
  int peer_sock;
  struct ip_addr c_addr;
  uint8_t last[NTP_HEADER_LEN];    /* the last packet the client sent */
  unsigned received;
  ntp_ts last_rx;                  /* when it arrived (peer's clock) */
};

static void on_peer_socket(void *arg, int sock, const struct plat_datagram *dg)
{
  struct scripted *f = arg;
  (void)sock;
  assert_int_equal(dg->from_port, PORT);  /* sent from the server socket */
  assert_true(dg->len >= NTP_HEADER_LEN);
  memcpy(f->last, dg->data, NTP_HEADER_LEN);
  f->last_rx = ntp_ts_from_timespec(&dg->rx_time);
  f->received++;
}

static int setup(void **state)
{
  static struct scripted f;
  struct timespec start = {.tv_sec = 1700000000};
  struct sim_link_params lan = {.delay = 100e-6, .jitter = 0.0};
  memset(&f, 0, sizeof(f));
  f.w = sim_world_new(3, &start);
  assert_int_equal(sim_net_set_default(sim_world_net(f.w), &lan), 0);
  f.c.host = sim_world_add_host(f.w, "client", "192.0.2.1", NULL);
  f.peer_host = sim_world_add_host(f.w, "peer", "192.0.2.2", NULL);
  assert_non_null(f.c.host);
  assert_non_null(f.peer_host);
  assert_true(addr_parse("192.0.2.1", &f.c_addr));
  const struct platform *p = sim_platform_get(f.peer_host);
  f.peer_sock = p->ops->udp_open(p->ctx, ADDR_INET4, NULL, PORT, on_peer_socket, &f);
  assert_true(f.peer_sock >= 0);
  node_start(&f.c, false);
  add_source(&f.c, "192.0.2.2", true);
  *state = &f;
  return 0;
}

static int teardown(void **state)
{
  struct scripted *f = *state;
  client_free(f->c.client);
  sim_world_free(f->w);
  return 0;
}

static void run(struct scripted *f, double seconds)
{
  assert_int_equal(sim_world_run(f->w, seconds), 0);
}

static ntp_ts peer_now(struct scripted *f)
{
  struct timespec now;
  const struct platform *p = sim_platform_get(f->peer_host);
  p->ops->now(p->ctx, &now);
  return ntp_ts_from_timespec(&now);
}

/* A synchronised stratum-1 peer's packet answering the client's last one. */
static struct ntp_header answer(struct scripted *f, uint8_t mode)
{
  struct ntp_header req, h;
  ntp_header_decode(f->last, &req);
  memset(&h, 0, sizeof(h));
  h.version = 4;
  h.mode = mode;
  h.stratum = 1;
  h.poll = POLL;
  h.precision = -20;
  h.refid = SIM_SERVER_REFID_GPS;
  h.reference = peer_now(f) - (1ull << 32);
  h.origin = req.transmit;
  h.receive = f->last_rx;
  h.transmit = peer_now(f);
  return h;
}

/* Send h from the peer's address, from `port`, and let it arrive. */
static void send_from(struct scripted *f, const struct ntp_header *h, uint16_t port)
{
  uint8_t buf[NTP_HEADER_LEN];
  const struct platform *p = sim_platform_get(f->peer_host);
  int sock = f->peer_sock;
  if (port != PORT)
    sock = p->ops->udp_open(p->ctx, ADDR_INET4, NULL, port, on_peer_socket, f);
  ntp_header_encode(h, buf);
  assert_int_equal(p->ops->udp_send(p->ctx, sock, NULL, &f->c_addr, PORT, buf, sizeof(buf), 0), 0);
  run(f, 0.01);
  if (sock != f->peer_sock)
    p->ops->udp_close(p->ctx, sock);
}

static void send_packet(struct scripted *f, const struct ntp_header *h)
{
  send_from(f, h, PORT);
}

static struct client_source_report source(struct scripted *f)
{
  struct client_source_report r;
  report(&f->c, 0, &r);
  return r;
}

static void test_packets_sent(void **state)
{
  struct scripted *f = *state;
  struct ntp_header h, first;
  client_start(f->c.client);
  /* The peer speaks first: its packet is no answer, but the client's
   * first packet echoes it (how the exchange starts). */
  h = answer(f, NTP_MODE_ACTIVE);
  h.origin = h.receive = 0;
  send_packet(f, &h);
  assert_int_equal(source(f).bad_replies, 1);
  run(f, 0.5);
  assert_int_equal(f->received, 1);
  ntp_header_decode(f->last, &first);
  assert_int_equal(first.mode, NTP_MODE_ACTIVE);
  assert_int_equal(first.version, 4);
  assert_int_equal(first.poll, POLL);
  assert_int_equal(first.origin, h.transmit);
  assert_int_not_equal(first.receive, 0);
  /* Unsynchronised: leap 3, stratum 0 (as chronyd sends it). */
  assert_int_equal(first.leap, NTP_LEAP_UNSYNC);
  assert_int_equal(first.stratum, 0);
  /* The transmit timestamp is the client's time, not a nonce. */
  double d = (double)(int64_t)(peer_now(f) - first.transmit) / 4294967296.0;
  assert_true(d > 0.0 && d < 0.5);

  /* Answered: the next packet (2 s later, iburst) echoes the answer. */
  struct ntp_header a = answer(f, NTP_MODE_PASSIVE);
  send_packet(f, &a);
  assert_int_equal(source(f).valid_replies, 1);
  run(f, 2.5);
  assert_int_equal(f->received, 2);
  ntp_header_decode(f->last, &h);
  assert_int_equal(h.origin, a.transmit);
  assert_int_not_equal(h.transmit, first.transmit);
}

static void test_answers(void **state)
{
  struct scripted *f = *state;
  struct ntp_header h, good;
  client_start(f->c.client);
  run(f, 0.5);
  assert_int_equal(f->received, 1);

  /* Wrong origin: nothing but a counter. */
  h = answer(f, NTP_MODE_ACTIVE);
  h.origin ^= 0x10000;
  send_packet(f, &h);
  struct client_source_report r = source(f);
  assert_int_equal(r.bad_replies, 1);
  assert_int_equal(r.valid_replies, 0);
  assert_int_equal(r.reach, 0);
  /* Not from the peer's port, or not symmetric: not the peer's at all. */
  h = answer(f, NTP_MODE_ACTIVE);
  send_from(f, &h, 4123);
  h = answer(f, NTP_MODE_CLIENT);
  send_packet(f, &h);
  h = answer(f, NTP_MODE_SERVER);
  send_packet(f, &h);
  h = answer(f, NTP_MODE_BROADCAST);
  send_packet(f, &h);
  assert_int_equal(f->c.unclaimed, 4);
  assert_int_equal(source(f).valid_replies, 0);
  /* Zero receive timestamp: no answer either. */
  h = answer(f, NTP_MODE_ACTIVE);
  h.receive = 0;
  send_packet(f, &h);
  assert_int_equal(source(f).valid_replies, 0);

  /* The answer: a sample. */
  good = answer(f, NTP_MODE_ACTIVE);
  send_packet(f, &good);
  r = source(f);
  assert_int_equal(r.valid_replies, 1);
  assert_int_equal(r.n_samples, 1);
  assert_int_equal(r.reach, 1);
  assert_int_equal(r.stratum, 1);
  assert_true(fabs(r.last_offset) < 1e-6);
  assert_true(fabs(r.last_delay - 200e-6) < 1e-6);

  /* The same packet again, and a second answer to the same packet: no
   * second sample. */
  uint64_t bad = r.bad_replies;
  send_packet(f, &good);
  h = answer(f, NTP_MODE_ACTIVE);
  send_packet(f, &h);
  r = source(f);
  assert_int_equal(r.valid_replies, 1);
  assert_int_equal(r.n_samples, 1);
  assert_int_equal(r.bad_replies, bad);
  /* A packet with a wrong origin after the answer is not echoed: the next
   * packet echoes the newest answer. */
  struct ntp_header newest = h;
  h = answer(f, NTP_MODE_ACTIVE);
  h.origin = 0;
  send_packet(f, &h);
  run(f, 2.5);
  assert_int_equal(f->received, 2);
  ntp_header_decode(f->last, &h);
  assert_int_equal(h.origin, newest.transmit);

  /* The next round's answer is a second sample. */
  good = answer(f, NTP_MODE_ACTIVE);
  send_packet(f, &good);
  r = source(f);
  assert_int_equal(r.valid_replies, 2);
  assert_int_equal(r.n_samples, 2);
  assert_int_equal(r.reach, 3);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pair_converges),
    cmocka_unit_test_setup_teardown(test_packets_sent, setup, teardown),
    cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
  };
  return cmocka_run_group_tests_name("client_peer", tests, NULL, NULL);
}
