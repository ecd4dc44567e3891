/* nts_server: server keys (rotation, chrony's ntskeys file), NTS-KE
 * responses with exported keys and cookies, NTS-protected NTP requests
 * answered, NAK'ed or dropped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/nts_server.h"
#include "fake_platform.h"
#include "hex.h"

static const int AEADS[] = {30, 15};

/* chronyd 4.3's request (its NTS-KE client sent these bytes) */
#define CHRONY_REQUEST "80010002000080040002000f80000000"

/* An ntskeys file as chronyd 4.3 wrote it. */
static const char CHRONY_KEYS[] =
  "NKS0\n15 85.0\n"
  "2E06D415 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7FF\n"
  "342D273A C88126C70FAF8A6E021F926F166157A9BC2DD972CF3993502B3A99CEE6A69C08\n"
  "A26BADB7 53DEC0C007E1E966C0E900476F5FE2B2814708D64EC931B7E1F2B9043C31D093\n"
  "1482E370 67027A4CC350247F5440578CC99517C362A93C10D04307E35926F93FD4AC40BD\n";

struct fixture {
  struct fake_platform fp;
  struct ntss n;
  unsigned exports;
};

static int setup(void **state)
{
  static struct fixture f;
  memset(&f, 0, sizeof(f));
  fake_platform_init(&f.fp);
  ntss_init(&f.n, &f.fp.plat, AEADS, 2, NULL, 0);
  *state = &f;
  return 0;
}

/* The "TLS session": the key is the context's bytes repeated, so each
 * context gives a different, known key. */
static bool fake_export(void *arg, const uint8_t context[NTSKE_CONTEXT_LEN], uint8_t *out,
                        size_t len)
{
  struct fixture *f = arg;
  f->exports++;
  for (size_t i = 0; i < len; i++)
    out[i] = context[i % NTSKE_CONTEXT_LEN] ^ (uint8_t)i;
  return true;
}

static bool failing_export(void *arg, const uint8_t context[NTSKE_CONTEXT_LEN], uint8_t *out,
                           size_t len)
{
  (void)arg;
  (void)context;
  (void)out;
  (void)len;
  return false;
}

static void expected_key(uint16_t algorithm, bool s2c, struct aead_key *k)
{
  uint8_t ctx[NTSKE_CONTEXT_LEN];
  ntske_exporter_context(NTSKE_PROTOCOL_NTPV4, algorithm, s2c, ctx);
  k->algorithm = algorithm;
  k->len = aead_key_len(algorithm);
  for (size_t i = 0; i < k->len; i++)
    k->data[i] = ctx[i % NTSKE_CONTEXT_LEN] ^ (uint8_t)i;
}

/* ---- keys ---- */

static void test_init_fills_every_slot(void **state)
{
  struct fixture *f = *state;
  for (unsigned i = 0; i < NTSS_KEYS; i++) {
    assert_int_equal(f->n.keys[i].id % NTSS_KEYS, i);
    assert_int_equal(f->n.keys[i].key.len, 32);
    for (unsigned j = 0; j < i; j++)
      assert_memory_not_equal(f->n.keys[i].key.data, f->n.keys[j].key.data, 32);
  }
}

static void test_rotation_keeps_two_old_keys(void **state)
{
  struct fixture *f = *state;
  struct aead_key c2s, s2c, a, b;
  struct ntske_cookie cookie;
  uint8_t nonce[NTSNTP_NONCE_LEN] = {1};
  expected_key(15, false, &c2s);
  expected_key(15, true, &s2c);
  assert_true(ntsntp_cookie_encode(&f->n.keys[f->n.current], nonce, &c2s, &s2c, &cookie));
  unsigned first = f->n.current;
  for (int r = 0; r < 2; r++) {
    ntss_rotate(&f->n);
    assert_int_not_equal(f->n.current, first);
    assert_true(ntsntp_cookie_decode(f->n.keys, NTSS_KEYS, cookie.data, cookie.len, &a, &b));
    assert_memory_equal(a.data, c2s.data, 32);
  }
  ntss_rotate(&f->n);     /* its key is now replaced by the future one */
  assert_false(ntsntp_cookie_decode(f->n.keys, NTSS_KEYS, cookie.data, cookie.len, &a, &b));
}

