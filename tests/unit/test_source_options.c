/* Source options on the simulator: presend (chrony's warm-up request),
 * filter (chrony's median filter), maxdelayquant, copy and the
 * acquisitionport directive.
 *
 * A relay written here sits in front of a simulated server: it records
 * when each request arrived and from which port, forwards it, and can
 * tamper with the replies it forwards back (move the server's clock by
 * 1 s in some of them) or have a third host send a copy of them first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/client.h"
#include "core/ntp_source.h"
#include "proto/ntp_ext.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

#define MAX_REQS 512
#define ACQ_PORT 1123

struct req {
  double t;
  struct ip_addr from;
  uint16_t port;
  uint8_t xmt[8];
};

struct relay {
  struct sim_world *w;
  const struct platform *plat;
  int front, back;
  struct ip_addr upstream;
  bool skew_presends;            /* 1 s off in replies to requests 1, 3, 5... */
  unsigned unsync_from;          /* replies from this one on say leap 3 (0: none) */
  unsigned replies;
  unsigned jump_from;            /* 0: none; else replies to this request and
                                    later: the server's time 1 s ahead (not
                                    its monotonic time) and 1 s of root delay
                                    in the header (not in an F323 field) */
  const struct platform *spoofer;  /* NULL: none; else sends a copy first */
  int spoof_sock;
  struct req reqs[MAX_REQS];
  unsigned n;
};

static void ignore(void *arg, int sock, const struct plat_datagram *dg)
{
  (void)arg, (void)sock, (void)dg;
}

static void on_front(void *arg, int sock, const struct plat_datagram *dg)
{
  struct relay *r = arg;
  uint8_t buf[128];
  (void)sock;
  if (dg->len < 48 || dg->len > sizeof(buf) || r->n == MAX_REQS)
    return;
  struct req *q = &r->reqs[r->n++];
  q->t = sim_world_elapsed(r->w);
  q->from = dg->from;
  q->port = dg->from_port;
  memcpy(q->xmt, dg->data + 40, 8);
  memcpy(buf, dg->data, dg->len);
  r->plat->ops->udp_send(r->plat->ctx, r->back, NULL, &r->upstream, 123, buf, dg->len, 0);
}

static void add_second(uint8_t *ts)
{
  for (int i = 3; i >= 0 && ++ts[i] == 0; i--)
    ;
}

static void on_back(void *arg, int sock, const struct plat_datagram *dg)
{
  struct relay *r = arg;
  uint8_t buf[128];
  (void)sock;
  if (dg->len < 48 || dg->len > sizeof(buf))
    return;
  for (unsigned i = r->n; i-- > 0;) {
    const struct req *q = &r->reqs[i];
    if (memcmp(q->xmt, dg->data + 24, 8) != 0)
      continue;
    memcpy(buf, dg->data, dg->len);
    if (r->unsync_from && ++r->replies >= r->unsync_from)
      buf[0] |= 0xc0;
    if (r->skew_presends && i % 2 == 0) {
      add_second(buf + 32);
      add_second(buf + 40);
    }
    if (r->jump_from && i >= r->jump_from) {
      add_second(buf + 32);
      add_second(buf + 40);
      memcpy(buf + 4, "\x00\x01\x00\x00", 4);
    }
    if (r->spoofer) {
      uint8_t copy[128];
      memcpy(copy, buf, dg->len);
      r->spoofer->ops->udp_send(r->spoofer->ctx, r->spoof_sock, NULL, &q->from, q->port, copy,
                                dg->len, 0);
    }
    r->plat->ops->udp_send(r->plat->ctx, r->front, NULL, &q->from, q->port, buf, dg->len, 0);
    return;
  }
}

static void relay_init(struct relay *r, struct sim_world *w, struct sim_platform *host,
                       const struct ip_addr *upstream)
{
  memset(r, 0, sizeof(*r));
  r->w = w;
  r->plat = sim_platform_get(host);
  r->upstream = *upstream;
  r->front = r->plat->ops->udp_open(r->plat->ctx, ADDR_INET4, NULL, 123, on_front, r);
  r->back = r->plat->ops->udp_open(r->plat->ctx, ADDR_INET4, NULL, 0, on_back, r);
  r->spoof_sock = -1;
  assert_true(r->front >= 0 && r->back >= 0);
}

