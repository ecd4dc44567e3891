/* client: symmetric mode (peer sources) on the simulated platform.
 *
 * - Interleaved symmetric mode (xleave): the pair with xleave on both
 *   sides measures each other interleaved, with kernel transmit times that
 *   the server socket's owner passes to the client; with xleave on one side
 *   only, both stay basic and B still synchronises. A scripted peer checks
 *   the interleaved packets' fields, the pairings (crossed after a basic
 *   sample, then the previous exchange), the spoofing guards, and the
 *   backoff after basic answers (4, then 8 basic packets between tries).
 * - A pair: host A has a server and peers with B; B's only source is A.
 *   Both clocks start wrong; B converges to the true time through A, and A
 *   never takes B (synchronised to A) as a source: the loop test.
 * - A scripted peer: the test plays the peer with packets it builds, to
 *   check what a peer source sends and what it accepts: answers with the
 *   right origin become samples; duplicates, wrong origins and wrong modes
 *   change nothing but counters, and datagrams that are not a peer's
 *   symmetric packets are left to the server.
 * - With extfield F323, the scripted peer checks the field the client's
 *   packets carry (as a server's reply would) and that the one in its
 *   answers is used as a server's (root delay, monotonic correction). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/client.h"
#include "core/exchange.h"
#include "core/ntp_source.h"
#include "proto/ntp_ext.h"
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
  unsigned unclaimed_tx;           /* transmit timestamps likewise */
};

static void on_server_socket(void *arg, int sock, const struct plat_datagram *dg)
{
  struct node *n = arg;
  struct ntp_packet pkt;
  ntp_packet_parse(dg->data, dg->len, &pkt);
  if (!client_shared_receive(n->client, sock, dg, &pkt))
    n->unclaimed++;
}

static void on_server_tx(void *arg, int sock, const struct ip_addr *to, uint16_t port,
                         uint64_t tag, const struct timespec *tx_time,
                         enum plat_ts_source source)
{
  struct node *n = arg;
  if (!client_tx_timestamp(n->client, sock, to, port, tag, tx_time, source))
    n->unclaimed_tx++;
}

static void node_start(struct node *n, bool control)
{
  struct client_params p;
  const struct platform *plat = sim_platform_get(n->host);
  ref_state_init(&n->ref, -20);
  client_params_defaults(&p);
  p.control = control;
  p.makestep_threshold = 0.1;
  p.makestep_limit = 3;
  n->client = client_new(plat, &p, &n->ref);
  assert_non_null(n->client);
  n->sock = plat->ops->udp_open(plat->ctx, ADDR_INET4, NULL, PORT, on_server_socket, n);
  assert_true(n->sock >= 0);
  assert_int_equal(plat->ops->udp_tx_timestamps(plat->ctx, n->sock, on_server_tx, n), 0);
  client_set_server_socket(n->client, ADDR_INET4, n->sock, NTP_PORT, true);
}

/* ext_fields: extfield F323 and the like; they come with noselect (the
 * tests measure the source, not the clock it would steer). */
static void add_source_ef(struct node *n, const char *addr, bool peer, bool xleave,
                          unsigned ext_fields)
{
  struct client_source_params s;
  client_source_defaults(&s);
  assert_true(addr_parse(addr, &s.addr));
  s.minpoll = s.maxpoll = POLL;
  s.iburst = true;
  s.peer = peer;
  s.xleave = xleave;
  s.ext_fields = ext_fields;
  s.noselect = ext_fields != 0;
  snprintf(s.name, sizeof(s.name), "%s", addr);
  assert_true(client_add_source(n->client, &s) >= 0);
}

static void add_source_x(struct node *n, const char *addr, bool peer, bool xleave)
{
  add_source_ef(n, addr, peer, xleave, 0);
}

static void add_source(struct node *n, const char *addr, bool peer)
{
  add_source_x(n, addr, peer, false);
}

static void report(const struct node *n, unsigned i, struct client_source_report *r)
{
  assert_true(client_source_report(n->client, i, r));
}

