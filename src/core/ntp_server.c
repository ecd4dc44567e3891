#include "core/ntp_server.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "proto/ntp_ext.h"
#include "proto/num.h"
#include "proto/signd.h"
#include "proto/timespec.h"

void srv_init(struct ntp_server *s, const struct platform *plat, const struct refstate *ref)
{
  memset(s, 0, sizeof(*s));
  s->plat = plat;
  s->ref = ref;
  access_init(&s->access, false);
}

void srv_free(struct ntp_server *s)
{
  access_free(&s->access);
}

static size_t drop(struct ntp_server *s, enum srv_drop why)
{
  s->stats.dropped[why]++;
  return 0;
}

/* The mode of our reply, or -1 to drop. As chrony: client requests get
 * server replies; symmetric active packets from unknown peers get a passive
 * reply without creating an association; NTPv1 had no mode field, so a
 * version-1 mode-0 packet not sent from the NTP port is a client request. */
static int reply_mode_for(const struct ntp_header *h, uint16_t from_port)
{
  switch (h->mode) {
  case NTP_MODE_CLIENT:
    return NTP_MODE_SERVER;
  case NTP_MODE_ACTIVE:
    return NTP_MODE_PASSIVE;
  case NTP_MODE_RESERVED:
    return h->version == 1 && from_port != NTP_PORT ? NTP_MODE_SERVER : -1;
  default:
    return -1;
  }
}

/* The key whose MAC ends the request, or NULL if its ID is unknown or the
 * MAC does not verify (chrony then sends nothing, not even a crypto-NAK). */
static const struct ntp_key *request_key(const struct ntp_server *s,
                                         const struct ntp_packet *req)
{
  const struct ntp_key *key = ntp_keyring_find(s->keys, req->mac_keyid);
  if (!key || !ntp_mac_verify_packet(key, req))
    return NULL;
  return key;
}

/* chronyd's test of a request that may be interleaved: NTPv4, its
 * receive and transmit fields differ, and its origin has the lowest bit
 * set, as only our receive timestamps have (our transmit timestamps have
 * it clear: a basic client naming one is told apart). Only such a
 * request's reply is saved and has its kernel transmit time taken. */
static bool may_interleave(const struct ntp_header *h)
{
  return h->version == 4 && (h->origin & 1) && h->receive != h->transmit;
}

/* Stamp the transmit time of the encoded reply header, unless interleaved
 * (it carries an earlier reply's): before a MAC or an NTS authenticator,
 * which cover it; the served time's correction included. */
static void stamp_transmit(struct ntp_server *s, uint8_t *reply)
{
  s->last.stamped = true;
  if (!s->last.interleaved) {
    struct timespec now;
    s->plat->ops->now(s->plat->ctx, &now);
    now = timespec_add_double(&now, s->last.correction);
    ntp_set_transmit(reply, ntp_ts_from_timespec(&now) & ~(ntp_ts)1);
  }
}

/* Stamp the reply and append its MAC. Returns the reply length, or 0 if
 * the MAC cannot be made or the reply would be longer than the request (as
 * chrony, never sent). */
static size_t sign_reply(struct ntp_server *s, const struct ntp_key *key, uint32_t keyid,
                         int version, uint8_t *reply, size_t len, size_t cap,
                         size_t request_len)
{
  stamp_transmit(s, reply);
  size_t mac = ntp_mac_generate(key, keyid, reply, len, version, reply + len, cap - len);
  if (mac == 0 || len + mac > request_len)
    return 0;
  return len + mac;
}

/* chronyd's extension fields the request carries, in the reply after its
 * header (10A, then F323, as chronyd orders them), when the reply stays
 * no longer than the request. Returns the reply's length so far. The
 * network correction (only with ptpport, as chronyd) is always 0 here:
 * chronyd fills it only for requests with hardware receive timestamps. The monotonic receive time is left
 * out (zero) when the served time is smoothed, as chronyd does. */
