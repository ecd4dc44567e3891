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
#include "fake_nts.h"
#include "fake_platform.h"
#include "proto/ntp_packet.h"

struct fixture {
  struct fake_platform fp;
  struct fake_nts nts;
  struct discipline disc;
  struct tclass cls;
  struct client_source_params p;
  struct nsrc src;
  unsigned samples;
};

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
  fake_nts_init(&f->nts, &f->fp);
  disc_init(&f->disc, &f->fp.plat, false, true, 0.0, 83333.333, 500000.0);
  tclass_init(&f->cls, &f->fp.plat, &f->disc);
  client_source_defaults(&f->p);
  addr_parse("192.0.2.1", &f->p.addr);
  snprintf(f->p.name, sizeof(f->p.name), "ntp.example");
  f->p.minpoll = f->p.maxpoll = 4;
  f->p.nts = true;
  f->p.key = 1;                         /* not used with NTS */
  nsrc_init(&f->src, &f->p, &f->fp.plat, NULL, &f->disc, &f->cls, on_update, f);
  assert_true(nsrc_use_nts(&f->src, &f->nts.ops, 1e6));
  nsrc_start(&f->src);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  struct ntsc *c = f->src.nts;
  nsrc_fini(&f->src);
  assert_ptr_equal(f->nts.detached, c);
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

static void ke_done(struct fixture *f, uint16_t port)
{
  fake_nts_ke_done(&f->nts, f->src.nts, port);
}

static void test_no_cookie_no_request(void **state)
{
  struct fixture *f = *state;
  assert_ptr_equal(f->nts.attached, f->src.nts);
  poll_now(f);
  assert_int_equal(f->fp.n_sends, 0);
  assert_int_equal(f->nts.starts, 1);
  /* the session runs: no second one, still nothing sent */
  poll_now(f);
  assert_int_equal(f->nts.starts, 1);
  assert_int_equal(f->fp.n_sends, 0);
  assert_int_equal(f->src.counters[NSRC_TX], 2);
  /* it failed: no request either, a new session once the interval is over */
  ntsc_ke_failed(f->src.nts, NTSC_RETRY_FACTOR_CONNECT);
  for (int i = 0; i < 3; i++)
    poll_now(f);
  assert_int_equal(f->fp.n_sends, 0);
  assert_true(f->nts.starts >= 2);
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
  fake_nts_reply(&f->nts, FAKE_NTS_PLAIN, NULL);
  fake_nts_reply(&f->nts, FAKE_NTS_REPLY, &f->nts.c2s);
  assert_int_equal(f->src.counters[NSRC_RX_BAD], 2);
  assert_int_equal(f->samples, 0);
  fake_nts_reply(&f->nts, FAKE_NTS_REPLY, &f->nts.s2c);
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
  fake_nts_reply(&f->nts, FAKE_NTS_REPLY, &f->nts.s2c);
  assert_int_equal(f->samples, 1);
}

static void test_nak_asks_for_new_ke(void **state)
{
  struct fixture *f = *state;
  poll_now(f);
  ke_done(f, 0);
  poll_now(f);
  fake_nts_reply(&f->nts, FAKE_NTS_NAK, NULL);
  assert_int_equal(f->src.counters[NSRC_RX_VALID], 0);
  assert_true(f->src.nts->nak);
  unsigned sends = f->fp.n_sends;
  /* the cookies are dropped: no request until a new session (after the
   * retry interval of the first, as no reply proved the server) */
  for (int i = 0; i < 3; i++)
    poll_now(f);
  assert_int_equal(f->fp.n_sends, sends);
  assert_int_equal(f->src.nts->n_cookies, 0);
  assert_int_equal(f->nts.starts, 2);
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
