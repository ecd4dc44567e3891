/* nts_client: an NTS source's state without the TLS (see nts_client.h). */
#include "core/nts_client.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto/num.h"
#include "proto/wire.h"

#define DUMP_HEADER "NNC0\n"
#define DUMP_LINE_MAX (2 * (2 * AEAD_MAX_KEY_LEN) + 64)   /* the keys' line is the longest */

void ntsc_init(struct ntsc *c, const char *name, const struct ip_addr *addr, uint16_t ntp_port,
               uint16_t ke_port, int cert_set, double refresh)
{
  memset(c, 0, sizeof(*c));
  snprintf(c->name, sizeof(c->name), "%s", name);
  c->ke_addr = c->ntp_addr = *addr;
  c->ke_port = ke_port;
  c->cert_set = cert_set;
  c->default_port = c->ntp_port = ntp_port;
  c->refresh = refresh;
  c->retry_factor = NTSC_RETRY_FACTOR_CONNECT;
  c->ok_response = true;
}

static void drop_cookies(struct ntsc *c)
{
  memset(c->cookies, 0, sizeof(c->cookies));
  c->n_cookies = c->first = 0;
}

/* chrony's: an attempt waits 2^(factor + attempts - 1) s after the last one. */
static void set_next_ke(struct ntsc *c)
{
  int exp = c->retry_factor + c->ke_attempts - 1;
  c->next_ke = c->ke_started + num_ldexp(1.0, exp < NTSC_MAX_RETRY_INTERVAL ? exp
                                                                        : NTSC_MAX_RETRY_INTERVAL);
}

enum ntsc_ready ntsc_prepare(struct ntsc *c, double now)
{
  /* a late reply to the previous request is no longer taken */
  c->awaiting = false;
  if (c->n_cookies > 0 && ((c->nak && !c->ok_response) || now - c->last_ke > c->refresh))
    drop_cookies(c);
  if (c->n_cookies > 0) {
    c->nak = false;
    return NTSC_READY;
  }
  if (c->ke_running || now < c->next_ke)
    return NTSC_WAIT;
  c->ke_running = true;
  c->ke_attempts++;
  c->ke_started = now;
  c->retry_factor = NTSC_RETRY_FACTOR_CONNECT;
  set_next_ke(c);
  return NTSC_START_KE;
}

void ntsc_ke_failed(struct ntsc *c, int retry_factor)
{
  c->ke_running = false;
  c->retry_factor = retry_factor;
  set_next_ke(c);
}

bool ntsc_ke_done(struct ntsc *c, double now, const struct ntske_message *resp,
                  const struct aead_key *c2s, const struct aead_key *s2c)
{
  struct ip_addr ntp_addr = c->ke_addr;
  if (resp->has_error || resp->n_protocols != 1 ||
      resp->protocols[0] != NTSKE_PROTOCOL_NTPV4 || resp->n_algorithms != 1 ||
      resp->algorithms[0] != c2s->algorithm || s2c->algorithm != c2s->algorithm ||
      c2s->len == 0 || c2s->len != aead_key_len(c2s->algorithm) || s2c->len != c2s->len ||
      resp->n_cookies == 0 || (resp->has_server && !addr_parse(resp->server, &ntp_addr))) {
    ntsc_ke_failed(c, NTSC_RETRY_FACTOR_TLS);
    return false;
  }
  c->ke_running = false;
  c->have_keys = true;
  c->c2s = *c2s;
  c->s2c = *s2c;
  c->context_id++;
  drop_cookies(c);
  memcpy(c->cookies, resp->cookies, resp->n_cookies * sizeof(resp->cookies[0]));
  c->n_cookies = resp->n_cookies;
  c->ntp_addr = ntp_addr;
  c->ntp_port = resp->has_port ? resp->port : c->default_port;
  c->last_ke = now;
  c->nak = false;
  c->ok_response = true;
  return true;
}

