/* client: interleaved mode (the xleave option, RFC 9769) on the simulated
 * platform. What it proves:
 *
 * - End to end: a client whose one source has xleave, against a simulated
 *   server running the real responder with a client log (sim_server's
 *   xleave): the first exchange is basic, every later reply is interleaved
 *   (server and client agree on the count), the transmit timestamps are
 *   the kernel's, and the clock synchronises. After one lost reply the
 *   server answers once in basic mode, then interleaved again. The same
 *   source without xleave is never interleaved; the xleave source against
 *   a server without a client log keeps working in basic mode.
 * - A scripted server (replies built here, chosen timestamps; the client
 *   clock is CLIENT_OFFSET ahead and does not drift; every link is
 *   LINK_DELAY long): an interleaved reply's sample is the previous
 *   exchange's (T1 and T4 of that exchange, T2 = the previous reply's
 *   receive timestamp, T3 = the interleaved reply's transmit timestamp),
 *   exact figures checked, also across a clock step between the two.
 * - The spoofing and pivot guards: replies whose origin is the request's
 *   origin field (the server's previous receive time, which anyone who saw
 *   the previous reply knows), the previous request's nonce, a replayed
 *   reply, an "interleaved" reply to a basic request, an interleaved reply
 *   whose receive and transmit timestamps are both the last one's
 *   (chronyd's test 1; basic replies too), and a second copy of an
 *   interleaved reply: counted (bad or duplicate), no sample, and the real
 *   reply that follows is still taken.
 * - The requests: data-minimised (origin = receive = 0) until a valid
 *   reply, and always without xleave; then origin = the last valid reply's
 *   receive timestamp and receive = when it arrived (which an interleaved
 *   reply must echo as its origin).
 *
 * Three tests guard against two bugs found here: the exchange to measure
 * saved after the sample had moved the time scale (the clock oscillated),
 * and a basic exchange sampled again by the next interleaved reply (same
 * sample time: the statistics were reset). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/client.h"
#include "core/discipline.h"
#include "core/ntp_source.h"
#include "proto/ntp_packet.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

#define SEED 9769u
#define START_TIME 1700000000
#define CLIENT_ADDR "192.0.2.100"
#define SERVER_ADDR "192.0.2.1"
#define POLL 4
#define LINK_DELAY 100e-6           /* s, each way */
#define CLIENT_OFFSET 0.25          /* s: the scripted tests' client clock is ahead */
#define TX_EARLIER 20e-6            /* s: the "kernel" transmit time of a reply
                                       before the one it carried */
#define EPS 1e-8                    /* s: NTP timestamp rounding, with margin */
#define E2E_SETTLE 400.0            /* s of the end-to-end runs, then... */
#define E2E_STEADY 200.0            /* s watched: the steady state */

#define LOSS_FROM 305.0             /* s: the server's replies are lost from... */
#define LOSS_TO 320.0               /* ...to (less than a poll: one reply) */

/* ------------------------------------------------ end to end (sim_server) */

struct e2e {
  unsigned n_meas, n_interleaved;
  bool first_interleaved;
  unsigned kernel_tx;             /* measurements with the kernel's transmit time */
  struct client_source_report rep;
  struct nsrc_ntp_data ntp;       /* rep.ntp points here (the source is gone) */
  struct srv_stats srv;
  bool synchronised;
  int selected;
  double worst;                   /* the client clock's largest true error in
                                     the last E2E_STEADY seconds */
  unsigned samples_before_loss;   /* the source's, just before LOSS_FROM */
};

static void on_measurement(void *arg, const struct client_log_measurement *m)
{
  struct e2e *e = arg;
  if (e->n_meas == 0)
    e->first_interleaved = m->interleaved;
  e->n_meas++;
  e->n_interleaved += m->interleaved;
  e->kernel_tx += m->tx_source == PLAT_TS_KERNEL;
}

/* With lose_reply, the server's replies are lost in [LOSS_FROM, LOSS_TO). */
static void run_e2e_loss(bool server_xleave, bool source_xleave, bool lose_reply,
                         struct e2e *e)
{
  struct timespec start = {.tv_sec = START_TIME};
  struct sim_link_params lan = {.delay = LINK_DELAY, .jitter = 10e-6};
  struct sim_clock_params clock = {.offset = 0.05, .freq = 20.0};
  struct sim_server_config cfg = {.xleave = server_xleave};
  struct client_params p;
  struct client_source_params s;
  struct refstate ref;

