/* Hostile replies to the client's requests, on the simulator: a reply that
 * fails a packet test changes nothing but counters (ntp_source.h) — not the
 * clock, not the poll schedule, not reachability or selection.
 *
 * One client with one source polls a responder written here, which answers
 * each request with packets crafted from the real reply (one kind of hostile
 * packet per test row; hostile time claims are 5 s late, and the client
 * steps beyond 1 s). The client clock is 0.1 s off and neither drifts nor
 * wanders. Every run is deterministic, so "changed nothing" is checked as
 * bit-identical outcomes against a reference run: the poll schedule (when
 * each request reached the server), the source's poll, reach, state and
 * samples, the selection, the clock's steps, offset and frequency:
 *
 *   classified/K  ntp_source counts K in the expected counter (the packet
 *                 arrived and was recognised as what it is)
 *   alone/K       K is the only answer the client ever gets: same outcome as
 *                 a server that never answers, or, for the answers of an
 *                 unsynchronised server (stratum 0 or 16, leap 3, any KoD:
 *                 chronyd's test 6 failed), as one answering leap 3: they
 *                 are answers (no reply missed), that make no sample
 *   injected/K    K arrives with every real reply: same outcome as the real
 *                 replies alone; before the real reply when chrony would
 *                 ignore K, after it (the exchange being over) when chrony
 *                 would take K as the answer
 *   keyed/K       the same with an authenticated source: unauthenticated
 *                 forgeries come first and must all be ignored
 *   turned/K      a good server turns into K: same as one falling silent
 *                 (or, unsynchronised, turning to leap 3)
 *
 * plus positive controls (so the tests can fail): real replies synchronise
 * the clock, a KoD RATE passing the origin test slows polling, and leap-3
 * answers slow it less than silence (chronyd's poll score: 0.1 an answer
 * that is no sample, 0.25 a missed one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/client.h"
#include "core/ntp_source.h"
#include "core/reference.h"
#include "proto/ntp_mac.h"
#include "proto/ntp_packet.h"
#include "fake_keyring.h"
#include "sim/sim_world.h"

#define SEED 20240611u
#define START_TIME 1700000000
#define CLIENT_ADDR "192.0.2.100"
#define SERVER_ADDR "192.0.2.1"
#define ATTACKER_ADDR "192.0.2.66"
#define ALT_PORT 1123               /* the server host's other port */
#define CLIENT_PRECISION (-20)
#define SERVER_PRECISION (-20)
#define SERVER_REFID 0x47505300u    /* "GPS" */
#define KOD_DENY 0x44454E59u        /* "DENY" */
#define KOD_RSTR 0x52535452u        /* "RSTR" */
#define FAR_ROOT_DISPERSION 16.0    /* s: root distance far beyond maxdistance */
#define LIE_SECONDS 5               /* hostile packets claim this much later */
#define KEY_ID 1u
#define CLIENT_OFFSET 0.1           /* s: the client clock's constant error */
#define MAKESTEP 1.0                /* s: an accepted lie would step the clock */
#define RUN_SECONDS 4000.0
#define TURN_AT 600.0               /* s: when a good server turns bad */
#define MAX_REQUESTS 256            /* far more than a run makes */
#define CLASSIFY_POLL 4             /* 16 s: two exchanges in CLASSIFY_SECONDS */
#define CLASSIFY_TURN 8.0
#define CLASSIFY_SECONDS 24.0

/* Every link is 100 us long. Only requests get jitter: replies share their
 * link's random stream with the hostile packets, so a jittered reply would
 * be delayed differently merely because a hostile packet was sent. */
static const struct sim_link_params QUIET = {.delay = 100e-6};
static const struct sim_link_params JITTERY = {.delay = 100e-6, .jitter = 100e-6};

/* ------------------------------------------------------------ the kinds */

enum kind_id {
  K_VALID, K_KOD_RATE,                 /* controls: the real thing */
  K_WRONG_ORIGIN, K_ZERO_ORIGIN, K_REPLAY, K_STALE, K_DUPLICATE,
  K_ZERO_RECEIVE, K_ZERO_TRANSMIT,
  K_STRATUM0, K_STRATUM16, K_LEAP3, K_FAR_ROOT,
  K_KOD_RATE_SPOOFED, K_KOD_DENY, K_KOD_RSTR,
  K_KOD_RATE_ZERO_RECEIVE, K_KOD_RATE_ZERO_TRANSMIT, K_RATE_LEAP0,
  K_MODE3, K_MODE5, K_MODE3_SPOOFED, K_VERSION0, K_VERSION5, K_TRUNCATED, K_BOGUS_MAC,
  K_WRONG_PORT, K_WRONG_ADDRESS, K_STALE_KOD,
};

