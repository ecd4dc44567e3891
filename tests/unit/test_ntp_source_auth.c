/* ntp_source with symmetric keys: MACs on requests, the authentication test
 * on replies, NTP version chosen from the key, missing keys, KoD. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/ntp_source.h"
#include "fake_keyring.h"
#include "fake_platform.h"
#include "proto/ntp_mac.h"
#include "proto/ntp_packet.h"

#define KOD_DENY 0x44454E59u   /* "DENY" */
#define SERVER_REFID 0xC0000202u

/* IDs 1-5: MD5, SHA1, AES128, SHA256, and a short (8-byte) MD5 key. */
struct fixture {
  struct fake_platform fp;       /* first: the log callback's ctx */
  struct platform_ops ops;
  struct platform plat;
  struct discipline disc;
  struct tclass cls;
  struct client_source_params p;
  struct nsrc src;
  bool started;
  unsigned samples;
  char last_log[256];
  int last_log_level;
};

/* What the server puts in a reply. */
struct reply_spec {
  uint8_t stratum;
  uint32_t refid;
  uint32_t key;                  /* sign with this key (0: no MAC)... */
  uint32_t label;                /* ...labelled with this ID (0: the key's) */
};

static void record_log(void *ctx, int level, const char *msg)
{
  struct fixture *f = ctx;
  f->last_log_level = level;
  snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
}

static void on_update(void *arg, struct nsrc *src, bool new_sample)
{
  (void)src;
  if (new_sample)
    ((struct fixture *)arg)->samples++;
}

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  fake_platform_init(&f->fp);
  f->ops = *f->fp.plat.ops;
  f->ops.log = record_log;
  f->plat = (struct platform){&f->ops, &f->fp};
  disc_init(&f->disc, &f->plat, false, true, 0.0, 83333.333, 500000.0);
  client_source_defaults(&f->p);
  addr_parse("192.0.2.1", &f->p.addr);
  f->p.minpoll = 4;
  f->p.maxpoll = 6;
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  if (f->started)
    nsrc_fini(&f->src);
  disc_fini(&f->disc);
  free(f);
  return 0;
}

/* Create the source with this key and version, and send its first request. */
static void start(struct fixture *f, uint32_t key, int version)
{
  f->p.key = key;
  f->p.version = version;
  tclass_init(&f->cls, &f->plat, &f->disc);
  nsrc_init(&f->src, &f->p, &f->plat, &FAKE_KEYRING, &f->disc, &f->cls, on_update, f);
  f->started = true;
  nsrc_start(&f->src);
  assert_non_null(f->fp.timer_fn);
  f->fp.timer_fn(f->fp.timer_arg);
}

static const struct fake_send *last_request(struct fixture *f)
{
  assert_true(f->fp.n_sends > 0);
  return &f->fp.sends[f->fp.n_sends - 1];
}

/* The request's MAC verifies with key `id`; returns the request's version. */
static int assert_signed_request(struct fixture *f, uint32_t id, size_t len)
{
  const struct fake_send *r = last_request(f);
  struct ntp_packet p;
  assert_int_equal(r->len, len);
  assert_int_equal(ntp_packet_parse(r->buf, r->len, &p), NTP_PARSE_OK);
  assert_int_equal(p.mac_keyid, id);
  assert_true(ntp_mac_verify(fake_key(NULL, id), r->buf, NTP_HEADER_LEN, p.mac_digest,
                             p.mac_digest_len));
  return p.hdr.version;
}

/* A reply to the last request, 1-3 ms after it left; returns its length. */
static size_t build_reply(struct fixture *f, const struct reply_spec *spec, uint8_t *buf,
                          size_t cap)
{
  struct ntp_header req, h;
  ntp_header_decode(last_request(f)->buf, &req);
  struct timespec t2 = timespec_add_double(&f->fp.now, 0.001);
  struct timespec t3 = timespec_add_double(&f->fp.now, 0.002);
  memset(&h, 0, sizeof(h));
  h.leap = spec->stratum == 0 ? NTP_LEAP_UNSYNC : NTP_LEAP_NONE;
  h.version = req.version;
  h.mode = NTP_MODE_SERVER;
  h.stratum = spec->stratum;
  h.precision = -20;
  h.refid = spec->refid;
  h.origin = req.transmit;
  h.receive = ntp_ts_from_timespec(&t2);
  h.transmit = ntp_ts_from_timespec(&t3);
  ntp_header_encode(&h, buf);
  if (spec->key == 0)
    return NTP_HEADER_LEN;
  size_t mac = ntp_mac_generate(fake_key(NULL, spec->key), spec->label ? spec->label : spec->key,
                                buf, NTP_HEADER_LEN, req.version, buf + NTP_HEADER_LEN,
                                cap - NTP_HEADER_LEN);
  assert_true(mac > 0);
  return NTP_HEADER_LEN + mac;
}

