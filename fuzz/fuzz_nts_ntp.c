/* libFuzzer target for nts_ntp, with fixed keys: a server parsing and
 * verifying requests and answering them, a client verifying replies.
 *
 * The first input byte chooses what the rest is:
 *   0: a whole packet, handed to both sides;
 *   1: the encrypted fields of a server reply, sealed here under the S2C key
 *      so the client's parsing of what is inside gets exercised;
 *   2: the encrypted fields of a client request (with a valid cookie),
 *      sealed under the C2S key, for the server's side.
 * Whenever a request verifies, the reply built for it must be exactly as
 * long as the request and verify on the client with the cookies sent. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/aead.h"
#include "proto/ntp_packet.h"
#include "proto/nts_ntp.h"
#include "proto/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

static const uint8_t uid[NTSNTP_UID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                            17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
                                            30, 31, 32};
static const uint8_t nonce[NTSNTP_NONCE_LEN] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                                0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

static struct aead_key key(uint16_t algorithm, uint8_t seed)
{
  struct aead_key k = {.algorithm = algorithm, .len = aead_key_len(algorithm)};

  for (size_t i = 0; i < k.len; i++)
    k.data[i] = (uint8_t)(seed + i);
  return k;
}

static struct ntsntp_server_key server_keys[2];
static struct aead_key c2s, s2c;

static void setup(void)
{
  server_keys[0] = (struct ntsntp_server_key){.id = 1, .key = key(AEAD_AES_128_GCM_SIV, 0x40)};
  server_keys[1] = (struct ntsntp_server_key){.id = 2, .key = key(AEAD_AES_SIV_CMAC_256, 0x50)};
  c2s = key(AEAD_AES_SIV_CMAC_256, 0x10);
  s2c = key(AEAD_AES_SIV_CMAC_256, 0x20);
}

static size_t header(uint8_t *buf, enum ntp_mode mode)
{
  struct ntp_header h = {.version = 4, .mode = mode, .stratum = 2};

  ntp_header_encode(&h, buf);
  return NTP_HEADER_LEN;
}

/* Append an authenticator over buf[0..len) sealing pt under k; returns the
 * new length, or 0 if it does not fit. */
static size_t seal(uint8_t *buf, size_t len, size_t cap, const struct aead_key *k,
                   const uint8_t *pt, size_t pt_len)
{
  static uint8_t body[NTSNTP_MAX_PACKET_LEN], ct[NTSNTP_MAX_PACKET_LEN];
  struct wire_writer w, b;

  if (pt_len + AEAD_TAG_LEN > sizeof(ct) ||
      !aead_encrypt(k, nonce, NTSNTP_NONCE_LEN, buf, len, pt, pt_len, ct, sizeof(ct)))
    return 0;
  wire_writer_init(&b, body, sizeof(body));
  wire_put_u16(&b, NTSNTP_NONCE_LEN);
  wire_put_u16(&b, (uint16_t)(pt_len + AEAD_TAG_LEN));
  wire_put_bytes(&b, nonce, NTSNTP_NONCE_LEN);
  wire_put_bytes(&b, ct, pt_len + AEAD_TAG_LEN);
  wire_writer_init(&w, buf + len, cap - len);
  ntp_ef_write(&w, NTSNTP_EF_AUTH, body, b.pos);
  return b.err || w.err ? 0 : len + w.pos;
}

/* The client's side of a reply. */
static void client(const uint8_t *buf, size_t len)
{
  static struct ntsntp_reply reply;
  struct ntp_packet p;

  if (ntp_packet_parse(buf, len, &p) != NTP_PARSE_OK)
    return;
  if (ntsntp_parse_reply(&p, uid, &s2c, &reply) == NTSNTP_OK) {
    check(reply.n_cookies >= 1 && reply.n_cookies <= NTSKE_MAX_COOKIES);
    for (size_t i = 0; i < reply.n_cookies; i++)
      check(reply.cookies[i].len >= 12 && reply.cookies[i].len <= NTSKE_MAX_COOKIE_LEN);
  }
}

/* The server's side of a request; a verified one gets a reply the client
 * (with the request's keys) must accept. */
static void server(const uint8_t *buf, size_t len)
{
  static struct ntske_cookie fresh[NTSKE_MAX_COOKIES];
  static struct ntsntp_reply reply;
  static uint8_t res[NTSNTP_MAX_PACKET_LEN];
  struct aead_key rc2s, rs2c;
  struct ntsntp_request req;
  struct ntp_packet p, pres;
  size_t wanted, sent, res_len;

  if (ntp_packet_parse(buf, len, &p) != NTP_PARSE_OK || ntsntp_parse_request(&p, &req) != NTSNTP_OK)
    return;
  check(req.auth_offset + req.auth->length == len && req.cookie_len <= NTSKE_MAX_COOKIE_LEN);
  check(ntsntp_build_nak(res, sizeof(res), &req) > 0);
  if (!ntsntp_cookie_decode(server_keys, 2, req.cookie, req.cookie_len, &rc2s, &rs2c) ||
      ntsntp_verify_request(&p, &req, &rc2s) != NTSNTP_OK)
    return;
  wanted = ntsntp_cookies_wanted(&req);
  check(wanted >= 1 && wanted <= NTSKE_MAX_COOKIES);
  for (size_t i = 0; i < wanted; i++)
    check(ntsntp_cookie_encode(&server_keys[i % 2], nonce, &rc2s, &rs2c, &fresh[i]));
  if (len > sizeof(res))
    return;
  header(res, NTP_MODE_SERVER);
  /* A verified request always leaves room for a reply, if without cookies. */
  res_len = ntsntp_build_reply(res, len, &req, fresh, wanted, &rs2c, nonce, &sent);
  check(res_len == len && sent <= wanted);
  check(ntp_packet_parse(res, res_len, &pres) == NTP_PARSE_OK);
  if (req.uid_len == NTSNTP_UID_LEN && memcmp(req.uid, uid, NTSNTP_UID_LEN) == 0 &&
      memcmp(&rs2c, &s2c, sizeof(s2c)) == 0) {
    enum ntsntp_status st = ntsntp_parse_reply(&pres, uid, &s2c, &reply);

    check(st == (sent > 0 ? NTSNTP_OK : NTSNTP_NO_COOKIES) && reply.n_cookies == sent);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static uint8_t buf[NTSNTP_MAX_PACKET_LEN];
  static struct ntske_cookie cookie;
  struct wire_writer w;
  size_t len;

  if (server_keys[0].id == 0)
    setup();
  if (size < 1)
    return 0;
  switch (data[0]) {
  case 0:
    server(data + 1, size - 1);
    client(data + 1, size - 1);
    break;
  case 1:
    len = header(buf, NTP_MODE_SERVER);
    wire_writer_init(&w, buf + len, sizeof(buf) - len);
    ntp_ef_write(&w, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
    len = seal(buf, len + w.pos, sizeof(buf), &s2c, data + 1, size - 1);
    if (len > 0)
      client(buf, len);
    break;
  case 2:
    check(ntsntp_cookie_encode(&server_keys[1], nonce, &c2s, &s2c, &cookie));
    len = header(buf, NTP_MODE_CLIENT);
    wire_writer_init(&w, buf + len, sizeof(buf) - len);
    ntp_ef_write(&w, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
    ntp_ef_write(&w, NTSNTP_EF_COOKIE, cookie.data, cookie.len);
    len = w.err ? 0 : seal(buf, len + w.pos, sizeof(buf), &c2s, data + 1, size - 1);
    if (len > 0)
      server(buf, len);
    break;
  default:
    break;
  }
  return 0;
}
