#include "core/exchange.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "proto/ntp_ext.h"
#include "proto/num.h"

/* chronyd's client packets say precision 32, revealing nothing of the clock */
#define REQUEST_PRECISION 32

void exch_request_header(struct ntp_header *h, int version, int poll, ntp_ts nonce)
{
  memset(h, 0, sizeof(*h));
  h->version = (uint8_t)version;
  h->mode = NTP_MODE_CLIENT;
  h->poll = (int8_t)poll;
  h->precision = REQUEST_PRECISION;
  h->transmit = nonce;
}

size_t exch_build_request(uint8_t buf[48], int version, int poll, ntp_ts nonce)
{
  struct ntp_header h;
  exch_request_header(&h, version, poll, nonce);
  ntp_header_encode(&h, buf);
  return NTP_HEADER_LEN;
}

/* The len bytes in buf, then a MAC with key unless keyid is 0. */
static size_t add_mac(uint8_t *buf, size_t len, size_t cap, int version, uint32_t keyid,
                      const struct ntp_key *key)
{
  if (keyid == 0)
    return len;
  size_t mac = key ? ntp_mac_generate(key, keyid, buf, len, version, buf + len, cap - len) : 0;
  return mac > 0 ? len + mac : 0;
}

size_t exch_build_auth_packet(uint8_t *buf, size_t cap, const struct ntp_header *h,
                              uint32_t keyid, const struct ntp_key *key)
{
  return exch_build_ext_packet(buf, cap, h, 0, NULL, keyid, key);
}

size_t exch_build_ext_packet(uint8_t *buf, size_t cap, const struct ntp_header *h,
                             unsigned ext_fields, const struct ntpext_mono_root *mono,
                             uint32_t keyid, const struct ntp_key *key)
{
  struct wire_writer w;
  wire_writer_init(&w, buf, cap);
  w.pos = NTP_HEADER_LEN;
  ntp_header_encode(h, buf);
  /* chronyd's order; a request's fields carry nothing but F323's magic */
  if (ext_fields & NTPEXT_FLAG_NET_CORRECTION)
    ntpext_write_net_correction(&w, 0.0);
  if (ext_fields & NTPEXT_FLAG_MONO_ROOT)
    ntpext_write_mono_root(&w, mono ? mono : &(struct ntpext_mono_root){0});
  return w.err ? 0 : add_mac(buf, w.pos, cap, h->version, keyid, key);
}

size_t exch_build_auth_request(uint8_t *buf, size_t cap, int version, int poll, ntp_ts nonce,
                               uint32_t keyid, const struct ntp_key *key)
{
  exch_build_request(buf, version, poll, nonce);
  return add_mac(buf, NTP_HEADER_LEN, cap, version, keyid, key);
}

#define MIN_SECURE_KEY_LEN 10       /* bytes: chrony's 80 bits */

void exch_warn_key(const struct platform *plat, uint32_t id, const struct ntp_key *key)
{
  if (id != 0 && !key)
    plat_logf(plat, PLAT_LOG_WARN, "Key %" PRIu32 " is missing", id);
  else if (key && key->len < MIN_SECURE_KEY_LEN)
    plat_logf(plat, PLAT_LOG_WARN, "Key %" PRIu32 " is too short", id);
}

int exch_request_version(int configured, const struct ntp_key *key)
{
  if (configured != 0)
    return configured;
  return key && ntp_mac_digest_len(key->type, 3) > NTP_MAC_DIGEST_MAX_V4 ? 3 : 4;
}

/* How an answer's timestamps pair up: a server's reply or a symmetric
 * peer's packet (mode test, delay), and for the interleaved mode, crossed:
 * the previous answer paired with our next packet (the remote "processing
 * time" is negative). */
enum pairing {
  PAIR_SERVER = 0,
  PAIR_SYMMETRIC = 1,
  PAIR_CROSSED = 2,
};

/* chrony's limit on a server's processing time (its MAX_SERVER_INTERVAL). */
#define MAX_SERVER_INTERVAL 4.0

/* The tests all kinds of answer share. As chrony, the delay is the
 * magnitude of the local interval less the remote one, and never below the
 * server's precision: a fast server's timestamps carry random bits below
 * its precision (chronyd's), so its transmit time may come a little before
 * its receive time. A server reply is rejected only when the server held
 * the request longer than MAX_SERVER_INTERVAL. A symmetric peer's packet
 * measures two intervals on its own schedule and crossed timestamps
 * (interleaved mode) span the time between two exchanges (the "server
 * time" is negative): neither has that limit. */