struct kind {
  enum kind_id id;
  const char *name;
  /* How ntp_source counts it (NSRC_COUNTERS: it cannot reach an open
   * request: a copy of the answer always comes second). */
  enum nsrc_counter counter;
  /* chrony takes it as the answer to the request (it passes RFC 5905 tests
   * 1-3, and test 5 as no key is used), so no client can ignore it. */
  bool answers;
  /* It makes sense as the only reply a source gets: not in effect a forged
   * answer (a re-addressed old reply is one), nor a copy of a real one. */
  bool alone;
  /* chronyd's valid answer of an unsynchronised server (tests 1-5 passed,
   * test 6 failed): alone, the same outcome as leap-3 answers. */
  bool unsynced;
};

static const struct kind CONTROLS[] = {
  {K_VALID, "valid", NSRC_RX_VALID, true, true, false},
  {K_KOD_RATE, "kod-rate", NSRC_RX_KOD, true, true, true},
};

static const struct kind HOSTILE[] = {
  {K_WRONG_ORIGIN, "wrong-origin", NSRC_RX_BAD, false, true, false},
  {K_ZERO_ORIGIN, "zero-origin", NSRC_RX_BAD, false, true, false},
  {K_REPLAY, "replay-of-previous-reply", NSRC_RX_BAD, false, true, false},
  /* The previous reply re-addressed to the current request (the origin
   * patched): RFC 5905's test 1, the duplicate test, is what rejects it. */
  {K_STALE, "previous-reply-readdressed", NSRC_RX_DUPLICATE, false, false, false},
  {K_DUPLICATE, "duplicate-reply", NSRC_COUNTERS, true, false, false},
  {K_ZERO_RECEIVE, "zero-receive-timestamp", NSRC_RX_BAD, false, true, false},
  {K_ZERO_TRANSMIT, "zero-transmit-timestamp", NSRC_RX_BAD, false, true, false},
  {K_STRATUM0, "stratum-0-no-kod-code", NSRC_RX_UNSYNC, true, true, true},
  {K_STRATUM16, "stratum-16", NSRC_RX_UNSYNC, true, true, true},
  {K_LEAP3, "leap-3", NSRC_RX_UNSYNC, true, true, true},
  {K_FAR_ROOT, "root-distance-16s", NSRC_RX_DISTANCE, true, true, true},
  {K_KOD_RATE_SPOOFED, "kod-rate-wrong-origin", NSRC_RX_BAD, false, true, false},
  {K_KOD_DENY, "kod-deny", NSRC_RX_KOD, true, true, true},
  {K_KOD_RSTR, "kod-rstr", NSRC_RX_KOD, true, true, true},
  /* chronyd acts on a KoD only in a packet passing test 3 (no zero
   * timestamp), and only with leap 3 (else test 6 failed: unsynchronised) */
  {K_KOD_RATE_ZERO_RECEIVE, "kod-rate-zero-receive", NSRC_RX_BAD, false, true, false},
  {K_KOD_RATE_ZERO_TRANSMIT, "kod-rate-zero-transmit", NSRC_RX_BAD, false, true, false},
  {K_RATE_LEAP0, "rate-code-leap-0", NSRC_RX_UNSYNC, true, true, true},
  {K_MODE3, "mode-3", NSRC_RX_BAD, false, true, false},
  {K_MODE5, "mode-5", NSRC_RX_BAD, false, true, false},
  {K_MODE3_SPOOFED, "mode-3-wrong-origin", NSRC_RX_BAD, false, true, false},
  {K_VERSION0, "version-0", NSRC_RX_BAD, false, true, false},
  {K_VERSION5, "version-5", NSRC_RX_BAD, false, true, false},
  {K_TRUNCATED, "truncated-47-bytes", NSRC_RX_BAD, false, true, false},
  {K_BOGUS_MAC, "bogus-mac", NSRC_RX_BAD, false, true, false},
  {K_WRONG_PORT, "wrong-source-port", NSRC_RX_BAD, false, true, false},
  {K_WRONG_ADDRESS, "wrong-source-address", NSRC_RX_BAD, false, true, false},
  /* The same as a KoD RATE: chronyd acts on a KoD only if it passes test 1
   * too (ntp_core.c's kod_rate needs tests 1, 2 and 5). */
  {K_STALE_KOD, "previous-reply-readdressed-as-kod-rate", NSRC_RX_DUPLICATE, false, false,
   false},
};

