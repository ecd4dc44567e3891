/* Tests of nts_ke: chrony's request byte for byte, requests and responses
 * built and parsed back, the server's choices, the exporter context, and
 * rejection of malformed, incomplete, duplicated, unexpected and missing
 * records. */
#include "hex.h"

#include "proto/aead.h"
#include "proto/nts_ke.h"

#define CRIT 0x8000u
#define EOM_HEX "80000000"

struct msgbuf {
  size_t len;
  uint8_t b[NTSKE_MAX_MESSAGE_LEN + 64];
};

/* Append a record: raw type word (critical bit included), then the body
 * given in hex. */
static void add(struct msgbuf *m, unsigned raw, const char *body_hex)
{
  size_t n = unhex(body_hex, m->b + m->len + 4, sizeof(m->b) - m->len - 4);

  m->b[m->len] = (uint8_t)(raw >> 8);
  m->b[m->len + 1] = (uint8_t)raw;
  m->b[m->len + 2] = (uint8_t)(n >> 8);
  m->b[m->len + 3] = (uint8_t)n;
  m->len += 4 + n;
}

/* Append a record whose body is n bytes of `fill`. */
static void add_fill(struct msgbuf *m, unsigned raw, size_t n, uint8_t fill)
{
  assert_true(m->len + 4 + n <= sizeof(m->b));
  m->b[m->len] = (uint8_t)(raw >> 8);
  m->b[m->len + 1] = (uint8_t)raw;
  m->b[m->len + 2] = (uint8_t)(n >> 8);
  m->b[m->len + 3] = (uint8_t)n;
  memset(m->b + m->len + 4, fill, n);
  m->len += 4 + n;
}

static void end(struct msgbuf *m)
{
  add(m, CRIT | NTSKE_END_OF_MESSAGE, "");
}

/* A valid request's first records: NTPv4, AES-SIV-CMAC-256. */
static void request_start(struct msgbuf *m)
{
  m->len = 0;
  add(m, CRIT | NTSKE_NEXT_PROTOCOL, "0000");
  add(m, CRIT | NTSKE_AEAD_ALGORITHM, "000f");
}

/* A valid response's first records: NTPv4, AES-SIV-CMAC-256. */
static void response_start(struct msgbuf *m)
{
  request_start(m);
}

static enum ntske_status parse(const struct msgbuf *m, enum ntske_role role,
                               struct ntske_message *msg)
{
  return ntske_parse(m->b, m->len, role, msg);
}

/* What chrony 4.6.1+'s client sends offering AES-128-GCM-SIV then
 * AES-SIV-CMAC-256 (nts_ke_client.c prepare_request). */
static void test_request_bytes(void **state)
{
  static const uint16_t algs[] = {AEAD_AES_128_GCM_SIV, AEAD_AES_SIV_CMAC_256};
  uint8_t want[64], out[64];
  size_t want_len = unhex("800100020000" "80040004001e000f" "04000000" EOM_HEX, want, sizeof(want));
  struct ntske_message msg, back;

  (void)state;
  ntske_make_request(&msg, algs, 2);
  assert_int_equal(ntske_build(&msg, out, sizeof(out)), want_len);
  assert_memory_equal(out, want, want_len);
  assert_int_equal(ntske_parse(out, want_len, NTSKE_REQUEST, &back), NTSKE_OK);
  assert_int_equal(back.n_protocols, 1);
  assert_int_equal(back.protocols[0], NTSKE_PROTOCOL_NTPV4);
  assert_int_equal(back.n_algorithms, 2);
  assert_int_equal(back.algorithms[0], AEAD_AES_128_GCM_SIV);
  assert_int_equal(back.algorithms[1], AEAD_AES_SIV_CMAC_256);
  assert_true(back.compliant_128gcm);

  /* chrony 4.3's request (as Debian's chronyd 4.3 sent it to a test server):
   * AES-SIV-CMAC-256 only, no record 1024. */
  want_len = unhex("800100020000" "80040002000f" EOM_HEX, want, sizeof(want));
  ntske_make_request(&msg, algs + 1, 1);
  assert_false(msg.compliant_128gcm);
  assert_int_equal(ntske_build(&msg, out, sizeof(out)), want_len);
  assert_memory_equal(out, want, want_len);
  /* Without room for the End of Message, nothing is built. */
  assert_int_equal(ntske_build(&msg, out, want_len - 1), 0);
}