/* A's and B's measurements of each other over the steady state. */
struct pair_counts {
  int a_seen, a_interleaved, b_seen, b_interleaved, b_kernel_tx;
  double b_worst;
};

/* Host A has a server and peers with B; B's only source is A; xleave on
 * A's and B's peer sources as given. Both clocks start wrong; run 1200 s,
 * then watch 800 s: B converges to the true time through A, and A never
 * takes B (synchronised to A) as a source: the loop test. */
static struct pair_counts run_pair(bool a_xleave, bool b_xleave)
{
  struct timespec start = {.tv_sec = 1700000000};
  struct sim_link_params lan = {.delay = 100e-6, .jitter = 20e-6};
  struct sim_clock_params ca = {.offset = 0.05, .freq = 30.0};
  struct sim_clock_params cb = {.offset = -0.3, .freq = -60.0};
  struct sim_server_config cfg = {0};
  struct node a = {0}, b = {0};
  struct client_source_report r;
  struct pair_counts n = {0};

  struct sim_world *w = sim_world_new(7, &start);
  assert_int_equal(sim_net_set_default(sim_world_net(w), &lan), 0);
  struct sim_platform *server_host = sim_world_add_host(w, "server", "192.0.2.10", NULL);
  a.host = sim_world_add_host(w, "a", "192.0.2.1", &ca);
  b.host = sim_world_add_host(w, "b", "192.0.2.2", &cb);
  struct sim_server *server = sim_server_new(sim_world_sched(w), server_host, &cfg);
  assert_non_null(server);
  node_start(&a, true);
  node_start(&b, true);
  add_source(&a, "192.0.2.10", false);
  add_source_x(&a, "192.0.2.2", true, a_xleave);
  add_source_x(&b, "192.0.2.1", true, b_xleave);
  client_start(a.client);
  client_start(b.client);
  assert_int_equal(sim_world_run(w, 1200.0), 0);
  for (int i = 0; i < 100; i++) {         /* the next 800 s: steady state */
    assert_int_equal(sim_world_run(w, 8.0), 0);
    n.b_worst = fmax(n.b_worst, fabs(sim_platform_offset(b.host)));
    report(&a, 1, &r);
    if (r.ntp->valid) {
      n.a_seen++;
      n.a_interleaved += r.ntp->m.interleaved;
    }
    report(&b, 0, &r);
    if (r.ntp->valid) {
      n.b_seen++;
      n.b_interleaved += r.ntp->m.interleaved;
      n.b_kernel_tx += r.ntp->m.tx_source == PLAT_TS_KERNEL;
    }
  }
  print_message("A %d/%d interleaved, B %d/%d interleaved (%d kernel tx), B worst %.1f us\n",
                n.a_interleaved, n.a_seen, n.b_interleaved, n.b_seen, n.b_kernel_tx,
                n.b_worst * 1e6);
  assert_true(n.b_worst < 1e-3);
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
  assert_int_equal(a.unclaimed + b.unclaimed + a.unclaimed_tx + b.unclaimed_tx, 0);
  client_free(a.client);
  client_free(b.client);
  sim_server_free(server);
  sim_world_free(w);
  return n;
}

static void test_pair_converges(void **state)
{
  (void)state;
  struct pair_counts n = run_pair(false, false);
  assert_int_equal(n.a_interleaved + n.b_interleaved, 0);
}

/* Both with xleave: the measurements in the steady state are interleaved
 * on both sides, with kernel transmit times (taken on the shared server
 * socket and passed to the peer source); B synchronises as in basic mode.
 * (Two bugs showed here: a peer's transmit time sent after the time scale
 * had moved, a poll later, made the peer's answers fail the time test, and
 * a randomness centred on the poll let A answer B a tenth of a poll late:
 * 70 and 86 of 100 interleaved.) */
