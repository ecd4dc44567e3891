#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/exchange.h"
#include "proto/ntp_ext.h"
#include "proto/ntp_packet.h"

#define NONCE 0x0123456789abcdefULL

/* buf as a receiver parses it. */
static struct ntp_packet parsed(const uint8_t *buf, size_t len)
{
  struct ntp_packet p;
  ntp_packet_parse(buf, len, &p);
  return p;
}

/* The client sent at 1000.000 local time and received at 1000.010; the
 * server received at 1000.504 and sent at 1000.506 of its time: offset
 * ((0.504) + (0.496)) / 2 = 0.5, delay 0.010 - 0.002 = 0.008. */
static const struct timespec t1 = {1700001000, 0};
static const struct timespec t4 = {1700001000, 10000000};

static size_t make_reply(uint8_t *buf, void (*tweak)(struct ntp_header *))
{
  struct timespec t2 = {1700001000, 504000000}, t3 = {1700001000, 506000000};
  struct ntp_header h = {.leap = 0, .version = 4, .mode = NTP_MODE_SERVER, .stratum = 2,
                         .precision = -20,
                         .root_delay = ntp_short_from_double(0.25),
                         .root_dispersion = ntp_short_from_double(0.5),
                         .refid = 0x0a000001, .origin = NONCE};
  h.receive = ntp_ts_from_timespec(&t2);
  h.transmit = ntp_ts_from_timespec(&t3);
  if (tweak)
    tweak(&h);
  ntp_header_encode(&h, buf);
  return NTP_HEADER_LEN;
}

static enum exch_result check(void (*tweak)(struct ntp_header *), struct exch_sample *s)
{
  uint8_t buf[NTP_HEADER_LEN];
  size_t len = make_reply(buf, tweak);
  struct ntp_packet p = parsed(buf, len);
  return exch_check_reply(&p, NONCE, &t1, &t4, s);
}

/* As chronyd's: our poll, precision 32, nothing else but the nonce. */
static void test_request_reveals_nothing(void **state)
{
  (void)state;
  uint8_t buf[NTP_HEADER_LEN];
  uint8_t zero[37] = {0};
  assert_int_equal(exch_build_request(buf, 4, 7, NONCE), NTP_HEADER_LEN);
  assert_int_equal(buf[0], 0x23);  /* leap 0, version 4, mode 3 */
  assert_int_equal(buf[1], 0);     /* stratum */
  assert_int_equal(buf[2], 7);     /* poll */
  assert_int_equal(buf[3], 32);    /* precision */
  assert_memory_equal(buf + 4, zero, 36);
  struct ntp_header h;
  ntp_header_decode(buf, &h);
  assert_true(h.transmit == NONCE);
}

static void test_valid_reply_offset_and_delay(void **state)
{
  (void)state;
  struct exch_sample s;
  assert_int_equal(check(NULL, &s), EXCH_OK);
  assert_true(fabs(s.offset - 0.5) < 1e-9);
  assert_true(fabs(s.delay - 0.008) < 1e-9);
  assert_int_equal(s.stratum, 2);
  assert_true(fabs(s.root_delay - 0.25) < 1e-4);
  assert_true(fabs(s.root_dispersion - 0.5) < 1e-4);
}

static void wrong_origin(struct ntp_header *h) { h->origin = NONCE + 1; }
static void zero_origin(struct ntp_header *h) { h->origin = 0; }
static void client_mode(struct ntp_header *h) { h->mode = NTP_MODE_CLIENT; }
static void broadcast_mode(struct ntp_header *h) { h->mode = NTP_MODE_BROADCAST; }
static void zero_receive(struct ntp_header *h) { h->receive = 0; }
static void zero_transmit(struct ntp_header *h) { h->transmit = 0; }
static void kod_rate(struct ntp_header *h) { h->leap = NTP_LEAP_UNSYNC; h->stratum = 0; h->refid = 0x52415445; }
/* chronyd acts on a KoD only in a packet that passes test 3, and only with leap 3 */
static void kod_zero_receive(struct ntp_header *h) { kod_rate(h); h->receive = 0; }
static void kod_zero_transmit(struct ntp_header *h) { kod_rate(h); h->transmit = 0; }
static void rate_leap_0(struct ntp_header *h) { kod_rate(h); h->leap = NTP_LEAP_NONE; }
static void leap_unsync(struct ntp_header *h) { h->leap = NTP_LEAP_UNSYNC; }
static void stratum_16(struct ntp_header *h) { h->stratum = 16; }
static void server_backwards(struct ntp_header *h) { ntp_ts t = h->receive; h->receive = h->transmit; h->transmit = t - (1ULL << 28); }
static void negative_delay(struct ntp_header *h) { h->transmit = h->receive + (1ULL << 31); }
/* Held 5 s, or sent 5 s before it received: over chrony's 4 s. */
static void server_slow(struct ntp_header *h) { h->transmit = h->receive + (5ULL << 32); }
static void server_5s_backwards(struct ntp_header *h) { h->transmit = h->receive - (5ULL << 32); }