static enum exch_result check_answer(const struct ntp_packet *p, unsigned pairing, ntp_ts nonce,
                                     const struct timespec *local_tx, ntp_ts remote_rx,
                                     const struct timespec *local_rx, struct exch_sample *out)
{
  bool symmetric = (pairing & PAIR_SYMMETRIC) != 0;
  if (p->status != NTP_PARSE_OK)
    return EXCH_BAD_FORMAT;
  const struct ntp_header *h = &p->hdr;
  bool mode_ok = symmetric ? h->mode == NTP_MODE_ACTIVE || h->mode == NTP_MODE_PASSIVE
                           : h->mode == NTP_MODE_SERVER;
  if (!mode_ok)
    return EXCH_BAD_MODE;
  if (nonce == 0 || h->origin != nonce)
    return EXCH_BAD_ORIGIN;
  memset(out, 0, sizeof(*out));
  out->refid = h->refid;
  /* As chronyd: a KoD (leap 3, stratum 0) counts only in a packet that
   * passes the timestamp test; stratum 0 otherwise is an unsynchronised
   * server's. */
  if (h->receive == 0 || h->transmit == 0)
    return EXCH_ZERO_TIMESTAMP;
  if (h->stratum == 0 && h->leap == NTP_LEAP_UNSYNC)
    return EXCH_KOD;
  if (h->leap == NTP_LEAP_UNSYNC || h->stratum == 0 || h->stratum >= 16)
    return EXCH_UNSYNCHRONISED;

  struct timespec t2 = ntp_ts_to_timespec(remote_rx ? remote_rx : h->receive, local_rx->tv_sec);
  struct timespec t3 = ntp_ts_to_timespec(h->transmit, local_rx->tv_sec);
  double server_time = timespec_diff(&t3, &t2);
  if (!symmetric && !(pairing & PAIR_CROSSED) && fabs(server_time) > MAX_SERVER_INTERVAL)
    return EXCH_BAD_TIMES;
  double delay = fabs(timespec_diff(local_rx, local_tx) - server_time);
  delay = num_fmax(delay, num_ldexp(1.0, h->precision));

  out->offset = (timespec_diff(&t2, local_tx) + timespec_diff(&t3, local_rx)) / 2.0;
  out->delay = delay;
  out->root_delay = ntp_short_to_double(h->root_delay);
  out->root_dispersion = ntp_short_to_double(h->root_dispersion);
  out->stratum = h->stratum;
  out->precision = h->precision;
  out->leap = h->leap;
  out->version = h->version;
  return EXCH_OK;
}

enum exch_result exch_check_reply(const struct ntp_packet *p, ntp_ts nonce,
                                  const struct timespec *local_tx,
                                  const struct timespec *local_rx, struct exch_sample *out)
{
  return check_answer(p, PAIR_SERVER, nonce, local_tx, 0, local_rx, out);
}

enum exch_result exch_check_interleaved(const struct ntp_packet *p, bool symmetric, ntp_ts origin,
                                        const struct timespec *prev_tx, ntp_ts prev_remote_rx,
                                        const struct timespec *prev_rx, struct exch_sample *out)
{
  if (prev_remote_rx == 0)
    return EXCH_BAD_ORIGIN;
  return check_answer(p, symmetric ? PAIR_SYMMETRIC : PAIR_SERVER, origin, prev_tx,
                      prev_remote_rx, prev_rx, out);
}

enum exch_result exch_check_interleaved_crossed(const struct ntp_packet *p, bool symmetric,
                                                ntp_ts origin, const struct timespec *local_tx,
                                                const struct timespec *prev_rx,
                                                struct exch_sample *out)
{
  return check_answer(p, PAIR_CROSSED | (symmetric ? PAIR_SYMMETRIC : PAIR_SERVER), origin,
                      local_tx, 0, prev_rx, out);
}

enum exch_result exch_check_symmetric(const struct ntp_packet *p, ntp_ts our_tx,
                                      const struct timespec *local_tx,
                                      const struct timespec *local_rx, struct exch_sample *out)
{
  return check_answer(p, PAIR_SYMMETRIC, our_tx, local_tx, 0, local_rx, out);
}

bool exch_check_auth(const struct ntp_packet *p, uint32_t keyid, const struct ntp_key *key)
{
  if (p->status != NTP_PARSE_OK)
    return false;
  if (keyid == 0)
    return p->mac_len == 0;
  return p->mac_len > 0 && p->mac_keyid == keyid && key && ntp_mac_verify_packet(key, p);
}

const char *exch_result_name(enum exch_result r)
{
  static const char *const names[EXCH_RESULT_COUNT] = {
    "ok", "bad format", "bad mode", "bad origin", "zero timestamp",
    "kiss-o'-death", "unsynchronised", "bad times"};
  return r < EXCH_RESULT_COUNT ? names[r] : "?";
}
