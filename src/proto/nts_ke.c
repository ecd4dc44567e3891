/* nts_ke: NTS-KE records parsed and built (see nts_ke.h). */
#include "proto/nts_ke.h"

#include <string.h>

#include "proto/aead.h"
#include "proto/wire.h"

/* A list of 16-bit values (Next Protocol, AEAD): an even length; values past
 * NTSKE_MAX_LIST are not kept. */
static enum ntske_status read_list(const uint8_t *body, size_t len, bool *has, size_t *n,
                                   uint16_t *values)
{
  struct wire_reader r;

  if (*has)
    return NTSKE_DUPLICATE;
  if (len % 2 != 0)
    return NTSKE_BAD_RECORD;
  *has = true;
  wire_reader_init(&r, body, len);
  for (*n = 0; *n < NTSKE_MAX_LIST && wire_remaining(&r) > 0; (*n)++)
    values[*n] = wire_get_u16(&r);
  return NTSKE_OK;
}

static enum ntske_status read_u16(const uint8_t *body, size_t len, bool *has, uint16_t *value)
{
  struct wire_reader r;

  if (*has)
    return NTSKE_DUPLICATE;
  if (len != 2)
    return NTSKE_BAD_RECORD;
  wire_reader_init(&r, body, len);
  *value = wire_get_u16(&r);
  *has = true;
  return NTSKE_OK;
}

/* A host name or address: printable ASCII without spaces, as chrony checks. */
static enum ntske_status read_server(const uint8_t *body, size_t len, struct ntske_message *m)
{
  if (m->has_server)
    return NTSKE_DUPLICATE;
  if (len < 1 || len > NTSKE_MAX_SERVER_LEN)
    return NTSKE_BAD_RECORD;
  for (size_t i = 0; i < len; i++) {
    if (body[i] <= ' ' || body[i] > '~')
      return NTSKE_BAD_RECORD;
  }
  memcpy(m->server, body, len);
  m->server[len] = '\0';
  m->has_server = true;
  return NTSKE_OK;
}

static void read_cookie(const uint8_t *body, size_t len, struct ntske_message *m)
{
  if (len < 1 || len > NTSKE_MAX_COOKIE_LEN || len % 4 != 0 || m->n_cookies >= NTSKE_MAX_COOKIES)
    return;
  m->cookies[m->n_cookies].len = len;
  memcpy(m->cookies[m->n_cookies].data, body, len);
  m->n_cookies++;
}

static enum ntske_status read_record(unsigned type, bool critical, const uint8_t *body,
                                     size_t len, enum ntske_role role, struct ntske_message *m)
{
  bool request = role == NTSKE_REQUEST;

  switch (type) {
  case NTSKE_NEXT_PROTOCOL:
    if (!critical)
      return NTSKE_BAD_RECORD;
    return read_list(body, len, &m->has_protocols, &m->n_protocols, m->protocols);
  case NTSKE_AEAD_ALGORITHM:
    return read_list(body, len, &m->has_algorithms, &m->n_algorithms, m->algorithms);
  case NTSKE_ERROR:
    return request ? NTSKE_UNEXPECTED : read_u16(body, len, &m->has_error, &m->error);
  case NTSKE_WARNING:
    return request ? NTSKE_UNEXPECTED : read_u16(body, len, &m->has_warning, &m->warning);
  case NTSKE_NEW_COOKIE:
    if (request)
      return NTSKE_UNEXPECTED;
    read_cookie(body, len, m);
    return NTSKE_OK;
  case NTSKE_NTPV4_SERVER:
    return read_server(body, len, m);
  case NTSKE_NTPV4_PORT:
    return read_u16(body, len, &m->has_port, &m->port);
  case NTSKE_COMPLIANT_128GCM:
    if (m->compliant_128gcm)
      return NTSKE_DUPLICATE;
    if (len != 0)
      return NTSKE_BAD_RECORD;
    m->compliant_128gcm = true;
    return NTSKE_OK;
  default:
    return critical ? NTSKE_UNKNOWN_CRITICAL : NTSKE_OK;
  }
}

/* What each side must have received, once the whole message is read. */
static enum ntske_status check_role(const struct ntske_message *m, enum ntske_role role)
{
  bool ntpv4 = false;