static void fill_cookie(struct ntske_cookie *c, size_t len, uint8_t seed)
{
  c->len = len;
  for (size_t i = 0; i < len; i++)
    c->data[i] = (uint8_t)(seed + i);
}

/* A full response (port, server, eight cookies) parsed back unchanged. */
static void test_response_round_trip(void **state)
{
  static const uint16_t algs[] = {AEAD_AES_128_GCM_SIV};
  struct ntske_message req, resp, back;
  uint8_t out[NTSKE_MAX_MESSAGE_LEN];
  size_t len;

  (void)state;
  ntske_make_request(&req, algs, 1);
  assert_true(ntske_make_response(&req, NTSKE_OK, algs, 1, &resp));
  resp.has_port = true;
  resp.port = 12345;
  resp.has_server = true;
  strcpy(resp.server, "ntp.example.net");
  resp.n_cookies = NTSKE_MAX_COOKIES;
  for (size_t i = 0; i < NTSKE_MAX_COOKIES; i++)
    fill_cookie(&resp.cookies[i], 64 + 4 * i, (uint8_t)i);
  len = ntske_build(&resp, out, sizeof(out));
  assert_true(len > 0);
  assert_int_equal(ntske_parse(out, len, NTSKE_RESPONSE, &back), NTSKE_OK);
  assert_int_equal(back.n_protocols, 1);
  assert_int_equal(back.protocols[0], NTSKE_PROTOCOL_NTPV4);
  assert_int_equal(back.n_algorithms, 1);
  assert_int_equal(back.algorithms[0], AEAD_AES_128_GCM_SIV);
  assert_true(back.compliant_128gcm);
  assert_true(back.has_port);
  assert_int_equal(back.port, 12345);
  assert_string_equal(back.server, "ntp.example.net");
  assert_int_equal(back.n_cookies, NTSKE_MAX_COOKIES);
  for (size_t i = 0; i < NTSKE_MAX_COOKIES; i++) {
    assert_int_equal(back.cookies[i].len, resp.cookies[i].len);
    assert_memory_equal(back.cookies[i].data, resp.cookies[i].data, resp.cookies[i].len);
  }
  /* Every proper prefix is incomplete, never accepted. */
  for (size_t n = 0; n < len; n++)
    assert_int_equal(ntske_parse(out, n, NTSKE_RESPONSE, &back), NTSKE_INCOMPLETE);
}

/* The server's choices, as chrony's process_request/prepare_response. */
static void test_server_choices(void **state)
{
  static const uint16_t both[] = {AEAD_AES_128_GCM_SIV, AEAD_AES_SIV_CMAC_256};
  static const uint16_t siv[] = {AEAD_AES_SIV_CMAC_256};
  static const uint16_t unknown[] = {31};
  struct ntske_message req, resp;
  struct msgbuf m = {0};

  (void)state;
  /* The client's order wins among the server's. */
  ntske_make_request(&req, both, 2);
  assert_true(ntske_make_response(&req, NTSKE_OK, both + 1, 1, &resp));
  assert_int_equal(resp.algorithms[0], AEAD_AES_SIV_CMAC_256);
  assert_false(resp.compliant_128gcm);
  assert_true(ntske_make_response(&req, NTSKE_OK, (uint16_t[]){15, 30}, 2, &resp));
  assert_int_equal(resp.algorithms[0], AEAD_AES_128_GCM_SIV);
  assert_true(resp.compliant_128gcm);
  /* GCM-SIV for an old client (no record 1024): no echo. */
  req.compliant_128gcm = false;
  assert_true(ntske_make_response(&req, NTSKE_OK, both, 2, &resp));
  assert_int_equal(resp.algorithms[0], AEAD_AES_128_GCM_SIV);
  assert_false(resp.compliant_128gcm);
  /* Nothing in common (also an ID we cannot compute): empty AEAD record. */
  ntske_make_request(&req, unknown, 1);
  assert_false(ntske_make_response(&req, NTSKE_OK, unknown, 1, &resp));
  assert_true(resp.has_protocols && resp.has_algorithms);
  assert_int_equal(resp.n_protocols, 1);
  assert_int_equal(resp.n_algorithms, 0);
  /* No NTPv4 offered: an empty Next Protocol record and no AEAD record. */
  add(&m, CRIT | NTSKE_NEXT_PROTOCOL, "0001");
  end(&m);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &req), NTSKE_OK);
  assert_false(ntske_make_response(&req, NTSKE_OK, siv, 1, &resp));
  assert_true(resp.has_protocols);
  assert_int_equal(resp.n_protocols, 0);
  assert_false(resp.has_algorithms);
  /* A failed request: an Error record alone, with the status's code. */
  assert_false(ntske_make_response(&req, NTSKE_UNKNOWN_CRITICAL, siv, 1, &resp));
  assert_true(resp.has_error);
  assert_int_equal(resp.error, NTSKE_ERROR_UNRECOGNIZED_CRITICAL);
  assert_false(resp.has_protocols || resp.has_algorithms);
  assert_false(ntske_make_response(&req, NTSKE_DUPLICATE, siv, 1, &resp));
  assert_int_equal(resp.error, NTSKE_ERROR_BAD_REQUEST);
}