static void deliver(struct fixture *f, const uint8_t *buf, size_t len)
{
  struct plat_datagram dg;
  memset(&dg, 0, sizeof(dg));
  dg.data = buf;
  dg.len = len;
  dg.from = f->p.addr;
  dg.from_port = f->p.port;
  dg.rx_time = timespec_add_double(&f->fp.now, 0.003);
  f->fp.recv_fn(f->fp.recv_arg, f->src.sock, &dg);
}

static void reply(struct fixture *f, const struct reply_spec *spec)
{
  uint8_t buf[NTP_HEADER_LEN + NTP_MAC_MAX_LEN];
  deliver(f, buf, build_reply(f, spec, buf, sizeof(buf)));
}

static const struct reply_spec GOOD = {.stratum = 2, .refid = SERVER_REFID};

static struct reply_spec signed_with(uint32_t key)
{
  struct reply_spec s = GOOD;
  s.key = key;
  return s;
}

/* The reply was rejected: counted as bad, nothing else changed, and the
 * request is still waiting for its real answer. */
static void assert_rejected(struct fixture *f, uint64_t bad)
{
  assert_int_equal(f->src.counters[NSRC_RX_BAD], bad);
  assert_int_equal(f->src.counters[NSRC_RX_VALID], 0);
  assert_int_equal(f->src.counters[NSRC_RX_KOD], 0);
  assert_int_equal(f->src.reach, 0);
  assert_int_equal(f->samples, 0);
  assert_true(f->src.sock >= 0);
}

static void assert_accepted(struct fixture *f)
{
  assert_int_equal(f->src.counters[NSRC_RX_VALID], 1);
  assert_int_equal(f->samples, 1);
  assert_int_equal(f->src.reach, 1);
  assert_int_equal(f->src.sock, -1);
}

static void test_requests_carry_the_mac(void **state)
{
  struct fixture *f = *state;
  start(f, 1, 0);
  assert_int_equal(assert_signed_request(f, 1, 68), 4);
  assert_int_equal(f->last_log[0], '\0');
}

static void test_version_chosen_from_key(void **state)
{
  struct fixture *f = *state;
  /* key, configured version, version and length sent */
  const struct { uint32_t key; int version, sent; size_t len; } cases[] = {
    {2, 0, 4, 72},               /* SHA1: whole digest fits NTPv4 */
    {3, 0, 4, 68},               /* AES128-CMAC */
    {4, 0, 3, 84},               /* SHA256: NTPv3 keeps all 32 bytes */
    {4, 4, 4, 72},               /* ...unless NTPv4 is configured */
    {1, 2, 2, 68},
  };
  for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    start(f, cases[i].key, cases[i].version);
    assert_int_equal(assert_signed_request(f, cases[i].key, cases[i].len), cases[i].sent);
    nsrc_fini(&f->src);
  }
  start(f, 0, 0);                /* no key: plain NTPv4 */
  assert_int_equal(last_request(f)->len, NTP_HEADER_LEN);
  assert_int_equal(last_request(f)->buf[0] >> 3 & 7, 4);
}

static void test_missing_key_logged_and_nothing_sent(void **state)
{
  struct fixture *f = *state;
  start(f, 9, 0);
  assert_string_equal(f->last_log, "Key 9 is missing");
  assert_int_equal(f->last_log_level, PLAT_LOG_WARN);
  assert_int_equal(f->fp.n_sends, 0);
  assert_int_equal(f->src.counters[NSRC_TX], 1);
  assert_int_equal(f->fp.n_open, f->fp.n_closed);
  assert_non_null(f->fp.timer_fn);   /* still polling, as chronyd */
}

static void test_short_key_warned_but_used(void **state)
{
  struct fixture *f = *state;
  start(f, 5, 0);
  assert_string_equal(f->last_log, "Key 5 is too short");
  assert_signed_request(f, 5, 68);
}

static void test_authenticated_reply_accepted(void **state)
{
  struct fixture *f = *state;
  start(f, 2, 0);
  struct reply_spec s = signed_with(2);
  reply(f, &s);
  assert_accepted(f);
}

static void test_sha256_ntpv3_reply_accepted(void **state)
{
  struct fixture *f = *state;
  start(f, 4, 0);
  struct reply_spec s = signed_with(4);
  reply(f, &s);
  assert_accepted(f);
}