  memset(e, 0, sizeof(*e));
  struct sim_world *w = sim_world_new(SEED, &start);
  assert_non_null(w);
  assert_int_equal(sim_net_set_default(sim_world_net(w), &lan), 0);
  struct sim_platform *server_host = sim_world_add_host(w, "server", SERVER_ADDR, NULL);
  struct sim_platform *client_host = sim_world_add_host(w, "client", CLIENT_ADDR, &clock);
  assert_non_null(server_host);
  assert_non_null(client_host);
  struct sim_server *server = sim_server_new(sim_world_sched(w), server_host, &cfg);
  assert_non_null(server);
  sim_time t0 = sim_sched_start(sim_world_sched(w));
  if (lose_reply)
    assert_int_equal(sim_net_add_outage(sim_world_net(w), sim_platform_node(server_host),
                                        sim_platform_node(client_host), t0 + sim_ns(LOSS_FROM),
                                        t0 + sim_ns(LOSS_TO)), 0);

  ref_state_init(&ref, -20);
  client_params_defaults(&p);
  p.makestep_threshold = 0.1;
  p.makestep_limit = 3;
  p.log.measurement = on_measurement;
  p.log.arg = e;
  struct client *c = client_new(sim_platform_get(client_host), &p, &ref);
  assert_non_null(c);
  client_source_defaults(&s);
  assert_true(addr_parse(SERVER_ADDR, &s.addr));
  snprintf(s.name, sizeof(s.name), "%s", SERVER_ADDR);
  s.minpoll = s.maxpoll = POLL;
  s.iburst = true;
  s.xleave = source_xleave;
  assert_int_equal(client_add_source(c, &s), 0);
  client_start(c);
  assert_int_equal(sim_world_run(w, LOSS_FROM), 0);
  assert_true(client_source_report(c, 0, &e->rep));
  e->samples_before_loss = e->rep.n_samples;
  assert_int_equal(sim_world_run(w, E2E_SETTLE - LOSS_FROM), 0);
  for (double t = 0.0; t < E2E_STEADY; t += 8.0) {
    assert_int_equal(sim_world_run(w, 8.0), 0);
    e->worst = fmax(e->worst, fabs(sim_platform_offset(client_host)));
  }

  assert_true(client_source_report(c, 0, &e->rep));
  assert_non_null(e->rep.ntp);
  e->ntp = *e->rep.ntp;
  e->rep.ntp = &e->ntp;
  e->srv = *sim_server_stats(server);
  e->synchronised = ref_ever_synchronised(client_reference(c));
  e->selected = client_selected(c);
  client_free(c);
  sim_server_free(server);
  sim_world_free(w);
}

static void run_e2e(bool server_xleave, bool source_xleave, struct e2e *e)
{
  run_e2e_loss(server_xleave, source_xleave, false, e);
}

/* Every request answered, every answer a measurement. */
static void assert_answered(const struct e2e *e)
{
  assert_int_equal(e->rep.bad_replies, 0);
  /* 5 at iburst (2 s apart, until 4 samples), then one every 16 s: 41
   * in 600 s, give or take the 2 % randomness of the intervals. */
  assert_true(e->rep.requests >= 40 && e->rep.requests <= 42);
  assert_int_equal(e->srv.replied, e->rep.requests);
  assert_int_equal(e->rep.valid_replies, e->rep.requests);
  assert_int_equal(e->n_meas, e->rep.valid_replies);
  assert_int_equal(e->kernel_tx, e->n_meas);
  assert_int_equal(e->rep.reach, 0xff);
  assert_true(e->rep.ntp->valid);
}

/* From 50 ms off and 20 ppm fast, within 100 us for the last E2E_STEADY s. */
static void assert_synchronised(const struct e2e *e)
{
  assert_true(e->synchronised);
  assert_int_equal(e->selected, 0);
  assert_true(e->worst < 100e-6);
}

static void test_e2e_interleaved(void **state)
{
  (void)state;
  struct e2e e;
  run_e2e(true, true, &e);
  assert_answered(&e);
  /* The first two exchanges are basic (the first request names none, and
   * as chronyd the server saves nothing of a request with a zero origin),
   * all others are interleaved, on both sides. */
  assert_false(e.first_interleaved);
  assert_int_equal(e.n_interleaved, e.n_meas - 2);
  assert_int_equal(e.srv.interleaved_replied, e.srv.replied - 2);
  assert_true(e.rep.ntp->m.interleaved);
  assert_int_equal(e.rep.ntp->m.tx_source, PLAT_TS_KERNEL);
  assert_true(fabs(e.rep.ntp->m.peer_delay - 2 * LINK_DELAY) < 100e-6);
}