/* A response carrying only an Error is a valid message for the client. */
static void test_error_response(void **state)
{
  struct ntske_message req, resp, back;
  uint8_t out[64], want[16];
  size_t want_len = unhex("80020002" "0001" EOM_HEX, want, sizeof(want));

  (void)state;
  ntske_make_request(&req, NULL, 0);
  ntske_make_response(&req, NTSKE_UNEXPECTED, NULL, 0, &resp);
  assert_int_equal(ntske_build(&resp, out, sizeof(out)), want_len);
  assert_memory_equal(out, want, want_len);
  assert_int_equal(ntske_parse(out, want_len, NTSKE_RESPONSE, &back), NTSKE_OK);
  assert_true(back.has_error);
  assert_int_equal(back.error, NTSKE_ERROR_BAD_REQUEST);
}

/* Layout errors: truncation anywhere, the limit, End of Message's rules. */
static void test_rejected_layout(void **state)
{
  struct ntske_message msg;
  struct msgbuf m;

  (void)state;
  /* A header cut short; a body running past the bytes there are; no End of
   * Message: all incomplete (more may come). */
  request_start(&m);
  end(&m);
  assert_int_equal(ntske_parse(m.b, 3, NTSKE_REQUEST, &msg), NTSKE_INCOMPLETE);
  assert_int_equal(ntske_parse(m.b, 5, NTSKE_REQUEST, &msg), NTSKE_INCOMPLETE);
  assert_int_equal(ntske_parse(m.b, m.len - 4, NTSKE_REQUEST, &msg), NTSKE_INCOMPLETE);
  assert_int_equal(ntske_parse(m.b, m.len, NTSKE_REQUEST, &msg), NTSKE_OK);
  /* A body length beyond the message once the limit is reached, and a
   * message longer than the limit. */
  request_start(&m);
  add_fill(&m, 0x4000, NTSKE_MAX_MESSAGE_LEN - m.len - 4 + 1, 0);
  assert_int_equal(ntske_parse(m.b, NTSKE_MAX_MESSAGE_LEN, NTSKE_REQUEST, &msg),
                   NTSKE_TOO_LONG);
  request_start(&m);
  add_fill(&m, 0x4000, NTSKE_MAX_MESSAGE_LEN - m.len - 8, 0);
  end(&m);
  assert_int_equal(m.len, NTSKE_MAX_MESSAGE_LEN);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_OK);
  m.b[m.len++] = 0;
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_TOO_LONG);
  /* End of Message not critical, with a body, or followed by anything. */
  request_start(&m);
  add(&m, NTSKE_END_OF_MESSAGE, "");
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_BAD_END);
  request_start(&m);
  add(&m, CRIT | NTSKE_END_OF_MESSAGE, "0000");
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_BAD_END);
  request_start(&m);
  end(&m);
  end(&m);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_BAD_END);
  request_start(&m);
  end(&m);
  m.b[m.len++] = 0;
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_BAD_END);
}

/* Unknown records: critical ones fail with their own error code, others
 * are skipped. */
