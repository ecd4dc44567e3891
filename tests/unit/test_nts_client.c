/* nts_client: the client's NTS state against a server made of
 * proto/nts_ntp.h's server side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/nts_client.h"

#define REFRESH 1000.0

struct fixture {
  struct ntsc c;
  struct ntske_message resp;
  struct aead_key c2s, s2c;
  uint8_t uid[NTSNTP_UID_LEN], nonce[NTSNTP_NONCE_LEN];
  uint8_t req[NTSNTP_MAX_PACKET_LEN], reply[NTSNTP_MAX_PACKET_LEN];
  size_t req_len;
};

static void fill(void *buf, size_t len, uint8_t seed)
{
  uint8_t *p = buf;
  for (size_t i = 0; i < len; i++)
    p[i] = (uint8_t)(seed + 7 * i);
}

static void make_key(struct aead_key *k, uint16_t alg, uint8_t seed)
{
  memset(k, 0, sizeof(*k));
  k->algorithm = alg;
  k->len = aead_key_len(alg);
  fill(k->data, k->len, seed);
}

static int setup(void **state)
{
  static struct fixture f;
  struct ip_addr a;
  memset(&f, 0, sizeof(f));
  assert_true(addr_parse("192.0.2.1", &a));
  ntsc_init(&f.c, "ntp.example", &a, 123, 4460, 0, REFRESH);
  make_key(&f.c2s, AEAD_AES_SIV_CMAC_256, 1);
  make_key(&f.s2c, AEAD_AES_SIV_CMAC_256, 2);
  f.resp.has_protocols = f.resp.has_algorithms = true;
  f.resp.n_protocols = f.resp.n_algorithms = 1;
  f.resp.protocols[0] = NTSKE_PROTOCOL_NTPV4;
  f.resp.algorithms[0] = AEAD_AES_SIV_CMAC_256;
  f.resp.n_cookies = NTSKE_MAX_COOKIES;
  for (size_t i = 0; i < NTSKE_MAX_COOKIES; i++) {
    f.resp.cookies[i].len = 100;
    fill(f.resp.cookies[i].data, 100, (uint8_t)(10 + i));
  }
  *state = &f;
  return 0;
}

/* An NTS-KE that gave the fixture's keys and cookies at time t. */
static void keyed(struct fixture *f, double t)
{
  assert_int_equal(ntsc_prepare(&f->c, t), NTSC_START_KE);
  assert_true(ntsc_ke_done(&f->c, t, &f->resp, &f->c2s, &f->s2c));
}

static void send_request(struct fixture *f, uint8_t seed)
{
  memset(f->req, 0, NTP_HEADER_LEN);
  f->req[0] = 0x23;                     /* version 4, client */
  fill(f->uid, sizeof(f->uid), seed);
  fill(f->nonce, sizeof(f->nonce), (uint8_t)(seed + 1));
  f->req_len = ntsc_build_request(&f->c, f->req, sizeof(f->req), f->uid, f->nonce);
  assert_true(f->req_len > NTP_HEADER_LEN);
}

/* The server's answer to the request: its cookie opened (the keys are the
 * fixture's), n_cookies new ones; or a NAK. */
static size_t answer(struct fixture *f, size_t n_cookies, bool nak, const struct aead_key *s2c)
{
  struct ntp_packet p;
  struct ntsntp_request r;
  struct ntske_cookie cookies[NTSKE_MAX_COOKIES];
  size_t sent = 0;
  assert_int_equal(ntp_packet_parse(f->req, f->req_len, &p), NTP_PARSE_OK);
  assert_int_equal(ntsntp_parse_request(&p, &r), NTSNTP_OK);
  assert_int_equal(ntsntp_verify_request(&p, &r, &f->c2s), NTSNTP_OK);
  memset(f->reply, 0, NTP_HEADER_LEN);
  f->reply[0] = 0x24;                   /* version 4, server */
  if (nak) {
    f->reply[0] = 0x24;
    memcpy(f->reply + 12, "NTSN", 4);   /* stratum 0, kiss code */
    return ntsntp_build_nak(f->reply, sizeof(f->reply), &r);
  }
  f->reply[1] = 2;
  for (size_t i = 0; i < n_cookies; i++) {
    cookies[i].len = 100;
    fill(cookies[i].data, 100, (uint8_t)(100 + i));
  }
  size_t len = ntsntp_build_reply(f->reply, f->req_len, &r, cookies, n_cookies, s2c, f->nonce,
                                  &sent);
  assert_int_equal(len, f->req_len);
  return len;
}