static void test_pair_interleaved(void **state)
{
  (void)state;
  struct pair_counts n = run_pair(true, true);
  assert_int_equal(n.a_seen, 100);
  assert_int_equal(n.b_seen, 100);
  assert_true(n.a_interleaved >= 98);
  assert_true(n.b_interleaved >= 98);
  assert_int_equal(n.b_kernel_tx, 100);
  /* As close as in basic mode (7 us with this seed): a wrong pairing
   * showed here as 55 us. */
  assert_true(n.b_worst < 15e-6);
}

/* One side with xleave: its first interleaved packet is answered in basic
 * mode, after which it stays basic; the other side keeps getting answers
 * and synchronises. */
static void test_pair_one_side_interleaved(void **state)
{
  (void)state;
  for (int xleave_on_a = 0; xleave_on_a < 2; xleave_on_a++) {
    struct pair_counts n = run_pair(xleave_on_a, !xleave_on_a);
    assert_int_equal(n.a_interleaved + n.b_interleaved, 0);
    assert_true(n.b_seen >= 90);
    assert_true(n.b_worst < 1e-3);
  }
}

/* ---- a scripted peer ---- */

struct scripted {
  struct sim_world *w;
  struct node c;                   /* the client under test, 192.0.2.1 */
  struct sim_platform *peer_host;  /* 192.0.2.2, a perfect clock */
  int peer_sock;
  struct ip_addr c_addr;
  uint8_t last[NTP_HEADER_LEN];    /* the last packet the client sent */
  uint8_t last_whole[NTP_HEADER_LEN + 2 * NTPEXT_FIELD_LEN];   /* ...with its fields */
  size_t last_len;
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
  assert_true(dg->len <= sizeof(f->last_whole));
  memcpy(f->last_whole, dg->data, dg->len);
  f->last_len = dg->len;
  f->last_rx = ntp_ts_from_timespec(&dg->rx_time);
  f->received++;
}

#define MONO_EPOCH_BASE 55u     /* the client's F323 epoch ids start here */

static int setup_with(void **state, bool xleave, unsigned ext_fields)
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
  f.c.ref.mono_epoch_base = MONO_EPOCH_BASE;
  add_source_ef(&f.c, "192.0.2.2", true, xleave, ext_fields);
  *state = &f;
  return 0;
}