static void test_unknown_records(void **state)
{
  struct ntske_message msg;
  struct msgbuf m;

  (void)state;
  request_start(&m);
  add(&m, 0x1234, "abcdef");
  add(&m, NTSKE_COMPLIANT_128GCM + 1, "");
  end(&m);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_OK);
  request_start(&m);
  add(&m, CRIT | 0x1234, "abcdef");
  end(&m);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_UNKNOWN_CRITICAL);
  assert_int_equal(ntske_status_error(NTSKE_UNKNOWN_CRITICAL), NTSKE_ERROR_UNRECOGNIZED_CRITICAL);
  response_start(&m);
  add(&m, CRIT | 8, "");
  end(&m);
  assert_int_equal(parse(&m, NTSKE_RESPONSE, &msg), NTSKE_UNKNOWN_CRITICAL);
}

/* Records of a known type with a bad body, a missing critical bit, or
 * appearing twice. */
static void test_rejected_records(void **state)
{
  static const struct {
    unsigned raw;
    const char *body;
    enum ntske_status status;
  } cases[] = {
    {NTSKE_NEXT_PROTOCOL, "0000", NTSKE_BAD_RECORD},          /* not critical */
    {CRIT | NTSKE_NEXT_PROTOCOL, "0000", NTSKE_DUPLICATE},
    {CRIT | NTSKE_AEAD_ALGORITHM, "000f", NTSKE_DUPLICATE},
    {NTSKE_AEAD_ALGORITHM, "000f", NTSKE_DUPLICATE},
    {CRIT | NTSKE_NTPV4_PORT, "007b00", NTSKE_BAD_RECORD},
    {CRIT | NTSKE_NTPV4_PORT, "", NTSKE_BAD_RECORD},
    {CRIT | NTSKE_NTPV4_SERVER, "", NTSKE_BAD_RECORD},
    {CRIT | NTSKE_NTPV4_SERVER, "6e7470206578", NTSKE_BAD_RECORD},   /* "ntp ex" */
    {CRIT | NTSKE_NTPV4_SERVER, "6e74700a", NTSKE_BAD_RECORD},       /* newline */
    {CRIT | NTSKE_NTPV4_SERVER, "6e7470ff", NTSKE_BAD_RECORD},
    {NTSKE_COMPLIANT_128GCM, "00", NTSKE_BAD_RECORD},
    {NTSKE_ERROR, "00", NTSKE_BAD_RECORD},
    {CRIT | NTSKE_WARNING, "000000", NTSKE_BAD_RECORD},
  };
  static const struct {
    unsigned raw;
    const char *body;
  } once[] = {
    {CRIT | NTSKE_NTPV4_SERVER, "6e7470"},
    {NTSKE_NTPV4_PORT, "007b"},
    {NTSKE_COMPLIANT_128GCM, ""},
  };
  struct ntske_message msg;
  struct msgbuf m;

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    response_start(&m);
    add(&m, cases[i].raw, cases[i].body);
    end(&m);
    assert_int_equal(parse(&m, NTSKE_RESPONSE, &msg), cases[i].status);
  }
  /* Odd list lengths. */
  m.len = 0;
  add(&m, CRIT | NTSKE_NEXT_PROTOCOL, "000000");
  end(&m);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_BAD_RECORD);
  m.len = 0;
  add(&m, CRIT | NTSKE_NEXT_PROTOCOL, "0000");
  add(&m, CRIT | NTSKE_AEAD_ALGORITHM, "000f00");
  end(&m);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_BAD_RECORD);
  /* Once each: the server, the port, record 1024. */
  for (size_t i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
    response_start(&m);
    add(&m, once[i].raw, once[i].body);
    end(&m);
    assert_int_equal(parse(&m, NTSKE_RESPONSE, &msg), NTSKE_OK);
    response_start(&m);
    add(&m, once[i].raw, once[i].body);
    add(&m, once[i].raw, once[i].body);
    end(&m);
    assert_int_equal(parse(&m, NTSKE_RESPONSE, &msg), NTSKE_DUPLICATE);
  }
}