static enum ntsntp_status check(struct fixture *f, size_t len)
{
  struct ntp_packet p;
  ntp_packet_parse(f->reply, len, &p);
  return ntsc_check_reply(&f->c, &p);
}

static void test_no_request_without_cookies(void **state)
{
  struct fixture *f = *state;
  uint8_t buf[NTSNTP_MAX_PACKET_LEN] = {0};
  assert_int_equal(ntsc_build_request(&f->c, buf, sizeof(buf), f->uid, f->nonce), 0);
  assert_int_equal(ntsc_prepare(&f->c, 0.0), NTSC_START_KE);
  assert_int_equal(ntsc_prepare(&f->c, 1.0), NTSC_WAIT);      /* running */
  assert_int_equal(ntsc_build_request(&f->c, buf, sizeof(buf), f->uid, f->nonce), 0);
}

/* chrony's retry intervals: 2^(factor + attempts - 1) from the attempt. */
static void test_ke_retry_backoff(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(ntsc_prepare(&f->c, 0.0), NTSC_START_KE);
  ntsc_ke_failed(&f->c, NTSC_RETRY_FACTOR_CONNECT);
  double first = ldexp(1.0, NTSC_RETRY_FACTOR_CONNECT);
  assert_int_equal(ntsc_prepare(&f->c, first - 0.5), NTSC_WAIT);
  assert_int_equal(ntsc_prepare(&f->c, first), NTSC_START_KE);
  ntsc_ke_failed(&f->c, NTSC_RETRY_FACTOR_TLS);
  double second = first + ldexp(1.0, NTSC_RETRY_FACTOR_TLS + 1);
  assert_int_equal(ntsc_prepare(&f->c, second - 0.5), NTSC_WAIT);
  assert_int_equal(ntsc_prepare(&f->c, second), NTSC_START_KE);
  assert_int_equal(f->c.ke_attempts, 3);
  /* at most 2^19 s */
  f->c.ke_attempts = 40;
  ntsc_ke_failed(&f->c, NTSC_RETRY_FACTOR_TLS);
  assert_int_equal(ntsc_prepare(&f->c, second + ldexp(1.0, NTSC_MAX_RETRY_INTERVAL)),
                   NTSC_START_KE);
}

static void test_exchange(void **state)
{
  struct fixture *f = *state;
  keyed(f, 10.0);
  assert_int_equal(ntsc_prepare(&f->c, 11.0), NTSC_READY);
  send_request(f, 1);
  assert_int_equal(f->c.n_cookies, NTSKE_MAX_COOKIES - 1);
  size_t len = answer(f, 1, false, &f->s2c);
  assert_int_equal(check(f, len), NTSNTP_OK);
  assert_int_equal(f->c.n_cookies, NTSKE_MAX_COOKIES);
  assert_int_equal(f->c.ke_attempts, 0);
  /* one reply per request */
  assert_int_equal(check(f, len), NTSNTP_BAD_UID);
  /* after the next prepare, a late reply to the old request neither */
  assert_int_equal(ntsc_prepare(&f->c, 12.0), NTSC_READY);
  assert_int_equal(check(f, len), NTSNTP_BAD_UID);
}

static void test_cookies_used_in_order(void **state)
{
  struct fixture *f = *state;
  struct ntp_packet p;
  struct ntsntp_request r;
  keyed(f, 0.0);
  for (size_t i = 0; i < NTSKE_MAX_COOKIES; i++) {
    assert_int_equal(ntsc_prepare(&f->c, 1.0), NTSC_READY);
    send_request(f, (uint8_t)i);
    ntp_packet_parse(f->req, f->req_len, &p);
    assert_int_equal(ntsntp_parse_request(&p, &r), NTSNTP_OK);
    assert_memory_equal(r.cookie, f->resp.cookies[i].data, f->resp.cookies[i].len);
    /* placeholders to get back to 8 */
    assert_int_equal(r.n_placeholders, i);
  }
  /* the last one gone and no reply: a new NTS-KE, no sooner than a
   * failed one would allow (no reply proved the server works) */
  assert_int_equal(ntsc_prepare(&f->c, 2.0), NTSC_WAIT);
  assert_int_equal(ntsc_prepare(&f->c, ldexp(1.0, NTSC_RETRY_FACTOR_CONNECT)), NTSC_START_KE);
}