static size_t add_ext_fields(const struct ntp_server *s, const struct ntp_packet *req,
                             const struct timespec *rx, uint8_t *reply, size_t cap)
{
  unsigned flags = ntpext_flags(req);
  size_t n = (size_t)!!(flags & NTPEXT_FLAG_MONO_ROOT) +
             (size_t)(s->ptp && (flags & NTPEXT_FLAG_NET_CORRECTION));
  if (n == 0 || NTP_HEADER_LEN + n * NTPEXT_FIELD_LEN + req->mac_len > req->len)
    return NTP_HEADER_LEN;
  struct wire_writer w;
  wire_writer_init(&w, reply, cap);
  w.pos = NTP_HEADER_LEN;
  if ((flags & NTPEXT_FLAG_NET_CORRECTION) && s->ptp)
    ntpext_write_net_correction(&w, 0.0);
  if (flags & NTPEXT_FLAG_MONO_ROOT) {
    struct ntpext_mono_root m;
    ref_mono_root(s->ref, rx, s->last.smoothed ? NULL : rx, s->last.correction, &m);
    ntpext_write_mono_root(&w, &m);
  }
  return w.err ? NTP_HEADER_LEN : w.pos;
}

/* Complete an NTS reply, or a NAK. A KoD RATE to an NTS request carries
 * its unique identifier and no authenticator, as a NAK (RFC 8915 5.7). */
static size_t nts_reply(struct ntp_server *s, enum ntss_verdict nts, bool kod,
                        const struct ntss_request *r, uint8_t *reply, size_t request_len)
{
  size_t len;
  stamp_transmit(s, reply);     /* longer than a header: sent as it is */
  if (nts == NTSS_ANSWER && !kod) {
    len = ntss_reply(s->nts, r, reply, request_len);
  } else {
    len = ntss_nak(s->nts, r, reply, request_len, !kod);
  }
  if (len == 0)
    return drop(s, SRV_DROP_AUTH);
  s->stats.auth_replied += nts == NTSS_ANSWER && !kod;    /* a NAK authenticates nothing */
  return len;
}

/* smoothtime: the served time smoothed (chrony's ntp_core.c), from the
 * cooked time. */
static void smooth_reply(struct ntp_server *s, const struct timespec *rx, struct ntp_header *h)
{
  const struct refstate *ref = s->ref;
  if (ref->leap_slew && (h->leap == NTP_LEAP_INSERT || h->leap == NTP_LEAP_DELETE))
    h->leap = NTP_LEAP_NONE;
  struct timespec cooked = timespec_add_double(rx, s->last.correction);
  double offset = smooth_offset(&ref->smooth, &cooked);
  s->last.correction += offset;
  s->last.smoothed = offset != 0.0;
  struct timespec t = timespec_add_double(rx, s->last.correction);
  h->receive = ntp_ts_from_timespec(&t);
  if (fabs(offset) <= num_ldexp(1.0, ref->precision_log2))
    return;
  struct ref_params rp;
  ref_get_params(ref, rx, &rp);
  h->refid = NTP_REFID_SMOOTH;
  if (h->reference) {
    t = timespec_add_double(&rp.ref_time, offset);
    h->reference = ntp_ts_from_timespec(&t);
  }
}