  if (role == NTSKE_RESPONSE) {
    if (m->has_error)
      return NTSKE_OK;
    if (!m->has_protocols)
      return NTSKE_MISSING;
    return m->n_protocols > 1 || m->n_algorithms > 1 ? NTSKE_BAD_RECORD : NTSKE_OK;
  }
  if (!m->has_protocols)
    return NTSKE_MISSING;
  if (m->n_protocols == 0)
    return NTSKE_BAD_RECORD;
  for (size_t i = 0; i < m->n_protocols; i++)
    ntpv4 |= m->protocols[i] == NTSKE_PROTOCOL_NTPV4;
  if (ntpv4 && !m->has_algorithms)
    return NTSKE_MISSING;
  return m->has_algorithms && m->n_algorithms == 0 ? NTSKE_BAD_RECORD : NTSKE_OK;
}

enum ntske_status ntske_parse(const uint8_t *buf, size_t len, enum ntske_role role,
                              struct ntske_message *msg)
{
  /* Running out of bytes: more may come, up to the limit. */
  const enum ntske_status short_status =
    len >= NTSKE_MAX_MESSAGE_LEN ? NTSKE_TOO_LONG : NTSKE_INCOMPLETE;
  struct wire_reader r;
  enum ntske_status st;

  memset(msg, 0, sizeof(*msg));
  if (len > NTSKE_MAX_MESSAGE_LEN)
    return NTSKE_TOO_LONG;
  wire_reader_init(&r, buf, len);
  for (;;) {
    uint16_t raw, body_len;
    const uint8_t *body;

    if (wire_remaining(&r) < NTSKE_RECORD_HEADER_LEN)
      return short_status;
    raw = wire_get_u16(&r);
    body_len = wire_get_u16(&r);
    body = wire_get_span(&r, body_len);
    if (!body)
      return short_status;
    if ((raw & ~NTSKE_CRITICAL) == NTSKE_END_OF_MESSAGE) {
      if (!(raw & NTSKE_CRITICAL) || body_len != 0 || wire_remaining(&r) != 0)
        return NTSKE_BAD_END;
      return check_role(msg, role);
    }
    st = read_record(raw & ~NTSKE_CRITICAL, raw & NTSKE_CRITICAL, body, body_len, role, msg);
    if (st != NTSKE_OK)
      return st;
  }
}

const char *ntske_status_name(enum ntske_status status)
{
  switch (status) {
  case NTSKE_OK:
    return "ok";
  case NTSKE_INCOMPLETE:
    return "incomplete";
  case NTSKE_TOO_LONG:
    return "too-long";
  case NTSKE_BAD_END:
    return "bad-end-of-message";
  case NTSKE_UNKNOWN_CRITICAL:
    return "unknown-critical-record";
  case NTSKE_BAD_RECORD:
    return "bad-record";
  case NTSKE_DUPLICATE:
    return "duplicate-record";
  case NTSKE_UNEXPECTED:
    return "unexpected-record";
  case NTSKE_MISSING:
    return "missing-record";
  }
  return "unknown";
}

uint16_t ntske_status_error(enum ntske_status status)
{
  return status == NTSKE_UNKNOWN_CRITICAL ? NTSKE_ERROR_UNRECOGNIZED_CRITICAL
                                          : NTSKE_ERROR_BAD_REQUEST;
}

static void put_record(struct wire_writer *w, unsigned type, bool critical, const void *body,
                       size_t len)
{
  if (len > UINT16_MAX) {
    w->err = true;
    return;
  }
  wire_put_u16(w, (uint16_t)(type | (critical ? NTSKE_CRITICAL : 0)));
  wire_put_u16(w, (uint16_t)len);
  wire_put_bytes(w, body, len);
}

static void put_list(struct wire_writer *w, unsigned type, const uint16_t *values, size_t n)
{
  uint8_t body[2 * NTSKE_MAX_LIST];
  struct wire_writer b;

  wire_writer_init(&b, body, sizeof(body));
  for (size_t i = 0; i < n; i++)
    wire_put_u16(&b, values[i]);
  if (b.err)
    w->err = true;
  else
    put_record(w, type, true, body, b.pos);
}

static void put_u16(struct wire_writer *w, unsigned type, uint16_t value)
{
  uint8_t body[2] = {(uint8_t)(value >> 8), (uint8_t)value};

  put_record(w, type, true, body, sizeof(body));
}