static void relay_spoof_from(struct relay *r, struct sim_platform *host)
{
  r->spoofer = sim_platform_get(host);
  r->spoof_sock = r->spoofer->ops->udp_open(r->spoofer->ctx, ADDR_INET4, NULL, 123, ignore, NULL);
  assert_true(r->spoof_sock >= 0);
}

/* client 192.0.2.1, relays 192.0.2.11 and .12, server 192.0.2.21, the
 * spoofer 192.0.2.66. */
struct net {
  struct sim_world *w;
  struct sim_platform *client, *relays[2], *server_host, *spoofer;
  struct sim_server *server;
  struct relay relay[2];
  struct ip_addr relay_addr[2], server_addr;
};

static void net_init(struct net *n, double jitter)
{
  struct timespec start = {.tv_sec = 1700000000};
  struct sim_link_params lan = {.delay = 100e-6, .jitter = jitter};
  struct sim_server_config cfg = {0};
  memset(n, 0, sizeof(*n));
  n->w = sim_world_new(7, &start);
  assert_int_equal(sim_net_set_default(sim_world_net(n->w), &lan), 0);
  n->client = sim_world_add_host(n->w, "client", "192.0.2.1", NULL);
  n->relays[0] = sim_world_add_host(n->w, "relay0", "192.0.2.11", NULL);
  n->relays[1] = sim_world_add_host(n->w, "relay1", "192.0.2.12", NULL);
  n->server_host = sim_world_add_host(n->w, "server", "192.0.2.21", NULL);
  n->spoofer = sim_world_add_host(n->w, "spoofer", "192.0.2.66", NULL);
  assert_non_null(n->spoofer);
  n->server = sim_server_new(sim_world_sched(n->w), n->server_host, &cfg);
  assert_non_null(n->server);
  assert_true(addr_parse("192.0.2.11", &n->relay_addr[0]));
  assert_true(addr_parse("192.0.2.12", &n->relay_addr[1]));
  assert_true(addr_parse("192.0.2.21", &n->server_addr));
  for (int i = 0; i < 2; i++)
    relay_init(&n->relay[i], n->w, n->relays[i], &n->server_addr);
}

static void net_free(struct net *n)
{
  sim_server_free(n->server);
  sim_world_free(n->w);
}

/* ---- one source driven directly (nsrc) ---- */

struct run {
  unsigned samples;
  double max_abs_offset;          /* of the replies that became samples */
  double offsets[MAX_REQS];       /* of the statistics' samples */
};

static void on_source_update(void *arg, struct nsrc *src, bool new_sample)
{
  struct run *r = arg;
  if (!new_sample)
    return;
  r->max_abs_offset = fmax(r->max_abs_offset, fabs(src->last_offset));
  if (r->samples < MAX_REQS)
    r->offsets[r->samples] = src->stats.ring[src->stats.last].orig_offset;
  r->samples++;
}

static void run_source(struct net *n, const struct client_source_params *p, double seconds,
                       struct run *out, struct nsrc *src)
{
  struct discipline disc;
  struct tclass cls;
  const struct platform *plat = sim_platform_get(n->client);
  memset(out, 0, sizeof(*out));
  disc_init(&disc, plat, false, true, 0.0, 83333.333, 500000.0);
  tclass_init(&cls, plat, &disc);
  nsrc_init(src, p, plat, NULL, &disc, &cls, on_source_update, out);
  nsrc_start(src);
  assert_int_equal(sim_world_run(n->w, seconds), 0);
  nsrc_fini(src);
  disc_fini(&disc);
}

static void params(struct client_source_params *p, const struct ip_addr *addr, int poll)
{
  client_source_defaults(p);
  p->addr = *addr;
  p->minpoll = p->maxpoll = poll;
}

/* An interval between requests: the one wanted, lengthened by up to the 2 %
 * of randomness (as chrony, never shortened), give or take 0.1 %. */
static bool near(double x, double want)
{
  return x >= 0.999 * want && x <= 1.021 * want;
}

/* presend 4 at poll 4: each request is preceded by one 2 s earlier. Its
 * reply (1 s off here) counts for reachability, as in chrony, but no
 * sample comes from it. */