/* The server name: up to 255 printable characters. */
static void test_server_name_length(void **state)
{
  struct ntske_message msg;
  struct msgbuf m;

  (void)state;
  response_start(&m);
  add_fill(&m, CRIT | NTSKE_NTPV4_SERVER, NTSKE_MAX_SERVER_LEN, 'a');
  end(&m);
  assert_int_equal(parse(&m, NTSKE_RESPONSE, &msg), NTSKE_OK);
  assert_int_equal(strlen(msg.server), NTSKE_MAX_SERVER_LEN);
  response_start(&m);
  add_fill(&m, CRIT | NTSKE_NTPV4_SERVER, NTSKE_MAX_SERVER_LEN + 1, 'a');
  end(&m);
  assert_int_equal(parse(&m, NTSKE_RESPONSE, &msg), NTSKE_BAD_RECORD);
  /* The builder refuses an empty name. */
  msg.has_server = true;
  msg.server[0] = '\0';
  assert_int_equal(ntske_build(&msg, m.b, sizeof(m.b)), 0);
}

/* Each side's rules: what a request must not carry, what each must have. */
static void test_roles(void **state)
{
  static const unsigned response_only[] = {CRIT | NTSKE_ERROR, CRIT | NTSKE_WARNING,
                                           NTSKE_NEW_COOKIE};
  struct ntske_message msg;
  struct msgbuf m;

  (void)state;
  for (size_t i = 0; i < 3; i++) {
    request_start(&m);
    add(&m, response_only[i], "0001");
    end(&m);
    assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_UNEXPECTED);
    assert_int_equal(ntske_status_error(NTSKE_UNEXPECTED), NTSKE_ERROR_BAD_REQUEST);
  }
  /* Missing Next Protocol; NTPv4 without AEAD; empty lists in a request. */
  m.len = 0;
  add(&m, CRIT | NTSKE_AEAD_ALGORITHM, "000f");
  end(&m);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_MISSING);
  assert_int_equal(parse(&m, NTSKE_RESPONSE, &msg), NTSKE_MISSING);
  m.len = 0;
  add(&m, CRIT | NTSKE_NEXT_PROTOCOL, "0000");
  end(&m);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_MISSING);
  m.len = 0;
  add(&m, CRIT | NTSKE_NEXT_PROTOCOL, "");
  end(&m);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_BAD_RECORD);
  assert_int_equal(parse(&m, NTSKE_RESPONSE, &msg), NTSKE_OK);  /* the server's refusal */
  m.len = 0;
  add(&m, CRIT | NTSKE_NEXT_PROTOCOL, "0000");
  add(&m, CRIT | NTSKE_AEAD_ALGORITHM, "");
  end(&m);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_BAD_RECORD);
  assert_int_equal(parse(&m, NTSKE_RESPONSE, &msg), NTSKE_OK);
  /* A response chooses one protocol and one algorithm. */
  m.len = 0;
  add(&m, CRIT | NTSKE_NEXT_PROTOCOL, "00000001");
  end(&m);
  assert_int_equal(parse(&m, NTSKE_RESPONSE, &msg), NTSKE_BAD_RECORD);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_MISSING);
  m.len = 0;
  add(&m, CRIT | NTSKE_NEXT_PROTOCOL, "0000");
  add(&m, CRIT | NTSKE_AEAD_ALGORITHM, "000f001e");
  end(&m);
  assert_int_equal(parse(&m, NTSKE_RESPONSE, &msg), NTSKE_BAD_RECORD);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_OK);
}

/* Cookies beyond eight, oversized, empty or not a multiple of 4 bytes are
 * skipped (chrony's client), and the builder refuses to send them. */
static void test_cookie_limits(void **state)
{
  struct ntske_message msg;
  struct msgbuf m;
  uint8_t out[NTSKE_MAX_MESSAGE_LEN];

  (void)state;
  response_start(&m);
  add_fill(&m, NTSKE_NEW_COOKIE, NTSKE_MAX_COOKIE_LEN + 4, 1);
  add_fill(&m, NTSKE_NEW_COOKIE, 0, 2);
  add_fill(&m, NTSKE_NEW_COOKIE, 98, 3);
  for (uint8_t i = 0; i < NTSKE_MAX_COOKIES + 1; i++)
    add_fill(&m, NTSKE_NEW_COOKIE, i == 0 ? NTSKE_MAX_COOKIE_LEN : 4, (uint8_t)(10 + i));
  end(&m);
  assert_int_equal(parse(&m, NTSKE_RESPONSE, &msg), NTSKE_OK);
  assert_int_equal(msg.n_cookies, NTSKE_MAX_COOKIES);
  assert_int_equal(msg.cookies[0].len, NTSKE_MAX_COOKIE_LEN);
  for (size_t i = 0; i < NTSKE_MAX_COOKIES; i++)
    assert_int_equal(msg.cookies[i].data[0], 10 + i);
  /* Building: a cookie too long, too many cookies. */
  assert_true(ntske_build(&msg, out, sizeof(out)) > 0);
  msg.cookies[3].len = NTSKE_MAX_COOKIE_LEN + 1;
  assert_int_equal(ntske_build(&msg, out, sizeof(out)), 0);
  msg.cookies[3].len = 4;
  msg.n_cookies = NTSKE_MAX_COOKIES + 1;
  assert_int_equal(ntske_build(&msg, out, sizeof(out)), 0);
}

