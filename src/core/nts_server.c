/* nts_server: NTS's server side without the TLS (see nts_server.h). */
#include "core/nts_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wire.h"

#define KEYS_HEADER "NKS0\n"
#define KEY_ID_INDEX_MASK (NTSS_KEYS - 1u)
#define FUTURE_KEYS 1

/* Nonces and keys. Taken from a pool refilled NTSS_RANDOM_POOL bytes at a
 * time: a request needs two nonces, and a system call for each showed in
 * profiles. What is handed out is wiped from the pool. */
static void random_bytes(struct ntss *n, void *buf, size_t len)
{
  if (len > sizeof(n->pool)) {
    n->plat->ops->random_bytes(n->plat->ctx, buf, len);
    return;
  }
  if (n->pool_left < len) {
    n->plat->ops->random_bytes(n->plat->ctx, n->pool, sizeof(n->pool));
    n->pool_left = sizeof(n->pool);
  }
  uint8_t *p = n->pool + sizeof(n->pool) - n->pool_left;
  memcpy(buf, p, len);
  memset(p, 0, len);
  n->pool_left -= len;
}

/* A fresh key in its slot; its ID's low bits name the slot. */
static void generate_key(struct ntss *n, unsigned slot)
{
  struct ntsntp_server_key *k = &n->keys[slot];
  uint32_t id;
  random_bytes(n, &id, sizeof(id));
  k->id = (id & ~KEY_ID_INDEX_MASK) | slot;
  k->key.algorithm = NTSS_KEY_ALGORITHM;
  k->key.len = aead_key_len(NTSS_KEY_ALGORITHM);
  random_bytes(n, k->key.data, k->key.len);
}

void ntss_init(struct ntss *n, const struct platform *plat, const int *aeads, size_t n_aeads,
               const char *ntp_server, uint16_t ntp_port)
{
  memset(n, 0, sizeof(*n));
  n->plat = plat;
  for (size_t i = 0; i < n_aeads && n->n_aeads < NTSKE_MAX_LIST; i++)
    if (aeads[i] > 0 && aeads[i] <= UINT16_MAX && aead_key_len((uint16_t)aeads[i]) > 0)
      n->aeads[n->n_aeads++] = (uint16_t)aeads[i];
  if (ntp_server)
    snprintf(n->ntp_server, sizeof(n->ntp_server), "%s", ntp_server);
  n->ntp_port = ntp_port;
  for (unsigned i = 0; i < NTSS_KEYS; i++)
    generate_key(n, i);
  n->current = NTSS_KEYS - 1;
}

void ntss_rotate(struct ntss *n)
{
  n->current = (n->current + 1) % NTSS_KEYS;
  generate_key(n, (n->current + FUTURE_KEYS) % NTSS_KEYS);
}

/* ---- the keys file ---- */

size_t ntss_keys_format(const struct ntss *n, double age, char *buf, size_t cap)
{
  size_t pos = 0;
  int w = snprintf(buf, cap, KEYS_HEADER "%d %.1f\n", NTSS_KEY_ALGORITHM, age);
  if (w < 0 || (size_t)w >= cap)
    return 0;
  pos = (size_t)w;
  /* oldest first, so that the last one read is the future key */
  for (unsigned i = 0; i < NTSS_KEYS; i++) {
    const struct ntsntp_server_key *k = &n->keys[(n->current + i + 1 + FUTURE_KEYS) % NTSS_KEYS];
    w = snprintf(buf + pos, cap - pos, "%08X ", (unsigned)k->id);
    if (w < 0 || (size_t)w >= cap - pos)
      return 0;
    pos += (size_t)w;
    size_t digits = wire_hex_format(k->key.data, k->key.len, buf + pos, cap - pos);
    if (digits == 0)
      return 0;
    pos += digits;
    if (cap - pos < 2)
      return 0;
    buf[pos++] = '\n';
    buf[pos] = '\0';
  }
  return pos;
}