static void test_presend_once_before_each_poll(void **state)
{
  (void)state;
  struct net n;
  struct run r;
  struct nsrc src;
  struct client_source_params p;
  net_init(&n, 10e-6);
  n.relay[0].skew_presends = true;
  params(&p, &n.relay_addr[0], 4);
  p.presend = 4;
  run_source(&n, &p, 190.0, &r, &src);

  unsigned k = n.relay[0].n;
  assert_int_equal(k % 2, 0);
  assert_true(k >= 20);
  for (unsigned i = 1; i < k; i++) {
    double gap = n.relay[0].reqs[i].t - n.relay[0].reqs[i - 1].t;
    if (!near(gap, i % 2 ? 2.0 : 16.0))
      fail_msg("gap %u is %.3f s", i, gap);
  }
  assert_int_equal(src.counters[NSRC_TX], k);
  assert_int_equal(src.counters[NSRC_RX_VALID], k);
  assert_int_equal(r.samples, k / 2);
  assert_true(r.max_abs_offset < 1e-3);
  assert_int_equal(sst_samples(&src.stats), k / 2);
  assert_int_equal(src.reach, 0xff);
  net_free(&n);
}

/* Below the presend poll nothing extra is sent; and the skewed replies
 * would show if they were used (the test above could fail). */
static void test_no_presend_below_its_poll(void **state)
{
  (void)state;
  struct net n;
  struct run r;
  struct nsrc src;
  struct client_source_params p;
  net_init(&n, 10e-6);
  n.relay[0].skew_presends = true;
  params(&p, &n.relay_addr[0], 4);
  p.presend = 5;
  run_source(&n, &p, 190.0, &r, &src);

  unsigned k = n.relay[0].n;
  assert_true(k >= 10);
  for (unsigned i = 1; i < k; i++)
    assert_true(near(n.relay[0].reqs[i].t - n.relay[0].reqs[i - 1].t, 16.0));
  assert_int_equal(r.samples, k);
  assert_true(r.max_abs_offset > 0.9);
  net_free(&n);
}

static double std_dev(const double *x, unsigned n)
{
  double mean = 0.0, var = 0.0;
  for (unsigned i = 0; i < n; i++)
    mean += x[i] / n;
  for (unsigned i = 0; i < n; i++)
    var += (x[i] - mean) * (x[i] - mean) / (n - 1);
  return sqrt(var);
}

/* filter 8 on a jittery link: one sample per 8 replies, less noise. */
static void test_filter_one_sample_per_n_replies(void **state)
{
  (void)state;
  struct run raw, filtered;
  struct nsrc src;
  struct client_source_params p;
  struct net n;
  double sd[2];
  for (int f = 0; f < 2; f++) {
    struct run *r = f ? &filtered : &raw;
    net_init(&n, 2e-3);
    params(&p, &n.server_addr, 0);
    p.maxdelaydevratio = 1e9;   /* keep every reply, whatever its delay */
    p.filter = f ? 8 : 0;
    run_source(&n, &p, 800.5, r, &src);
    uint64_t valid = src.counters[NSRC_RX_VALID];
    assert_true(valid >= 780);
    assert_int_equal(r->samples, f ? valid / 8 : valid);
    sd[f] = std_dev(r->offsets + 1, (r->samples < MAX_REQS ? r->samples : MAX_REQS) - 1);
    net_free(&n);
  }
  print_message("offset sd: filter 0 %.1f us, filter 8 %.1f us\n", sd[0] * 1e6, sd[1] * 1e6);
  assert_true(sd[1] < 0.5 * sd[0]);
}

/* filter 4 with half the replies over maxdelay: as chrony, every exchange
 * counts, so a sample comes every 4 exchanges (from the replies that
 * passed among them), not every 4 good replies. */
static void test_filter_counts_rejected_replies(void **state)
{
  (void)state;
  struct run r;
  struct nsrc src;
  struct client_source_params p;
  struct net n;
  net_init(&n, 100e-6);
  params(&p, &n.server_addr, 0);
  p.filter = 4;
  p.maxdelay = 330e-6;
  run_source(&n, &p, 400.5, &r, &src);
  double valid = (double)src.counters[NSRC_RX_VALID];
  double good = (double)src.counters[NSRC_RX_GOOD];
  print_message("%.0f replies, %.0f good, %u samples\n", valid, good, r.samples);
  assert_true(valid >= 390 && good < 0.8 * valid && good > 0.2 * valid);
  assert_true(r.samples <= valid / 4);
  assert_true(r.samples >= 0.8 * valid / 4);
  net_free(&n);
}

