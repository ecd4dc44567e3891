/* Tests of nts_ntp: the whole exchange (client request -> server parses,
 * decodes the cookie, verifies -> server reply -> client verifies) for both
 * AEADs, chrony's field layouts and cookie lengths, replies never longer
 * than their request, and rejection of missing, duplicated, misplaced,
 * malformed and tampered fields, NAKs and bad cookies. */
#include "hex.h"

#include "proto/aead.h"
#include "proto/ntp_packet.h"
#include "proto/nts_ntp.h"
#include "proto/wire.h"

#define SERVER_KEY_ID 0x12345678u

static const uint8_t uid[NTSNTP_UID_LEN] = {
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
  0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20};
static const uint8_t client_nonce[NTSNTP_NONCE_LEN] = {
  0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf};
static const uint8_t server_nonce[NTSNTP_NONCE_LEN] = {
  0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f};

static struct aead_key make_key(uint16_t algorithm, uint8_t seed)
{
  struct aead_key k = {.algorithm = algorithm, .len = aead_key_len(algorithm)};

  for (size_t i = 0; i < k.len; i++)
    k.data[i] = (uint8_t)(seed + 3 * i);
  return k;
}

static struct ntsntp_server_key server_key(uint16_t algorithm)
{
  return (struct ntsntp_server_key){.id = SERVER_KEY_ID, .key = make_key(algorithm, 0x90)};
}

static void encode_header(uint8_t *buf, enum ntp_mode mode)
{
  struct ntp_header h = {.version = 4, .mode = mode, .stratum = mode == NTP_MODE_SERVER ? 2 : 0,
                         .poll = 6, .precision = -20, .transmit = 0xE93C7F0080000000u};

  ntp_header_encode(&h, buf);
}

/* A client request: C2S/S2C keys of `algorithm`, a cookie from a server key
 * of the same algorithm, n placeholders. */
struct exchange {
  uint16_t algorithm;
  struct aead_key c2s, s2c;
  struct ntsntp_server_key skey;
  struct ntske_cookie cookie;
  uint8_t req[NTSNTP_MAX_PACKET_LEN];
  size_t req_len;
  struct ntp_packet preq;
  struct ntsntp_request sreq;
};

static void make_request(struct exchange *x, uint16_t algorithm, size_t n_placeholders)
{
  memset(x, 0, sizeof(*x));
  x->algorithm = algorithm;
  x->c2s = make_key(algorithm, 0x10);
  x->s2c = make_key(algorithm, 0x20);
  x->skey = server_key(algorithm);
  assert_true(ntsntp_cookie_encode(&x->skey, server_nonce, &x->c2s, &x->s2c, &x->cookie));
  encode_header(x->req, NTP_MODE_CLIENT);
  x->req_len = ntsntp_build_request(x->req, sizeof(x->req), uid, &x->cookie, n_placeholders,
                                    &x->c2s, client_nonce);
  assert_true(x->req_len > NTP_HEADER_LEN);
  assert_int_equal(ntp_packet_parse(x->req, x->req_len, &x->preq), NTP_PARSE_OK);
}

static void cookies_of_len(struct ntske_cookie *c, size_t n, size_t len)
{
  for (size_t i = 0; i < n; i++) {
    c[i].len = len;
    for (size_t j = 0; j < len; j++)
      c[i].data[j] = (uint8_t)(i * 16 + j);
  }
}

/* The whole exchange; `placeholders`: what chrony's client asks for with
 * one cookie left, given the cookie's length. */
