/* An NTS-KE for unit tests of NTS clients (ntp_source, query): ops that
 * count what the client asks for, a response with 8 cookies handed to
 * ntsc_ke_done, and the server's reply to the last request sent (NTS under
 * a given key, a NAK, or plain NTP), delivered as fake_platform's. */
#ifndef STRATUM_TESTS_FAKE_NTS_H
#define STRATUM_TESTS_FAKE_NTS_H

#include <string.h>

#include "core/nts_client.h"
#include "fake_platform.h"
#include "proto/ntp_packet.h"
#include "proto/nts_ntp.h"

struct fake_nts {
  struct fake_platform *fp;
  struct ntsc_ke_ops ops;
  struct ntsc *attached, *detached;
  unsigned starts;
  struct aead_key c2s, s2c;
};

static double fake_nts_now(void *arg)
{
  const struct fake_nts *n = arg;
  return (double)n->fp->now.tv_sec + n->fp->now.tv_nsec * 1e-9;
}

static void fake_nts_attach(void *arg, struct ntsc *c)
{
  ((struct fake_nts *)arg)->attached = c;
}

static void fake_nts_detach(void *arg, struct ntsc *c)
{
  ((struct fake_nts *)arg)->detached = c;
}

static void fake_nts_start(void *arg, struct ntsc *c)
{
  (void)c;
  ((struct fake_nts *)arg)->starts++;
}

static inline void fake_nts_init(struct fake_nts *n, struct fake_platform *fp)
{
  memset(n, 0, sizeof(*n));
  n->fp = fp;
  n->ops = (struct ntsc_ke_ops){fake_nts_attach, fake_nts_detach, fake_nts_start, fake_nts_now,
                                n};
  n->c2s.algorithm = n->s2c.algorithm = AEAD_AES_SIV_CMAC_256;
  n->c2s.len = n->s2c.len = 32;
  memset(n->c2s.data, 1, 32);
  memset(n->s2c.data, 2, 32);
}

/* The NTS-KE c asked for gives 8 cookies (and a port, unless 0). */
static inline void fake_nts_ke_done(struct fake_nts *n, struct ntsc *c, uint16_t port)
{
  struct ntske_message m;
  memset(&m, 0, sizeof(m));
  m.n_protocols = m.n_algorithms = 1;
  m.protocols[0] = NTSKE_PROTOCOL_NTPV4;
  m.algorithms[0] = AEAD_AES_SIV_CMAC_256;
  m.n_cookies = NTSKE_MAX_COOKIES;
  for (size_t i = 0; i < NTSKE_MAX_COOKIES; i++) {
    m.cookies[i].len = 64;
    memset(m.cookies[i].data, (int)i, 64);
  }
  m.has_port = port != 0;
  m.port = port;
  assert_true(ntsc_ke_done(c, fake_nts_now(n), &m, &n->c2s, &n->s2c));
}

enum fake_nts_kind { FAKE_NTS_REPLY, FAKE_NTS_NAK, FAKE_NTS_PLAIN };

/* The server's reply to the last request, 1 ms after it, to its socket. */
static inline void fake_nts_reply(struct fake_nts *n, enum fake_nts_kind kind,
                                  const struct aead_key *s2c)
{
  struct fake_platform *fp = n->fp;
  const struct fake_send *r = &fp->sends[fp->n_sends - 1];
  struct ntp_packet p;
  struct ntsntp_request q;
  struct ntp_header req, h;
  uint8_t buf[sizeof(r->buf)];
  size_t len = NTP_HEADER_LEN, sent;
  assert_int_equal(ntp_packet_parse(r->buf, r->len, &p), NTP_PARSE_OK);
  assert_int_equal(p.mac_len, 0);
  assert_int_equal(ntsntp_parse_request(&p, &q), NTSNTP_OK);
  assert_int_equal(ntsntp_verify_request(&p, &q, &n->c2s), NTSNTP_OK);
  ntp_header_decode(r->buf, &req);
  struct timespec t2 = timespec_add_double(&fp->now, 0.001);
  struct timespec t3 = timespec_add_double(&fp->now, 0.002);
  memset(&h, 0, sizeof(h));
  h.version = 4;
  h.mode = NTP_MODE_SERVER;
  h.stratum = kind == FAKE_NTS_NAK ? 0 : 2;
  h.leap = kind == FAKE_NTS_NAK ? NTP_LEAP_UNSYNC : NTP_LEAP_NONE;
  h.refid = kind == FAKE_NTS_NAK ? NTSNTP_KOD_NAK : 0xC0000202u;
  h.precision = -20;
  h.origin = req.transmit;
  h.receive = ntp_ts_from_timespec(&t2);
  h.transmit = ntp_ts_from_timespec(&t3);
  ntp_header_encode(&h, buf);
  if (kind == FAKE_NTS_REPLY) {
    uint8_t nonce[NTSNTP_NONCE_LEN] = {9};
    len = ntsntp_build_reply(buf, r->len, &q, &(struct ntske_cookie){.len = 64}, 1, s2c, nonce,
                             &sent);
  } else if (kind == FAKE_NTS_NAK) {
    len = ntsntp_build_nak(buf, sizeof(buf), &q);
  }
  assert_true(len >= NTP_HEADER_LEN);
  struct plat_datagram dg;
  memset(&dg, 0, sizeof(dg));
  dg.data = buf;
  dg.len = len;
  dg.from = r->to;
  dg.from_port = r->port;
  dg.rx_time = timespec_add_double(&fp->now, 0.003);
  fp->recv_fn(fp->recv_arg, r->sock, &dg);
}

#endif
