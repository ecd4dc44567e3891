/* nts_ntp: NTS extension fields for NTP, client and server sides, and the
 * server's cookies (see nts_ntp.h). */
#include "proto/nts_ntp.h"

#include <string.h>


#include "proto/wire.h"

#define AUTH_HEADER_LEN 4           /* nonce length, ciphertext length */
#define MIN_NONCE_SPACE 16          /* nonce plus padding, where the AEAD allows */
#define MAX_TOTAL_COOKIE_LEN (8 * 108)  /* chrony's client: bytes of cookies asked for */
#define COOKIE_KEY_ID_LEN 4
/* Room for the fields inside an authenticator: NTSKE_MAX_COOKIES cookies. */
#define MAX_PLAINTEXT_LEN (NTSKE_MAX_COOKIES * (NTP_EF_HEADER_LEN + NTSKE_MAX_COOKIE_LEN))

static size_t padded(size_t n)
{
  return (n + 3) / 4 * 4;
}

static size_t min_size(size_t a, size_t b)
{
  return a < b ? a : b;
}

/* The nonce bytes used of the NTSNTP_NONCE_LEN supplied. */
static size_t nonce_len_for(uint16_t algorithm)
{
  return min_size(NTSNTP_NONCE_LEN, aead_nonce_max(algorithm));
}

const char *ntsntp_status_name(enum ntsntp_status status)
{
  switch (status) {
  case NTSNTP_OK:
    return "ok";
  case NTSNTP_BAD_PACKET:
    return "bad-packet";
  case NTSNTP_MISSING:
    return "missing-field";
  case NTSNTP_DUPLICATE:
    return "duplicate-field";
  case NTSNTP_BAD_COOKIE:
    return "bad-cookie";
  case NTSNTP_AUTH_NOT_LAST:
    return "authenticator-not-last";
  case NTSNTP_BAD_AUTH:
    return "bad-authenticator";
  case NTSNTP_AUTH_FAILED:
    return "authentication-failed";
  case NTSNTP_BAD_ENCRYPTED:
    return "bad-encrypted-fields";
  case NTSNTP_BAD_UID:
    return "bad-unique-identifier";
  case NTSNTP_NAK:
    return "nts-nak";
  case NTSNTP_NO_COOKIES:
    return "no-cookies";
  }
  return "unknown";
}

/* ---- the authenticator ---- */

/* The length of an authenticator field for pt_len bytes of plaintext. */
static size_t auth_len(uint16_t algorithm, size_t pt_len)
{
  return NTP_EF_HEADER_LEN + AUTH_HEADER_LEN + padded(nonce_len_for(algorithm)) +
         padded(pt_len + AEAD_TAG_LEN);
}

/* Append the authenticator over the ad_len bytes at ad (the packet so far,
 * ending where w writes), at least min_len bytes long (zeros pad it). */
static bool put_auth(struct wire_writer *w, const uint8_t *ad, size_t ad_len,
                     const struct aead_key *key, const uint8_t nonce[NTSNTP_NONCE_LEN],
                     const uint8_t *pt, size_t pt_len, size_t min_len)
{
  static const uint8_t zeros[NTSNTP_MAX_PACKET_LEN];
  uint8_t ct[MAX_PLAINTEXT_LEN + AEAD_TAG_LEN];
  size_t nonce_len = nonce_len_for(key->algorithm);
  size_t ct_len = pt_len + AEAD_TAG_LEN;
  size_t len = auth_len(key->algorithm, pt_len);
  size_t extra = min_len > len ? padded(min_len) - len : 0;

  if (pt_len > MAX_PLAINTEXT_LEN || padded(ct_len) - ct_len + extra > sizeof(zeros) ||
      len + extra > UINT16_MAX ||
      !aead_encrypt(key, nonce, nonce_len, ad, ad_len, pt, pt_len, ct, sizeof(ct)))
    return false;
  wire_put_u16(w, NTSNTP_EF_AUTH);
  wire_put_u16(w, (uint16_t)(len + extra));
  wire_put_u16(w, (uint16_t)nonce_len);
  wire_put_u16(w, (uint16_t)ct_len);
  wire_put_bytes(w, nonce, nonce_len);
  wire_put_bytes(w, zeros, padded(nonce_len) - nonce_len);
  wire_put_bytes(w, ct, ct_len);
  wire_put_bytes(w, zeros, padded(ct_len) - ct_len + extra);
  return !w->err;
}