static void round_trip(uint16_t algorithm, size_t placeholders)
{
  struct exchange x;
  struct aead_key c2s, s2c;
  struct ntske_cookie fresh[NTSKE_MAX_COOKIES];
  struct ntsntp_reply reply;
  struct ntp_packet pres;
  uint8_t res[NTSNTP_MAX_PACKET_LEN];
  size_t res_len, sent, wanted = placeholders + 1;

  make_request(&x, algorithm, 0);
  assert_int_equal(ntsntp_request_placeholders(1, x.cookie.len), placeholders);
  make_request(&x, algorithm, placeholders);
  assert_int_equal(x.preq.n_ef, 3 + placeholders);

  /* Server: fields, cookie, authentication, cookies wanted. */
  assert_int_equal(ntsntp_parse_request(&x.preq, &x.sreq), NTSNTP_OK);
  assert_int_equal(x.sreq.uid_len, NTSNTP_UID_LEN);
  assert_memory_equal(x.sreq.uid, uid, NTSNTP_UID_LEN);
  assert_int_equal(x.sreq.cookie_len, x.cookie.len);
  assert_true(ntsntp_cookie_decode(&x.skey, 1, x.sreq.cookie, x.sreq.cookie_len, &c2s, &s2c));
  assert_int_equal(c2s.algorithm, algorithm);
  assert_memory_equal(&c2s, &x.c2s, sizeof(c2s));
  assert_memory_equal(&s2c, &x.s2c, sizeof(s2c));
  assert_int_equal(ntsntp_verify_request(&x.preq, &x.sreq, &c2s), NTSNTP_OK);
  assert_int_equal(ntsntp_cookies_wanted(&x.sreq), wanted);

  /* Reply with new cookies as long as the one used: those asked for fit. */
  for (size_t i = 0; i < NTSKE_MAX_COOKIES; i++)
    assert_true(ntsntp_cookie_encode(&x.skey, server_nonce, &c2s, &s2c, &fresh[i]));
  encode_header(res, NTP_MODE_SERVER);
  res_len = ntsntp_build_reply(res, x.req_len, &x.sreq, fresh, NTSKE_MAX_COOKIES, &s2c,
                               server_nonce, &sent);
  assert_int_equal(res_len, x.req_len);
  assert_int_equal(sent, wanted);

  /* Client. */
  assert_int_equal(ntp_packet_parse(res, res_len, &pres), NTP_PARSE_OK);
  assert_int_equal(ntsntp_parse_reply(&pres, uid, &x.s2c, &reply), NTSNTP_OK);
  assert_int_equal(reply.n_cookies, wanted);
  for (size_t i = 0; i < wanted; i++) {
    assert_int_equal(reply.cookies[i].len, fresh[i].len);
    assert_memory_equal(reply.cookies[i].data, fresh[i].data, fresh[i].len);
  }
  /* The reply does not verify under the C2S key, nor the request under S2C. */
  assert_int_equal(ntsntp_parse_reply(&pres, uid, &x.c2s, &reply), NTSNTP_AUTH_FAILED);
  assert_int_equal(ntsntp_verify_request(&x.preq, &x.sreq, &x.s2c), NTSNTP_AUTH_FAILED);
}

static void test_round_trip_siv(void **state)
{
  (void)state;
  round_trip(AEAD_AES_SIV_CMAC_256, 7);      /* 100-byte cookies */
}

static void test_round_trip_gcm_siv(void **state)
{
  (void)state;
  round_trip(AEAD_AES_128_GCM_SIV, 7);       /* 64-byte cookies */
}

static void test_round_trip_siv_512(void **state)
{
  (void)state;
  round_trip(AEAD_AES_SIV_CMAC_512, 4);      /* 164 bytes: 5 fit in 864 */
}

/* chrony's layouts: cookie lengths (chrony 4.3: AES-SIV-CMAC-256 server key
 * and keys, 100 bytes; 4.4+ with GCM-SIV: 64 bytes), the authenticator of a
 * request (nonce 16 or 12 bytes, 16-byte ciphertext: the tag). */
static void test_chrony_layouts(void **state)
{
  static const struct {
    uint16_t algorithm;
    size_t cookie_len, nonce_len, auth_len;
  } cases[] = {
    {AEAD_AES_SIV_CMAC_256, 100, 16, 40},
    {AEAD_AES_128_GCM_SIV, 64, 12, 36},
  };

  (void)state;
  for (size_t i = 0; i < 2; i++) {
    struct exchange x;
    const struct ntp_ef *auth;
    struct wire_reader r;

    make_request(&x, cases[i].algorithm, 0);
    assert_int_equal(x.cookie.len, cases[i].cookie_len);
    assert_int_equal(x.preq.n_ef, 3);
    assert_int_equal(x.preq.ef[0].type, NTSNTP_EF_UNIQUE_ID);
    assert_int_equal(x.preq.ef[0].length, 4 + NTSNTP_UID_LEN);
    assert_int_equal(x.preq.ef[1].type, NTSNTP_EF_COOKIE);
    assert_int_equal(x.preq.ef[1].body_len, cases[i].cookie_len);
    auth = &x.preq.ef[2];
    assert_int_equal(auth->type, NTSNTP_EF_AUTH);
    assert_int_equal(auth->length, cases[i].auth_len);
    wire_reader_init(&r, auth->body, auth->body_len);
    assert_int_equal(wire_get_u16(&r), cases[i].nonce_len);
    assert_int_equal(wire_get_u16(&r), AEAD_TAG_LEN);
    assert_memory_equal(wire_get_span(&r, cases[i].nonce_len), client_nonce, cases[i].nonce_len);
    assert_int_equal(x.req_len, NTP_HEADER_LEN + 36 + 4 + cases[i].cookie_len + cases[i].auth_len);
  }
}

static void test_placeholders_wanted(void **state)
{
  (void)state;
  assert_int_equal(ntsntp_request_placeholders(8, 100), 0);
  assert_int_equal(ntsntp_request_placeholders(5, 100), 3);
  assert_int_equal(ntsntp_request_placeholders(1, 100), 7);
  /* chrony's cap of 864 bytes: 3 cookies of 256 bytes, 8 of 104. */
  assert_int_equal(ntsntp_request_placeholders(1, 256), 2);
  assert_int_equal(ntsntp_request_placeholders(1, 104), 7);
  assert_int_equal(ntsntp_request_placeholders(1, 112), 6);
}

/* Whatever the new cookies' length, the reply is exactly as long as the
 * request and carries the cookies that fit, at most those asked for. */