static void test_keys_file_round_trip(void **state)
{
  struct fixture *f = *state;
  char text[NTSS_KEYS_FILE_MAX];
  struct fake_platform fp2;
  struct ntss other;
  double age = -1;
  ntss_rotate(&f->n);
  size_t len = ntss_keys_format(&f->n, 12.34, text, sizeof(text));
  assert_true(len > 0 && len == strlen(text));
  assert_memory_equal(text, "NKS0\n15 12.3\n", 13);
  fake_platform_init(&fp2);
  fp2.next_random = 99;
  ntss_init(&other, &fp2.plat, AEADS, 2, NULL, 0);
  assert_true(ntss_keys_parse(&other, text, len, &age));
  assert_true(age > 12.2 && age < 12.4);
  assert_int_equal(other.current, f->n.current);
  for (unsigned i = 0; i < NTSS_KEYS; i++) {
    assert_int_equal(other.keys[i].id, f->n.keys[i].id);
    assert_int_equal(other.keys[i].key.len, 32);
    assert_memory_equal(other.keys[i].key.data, f->n.keys[i].key.data, 32);
  }
  assert_int_equal(ntss_keys_format(&f->n, 1.0, text, 40), 0);   /* does not fit */
}

static void test_chronys_keys_file(void **state)
{
  struct fixture *f = *state;
  double age;
  assert_true(ntss_keys_parse(&f->n, CHRONY_KEYS, strlen(CHRONY_KEYS), &age));
  assert_true(age == 85.0);
  /* the last key is the future one (slot 0): the one before it is current */
  assert_int_equal(f->n.current, 3);
  assert_int_equal(f->n.keys[3].id, 0xA26BADB7);
  assert_int_equal(f->n.keys[3].key.data[0], 0x53);
  char out[NTSS_KEYS_FILE_MAX];
  assert_int_equal(ntss_keys_format(&f->n, 85.0, out, sizeof(out)), strlen(CHRONY_KEYS));
  assert_string_equal(out, CHRONY_KEYS);
}

static void test_keys_file_rejected(void **state)
{
  struct fixture *f = *state;
  static const char *const bad[] = {
    "",
    "NKS1\n15 1.0\n",
    "NKS0\n",
    "NKS0\n15 1.0\n",                                   /* no keys */
    "NKS0\n17 1.0\n2E06D415 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7FF\n",
    "NKS0\n15 -1.0\n2E06D415 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7FF\n",
    "NKS0\n15 1.0x\n2E06D415 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7FF\n",
    "NKS0\n15 nan\n2E06D415 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7FF\n",
    "NKS0\n15 1.0\n2E06D415 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7F\n",
    "NKS0\n15 1.0\n2E06D415 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7FFF\n",
    "NKS0\n15 1.0\n2E06D41G 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7FF\n",
    "NKS0\n15 1.0\n2E06D415 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7FG\n",
    "NKS0\n15 1.0\n2E06D415  200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7F\n",
    "NKS0\n15 1.0\n2E06D415 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7FF",
    /* two keys for one slot (one literal: the parentheses tell clang so) */
    ("NKS0\n15 1.0\n2E06D415 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7FF\n"
     "2E06D411 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7FF\n"),
  };
  struct ntsntp_server_key before[NTSS_KEYS];
  memcpy(before, f->n.keys, sizeof(before));
  unsigned current = f->n.current;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    double age = 0;
    if (ntss_keys_parse(&f->n, bad[i], strlen(bad[i]), &age))
      fail_msg("accepted: %s", bad[i]);
    assert_memory_equal(before, f->n.keys, sizeof(before));
    assert_int_equal(current, f->n.current);
  }
  /* a fifth key */
  char five[NTSS_KEYS_FILE_MAX];
  snprintf(five, sizeof(five), "%s%s", CHRONY_KEYS,
           "2E06D415 200FA804E5E19E7EEC0CF64C6B9497488B4619112FDD4A38DA81611BF969C7FF\n");
  double age;
  assert_false(ntss_keys_parse(&f->n, five, strlen(five), &age));
}