/* Decrypt the authenticator `ef` starting at offset ad_len of the packet
 * into pt (*pt_len bytes). */
static enum ntsntp_status open_auth(const struct ntp_packet *p, const struct ntp_ef *ef,
                                    size_t ad_len, const struct aead_key *key, uint8_t *pt,
                                    size_t pt_cap, size_t *pt_len)
{
  struct wire_reader r;
  size_t nonce_len, ct_len;
  const uint8_t *nonce, *ct;

  wire_reader_init(&r, ef->body, ef->body_len);
  nonce_len = wire_get_u16(&r);
  ct_len = wire_get_u16(&r);
  if (r.err || nonce_len < aead_nonce_min(key->algorithm) ||
      nonce_len > aead_nonce_max(key->algorithm) || ct_len < AEAD_TAG_LEN ||
      ct_len - AEAD_TAG_LEN > pt_cap)
    return NTSNTP_BAD_AUTH;
  /* Both padded, and at least MIN_NONCE_SPACE bytes for the nonce where
   * the AEAD's nonces can be that long (chrony's "missing padding"). */
  if (padded(nonce_len) + padded(ct_len) > wire_remaining(&r) ||
      nonce_len_for(key->algorithm) + padded(ct_len) > wire_remaining(&r))
    return NTSNTP_BAD_AUTH;
  nonce = wire_get_span(&r, padded(nonce_len));
  ct = wire_get_span(&r, ct_len);
  *pt_len = ct_len - AEAD_TAG_LEN;
  if (!aead_decrypt(key, nonce, nonce_len, p->data, ad_len, ct, ct_len, pt, pt_cap))
    return NTSNTP_AUTH_FAILED;
  return NTSNTP_OK;
}

/* Where a field of the packet starts. */
static size_t ef_offset(const struct ntp_packet *p, const struct ntp_ef *ef)
{
  return (size_t)(ef->body - p->data) - NTP_EF_HEADER_LEN;
}

static bool nts_packet(const struct ntp_packet *p)
{
  return p->status == NTP_PARSE_OK && p->hdr.version == 4 && p->mac_len == 0;
}

/* ---- client ---- */

size_t ntsntp_request_placeholders(size_t cookies_held, size_t cookie_len)
{
  size_t left = cookies_held > 0 ? cookies_held - 1 : 0;
  size_t wanted = left < NTSKE_MAX_COOKIES ? NTSKE_MAX_COOKIES - left : 0;

  wanted = min_size(wanted, MAX_TOTAL_COOKIE_LEN / (cookie_len + NTP_EF_HEADER_LEN));
  return wanted > 0 ? wanted - 1 : 0;
}

size_t ntsntp_build_request(uint8_t *buf, size_t cap, const uint8_t uid[NTSNTP_UID_LEN],
                            const struct ntske_cookie *cookie, size_t n_placeholders,
                            const struct aead_key *c2s, const uint8_t nonce[NTSNTP_NONCE_LEN])
{
  static const uint8_t zeros[NTSKE_MAX_COOKIE_LEN];
  struct wire_writer w;

  if (cap < NTP_HEADER_LEN || cookie->len == 0 || cookie->len > NTSKE_MAX_COOKIE_LEN ||
      cookie->len % 4 != 0)
    return 0;
  wire_writer_init(&w, buf + NTP_HEADER_LEN, cap - NTP_HEADER_LEN);
  ntp_ef_write(&w, NTSNTP_EF_UNIQUE_ID, uid, NTSNTP_UID_LEN);
  ntp_ef_write(&w, NTSNTP_EF_COOKIE, cookie->data, cookie->len);
  for (size_t i = 0; i < n_placeholders && !w.err; i++)
    ntp_ef_write(&w, NTSNTP_EF_PLACEHOLDER, zeros, cookie->len);
  if (w.err || !put_auth(&w, buf, NTP_HEADER_LEN + w.pos, c2s, nonce, NULL, 0,
                         NTP_EF_LAST_MIN_LEN))
    return 0;
  return NTP_HEADER_LEN + w.pos;
}