static void test_reply_never_longer(void **state)
{
  static const uint16_t algorithms[] = {AEAD_AES_SIV_CMAC_256, AEAD_AES_128_GCM_SIV};
  struct ntske_cookie fresh[NTSKE_MAX_COOKIES];
  uint8_t res[NTSNTP_MAX_PACKET_LEN];

  (void)state;
  for (size_t a = 0; a < 2; a++) {
    for (size_t ph = 0; ph < NTSKE_MAX_COOKIES; ph++) {
      struct exchange x;
      size_t most = 0;

      make_request(&x, algorithms[a], ph);
      assert_int_equal(ntsntp_parse_request(&x.preq, &x.sreq), NTSNTP_OK);
      assert_int_equal(ntsntp_verify_request(&x.preq, &x.sreq, &x.c2s), NTSNTP_OK);
      assert_int_equal(ntsntp_cookies_wanted(&x.sreq), ph + 1);
      for (size_t len = 4; len <= NTSKE_MAX_COOKIE_LEN; len += 4) {
        struct ntsntp_reply reply;
        struct ntp_packet pres;
        size_t sent, res_len;

        cookies_of_len(fresh, NTSKE_MAX_COOKIES, len);
        encode_header(res, NTP_MODE_SERVER);
        res_len = ntsntp_build_reply(res, x.req_len, &x.sreq, fresh, NTSKE_MAX_COOKIES, &x.s2c,
                                     server_nonce, &sent);
        assert_int_equal(res_len, x.req_len);
        assert_true(sent <= ph + 1);
        /* Cookies as long as the request's all fit. */
        if (len <= x.cookie.len)
          assert_int_equal(sent, ph + 1);
        most = sent > most ? sent : most;
        assert_int_equal(ntp_packet_parse(res, res_len, &pres), NTP_PARSE_OK);
        if (len < 12) {
          /* Shorter than a 16-byte field: chrony's client skips them. */
          assert_int_equal(ntsntp_parse_reply(&pres, uid, &x.s2c, &reply), NTSNTP_NO_COOKIES);
          continue;
        }
        assert_int_equal(ntsntp_parse_reply(&pres, uid, &x.s2c, &reply),
                         sent > 0 ? NTSNTP_OK : NTSNTP_NO_COOKIES);
        assert_int_equal(reply.n_cookies, sent);
      }
      assert_int_equal(most, ph + 1);
    }
  }
}

/* A request too short for even a reply without cookies: nothing built. */
static void test_reply_does_not_fit(void **state)
{
  struct exchange x;
  uint8_t res[NTSNTP_MAX_PACKET_LEN];
  size_t sent = 99;

  (void)state;
  make_request(&x, AEAD_AES_SIV_CMAC_256, 0);
  assert_int_equal(ntsntp_parse_request(&x.preq, &x.sreq), NTSNTP_OK);
  encode_header(res, NTP_MODE_SERVER);
  /* Header, identifier (36) and the smallest authenticator (40) fit 124. */
  assert_int_equal(ntsntp_build_reply(res, 124, &x.sreq, NULL, 0, &x.s2c, server_nonce, &sent),
                   124);
  assert_int_equal(sent, 0);
  assert_int_equal(ntsntp_build_reply(res, 120, &x.sreq, NULL, 0, &x.s2c, server_nonce, &sent),
                   0);
  assert_int_equal(sent, 0);
}

/* Append an extension field to a packet being assembled by hand (buf holds
 * NTSNTP_MAX_PACKET_LEN bytes). */
static void append_ef(uint8_t *buf, size_t *len, uint16_t type, const uint8_t *body, size_t n)
{
  struct wire_writer w;

  wire_writer_init(&w, buf + *len, NTSNTP_MAX_PACKET_LEN - *len);
  ntp_ef_write(&w, type, body, n);
  assert_false(w.err);
  *len += w.pos;
}

/* An authenticator over buf[0..*len) with this plaintext and nonce length,
 * assembled here as RFC 8915 lays it out (for fields the builders would
 * never write). */
static void append_auth(uint8_t *buf, size_t *len, const struct aead_key *key, size_t nonce_len,
                        const uint8_t *pt, size_t pt_len)
{
  uint8_t body[NTSNTP_MAX_PACKET_LEN] = {0}, ct[NTSNTP_MAX_PACKET_LEN];
  size_t pos;

  assert_true(aead_encrypt(key, client_nonce, nonce_len, buf, *len, pt, pt_len, ct, sizeof(ct)));
  body[0] = (uint8_t)(nonce_len >> 8);
  body[1] = (uint8_t)nonce_len;
  body[2] = (uint8_t)((pt_len + AEAD_TAG_LEN) >> 8);
  body[3] = (uint8_t)(pt_len + AEAD_TAG_LEN);
  memcpy(body + 4, client_nonce, nonce_len);
  pos = 4 + (nonce_len + 3) / 4 * 4;
  memcpy(body + pos, ct, pt_len + AEAD_TAG_LEN);
  append_ef(buf, len, NTSNTP_EF_AUTH, body, pos + pt_len + AEAD_TAG_LEN);
}