static void test_e2e_interleaved_synchronises(void **state)
{
  (void)state;
  struct e2e e;
  run_e2e(true, true, &e);
  assert_synchronised(&e);
}

/* One lost reply: the server's record names the exchange whose reply was
 * lost, so it answers the next request in basic mode; the one after is
 * interleaved again. */
static void test_e2e_lost_reply(void **state)
{
  (void)state;
  struct e2e e;
  run_e2e_loss(true, true, true, &e);
  assert_int_equal(e.rep.bad_replies, 0);
  assert_int_equal(e.srv.replied, e.rep.requests);
  assert_int_equal(e.rep.valid_replies, e.rep.requests - 1);
  assert_int_equal(e.n_meas, e.rep.valid_replies);
  assert_false(e.first_interleaved);
  assert_int_equal(e.n_meas - e.n_interleaved, 3);
  /* The lost reply was interleaved. */
  assert_int_equal(e.srv.interleaved_replied, e.srv.replied - 3);
  assert_true(e.rep.ntp->m.interleaved);
  assert_int_equal(e.rep.reach, 0xff);
}

/* ...and the source keeps its statistics through it. */
static void test_e2e_lost_reply_keeps_statistics(void **state)
{
  (void)state;
  struct e2e e;
  run_e2e_loss(true, true, true, &e);
  assert_true(e.samples_before_loss >= 8);
  assert_true(e.rep.n_samples >= e.samples_before_loss);
}

static void test_e2e_basic_source(void **state)
{
  (void)state;
  struct e2e e;
  run_e2e(true, false, &e);
  assert_answered(&e);
  assert_synchronised(&e);
  assert_int_equal(e.n_interleaved, 0);
  assert_int_equal(e.srv.interleaved_replied, 0);
  assert_false(e.rep.ntp->m.interleaved);
}

static void test_e2e_basic_server(void **state)
{
  (void)state;
  struct e2e e;
  run_e2e(false, true, &e);
  assert_answered(&e);
  assert_synchronised(&e);
  assert_int_equal(e.n_interleaved, 0);
  assert_int_equal(e.srv.interleaved_replied, 0);
  assert_false(e.rep.ntp->m.interleaved);
}

/* ---------------------------------------------------- a scripted server */

struct scripted {
  struct sim_world *w;
  const struct platform *cp, *sp;   /* client, server */
  int sock;                         /* the scripted server's */
  struct discipline disc;
  struct tclass cls;
  struct nsrc src;
  unsigned samples;
  bool step_on_sample;              /* correct the clock by the next sample's offset */
  /* The last request. */
  unsigned n_requests;
  struct ntp_header req;
  struct ip_addr from;
  uint16_t from_port;
  ntp_ts rx;                        /* when it arrived (server clock: true time) */
  struct timespec t1;               /* when it left (client clock) */
};

static struct timespec now_on(const struct platform *p)
{
  struct timespec t;
  p->ops->now(p->ctx, &t);
  return t;
}

static void on_request(void *arg, int sock, const struct plat_datagram *dg)
{
  struct scripted *f = arg;
  (void)sock;
  assert_int_equal(dg->len, NTP_HEADER_LEN);
  ntp_header_decode(dg->data, &f->req);
  f->from = dg->from;
  f->from_port = dg->from_port;
  f->rx = ntp_ts_from_timespec(&dg->rx_time);
  /* The client clock neither drifts nor wanders: it read this much less
   * LINK_DELAY when it sent the request. */
  struct timespec c = now_on(f->cp);
  f->t1 = timespec_add_double(&c, -LINK_DELAY);
  f->n_requests++;
}

/* As the client: a sample may update the reference (here, once, a step by
 * its whole offset), and every change of the cooked time scale reaches the
 * source. */
static void on_sample(void *arg, struct nsrc *src, bool new_sample)
{
  struct scripted *f = arg;
  if (!new_sample)
    return;
  f->samples++;
  if (f->step_on_sample) {
    f->step_on_sample = false;
    assert_true(disc_step(&f->disc, src->last.m.offset));
  }
}

static void on_disc_change(void *arg, const struct timespec *when, double dfreq, double doffset)
{
  struct scripted *f = arg;
  nsrc_slew(&f->src, when, dfreq, doffset);
}