#define N_CONTROLS (sizeof(CONTROLS) / sizeof(CONTROLS[0]))
#define N_HOSTILE (sizeof(HOSTILE) / sizeof(HOSTILE[0]))
#define LEAP3 (&HOSTILE[9])

/* ------------------------------------------------------- the responder */

enum placement { BEFORE, AFTER };       /* the hostile packet vs the real reply */
enum sender { VIA_SERVER, VIA_ALT_PORT, VIA_ATTACKER };

struct packet {
  uint8_t data[NTP_HEADER_LEN + NTP_MAC_MAX_V4_LEN];
  size_t len;
};

/* The server: answers requests with the real reply and/or one kind of
 * hostile packet, and records when each request arrived. */
struct responder {
  struct sim_world *w;
  const struct platform *server, *attacker;
  int sock, alt_sock, attacker_sock;
  const struct ntp_key *key;       /* signs real replies (NULL: no MAC) */
  bool answer;                     /* send the real reply */
  const struct kind *kind;         /* send this too (NULL: nothing) */
  enum placement where;
  const struct kind *turn_kind;    /* at the turn: stop answering, send this */
  struct packet last;              /* the previous real reply (len 0: none) */
  double requests[MAX_REQUESTS];   /* elapsed true time of each arrival */
  unsigned n_requests;
  unsigned n_hostile;              /* hostile packets sent */
};

static ntp_ts shifted(ntp_ts t, int seconds)
{
  return t + ((ntp_ts)(uint32_t)seconds << 32);
}

/* An origin that is certainly not the request's. */
static ntp_ts spoofed_origin(const struct responder *r, ntp_ts nonce)
{
  ntp_ts x;
  r->server->ops->random_bytes(r->server->ctx, &x, sizeof(x));
  return nonce ^ (x | 1);
}

static void make_kod(struct ntp_header *h, uint32_t code)
{
  h->leap = NTP_LEAP_UNSYNC;
  h->stratum = 0;
  h->refid = code;
}

/* What a good stratum-1 server answers (its clock is perfect and it answers
 * at once, so transmit = receive). */
static void real_reply(const struct ntp_header *req, const struct timespec *rx,
                       struct ntp_header *h)
{
  memset(h, 0, sizeof(*h));
  h->leap = NTP_LEAP_NONE;
  h->version = req->version;
  h->mode = NTP_MODE_SERVER;
  h->stratum = 1;
  h->poll = req->poll;
  h->precision = SERVER_PRECISION;
  h->refid = SERVER_REFID;
  h->receive = ntp_ts_from_timespec(rx);
  h->reference = shifted(h->receive, -1);
  h->transmit = h->receive;
  h->origin = req->transmit;
}

static void encode(const struct ntp_header *h, const struct ntp_key *key, struct packet *p)
{
  ntp_header_encode(h, p->data);
  p->len = NTP_HEADER_LEN;
  if (key) {
    size_t mac = ntp_mac_generate(key, KEY_ID, p->data, NTP_HEADER_LEN, h->version,
                                  p->data + NTP_HEADER_LEN, sizeof(p->data) - NTP_HEADER_LEN);
    assert_true(mac > 0);
    p->len += mac;
  }
}

/* A key ID the source may use, and a digest nobody computed. */
static size_t bogus_mac(uint8_t *out)
{
  static const uint8_t id[NTP_MAC_KEYID_LEN] = {0, 0, 0, KEY_ID};
  memcpy(out, id, sizeof(id));
  memset(out + sizeof(id), 0xA5, 16);
  return sizeof(id) + 16;
}

/* The packet of kind k for the request whose real reply is `real`. Hostile
 * time claims are LIE_SECONDS late, so one accepted by mistake would show
 * (and, beyond MAKESTEP, step the clock). Returns false if there is nothing
 * to send (no previous reply to replay yet). */