/* A server reply assembled by hand: identifier, then the authenticator over
 * the given encrypted fields. */
static size_t hand_reply(uint8_t *buf, const struct aead_key *s2c, const uint8_t *pt,
                         size_t pt_len)
{
  size_t len = NTP_HEADER_LEN;

  encode_header(buf, NTP_MODE_SERVER);
  append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
  append_auth(buf, &len, s2c, 16, pt, pt_len);
  return len;
}

static enum ntsntp_status reply_status(const uint8_t *buf, size_t len, const struct aead_key *s2c,
                                       struct ntsntp_reply *reply)
{
  struct ntp_packet p;

  assert_int_equal(ntp_packet_parse(buf, len, &p), NTP_PARSE_OK);
  return ntsntp_parse_reply(&p, uid, s2c, reply);
}

/* The encrypted fields of a reply: cookies kept (at most eight, each of at
 * most 256 bytes, other fields skipped); malformed fields refuse it. */
static void test_reply_encrypted_fields(void **state)
{
  struct aead_key s2c = make_key(AEAD_AES_SIV_CMAC_256, 0x20);
  uint8_t pt[NTSNTP_MAX_PACKET_LEN], buf[NTSNTP_MAX_PACKET_LEN];
  uint8_t big[NTSKE_MAX_COOKIE_LEN + 4] = {0}, body[64] = {0};
  struct ntsntp_reply reply;
  size_t pt_len = 0;

  (void)state;
  /* Nine cookies, an oversized one and another field: eight kept. */
  append_ef(pt, &pt_len, NTSNTP_EF_COOKIE, big, sizeof(big));
  append_ef(pt, &pt_len, 0x0F00, body, 16);
  for (uint8_t i = 0; i < NTSKE_MAX_COOKIES + 1; i++) {
    body[0] = i;
    append_ef(pt, &pt_len, NTSNTP_EF_COOKIE, body, 16);
  }
  assert_int_equal(reply_status(buf, hand_reply(buf, &s2c, pt, pt_len), &s2c, &reply),
                   NTSNTP_OK);
  assert_int_equal(reply.n_cookies, NTSKE_MAX_COOKIES);
  for (uint8_t i = 0; i < NTSKE_MAX_COOKIES; i++)
    assert_int_equal(reply.cookies[i].data[0], i);

  /* A field length not a multiple of 4, one past the end, one too short. */
  static const char *bad[] = {"0204000600000000", "0204001400000000", "02040002"};
  for (size_t i = 0; i < 3; i++) {
    pt_len = unhex(bad[i], pt, sizeof(pt));
    assert_int_equal(reply_status(buf, hand_reply(buf, &s2c, pt, pt_len), &s2c, &reply),
                     NTSNTP_BAD_ENCRYPTED);
  }
  /* Only unencrypted cookies: none usable. */
  {
    size_t len = NTP_HEADER_LEN;

    encode_header(buf, NTP_MODE_SERVER);
    append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
    append_ef(buf, &len, NTSNTP_EF_COOKIE, body, 64);
    append_auth(buf, &len, &s2c, 16, NULL, 0);
    assert_int_equal(reply_status(buf, len, &s2c, &reply), NTSNTP_NO_COOKIES);
  }
}

/* Replies refused: identifier wrong, missing or twice, authenticator not
 * last or missing, tampered; and the NAK. */
static void test_reply_rejected(void **state)
{
  struct aead_key s2c = make_key(AEAD_AES_SIV_CMAC_256, 0x20);
  uint8_t pt[NTSNTP_MAX_PACKET_LEN], buf[NTSNTP_MAX_PACKET_LEN], other[NTSNTP_UID_LEN];
  uint8_t cookie[16];
  struct ntsntp_reply reply;
  struct ntp_header h;
  size_t pt_len = 0, len;

  (void)state;
  memset(cookie, 0x77, sizeof(cookie));
  append_ef(pt, &pt_len, NTSNTP_EF_COOKIE, cookie, sizeof(cookie));
  len = hand_reply(buf, &s2c, pt, pt_len);
  assert_int_equal(reply_status(buf, len, &s2c, &reply), NTSNTP_OK);
  /* Every bit of the packet is authenticated. */
  for (size_t bit = 0; bit < 8 * len; bit += 13) {
    struct ntp_packet p;

    buf[bit / 8] ^= (uint8_t)(1 << bit % 8);
    if (ntp_packet_parse(buf, len, &p) == NTP_PARSE_OK)
      assert_int_not_equal(ntsntp_parse_reply(&p, uid, &s2c, &reply), NTSNTP_OK);
    buf[bit / 8] ^= (uint8_t)(1 << bit % 8);
  }
  /* Another identifier. */
  memcpy(other, uid, sizeof(other));
  other[31] ^= 1;
  len = NTP_HEADER_LEN;
  encode_header(buf, NTP_MODE_SERVER);
  append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, other, sizeof(other));
  append_auth(buf, &len, &s2c, 16, pt, pt_len);
  assert_int_equal(reply_status(buf, len, &s2c, &reply), NTSNTP_BAD_UID);
  /* No identifier; two. */
  len = NTP_HEADER_LEN;
  append_auth(buf, &len, &s2c, 16, pt, pt_len);
  assert_int_equal(reply_status(buf, len, &s2c, &reply), NTSNTP_MISSING);
  len = NTP_HEADER_LEN;
  append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
  append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
  append_auth(buf, &len, &s2c, 16, pt, pt_len);
  assert_int_equal(reply_status(buf, len, &s2c, &reply), NTSNTP_DUPLICATE);
  /* A field after the authenticator. */
  len = hand_reply(buf, &s2c, pt, pt_len);
  append_ef(buf, &len, 0x0F00, other, 28);
  assert_int_equal(reply_status(buf, len, &s2c, &reply), NTSNTP_AUTH_NOT_LAST);
  /* No authenticator: missing, or a NAK with stratum 0 and NTSN. */
  len = NTP_HEADER_LEN;
  append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
  assert_int_equal(reply_status(buf, len, &s2c, &reply), NTSNTP_MISSING);
  ntp_header_decode(buf, &h);
  h.stratum = 0;
  h.refid = NTSNTP_KOD_NAK;
  ntp_header_encode(&h, buf);
  assert_int_equal(reply_status(buf, len, &s2c, &reply), NTSNTP_NAK);
  h.stratum = 1;
  ntp_header_encode(&h, buf);
  assert_int_equal(reply_status(buf, len, &s2c, &reply), NTSNTP_MISSING);
}