/* One line (without its newline) "ID HEX" into a key. */
static bool parse_key_line(const char *line, size_t len, struct ntsntp_server_key *k)
{
  size_t key_len = aead_key_len(NTSS_KEY_ALGORITHM);
  if (len != 8 + 1 + 2 * key_len || line[8] != ' ')
    return false;
  uint8_t id[4];
  if (!wire_hex_parse(line, 8, id) || !wire_hex_parse(line + 9, 2 * key_len, k->key.data))
    return false;
  k->id = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
  k->key.algorithm = NTSS_KEY_ALGORITHM;
  k->key.len = key_len;
  return true;
}

/* The next line of text[*pos..len) (its newline required), or NULL. */
static const char *next_line(const char *text, size_t len, size_t *pos, size_t *line_len)
{
  const char *start = text + *pos;
  const char *nl = memchr(start, '\n', len - *pos);
  if (!nl)
    return NULL;
  *line_len = (size_t)(nl - start);
  *pos += *line_len + 1;
  return start;
}

bool ntss_keys_parse(struct ntss *n, const char *text, size_t len, double *age)
{
  size_t pos = 0, line_len;
  const char *line;
  char head[32];

  if (len < strlen(KEYS_HEADER) || memcmp(text, KEYS_HEADER, strlen(KEYS_HEADER)) != 0)
    return false;
  pos = strlen(KEYS_HEADER);
  if (!(line = next_line(text, len, &pos, &line_len)) || line_len >= sizeof(head))
    return false;
  memcpy(head, line, line_len);
  head[line_len] = '\0';
  int algorithm, used = 0;
  if (sscanf(head, "%d %lf%n", &algorithm, age, &used) != 2 || (size_t)used != line_len ||
      algorithm != NTSS_KEY_ALGORITHM || !(*age >= 0.0))
    return false;

  struct ntsntp_server_key keys[NTSS_KEYS];
  bool seen[NTSS_KEYS] = {false};
  unsigned current = 0, n_keys = 0;
  memcpy(keys, n->keys, sizeof(keys));
  while (pos < len) {
    struct ntsntp_server_key k;
    if (n_keys == NTSS_KEYS || !(line = next_line(text, len, &pos, &line_len)) ||
        !parse_key_line(line, line_len, &k))
      return false;
    unsigned slot = k.id & KEY_ID_INDEX_MASK;
    if (seen[slot])
      return false;
    seen[slot] = true;
    keys[slot] = k;
    /* as chrony: the last key read is the future one */
    current = (slot + NTSS_KEYS - FUTURE_KEYS) % NTSS_KEYS;
    n_keys++;
  }
  if (n_keys == 0)
    return false;
  memcpy(n->keys, keys, sizeof(keys));
  n->current = current;
  return true;
}

/* ---- NTS-KE ---- */

static bool export_pair(ntss_export_fn *export_key, void *arg, uint16_t algorithm,
                        bool compliant, struct aead_key *c2s, struct aead_key *s2c)
{
  uint8_t context[NTSKE_CONTEXT_LEN];
  uint16_t exported = ntske_exporter_algorithm(algorithm, compliant);
  size_t len = aead_key_len(algorithm);
  c2s->algorithm = s2c->algorithm = algorithm;
  c2s->len = s2c->len = len;
  ntske_exporter_context(NTSKE_PROTOCOL_NTPV4, exported, false, context);
  if (!export_key(arg, context, c2s->data, len))
    return false;
  ntske_exporter_context(NTSKE_PROTOCOL_NTPV4, exported, true, context);
  return export_key(arg, context, s2c->data, len);
}

static bool make_cookies(struct ntss *n, const struct aead_key *c2s, const struct aead_key *s2c,
                         struct ntske_cookie *cookies, size_t count)
{
  for (size_t i = 0; i < count; i++) {
    uint8_t nonce[NTSNTP_NONCE_LEN];
    random_bytes(n, nonce, sizeof(nonce));
    if (!ntsntp_cookie_encode(&n->keys[n->current], nonce, c2s, s2c, &cookies[i]))
      return false;
  }
  return true;
}