/* burst (chrony's): with only every third request reaching the server, a
 * burst at each poll above minpoll, 2 s apart, gets a sample at most polls;
 * without it two polls in three give nothing. */
static void test_burst_gets_a_sample_per_poll(void **state)
{
  (void)state;
  unsigned good[2];
  for (int burst = 0; burst < 2; burst++) {
    struct net n;
    struct run r;
    struct nsrc src;
    struct client_source_params p;
    struct sim_link_params every3 = {.delay = 100e-6, .jitter = 10e-6, .pass_every = 3};
    net_init(&n, 10e-6);
    assert_int_equal(sim_net_set_link(sim_world_net(n.w), sim_platform_node(n.client),
                                      sim_platform_node(n.server_host), &every3),
                     0);
    params(&p, &n.server_addr, 4);
    p.minpoll = 2;
    p.polltarget = 1;
    p.burst = burst;
    run_source(&n, &p, 1600.5, &r, &src);
    good[burst] = (unsigned)src.counters[NSRC_RX_GOOD];
    print_message("burst %d: poll %d, %u requests, %u samples\n", burst, src.poll,
                  (unsigned)src.counters[NSRC_TX], good[burst]);
    assert_int_equal(src.poll, 4);
    net_free(&n);
  }
  assert_true(good[0] <= 1600 / 16 / 3 + 5);   /* polls 2 and 3 at first */
  assert_true(good[1] > 2 * good[0]);
}

/* maxdelayquant P: test C keeps the replies whose delay is within the
 * long-term P quantile: about a fraction P of them once the estimate has
 * settled (the second half of the run; it starts at the first delay). */
static void test_maxdelayquant_keeps_its_quantile(void **state)
{
  (void)state;
  static const double quant[] = {0.1, 0.5, 0.9};
  for (unsigned i = 0; i < sizeof(quant) / sizeof(quant[0]); i++) {
    struct net n;
    struct run r = {0};
    struct nsrc src;
    struct client_source_params p;
    struct discipline disc;
    struct tclass cls;
    net_init(&n, 10e-6);
    const struct platform *plat = sim_platform_get(n.client);
    params(&p, &n.server_addr, 0);
    p.maxdelayquant = quant[i];
    disc_init(&disc, plat, false, true, 0.0, 83333.333, 500000.0);
    tclass_init(&cls, plat, &disc);
    nsrc_init(&src, &p, plat, NULL, &disc, &cls, on_source_update, &r);
    src.stats.precision = ldexp(1.0, -20);   /* as the client sets it */
    nsrc_start(&src);
    assert_int_equal(sim_world_run(n.w, 1000.5), 0);
    uint64_t valid0 = src.counters[NSRC_RX_VALID], good0 = src.counters[NSRC_RX_GOOD];
    assert_int_equal(sim_world_run(n.w, 1000.0), 0);
    double valid = (double)(src.counters[NSRC_RX_VALID] - valid0);
    double good = (double)(src.counters[NSRC_RX_GOOD] - good0);
    print_message("maxdelayquant %.1f: %.0f of %.0f replies kept, quantile %.1f us\n",
                  quant[i], good, valid, qnt_get(&src.delay_quant, src.delay_quant_k) * 1e6);
    assert_true(valid >= 950);
    assert_true(src.counters[NSRC_RX_DELAY] + src.counters[NSRC_RX_GOOD] ==
                src.counters[NSRC_RX_VALID]);
    assert_true(fabs(good / valid - quant[i]) < 0.05);
    assert_int_equal(src.delay_quant_k, (int)lround(quant[i] * 100));
    nsrc_fini(&src);
    disc_fini(&disc);
    net_free(&n);
  }
}