static int setup(void **state)
{
  return setup_with(state, false, 0);
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
  /* No extension field without extfield. */
  assert_int_equal(f->last_len, NTP_HEADER_LEN);
  /* Unsynchronised: leap 3, stratum 0 (as chronyd sends it). */
  assert_int_equal(first.leap, NTP_LEAP_UNSYNC);
  assert_int_equal(first.stratum, 0);
  /* The transmit timestamp is the client's time, not a nonce. */
  double d = ntp_ts_diff(peer_now(f), first.transmit);
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

/* ---- a scripted peer, interleaved ---- */

static int setup_xleave(void **state)
{
  return setup_with(state, true, 0);
}

/* Run until the client sends its next packet (bounded); return it. */
static struct ntp_header next_packet(struct scripted *f)
{
  struct ntp_header h;
  unsigned before = f->received;
  for (int i = 0; i < 80 && f->received == before; i++)
    run(f, 0.5);
  assert_int_equal(f->received, before + 1);
  ntp_header_decode(f->last, &h);
  return h;
}

/* The peer's interleaved answer to the client's last packet: origin = its
 * receive field, transmit = the peer's earlier transmit time `prev_tx`. */
static struct ntp_header interleaved_answer(struct scripted *f, ntp_ts prev_tx)
{
  struct ntp_header req, h = answer(f, NTP_MODE_ACTIVE);
  ntp_header_decode(f->last, &req);
  h.origin = req.receive;
  h.transmit = prev_tx;
  return h;
}

static void test_interleaved_packets(void **state)
{
  struct scripted *f = *state;
  client_start(f->c.client);
  struct ntp_header p1 = next_packet(f);
  assert_int_equal(p1.origin, 0);
  /* A basic answer: a sample, and the next packet goes interleaved. */
  struct ntp_header a1 = answer(f, NTP_MODE_ACTIVE);
  send_packet(f, &a1);
  assert_int_equal(source(f).n_samples, 1);
  struct ntp_header p2 = next_packet(f);
  assert_int_equal(p2.origin, a1.receive);          /* the peer's receive time of p1 */
  assert_true(fabs(ntp_ts_diff(p2.receive, a1.transmit) - 100e-6) < 1e-8);
  /* Its transmit field: when p1 left, as the (simulated) kernel took it. */
  assert_true(fabs(ntp_ts_diff(p2.transmit, p1.transmit)) < 1e-8);

  /* Packets that must not pass as the interleaved answer: origin = p2's
   * origin (anyone who saw a1 knows it), a replay of a1 (whose origin, p1's
   * transmit field, is p2's too here: the simulated kernel takes the same
   * time as the daemon); and from the wrong port (not the peer's at all). */
  struct client_source_report r = source(f);
  struct ntp_header h = interleaved_answer(f, a1.transmit);
  h.origin = p2.origin;
  send_packet(f, &h);
  send_packet(f, &a1);
  h = interleaved_answer(f, a1.transmit);
  send_from(f, &h, 4123);
  struct client_source_report r2 = source(f);
  assert_int_equal(r2.valid_replies, r.valid_replies);
  assert_int_equal(r2.n_samples, r.n_samples);
  assert_int_equal(f->c.unclaimed, 1);

  /* The interleaved answer: a1 made a sample already, so it pairs crossed
   * (p2 out, a1 back): offset 0, delay 200 us, marked interleaved. */
  h = interleaved_answer(f, a1.transmit);
  ntp_ts h_sent = peer_now(f);
  send_packet(f, &h);
  r = source(f);
  assert_int_equal(r.valid_replies, 2);
  assert_int_equal(r.n_samples, 2);
  assert_true(r.ntp->m.interleaved);
  assert_true(fabs(r.last_offset) < 1e-7);
  assert_true(fabs(r.last_delay - 200e-6) < 1e-7);
  /* A second copy: a duplicate. */
  send_packet(f, &h);
  assert_int_equal(source(f).valid_replies, 2);

  /* Next round: interleaved again, now measuring the previous exchange
   * (p2 out at p3's transmit field, h back) in full. */
  struct ntp_header p3 = next_packet(f);
  assert_int_equal(p3.origin, h.receive);
  assert_true(fabs(ntp_ts_diff(p3.transmit, p2.transmit)) > 1.0);
  struct ntp_header i3 = interleaved_answer(f, h_sent + (1ull << 32) / 1000000);
  send_packet(f, &i3);
  r = source(f);
  assert_int_equal(r.n_samples, 3);
  assert_true(r.ntp->m.interleaved);
  /* The peer says h left 1 us later than it did: half of it in the
   * offset, all of it off the delay. */
  assert_true(fabs(r.last_offset - 0.5e-6) < 1e-7);
  assert_true(fabs(r.last_delay - 199e-6) < 1e-7);
}

/* Two packets with the same receive field (nothing came from the peer
 * between them): an interleaved answer naming it may answer the earlier
 * one, so it cannot pair crossed with the later one; it is no sample (only
 * echoed), and the next packet, with a fresh receive field, is answered. */
static void test_late_interleaved_answer(void **state)
{
  struct scripted *f = *state;
  client_start(f->c.client);
  next_packet(f);
  struct ntp_header a1 = answer(f, NTP_MODE_ACTIVE);
  send_packet(f, &a1);
  struct ntp_header p2 = next_packet(f);
  ntp_ts p2_rx = f->last_rx;
  struct ntp_header p3 = next_packet(f);         /* p2 went unanswered */
  assert_int_equal(p3.receive, p2.receive);
  struct ntp_header late = interleaved_answer(f, a1.transmit);
  late.receive = p2_rx;                           /* it answers p2 */
  ntp_ts late_sent = peer_now(f);
  send_packet(f, &late);
  struct client_source_report r = source(f);
  assert_int_equal(r.valid_replies, 1);
  assert_int_equal(r.n_samples, 1);
  struct ntp_header p4 = next_packet(f);
  assert_int_not_equal(p4.receive, p3.receive);
  /* Crossed: p4 out, `late` (the packet p4 echoed) back. */
  struct ntp_header i4 = interleaved_answer(f, late_sent);
  send_packet(f, &i4);
  r = source(f);
  assert_int_equal(r.valid_replies, 2);
  assert_true(r.ntp->m.interleaved);
  assert_true(fabs(r.last_offset) < 1e-7);
  assert_true(fabs(r.last_delay - 200e-6) < 1e-7);
}

/* A peer that answers interleaved packets in basic mode (and never sent an
 * interleaved one): the answer is a valid basic sample (our packet's real
 * transmit time, not its transmit field), then 4 packets go basic, then
 * the client tries again, then 8 go basic. */
static void test_basic_peer_backoff(void **state)
{
  struct scripted *f = *state;
  client_start(f->c.client);
  next_packet(f);
  struct ntp_header a = answer(f, NTP_MODE_ACTIVE);
  send_packet(f, &a);
  int interleaved[16];
  for (int i = 0; i < 16; i++) {
    struct ntp_header p = next_packet(f);
    interleaved[i] = p.origin != a.transmit;
    a = answer(f, NTP_MODE_ACTIVE);          /* basic: origin = p's transmit field */
    send_packet(f, &a);
    struct client_source_report r = source(f);
    assert_int_equal(r.n_samples, i + 2);
    assert_false(r.ntp->m.interleaved);
    assert_true(fabs(r.last_offset) < 1e-7);
    assert_true(fabs(r.last_delay - 200e-6) < 1e-7);
  }
  const int want[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
  for (int i = 0; i < 16; i++)
    assert_int_equal(interleaved[i], want[i]);
}

/* ---- a scripted peer, extfield F323 ---- */

static int setup_mono(void **state)
{
  return setup_with(state, false, NTPEXT_FLAG_MONO_ROOT);
}

/* The F323 field of the client's last packet. */
static struct ntpext_mono_root sent_mono_root(struct scripted *f)
{
  struct ntp_packet pkt;
  struct ntpext_mono_root m;
  assert_int_equal(f->last_len, NTP_HEADER_LEN + NTPEXT_FIELD_LEN);
  ntp_packet_parse(f->last_whole, f->last_len, &pkt);
  assert_int_equal(pkt.status, NTP_PARSE_OK);
  assert_int_equal(pkt.n_ef, 1);
  assert_true(ntpext_read_mono_root(&pkt.ef[0], &m));
  return m;
}

/* The client's packets carry F323 as chronyd's: a server reply's values. */
static void test_mono_root_sent(void **state)
{
  struct scripted *f = *state;
  client_start(f->c.client);
  /* Nothing received yet: no receive time, on either scale. */
  struct ntp_header p1 = next_packet(f);
  struct ntpext_mono_root m = sent_mono_root(f);
  assert_int_equal(p1.receive, 0);
  assert_true(m.mono_receive == 0);
  assert_int_equal(m.mono_epoch, MONO_EPOCH_BASE + f->c.ref.cooking.mono_epoch);
  assert_true(fabs(m.root_delay - ntp_short_to_double(p1.root_delay)) < 1e-4);
  assert_true(fabs(m.root_dispersion - ntp_short_to_double(p1.root_dispersion)) < 1e-4);
  /* The peer's packet echoed: its receive time on the monotonic scale,
   * which leaves out our offset corrections. */
  struct ntp_header a = answer(f, NTP_MODE_ACTIVE);
  send_packet(f, &a);
  f->c.ref.cooking.mono_offset = -0.5;
  struct ntp_header p2 = next_packet(f);
  m = sent_mono_root(f);
  assert_int_not_equal(p2.receive, 0);
  assert_true(fabs(ntp_ts_diff(m.mono_receive, p2.receive) + 0.5) < 1e-9);
}

/* The peer's packet h with F323: root delay 1 ms (the header's is 1 s),
 * epoch 9, the monotonic receive time given. */
static void send_mono(struct scripted *f, struct ntp_header *h, ntp_ts mono_rx)
{
  const struct ntpext_mono_root m = {.root_delay = 1e-3, .mono_receive = mono_rx, .mono_epoch = 9};
  uint8_t buf[NTP_HEADER_LEN + NTPEXT_FIELD_LEN];
  h->root_delay = ntp_short_from_double(1.0);
  size_t len = exch_build_ext_packet(buf, sizeof(buf), h, NTPEXT_FLAG_MONO_ROOT, &m, 0, NULL);
  const struct platform *p = sim_platform_get(f->peer_host);
  assert_int_equal(p->ops->udp_send(p->ctx, f->peer_sock, NULL, &f->c_addr, PORT, buf, len, 0), 0);
  run(f, 0.01);
}

/* The peer's answers carry F323; its clock is corrected by +1 s from the
 * 6th answer on, its monotonic scale not: as from a server, the older
 * samples move with it, so the statistics' line goes through +1 s with a
 * frequency near 0. The field's root delay replaces the header's (1 s). */
static void test_mono_root_used(void **state)
{
  struct scripted *f = *state;
  const int n = 7, jump = 5;
  client_start(f->c.client);
  for (int i = 0; i < n; i++) {
    next_packet(f);
    struct ntp_header a = answer(f, NTP_MODE_ACTIVE);
    ntp_ts mono_rx = a.receive;
    if (i >= jump) {
      a.receive += 1ull << 32;
      a.transmit += 1ull << 32;
    }
    send_mono(f, &a, mono_rx);
  }
  struct client_source_report r = source(f);
  assert_int_equal(r.n_samples, n);
  assert_true(fabs(r.ntp->m.root_delay - 1e-3) < 1e-6);
  assert_true(fabs(r.stats.frequency) < 1e-6);
  assert_true(fabs(r.stats.offset - 1.0) < 1e-3);
}

static int setup_xleave_mono(void **state)
{
  return setup_with(state, true, NTPEXT_FLAG_MONO_ROOT);
}

/* Interleaved: the peer corrects its clock by +1 s between its basic answer
 * and its interleaved one, whose transmit time (the basic answer's) was
 * taken before the correction: as chronyd, the F323 correction moves it,
 * so the crossed pairing (our second packet out, the basic answer back)
 * measures the peer's new time and the real delay. */
static void test_mono_root_interleaved(void **state)
{
  struct scripted *f = *state;
  client_start(f->c.client);
  next_packet(f);
  struct ntp_header a1 = answer(f, NTP_MODE_ACTIVE);
  send_mono(f, &a1, a1.receive);
  assert_int_equal(source(f).n_samples, 1);
  next_packet(f);
  struct ntp_header h = interleaved_answer(f, a1.transmit);
  ntp_ts mono_rx = h.receive;
  h.receive += 1ull << 32;
  send_mono(f, &h, mono_rx);
  struct client_source_report r = source(f);
  assert_int_equal(r.n_samples, 2);
  assert_true(r.ntp->m.interleaved);
  assert_true(fabs(r.last_offset - 1.0) < 1e-6);
  assert_true(fabs(r.last_delay - 200e-6) < 1e-6);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pair_converges),
    cmocka_unit_test(test_pair_interleaved),
    cmocka_unit_test(test_pair_one_side_interleaved),
    cmocka_unit_test_setup_teardown(test_packets_sent, setup, teardown),
    cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
    cmocka_unit_test_setup_teardown(test_interleaved_packets, setup_xleave, teardown),
    cmocka_unit_test_setup_teardown(test_late_interleaved_answer, setup_xleave, teardown),
    cmocka_unit_test_setup_teardown(test_basic_peer_backoff, setup_xleave, teardown),
    cmocka_unit_test_setup_teardown(test_mono_root_sent, setup_mono, teardown),
    cmocka_unit_test_setup_teardown(test_mono_root_used, setup_mono, teardown),
    cmocka_unit_test_setup_teardown(test_mono_root_interleaved, setup_xleave_mono, teardown),
  };
  return cmocka_run_group_tests_name("client_peer", tests, NULL, NULL);
}