/* Cookies among the decrypted fields of a reply; all must be well formed. */
static enum ntsntp_status read_cookies(const uint8_t *pt, size_t len, struct ntsntp_reply *out)
{
  struct wire_reader r;
  struct ntp_ef ef;

  wire_reader_init(&r, pt, len);
  while (wire_remaining(&r) > 0) {
    if (ntp_ef_read(&r, NTP_EF_HEADER_LEN, &ef) != NTP_PARSE_OK)
      return NTSNTP_BAD_ENCRYPTED;
    if (ef.type != NTSNTP_EF_COOKIE || ef.length < NTP_EF_MIN_LEN ||
        ef.body_len > NTSKE_MAX_COOKIE_LEN || out->n_cookies >= NTSKE_MAX_COOKIES)
      continue;
    out->cookies[out->n_cookies].len = ef.body_len;
    memcpy(out->cookies[out->n_cookies].data, ef.body, ef.body_len);
    out->n_cookies++;
  }
  return out->n_cookies > 0 ? NTSNTP_OK : NTSNTP_NO_COOKIES;
}

enum ntsntp_status ntsntp_parse_reply(const struct ntp_packet *p,
                                      const uint8_t uid[NTSNTP_UID_LEN],
                                      const struct aead_key *s2c, struct ntsntp_reply *out)
{
  uint8_t pt[NTSNTP_MAX_PACKET_LEN];
  const struct ntp_ef *auth = NULL;
  bool has_uid = false;
  enum ntsntp_status st;
  size_t pt_len;

  memset(out, 0, sizeof(*out));
  if (!nts_packet(p))
    return NTSNTP_BAD_PACKET;
  for (unsigned i = 0; i < p->n_ef; i++) {
    const struct ntp_ef *ef = &p->ef[i];

    if (ef->type == NTSNTP_EF_UNIQUE_ID) {
      if (has_uid)
        return NTSNTP_DUPLICATE;
      if (ef->body_len != NTSNTP_UID_LEN || !wire_equal_ct(ef->body, uid, NTSNTP_UID_LEN))
        return NTSNTP_BAD_UID;
      has_uid = true;
    } else if (ef->type == NTSNTP_EF_AUTH) {
      if (i != p->n_ef - 1)
        return NTSNTP_AUTH_NOT_LAST;
      auth = ef;
    }
  }
  if (!has_uid)
    return NTSNTP_MISSING;
  if (!auth)
    return p->hdr.stratum == 0 && p->hdr.refid == NTSNTP_KOD_NAK ? NTSNTP_NAK : NTSNTP_MISSING;
  st = open_auth(p, auth, ef_offset(p, auth), s2c, pt, sizeof(pt), &pt_len);
  if (st != NTSNTP_OK)
    return st;
  return read_cookies(pt, pt_len, out);
}

/* ---- server ---- */

/* A placeholder: as long as the cookie. */
static enum ntsntp_status count_placeholder(struct ntsntp_request *req, const struct ntp_ef *ef)
{
  if (ef->body_len != req->cookie_len)
    return NTSNTP_BAD_COOKIE;
  req->n_placeholders++;
  return NTSNTP_OK;
}