static struct scripted *scripted_new(bool xleave)
{
  static struct scripted f;
  struct timespec start = {.tv_sec = START_TIME};
  struct sim_link_params link = {.delay = LINK_DELAY};
  struct sim_clock_params clock = {.offset = CLIENT_OFFSET};
  struct client_source_params p;
  memset(&f, 0, sizeof(f));
  f.w = sim_world_new(SEED, &start);
  assert_non_null(f.w);
  assert_int_equal(sim_net_set_default(sim_world_net(f.w), &link), 0);
  struct sim_platform *client = sim_world_add_host(f.w, "client", CLIENT_ADDR, &clock);
  struct sim_platform *server = sim_world_add_host(f.w, "server", SERVER_ADDR, NULL);
  assert_non_null(client);
  assert_non_null(server);
  f.cp = sim_platform_get(client);
  f.sp = sim_platform_get(server);
  f.sock = f.sp->ops->udp_open(f.sp->ctx, ADDR_INET4, NULL, NTP_PORT, on_request, &f);
  assert_true(f.sock >= 0);

  client_source_defaults(&p);
  assert_true(addr_parse(SERVER_ADDR, &p.addr));
  snprintf(p.name, sizeof(p.name), "%s", SERVER_ADDR);
  p.minpoll = p.maxpoll = POLL;
  p.xleave = xleave;
  disc_init(&f.disc, f.cp, true, true, 0.0, 83333.333, 500000.0);
  assert_true(disc_add_listener(&f.disc, on_disc_change, &f));
  tclass_init(&f.cls, f.cp, &f.disc);
  nsrc_init(&f.src, &p, f.cp, NULL, &f.disc, &f.cls, on_sample, &f);
  nsrc_start(&f.src);
  return &f;
}

static int setup_xleave(void **state)
{
  *state = scripted_new(true);
  return 0;
}

static int setup_basic(void **state)
{
  *state = scripted_new(false);
  return 0;
}

static int teardown(void **state)
{
  struct scripted *f = *state;
  nsrc_fini(&f->src);
  disc_fini(&f->disc);
  sim_world_free(f->w);
  return 0;
}

static void run(struct scripted *f, double seconds)
{
  assert_int_equal(sim_world_run(f->w, seconds), 0);
}

/* Run until the next request has arrived (at most a poll and a bit). */
static void next_request(struct scripted *f)
{
  unsigned n = f->n_requests;
  for (int i = 0; i < 400 && f->n_requests == n; i++)
    run(f, 0.05);
  assert_int_equal(f->n_requests, n + 1);
}

/* A synchronised stratum-1 server's reply to the last request, basic:
 * receive = when it arrived, transmit = now. */
static struct ntp_header basic(struct scripted *f)
{
  struct ntp_header h;
  struct timespec now = now_on(f->sp);
  memset(&h, 0, sizeof(h));
  h.version = 4;
  h.mode = NTP_MODE_SERVER;
  h.stratum = 1;
  h.poll = f->req.poll;
  h.precision = -20;
  h.refid = SIM_SERVER_REFID_GPS;
  h.reference = f->rx - (1ull << 32);
  h.origin = f->req.transmit;
  h.receive = f->rx;
  h.transmit = ntp_ts_from_timespec(&now);
  return h;
}

/* The interleaved reply: it echoes the request's receive field and carries
 * the transmit time of the previous reply (prev_tx). */
static struct ntp_header interleaved(struct scripted *f, ntp_ts prev_tx)
{
  struct ntp_header h = basic(f);
  h.origin = f->req.receive;
  h.transmit = prev_tx;
  return h;
}

/* Send h to the client; returns when the client receives it (T4, client
 * clock), and lets it arrive. */
static struct timespec send_reply(struct scripted *f, const struct ntp_header *h)
{
  uint8_t buf[NTP_HEADER_LEN];
  ntp_header_encode(h, buf);
  struct timespec t4 = now_on(f->cp);
  t4 = timespec_add_double(&t4, LINK_DELAY);
  assert_int_equal(f->sp->ops->udp_send(f->sp->ctx, f->sock, NULL, &f->from, f->from_port, buf,
                                        sizeof(buf), 0), 0);
  run(f, 0.01);
  return t4;
}

/* t (an NTP timestamp) minus local time l. */
static double ntp_minus(ntp_ts t, const struct timespec *l)
{
  struct timespec ts = ntp_ts_to_timespec(t, l->tv_sec);
  return timespec_diff(&ts, l);
}