static void test_rejections(void **state)
{
  (void)state;
  struct exch_sample s;
  assert_int_equal(check(wrong_origin, &s), EXCH_BAD_ORIGIN);
  assert_int_equal(check(zero_origin, &s), EXCH_BAD_ORIGIN);
  assert_int_equal(check(client_mode, &s), EXCH_BAD_MODE);
  assert_int_equal(check(broadcast_mode, &s), EXCH_BAD_MODE);
  assert_int_equal(check(zero_receive, &s), EXCH_ZERO_TIMESTAMP);
  assert_int_equal(check(zero_transmit, &s), EXCH_ZERO_TIMESTAMP);
  assert_int_equal(check(kod_rate, &s), EXCH_KOD);
  assert_int_equal(s.refid, 0x52415445);
  assert_int_equal(check(kod_zero_receive, &s), EXCH_ZERO_TIMESTAMP);
  assert_int_equal(check(kod_zero_transmit, &s), EXCH_ZERO_TIMESTAMP);
  assert_int_equal(check(rate_leap_0, &s), EXCH_UNSYNCHRONISED);
  assert_int_equal(check(leap_unsync, &s), EXCH_UNSYNCHRONISED);
  assert_int_equal(check(stratum_16, &s), EXCH_UNSYNCHRONISED);
  assert_int_equal(check(server_slow, &s), EXCH_BAD_TIMES);
  assert_int_equal(check(server_5s_backwards, &s), EXCH_BAD_TIMES);
}

/* chronyd adds random bits below its precision to its receive and transmit
 * timestamps: a fast server's transmit time may come before its receive
 * time. As chrony, such a reply is taken, with the magnitudes. */
static void fuzzed_fast_server(struct ntp_header *h)
{
  h->transmit = h->receive - 30;   /* 30 * 2^-32 s: 7 ns before */
}
static void no_delay(struct ntp_header *h)
{
  h->receive = ntp_ts_from_timespec(&t1);
  h->transmit = ntp_ts_from_timespec(&t4);
}

static void test_server_time_magnitudes(void **state)
{
  (void)state;
  struct exch_sample s;
  assert_int_equal(check(fuzzed_fast_server, &s), EXCH_OK);
  assert_true(fabs(s.delay - 0.010) < 1e-8);
  /* Any sign, up to 4 s: chrony's delay is the magnitude. */
  assert_int_equal(check(server_backwards, &s), EXCH_OK);
  assert_true(fabs(s.delay - (0.010 + 0.0625 + 0.002)) < 1e-6);
  assert_int_equal(check(negative_delay, &s), EXCH_OK);
  assert_true(fabs(s.delay - (0.5 - 0.010)) < 1e-6);
  /* Never below the server's precision. */
  assert_int_equal(check(no_delay, &s), EXCH_OK);
  assert_true(s.delay == ldexp(1.0, -20));
}

/* A symmetric peer's packet: the same tests, modes 1 and 2 instead of 4. */
static enum exch_result check_sym(uint8_t mode, void (*tweak)(struct ntp_header *),
                                  struct exch_sample *s)
{
  uint8_t buf[NTP_HEADER_LEN];
  make_reply(buf, tweak);
  buf[0] = (uint8_t)((buf[0] & ~7) | mode);
  struct ntp_packet p = parsed(buf, sizeof(buf));
  return exch_check_symmetric(&p, NONCE, &t1, &t4, s);
}

static void slow_answer(struct ntp_header *h) { h->transmit += 5ULL << 32; }

static void test_symmetric(void **state)
{
  (void)state;
  struct exch_sample s;
  assert_int_equal(check_sym(NTP_MODE_ACTIVE, NULL, &s), EXCH_OK);
  assert_true(fabs(s.offset - 0.5) < 1e-9);
  assert_true(fabs(s.delay - 0.008) < 1e-9);
  assert_int_equal(check_sym(NTP_MODE_PASSIVE, NULL, &s), EXCH_OK);
  assert_int_equal(check_sym(NTP_MODE_SERVER, NULL, &s), EXCH_BAD_MODE);
  assert_int_equal(check_sym(NTP_MODE_CLIENT, NULL, &s), EXCH_BAD_MODE);
  assert_int_equal(check_sym(NTP_MODE_BROADCAST, NULL, &s), EXCH_BAD_MODE);
  assert_int_equal(check_sym(NTP_MODE_ACTIVE, wrong_origin, &s), EXCH_BAD_ORIGIN);
  assert_int_equal(check_sym(NTP_MODE_ACTIVE, zero_origin, &s), EXCH_BAD_ORIGIN);
  assert_int_equal(check_sym(NTP_MODE_ACTIVE, zero_receive, &s), EXCH_ZERO_TIMESTAMP);
  assert_int_equal(check_sym(NTP_MODE_ACTIVE, leap_unsync, &s), EXCH_UNSYNCHRONISED);
  /* No limit on a peer's interval: it sends on its own schedule. */
  assert_int_equal(check_sym(NTP_MODE_ACTIVE, server_5s_backwards, &s), EXCH_OK);
  /* A peer may send long after our packet arrived (its own schedule):
   * with clocks of different rates the delay comes out negative, and it is
   * taken as its magnitude, as chrony does. */
  assert_int_equal(check_sym(NTP_MODE_ACTIVE, slow_answer, &s), EXCH_OK);
  assert_true(fabs(s.delay - (5.0 - 0.008)) < 1e-6);
  /* The same packets from a server are rejected. */
  assert_int_equal(check(slow_answer, &s), EXCH_BAD_TIMES);
}