enum ntsntp_status ntsntp_parse_request(const struct ntp_packet *p, struct ntsntp_request *req)
{
  memset(req, 0, sizeof(*req));
  if (!nts_packet(p))
    return NTSNTP_BAD_PACKET;
  /* The cookie first: placeholders may come before it. */
  for (unsigned i = 0; i < p->n_ef; i++) {
    const struct ntp_ef *ef = &p->ef[i];

    if (ef->type != NTSNTP_EF_COOKIE)
      continue;
    if (req->cookie)
      return NTSNTP_DUPLICATE;
    if (ef->body_len > NTSKE_MAX_COOKIE_LEN)
      return NTSNTP_BAD_COOKIE;
    req->cookie = ef->body;
    req->cookie_len = ef->body_len;
  }
  if (!req->cookie)
    return NTSNTP_MISSING;
  for (unsigned i = 0; i < p->n_ef; i++) {
    const struct ntp_ef *ef = &p->ef[i];
    enum ntsntp_status st = NTSNTP_OK;

    switch (ef->type) {
    case NTSNTP_EF_UNIQUE_ID:
      if (req->uid)
        return NTSNTP_DUPLICATE;
      req->uid = ef->body;
      req->uid_len = ef->body_len;
      break;
    case NTSNTP_EF_PLACEHOLDER:
      st = count_placeholder(req, ef);
      break;
    case NTSNTP_EF_AUTH:
      if (i != p->n_ef - 1)
        return NTSNTP_AUTH_NOT_LAST;
      req->auth = ef;
      req->auth_offset = ef_offset(p, ef);
      break;
    default:
      break;
    }
    if (st != NTSNTP_OK)
      return st;
  }
  return req->uid && req->auth ? NTSNTP_OK : NTSNTP_MISSING;
}

enum ntsntp_status ntsntp_verify_request(const struct ntp_packet *p, struct ntsntp_request *req,
                                         const struct aead_key *c2s)
{
  uint8_t pt[NTSNTP_MAX_PACKET_LEN];
  struct wire_reader r;
  struct ntp_ef ef;
  enum ntsntp_status st;
  size_t pt_len;

  st = open_auth(p, req->auth, req->auth_offset, c2s, pt, sizeof(pt), &pt_len);
  if (st != NTSNTP_OK)
    return st;
  wire_reader_init(&r, pt, pt_len);
  while (wire_remaining(&r) > 0) {
    if (ntp_ef_read(&r, NTP_EF_HEADER_LEN, &ef) != NTP_PARSE_OK)
      return NTSNTP_BAD_ENCRYPTED;
    if (ef.type == NTSNTP_EF_PLACEHOLDER && (st = count_placeholder(req, &ef)) != NTSNTP_OK)
      return st;
  }
  return NTSNTP_OK;
}

size_t ntsntp_cookies_wanted(const struct ntsntp_request *req)
{
  return min_size(1 + req->n_placeholders, NTSKE_MAX_COOKIES);
}

/* The unique identifier copied from the request. */
static void put_uid(struct wire_writer *w, const struct ntsntp_request *req)
{
  ntp_ef_write(w, NTSNTP_EF_UNIQUE_ID, req->uid, req->uid_len);
}

size_t ntsntp_build_reply(uint8_t *buf, size_t request_len, const struct ntsntp_request *req,
                          const struct ntske_cookie *cookies, size_t n_cookies,
                          const struct aead_key *s2c, const uint8_t nonce[NTSNTP_NONCE_LEN],
                          size_t *n_sent)
{
  uint8_t pt[MAX_PLAINTEXT_LEN];
  struct wire_writer w, fields;
  size_t n = min_size(n_cookies, ntsntp_cookies_wanted(req));

  *n_sent = 0;
  if (request_len < NTP_HEADER_LEN)
    return 0;
  wire_writer_init(&w, buf + NTP_HEADER_LEN, request_len - NTP_HEADER_LEN);
  put_uid(&w, req);
  if (w.err)
    return 0;
  /* The first n cookies, then fewer while the authenticator does not fit. */
  wire_writer_init(&fields, pt, sizeof(pt));
  for (size_t i = 0; i < n; i++)
    ntp_ef_write(&fields, NTSNTP_EF_COOKIE, cookies[i].data, cookies[i].len);
  if (fields.err)
    return 0;
  for (;;) {
    if (w.pos + auth_len(s2c->algorithm, fields.pos) <= w.cap)
      break;
    if (n == 0)
      return 0;
    n--;
    fields.pos -= padded(cookies[n].len) + NTP_EF_HEADER_LEN;
  }
  if (!put_auth(&w, buf, NTP_HEADER_LEN + w.pos, s2c, nonce, pt, fields.pos, w.cap - w.pos))
    return 0;
  *n_sent = n;
  return NTP_HEADER_LEN + w.pos;
}