static bool craft(const struct responder *r, enum kind_id k, const struct ntp_header *real,
                  const struct packet *real_packet, struct packet *p, enum sender *via)
{
  struct ntp_header h = *real;
  *via = VIA_SERVER;
  h.receive = shifted(h.receive, LIE_SECONDS);
  h.transmit = shifted(h.transmit, LIE_SECONDS);
  switch (k) {
  case K_VALID:
  case K_DUPLICATE:
    *p = *real_packet;
    return true;
  case K_REPLAY:
    *p = r->last;
    return p->len > 0;
  case K_STALE:
  case K_STALE_KOD:
    if (r->last.len == 0)
      return false;
    *p = r->last;                 /* its MAC, if any, no longer matches */
    ntp_header_decode(p->data, &h);
    h.origin = real->origin;
    if (k == K_STALE_KOD)
      make_kod(&h, NTP_REFID_RATE);
    ntp_header_encode(&h, p->data);
    return true;
  case K_KOD_RATE: make_kod(&h, NTP_REFID_RATE); break;
  case K_WRONG_ORIGIN: h.origin = spoofed_origin(r, real->origin); break;
  case K_ZERO_ORIGIN: h.origin = 0; break;
  case K_ZERO_RECEIVE: h.receive = 0; break;
  case K_ZERO_TRANSMIT: h.transmit = 0; break;
  case K_STRATUM0: h.stratum = 0; h.refid = 0; break;
  case K_STRATUM16: h.stratum = NTP_MAX_STRATUM; break;
  case K_LEAP3: h.leap = NTP_LEAP_UNSYNC; break;
  case K_FAR_ROOT: h.root_dispersion = ntp_short_from_double(FAR_ROOT_DISPERSION); break;
  case K_KOD_RATE_SPOOFED:
    make_kod(&h, NTP_REFID_RATE);
    h.origin = spoofed_origin(r, real->origin);
    break;
  case K_KOD_DENY: make_kod(&h, KOD_DENY); break;
  case K_KOD_RSTR: make_kod(&h, KOD_RSTR); break;
  case K_KOD_RATE_ZERO_RECEIVE:
    make_kod(&h, NTP_REFID_RATE);
    h.receive = 0;
    break;
  case K_KOD_RATE_ZERO_TRANSMIT:
    make_kod(&h, NTP_REFID_RATE);
    h.transmit = 0;
    break;
  case K_RATE_LEAP0:
    make_kod(&h, NTP_REFID_RATE);
    h.leap = NTP_LEAP_NONE;
    break;
  case K_MODE3: h.mode = NTP_MODE_CLIENT; break;
  case K_MODE5: h.mode = NTP_MODE_BROADCAST; break;
  case K_MODE3_SPOOFED:
    h.mode = NTP_MODE_CLIENT;
    h.origin = spoofed_origin(r, real->origin);
    break;
  case K_VERSION0: h.version = 0; break;
  case K_VERSION5: h.version = 5; break;
  case K_TRUNCATED:
  case K_BOGUS_MAC:
    break;                        /* cut or extended once encoded */
  case K_WRONG_PORT: *via = VIA_ALT_PORT; break;
  case K_WRONG_ADDRESS: *via = VIA_ATTACKER; break;
  }
  encode(&h, NULL, p);
  if (k == K_TRUNCATED)
    p->len = NTP_HEADER_LEN - 1;
  else if (k == K_BOGUS_MAC)
    p->len += bogus_mac(p->data + NTP_HEADER_LEN);
  return true;
}

static void send_packet(struct responder *r, enum sender via, const struct plat_datagram *dg,
                        struct packet *p)
{
  const struct platform *plat = via == VIA_ATTACKER ? r->attacker : r->server;
  int sock = via == VIA_ATTACKER ? r->attacker_sock : via == VIA_ALT_PORT ? r->alt_sock : r->sock;
  /* The attacker cannot send from the server's address (the simulated
   * network does not let a host spoof): it sends from its own. */
  const struct ip_addr *from = via == VIA_ATTACKER ? NULL : &dg->local;
  assert_int_equal(plat->ops->udp_send(plat->ctx, sock, from, &dg->from, dg->from_port, p->data,
                                       p->len, 0), 0);
}

static void send_hostile(struct responder *r, const struct plat_datagram *dg,
                         const struct ntp_header *real, const struct packet *real_packet)
{
  struct packet p;
  enum sender via;
  if (craft(r, r->kind->id, real, real_packet, &p, &via)) {
    send_packet(r, via, dg, &p);
    r->n_hostile++;
  }
}

static void on_request(void *arg, int sock, const struct plat_datagram *dg)
{
  struct responder *r = arg;
  struct ntp_header req, real;
  struct packet real_packet;
  (void)sock;
  assert_true(dg->len >= NTP_HEADER_LEN);
  assert_true(r->n_requests < MAX_REQUESTS);
  r->requests[r->n_requests++] = sim_world_elapsed(r->w);
  ntp_header_decode(dg->data, &req);
  real_reply(&req, &dg->rx_time, &real);
  encode(&real, r->key, &real_packet);

  if (r->kind && r->where == BEFORE)
    send_hostile(r, dg, &real, &real_packet);
  if (r->answer)
    send_packet(r, VIA_SERVER, dg, &real_packet);
  if (r->kind && r->where == AFTER)
    send_hostile(r, dg, &real, &real_packet);
  /* Kept even when not sent: a replay of what the server would have said. */
  r->last = real_packet;
}