size_t ntsc_build_request(struct ntsc *c, uint8_t *buf, size_t cap,
                          const uint8_t uid[NTSNTP_UID_LEN],
                          const uint8_t nonce[NTSNTP_NONCE_LEN])
{
  if (c->n_cookies == 0 || !c->have_keys)
    return 0;
  const struct ntske_cookie *cookie = &c->cookies[c->first];
  size_t len = ntsntp_build_request(buf, cap, uid, cookie,
                                    ntsntp_request_placeholders(c->n_cookies, cookie->len),
                                    &c->c2s, nonce);
  if (len == 0)
    return 0;
  memset(&c->cookies[c->first], 0, sizeof(c->cookies[0]));
  c->first = (c->first + 1) % NTSKE_MAX_COOKIES;
  c->n_cookies--;
  memcpy(c->uid, uid, NTSNTP_UID_LEN);
  c->awaiting = true;
  c->ok_response = false;
  return len;
}

enum ntsntp_status ntsc_check_reply(struct ntsc *c, const struct ntp_packet *p)
{
  struct ntsntp_reply reply;
  if (!c->awaiting)
    return NTSNTP_BAD_UID;        /* no request outstanding, or answered already */
  enum ntsntp_status st = ntsntp_parse_reply(p, c->uid, &c->s2c, &reply);
  if (st == NTSNTP_NAK)
    c->nak = true;
  if (st != NTSNTP_OK)
    return st;
  for (size_t i = 0; i < reply.n_cookies && c->n_cookies < NTSKE_MAX_COOKIES; i++)
    c->cookies[(c->first + c->n_cookies++) % NTSKE_MAX_COOKIES] = reply.cookies[i];
  c->awaiting = false;
  c->ok_response = true;
  /* it works with this server: a new NTS-KE may start as soon as needed */
  c->ke_attempts = 0;
  c->next_ke = 0.0;
  return NTSNTP_OK;
}

void ntsc_report(const struct ntsc *c, double now, struct ntsc_report *r)
{
  memset(r, 0, sizeof(*r));
  r->key_id = c->context_id;
  r->key_type = c->have_keys ? c->c2s.algorithm : 0;
  r->key_length = (uint16_t)(c->have_keys ? 8 * c->s2c.len : 0);
  r->ke_attempts = c->ke_attempts;
  r->last_ke_ago = c->have_keys ? now - c->last_ke : -1.0;
  r->cookies = (int)c->n_cookies;
  r->cookie_length = c->n_cookies > 0 ? (int)c->cookies[c->first].len : 0;
  r->nak = c->nak;
}

const char *ntsc_dump_name(const struct ntsc *c, char *buf, size_t cap)
{
  char a[ADDR_STR_LEN];
  snprintf(buf, cap, "%s%s", addr_format(&c->ke_addr, a), NTSC_DUMP_SUFFIX);
  return buf;
}

/* Append printf-style to buf at *pos; false if it does not fit. */
__attribute__((format(printf, 4, 5)))
static bool append(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(buf + *pos, cap - *pos, fmt, ap);
  va_end(ap);
  if (w < 0 || (size_t)w >= cap - *pos)
    return false;
  *pos += (size_t)w;
  return true;
}

static bool append_hex(char *buf, size_t cap, size_t *pos, const uint8_t *bytes, size_t n,
                       char end)
{
  size_t digits = wire_hex_format(bytes, n, buf + *pos, cap - *pos);
  if (digits == 0 || cap - *pos - digits < 2)
    return false;
  *pos += digits;
  buf[(*pos)++] = end;
  buf[*pos] = '\0';
  return true;
}

size_t ntsc_dump_format(const struct ntsc *c, double now, double wall_now, char *buf,
                        size_t cap)
{
  char a[ADDR_STR_LEN];
  size_t pos = 0;
  if (c->n_cookies == 0 || !c->have_keys || cap == 0)
    return 0;
  if (!append(buf, cap, &pos, DUMP_HEADER "%s\n%.1f\n%s %u\n%u %u ", c->name,
              wall_now - (now - c->last_ke), addr_format(&c->ntp_addr, a), c->ntp_port,
              c->context_id, c->c2s.algorithm) ||
      !append_hex(buf, cap, &pos, c->s2c.data, c->s2c.len, ' ') ||
      !append_hex(buf, cap, &pos, c->c2s.data, c->c2s.len, '\n'))
    return 0;
  for (size_t i = 0; i < c->n_cookies; i++) {
    const struct ntske_cookie *k = &c->cookies[(c->first + i) % NTSKE_MAX_COOKIES];
    if (!append_hex(buf, cap, &pos, k->data, k->len, '\n'))
      return 0;
  }
  return pos;
}