size_t ntsntp_build_nak(uint8_t *buf, size_t cap, const struct ntsntp_request *req)
{
  struct wire_writer w;

  if (cap < NTP_HEADER_LEN)
    return 0;
  wire_writer_init(&w, buf + NTP_HEADER_LEN, cap - NTP_HEADER_LEN);
  put_uid(&w, req);
  return w.err ? 0 : NTP_HEADER_LEN + w.pos;
}

/* ---- the server's cookies ---- */

static uint16_t algorithm_of_key_len(size_t len)
{
  static const uint16_t algorithms[] = {AEAD_AES_128_GCM_SIV, AEAD_AES_SIV_CMAC_256,
                                        AEAD_AES_SIV_CMAC_512};

  for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++) {
    if (aead_key_len(algorithms[i]) == len)
      return algorithms[i];
  }
  return 0;
}

bool ntsntp_cookie_encode(const struct ntsntp_server_key *key,
                          const uint8_t nonce[NTSNTP_NONCE_LEN], const struct aead_key *c2s,
                          const struct aead_key *s2c, struct ntske_cookie *out)
{
  uint8_t keys[2 * AEAD_MAX_KEY_LEN];
  size_t nonce_len = nonce_len_for(key->key.algorithm);
  struct wire_writer w;
  bool ok;

  if (c2s->algorithm != s2c->algorithm || aead_key_len(c2s->algorithm) == 0 ||
      c2s->len != aead_key_len(c2s->algorithm) ||
      s2c->len != c2s->len || algorithm_of_key_len(c2s->len) != c2s->algorithm)
    return false;
  memcpy(keys, c2s->data, c2s->len);
  memcpy(keys + c2s->len, s2c->data, s2c->len);
  wire_writer_init(&w, out->data, sizeof(out->data));
  wire_put_u32(&w, key->id);
  wire_put_bytes(&w, nonce, nonce_len);
  ok = !w.err && aead_encrypt(&key->key, nonce, nonce_len, NULL, 0, keys, 2 * c2s->len,
                              out->data + w.pos, sizeof(out->data) - w.pos);
  out->len = ok ? w.pos + 2 * c2s->len + AEAD_TAG_LEN : 0;
  explicit_bzero(keys, sizeof(keys));
  return ok;
}

bool ntsntp_cookie_decode(const struct ntsntp_server_key *keys, size_t n_keys,
                          const uint8_t *cookie, size_t len, struct aead_key *c2s,
                          struct aead_key *s2c)
{
  uint8_t plain[2 * AEAD_MAX_KEY_LEN];
  const struct ntsntp_server_key *key = NULL;
  size_t nonce_len, head, key_len;
  struct wire_reader r;
  uint32_t id;
  bool ok;

  wire_reader_init(&r, cookie, len);
  id = wire_get_u32(&r);
  for (size_t i = 0; i < n_keys && !r.err; i++) {
    if (keys[i].id == id)
      key = &keys[i];
  }
  if (!key)
    return false;
  nonce_len = nonce_len_for(key->key.algorithm);
  head = COOKIE_KEY_ID_LEN + nonce_len;
  if (len < head + AEAD_TAG_LEN || len - head - AEAD_TAG_LEN > sizeof(plain))
    return false;
  key_len = (len - head - AEAD_TAG_LEN) / 2;
  if (algorithm_of_key_len(key_len) == 0 || 2 * key_len != len - head - AEAD_TAG_LEN)
    return false;
  ok = aead_decrypt(&key->key, cookie + COOKIE_KEY_ID_LEN, nonce_len, NULL, 0, cookie + head,
                    len - head, plain, sizeof(plain));
  if (ok) {
    *c2s = (struct aead_key){.algorithm = algorithm_of_key_len(key_len), .len = key_len};
    *s2c = *c2s;
    memcpy(c2s->data, plain, key_len);
    memcpy(s2c->data, plain + key_len, key_len);
  }
  explicit_bzero(plain, sizeof(plain));
  return ok;
}