static size_t process(struct ntp_server *s, const struct plat_datagram *dg,
                      const struct ntp_packet *req, uint8_t *reply, size_t cap)
{
  const struct ntp_key *key = NULL;
  struct ntp_header h;

  s->stats.received++;
  s->last = (struct srv_last_reply){.clog_index = -1};
  if (!access_check(&s->access, &dg->from))
    return drop(s, SRV_DROP_ACCESS);
  if (req->status != NTP_PARSE_OK)
    return drop(s, SRV_DROP_FORMAT);
  int reply_mode = reply_mode_for(&req->hdr, dg->from_port);
  if (reply_mode < 0)
    return drop(s, SRV_DROP_MODE);
  enum clog_verdict verdict = CLOG_PASS;
  int index = -1;
  if (s->clog) {
    index = clog_access(s->clog, CLOG_NTP, &dg->from, &dg->rx_time);
    verdict = clog_limit(s->clog, CLOG_NTP, index);
    if (verdict == CLOG_DROP)
      return drop(s, SRV_DROP_RATELIMIT);
  }
  bool mssntp = s->signd && signd_is_mssntp(req);
  if (req->mac_len > 0 && !mssntp && !(key = request_key(s, req)))
    return drop(s, SRV_DROP_AUTH);
  assert(cap >= NTP_HEADER_LEN && dg->len >= NTP_HEADER_LEN);
  enum ntss_verdict nts = NTSS_NOT_NTS;
  struct ntss_request nts_req;
  if (s->nts && reply_mode == NTP_MODE_SERVER && !key && !mssntp) {
    nts = ntss_check(s->nts, req, &nts_req);
    if (nts == NTSS_DROP || (nts != NTSS_NOT_NTS && cap < dg->len))
      return drop(s, SRV_DROP_AUTH);
  }

  memset(&h, 0, sizeof(h));
  ref_fill_header(s->ref, &dg->rx_time, &h);
  h.version = req->hdr.version;
  h.mode = (uint8_t)reply_mode;
  h.poll = req->hdr.poll;
  if (s->clog && clog_min_poll(s->clog) > h.poll)
    h.poll = (int8_t)clog_min_poll(s->clog);
  h.origin = req->hdr.transmit;
  /* As chronyd, the time served is the cooked time: the virtual clock of
   * -x, and what is still to be slewed, are in it. */
  s->last.correction = disc_cooking_correction(&s->ref->cooking, &dg->rx_time);
  struct timespec rx = timespec_add_double(&dg->rx_time, s->last.correction);
  h.receive = ntp_ts_from_timespec(&rx);
  h.transmit = 0;
  if (reply_mode == NTP_MODE_SERVER && s->ref->smooth.enabled)
    smooth_reply(s, &dg->rx_time, &h);
  h.receive |= 1;     /* the flag may_interleave looks for */
  if (verdict == CLOG_KOD || nts == NTSS_NAK) {
    h.leap = NTP_LEAP_UNSYNC;
    h.stratum = 0;
    h.refid = verdict == CLOG_KOD ? NTP_REFID_RATE : NTSNTP_KOD_NAK;
    s->stats.kod_replied += verdict == CLOG_KOD;
  } else if (reply_mode == NTP_MODE_SERVER && index >= 0) {
    /* An interleaved request names our receive timestamp of the client's
     * previous request as its origin: answer with the transmit time of
     * that reply, and echo its receive field so the client can tell. Only
     * the client's own last exchange matches, which a spoofer cannot know. */
    /* As chronyd, only a request that may be interleaved is: a client's
     * first (zero origin) is not saved, its third reply is the first that
     * can be interleaved. */
    bool xleave = may_interleave(&req->hdr);
    s->last.clog_index = xleave ? index : -1;
    s->last.rx = h.receive;
    /* A smoothed reply's transmit time is ours: the kernel's would not be. */
    s->last.want_tx = xleave && !s->last.smoothed;
    if (xleave && clog_ntp_tx(s->clog, index, req->hdr.origin, &h.transmit)) {
      s->last.interleaved = true;
      h.transmit &= ~(ntp_ts)1;
      h.origin = req->hdr.receive;
      s->stats.interleaved_replied++;
    }
  }
  ntp_header_encode(&h, reply);
  if (nts != NTSS_NOT_NTS)
    return nts_reply(s, nts, verdict == CLOG_KOD, &nts_req, reply, dg->len);
  if (mssntp) {
    /* Samba signs the header as it is, transmit time included. */
    stamp_transmit(s, reply);
    s->last.mssntp_keyid = req->mac_keyid;
    return NTP_HEADER_LEN;
  }
  size_t len = add_ext_fields(s, req, &dg->rx_time, reply, cap);
  if (!key)
    return len;
  len = sign_reply(s, key, req->mac_keyid, req->hdr.version, reply, len, cap, dg->len);
  if (len == 0)
    return drop(s, SRV_DROP_AUTH);
  s->stats.auth_replied++;
  return len;
}

size_t srv_process(struct ntp_server *s, const struct plat_datagram *dg,
                   const struct ntp_packet *req, uint8_t *reply, size_t cap)
{
  size_t len = process(s, dg, req, reply, cap);
  if (len == 0)
    return 0;
  /* chronyd's count of the timestamps of replies made: a basic reply
   * carries the daemon's transmit time; an interleaved one that of the
   * previous reply, counted as the kernel's when the sockets report
   * transmit times (the client log does not keep whether the kernel or a
   * NIC stamped it, or neither in time). */
  if ((unsigned)dg->rx_source < SRV_TS_SOURCES)
    s->stats.rx_ts[dg->rx_source]++;
  s->stats.tx_ts[s->last.interleaved && s->tx_timestamps ? PLAT_TS_KERNEL : PLAT_TS_DAEMON]++;
  return len;
}