static void test_reply_without_mac_rejected_then_real_one_accepted(void **state)
{
  struct fixture *f = *state;
  start(f, 1, 0);
  reply(f, &GOOD);
  assert_rejected(f, 1);
  struct reply_spec s = signed_with(1);
  reply(f, &s);
  assert_accepted(f);
}

static void test_flipped_mac_bit_rejected(void **state)
{
  struct fixture *f = *state;
  uint8_t buf[NTP_HEADER_LEN + NTP_MAC_MAX_LEN];
  struct reply_spec s = signed_with(3);
  start(f, 3, 0);
  size_t len = build_reply(f, &s, buf, sizeof(buf));
  buf[len - 1] ^= 0x80;
  deliver(f, buf, len);
  buf[len - 1] ^= 0x80;
  buf[NTP_HEADER_LEN - 1] ^= 1;      /* the signed transmit timestamp */
  deliver(f, buf, len);
  assert_rejected(f, 2);
}

static void test_wrong_key_id_rejected(void **state)
{
  struct fixture *f = *state;
  start(f, 1, 0);
  struct reply_spec other = signed_with(3);     /* a valid MAC, another key */
  reply(f, &other);
  struct reply_spec mislabelled = signed_with(3);
  mislabelled.label = 1;                        /* key 3's MAC under ID 1 */
  reply(f, &mislabelled);
  assert_rejected(f, 2);
}

static void test_truncated_mac_rejected(void **state)
{
  struct fixture *f = *state;
  uint8_t buf[NTP_HEADER_LEN + NTP_MAC_MAX_LEN];
  struct reply_spec s = signed_with(2);
  start(f, 2, 0);
  size_t len = build_reply(f, &s, buf, sizeof(buf));
  deliver(f, buf, len - 4);          /* SHA1 cut to 16 bytes */
  assert_rejected(f, 1);
}

static void test_mac_on_reply_rejected_without_key(void **state)
{
  struct fixture *f = *state;
  uint8_t buf[NTP_HEADER_LEN + 4];
  start(f, 0, 0);
  struct reply_spec s = signed_with(1);
  reply(f, &s);                      /* chrony: a MAC it did not ask for */
  build_reply(f, &GOOD, buf, sizeof(buf));
  memset(buf + NTP_HEADER_LEN, 0, 4);
  deliver(f, buf, sizeof(buf));      /* crypto-NAK */
  assert_rejected(f, 2);
  reply(f, &GOOD);
  assert_accepted(f);
}

static void test_kod_rate_obeyed_only_when_authenticated(void **state)
{
  struct fixture *f = *state;
  struct reply_spec kod = {.stratum = 0, .refid = NTP_REFID_RATE};
  start(f, 1, 0);
  reply(f, &kod);
  assert_rejected(f, 1);
  assert_int_equal(f->src.poll, 4);
  double next = f->fp.timer_delay;
  kod.key = 1;
  reply(f, &kod);
  assert_int_equal(f->src.counters[NSRC_RX_KOD], 1);
  /* As chronyd: the poll stays, the next request waits 4 polls more. */
  assert_int_equal(f->src.poll, 4);
  assert_true(f->fp.timer_delay > next + 4 * 16.0 - 1.0);
  assert_true(f->fp.timer_delay < 1.03 * (next + 4 * 16.0));
}

static void test_authenticated_kod_deny_ignored(void **state)
{
  struct fixture *f = *state;
  struct reply_spec kod = {.stratum = 0, .refid = KOD_DENY, .key = 1};
  start(f, 1, 0);
  reply(f, &kod);
  assert_int_equal(f->src.counters[NSRC_RX_KOD], 1);
  assert_int_equal(f->src.poll, 4);
  assert_true(f->src.online);
  assert_non_null(f->fp.timer_fn);   /* chrony 4.3 keeps polling */
  f->fp.timer_fn(f->fp.timer_arg);
  assert_int_equal(f->fp.n_sends, 2);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
    T(test_requests_carry_the_mac),
    T(test_version_chosen_from_key),
    T(test_missing_key_logged_and_nothing_sent),
    T(test_short_key_warned_but_used),
    T(test_authenticated_reply_accepted),
    T(test_sha256_ntpv3_reply_accepted),
    T(test_reply_without_mac_rejected_then_real_one_accepted),
    T(test_flipped_mac_bit_rejected),
    T(test_wrong_key_id_rejected),
    T(test_truncated_mac_rejected),
    T(test_mac_on_reply_rejected_without_key),
    T(test_kod_rate_obeyed_only_when_authenticated),
    T(test_authenticated_kod_deny_ignored),
  };
  return cmocka_run_group_tests_name("ntp_source_auth", tests, NULL, NULL);
}