/* Requests refused before the keys are known: fields missing, twice,
 * misplaced or of the wrong length; packets that are not NTPv4 NTS. */
static void test_request_fields_rejected(void **state)
{
  struct aead_key c2s = make_key(AEAD_AES_SIV_CMAC_256, 0x10);
  uint8_t cookie[64] = {0}, buf[NTSNTP_MAX_PACKET_LEN];
  struct ntsntp_request req;
  struct ntp_packet p;
  size_t len;
  static const struct {
    const char *fields;   /* u: identifier, c: cookie, p: placeholder, P: longer placeholder,
                             C: oversized cookie, x: other field, a: authenticator */
    enum ntsntp_status status;
  } cases[] = {
    {"uca", NTSNTP_OK},
    {"upcpxa", NTSNTP_OK},
    {"ua", NTSNTP_MISSING},
    {"ca", NTSNTP_MISSING},
    {"uc", NTSNTP_MISSING},
    {"uuca", NTSNTP_DUPLICATE},
    {"ucca", NTSNTP_DUPLICATE},
    {"ucPa", NTSNTP_BAD_COOKIE},
    {"uCa", NTSNTP_BAD_COOKIE},
    {"ucax", NTSNTP_AUTH_NOT_LAST},
    {"ucaa", NTSNTP_AUTH_NOT_LAST},
  };

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t big[NTSKE_MAX_COOKIE_LEN + 4] = {0};

    len = NTP_HEADER_LEN;
    encode_header(buf, NTP_MODE_CLIENT);
    for (const char *f = cases[i].fields; *f; f++) {
      switch (*f) {
      case 'u':
        append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
        break;
      case 'c':
        append_ef(buf, &len, NTSNTP_EF_COOKIE, cookie, sizeof(cookie));
        break;
      case 'C':
        append_ef(buf, &len, NTSNTP_EF_COOKIE, big, sizeof(big));
        break;
      case 'p':
        append_ef(buf, &len, NTSNTP_EF_PLACEHOLDER, cookie, sizeof(cookie));
        break;
      case 'P':
        append_ef(buf, &len, NTSNTP_EF_PLACEHOLDER, cookie, sizeof(cookie) - 4);
        break;
      case 'x':
        append_ef(buf, &len, 0x0F00, cookie, 28);
        break;
      case 'a':
        append_auth(buf, &len, &c2s, 16, NULL, 0);
        break;
      }
    }
    assert_int_equal(ntp_packet_parse(buf, len, &p), NTP_PARSE_OK);
    assert_int_equal(ntsntp_parse_request(&p, &req), cases[i].status);
    if (cases[i].status == NTSNTP_OK) {
      assert_int_equal(ntsntp_verify_request(&p, &req, &c2s), NTSNTP_OK);
      assert_int_equal(req.n_placeholders, strchr(cases[i].fields, 'p') ? 2 : 0);
    }
  }
  /* A field length not a multiple of 4 never gets past the packet parser. */
  len = NTP_HEADER_LEN;
  encode_header(buf, NTP_MODE_CLIENT);
  append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
  buf[NTP_HEADER_LEN + 3] = 4 + NTSNTP_UID_LEN - 2;
  assert_int_equal(ntp_packet_parse(buf, len, &p), NTP_PARSE_BAD_EF_LENGTH);
  assert_int_equal(ntsntp_parse_request(&p, &req), NTSNTP_BAD_PACKET);
  /* NTPv3; a MAC trailer after the fields. */
  {
    struct exchange x;

    make_request(&x, AEAD_AES_SIV_CMAC_256, 0);
    memset(x.req + x.req_len, 0, 20);
    assert_int_equal(ntp_packet_parse(x.req, x.req_len + 20, &p), NTP_PARSE_OK);
    assert_int_equal(ntsntp_parse_request(&p, &req), NTSNTP_BAD_PACKET);
    x.req[0] = (uint8_t)((x.req[0] & ~0x38) | 3 << 3);
    assert_int_equal(ntp_packet_parse(x.req, NTP_HEADER_LEN, &p), NTP_PARSE_OK);
    assert_int_equal(ntsntp_parse_request(&p, &req), NTSNTP_BAD_PACKET);
  }
}