size_t ntske_build(const struct ntske_message *msg, uint8_t *out, size_t cap)
{
  struct wire_writer w;
  size_t server_len = strnlen(msg->server, sizeof(msg->server));

  if (msg->n_cookies > NTSKE_MAX_COOKIES ||
      (msg->has_server && (server_len == 0 || server_len > NTSKE_MAX_SERVER_LEN)))
    return 0;
  wire_writer_init(&w, out, cap);
  if (msg->has_protocols)
    put_list(&w, NTSKE_NEXT_PROTOCOL, msg->protocols, msg->n_protocols);
  if (msg->has_error)
    put_u16(&w, NTSKE_ERROR, msg->error);
  if (msg->has_warning)
    put_u16(&w, NTSKE_WARNING, msg->warning);
  if (msg->has_algorithms)
    put_list(&w, NTSKE_AEAD_ALGORITHM, msg->algorithms, msg->n_algorithms);
  if (msg->compliant_128gcm)
    put_record(&w, NTSKE_COMPLIANT_128GCM, false, NULL, 0);
  if (msg->has_port)
    put_u16(&w, NTSKE_NTPV4_PORT, msg->port);
  if (msg->has_server)
    put_record(&w, NTSKE_NTPV4_SERVER, true, msg->server, server_len);
  for (size_t i = 0; i < msg->n_cookies; i++) {
    if (msg->cookies[i].len > NTSKE_MAX_COOKIE_LEN)
      return 0;
    put_record(&w, NTSKE_NEW_COOKIE, false, msg->cookies[i].data, msg->cookies[i].len);
  }
  put_record(&w, NTSKE_END_OF_MESSAGE, true, NULL, 0);
  return w.err ? 0 : w.pos;
}

void ntske_make_request(struct ntske_message *msg, const uint16_t *algorithms, size_t n)
{
  memset(msg, 0, sizeof(*msg));
  msg->has_protocols = true;
  msg->n_protocols = 1;
  msg->protocols[0] = NTSKE_PROTOCOL_NTPV4;
  msg->has_algorithms = true;
  for (size_t i = 0; i < n && msg->n_algorithms < NTSKE_MAX_LIST; i++) {
    msg->algorithms[msg->n_algorithms++] = algorithms[i];
    msg->compliant_128gcm |= algorithms[i] == AEAD_AES_128_GCM_SIV;
  }
}

static bool contains(const uint16_t *values, size_t n, uint16_t value)
{
  for (size_t i = 0; i < n; i++) {
    if (values[i] == value)
      return true;
  }
  return false;
}

bool ntske_make_response(const struct ntske_message *request, enum ntske_status status,
                         const uint16_t *supported, size_t n_supported,
                         struct ntske_message *response)
{
  memset(response, 0, sizeof(*response));
  if (status != NTSKE_OK) {
    response->has_error = true;
    response->error = ntske_status_error(status);
    return false;
  }
  response->has_protocols = true;
  if (!contains(request->protocols, request->n_protocols, NTSKE_PROTOCOL_NTPV4))
    return false;
  response->n_protocols = 1;
  response->protocols[0] = NTSKE_PROTOCOL_NTPV4;
  response->has_algorithms = true;
  for (size_t i = 0; i < request->n_algorithms; i++) {
    uint16_t a = request->algorithms[i];

    if (contains(supported, n_supported, a) && aead_key_len(a) > 0) {
      response->n_algorithms = 1;
      response->algorithms[0] = a;
      response->compliant_128gcm = a == AEAD_AES_128_GCM_SIV && request->compliant_128gcm;
      return true;
    }
  }
  return false;
}

uint16_t ntske_exporter_algorithm(uint16_t algorithm, bool compliant_128gcm)
{
  return algorithm == AEAD_AES_128_GCM_SIV && !compliant_128gcm ? AEAD_AES_SIV_CMAC_256
                                                                 : algorithm;
}

void ntske_exporter_context(uint16_t protocol, uint16_t algorithm, bool s2c,
                            uint8_t out[NTSKE_CONTEXT_LEN])
{
  struct wire_writer w;

  wire_writer_init(&w, out, NTSKE_CONTEXT_LEN);
  wire_put_u16(&w, protocol);
  wire_put_u16(&w, algorithm);
  wire_put_u8(&w, s2c ? 1 : 0);
}