/* ---- NTS-KE ---- */

static long respond(struct fixture *f, const char *hex, uint8_t *out, size_t cap)
{
  uint8_t req[256];
  size_t len = unhex(hex, req, sizeof(req));
  return ntss_ke_respond(&f->n, req, len, fake_export, f, out, cap);
}

static void test_ke_answers_chronys_request(void **state)
{
  struct fixture *f = *state;
  uint8_t out[NTSKE_MAX_MESSAGE_LEN];
  struct ntske_message m;
  long len = respond(f, CHRONY_REQUEST, out, sizeof(out));
  assert_true(len > 0);
  assert_int_equal(ntske_parse(out, (size_t)len, NTSKE_RESPONSE, &m), NTSKE_OK);
  assert_int_equal(m.n_protocols, 1);
  assert_int_equal(m.protocols[0], NTSKE_PROTOCOL_NTPV4);
  assert_int_equal(m.n_algorithms, 1);
  assert_int_equal(m.algorithms[0], 15);
  assert_false(m.has_server || m.has_port);
  assert_int_equal(m.n_cookies, NTSKE_MAX_COOKIES);
  assert_int_equal(f->exports, 2);
  /* every cookie holds the exported keys, under the current server key */
  struct aead_key c2s, s2c, a, b;
  expected_key(15, false, &c2s);
  expected_key(15, true, &s2c);
  for (size_t i = 0; i < m.n_cookies; i++) {
    assert_int_equal(m.cookies[i].len, 100);   /* chrony's length */
    assert_true(ntsntp_cookie_decode(&f->n.keys[f->n.current], 1, m.cookies[i].data,
                                     m.cookies[i].len, &a, &b));
    assert_memory_equal(a.data, c2s.data, 32);
    assert_memory_equal(b.data, s2c.data, 32);
    for (size_t j = 0; j < i; j++)
      assert_memory_not_equal(m.cookies[i].data, m.cookies[j].data, m.cookies[i].len);
  }
  assert_int_equal(f->n.stats.ke_answered, 1);
}

static void test_ke_server_and_port_records(void **state)
{
  struct fixture *f = *state;
  uint8_t out[NTSKE_MAX_MESSAGE_LEN];
  struct ntske_message m;
  ntss_init(&f->n, &f->fp.plat, AEADS, 2, "ntp.example.net", 11123);
  long len = respond(f, CHRONY_REQUEST, out, sizeof(out));
  assert_int_equal(ntske_parse(out, (size_t)len, NTSKE_RESPONSE, &m), NTSKE_OK);
  assert_true(m.has_server && m.has_port);
  assert_string_equal(m.server, "ntp.example.net");
  assert_int_equal(m.port, 11123);
}

static void test_ke_partial_then_complete(void **state)
{
  struct fixture *f = *state;
  uint8_t req[16], out[NTSKE_MAX_MESSAGE_LEN];
  unhex(CHRONY_REQUEST, req, sizeof(req));
  for (size_t n = 0; n < sizeof(req); n++)
    assert_int_equal(ntss_ke_respond(&f->n, req, n, fake_export, f, out, sizeof(out)), 0);
  assert_true(ntss_ke_respond(&f->n, req, sizeof(req), fake_export, f, out, sizeof(out)) > 0);
}

static void test_ke_errors_and_refusals(void **state)
{
  struct fixture *f = *state;
  uint8_t out[NTSKE_MAX_MESSAGE_LEN];
  struct ntske_message m;
  /* an unknown critical record: error 0; no keys exported */
  long len = respond(f, "80010002000080040002000f" "c0000000" "80000000", out, sizeof(out));
  assert_int_equal(ntske_parse(out, (size_t)len, NTSKE_RESPONSE, &m), NTSKE_OK);
  assert_true(m.has_error);
  assert_int_equal(m.error, NTSKE_ERROR_UNRECOGNIZED_CRITICAL);
  /* only AES-SIV-CMAC-512, which ntsaeads does not list: an empty AEAD */
  len = respond(f, "8001000200008004000200118000" "0000", out, sizeof(out));
  assert_int_equal(ntske_parse(out, (size_t)len, NTSKE_RESPONSE, &m), NTSKE_OK);
  assert_int_equal(m.n_algorithms, 0);
  assert_int_equal(m.n_cookies, 0);
  assert_int_equal(f->exports, 0);
  assert_int_equal(f->n.stats.ke_refused, 2);
  /* keys that cannot be exported: no answer */
  uint8_t req[16];
  unhex(CHRONY_REQUEST, req, sizeof(req));
  assert_int_equal(ntss_ke_respond(&f->n, req, sizeof(req), failing_export, f, out,
                                   sizeof(out)), -1);
}