static void test_forged_replies(void **state)
{
  struct fixture *f = *state;
  struct aead_key other;
  keyed(f, 0.0);
  assert_int_equal(ntsc_prepare(&f->c, 1.0), NTSC_READY);
  send_request(f, 3);
  make_key(&other, AEAD_AES_SIV_CMAC_256, 9);
  size_t len = answer(f, 1, false, &other);
  assert_int_equal(check(f, len), NTSNTP_AUTH_FAILED);
  len = answer(f, 1, false, &f->s2c);
  f->reply[len - 1] ^= 1;               /* the ciphertext */
  assert_int_equal(check(f, len), NTSNTP_AUTH_FAILED);
  f->reply[len - 1] ^= 1;
  f->c.uid[0] ^= 1;                     /* another request's */
  assert_int_equal(check(f, len), NTSNTP_BAD_UID);
  f->c.uid[0] ^= 1;
  /* authentic but without a cookie: not taken */
  len = answer(f, 0, false, &f->s2c);
  assert_int_equal(check(f, len), NTSNTP_NO_COOKIES);
  assert_int_equal(f->c.n_cookies, NTSKE_MAX_COOKIES - 1);
  /* the real one is still taken */
  len = answer(f, 1, false, &f->s2c);
  assert_int_equal(check(f, len), NTSNTP_OK);
}

static void test_nak_forces_ke(void **state)
{
  struct fixture *f = *state;
  keyed(f, 0.0);
  assert_int_equal(ntsc_prepare(&f->c, 1.0), NTSC_READY);
  send_request(f, 4);
  size_t len = answer(f, 0, true, NULL);
  assert_int_equal(check(f, len), NTSNTP_NAK);
  struct ntsc_report r;
  ntsc_report(&f->c, 1.0, &r);
  assert_true(r.nak);
  assert_int_equal(ntsc_prepare(&f->c, 2.0), NTSC_WAIT);
  assert_int_equal(f->c.n_cookies, 0);
  assert_int_equal(ntsc_prepare(&f->c, ldexp(1.0, NTSC_RETRY_FACTOR_CONNECT)), NTSC_START_KE);
}

static void test_nak_then_authentic_reply(void **state)
{
  struct fixture *f = *state;
  keyed(f, 0.0);
  assert_int_equal(ntsc_prepare(&f->c, 1.0), NTSC_READY);
  send_request(f, 5);
  size_t len = answer(f, 0, true, NULL);
  assert_int_equal(check(f, len), NTSNTP_NAK);
  len = answer(f, 1, false, &f->s2c);
  assert_int_equal(check(f, len), NTSNTP_OK);
  assert_int_equal(ntsc_prepare(&f->c, 2.0), NTSC_READY);
}

static void test_refresh(void **state)
{
  struct fixture *f = *state;
  keyed(f, 0.0);
  assert_int_equal(ntsc_prepare(&f->c, REFRESH), NTSC_READY);
  assert_int_equal(ntsc_prepare(&f->c, REFRESH + 1.0), NTSC_START_KE);
}