static void ignore_datagram(void *arg, int sock, const struct plat_datagram *dg)
{
  (void)arg;
  (void)sock;
  (void)dg;
}

static void turn(void *arg)
{
  struct responder *r = arg;
  r->answer = false;
  r->kind = r->turn_kind;
  r->where = BEFORE;              /* alone: the same either way */
}

/* --------------------------------------------------------- the world */

struct world {
  struct sim_world *w;
  struct sim_platform *client_host;
  struct responder resp;
  struct client_source_params source;
};

/* The client, the server and the attacker (always all three, in this order,
 * so every host's random stream is the same in every run). */
static void world_init(struct world *x, bool keyed)
{
  struct timespec start = {START_TIME, 0};
  struct sim_clock_params clock = {.offset = CLIENT_OFFSET};  /* no drift, no wander */
  memset(x, 0, sizeof(*x));
  x->w = sim_world_new(SEED, &start);
  assert_non_null(x->w);
  x->client_host = sim_world_add_host(x->w, "client", CLIENT_ADDR, &clock);
  struct sim_platform *server = sim_world_add_host(x->w, "server", SERVER_ADDR, NULL);
  struct sim_platform *attacker = sim_world_add_host(x->w, "attacker", ATTACKER_ADDR, NULL);
  assert_non_null(x->client_host);
  assert_non_null(server);
  assert_non_null(attacker);

  struct sim_net *net = sim_world_net(x->w);
  assert_int_equal(sim_net_set_default(net, &QUIET), 0);
  assert_int_equal(sim_net_set_link(net, sim_platform_node(x->client_host),
                                    sim_platform_node(server), &JITTERY), 0);

  struct responder *r = &x->resp;
  r->w = x->w;
  r->server = sim_platform_get(server);
  r->attacker = sim_platform_get(attacker);
  r->key = keyed ? fake_key(NULL, KEY_ID) : NULL;
  r->sock = r->server->ops->udp_open(r->server->ctx, ADDR_INET4, NULL, NTP_PORT, on_request, r);
  r->alt_sock = r->server->ops->udp_open(r->server->ctx, ADDR_INET4, NULL, ALT_PORT,
                                         ignore_datagram, r);
  r->attacker_sock = r->attacker->ops->udp_open(r->attacker->ctx, ADDR_INET4, NULL, NTP_PORT,
                                                ignore_datagram, r);
  assert_true(r->sock >= 0 && r->alt_sock >= 0 && r->attacker_sock >= 0);

  client_source_defaults(&x->source);
  assert_true(addr_parse(SERVER_ADDR, &x->source.addr));
  snprintf(x->source.name, sizeof(x->source.name), "%s", SERVER_ADDR);
  x->source.iburst = true;
  x->source.key = keyed ? KEY_ID : 0;
}

/* What the responder does: `kind` along with each real reply (answer), or
 * alone; with turn_at > 0, real replies alone until then and `kind` alone
 * (NULL: silence) from then on. */
struct plan {
  bool keyed;
  bool answer;
  const struct kind *kind;
  enum placement where;
  double turn_at;
};

static void world_apply(struct world *x, const struct plan *plan)
{
  struct responder *r = &x->resp;
  r->answer = plan->answer || plan->turn_at > 0.0;
  r->kind = plan->turn_at > 0.0 ? NULL : plan->kind;
  r->where = plan->where;
  r->turn_kind = plan->kind;
  if (plan->turn_at > 0.0)
    assert_true(sim_world_at(x->w, plan->turn_at, turn, r));
}

/* ------------------------------------------------ running the client */

struct outcome {
  double requests[MAX_REQUESTS];       /* the poll schedule, as the server saw it */
  unsigned n_requests, n_hostile;
  struct client_source_report rep;
  int selected;
  bool synchronised;
  unsigned steps, client_steps;
  double offset;                       /* the client clock's true error */
  double freq, skew;
  struct sim_net_stats net;
};