static uint64_t counter(const struct scripted *f, enum nsrc_counter c)
{
  return f->src.counters[c];
}

/* The counters a test has reached: valid replies, those that made
 * samples, bad ones, duplicates. */
static void assert_samples(const struct scripted *f, uint64_t valid, uint64_t good, uint64_t bad,
                           uint64_t dup)
{
  assert_int_equal(counter(f, NSRC_RX_VALID), valid);
  assert_int_equal(counter(f, NSRC_RX_GOOD), good);
  assert_int_equal(f->samples, good);
  assert_int_equal(counter(f, NSRC_RX_BAD), bad);
  assert_int_equal(counter(f, NSRC_RX_DUPLICATE), dup);
}

/* Every valid reply made a sample. */
static void assert_counts(const struct scripted *f, uint64_t valid, uint64_t bad, uint64_t dup)
{
  assert_samples(f, valid, valid, bad, dup);
}

/* The last measurement failed test A only (chronyd's measurements.log
 * "0111"): the first interleaved reply after a basic sample, paired
 * crossed. */
static void assert_test_a_failed(const struct scripted *f)
{
  const struct client_log_measurement *m = &f->src.last.m;
  assert_false(m->test[CLIENT_TEST_A]);
  assert_true(m->test[CLIENT_TEST_B] && m->test[CLIENT_TEST_C] && m->test[CLIENT_TEST_D]);
}

/* One whole exchange in the scripted world. */
struct exchange {
  struct timespec t1, t4;      /* client clock */
  ntp_ts rx, tx;               /* the server's receive, and its true transmit */
};

/* A basic exchange, from the request on. */
static struct exchange basic_exchange(struct scripted *f)
{
  struct exchange x;
  next_request(f);
  struct ntp_header h = basic(f);
  x.t1 = f->t1;
  x.rx = h.receive;
  x.tx = h.transmit;
  x.t4 = send_reply(f, &h);
  return x;
}

/* An interleaved exchange after prev, from the request on. Its own
 * transmit time, for the next interleaved reply, is TX_EARLIER before the
 * one a basic reply would carry (a "kernel" timestamp). */
static struct exchange interleaved_exchange(struct scripted *f, const struct exchange *prev)
{
  struct exchange x;
  next_request(f);
  struct ntp_header h = interleaved(f, prev->tx);
  x.t1 = f->t1;
  x.rx = h.receive;
  x.tx = basic(f).transmit - (ntp_ts)(TX_EARLIER * 4294967296.0);
  x.t4 = send_reply(f, &h);
  return x;
}

/* The last measurement is exchange x's, with T3 = tx. */
static void assert_measured(const struct scripted *f, const struct exchange *x, ntp_ts tx,
                            bool interleaved_reply)
{
  const struct client_log_measurement *m = &f->src.last.m;
  double offset = (ntp_minus(x->rx, &x->t1) + ntp_minus(tx, &x->t4)) / 2.0;
  double delay = timespec_diff(&x->t4, &x->t1) - (ntp_minus(tx, &x->t1) - ntp_minus(x->rx, &x->t1));
  assert_true(f->src.last.valid);
  assert_int_equal(m->interleaved, interleaved_reply);
  assert_true(fabs(m->offset - offset) < EPS);
  assert_true(fabs(m->peer_delay - delay) < EPS);
  struct timespec mid = timespec_add_double(&x->t1, timespec_diff(&x->t4, &x->t1) / 2.0);
  assert_true(fabs(timespec_diff(&m->time, &mid)) < EPS);
}