static void test_ke_response_rejected(void **state)
{
  struct fixture *f = *state;
  struct ntske_message m;
  struct aead_key gcm;
  make_key(&gcm, AEAD_AES_128_GCM_SIV, 3);
  struct aead_key short_key = f->c2s;
  short_key.len = 16;
  for (int i = 0; i < 7; i++) {
    m = f->resp;
    const struct aead_key *c2s = &f->c2s;
    switch (i) {
    case 0: m.has_error = true; break;
    case 1: m.n_protocols = 0; break;
    case 2: m.protocols[0] = 1; break;
    case 3: m.n_cookies = 0; break;
    case 4: c2s = &gcm; break;                 /* not the algorithm granted */
    case 5: m.has_server = true; strcpy(m.server, "ntp2.example"); break;
    case 6: c2s = &short_key; break;           /* the keys' length */
    }
    ntsc_init(&f->c, "ntp.example", &f->c.ke_addr, 123, 4460, 0, REFRESH);
    assert_int_equal(ntsc_prepare(&f->c, 0.0), NTSC_START_KE);
    assert_false(ntsc_ke_done(&f->c, 0.0, &m, c2s, &f->s2c));
    assert_int_equal(f->c.n_cookies, 0);
    /* as a failure of TLS */
    assert_int_equal(ntsc_prepare(&f->c, ldexp(1.0, NTSC_RETRY_FACTOR_TLS) - 1.0), NTSC_WAIT);
    assert_int_equal(ntsc_prepare(&f->c, ldexp(1.0, NTSC_RETRY_FACTOR_TLS)), NTSC_START_KE);
  }
}

static void test_negotiated_server(void **state)
{
  struct fixture *f = *state;
  char a[ADDR_STR_LEN];
  f->resp.has_server = f->resp.has_port = true;
  strcpy(f->resp.server, "192.0.2.7");
  f->resp.port = 1234;
  keyed(f, 0.0);
  assert_string_equal(addr_format(&f->c.ntp_addr, a), "192.0.2.7");
  assert_int_equal(f->c.ntp_port, 1234);
  assert_string_equal(addr_format(&f->c.ke_addr, a), "192.0.2.1");
}

static void test_report(void **state)
{
  struct fixture *f = *state;
  struct ntsc_report r;
  ntsc_report(&f->c, 5.0, &r);
  assert_int_equal(r.key_type, 0);
  assert_true(r.last_ke_ago < 0.0);
  keyed(f, 1.0);
  ntsc_report(&f->c, 5.0, &r);
  assert_int_equal(r.key_id, 1);
  assert_int_equal(r.key_type, AEAD_AES_SIV_CMAC_256);
  assert_int_equal(r.key_length, 256);
  assert_int_equal(r.ke_attempts, 1);
  assert_true(r.last_ke_ago == 4.0);
  assert_int_equal(r.cookies, NTSKE_MAX_COOKIES);
  assert_int_equal(r.cookie_length, 100);
  assert_false(r.nak);
}

static void test_dump_round_trip(void **state)
{
  struct fixture *f = *state;
  char text[NTSC_DUMP_MAX], name[80];
  f->resp.has_port = true;
  f->resp.port = 11123;
  keyed(f, 100.0);
  assert_int_equal(ntsc_prepare(&f->c, 101.0), NTSC_READY);
  send_request(f, 6);                   /* the first cookie used */
  size_t len = ntsc_dump_format(&f->c, 150.0, 1e9, text, sizeof(text));
  assert_true(len > 0);
  assert_int_equal(strlen(text), len);
  assert_int_equal(strncmp(text, "NNC0\nntp.example\n999999950.0\n192.0.2.1 11123\n1 15 ", 48),
                   0);
  assert_string_equal(ntsc_dump_name(&f->c, name, sizeof(name)), "192.0.2.1.nts");

  struct ntsc back;
  ntsc_init(&back, "ntp.example", &f->c.ke_addr, 123, 4460, 0, REFRESH);
  assert_true(ntsc_dump_parse(&back, text, len, 20.0, 1e9 + 10.0));
  assert_int_equal(back.n_cookies, NTSKE_MAX_COOKIES - 1);
  assert_memory_equal(back.cookies[0].data, f->resp.cookies[1].data, 100);
  assert_memory_equal(back.c2s.data, f->c2s.data, f->c2s.len);
  assert_memory_equal(back.s2c.data, f->s2c.data, f->s2c.len);
  assert_int_equal(back.ntp_port, 11123);
  assert_int_equal(back.context_id, 1);
  assert_true(fabs(back.last_ke - (20.0 - 60.0)) < 1e-6);
  assert_int_equal(ntsc_prepare(&back, 21.0), NTSC_READY);
  /* a time ahead of ours is taken as now */
  assert_true(ntsc_dump_parse(&back, text, len, 20.0, 1e9 - 1000.0));
  assert_true(back.last_ke == 20.0);
}

