#include "core/ntp_source.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/select.h"
#include "proto/ntp_ext.h"
#include "proto/ntp_packet.h"
#include "proto/num.h"

#define IBURST_GOOD 4
#define IBURST_TOTAL 8
#define BURST_GOOD 1                /* the burst option's, as chrony */
#define BURST_MAX_TOTAL 4
#define MAX_BURST_INTERVAL 2.0
#define MAX_BURST_POLL_RATIO 0.25
#define INITIAL_DELAY 0.2
#define SAMPLING_RANDOMNESS 0.02    /* fraction of the interval */
#define PHI 15e-6                   /* RFC 5905 frequency tolerance */
#define UNREACH_POLL_ADJ 0.25       /* poll score per missed reply... */
#define SYNC_UNREACH_POLL_ADJ 0.1   /* ...of the selected source (chrony's) */
#define WARM_UP_DELAY 2.0           /* presend to the request, s */
#define UNSYNC_POLL_ADJ 0.1         /* poll score per answer that is no sample with
                                       test D failed or not run (unsynchronised
                                       server, KoD, loop): chronyd's */
#define NO_SAMPLE_POLL_ADJ 0.02     /* ...with test D passed (delay tests, presend) */
#define NTP_MAX_DISPERSION 16.0     /* s: a root distance beyond is unsynchronised
                                       (chronyd's test 7) */
/* maxdelayquant's estimate (chrony's ntp_core.c): p in hundredths. */
#define DELAY_QUANT_Q 100
#define DELAY_QUANT_MIN_P 0.05
#define DELAY_QUANT_MAX_P 0.95
#define DELAY_QUANT_LARGE_STEP_DELAY 100
#define PEER_SAMPLING_ADJ 1.1       /* chronyd's delay of a peer's packet, of the poll */
#define KOD_RATE_BACKOFF 4          /* polls added to the wait after a KoD RATE */
#define MIN_SAMPLING_SEPARATION 0.002   /* s, between packets to different sources */
#define MAX_SAMPLING_SEPARATION 0.2

static void schedule(struct nsrc *s, double delay);
static double peer_delay(const struct nsrc *s, double since_tx, bool on_tx);

/* The largest offset correction of a server taken out of the statistics
 * (extfield F323), s: chronyd's. */
#define MAX_MONO_DOFFSET 16.0

/* The source's key, or NULL (none configured, or missing from the ring). */
static const struct ntp_key *source_key(const struct nsrc *s)
{
  return ntp_keyring_find(s->keys, s->p.key);
}

/* Warn about the key as chronyd does, and unless a version was configured,
 * use NTPv3 when NTPv4 would truncate the key's MAC, so the server checks
 * the whole digest. */
static void setup_auth(struct nsrc *s)
{
  const struct ntp_key *key = source_key(s);
  exch_warn_key(s->plat, s->p.key, key);
  /* Extension fields need NTPv4 (chronyd's rule too). */
  if (s->p.version == 0 && s->p.ext_fields)
    s->p.version = 4;
  s->p.version = exch_request_version(s->p.version, key);
}

int nsrc_first_poll(const struct client_source_params *p)
{
  return p->minpoll > CLIENT_MIN_NONLAN_POLL ? p->minpoll : CLIENT_MIN_NONLAN_POLL;
}

void nsrc_init(struct nsrc *s, const struct client_source_params *p, const struct platform *plat,
               const struct ntp_keyring *keys, struct discipline *disc,
               struct tclass *tx_class, nsrc_update_fn on_update, void *arg)
{
  memset(s, 0, sizeof(*s));
  s->p = *p;
  client_source_bound(&s->p);
  s->plat = plat;
  s->keys = keys;
  setup_auth(s);
  s->disc = disc;
  s->tx_class = tx_class;
  s->on_update = on_update;
  s->arg = arg;
  s->shared_sock = -1;
  s->sock = -1;
  s->poll = nsrc_first_poll(&s->p);
  s->online = !p->offline;
  xleave_init(&s->xl, p->peer);
  sst_init(&s->stats, s->p.minsamples >= 0 ? s->p.minsamples : SST_DEFAULT_MIN_SAMPLES,
           s->p.maxsamples >= 0 ? s->p.maxsamples : SST_DEFAULT_MAX_SAMPLES);
  s->stats.min_delay = p->mindelay;
  s->stats.fixed_asymmetry = p->asymmetry;
  spf_init(&s->filter, p->filter);
}

/* A request socket is closed unless it is the shared one. */
static void release_socket(struct nsrc *s, int sock)
{
  if (sock >= 0 && sock != s->shared_sock)
    s->plat->ops->udp_close(s->plat->ctx, sock);
}

static void close_request(struct nsrc *s)
{
  release_socket(s, s->sock);
  s->sock = -1;
  s->nonce = 0;
  xleave_forget_sent(&s->xl);
}

/* A reply waiting for the hardware transmit stamp of its request. */
struct nsrc_saved {
  plat_timer timer;             /* 0: none waiting */
  bool processing;
  int sock;
  struct plat_datagram dg;
  size_t cap;
  uint8_t *data;
};

static void drop_saved(struct nsrc *s)
{
  if (!s->saved)
    return;
  if (s->saved->timer)
    s->plat->ops->timer_cancel(s->plat->ctx, s->saved->timer);
  free(s->saved->data);
  free(s->saved);
  s->saved = NULL;
}

void nsrc_fini(struct nsrc *s)
{
  drop_saved(s);
  close_request(s);
  tclass_cancel(&s->tx_timer);
  if (s->nts) {
    if (s->nts_ke)
      s->nts_ke->detach(s->nts_ke->arg, s->nts);
    free(s->nts);
    s->nts = NULL;
  }
}

bool nsrc_use_nts(struct nsrc *s, const struct ntsc_ke_ops *ke, double refresh)
{
  s->p.key = 0;
  s->p.version = exch_request_version(0, NULL);
  s->nts_ke = ke;
  if (!(s->nts = malloc(sizeof(*s->nts))))
    return false;
  ntsc_init(s->nts, s->p.name, &s->p.addr, s->p.port, s->p.ntsport, s->p.certset, refresh);
  if (ke)
    ke->attach(ke->arg, s->nts);
  return true;
}

/* With NTS: whether a request may go now (a cookie), starting an NTS-KE
 * session when one is due; the NTP server it named is the one polled. */
static bool nts_ready(struct nsrc *s)
{
  if (s->p.nts && !s->nts)
    return false;                       /* out of memory: never unauthenticated */
  if (!s->nts)
    return true;
  if (!s->nts_ke)
    return false;
  switch (ntsc_prepare(s->nts, s->nts_ke->now(s->nts_ke->arg))) {
  case NTSC_READY:
    s->p.addr = s->nts->ntp_addr;
    s->p.port = s->nts->ntp_port;
    return true;
  case NTSC_START_KE:
    s->nts_ke->start(s->nts_ke->arg, s->nts);
    return false;
  case NTSC_WAIT:
    break;
  }
  return false;
}

/* The reply's authentication: NTS, else the key's (exch_check_auth). */
static bool reply_authentic(struct nsrc *s, const struct ntp_packet *pkt)
{
  if (s->nts)
    return ntsc_check_reply(s->nts, pkt) == NTSNTP_OK;
  return !s->p.nts && exch_check_auth(pkt, s->p.key, source_key(s));
}

bool nsrc_reachable(const struct nsrc *s)
{
  return s->reach != 0;
}

int nsrc_reach_size(const struct nsrc *s)
{
  uint64_t n = s->counters[NSRC_TX] - s->reach_from_tx;
  return n > SEL_REACH_BITS ? SEL_REACH_BITS : (int)n;
}

static double random_unit(void *arg)
{
  struct nsrc *s = arg;
  uint32_t r;
  s->plat->ops->random_bytes(s->plat->ctx, &r, sizeof(r));
  return r / 4294967296.0;
}

/* chronyd's test for sub-second polling: the source answers, over a round
 * trip as short as on a local network (its minimum delay, or the last
 * sample given to the median filter). */
static bool on_lan(const struct nsrc *s)
{
  double last_delay;
  return s->reach != 0 &&
         (sst_min_delay(&s->stats) <= CLIENT_MAX_LAN_DELAY ||
          (spf_last_delay(&s->filter, &last_delay) && last_delay <= CLIENT_MAX_LAN_DELAY));
}

static void adjust_poll(struct nsrc *s, double adj)
{
  s->poll_score += adj;
  if (s->poll_score >= 1.0) {
    s->poll += (int)s->poll_score;
    s->poll_score -= (int)s->poll_score;
  } else if (s->poll_score < 0.0) {
    int down = (int)(s->poll_score - 1.0);
    s->poll += down;
    s->poll_score -= down;
  }
  if (s->poll < s->p.minpoll) {
    s->poll = s->p.minpoll;
    s->poll_score = 0.0;
  } else if (s->poll > s->p.maxpoll) {
    s->poll = s->p.maxpoll;
    s->poll_score = 1.0;
  }
  if (s->poll < CLIENT_MIN_NONLAN_POLL && !on_lan(s))
    s->poll = CLIENT_MIN_NONLAN_POLL;
}

static bool valid_poll(int poll)
{
  return poll >= CLIENT_MIN_POLL && poll <= CLIENT_MAX_POLL;
}

bool nsrc_limit_minpoll(struct client_source_params *p, int minpoll)
{
  if (!valid_poll(minpoll))
    return false;
  p->minpoll = minpoll;
  if (p->maxpoll < minpoll)
    p->maxpoll = minpoll;
  return true;
}

bool nsrc_limit_maxpoll(struct client_source_params *p, int maxpoll)
{
  if (!valid_poll(maxpoll))
    return false;
  p->maxpoll = maxpoll;
  if (p->minpoll > maxpoll)
    p->minpoll = maxpoll;
  return true;
}

bool nsrc_set_minpoll(struct nsrc *s, int minpoll)
{
  if (!nsrc_limit_minpoll(&s->p, minpoll))
    return false;
  adjust_poll(s, 0.0);
  return true;
}

bool nsrc_set_maxpoll(struct nsrc *s, int maxpoll)
{
  if (!nsrc_limit_maxpoll(&s->p, maxpoll))
    return false;
  adjust_poll(s, 0.0);
  return true;
}

static double poll_interval(const struct nsrc *s)
{
  return num_ldexp(1.0, s->poll);
}

/* chronyd's: up to 8 sources at one poll are spread without being held up
 * by the separation. */
static double sampling_separation(int poll)
{
  return num_fmin(MAX_SAMPLING_SEPARATION, num_fmax(MIN_SAMPLING_SEPARATION, num_ldexp(1.0, poll - 3)));
}

static void on_reply(void *arg, int sock, const struct plat_datagram *dg);

static void process_saved(struct nsrc *s);

/* The kernel's transmit time of one of our packets: the outstanding one,
 * or the one of the exchange an interleaved answer will measure. A NIC's
 * for the outstanding one lets its saved reply be used now. */
bool nsrc_tx_timestamp(struct nsrc *s, int sock, uint64_t tag, const struct timespec *tx_time,
                       enum plat_ts_source source)
{
  struct timespec cooked = disc_cook(s->disc, tx_time);
  s->counters[source == PLAT_TS_HARDWARE ? NSRC_TX_HW_TS : NSRC_TX_KERNEL_TS]++;
  if (tag == s->nonce && sock == s->sock) {
    s->tx_cooked = cooked;
    s->tx_sent = ntp_ts_from_timespec(&cooked);
    s->tx_source = source;
    if (source == PLAT_TS_HARDWARE && s->saved && s->saved->timer)
      process_saved(s);
  } else {
    return xleave_tx_timestamp(&s->xl, tag, &cooked, source);
  }
  return true;
}

static void on_tx_timestamp(void *arg, int sock, const struct ip_addr *to, uint16_t port,
                            uint64_t tag, const struct timespec *tx_time,
                            enum plat_ts_source source)
{
  (void)to;
  (void)port;
  nsrc_tx_timestamp(arg, sock, tag, tx_time, source);
}

/* *tagged: the socket reports kernel transmit timestamps. */
static int request_socket(struct nsrc *s, bool *tagged)
{
  const struct platform_ops *ops = s->plat->ops;
  *tagged = false;
  if (s->shared_sock >= 0) {
    *tagged = s->shared_tagged;
    return s->shared_sock;
  }
  int sock = ops->udp_open(s->plat->ctx, (enum addr_family)s->p.addr.family, s->local, 0,
                           on_reply, s);
  if (sock >= 0 && ops->udp_tx_timestamps && ops->udp_send_tagged)
    *tagged = ops->udp_tx_timestamps(s->plat->ctx, sock, on_tx_timestamp, s) == 0;
  return sock;
}

/* A client request; with xleave after a valid reply, naming that exchange
 * (see xleave.h). */
static size_t build_request(struct nsrc *s, uint8_t *buf, size_t cap, ntp_ts nonce)
{
  unsigned ext_fields = s->p.version == 4 ? s->p.ext_fields : 0;
  size_t len;
  if ((!s->p.xleave || !xleave_has_exchange(&s->xl)) && !ext_fields) {
    len = exch_build_auth_request(buf, cap, s->p.version, s->poll, nonce, s->p.key,
                                  source_key(s));
  } else {
    struct ntp_header h;
    exch_request_header(&h, s->p.version, s->poll, nonce);
    if (s->p.xleave && xleave_has_exchange(&s->xl))
      xleave_request_fields(&s->xl, &h);
    len = exch_build_ext_packet(buf, cap, &h, ext_fields, NULL, s->p.key, source_key(s));
  }
  if (len == 0 || !s->nts)
    return len;
  uint8_t uid[NTSNTP_UID_LEN], nts_nonce[NTSNTP_NONCE_LEN];
  s->plat->ops->random_bytes(s->plat->ctx, uid, sizeof(uid));
  s->plat->ops->random_bytes(s->plat->ctx, nts_nonce, sizeof(nts_nonce));
  return ntsc_build_request(s->nts, buf, cap, uid, nts_nonce);
}

/* chrony: a presend request precedes each one at a poll of at least
 * `presend`, except in a burst; two with xleave, so that a server has
 * saved this client's timestamps by the real one (chronyd saves none of a
 * request with a zero origin). The presend requests still to answer. */
static int presend_count(const struct nsrc *s)
{
  if (!s->p.peer && s->p.presend <= s->poll && !s->presend_done && s->burst_total == 0)
    return s->p.xleave ? 2 : 1;
  return s->presend_done > 0 ? s->presend_done - 1 : 0;
}

/* The poll our packets follow: for a reachable peer, the shorter of ours and
 * the peer's (not below minpoll), as chronyd. */
static int transmit_poll(const struct nsrc *s)
{
  const struct nsrc_peer *pr = &s->peer;
  if (!s->p.peer || s->reach == 0 || pr->remote_poll >= s->poll)
    return s->poll;
  return pr->remote_poll > s->p.minpoll ? pr->remote_poll : s->p.minpoll;
}

/* A symmetric active packet: our reference state, the timestamps to echo,
 * and our cooked time now as transmit timestamp (*tx: the origin the
 * peer's basic answer must carry); interleaved, see xleave.h. */
static size_t build_peer_packet(struct nsrc *s, uint8_t *buf, size_t cap, ntp_ts *tx)
{
  struct nsrc_peer *pr = &s->peer;
  struct ntp_header h;
  /* The packet we echo is the answer of the saved exchange (not a later
   * packet of the peer, nor one that answered nothing). */
  bool echo_saved = xleave_echoes_saved(&s->xl, pr->echo_tx == pr->remote_tx, &pr->echo_rx);
  bool interleaved = s->p.xleave && xleave_peer_interleaved(&s->xl, pr->answered, echo_saved);
  disc_cooked_time(s->disc, &s->tx_cooked);
  memset(&h, 0, sizeof(h));
  ref_fill_header(pr->ref, &s->tx_cooked, &h);
  h.version = (uint8_t)s->p.version;
  h.mode = NTP_MODE_ACTIVE;
  h.poll = (int8_t)s->poll;
  h.origin = pr->echo_tx;
  if (pr->echo_tx != 0)
    h.receive = ntp_ts_from_timespec(&pr->echo_rx);
  h.transmit = ntp_ts_from_timespec(&s->tx_cooked);
  if (interleaved)
    xleave_peer_fields(&s->xl, &h);
  *tx = h.transmit;
  if (s->p.xleave)
    xleave_peer_sent(&s->xl, interleaved, h.receive, &pr->echo_rx, echo_saved);
  /* extfield: as chronyd, the fields a server's reply would carry (F323's
   * receive time: that of the packet we echo) */
  unsigned ext_fields = s->p.version == 4 ? s->p.ext_fields : 0;
  struct ntpext_mono_root m;
  ref_mono_root(pr->ref, &s->tx_cooked, pr->echo_tx != 0 ? &pr->echo_rx : NULL, 0.0, &m);
  return exch_build_ext_packet(buf, cap, &h, ext_fields, &m, s->p.key, source_key(s));
}

static void missing_sample(struct nsrc *s);
static void start_auto_burst(struct nsrc *s);

static void transmit(void *arg)
{
  struct nsrc *s = arg;
  uint8_t buf[NTSNTP_MAX_PACKET_LEN + 2 * NTPEXT_FIELD_LEN];

  /* No valid reply to the previous request (silence, or an answer that
   * failed the tests): the register shifts in a 0, and the filter counts a
   * missing sample. */
  if (s->saved && s->saved->timer)
    process_saved(s);
  bool missed = s->tx_since_rx > 0;
  if (missed) {
    s->reach <<= 1;
    if (s->reach == 0 && s->unreachable_run < INT_MAX)
      s->unreachable_run++;
    adjust_poll(s, s->sync_peer ? SYNC_UNREACH_POLL_ADJ : UNREACH_POLL_ADJ);
    missing_sample(s);
  }
  close_request(s);
  /* As chronyd 4.8's SRC_UpdateReachability: a missed reply reselects only
   * once the register is empty (a source with no reply in 8 polls). */
  if (missed && s->reach == 0)
    s->on_update(s->arg, s, false);
  /* A burst's last request was answered (then it ended) or not: over. */
  if (s->burst_total == 0)
    s->burst_good = 0;
  start_auto_burst(s);

  s->presend_done = presend_count(s);
  bool tagged, sent = false, ready = nts_ready(s);
  int sock = ready ? request_socket(s, &tagged) : -1;
  if (sock >= 0) {
    const struct platform_ops *ops = s->plat->ops;
    ntp_ts nonce = 0;
    size_t len;
    if (s->p.peer) {
      len = build_peer_packet(s, buf, sizeof(buf), &nonce);
    } else {
      nonce = plat_random_nonzero64(s->plat);
      len = build_request(s, buf, sizeof(buf), nonce);
      disc_cooked_time(s->disc, &s->tx_cooked);
    }
    s->tx_sent = ntp_ts_from_timespec(&s->tx_cooked);
    s->tx_source = PLAT_TS_DAEMON;
    /* Set before sending: the kernel's transmit time may be reported
     * during the call (the simulator's is reported right after it). */
    s->sock = sock;
    s->nonce = nonce;
    int r = len == 0 ? -1
            : tagged ? ops->udp_send_tagged(s->plat->ctx, sock, NULL, &s->p.addr, s->p.port, buf,
                                            len, 0, nonce)
                     : ops->udp_send(s->plat->ctx, sock, NULL, &s->p.addr, s->p.port, buf, len, 0);
    sent = r == 0;
    if (r != 0) {
      release_socket(s, sock);
      s->sock = -1;
      s->nonce = 0;
      xleave_forget_sent(&s->xl);
    }
  }
  /* auto_offline: a request that could not be sent (no route...) takes
   * the source offline, as chronyd, until chronyc online. */
  if (ready && !sent && s->p.auto_offline)
    nsrc_set_online(s, false);
  s->tx_since_rx++;
  s->counters[NSRC_TX]++;
  s->peer.answered = s->peer.echo_unanswered = false;

  double interval = s->p.peer ? peer_delay(s, 0.0, true) : num_ldexp(1.0, transmit_poll(s));
  s->short_interval = s->presend_done || s->burst_total > 0;
  if (s->presend_done) {
    interval = WARM_UP_DELAY;
  } else if (s->burst_total > 0) {
    s->burst_total--;
    interval = num_fmin(MAX_BURST_INTERVAL, MAX_BURST_POLL_RATIO * interval);
  }
  s->tx_interval = interval;
  if (s->online)
    schedule(s, interval);
}

/* As chrony, the randomness only lengthens the delay (by up to 2 %). It
 * matters to peers: a peer of lower stratum sends right after our packet
 * once ours come a little more than a poll after its own (chronyd's rule in
 * peer_reschedule), which our slightly longer intervals bring about; with
 * a randomness centred on the poll the two could settle with the answer a
 * tenth of a poll later, every basic measurement then spanning that. */
static void schedule(struct nsrc *s, double delay)
{
  double r = 1.0 + SAMPLING_RANDOMNESS * random_unit(s);
  tclass_add(s->tx_class, &s->tx_timer, delay * r, sampling_separation(s->poll) * r, transmit,
             s);
}

void nsrc_reset_poll(struct nsrc *s)
{
  if (s->poll == s->p.minpoll)
    return;
  s->poll = s->p.minpoll;
  s->poll_score = 0.0;
  adjust_poll(s, 0.0);                  /* the floor for remote sources */
  /* The timer was armed for the longer interval. */
  if (tclass_pending(&s->tx_timer))
    schedule(s, poll_interval(s));
}

void nsrc_start(struct nsrc *s)
{
  /* The clock's precision is known by now: half of it is the quantile's
   * smallest step, as chronyd's; p within DELAY_QUANT_MIN_P..MAX_P, in
   * hundredths. */
  if (s->p.maxdelayquant > 0.0) {
    double p = num_fmin(num_fmax(s->p.maxdelayquant, DELAY_QUANT_MIN_P), DELAY_QUANT_MAX_P);
    s->delay_quant_k = (int)num_lround(p * DELAY_QUANT_Q);
    qnt_init(&s->delay_quant, s->delay_quant_k, s->delay_quant_k, DELAY_QUANT_Q,
             s->stats.precision / 2.0, DELAY_QUANT_LARGE_STEP_DELAY);
  }
  if (!s->online)
    return;
  if (s->p.iburst) {
    s->burst_good = IBURST_GOOD;
    s->burst_total = IBURST_TOTAL;
  }
  schedule(s, INITIAL_DELAY);
}

void nsrc_set_online(struct nsrc *s, bool online)
{
  char a[ADDR_STR_LEN];
  if (online == s->online)
    return;
  s->online = online;
  plat_logf(s->plat, PLAT_LOG_INFO, "Source %s %s", addr_format(&s->p.addr, a),
            online ? "online" : "offline");
  tclass_cancel(&s->tx_timer);
  if (online)
    schedule(s, INITIAL_DELAY);
}

void nsrc_burst(struct nsrc *s, int good, int total)
{
  if (good <= 0 || total <= 0)
    return;
  s->burst_good = good < total ? good : total;
  s->burst_total = total;
  if (s->online)
    schedule(s, INITIAL_DELAY);
}

/* chrony's burst option: each request sent at a poll above minpoll, after
 * a whole poll's wait, starts a burst of up to 2^(poll - minpoll) requests
 * (at most BURST_MAX_TOTAL), until one good sample. burst_total counts
 * the requests after this one. */
static void start_auto_burst(struct nsrc *s)
{
  if (!s->p.burst || s->p.peer || s->burst_total > 0 || s->short_interval ||
      s->poll <= s->p.minpoll)
    return;
  int total = s->poll - s->p.minpoll >= 2 ? BURST_MAX_TOTAL : 1 << (s->poll - s->p.minpoll);
  s->burst_good = BURST_GOOD;
  s->burst_total = total - 1;
}

void nsrc_slew(struct nsrc *s, const struct timespec *when, double dfreq, double doffset)
{
  if (s->sock >= 0)
    disc_slew_time(&s->tx_cooked, when, dfreq, doffset);
  xleave_slew(&s->xl, when, dfreq, doffset);
  /* What we tell a peer of its packet's arrival stays on our time scale. */
  if (s->peer.echo_tx != 0)
    disc_slew_time(&s->peer.echo_rx, when, dfreq, doffset);
  sst_slew_samples(&s->stats, when, dfreq, doffset);
  spf_slew(&s->filter, when, dfreq, doffset);
}

/* chronyd's check_sync_loop: the source is synchronised to us (its refid
 * is the IPv4 address we sent from), or it is us (a misconfiguration): its
 * stratum, refid, root delay and reference time are what our own server
 * would send. */
static bool is_loop(const struct nsrc *s, const struct exch_sample *x, const struct ntp_header *h,
                    const struct plat_datagram *dg)
{
  if (dg->local.family == ADDR_INET4 && x->stratum > 1 && x->refid == addr_refid(&dg->local))
    return true;
  if (!s->peer.ref || h->reference == 0)
    return false;
  struct ntp_header mine;
  memset(&mine, 0, sizeof(mine));
  ref_fill_header(s->peer.ref, &dg->rx_time, &mine);
  return h->stratum == mine.stratum && h->refid == mine.refid &&
         h->root_delay == mine.root_delay && h->reference == mine.reference;
}

static void handle_kod(struct nsrc *s, const struct exch_sample *x)
{
  char a[ADDR_STR_LEN];
  s->counters[NSRC_RX_KOD]++;
  /* DENY and RSTR are ignored, even when authenticated, as chrony 4.3
   * ignores them. RATE passed the origin test (and the authentication test
   * with a key), so it came from the server: as chronyd, the burst ends and
   * the next request waits longer (kod_backoff); the poll moves up a little,
   * as after any answer of an unsynchronised server. */
  if (x->refid != NTP_REFID_RATE)
    return;
  plat_logf(s->plat, PLAT_LOG_WARN, "Received KoD RATE from %s", addr_format(&s->p.addr, a));
  s->burst_total = s->burst_good = 0;
}

/* chronyd's answer to a KoD RATE: the next packet waits KOD_RATE_BACKOFF
 * polls more than it would have, whatever minpoll and maxpoll say. */
static double kod_backoff(const struct nsrc *s, enum exch_result r, const struct exch_sample *x)
{
  return r == EXCH_KOD && x->refid == NTP_REFID_RATE ? KOD_RATE_BACKOFF * poll_interval(s) : 0.0;
}

static struct timespec sample_midpoint(const struct timespec *t1, const struct timespec *t4)
{
  return timespec_add_double(t1, timespec_diff(t4, t1) / 2.0);
}

/* chrony's maxdelaydevratio test: a delay much above the minimum, measured
 * in standard deviations of the samples, makes the sample suspect unless
 * its offset moved even more than the delay grew. */
static bool delay_dev_ok(const struct nsrc *s, double offset, double delay,
                         const struct timespec *sample_time)
{
  struct sst_delay_test t;
  if (!sst_get_delay_test_data(&s->stats, sample_time, &t))
    return true;
  double max_delta = t.std_dev * s->p.maxdelaydevratio +
                     t.last_sample_ago * (t.skew + s->max_clock_error);
  double delta = (delay - t.min_delay) / 2.0;
  if (delta <= max_delta)
    return true;
  return fabs(offset - t.predicted_offset) - delta > max_delta;
}

/* chrony's tests A (maxdelay), B (maxdelayratio) and C (maxdelayquant, else
 * maxdelaydevratio); true: passed. Every synchronised reply's delay then
 * joins the quantile's estimate (after its own test, as chronyd's). */
static void delay_tests(struct nsrc *s, const struct exch_sample *x,
                        const struct timespec *sample_time, bool t[3])
{
  t[0] = x->delay <= s->p.maxdelay;
  t[1] = !(s->p.maxdelayratio > 0.0 && s->min_delay > 0.0 &&
           x->delay / s->min_delay > s->p.maxdelayratio);
  if (s->p.maxdelayquant <= 0.0) {
    t[2] = delay_dev_ok(s, x->offset + s->p.offset, x->delay, sample_time);
    return;
  }
  /* chrony's test: within half a step of the estimate. */
  t[2] = x->delay <= qnt_get(&s->delay_quant, s->delay_quant_k) + s->delay_quant.min_step / 2.0;
  qnt_accumulate(&s->delay_quant, x->delay, random_unit, s);
}

static double peer_dispersion(const struct exch_sample *x)
{
  return num_ldexp(1.0, x->precision) + PHI * x->delay;
}

/* A reply that passed tests 1-7: kept for chronyc ntpdata and written to
 * measurements.log. */
static void record_measurement(struct nsrc *s, const struct exch_sample *x,
                               const struct ntp_header *h, const struct timespec *sample_time,
                               const struct plat_datagram *dg, const struct xleave_times *at,
                               const bool abcd[4])
{
  struct nsrc_ntp_data *d = &s->last;
  struct client_log_measurement *m = &d->m;
  memset(d, 0, sizeof(*d));
  d->valid = true;
  m->time = *sample_time;
  m->addr = s->p.addr;
  m->leap = x->leap;
  m->stratum = x->stratum;
  for (int i = CLIENT_TEST_1; i <= CLIENT_TEST_7; i++)
    m->test[i] = true;
  for (int i = 0; i < 4; i++)
    m->test[CLIENT_TEST_A + i] = abcd[i];
  m->remote_poll = h->poll;
  m->offset = x->offset + s->p.offset;
  m->peer_delay = x->delay;
  m->peer_dispersion = peer_dispersion(x);
  m->root_delay = x->root_delay;
  m->root_dispersion = x->root_dispersion;
  m->refid = x->refid;
  m->mode = h->mode;
  m->interleaved = at->interleaved;
  m->tx_source = at->tx_source;
  m->rx_source = dg->rx_source;
  d->local = dg->local;
  d->version = h->version;
  d->precision = h->precision;
  if (h->reference != 0)
    d->ref_time = ntp_ts_to_timespec(h->reference, sample_time->tv_sec);
  d->response_time = fabs(ntp_ts_diff(h->transmit, h->receive));   /* as chrony */
}

/* The recorded measurement into measurements.log once the exchange is
 * processed: as chronyd's, its local poll and score are those this reply
 * left. */
static void log_measurement(struct nsrc *s)
{
  s->last.m.local_poll = s->poll;
  s->last.m.score = s->poll_score;
  if (s->log && s->log->measurement)
    s->log->measurement(s->log->arg, &s->last.m);
}

static void add_sample(struct nsrc *s, struct sst_sample *smp);

/* chrony's median filter (filter N): every exchange counts, a sample or a
 * missing one (no reply, or a reply that failed a test: smp NULL); after N
 * of them the samples collected make one for the statistics (none: the
 * next exchange tries again). */
static void filter_exchange(struct nsrc *s, const struct sst_sample *smp)
{
  struct sst_sample out;
  if (smp)
    spf_accumulate(&s->filter, smp);
  if (++s->filter_count < s->p.filter || !spf_get_filtered(&s->filter, s->stats.precision, &out))
    return;
  s->filter_count = 0;
  add_sample(s, &out);
}

/* An exchange that gave no sample: a missing one for the filter. */
static void missing_sample(struct nsrc *s)
{
  if (s->p.filter > 0)
    filter_exchange(s, NULL);
}

static void accept_sample(struct nsrc *s, const struct exch_sample *x, const struct timespec *t1,
                          const struct timespec *t4)
{
  struct sst_sample smp;
  memset(&smp, 0, sizeof(smp));
  smp.time = sample_midpoint(t1, t4);
  smp.offset = x->offset + s->p.offset;
  smp.peer_delay = x->delay;
  smp.peer_dispersion = peer_dispersion(x);
  /* As chrony: a sample's root delay and dispersion reach the reference
   * clock through this server, so they include this hop. */
  smp.root_delay = x->root_delay + x->delay;
  smp.root_dispersion = x->root_dispersion + smp.peer_dispersion;
  smp.stratum = x->stratum;
  smp.leap = x->leap;

  /* A burst counts replies, filtered or not (chrony); the one that ends it
   * leaves the next request a poll away. */
  if (s->burst_good > 0 && --s->burst_good == 0) {
    s->burst_total = 0;
    s->short_interval = false;
  }
  if (s->p.filter > 0)
    filter_exchange(s, &smp);
  else
    add_sample(s, &smp);
}

/* A sample (filtered or not) into the statistics. */
static void add_sample(struct nsrc *s, struct sst_sample *smp)
{
  if (s->reference && ref_leap_close(s->reference, &smp->time, smp->offset)) {
    plat_logf(s->plat, PLAT_LOG_INFO, "Dropping sample around leap second");
    return;
  }

  /* The server's offset corrections since the older samples (F323): in
   * this core's sign, server minus local, they moved its time by -doffset. */
  if (s->mono_doffset != 0.0 && fabs(s->mono_doffset) <= MAX_MONO_DOFFSET)
    sst_correct_offset(&s->stats, -s->mono_doffset);
  s->mono_doffset = 0.0;
  double error = fabs(sst_predict_offset(&s->stats, &smp->time) - smp->offset);
  double distance = smp->peer_delay / 2.0 + smp->peer_dispersion;
  struct sst_report before;
  sst_get_report(&s->stats, &smp->time, &before);
  if (!sst_add(&s->stats, smp))
    return;
  int n_before = sst_samples(&s->stats);
  sst_regress(&s->stats);
  client_log_statistics(s->log, &s->stats, &smp->time, &before, n_before, &s->p.addr, 0);

  adjust_poll(s, sst_poll_adjust(&s->stats, error, distance, s->p.polltarget));
  s->on_update(s->arg, s, true);
}

/* chronyd's F323 field in a valid reply or a peer's answer: its root delay
 * and dispersion replace the header's (more resolution); its monotonic
 * receive times tell how much of the change in the server's receive times
 * since the previous reply was the server correcting its clock's offset,
 * which the statistics take out of the older samples before the next one
 * is added (frequency transfer: chronyd's mono_doffset). A reply without it
 * starts over. */
/* The reply's F323 field, false if none. */
static bool find_mono_root(const struct ntp_packet *pkt, struct ntpext_mono_root *m)
{
  for (unsigned i = 0; i < pkt->n_ef; i++)
    if (ntpext_read_mono_root(&pkt->ef[i], m))
      return true;
  return false;
}

/* The server's offset correction since the previous reply, by the F323
 * monotonic receive times of both (same epoch), else 0. */
static double mono_shift(const struct nsrc *s, const struct ntp_packet *pkt)
{
  struct ntpext_mono_root m;
  if (!(s->p.ext_fields & NTPEXT_FLAG_MONO_ROOT) || !find_mono_root(pkt, &m) ||
      m.mono_receive == 0 || s->mono_rx == 0 || m.mono_epoch != s->mono_epoch)
    return 0.0;
  double d = ntp_ts_diff(m.mono_receive, s->mono_rx) -
             ntp_ts_diff(pkt->hdr.receive, s->mono_real_rx);
  return fabs(d) > MAX_MONO_DOFFSET ? 0.0 : d;
}

static void use_mono_root(struct nsrc *s, const struct ntp_packet *pkt, struct exch_sample *x)
{
  struct ntpext_mono_root m;
  bool found = find_mono_root(pkt, &m);
  if (!found || m.mono_receive == 0) {
    s->mono_epoch = 0;
    s->mono_rx = s->mono_real_rx = 0;
    s->mono_doffset = 0.0;
    if (!found)
      return;
  } else {
    s->mono_doffset += mono_shift(s, pkt);
    s->mono_epoch = m.mono_epoch;
    s->mono_rx = m.mono_receive;
    s->mono_real_rx = pkt->hdr.receive;
  }
  x->root_delay = m.root_delay;
  x->root_dispersion = m.root_dispersion;
}

/* The saved reply, used now (chronyd's process_saved_response). */
static void process_saved(struct nsrc *s)
{
  struct nsrc_saved *v = s->saved;
  struct ntp_packet pkt;
  if (v->timer)
    s->plat->ops->timer_cancel(s->plat->ctx, v->timer);
  v->timer = 0;
  v->processing = true;
  ntp_packet_parse(v->dg.data, v->dg.len, &pkt);
  nsrc_receive(s, v->sock, &v->dg, &pkt);
  if (s->saved)
    s->saved->processing = false;
}

static void saved_timeout(void *arg)
{
  struct nsrc *s = arg;
  s->saved->timer = 0;
  process_saved(s);
}

/* As chronyd: the first valid reply to a request whose transmit stamp is
 * not yet the NIC's waits hwtstimeout for it, once the source has given a
 * good sample; a second reply while one waits has the first used (and is
 * itself dropped as a second answer). True if dg is saved or dropped. */
static bool wait_for_hw_tx(struct nsrc *s, int sock, const struct plat_datagram *dg)
{
  if (s->hwts_timeout <= 0.0 || s->tx_source == PLAT_TS_HARDWARE ||
      s->counters[NSRC_RX_GOOD] == 0 || (s->saved && s->saved->processing))
    return false;
  if (s->saved && s->saved->timer) {
    process_saved(s);
    return true;
  }
  struct nsrc_saved *v = s->saved ? s->saved : calloc(1, sizeof(*v));
  if (!v)
    return false;
  s->saved = v;
  if (v->cap < dg->len) {
    uint8_t *data = realloc(v->data, dg->len);
    if (!data)
      return false;
    v->data = data;
    v->cap = dg->len;
  }
  memcpy(v->data, dg->data, dg->len);
  v->dg = *dg;
  v->dg.data = v->data;
  v->sock = sock;
  v->timer = s->plat->ops->timer_add(s->plat->ctx, s->hwts_timeout, saved_timeout, s);
  return v->timer != 0;
}

/* A datagram on the source's own socket, parsed here once. */
static void on_reply(void *arg, int sock, const struct plat_datagram *dg)
{
  struct ntp_packet pkt;
  ntp_packet_parse(dg->data, dg->len, &pkt);
  nsrc_receive(arg, sock, dg, &pkt);
}

/* chrony's copy applies to servers, not peers. */
static bool copies(const struct nsrc *s)
{
  return s->p.copy && !s->p.peer;
}

/* An unsynchronised reply from a server we copy: as chronyd, an answer (no
 * reply is missed at the next request) after which the source starts
 * again (no samples, an empty register, no unreachable run), the poll
 * backs off slowly, the filter counts a missing sample and the selection
 * hears of it. */
static void forget_copied(struct nsrc *s)
{
  s->counters[NSRC_RX_UNSYNC]++;
  s->tx_since_rx = 0;
  s->reach = 0;
  s->reach_from_tx = s->counters[NSRC_TX];
  s->unreachable_run = 0;
  s->stratum = 0;
  sst_reset(&s->stats);
  adjust_poll(s, UNSYNC_POLL_ADJ);
  missing_sample(s);
  s->on_update(s->arg, s, false);
}

uint32_t nsrc_reference_id(const struct nsrc *s)
{
  return copies(s) ? s->refid : addr_refid(&s->p.addr);
}

/* A valid answer of an unsynchronised server or a KoD (chronyd's test 6
 * failed): an answer, so no reply is missed at the next request, but the
 * register shifts in a 0, the poll backs off slowly and the filter counts a
 * missing sample (ntp_core.c's valid packet that is not synced). */
static void unsynchronised_answer(struct nsrc *s)
{
  s->tx_since_rx = 0;
  s->reach <<= 1;
  if (s->reach == 0 && s->unreachable_run < INT_MAX)
    s->unreachable_run++;
  adjust_poll(s, UNSYNC_POLL_ADJ);
  missing_sample(s);
  if (s->reach == 0)
    s->on_update(s->arg, s, false);
}

/* An answer that passed the origin test (and was no duplicate): KoD, the
 * synchronisation and distance tests, the loop test, then a sample. */
static void process_answer(struct nsrc *s, enum exch_result r, struct exch_sample *x,
                           const struct ntp_header *h, const struct xleave_times *at,
                           const struct plat_datagram *dg)
{
  if (r == EXCH_KOD) {
    handle_kod(s, x);
    unsynchronised_answer(s);
    return;
  }
  if (r == EXCH_UNSYNCHRONISED && copies(s)) {
    forget_copied(s);
    return;
  }
  if (r == EXCH_UNSYNCHRONISED) {
    s->counters[NSRC_RX_UNSYNC]++;
    unsynchronised_answer(s);
    return;
  }
  if (r != EXCH_OK) {
    s->counters[NSRC_RX_BAD]++;
    return;
  }
  /* maxdistance is the selection's limit; beyond chronyd's test 7 the
   * server is taken as unsynchronised. */
  if (x->root_delay / 2.0 + x->root_dispersion >= NTP_MAX_DISPERSION) {
    s->counters[NSRC_RX_DISTANCE]++;
    unsynchronised_answer(s);
    return;
  }
  struct timespec sample_time = sample_midpoint(&at->t1, &at->t4);
  bool tests[4];
  /* A valid reply: the server is reachable, whatever the delay and loop
   * tests say (as chrony: a peer synchronised to us is still heard). */
  s->reach = (uint8_t)(s->reach << 1 | 1);
  s->unreachable_run = 0;
  s->tx_since_rx = 0;
  s->counters[NSRC_RX_VALID]++;
  if (is_loop(s, x, h, dg)) {
    s->counters[NSRC_RX_LOOP]++;
    delay_tests(s, x, &sample_time, tests);
    tests[3] = false;
    record_measurement(s, x, h, &sample_time, dg, at, tests);
    adjust_poll(s, UNSYNC_POLL_ADJ);
    missing_sample(s);
    log_measurement(s);
    return;
  }
  /* chrony: the presend reply fails test A, so it is no sample; so does,
   * from a server, the first interleaved reply after a basic one that made
   * a sample (it pairs crossed: chronyd switches to the interleaved mode
   * one exchange later). */
  if (s->presend_done || (!s->p.peer && at->crossed)) {
    delay_tests(s, x, &sample_time, tests);
    tests[0] = false;
    tests[3] = true;
    record_measurement(s, x, h, &sample_time, dg, at, tests);
    adjust_poll(s, NO_SAMPLE_POLL_ADJ);
    missing_sample(s);
    log_measurement(s);
    return;
  }
  /* copy: the server's stratum is ours (its refid too, see
   * nsrc_reference_id), before minstratum as chronyd's. */
  if (copies(s))
    x->stratum--;
  if (x->stratum < s->p.minstratum)
    x->stratum = s->p.minstratum;
  s->stratum = x->stratum;
  s->leap = x->leap;
  s->refid = x->refid;
  s->root_delay = x->root_delay;
  s->root_dispersion = x->root_dispersion;
  s->last_offset = x->offset;
  s->last_delay = x->delay;
  if (s->min_delay <= 0.0 || x->delay < s->min_delay)
    s->min_delay = x->delay;
  delay_tests(s, x, &sample_time, tests);
  tests[3] = true;
  record_measurement(s, x, h, &sample_time, dg, at, tests);
  if (!(tests[0] && tests[1] && tests[2])) {
    s->counters[NSRC_RX_DELAY]++;
    adjust_poll(s, NO_SAMPLE_POLL_ADJ);
    missing_sample(s);
    log_measurement(s);
    return;
  }
  s->counters[NSRC_RX_GOOD]++;
  accept_sample(s, x, &at->t1, &at->t4);
  log_measurement(s);
}

static int our_stratum(const struct nsrc *s)
{
  struct ref_params rp;
  struct timespec now;
  disc_cooked_time(s->disc, &now);
  ref_get_params(s->peer.ref, &now, &rp);
  return rp.stratum != 0 ? rp.stratum : NTP_MAX_STRATUM;
}

/* chronyd's timing of our packets to a peer (outside bursts), since_tx
 * after our last one (0 on sending it): a transmit poll after it, a tenth
 * of the poll later for a peer of higher stratum (it synchronises to us: we
 * wait for its next packet and answer that at once, so its measurements
 * span little time) and, after an answer, for a peer of our stratum that
 * answered late in our interval (so the two interleave evenly). */
static double peer_delay(const struct nsrc *s, double since_tx, bool on_tx)
{
  double delay = num_ldexp(1.0, transmit_poll(s));
  int higher = s->peer.remote_stratum - our_stratum(s);
  if ((higher > 0 && since_tx * PEER_SAMPLING_ADJ < delay) ||
      (!on_tx && higher == 0 && since_tx / delay > PEER_SAMPLING_ADJ - 0.5))
    delay *= PEER_SAMPLING_ADJ;
  return num_fmax(0.0, delay - since_tx);
}

static void peer_reschedule(struct nsrc *s, double since_tx, double backoff)
{
  if (!s->online || s->burst_total > 0)
    return;
  schedule(s, peer_delay(s, since_tx, false) + backoff);
}

/* Our last packet, as the interleaved mode keeps it. */
static struct xleave_packet last_packet(const struct nsrc *s)
{
  return (struct xleave_packet){s->nonce, s->tx_cooked, s->tx_sent, s->tx_source};
}

/* A symmetric packet from the peer (see ntp_source.h). */
static void peer_receive(struct nsrc *s, const struct plat_datagram *dg,
                         const struct ntp_packet *pkt)
{
  struct nsrc_peer *pr = &s->peer;
  struct exch_sample x;
  const struct ntp_header *h = &pkt->hdr;
  struct timespec t4 = disc_cook(s->disc, &dg->rx_time);
  struct xleave_packet ours = last_packet(s);
  enum exch_result r = exch_check_symmetric(pkt, s->nonce, &s->tx_cooked, &t4, &x);
  bool interleaved = false;
  struct xleave_pairing pairing;
  if (r == EXCH_BAD_ORIGIN && xleave_awaits_answer(&s->xl)) {
    r = xleave_check(&s->xl, pkt, &ours, mono_shift(s, pkt), &x, &pairing);
    interleaved = r != EXCH_BAD_ORIGIN;
  }
  if (r == EXCH_BAD_FORMAT || r == EXCH_BAD_MODE ||
      !exch_check_auth(pkt, s->p.key, source_key(s))) {
    s->counters[NSRC_RX_BAD]++;
    return;
  }
  if (h->transmit == 0) {
    s->counters[NSRC_RX_BAD]++;
    return;
  }
  if (h->transmit == pr->remote_tx && h->receive == pr->remote_rx) {
    s->counters[NSRC_RX_DUPLICATE]++;
    return;
  }
  if (r == EXCH_BAD_ORIGIN || r == EXCH_ZERO_TIMESTAMP) {
    /* No answer to our last packet (the peer's first, one crossing ours,
     * or a forgery): echoed only while no answer came since we sent. */
    if (!pr->answered && (!pr->echo_unanswered || ntp_ts_newer(h->transmit, pr->echo_tx))) {
      pr->echo_tx = h->transmit;
      pr->echo_rx = t4;
      pr->echo_unanswered = true;
    }
    s->counters[NSRC_RX_BAD]++;
    return;
  }
  xleave_peer_answered(&s->xl, interleaved);
  bool first = !pr->answered;
  if (first || ntp_ts_newer(h->transmit, pr->remote_tx)) {
    pr->remote_rx = h->receive;
    pr->remote_tx = pr->echo_tx = h->transmit;
    pr->echo_rx = t4;
    pr->echo_unanswered = false;
    /* As chronyd, F323 follows the newest answer: a second one in an
     * interval moves the monotonic reference too. */
    if (r == EXCH_OK && (s->p.ext_fields & NTPEXT_FLAG_MONO_ROOT))
      use_mono_root(s, pkt, &x);
  }
  if (!first) {
    /* The peer sent again before our next packet: one sample per packet. */
    s->counters[NSRC_RX_DUPLICATE]++;
    return;
  }
  pr->answered = true;
  pr->remote_poll = h->poll;
  pr->remote_stratum = h->stratum != 0 ? h->stratum : NTP_MAX_STRATUM;
  struct xleave_times at = xleave_answer_times(&s->xl, interleaved ? &pairing : NULL, &ours, &t4);
  double since_tx = timespec_diff(&t4, &s->tx_cooked);
  if (s->p.xleave && r == EXCH_OK)
    xleave_save(&s->xl, &ours, h->receive, &t4, !interleaved);
  process_answer(s, r, &x, h, &at, dg);
  peer_reschedule(s, since_tx, kod_backoff(s, r, &x));
}

void nsrc_receive(struct nsrc *s, int sock, const struct plat_datagram *dg,
                  const struct ntp_packet *pkt)
{
  struct exch_sample x;
  struct timespec t4;

  /* A peer's packets come when the peer sends them, not only as answers. */
  bool expected = s->p.peer ? sock == s->sock || sock == s->shared_sock
                            : sock == s->sock && s->nonce != 0;
  if (!expected)
    return;
  if (!addr_equal(&dg->from, &s->p.addr) || dg->from_port != s->p.port) {
    s->counters[NSRC_RX_BAD]++;
    return;
  }
  s->counters[NSRC_RX_KERNEL_TS] += dg->rx_source == PLAT_TS_KERNEL;
  s->counters[NSRC_RX_HW_TS] += dg->rx_source == PLAT_TS_HARDWARE;
  if (s->p.peer) {
    peer_receive(s, dg, pkt);
    return;
  }
  t4 = disc_cook(s->disc, &dg->rx_time);
  struct xleave_packet ours = last_packet(s);
  bool interleaved = false;
  enum exch_result r = exch_check_reply(pkt, s->nonce, &s->tx_cooked, &t4, &x);
  struct xleave_pairing pairing;
  if (r == EXCH_BAD_ORIGIN && xleave_awaits_answer(&s->xl)) {
    /* Not the basic answer: maybe the interleaved one, whose origin is the
     * receive field of our request (never seen off the path). */
    r = xleave_check(&s->xl, pkt, &ours, mono_shift(s, pkt), &x, &pairing);
    interleaved = r != EXCH_BAD_ORIGIN;
  }
  if (r == EXCH_BAD_FORMAT || r == EXCH_BAD_MODE || r == EXCH_BAD_ORIGIN ||
      r == EXCH_ZERO_TIMESTAMP || !reply_authentic(s, pkt)) {
    /* Not the answer to our request (bogus, replayed, spoofed, or not
     * authenticated as ours are): keep waiting for the real one, so such a
     * packet cannot even cost us the exchange. */
    s->counters[NSRC_RX_BAD]++;
    return;
  }
  const struct ntp_header *h = &pkt->hdr;
  /* Test 1, chronyd's: an old reply sent again under our new origin (a
   * KoD too: as chronyd, a KoD is acted on only if it passes test 1), its
   * receive and transmit times both the last answer's. */
  if (h->receive == s->last_server_rx && h->transmit == s->last_server_tx) {
    s->counters[NSRC_RX_DUPLICATE]++;
    return;
  }
  if (r == EXCH_OK && wait_for_hw_tx(s, sock, dg))
    return;
  s->last_server_rx = h->receive;
  s->last_server_tx = h->transmit;
  struct xleave_times at = xleave_answer_times(&s->xl, interleaved ? &pairing : NULL, &ours, &t4);
  /* A presend's answer is no sample (test A): the interleaved answer to the
   * next request can still measure its exchange, as chronyd's does. */
  if (s->p.xleave && r == EXCH_OK)
    xleave_save(&s->xl, &ours, h->receive, &t4, !interleaved && !s->presend_done);
  if (r == EXCH_OK && (s->p.ext_fields & NTPEXT_FLAG_MONO_ROOT))
    use_mono_root(s, pkt, &x);
  close_request(s);
  process_answer(s, r, &x, h, &at, dg);
  /* As chronyd, an answer sets the next request anew, from the last one:
   * at the poll the answer left (or the presend's or a burst's short
   * interval, unless the answer ended the burst), later by a KoD's
   * backoff. */
  double interval = s->presend_done      ? WARM_UP_DELAY
                    : s->short_interval ? num_fmin(MAX_BURST_INTERVAL,
                                               MAX_BURST_POLL_RATIO * poll_interval(s))
                                        : poll_interval(s);
  double backoff = kod_backoff(s, r, &x);
  /* Unchanged, the timer stands (an answer that fails a test changes
   * nothing). */
  if ((interval != s->tx_interval || backoff > 0.0) && s->online &&
      tclass_pending(&s->tx_timer))
    schedule(s, num_fmax(0.0, interval - timespec_diff(&t4, &s->tx_cooked)) + backoff);
}