long ntss_ke_respond(struct ntss *n, const uint8_t *req, size_t len, ntss_export_fn *export_key,
                     void *arg, uint8_t *out, size_t cap)
{
  struct ntske_message request, response;
  struct aead_key c2s, s2c;

  enum ntske_status st = ntske_parse(req, len, NTSKE_REQUEST, &request);
  if (st == NTSKE_INCOMPLETE)
    return 0;
  bool granted = ntske_make_response(&request, st, n->aeads, n->n_aeads, &response);
  if (granted) {
    uint16_t algorithm = response.algorithms[0];
    if (!export_pair(export_key, arg, algorithm, response.compliant_128gcm, &c2s, &s2c) ||
        !make_cookies(n, &c2s, &s2c, response.cookies, NTSKE_MAX_COOKIES)) {
      memset(&c2s, 0, sizeof(c2s));
      memset(&s2c, 0, sizeof(s2c));
      return -1;
    }
    response.n_cookies = NTSKE_MAX_COOKIES;
    if (n->ntp_server[0]) {
      response.has_server = true;
      memcpy(response.server, n->ntp_server, sizeof(response.server));
    }
    if (n->ntp_port) {
      response.has_port = true;
      response.port = n->ntp_port;
    }
  }
  memset(&c2s, 0, sizeof(c2s));
  memset(&s2c, 0, sizeof(s2c));
  size_t out_len = ntske_build(&response, out, cap);
  if (out_len == 0)
    return -1;
  if (granted)
    n->stats.ke_answered++;
  else
    n->stats.ke_refused++;
  return (long)out_len;
}

/* ---- NTS-protected NTP ---- */

static bool has_nts_field(const struct ntp_packet *p)
{
  for (unsigned i = 0; i < p->n_ef; i++)
    switch (p->ef[i].type) {
    case NTSNTP_EF_UNIQUE_ID:
    case NTSNTP_EF_COOKIE:
    case NTSNTP_EF_PLACEHOLDER:
    case NTSNTP_EF_AUTH:
      return true;
    default:
      break;
    }
  return false;
}

enum ntss_verdict ntss_check(struct ntss *n, const struct ntp_packet *p, struct ntss_request *r)
{
  if (p->status != NTP_PARSE_OK || !has_nts_field(p))
    return NTSS_NOT_NTS;
  memset(r, 0, sizeof(*r));
  if (ntsntp_parse_request(p, &r->req) != NTSNTP_OK) {
    n->stats.ntp_dropped++;
    return NTSS_DROP;
  }
  if (!ntsntp_cookie_decode(n->keys, NTSS_KEYS, r->req.cookie, r->req.cookie_len, &r->c2s,
                            &r->s2c))
    return NTSS_NAK;
  enum ntsntp_status st = ntsntp_verify_request(p, &r->req, &r->c2s);
  if (st == NTSNTP_AUTH_FAILED)
    return NTSS_NAK;
  if (st != NTSNTP_OK) {
    n->stats.ntp_dropped++;
    return NTSS_DROP;
  }
  return NTSS_ANSWER;
}

size_t ntss_reply(struct ntss *n, const struct ntss_request *r, uint8_t *buf, size_t request_len)
{
  struct ntske_cookie cookies[NTSKE_MAX_COOKIES];
  uint8_t nonce[NTSNTP_NONCE_LEN];
  size_t wanted = ntsntp_cookies_wanted(&r->req), sent = 0;

  /* the new cookies carry the keys of the one the client used */
  if (!make_cookies(n, &r->c2s, &r->s2c, cookies, wanted))
    return 0;
  random_bytes(n, nonce, sizeof(nonce));
  size_t len = ntsntp_build_reply(buf, request_len, &r->req, cookies, wanted, &r->s2c, nonce,
                                  &sent);
  if (len > 0)
    n->stats.ntp_answered++;
  return len;
}

size_t ntss_nak(struct ntss *n, const struct ntss_request *r, uint8_t *buf, size_t request_len,
                bool count)
{
  size_t len = ntsntp_build_nak(buf, request_len, &r->req);
  if (len > 0 && count)
    n->stats.ntp_naks++;
  return len;
}