/* Long lists: the first NTSKE_MAX_LIST values are kept. */
static void test_long_lists(void **state)
{
  struct ntske_message msg;
  struct msgbuf m = {0};
  uint8_t out[NTSKE_MAX_MESSAGE_LEN];

  (void)state;
  add(&m, CRIT | NTSKE_NEXT_PROTOCOL, "0000");
  add_fill(&m, CRIT | NTSKE_AEAD_ALGORITHM, 2 * (NTSKE_MAX_LIST + 3), 0x11);
  end(&m);
  assert_int_equal(parse(&m, NTSKE_REQUEST, &msg), NTSKE_OK);
  assert_int_equal(msg.n_algorithms, NTSKE_MAX_LIST);
  assert_int_equal(msg.algorithms[NTSKE_MAX_LIST - 1], 0x1111);
  msg.n_algorithms = NTSKE_MAX_LIST + 1;
  assert_int_equal(ntske_build(&msg, out, sizeof(out)), 0);
}

static void test_status_names(void **state)
{
  (void)state;
  for (int i = NTSKE_OK; i <= NTSKE_MISSING; i++) {
    for (int j = NTSKE_OK; j < i; j++)
      assert_string_not_equal(ntske_status_name(i), ntske_status_name(j));
    assert_string_not_equal(ntske_status_name(i), "unknown");
  }
}

static void test_exporter_context(void **state)
{
  uint8_t ctx[NTSKE_CONTEXT_LEN], want[NTSKE_CONTEXT_LEN];

  (void)state;
  ntske_exporter_context(NTSKE_PROTOCOL_NTPV4, AEAD_AES_SIV_CMAC_256, false, ctx);
  unhex("0000000f00", want, sizeof(want));
  assert_memory_equal(ctx, want, sizeof(want));
  ntske_exporter_context(NTSKE_PROTOCOL_NTPV4, AEAD_AES_128_GCM_SIV, true, ctx);
  unhex("0000001e01", want, sizeof(want));
  assert_memory_equal(ctx, want, sizeof(want));
  assert_int_equal(ntske_exporter_algorithm(AEAD_AES_128_GCM_SIV, false), AEAD_AES_SIV_CMAC_256);
  assert_int_equal(ntske_exporter_algorithm(AEAD_AES_128_GCM_SIV, true), AEAD_AES_128_GCM_SIV);
  assert_int_equal(ntske_exporter_algorithm(AEAD_AES_SIV_CMAC_256, false), AEAD_AES_SIV_CMAC_256);
  assert_int_equal(ntske_exporter_algorithm(AEAD_AES_SIV_CMAC_512, true), AEAD_AES_SIV_CMAC_512);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_request_bytes),
    cmocka_unit_test(test_response_round_trip),
    cmocka_unit_test(test_server_choices),
    cmocka_unit_test(test_error_response),
    cmocka_unit_test(test_rejected_layout),
    cmocka_unit_test(test_unknown_records),
    cmocka_unit_test(test_rejected_records),
    cmocka_unit_test(test_server_name_length),
    cmocka_unit_test(test_roles),
    cmocka_unit_test(test_cookie_limits),
    cmocka_unit_test(test_long_lists),
    cmocka_unit_test(test_status_names),
    cmocka_unit_test(test_exporter_context),
  };
  return cmocka_run_group_tests_name("nts_ke", tests, NULL, NULL);
}