/* The default (maxdelaydevratio 10) keeps nearly everything there. */
static void test_no_maxdelayquant_keeps_most(void **state)
{
  (void)state;
  struct run r;
  struct nsrc src;
  struct client_source_params p;
  struct net n;
  net_init(&n, 1e-3);
  params(&p, &n.server_addr, 0);
  run_source(&n, &p, 500.5, &r, &src);
  assert_true(src.counters[NSRC_RX_GOOD] > 0.9 * src.counters[NSRC_RX_VALID]);
  net_free(&n);
}

/* copy: the server's stratum and refid become the source's (through a
 * relay: the refid is then not the address we send to); without it the
 * source is one stratum further and named by its address. */
static void test_copy_takes_stratum_and_refid(void **state)
{
  (void)state;
  for (int copy = 0; copy < 2; copy++) {
    struct net n;
    struct run r;
    struct nsrc src;
    struct client_source_params p;
    net_init(&n, 10e-6);
    params(&p, &n.relay_addr[0], 4);
    p.copy = copy;
    run_source(&n, &p, 200.0, &r, &src);
    assert_true(r.samples >= 5);
    assert_int_equal(src.stratum, copy ? 0 : 1);   /* the server is stratum 1 */
    assert_int_equal(nsrc_reference_id(&src),
                     copy ? SIM_SERVER_REFID_GPS : addr_refid(&n.relay_addr[0]));
    net_free(&n);
  }
}

/* A peer is never a copy (chronyd: client mode only). */
static void test_copy_not_for_peers(void **state)
{
  (void)state;
  struct client_source_params p;
  struct nsrc src;
  struct ip_addr a;
  assert_true(addr_parse("192.0.2.5", &a));
  params(&p, &a, 4);
  p.copy = true;
  p.peer = true;
  memset(&src, 0, sizeof(src));
  src.p = p;
  src.refid = SIM_SERVER_REFID_GPS;
  assert_int_equal(nsrc_reference_id(&src), addr_refid(&a));
}

/* A server we copy that loses its synchronisation: the source starts
 * again (no samples, unreachable, and as chronyd's SRC_ResetInstance its
 * reachability register counts no request from before: at most the one
 * still unanswered); without copy its samples stay. */
static void test_copy_unsynchronised_resets(void **state)
{
  (void)state;
  for (int copy = 0; copy < 2; copy++) {
    struct net n;
    struct run r;
    struct nsrc src;
    struct client_source_params p;
    net_init(&n, 10e-6);
    n.relay[0].unsync_from = 8;
    params(&p, &n.relay_addr[0], 4);
    p.copy = copy;
    run_source(&n, &p, 200.0, &r, &src);
    assert_int_equal(r.samples, 7);
    assert_true(src.counters[NSRC_RX_UNSYNC] >= 3);
    assert_int_equal(sst_samples(&src.stats), copy ? 0 : 7);
    assert_int_equal(src.reach == 0, copy);
    assert_true(copy ? nsrc_reach_size(&src) <= 1 : nsrc_reach_size(&src) == SEL_REACH_BITS);
    /* each one an answer, as chronyd: no reply missed */
    assert_int_equal(src.unreachable_run, 0);
    net_free(&n);
  }
}

/* ---- the client with acquisitionport ---- */

struct client_run {
  struct refstate ref;
  struct client *c;
};

static void start_client(struct net *n, struct client_run *cr, int acquisitionport)
{
  struct client_params cp;
  struct client_source_params p;
  client_params_defaults(&cp);
  cp.control = false;
  cp.acquisitionport = acquisitionport;
  ref_state_init(&cr->ref, -20);
  cr->c = client_new(sim_platform_get(n->client), &cp, &cr->ref);
  assert_non_null(cr->c);
  for (int i = 0; i < 2; i++) {
    params(&p, &n->relay_addr[i], 4);
    assert_int_equal(client_add_source(cr->c, &p), i);
  }
  client_start(cr->c);
  assert_int_equal(sim_world_run(n->w, 200.0), 0);
}

/* Every request leaves from the acquisition port; both sources get their
 * samples; copies of relay 0's replies sent first from another address to
 * that port, from port 123 too, reach no source. */