/* The authenticator's own layout: nonce lengths, ciphertext length,
 * padding; encrypted fields; tampering. */
static void test_request_auth_rejected(void **state)
{
  struct exchange x;
  struct wire_writer w;
  uint8_t *body;
  size_t auth_at;

  (void)state;
  make_request(&x, AEAD_AES_SIV_CMAC_256, 0);
  assert_int_equal(ntsntp_parse_request(&x.preq, &x.sreq), NTSNTP_OK);
  auth_at = x.sreq.auth_offset;
  body = x.req + auth_at + 4;
  /* Nonce length 0; longer than the field; ciphertext shorter than a tag;
   * longer than the field. */
  static const uint16_t lengths[][2] = {{0, 16}, {12, 16}, {17, 16}, {16, 15}, {16, 20},
                                        {60, 16}};
  for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
    uint8_t saved[4];

    memcpy(saved, body, 4);
    wire_writer_init(&w, body, 4);
    wire_put_u16(&w, lengths[i][0]);
    wire_put_u16(&w, lengths[i][1]);
    assert_int_equal(ntp_packet_parse(x.req, x.req_len, &x.preq), NTP_PARSE_OK);
    assert_int_equal(ntsntp_parse_request(&x.preq, &x.sreq), NTSNTP_OK);
    /* 12: a valid layout, the wrong bytes as nonce and ciphertext. */
    assert_int_equal(ntsntp_verify_request(&x.preq, &x.sreq, &x.c2s),
                     lengths[i][0] == 12 ? NTSNTP_AUTH_FAILED : NTSNTP_BAD_AUTH);
    memcpy(body, saved, 4);
  }
  assert_int_equal(ntp_packet_parse(x.req, x.req_len, &x.preq), NTP_PARSE_OK);
  assert_int_equal(ntsntp_parse_request(&x.preq, &x.sreq), NTSNTP_OK);
  assert_int_equal(ntsntp_verify_request(&x.preq, &x.sreq, &x.c2s), NTSNTP_OK);
  /* Any flipped bit: the header, the identifier, the cookie, the nonce or
   * the tag (a changed cookie is also the server's to reject). */
  for (size_t bit = 0; bit < 8 * x.req_len; bit += 11) {
    struct ntp_packet p;
    struct ntsntp_request req;

    x.req[bit / 8] ^= (uint8_t)(1 << bit % 8);
    if (ntp_packet_parse(x.req, x.req_len, &p) == NTP_PARSE_OK &&
        ntsntp_parse_request(&p, &req) == NTSNTP_OK)
      assert_int_not_equal(ntsntp_verify_request(&p, &req, &x.c2s), NTSNTP_OK);
    x.req[bit / 8] ^= (uint8_t)(1 << bit % 8);
  }
}

/* A request whose authenticator lacks chrony's nonce padding (an 8-byte
 * nonce with no padding to 16), or whose GCM-SIV nonce is not 12 bytes,
 * or whose encrypted fields hold a placeholder of another length. */