static void test_interleaved_sample(void **state)
{
  struct scripted *f = *state;
  struct exchange x1 = basic_exchange(f);
  assert_counts(f, 1, 0, 0);
  /* Basic: this exchange's own timestamps. The client is CLIENT_OFFSET
   * ahead; the path is 2 LINK_DELAY long. */
  assert_measured(f, &x1, x1.tx, false);
  assert_true(fabs(f->src.last.m.offset + CLIENT_OFFSET) < EPS);
  assert_true(fabs(f->src.last.m.peer_delay - 2 * LINK_DELAY) < EPS);

  /* Interleaved, with the transmit time of reply 1 the server reports now
   * (TX_EARLIER before the one it sent). Exchange 1 made a sample already,
   * so (as chrony) reply 1 is paired with request 2: T1 and T2 of exchange
   * 2, T3 and T4 of exchange 1; as chronyd, that measurement fails test A
   * and makes no sample. */
  ntp_ts better_tx = x1.tx - (ntp_ts)(TX_EARLIER * 4294967296.0);
  struct exchange x2 = interleaved_exchange(f, &(struct exchange){.tx = better_tx});
  assert_samples(f, 2, 1, 0, 0);
  assert_test_a_failed(f);
  assert_measured(f, &(struct exchange){.t1 = x2.t1, .rx = x2.rx, .t4 = x1.t4}, better_tx, true);
  /* So the offset moves by half of it and the delay grows by all of it. */
  assert_true(fabs(f->src.last.m.offset + CLIENT_OFFSET + TX_EARLIER / 2) < EPS);
  assert_true(fabs(f->src.last.m.peer_delay - 2 * LINK_DELAY - TX_EARLIER) < EPS);

  /* The next one measures exchange 2: a sample. */
  interleaved_exchange(f, &x2);
  assert_samples(f, 3, 2, 0, 0);
  assert_true(f->src.last.m.test[CLIENT_TEST_A]);
  assert_measured(f, &x2, x2.tx, true);
  assert_true(fabs(f->src.last.m.offset + CLIENT_OFFSET + TX_EARLIER / 2) < EPS);
}

/* The first sample steps the clock (CLIENT_OFFSET back): the exchange it
 * came from, measured again by the interleaved reply, is now on the new
 * time scale, so its offset is 0 (and its delay unchanged). */
static void test_interleaved_after_step(void **state)
{
  struct scripted *f = *state;
  f->step_on_sample = true;
  struct exchange x1 = basic_exchange(f);
  assert_counts(f, 1, 0, 0);
  assert_true(fabs(f->src.last.m.offset + CLIENT_OFFSET) < EPS);
  assert_int_equal(f->disc.steps, 1);
  interleaved_exchange(f, &x1);
  assert_samples(f, 2, 1, 0, 0);
  assert_true(f->src.last.m.interleaved);
  assert_true(fabs(f->src.last.m.offset) < EPS);
  assert_true(fabs(f->src.last.m.peer_delay - 2 * LINK_DELAY) < EPS);
}

/* The server lost its record (or never kept one): a basic answer to an
 * interleaved request is a basic sample, and names the next exchange. */
static void test_basic_answer_to_interleaved_request(void **state)
{
  struct scripted *f = *state;
  basic_exchange(f);
  struct exchange x2 = basic_exchange(f);
  assert_int_not_equal(f->req.origin, 0);       /* it asked for interleaved */
  assert_counts(f, 2, 0, 0);
  assert_measured(f, &x2, x2.tx, false);
  next_request(f);
  assert_int_equal(f->req.origin, x2.rx);
  assert_int_equal(f->req.receive, ntp_ts_from_timespec(&x2.t4));
}

static void test_first_request_guard(void **state)
{
  struct scripted *f = *state;
  struct ntp_header h;
  next_request(f);
  /* "Interleaved" replies to a basic request: origin 0 (its receive
   * field), or anything but the nonce. */
  h = basic(f);
  h.origin = 0;
  send_reply(f, &h);
  h = basic(f);
  h.origin = f->req.transmit ^ 0x100000000ull;
  send_reply(f, &h);
  assert_counts(f, 0, 2, 0);
  assert_int_equal(f->src.reach, 0);
  /* The real reply is still taken. */
  send_reply(f, &(struct ntp_header){0});   /* all zeros: bad too */
  h = basic(f);
  send_reply(f, &h);
  assert_counts(f, 1, 3, 0);
  assert_false(f->src.last.m.interleaved);
}