static void run_client(const struct plan *plan, struct outcome *out)
{
  struct world x;
  struct refstate ref;
  struct client_params params;
  world_init(&x, plan->keyed);
  world_apply(&x, plan);

  ref_state_init(&ref, CLIENT_PRECISION);
  client_params_defaults(&params);
  params.makestep_threshold = MAKESTEP;
  params.makestep_limit = -1;
  params.keys = plan->keyed ? &FAKE_KEYRING : NULL;
  struct client *c = client_new(sim_platform_get(x.client_host), &params, &ref);
  assert_non_null(c);
  assert_int_equal(client_add_source(c, &x.source), 0);
  client_start(c);
  assert_int_equal(sim_world_run(x.w, RUN_SECONDS), 0);

  memset(out, 0, sizeof(*out));
  memcpy(out->requests, x.resp.requests, sizeof(out->requests));
  out->n_requests = x.resp.n_requests;
  out->n_hostile = x.resp.n_hostile;
  assert_true(client_source_report(c, 0, &out->rep));
  out->selected = client_selected(c);
  out->synchronised = ref_ever_synchronised(client_reference(c));
  out->steps = sim_platform_steps(x.client_host);
  out->client_steps = client_steps(c);
  out->offset = sim_platform_offset(x.client_host);
  ref_frequency(client_reference(c), &out->freq, &out->skew);
  out->net = *sim_net_stats(sim_world_net(x.w));
  client_free(c);
  sim_world_free(x.w);
}

/* Every difference between two outcomes, in one message. */
struct diff {
  char text[1024];
  size_t len;
};

static void note(struct diff *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct diff *d, const char *fmt, ...)
{
  va_list ap;
  if (d->len >= sizeof(d->text))
    return;
  va_start(ap, fmt);
  int n = vsnprintf(d->text + d->len, sizeof(d->text) - d->len, fmt, ap);
  va_end(ap);
  if (n > 0)
    d->len += (size_t)n;
}

static bool same_double(double a, double b)
{
  return memcmp(&a, &b, sizeof(a)) == 0;
}

static void compare_schedules(struct diff *d, const struct outcome *got, const struct outcome *want)
{
  if (got->n_requests != want->n_requests)
    note(d, "; %u requests vs %u", got->n_requests, want->n_requests);
  unsigned n = got->n_requests < want->n_requests ? got->n_requests : want->n_requests;
  for (unsigned i = 0; i < n; i++)
    if (!same_double(got->requests[i], want->requests[i])) {
      note(d, "; request %u at %.9f s vs %.9f s", i, got->requests[i], want->requests[i]);
      break;
    }
}

#define NOTE_INT(d, what, a, b) \
  do { if ((a) != (b)) note(d, "; %s %lld vs %lld", what, (long long)(a), (long long)(b)); } while (0)
#define NOTE_DOUBLE(d, what, a, b) \
  do { if (!same_double(a, b)) note(d, "; %s %.12g vs %.12g", what, a, b); } while (0)

/* The hostile run (got) must be the reference run (want), bit for bit. */
static void assert_same_outcome(const char *what, const struct outcome *got,
                                const struct outcome *want)
{
  struct diff d = {.len = 0};
  compare_schedules(&d, got, want);
  NOTE_INT(&d, "poll", got->rep.poll, want->rep.poll);
  NOTE_INT(&d, "reach", got->rep.reach, want->rep.reach);
  if (got->rep.state != want->rep.state)
    note(&d, "; state '%c' vs '%c'", got->rep.state, want->rep.state);
  NOTE_INT(&d, "selected", got->selected, want->selected);
  NOTE_INT(&d, "synchronised", got->synchronised, want->synchronised);
  NOTE_INT(&d, "samples", got->rep.n_samples, want->rep.n_samples);
  NOTE_INT(&d, "valid replies", got->rep.valid_replies, want->rep.valid_replies);
  NOTE_INT(&d, "clock steps", got->steps, want->steps);
  NOTE_INT(&d, "client steps", got->client_steps, want->client_steps);
  NOTE_DOUBLE(&d, "clock offset", got->offset, want->offset);
  NOTE_DOUBLE(&d, "frequency", got->freq, want->freq);
  NOTE_DOUBLE(&d, "skew", got->skew, want->skew);
  if (d.len > 0)
    fail_msg("%s: hostile run vs reference%s", what, d.text);
}

/* The hostile packets were sent, reached the client and were counted as
 * expected: before the real reply (or alone) each one found the request
 * open (nothing was unreachable) and, if classified bad, counted as bad;
 * after the real reply each one found the exchange over (unreachable). */
static void assert_delivered(const struct outcome *got, const struct outcome *want,
                             enum placement where, enum nsrc_counter counter)
{
  uint64_t unreachable = got->net.unreachable - want->net.unreachable;
  uint64_t bad = got->rep.bad_replies - want->rep.bad_replies;
  assert_true(got->n_hostile > 0);
  assert_int_equal(got->net.lost + got->net.outage, 0);
  if (where == AFTER) {
    assert_int_equal(unreachable, got->n_hostile);
    assert_int_equal(bad, 0);
  } else {
    assert_int_equal(unreachable, 0);
    assert_int_equal(bad, counter == NSRC_RX_BAD ? got->n_hostile : 0);
  }
}