static void test_request_padding_and_encrypted(void **state)
{
  struct aead_key siv = make_key(AEAD_AES_SIV_CMAC_256, 0x10);
  struct aead_key gcm = make_key(AEAD_AES_128_GCM_SIV, 0x10);
  uint8_t cookie[64] = {0}, buf[NTSNTP_MAX_PACKET_LEN], pt[NTSNTP_MAX_PACKET_LEN];
  uint8_t auth[4 + 8 + AEAD_TAG_LEN], ct[AEAD_TAG_LEN];
  struct ntsntp_request req;
  struct ntp_packet p;
  size_t len, pt_len = 0;

  (void)state;
  len = NTP_HEADER_LEN;
  encode_header(buf, NTP_MODE_CLIENT);
  append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
  append_ef(buf, &len, NTSNTP_EF_COOKIE, cookie, sizeof(cookie));
  assert_true(aead_encrypt(&siv, client_nonce, 8, buf, len, NULL, 0, ct, sizeof(ct)));
  unhex("00080010", auth, sizeof(auth));
  memcpy(auth + 4, client_nonce, 8);
  memcpy(auth + 12, ct, sizeof(ct));
  append_ef(buf, &len, NTSNTP_EF_AUTH, auth, sizeof(auth));
  assert_int_equal(ntp_packet_parse(buf, len, &p), NTP_PARSE_OK);
  assert_int_equal(ntsntp_parse_request(&p, &req), NTSNTP_OK);
  assert_int_equal(ntsntp_verify_request(&p, &req, &siv), NTSNTP_BAD_AUTH);

  /* GCM-SIV with a 16-byte nonce. */
  len = NTP_HEADER_LEN;
  append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
  append_ef(buf, &len, NTSNTP_EF_COOKIE, cookie, sizeof(cookie));
  append_auth(buf, &len, &siv, 16, NULL, 0);
  assert_int_equal(ntp_packet_parse(buf, len, &p), NTP_PARSE_OK);
  assert_int_equal(ntsntp_parse_request(&p, &req), NTSNTP_OK);
  assert_int_equal(ntsntp_verify_request(&p, &req, &gcm), NTSNTP_BAD_AUTH);

  /* Encrypted placeholders count; one of another length refuses it. */
  append_ef(pt, &pt_len, NTSNTP_EF_PLACEHOLDER, cookie, sizeof(cookie));
  len = NTP_HEADER_LEN;
  append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
  append_ef(buf, &len, NTSNTP_EF_COOKIE, cookie, sizeof(cookie));
  append_auth(buf, &len, &gcm, 12, pt, pt_len);
  assert_int_equal(ntp_packet_parse(buf, len, &p), NTP_PARSE_OK);
  assert_int_equal(ntsntp_parse_request(&p, &req), NTSNTP_OK);
  assert_int_equal(ntsntp_verify_request(&p, &req, &gcm), NTSNTP_OK);
  assert_int_equal(ntsntp_cookies_wanted(&req), 2);
  append_ef(pt, &pt_len, NTSNTP_EF_PLACEHOLDER, cookie, sizeof(cookie) - 4);
  len = NTP_HEADER_LEN;
  append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
  append_ef(buf, &len, NTSNTP_EF_COOKIE, cookie, sizeof(cookie));
  append_auth(buf, &len, &gcm, 12, pt, pt_len);
  assert_int_equal(ntp_packet_parse(buf, len, &p), NTP_PARSE_OK);
  assert_int_equal(ntsntp_parse_request(&p, &req), NTSNTP_OK);
  assert_int_equal(ntsntp_verify_request(&p, &req, &gcm), NTSNTP_BAD_COOKIE);
  /* Malformed encrypted fields. */
  pt_len = unhex("0304000600000000", pt, sizeof(pt));
  len = NTP_HEADER_LEN;
  append_ef(buf, &len, NTSNTP_EF_UNIQUE_ID, uid, sizeof(uid));
  append_ef(buf, &len, NTSNTP_EF_COOKIE, cookie, sizeof(cookie));
  append_auth(buf, &len, &gcm, 12, pt, pt_len);
  assert_int_equal(ntp_packet_parse(buf, len, &p), NTP_PARSE_OK);
  assert_int_equal(ntsntp_parse_request(&p, &req), NTSNTP_OK);
  assert_int_equal(ntsntp_verify_request(&p, &req, &gcm), NTSNTP_BAD_ENCRYPTED);
}

static void test_request_build_rejected(void **state)
{
  struct aead_key c2s = make_key(AEAD_AES_SIV_CMAC_256, 0x10);
  struct ntske_cookie cookie = {.len = 64};
  uint8_t buf[NTSNTP_MAX_PACKET_LEN];

  (void)state;
  encode_header(buf, NTP_MODE_CLIENT);
  assert_int_equal(ntsntp_build_request(buf, sizeof(buf), uid, &cookie, 0, &c2s, client_nonce),
                   NTP_HEADER_LEN + 36 + 68 + 40);
  /* No room: one byte short. */
  assert_int_equal(ntsntp_build_request(buf, NTP_HEADER_LEN + 36 + 68 + 39, uid, &cookie, 0,
                                        &c2s, client_nonce), 0);
  for (size_t len = 0; len <= NTSKE_MAX_COOKIE_LEN + 4; len += NTSKE_MAX_COOKIE_LEN + 4) {
    cookie.len = len;
    assert_int_equal(ntsntp_build_request(buf, sizeof(buf), uid, &cookie, 0, &c2s,
                                          client_nonce), 0);
  }
  cookie.len = 66;
  assert_int_equal(ntsntp_build_request(buf, sizeof(buf), uid, &cookie, 0, &c2s, client_nonce),
                   0);
  /* A key of the wrong length. */
  cookie.len = 64;
  c2s.len = 16;
  assert_int_equal(ntsntp_build_request(buf, sizeof(buf), uid, &cookie, 0, &c2s, client_nonce),
                   0);
}

static void test_nak(void **state)
{
  struct exchange x;
  uint8_t res[NTSNTP_MAX_PACKET_LEN];
  struct ntp_header h;
  struct ntsntp_reply reply;
  size_t len;

  (void)state;
  make_request(&x, AEAD_AES_128_GCM_SIV, 3);
  assert_int_equal(ntsntp_parse_request(&x.preq, &x.sreq), NTSNTP_OK);
  encode_header(res, NTP_MODE_SERVER);
  ntp_header_decode(res, &h);
  h.stratum = 0;
  h.refid = NTSNTP_KOD_NAK;
  ntp_header_encode(&h, res);
  len = ntsntp_build_nak(res, sizeof(res), &x.sreq);
  assert_int_equal(len, NTP_HEADER_LEN + 4 + NTSNTP_UID_LEN);
  assert_int_equal(reply_status(res, len, &x.s2c, &reply), NTSNTP_NAK);
  assert_int_equal(ntsntp_build_nak(res, len - 1, &x.sreq), 0);
}