static void test_packet_with_mac(void **state)
{
  (void)state;
  static const struct ntp_key key = {.type = NTP_KEY_SHA256, .len = 20,
                                     .data = (const uint8_t *)"0123456789abcdefghij"};
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_ACTIVE, .stratum = 2,
                         .transmit = NONCE};
  uint8_t buf[NTP_HEADER_LEN + NTP_MAC_MAX_LEN];
  size_t len = exch_build_auth_packet(buf, sizeof(buf), &h, 0, NULL);
  assert_int_equal(len, NTP_HEADER_LEN);
  struct ntp_packet p = parsed(buf, len);
  assert_true(exch_check_auth(&p, 0, NULL));
  len = exch_build_auth_packet(buf, sizeof(buf), &h, 7, &key);
  assert_true(len > NTP_HEADER_LEN);
  p = parsed(buf, len);
  assert_true(exch_check_auth(&p, 7, &key));
  assert_false(exch_check_auth(&p, 8, &key));
  assert_int_equal(exch_build_auth_packet(buf, sizeof(buf), &h, 7, NULL), 0);
}

/* extfield: the request's fields (10A, then F323 with its magic only)
 * before the MAC, which covers them. */
static void test_request_with_ext_fields(void **state)
{
  (void)state;
  static const struct ntp_key key = {.type = NTP_KEY_SHA1, .len = 20,
                                     .data = (const uint8_t *)"0123456789abcdefghij"};
  struct ntp_header h = {.version = 4, .mode = NTP_MODE_CLIENT, .transmit = NONCE};
  uint8_t buf[NTP_HEADER_LEN + 2 * NTPEXT_FIELD_LEN + NTP_MAC_MAX_LEN];
  unsigned both = NTPEXT_FLAG_MONO_ROOT | NTPEXT_FLAG_NET_CORRECTION;
  size_t len = exch_build_ext_packet(buf, sizeof(buf), &h, both, NULL, 0, NULL);
  assert_int_equal(len, NTP_HEADER_LEN + 2 * NTPEXT_FIELD_LEN);
  struct ntp_packet p = parsed(buf, len);
  assert_int_equal(p.status, NTP_PARSE_OK);
  assert_int_equal(ntpext_flags(&p), both);
  assert_int_equal(p.ef[0].type, NTPEXT_NET_CORRECTION);
  struct ntpext_mono_root m;
  assert_true(ntpext_read_mono_root(&p.ef[1], &m));
  assert_true(m.root_delay == 0.0 && m.mono_receive == 0 && m.mono_epoch == 0);
  len = exch_build_ext_packet(buf, sizeof(buf), &h, NTPEXT_FLAG_MONO_ROOT, NULL, 9, &key);
  p = parsed(buf, len);
  assert_int_equal(p.n_ef, 1);
  assert_int_equal(p.mac_keyid, 9);
  assert_true(exch_check_auth(&p, 9, &key));
  /* a peer's packet: F323 with the values given */
  const struct ntpext_mono_root v = {.root_delay = 0.25, .root_dispersion = 0.5,
                                     .mono_receive = NONCE, .mono_epoch = 3};
  len = exch_build_ext_packet(buf, sizeof(buf), &h, NTPEXT_FLAG_MONO_ROOT, &v, 0, NULL);
  p = parsed(buf, len);
  assert_true(ntpext_read_mono_root(&p.ef[0], &m));
  assert_true(m.root_delay == v.root_delay && m.root_dispersion == v.root_dispersion);
  assert_true(m.mono_receive == v.mono_receive && m.mono_epoch == v.mono_epoch);
  /* no room for the fields: nothing */
  assert_int_equal(exch_build_ext_packet(buf, NTP_HEADER_LEN + 8, &h, both, NULL, 0, NULL), 0);
}

static void test_truncated_reply_rejected(void **state)
{
  (void)state;
  uint8_t buf[NTP_HEADER_LEN];
  struct exch_sample s;
  make_reply(buf, NULL);
  struct ntp_packet p = parsed(buf, 47);
  assert_int_equal(exch_check_reply(&p, NONCE, &t1, &t4, &s), EXCH_BAD_FORMAT);
  assert_false(exch_check_auth(&p, 0, NULL));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_request_reveals_nothing),
    cmocka_unit_test(test_valid_reply_offset_and_delay),
    cmocka_unit_test(test_rejections),
    cmocka_unit_test(test_server_time_magnitudes),
    cmocka_unit_test(test_symmetric),
    cmocka_unit_test(test_packet_with_mac),
    cmocka_unit_test(test_request_with_ext_fields),
    cmocka_unit_test(test_truncated_reply_rejected),
  };
  return cmocka_run_group_tests_name("exchange", tests, NULL, NULL);
}
