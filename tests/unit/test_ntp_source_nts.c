/* ntp_source with NTS: no request without a cookie, an NTS-KE asked for
 * instead; requests with NTS fields to the negotiated port; only replies
 * that verify are taken; a NAK leads to a new NTS-KE. The NTS-KE is the
 * test's: it hands a response and keys to ntsc_ke_done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/ntp_source.h"
#include "fake_platform.h"
#include "proto/ntp_packet.h"

struct fixture {
  struct fake_platform fp;
  struct discipline disc;
  struct tclass cls;
  struct client_source_params p;
  struct nsrc src;
  struct ntsc_ke_ops ops;
  struct ntsc *attached, *detached;
  unsigned starts, samples;
  struct aead_key c2s, s2c;
};

static double fake_ke_now(void *arg)
{
  struct fixture *f = arg;
  return (double)f->fp.now.tv_sec + f->fp.now.tv_nsec * 1e-9;
}

static void fake_attach(void *arg, struct ntsc *c)
{
  ((struct fixture *)arg)->attached = c;
}

static void fake_detach(void *arg, struct ntsc *c)
{
  ((struct fixture *)arg)->detached = c;
}

static void fake_start(void *arg, struct ntsc *c)
{
  (void)c;
  ((struct fixture *)arg)->starts++;
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
  disc_init(&f->disc, &f->fp.plat, false, true, 0.0, 83333.333, 500000.0);
  tclass_init(&f->cls, &f->fp.plat, &f->disc);
  client_source_defaults(&f->p);
  addr_parse("192.0.2.1", &f->p.addr);
  snprintf(f->p.name, sizeof(f->p.name), "ntp.example");
  f->p.minpoll = f->p.maxpoll = 4;
  f->p.nts = true;
  f->p.key = 1;                         /* not used with NTS */
  f->ops = (struct ntsc_ke_ops){fake_attach, fake_detach, fake_start, fake_ke_now, f};
  f->c2s.algorithm = f->s2c.algorithm = AEAD_AES_SIV_CMAC_256;
  f->c2s.len = f->s2c.len = 32;
  memset(f->c2s.data, 1, 32);
  memset(f->s2c.data, 2, 32);
  nsrc_init(&f->src, &f->p, &f->fp.plat, NULL, &f->disc, &f->cls, on_update, f);
  assert_true(nsrc_use_nts(&f->src, &f->ops, 1e6));
  f->src.max_distance = 3.0;
  nsrc_start(&f->src);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  struct ntsc *c = f->src.nts;
  nsrc_fini(&f->src);
  assert_ptr_equal(f->detached, c);
  disc_fini(&f->disc);
  free(f);
  return 0;
}

static void poll_now(struct fixture *f)
{
  f->fp.now.tv_sec += 16;
  assert_non_null(f->fp.timer_fn);
  f->fp.timer_fn(f->fp.timer_arg);
}

/* The NTS-KE the source asked for gives 8 cookies (and a port). */
static void ke_done(struct fixture *f, uint16_t port)
{
  struct ntske_message m;
  memset(&m, 0, sizeof(m));
  m.n_protocols = m.n_algorithms = 1;
  m.protocols[0] = NTSKE_PROTOCOL_NTPV4;
  m.algorithms[0] = AEAD_AES_SIV_CMAC_256;
  m.n_cookies = NTSKE_MAX_COOKIES;
  for (size_t i = 0; i < NTSKE_MAX_COOKIES; i++) {
    m.cookies[i].len = 64;
    memset(m.cookies[i].data, (int)i, 64);
  }
  m.has_port = port != 0;
  m.port = port;
  assert_true(ntsc_ke_done(f->src.nts, fake_ke_now(f), &m, &f->c2s, &f->s2c));
}

/* The server's reply to the last request: NTS (verified with the C2S key,
 * answered under s2c), a NAK, or plain NTP. */
enum kind { NTS_REPLY, NAK_REPLY, PLAIN_REPLY };