static void run_silence(struct outcome *out)
{
  run_client(&(struct plan){.answer = false}, out);
  /* Nobody answers: the clock keeps its error exactly. */
  assert_false(out->synchronised);
  assert_int_equal(out->selected, -1);
  assert_int_equal(out->rep.reach, 0);
  assert_int_equal(out->steps, 0);
  assert_true(fabs(out->offset - CLIENT_OFFSET) < 1e-9);
}

/* ------------------------------------------------------------- tests */

static void count_sample(void *arg, struct nsrc *src, bool new_sample)
{
  (void)src;
  if (new_sample)
    (*(unsigned *)arg)++;
}

static void test_classified(void **state)
{
  const struct kind *k = *state;
  struct world x;
  struct discipline disc;
  struct tclass cls;
  struct nsrc src;
  unsigned samples = 0;
  uint64_t want[NSRC_COUNTERS] = {0};

  /* One real exchange (so there is a reply to replay and a duplicate test
   * to fail), then one answered by k alone. */
  world_init(&x, false);
  world_apply(&x, &(struct plan){.kind = k, .turn_at = CLASSIFY_TURN});
  x.source.iburst = false;
  x.source.minpoll = x.source.maxpoll = CLASSIFY_POLL;
  const struct platform *plat = sim_platform_get(x.client_host);
  disc_init(&disc, plat, true, true, 0.0, 83333.333, 500000.0);
  tclass_init(&cls, plat, &disc);
  nsrc_init(&src, &x.source, plat, NULL, &disc, &cls, count_sample, &samples);
  nsrc_start(&src);
  assert_int_equal(sim_world_run(x.w, CLASSIFY_SECONDS), 0);

  want[NSRC_TX] = 2;
  want[NSRC_RX_VALID] = 1;
  want[k->counter]++;
  want[NSRC_RX_GOOD] = want[NSRC_RX_VALID];   /* every valid reply here is a sample */
  /* the classifications; the timestamp counts after them are not */
  for (int i = 0; i < NSRC_RX_KERNEL_TS; i++)
    if (src.counters[i] != want[i])
      fail_msg("%s: counter %d is %llu, expected %llu", k->name, i,
               (unsigned long long)src.counters[i], (unsigned long long)want[i]);
  assert_int_equal(samples, want[NSRC_RX_VALID]);
  nsrc_fini(&src);
  disc_fini(&disc);
  sim_world_free(x.w);
}

/* Positive control: the real replies synchronise the clock. */
static void test_valid_replies_synchronise(void **state)
{
  (void)state;
  struct outcome good;
  run_client(&(struct plan){.answer = true}, &good);
  assert_true(good.synchronised);
  assert_int_equal(good.selected, 0);
  assert_int_equal(good.rep.reach, 0xff);
  assert_true(good.rep.valid_replies >= 8);
  assert_int_equal(good.rep.bad_replies, 0);
  assert_int_equal(good.steps, 0);
  assert_true(fabs(good.offset) < 1e-3);   /* from 0.1 s */
}

/* Positive control: a KoD RATE that passes the origin test slows polling. */
static void test_kod_rate_slows_polling(void **state)
{
  (void)state;
  struct outcome silent, kod;
  run_silence(&silent);
  run_client(&(struct plan){.kind = &CONTROLS[1]}, &kod);
  /* Both end at maxpoll; the KoDs got there sooner, with fewer requests. */
  assert_int_equal(kod.n_hostile, kod.n_requests);
  assert_true(kod.n_requests < silent.n_requests);
  assert_false(kod.synchronised);
  assert_true(same_double(kod.offset, silent.offset));
}

/* Positive control: leap-3 answers are answers, that make no sample: the
 * poll backs off more slowly than with no answer at all. */
static void test_unsynced_answers_poll_on(void **state)
{
  (void)state;
  struct outcome silent, unsynced;
  run_silence(&silent);
  run_client(&(struct plan){.kind = LEAP3, .where = BEFORE}, &unsynced);
  assert_int_equal(unsynced.n_hostile, unsynced.n_requests);
  assert_true(unsynced.n_requests > silent.n_requests);
  assert_int_equal(unsynced.rep.reach, 0);
  assert_false(unsynced.synchronised);
  assert_true(same_double(unsynced.offset, silent.offset));
}