static void test_dump_rejected(void **state)
{
  struct fixture *f = *state;
  char text[NTSC_DUMP_MAX], bad[NTSC_DUMP_MAX + 600];
  struct ntsc back;
  assert_int_equal(ntsc_dump_format(&f->c, 0.0, 0.0, text, sizeof(text)), 0);   /* no cookies */
  keyed(f, 0.0);
  size_t len = ntsc_dump_format(&f->c, 0.0, 1e9, text, sizeof(text));
  assert_true(len > 0);
  assert_int_equal(ntsc_dump_format(&f->c, 0.0, 1e9, text, len), 0);   /* too small */
  len = ntsc_dump_format(&f->c, 0.0, 1e9, text, sizeof(text));
  const char *keys = strstr(text, "\n1 15 ") + 1;
  const char *cookies = strchr(keys, '\n') + 1;
  struct { const char *from, *to; } cuts[] = {
    {"NNC0", "NNC1"},                          /* header */
    {"ntp.example", "ntp.other"},              /* another source's */
    {"1000000000.0", "10000x0000.0"},          /* time */
    {"1000000000.0", "-1.0"},
    {"1000000000.0", "1e300"},
    {"192.0.2.1 123", "192.0.2.1 65536"},      /* port */
    {"192.0.2.1 123", "192.0.2.300 123"},      /* address */
    {"\n1 15 ", "\n1 16 "},                    /* algorithm */
    {"\n1 15 ", "\n1 30 "},                    /* keys of another length */
    {"\n1 15 ", "\n1 15 0"},                   /* odd hex */
    {"\n1 15 ", "\n1 15 zz"},
  };
  for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
    const char *at = strstr(text, cuts[i].from);
    assert_non_null(at);
    int n = snprintf(bad, sizeof(bad), "%.*s%s%s", (int)(at - text), text, cuts[i].to,
                     at + strlen(cuts[i].from));
    ntsc_init(&back, "ntp.example", &f->c.ke_addr, 123, 4460, 0, REFRESH);
    assert_false(ntsc_dump_parse(&back, bad, (size_t)n, 0.0, 1e9));
    assert_int_equal(back.n_cookies, 0);
  }
  ntsc_init(&back, "ntp.example", &f->c.ke_addr, 123, 4460, 0, REFRESH);
  /* keys and no cookies; a missing newline; a ninth cookie; an empty line */
  assert_false(ntsc_dump_parse(&back, text, (size_t)(cookies - text), 0.0, 1e9));
  assert_false(ntsc_dump_parse(&back, text, len - 1, 0.0, 1e9));
  int n = snprintf(bad, sizeof(bad), "%s%.*s", text, (int)(strchr(cookies, '\n') - cookies + 1),
                   cookies);
  assert_false(ntsc_dump_parse(&back, bad, (size_t)n, 0.0, 1e9));
  n = snprintf(bad, sizeof(bad), "%s\n", text);
  assert_false(ntsc_dump_parse(&back, bad, (size_t)n, 0.0, 1e9));
  assert_false(ntsc_dump_parse(&back, "", 0, 0.0, 1e9));
  assert_true(ntsc_dump_parse(&back, text, len, 0.0, 1e9));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(test_no_request_without_cookies, setup),
    cmocka_unit_test_setup(test_ke_retry_backoff, setup),
    cmocka_unit_test_setup(test_exchange, setup),
    cmocka_unit_test_setup(test_cookies_used_in_order, setup),
    cmocka_unit_test_setup(test_forged_replies, setup),
    cmocka_unit_test_setup(test_nak_forces_ke, setup),
    cmocka_unit_test_setup(test_nak_then_authentic_reply, setup),
    cmocka_unit_test_setup(test_refresh, setup),
    cmocka_unit_test_setup(test_ke_response_rejected, setup),
    cmocka_unit_test_setup(test_negotiated_server, setup),
    cmocka_unit_test_setup(test_report, setup),
    cmocka_unit_test_setup(test_dump_round_trip, setup),
    cmocka_unit_test_setup(test_dump_rejected, setup),
  };
  return cmocka_run_group_tests_name("nts_client", tests, NULL, NULL);
}