void srv_respond(struct ntp_server *s, int sock, const struct plat_datagram *dg,
                 const struct ntp_packet *req)
{
  uint8_t reply[SRV_REPLY_MAX];
  size_t len = srv_process(s, dg, req, reply, sizeof(reply));
  if (len == 0)
    return;
  const struct srv_last_reply *last = &s->last;
  const struct platform_ops *ops = s->plat->ops;
  if (last->mssntp_keyid) {
    s->signd(s->signd_arg, sock, dg, last->mssntp_keyid, reply);
    return;
  }
  bool stamp = !last->stamped && !last->interleaved;
  /* The platform adds its clock, read just before sending, to this. */
  if (stamp)
    ntp_set_transmit(reply, ntp_ts_offset(last->correction));
  unsigned flags = (stamp ? PLAT_SEND_STAMP_TRANSMIT | PLAT_SEND_STAMP_EVEN : 0) |
                   (s->batched_sends ? PLAT_SEND_BATCHED : 0);
  /* The transmit time saved for an interleaved follow-up: the stamp the
   * reply carries, or (when it carries an earlier reply's) the time just
   * before sending; the kernel's, if it reports one, replaces it. */
  struct timespec before = {0};
  if (last->interleaved) {
    ops->now(s->plat->ctx, &before);
    before = timespec_add_double(&before, last->correction);
  }
  int r;
  if (last->want_tx && s->tx_timestamps)
    r = ops->udp_send_tagged(s->plat->ctx, sock, &dg->local, &dg->from, dg->from_port, reply,
                             len, flags, last->rx);
  else
    r = ops->udp_send(s->plat->ctx, sock, &dg->local, &dg->from, dg->from_port, reply, len,
                      flags);
  if (r < 0) {
    s->stats.dropped[SRV_DROP_SEND]++;
    return;
  }
  if (last->clog_index >= 0) {
    uint64_t tx = last->interleaved ? ntp_ts_from_timespec(&before) : ntp_get_transmit(reply);
    clog_save_ntp_timestamps(s->clog, last->clog_index, last->rx, tx);
  }
  s->stats.replied++;
}

void srv_receive(void *arg, int sock, const struct plat_datagram *dg)
{
  struct ntp_packet req;
  ntp_packet_parse(dg->data, dg->len, &req);
  srv_respond(arg, sock, dg, &req);
}

int srv_enable_tx_timestamps(struct ntp_server *s, int sock, plat_tx_fn fn, void *arg)
{
  const struct platform_ops *ops = s->plat->ops;
  if (!ops->udp_tx_timestamps || !ops->udp_send_tagged)
    return -1;
  if (ops->udp_tx_timestamps(s->plat->ctx, sock, fn ? fn : srv_tx_timestamp, fn ? arg : s) < 0)
    return -1;
  s->tx_timestamps = true;   /* replies ask for them only with a client log */
  return 0;
}

/* plat_send_fail_fn: a reply counted as sent did not leave. */
static void send_failed(void *arg, int sock, int err)
{
  struct ntp_server *s = arg;
  (void)sock;
  (void)err;
  s->stats.replied--;
  s->stats.dropped[SRV_DROP_SEND]++;
}

int srv_enable_batched_sends(struct ntp_server *s, int sock)
{
  const struct platform_ops *ops = s->plat->ops;
  if (!ops->udp_send_failures || ops->udp_send_failures(s->plat->ctx, sock, send_failed, s) < 0)
    return -1;
  s->batched_sends = true;
  return 0;
}

void srv_tx_timestamp(void *arg, int sock, const struct ip_addr *to, uint16_t port, uint64_t tag,
                      const struct timespec *tx_time, enum plat_ts_source source)
{
  struct ntp_server *s = arg;
  (void)sock;
  (void)port;
  (void)source;   /* a later, hardware one replaces the kernel's */
  if (!s->clog)
    return;
  struct timespec t =
      timespec_add_double(tx_time, disc_cooking_correction(&s->ref->cooking, tx_time));
  clog_update_ntp_tx(s->clog, to, tag, ntp_ts_from_timespec(&t));
}

const char *srv_drop_name(enum srv_drop d)
{
  static const char *const names[SRV_DROP_COUNT] = {"access", "format", "mode", "auth", "send",
                                                     "ratelimit"};
  return d < SRV_DROP_COUNT ? names[d] : "?";
}