static void test_ke_prefers_clients_order(void **state)
{
  struct fixture *f = *state;
  uint8_t out[NTSKE_MAX_MESSAGE_LEN];
  struct ntske_message m;
  /* GCM-SIV first, with record 1024: GCM-SIV, its own ID exported */
  long len = respond(f, "80010002000080040004001e000f" "04000000" "80000000", out,
                     sizeof(out));
  assert_int_equal(ntske_parse(out, (size_t)len, NTSKE_RESPONSE, &m), NTSKE_OK);
  assert_int_equal(m.algorithms[0], 30);
  assert_true(m.compliant_128gcm);
  struct aead_key c2s, a, b;
  expected_key(30, false, &c2s);
  assert_true(ntsntp_cookie_decode(f->n.keys, NTSS_KEYS, m.cookies[0].data, m.cookies[0].len,
                                   &a, &b));
  assert_int_equal(a.len, 16);
  assert_memory_equal(a.data, c2s.data, 16);
}

/* ---- NTS-protected NTP ---- */

struct client {
  uint8_t uid[NTSNTP_UID_LEN];
  struct aead_key c2s, s2c;
  struct ntske_cookie cookie;
};

/* A client that did its key exchange with f's server. */
static void new_client(struct fixture *f, struct client *c)
{
  uint8_t out[NTSKE_MAX_MESSAGE_LEN];
  struct ntske_message m;
  long len = respond(f, CHRONY_REQUEST, out, sizeof(out));
  assert_int_equal(ntske_parse(out, (size_t)len, NTSKE_RESPONSE, &m), NTSKE_OK);
  expected_key(15, false, &c->c2s);
  expected_key(15, true, &c->s2c);
  c->cookie = m.cookies[0];
  memset(c->uid, 0xab, sizeof(c->uid));
}

static size_t client_request(const struct client *c, size_t placeholders, uint8_t *buf,
                             size_t cap)
{
  uint8_t nonce[NTSNTP_NONCE_LEN] = {7};
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_CLIENT, .transmit = 0x1234};
  ntp_header_encode(&h, buf);
  size_t len = ntsntp_build_request(buf, cap, c->uid, &c->cookie, placeholders, &c->c2s, nonce);
  assert_true(len > 0);
  return len;
}

static void test_request_answered_as_long_with_cookies(void **state)
{
  struct fixture *f = *state;
  struct client c;
  uint8_t req[NTSNTP_MAX_PACKET_LEN], reply[NTSNTP_MAX_PACKET_LEN];
  struct ntp_packet p, rp;
  struct ntss_request r;
  struct ntsntp_reply out;
  new_client(f, &c);
  for (size_t ph = 0; ph < NTSKE_MAX_COOKIES; ph += 3) {
    size_t len = client_request(&c, ph, req, sizeof(req));
    ntp_packet_parse(req, len, &p);
    assert_int_equal(ntss_check(&f->n, &p, &r), NTSS_ANSWER);
    struct ntp_header h = {.version = 4, .mode = NTP_MODE_SERVER, .stratum = 2};
    ntp_header_encode(&h, reply);
    assert_int_equal(ntss_reply(&f->n, &r, reply, len), len);
    ntp_packet_parse(reply, len, &rp);
    assert_int_equal(ntsntp_parse_reply(&rp, c.uid, &c.s2c, &out), NTSNTP_OK);
    assert_int_equal(out.n_cookies, ph + 1);
    /* the new cookies hold the same keys */
    struct aead_key a, b;
    assert_true(ntsntp_cookie_decode(f->n.keys, NTSS_KEYS, out.cookies[0].data,
                                     out.cookies[0].len, &a, &b));
    assert_memory_equal(a.data, c.c2s.data, 32);
    assert_memory_equal(b.data, c.s2c.data, 32);
  }
  assert_int_equal(f->n.stats.ntp_answered, 3);
}