static void test_pivot_guard(void **state)
{
  struct scripted *f = *state;
  struct ntp_header h;
  uint8_t replay[NTP_HEADER_LEN];
  next_request(f);
  struct ntp_header first = basic(f);
  ntp_header_encode(&first, replay);
  struct exchange x1 = {.t1 = f->t1, .rx = first.receive, .tx = first.transmit};
  x1.t4 = send_reply(f, &first);
  ntp_ts nonce1 = first.origin;
  assert_counts(f, 1, 0, 0);

  next_request(f);
  assert_int_equal(f->req.origin, x1.rx);
  /* The pivot: origin = the request's origin field, the server's previous
   * receive time (in the previous reply for anyone to read). */
  h = interleaved(f, x1.tx);
  h.origin = f->req.origin;
  send_reply(f, &h);
  h = basic(f);
  h.origin = f->req.origin;
  send_reply(f, &h);
  /* The previous request's nonce, with new timestamps or as it was. */
  h = interleaved(f, x1.tx);
  h.origin = nonce1;
  send_reply(f, &h);
  h = basic(f);
  h.origin = nonce1;
  send_reply(f, &h);
  ntp_header_decode(replay, &h);
  send_reply(f, &h);
  assert_counts(f, 1, 5, 0);
  assert_int_equal(f->src.reach, 1);
  /* The real interleaved reply is still taken: reply 1 paired with this
   * request (exchange 1 made a sample already, so no sample: test A). */
  h = interleaved(f, x1.tx);
  struct timespec t1 = f->t1;
  send_reply(f, &h);
  assert_samples(f, 2, 1, 5, 0);
  assert_test_a_failed(f);
  assert_measured(f, &(struct exchange){.t1 = t1, .rx = h.receive, .t4 = x1.t4}, x1.tx, true);
  assert_int_equal(f->src.reach, 3);
}

static void test_interleaved_duplicates(void **state)
{
  struct scripted *f = *state;
  struct ntp_header h, copy;
  struct exchange x1 = basic_exchange(f);
  next_request(f);
  copy = interleaved(f, x1.tx);
  struct exchange x2 = {.t1 = f->t1, .rx = copy.receive, .tx = basic(f).transmit};
  x2.t4 = send_reply(f, &copy);
  assert_samples(f, 2, 1, 0, 0);
  /* The same reply again: the exchange is over (its socket is closed). */
  uint64_t unreachable = sim_net_stats(sim_world_net(f->w))->unreachable;
  send_reply(f, &copy);
  assert_samples(f, 2, 1, 0, 0);
  assert_int_equal(sim_net_stats(sim_world_net(f->w))->unreachable, unreachable + 1);

  next_request(f);
  assert_int_equal(f->req.origin, x2.rx);
  /* ...and replayed to the next request: the wrong origin. */
  send_reply(f, &copy);
  assert_samples(f, 2, 1, 1, 0);
  /* ...and readdressed to it (the origin it echoes): its receive and
   * transmit times both the last reply's, a duplicate (chronyd's test 1). */
  h = interleaved(f, copy.transmit);
  h.receive = copy.receive;
  send_reply(f, &h);
  assert_samples(f, 2, 1, 1, 1);
  assert_int_equal(f->src.reach, 3);
  /* The real one. */
  h = interleaved(f, x2.tx);
  send_reply(f, &h);
  assert_samples(f, 3, 2, 1, 1);
  assert_measured(f, &x2, x2.tx, true);
  assert_int_equal(f->src.reach, 7);
}

/* ------------------------------------------------------------ requests */

static void assert_minimised(const struct ntp_header *req)
{
  assert_int_equal(req->mode, NTP_MODE_CLIENT);
  assert_int_equal(req->version, 4);
  assert_int_equal(req->stratum, 0);
  assert_int_equal(req->refid, 0);
  assert_int_equal(req->reference, 0);
  assert_int_equal(req->origin, 0);
  assert_int_equal(req->receive, 0);
  assert_int_not_equal(req->transmit, 0);
}

static void test_requests_xleave(void **state)
{
  struct scripted *f = *state;
  next_request(f);
  assert_minimised(&f->req);
  /* No answer: the next request names nothing either. */
  next_request(f);
  assert_minimised(&f->req);
  struct ntp_header h = basic(f);
  ntp_ts nonce = f->req.transmit;
  struct exchange x1 = {.rx = h.receive, .tx = h.transmit};
  x1.t4 = send_reply(f, &h);

  /* Names exchange 1: origin = its receive timestamp, receive = when its
   * reply arrived (client clock), and a new nonce. */
  next_request(f);
  assert_int_equal(f->req.mode, NTP_MODE_CLIENT);
  assert_int_equal(f->req.origin, x1.rx);
  assert_int_equal(f->req.receive, ntp_ts_from_timespec(&x1.t4));
  assert_int_not_equal(f->req.transmit, nonce);
  assert_int_not_equal(f->req.transmit, f->req.receive);
  h = interleaved(f, x1.tx);
  struct exchange x2 = {.rx = h.receive};
  x2.t4 = send_reply(f, &h);
  assert_samples(f, 2, 1, 0, 0);

  next_request(f);
  assert_int_equal(f->req.origin, x2.rx);
  assert_int_equal(f->req.receive, ntp_ts_from_timespec(&x2.t4));
  /* A lost exchange changes nothing: the next request names exchange 2. */
  next_request(f);
  assert_int_equal(f->req.origin, x2.rx);
  assert_int_equal(f->req.receive, ntp_ts_from_timespec(&x2.t4));
}