/* The run k is to match alone: silence, or leap-3 answers. */
static void run_reference(const struct kind *k, double turn_at, struct outcome *out)
{
  assert_int_equal(LEAP3->id, K_LEAP3);
  if (k->unsynced)
    run_client(&(struct plan){.kind = LEAP3, .where = BEFORE, .turn_at = turn_at}, out);
  else if (turn_at > 0.0)
    run_client(&(struct plan){.turn_at = turn_at}, out);
  else
    run_silence(out);
}

static void test_alone(void **state)
{
  const struct kind *k = *state;
  struct outcome reference, hostile;
  run_reference(k, 0.0, &reference);
  run_client(&(struct plan){.kind = k, .where = BEFORE}, &hostile);
  assert_same_outcome(k->name, &hostile, &reference);
  assert_delivered(&hostile, &reference, BEFORE, k->counter);
}

/* Where a hostile packet goes: first, unless chrony would take it as the
 * answer (then nothing can ignore it, and it comes after the real reply,
 * the exchange being over). With a key, only a copy of the authentic reply
 * passes chrony's test 5. */
static enum placement placement(const struct kind *k, bool keyed)
{
  bool answers = keyed ? k->id == K_DUPLICATE : k->answers;
  return answers ? AFTER : BEFORE;
}

static void check_injected(const struct kind *k, bool keyed)
{
  struct outcome clean, hostile;
  enum placement where = placement(k, keyed);
  run_client(&(struct plan){.keyed = keyed, .answer = true}, &clean);
  assert_true(clean.synchronised);
  run_client(&(struct plan){.keyed = keyed, .answer = true, .kind = k, .where = where}, &hostile);
  assert_same_outcome(k->name, &hostile, &clean);
  assert_delivered(&hostile, &clean, where, keyed ? NSRC_RX_BAD : k->counter);
}

static void test_injected(void **state)
{
  check_injected(*state, false);
}

static void test_keyed(void **state)
{
  check_injected(*state, true);
}

static void test_turned(void **state)
{
  const struct kind *k = *state;
  struct outcome reference, hostile;
  run_reference(k, TURN_AT, &reference);
  assert_true(reference.synchronised);
  assert_int_equal(reference.rep.reach, 0);   /* more than 8 polls with no sample */
  run_client(&(struct plan){.kind = k, .turn_at = TURN_AT}, &hostile);
  assert_same_outcome(k->name, &hostile, &reference);
  assert_delivered(&hostile, &reference, BEFORE, k->counter);
}

/* ------------------------------------------------------------- main */

#define MAX_TESTS (3 + N_CONTROLS + 5 * N_HOSTILE)

struct suite {
  struct CMUnitTest tests[MAX_TESTS];
  char names[MAX_TESTS][64];
  size_t n;
};

static void add(struct suite *s, const char *family, const char *name, CMUnitTestFunction fn,
                const struct kind *k)
{
  assert_true(s->n < MAX_TESTS);
  snprintf(s->names[s->n], sizeof(s->names[s->n]), "%s/%s", family, name ? name : k->name);
  s->tests[s->n] = (struct CMUnitTest){s->names[s->n], fn, NULL, NULL, (void *)k};
  s->n++;
}

/* Adds family/K for each hostile kind K that `wanted` admits. */
static void add_rows(struct suite *s, const char *family, CMUnitTestFunction fn,
                     bool (*wanted)(const struct kind *))
{
  for (size_t i = 0; i < N_HOSTILE; i++)
    if (!wanted || wanted(&HOSTILE[i]))
      add(s, family, NULL, fn, &HOSTILE[i]);
}

static bool can_be_alone(const struct kind *k)
{
  return k->alone;
}

static bool can_be_classified(const struct kind *k)
{
  return k->counter != NSRC_COUNTERS;
}

int main(void)
{
  static struct suite s;
  add(&s, "control", "valid-replies-synchronise", test_valid_replies_synchronise, NULL);
  add(&s, "control", "kod-rate-slows-polling", test_kod_rate_slows_polling, NULL);
  add(&s, "control", "unsynced-answers-poll-on", test_unsynced_answers_poll_on, NULL);
  for (size_t i = 0; i < N_CONTROLS; i++)
    add(&s, "classified", NULL, test_classified, &CONTROLS[i]);
  add_rows(&s, "classified", test_classified, can_be_classified);
  add_rows(&s, "alone", test_alone, can_be_alone);
  add_rows(&s, "injected", test_injected, NULL);
  add_rows(&s, "keyed", test_keyed, NULL);
  add_rows(&s, "turned", test_turned, can_be_alone);
  return _cmocka_run_group_tests("hostile_replies", s.tests, s.n, NULL, NULL);
}