static void test_unknown_cookie_or_forgery_naked(void **state)
{
  struct fixture *f = *state;
  struct client c;
  uint8_t req[NTSNTP_MAX_PACKET_LEN], reply[NTSNTP_MAX_PACKET_LEN];
  struct ntp_packet p, rp;
  struct ntss_request r;
  struct ntsntp_reply out;
  new_client(f, &c);
  size_t len = client_request(&c, 1, req, sizeof(req));
  /* a byte of the request changed after it was authenticated */
  req[47] ^= 1;
  ntp_packet_parse(req, len, &p);
  assert_int_equal(ntss_check(&f->n, &p, &r), NTSS_NAK);
  req[47] ^= 1;
  /* the server's keys all replaced: the cookie is unknown */
  for (int i = 0; i < NTSS_KEYS; i++)
    ntss_rotate(&f->n);
  ntp_packet_parse(req, len, &p);
  assert_int_equal(ntss_check(&f->n, &p, &r), NTSS_NAK);
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_SERVER, .leap = NTP_LEAP_UNSYNC,
                         .refid = NTSNTP_KOD_NAK};
  ntp_header_encode(&h, reply);
  size_t n = ntss_nak(&f->n, &r, reply, len, true);
  assert_true(n > NTP_HEADER_LEN && n < len);
  ntp_packet_parse(reply, n, &rp);
  assert_int_equal(ntsntp_parse_reply(&rp, c.uid, &c.s2c, &out), NTSNTP_NAK);
  assert_int_equal(f->n.stats.ntp_naks, 1);
}

static void test_plain_and_malformed_requests(void **state)
{
  struct fixture *f = *state;
  struct client c;
  uint8_t req[NTSNTP_MAX_PACKET_LEN];
  struct ntp_packet p;
  struct ntss_request r;
  new_client(f, &c);
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_CLIENT};
  ntp_header_encode(&h, req);
  ntp_packet_parse(req, NTP_HEADER_LEN, &p);
  assert_int_equal(ntss_check(&f->n, &p, &r), NTSS_NOT_NTS);
  /* cut before the authenticator: the fields left are NTS's, incomplete */
  size_t len = client_request(&c, 0, req, sizeof(req));
  ntp_packet_parse(req, NTP_HEADER_LEN + 36 + 4 + c.cookie.len, &p);
  assert_int_equal(p.status, NTP_PARSE_OK);
  assert_int_equal(ntss_check(&f->n, &p, &r), NTSS_DROP);
  assert_true(len > NTP_HEADER_LEN);
  assert_int_equal(f->n.stats.ntp_dropped, 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(test_init_fills_every_slot, setup),
    cmocka_unit_test_setup(test_rotation_keeps_two_old_keys, setup),
    cmocka_unit_test_setup(test_keys_file_round_trip, setup),
    cmocka_unit_test_setup(test_chronys_keys_file, setup),
    cmocka_unit_test_setup(test_keys_file_rejected, setup),
    cmocka_unit_test_setup(test_ke_answers_chronys_request, setup),
    cmocka_unit_test_setup(test_ke_server_and_port_records, setup),
    cmocka_unit_test_setup(test_ke_partial_then_complete, setup),
    cmocka_unit_test_setup(test_ke_errors_and_refusals, setup),
    cmocka_unit_test_setup(test_ke_prefers_clients_order, setup),
    cmocka_unit_test_setup(test_request_answered_as_long_with_cookies, setup),
    cmocka_unit_test_setup(test_unknown_cookie_or_forgery_naked, setup),
    cmocka_unit_test_setup(test_plain_and_malformed_requests, setup),
  };
  return cmocka_run_group_tests_name("nts_server", tests, NULL, NULL);
}