/* Server cookies: chrony's layout, found by key ID, refused when another
 * key, tampered, truncated or padded. */
static void test_cookies(void **state)
{
  static const uint16_t algorithms[] = {AEAD_AES_128_GCM_SIV, AEAD_AES_SIV_CMAC_256,
                                        AEAD_AES_SIV_CMAC_512};
  struct ntsntp_server_key keys[2];
  struct aead_key c2s, s2c, got_c2s, got_s2c;
  struct ntske_cookie cookie;

  (void)state;
  keys[0] = server_key(AEAD_AES_SIV_CMAC_256);
  keys[0].id = 1;
  keys[1] = server_key(AEAD_AES_128_GCM_SIV);
  keys[1].id = 2;
  for (size_t k = 0; k < 2; k++) {
    for (size_t a = 0; a < 3; a++) {
      size_t nonce_len = k == 0 ? 16 : 12;

      c2s = make_key(algorithms[a], 1);
      s2c = make_key(algorithms[a], 2);
      assert_true(ntsntp_cookie_encode(&keys[k], server_nonce, &c2s, &s2c, &cookie));
      assert_int_equal(cookie.len, 4 + nonce_len + 2 * c2s.len + AEAD_TAG_LEN);
      assert_int_equal(cookie.data[3], keys[k].id);
      assert_memory_equal(cookie.data + 4, server_nonce, nonce_len);
      assert_true(ntsntp_cookie_decode(keys, 2, cookie.data, cookie.len, &got_c2s, &got_s2c));
      assert_memory_equal(&got_c2s, &c2s, sizeof(c2s));
      assert_memory_equal(&got_s2c, &s2c, sizeof(s2c));
      /* Only with its key. */
      assert_false(ntsntp_cookie_decode(&keys[1 - k], 1, cookie.data, cookie.len, &got_c2s,
                                        &got_s2c));
      /* Tampered anywhere (the ID: no such key). */
      for (size_t i = 0; i < cookie.len; i++) {
        cookie.data[i] ^= 0x40;
        assert_false(ntsntp_cookie_decode(keys, 2, cookie.data, cookie.len, &got_c2s,
                                          &got_s2c));
        cookie.data[i] ^= 0x40;
      }
      /* Truncated, one byte longer. */
      for (size_t len = 0; len < cookie.len; len++)
        assert_false(ntsntp_cookie_decode(keys, 2, cookie.data, len, &got_c2s, &got_s2c));
      assert_false(ntsntp_cookie_decode(keys, 2, cookie.data, cookie.len + 1, &got_c2s,
                                        &got_s2c));
    }
  }
  /* Keys of different algorithms, or not their algorithm's length. */
  c2s = make_key(AEAD_AES_SIV_CMAC_256, 1);
  s2c = make_key(AEAD_AES_128_GCM_SIV, 2);
  assert_false(ntsntp_cookie_encode(&keys[0], server_nonce, &c2s, &s2c, &cookie));
  s2c = c2s;
  s2c.len = 16;
  assert_false(ntsntp_cookie_encode(&keys[0], server_nonce, &c2s, &s2c, &cookie));
  c2s = (struct aead_key){0};
  s2c = c2s;
  assert_false(ntsntp_cookie_encode(&keys[0], server_nonce, &c2s, &s2c, &cookie));
}

static void test_status_names(void **state)
{
  (void)state;
  for (int i = NTSNTP_OK; i <= NTSNTP_NO_COOKIES; i++) {
    for (int j = NTSNTP_OK; j < i; j++)
      assert_string_not_equal(ntsntp_status_name(i), ntsntp_status_name(j));
    assert_string_not_equal(ntsntp_status_name(i), "unknown");
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_round_trip_siv),
    cmocka_unit_test(test_round_trip_gcm_siv),
    cmocka_unit_test(test_round_trip_siv_512),
    cmocka_unit_test(test_chrony_layouts),
    cmocka_unit_test(test_placeholders_wanted),
    cmocka_unit_test(test_reply_never_longer),
    cmocka_unit_test(test_reply_does_not_fit),
    cmocka_unit_test(test_reply_encrypted_fields),
    cmocka_unit_test(test_reply_rejected),
    cmocka_unit_test(test_request_fields_rejected),
    cmocka_unit_test(test_request_auth_rejected),
    cmocka_unit_test(test_request_padding_and_encrypted),
    cmocka_unit_test(test_request_build_rejected),
    cmocka_unit_test(test_nak),
    cmocka_unit_test(test_cookies),
    cmocka_unit_test(test_status_names),
  };
  return cmocka_run_group_tests_name("nts_ntp", tests, NULL, NULL);
}