static void test_requests_basic(void **state)
{
  struct scripted *f = *state;
  for (int i = 0; i < 3; i++) {
    next_request(f);
    assert_minimised(&f->req);
    struct ntp_header h = basic(f);
    send_reply(f, &h);
    assert_counts(f, (uint64_t)i + 1, 0, 0);
    assert_false(f->src.last.m.interleaved);
  }
  /* Nothing to echo, so nothing is taken as interleaved. */
  next_request(f);
  assert_minimised(&f->req);
  struct ntp_header h = interleaved(f, 1);
  send_reply(f, &h);
  assert_counts(f, 3, 1, 0);
}

/* Test 1 as chronyd's (ntp_core.c): a reply is a duplicate when its receive
 * AND transmit timestamps are both those of the last valid reply; one of
 * them new is a reply (to the right origin: tests 2 and 3 passed). The
 * receive time is put just before the transmit time, so that the server
 * held the request a plausible time (test 1 comes first anyway). */
static void test_duplicate_needs_both_timestamps(void **state)
{
  struct scripted *f = *state;
  const ntp_ts ms = 4294967;
  struct exchange x1 = basic_exchange(f);
  assert_counts(f, 1, 0, 0);
  /* The last reply's transmit time, a new receive time. */
  next_request(f);
  struct ntp_header h = basic(f);
  h.transmit = x1.tx;
  h.receive = x1.tx - ms;
  assert_true(h.receive != x1.rx);
  send_reply(f, &h);
  assert_int_equal(counter(f, NSRC_RX_VALID), 2);
  assert_int_equal(counter(f, NSRC_RX_DUPLICATE), 0);
  /* The last reply's receive time, a new transmit time. */
  next_request(f);
  struct ntp_header h2 = basic(f);
  h2.receive = h.receive;
  h2.transmit = h.receive + 2 * ms;
  send_reply(f, &h2);
  assert_int_equal(counter(f, NSRC_RX_VALID), 3);
  assert_int_equal(counter(f, NSRC_RX_DUPLICATE), 0);
  /* Both: the last reply again, under the new request's origin. */
  next_request(f);
  struct ntp_header h3 = basic(f);
  h3.receive = h2.receive;
  h3.transmit = h2.transmit;
  send_reply(f, &h3);
  assert_int_equal(counter(f, NSRC_RX_VALID), 3);
  assert_int_equal(counter(f, NSRC_RX_DUPLICATE), 1);
  /* ...and the real reply is still taken. */
  h3 = basic(f);
  send_reply(f, &h3);
  assert_int_equal(counter(f, NSRC_RX_VALID), 4);
  assert_int_equal(counter(f, NSRC_RX_DUPLICATE), 1);
  assert_false(f->src.last.m.interleaved);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_e2e_interleaved),
    cmocka_unit_test(test_e2e_interleaved_synchronises),
    cmocka_unit_test(test_e2e_lost_reply),
    cmocka_unit_test(test_e2e_lost_reply_keeps_statistics),
    cmocka_unit_test(test_e2e_basic_source),
    cmocka_unit_test(test_e2e_basic_server),
    cmocka_unit_test_setup_teardown(test_interleaved_sample, setup_xleave, teardown),
    cmocka_unit_test_setup_teardown(test_interleaved_after_step, setup_xleave, teardown),
    cmocka_unit_test_setup_teardown(test_basic_answer_to_interleaved_request, setup_xleave,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_first_request_guard, setup_xleave, teardown),
    cmocka_unit_test_setup_teardown(test_pivot_guard, setup_xleave, teardown),
    cmocka_unit_test_setup_teardown(test_interleaved_duplicates, setup_xleave, teardown),
    cmocka_unit_test_setup_teardown(test_requests_xleave, setup_xleave, teardown),
    cmocka_unit_test_setup_teardown(test_requests_basic, setup_basic, teardown),
    cmocka_unit_test_setup_teardown(test_duplicate_needs_both_timestamps, setup_basic,
                                    teardown),
  };
  return cmocka_run_group_tests_name("client_xleave", tests, NULL, NULL);
}