static void test_acquisitionport(void **state)
{
  (void)state;
  struct net n;
  struct client_run cr;
  struct sim_link_params fast = {.delay = 10e-6};
  net_init(&n, 10e-6);
  relay_spoof_from(&n.relay[0], n.spoofer);
  assert_int_equal(sim_world_set_path(n.w, n.spoofer, n.client, &fast), 0);
  start_client(&n, &cr, ACQ_PORT);

  for (int i = 0; i < 2; i++) {
    struct client_source_report rep;
    assert_true(n.relay[i].n >= 10);
    for (unsigned k = 0; k < n.relay[i].n; k++)
      assert_int_equal(n.relay[i].reqs[k].port, ACQ_PORT);
    assert_true(client_source_report(cr.c, (unsigned)i, &rep));
    assert_true(rep.n_samples >= 10);
    assert_true(rep.valid_replies >= n.relay[i].n - 1);
    assert_int_equal(rep.bad_replies, 0);
  }
  assert_true(client_selected(cr.c) >= 0);
  client_free(cr.c);
  net_free(&n);
}

/* Without it, each request has a port of its own. */
static void test_no_acquisitionport_fresh_ports(void **state)
{
  (void)state;
  struct net n;
  struct client_run cr;
  net_init(&n, 10e-6);
  start_client(&n, &cr, -1);
  const struct relay *r = &n.relay[0];
  unsigned distinct = 0;
  for (unsigned k = 1; k < r->n; k++)
    distinct += r->reqs[k].port != r->reqs[k - 1].port;
  assert_true(distinct >= r->n / 2);
  client_free(cr.c);
  net_free(&n);
}

/* extfield F323 (chronyd's monotonic root field): the sim server answers
 * it; its clock corrected by 1 s from the 9th reply on (its monotonic
 * scale not), the older samples move with it, so the statistics' line
 * goes through +1 s at once with a frequency near 0, while without the
 * field it is bent by the jump. The field's root delay replaces the
 * header's (1 s there). */
static void test_extfield_mono_root(void **state)
{
  (void)state;
  double freq[2], predicted[2], root_delay[2];
  for (int with = 0; with < 2; with++) {
    struct net n;
    struct run r;
    struct nsrc src;
    struct client_source_params p;
    net_init(&n, 0.0);
    n.relay[0].jump_from = 8;
    params(&p, &n.relay_addr[0], 4);
    p.ext_fields = with ? NTPEXT_FLAG_MONO_ROOT : 0;
    run_source(&n, &p, 16.0 * 10 + 8.0, &r, &src);
    /* every reply a sample, at least two after the jump */
    assert_int_equal(r.samples, n.relay[0].n);
    assert_true(r.samples >= n.relay[0].jump_from + 2);
    struct timespec now;
    sim_platform_get(n.client)->ops->now(sim_platform_get(n.client)->ctx, &now);
    struct sst_tracking tr;
    assert_true(sst_get_tracking_data(&src.stats, &now, &tr));
    freq[with] = tr.frequency;
    predicted[with] = sst_predict_offset(&src.stats, &now);
    root_delay[with] = src.root_delay;
    net_free(&n);
  }
  assert_true(fabs(freq[1]) < 1e-6 && fabs(predicted[1] - 1.0) < 1e-3);
  assert_true(root_delay[1] < 0.01);
  assert_true(fabs(freq[0]) > 1e-4 || fabs(predicted[0] - 1.0) > 0.01);
  assert_true(root_delay[0] == 1.0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_presend_once_before_each_poll),
    cmocka_unit_test(test_no_presend_below_its_poll),
    cmocka_unit_test(test_filter_one_sample_per_n_replies),
    cmocka_unit_test(test_filter_counts_rejected_replies),
    cmocka_unit_test(test_burst_gets_a_sample_per_poll),
    cmocka_unit_test(test_maxdelayquant_keeps_its_quantile),
    cmocka_unit_test(test_no_maxdelayquant_keeps_most),
    cmocka_unit_test(test_copy_takes_stratum_and_refid),
    cmocka_unit_test(test_copy_not_for_peers),
    cmocka_unit_test(test_copy_unsynchronised_resets),
    cmocka_unit_test(test_acquisitionport),
    cmocka_unit_test(test_no_acquisitionport_fresh_ports),
    cmocka_unit_test(test_extfield_mono_root),
  };
  return cmocka_run_group_tests_name("source_options", tests, NULL, NULL);
}