/* The next line of text (without its newline, which it must have) into
 * line, NUL-terminated; false at the end or if it is too long. */
static bool take_line(const char *text, size_t len, size_t *pos, char *line, size_t cap)
{
  const char *start = text + *pos, *nl = memchr(start, '\n', len - *pos);
  if (!nl || (size_t)(nl - start) >= cap || memchr(start, '\0', (size_t)(nl - start)))
    return false;
  memcpy(line, start, (size_t)(nl - start));
  line[nl - start] = '\0';
  *pos += (size_t)(nl - start) + 1;
  return true;
}

/* A whole line of hex digits into out (at most max bytes, at least 1). */
static bool parse_hex(const char *hex, uint8_t *out, size_t max, size_t *n)
{
  size_t digits = strlen(hex);
  if (digits == 0 || digits > 2 * max || !wire_hex_parse(hex, digits, out))
    return false;
  *n = digits / 2;
  return true;
}

bool ntsc_dump_parse(struct ntsc *c, const char *text, size_t len, double now, double wall_now)
{
  char line[DUMP_LINE_MAX], addr[ADDR_STR_LEN], s2c[2 * AEAD_MAX_KEY_LEN + 1],
    c2s[2 * AEAD_MAX_KEY_LEN + 1];
  struct ntsc n = *c;
  size_t pos = strlen(DUMP_HEADER);
  unsigned port, id, alg;
  double wall_ke;
  int used = 0;

  if (len < pos || memcmp(text, DUMP_HEADER, pos) != 0 ||
      !take_line(text, len, &pos, line, sizeof(line)) || strcmp(line, c->name) != 0 ||
      !take_line(text, len, &pos, line, sizeof(line)) ||
      sscanf(line, "%lf%n", &wall_ke, &used) != 1 || (size_t)used != strlen(line) ||
      !(wall_ke >= 0.0 && wall_ke < NTSC_DUMP_MAX_TIME) ||
      !take_line(text, len, &pos, line, sizeof(line)) ||
      sscanf(line, "%63s %u%n", addr, &port, &used) != 2 || (size_t)used != strlen(line) ||
      port > UINT16_MAX || !addr_parse(addr, &n.ntp_addr) ||
      !take_line(text, len, &pos, line, sizeof(line)) ||
      sscanf(line, "%u %u %128s %128s%n", &id, &alg, s2c, c2s, &used) != 4 ||
      (size_t)used != strlen(line) || alg > UINT16_MAX)
    return false;
  n.s2c.algorithm = n.c2s.algorithm = (uint16_t)alg;
  if (aead_key_len(n.s2c.algorithm) == 0 ||
      !parse_hex(s2c, n.s2c.data, AEAD_MAX_KEY_LEN, &n.s2c.len) ||
      !parse_hex(c2s, n.c2s.data, AEAD_MAX_KEY_LEN, &n.c2s.len) ||
      n.s2c.len != aead_key_len(n.s2c.algorithm) || n.c2s.len != n.s2c.len)
    return false;
  n.n_cookies = n.first = 0;
  while (pos < len) {
    struct ntske_cookie *k = &n.cookies[n.n_cookies];
    if (n.n_cookies == NTSKE_MAX_COOKIES || !take_line(text, len, &pos, line, sizeof(line)) ||
        !parse_hex(line, k->data, NTSKE_MAX_COOKIE_LEN, &k->len))
      return false;
    n.n_cookies++;
  }
  if (n.n_cookies == 0)
    return false;
  n.ntp_port = (uint16_t)port;
  n.context_id = id;
  n.have_keys = true;
  /* a time in the future is taken as now */
  n.last_ke = now + num_fmin(0.0, wall_ke - wall_now);
  *c = n;
  return true;
}