static void reply(struct fixture *f, enum kind kind, const struct aead_key *s2c)
{
  const struct fake_send *r = &f->fp.sends[f->fp.n_sends - 1];
  struct ntp_packet p;
  struct ntsntp_request q;
  struct ntp_header req, h;
  uint8_t buf[sizeof(r->buf)];
  size_t len = NTP_HEADER_LEN, sent;
  assert_int_equal(ntp_packet_parse(r->buf, r->len, &p), NTP_PARSE_OK);
  assert_int_equal(p.mac_len, 0);
  assert_int_equal(ntsntp_parse_request(&p, &q), NTSNTP_OK);
  assert_int_equal(ntsntp_verify_request(&p, &q, &f->c2s), NTSNTP_OK);
  ntp_header_decode(r->buf, &req);
  struct timespec t2 = timespec_add_double(&f->fp.now, 0.001);
  struct timespec t3 = timespec_add_double(&f->fp.now, 0.002);
  memset(&h, 0, sizeof(h));
  h.version = 4;
  h.mode = NTP_MODE_SERVER;
  h.stratum = kind == NAK_REPLY ? 0 : 2;
  h.leap = kind == NAK_REPLY ? NTP_LEAP_UNSYNC : NTP_LEAP_NONE;
  h.refid = kind == NAK_REPLY ? NTSNTP_KOD_NAK : 0xC0000202u;
  h.precision = -20;
  h.origin = req.transmit;
  h.receive = ntp_ts_from_timespec(&t2);
  h.transmit = ntp_ts_from_timespec(&t3);
  ntp_header_encode(&h, buf);
  if (kind == NTS_REPLY) {
    uint8_t nonce[NTSNTP_NONCE_LEN] = {9};
    len = ntsntp_build_reply(buf, r->len, &q, &(struct ntske_cookie){.len = 64}, 1, s2c, nonce,
                             &sent);
  } else if (kind == NAK_REPLY) {
    len = ntsntp_build_nak(buf, sizeof(buf), &q);
  }
  assert_true(len >= NTP_HEADER_LEN);
  struct plat_datagram dg;
  memset(&dg, 0, sizeof(dg));
  dg.data = buf;
  dg.len = len;
  dg.from = r->to;
  dg.from_port = r->port;
  dg.rx_time = timespec_add_double(&f->fp.now, 0.003);
  f->fp.recv_fn(f->fp.recv_arg, f->src.sock, &dg);
}

static void test_no_cookie_no_request(void **state)
{
  struct fixture *f = *state;
  assert_ptr_equal(f->attached, f->src.nts);
  poll_now(f);
  assert_int_equal(f->fp.n_sends, 0);
  assert_int_equal(f->starts, 1);
  /* the session runs: no second one, still nothing sent */
  poll_now(f);
  assert_int_equal(f->starts, 1);
  assert_int_equal(f->fp.n_sends, 0);
  assert_int_equal(f->src.counters[NSRC_TX], 2);
  /* it failed: no request either, a new session once the interval is over */
  ntsc_ke_failed(f->src.nts, NTSC_RETRY_FACTOR_CONNECT);
  for (int i = 0; i < 3; i++)
    poll_now(f);
  assert_int_equal(f->fp.n_sends, 0);
  assert_true(f->starts >= 2);
}

/* auto_offline is about requests that could not be sent, not about
 * waiting for cookies. */
static void test_waiting_is_not_offline(void **state)
{
  struct fixture *f = *state;
  f->src.p.auto_offline = true;
  for (int i = 0; i < 3; i++)
    poll_now(f);
  assert_true(f->src.online);
  assert_int_equal(f->fp.n_sends, 0);
}

static void test_authentic_reply_taken(void **state)
{
  struct fixture *f = *state;
  poll_now(f);
  ke_done(f, 0);
  poll_now(f);
  assert_int_equal(f->fp.n_sends, 1);
  assert_int_equal(f->fp.sends[0].port, 123);
  assert_int_equal(f->src.nts->n_cookies, NTSKE_MAX_COOKIES - 1);
  /* plain NTP and an NTS reply under another key: not the answer */
  reply(f, PLAIN_REPLY, NULL);
  reply(f, NTS_REPLY, &f->c2s);
  assert_int_equal(f->src.counters[NSRC_RX_BAD], 2);
  assert_int_equal(f->samples, 0);
  reply(f, NTS_REPLY, &f->s2c);
  assert_int_equal(f->src.counters[NSRC_RX_VALID], 1);
  assert_int_equal(f->samples, 1);
  assert_int_equal(f->src.nts->n_cookies, NTSKE_MAX_COOKIES);
}

static void test_negotiated_port(void **state)
{
  struct fixture *f = *state;
  poll_now(f);
  ke_done(f, 4123);
  poll_now(f);
  assert_int_equal(f->fp.n_sends, 1);
  assert_int_equal(f->fp.sends[0].port, 4123);
  reply(f, NTS_REPLY, &f->s2c);
  assert_int_equal(f->samples, 1);
}

static void test_nak_asks_for_new_ke(void **state)
{
  struct fixture *f = *state;
  poll_now(f);
  ke_done(f, 0);
  poll_now(f);
  reply(f, NAK_REPLY, NULL);
  assert_int_equal(f->src.counters[NSRC_RX_VALID], 0);
  assert_true(f->src.nts->nak);
  unsigned sends = f->fp.n_sends;
  /* the cookies are dropped: no request until a new session (after the
   * retry interval of the first, as no reply proved the server) */
  for (int i = 0; i < 3; i++)
    poll_now(f);
  assert_int_equal(f->fp.n_sends, sends);
  assert_int_equal(f->src.nts->n_cookies, 0);
  assert_int_equal(f->starts, 2);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_no_cookie_no_request, setup, teardown),
    cmocka_unit_test_setup_teardown(test_waiting_is_not_offline, setup, teardown),
    cmocka_unit_test_setup_teardown(test_authentic_reply_taken, setup, teardown),
    cmocka_unit_test_setup_teardown(test_negotiated_port, setup, teardown),
    cmocka_unit_test_setup_teardown(test_nak_asks_for_new_ke, setup, teardown),
  };
  return cmocka_run_group_tests_name("ntp_source_nts", tests, NULL, NULL);
}
