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
#include "source_fixture.h"
#include "proto/ntp_packet.h"

struct fixture {
  struct source_fixture s;
  struct fake_nts nts;
};

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  source_fixture_init(&f->s);
  fake_nts_init(&f->nts, &f->s.fp);
  snprintf(f->s.p.name, sizeof(f->s.p.name), "ntp.example");
  f->s.p.nts = true;
  f->s.p.key = 1;                       /* not used with NTS */
  source_fixture_start(&f->s);
  assert_true(nsrc_use_nts(&f->s.src, &f->nts.ops, 1e6));
  nsrc_start(&f->s.src);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  struct ntsc *c = f->s.src.nts;
  source_fixture_fini(&f->s);
  assert_ptr_equal(f->nts.detached, c);
  free(f);
  return 0;
}

static void poll_now(struct fixture *f)
{
  f->s.fp.now.tv_sec += 16;
  assert_non_null(f->s.fp.timer_fn);
  f->s.fp.timer_fn(f->s.fp.timer_arg);
}

static void ke_done(struct fixture *f, uint16_t port)
{
  fake_nts_ke_done(&f->nts, f->s.src.nts, port);
}

static void test_no_cookie_no_request(void **state)
{
  struct fixture *f = *state;
  assert_ptr_equal(f->nts.attached, f->s.src.nts);
  poll_now(f);
  assert_int_equal(f->s.fp.n_sends, 0);
  assert_int_equal(f->nts.starts, 1);
  /* the session runs: no second one, still nothing sent */
  poll_now(f);
  assert_int_equal(f->nts.starts, 1);
  assert_int_equal(f->s.fp.n_sends, 0);
  assert_int_equal(f->s.src.counters[NSRC_TX], 2);
  /* it failed: no request either, a new session once the interval is over */
  ntsc_ke_failed(f->s.src.nts, NTSC_RETRY_FACTOR_CONNECT);
  for (int i = 0; i < 3; i++)
    poll_now(f);
  assert_int_equal(f->s.fp.n_sends, 0);
  assert_true(f->nts.starts >= 2);
}

/* auto_offline is about requests that could not be sent, not about
 * waiting for cookies. */
static void test_waiting_is_not_offline(void **state)
{
  struct fixture *f = *state;
  f->s.src.p.auto_offline = true;
  for (int i = 0; i < 3; i++)
    poll_now(f);
  assert_true(f->s.src.online);
  assert_int_equal(f->s.fp.n_sends, 0);
}

static void test_authentic_reply_taken(void **state)
{
  struct fixture *f = *state;
  poll_now(f);
  ke_done(f, 0);
  poll_now(f);
  assert_int_equal(f->s.fp.n_sends, 1);
  assert_int_equal(f->s.fp.sends[0].port, 123);
  assert_int_equal(f->s.src.nts->n_cookies, NTSKE_MAX_COOKIES - 1);
  /* plain NTP and an NTS reply under another key: not the answer */
  fake_nts_reply(&f->nts, FAKE_NTS_PLAIN, NULL);
  fake_nts_reply(&f->nts, FAKE_NTS_REPLY, &f->nts.c2s);
  assert_int_equal(f->s.src.counters[NSRC_RX_BAD], 2);
  assert_int_equal(f->s.samples, 0);
  fake_nts_reply(&f->nts, FAKE_NTS_REPLY, &f->nts.s2c);
  assert_int_equal(f->s.src.counters[NSRC_RX_VALID], 1);
  assert_int_equal(f->s.samples, 1);
  assert_int_equal(f->s.src.nts->n_cookies, NTSKE_MAX_COOKIES);
}

static void test_negotiated_port(void **state)
{
  struct fixture *f = *state;
  poll_now(f);
  ke_done(f, 4123);
  poll_now(f);
  assert_int_equal(f->s.fp.n_sends, 1);
  assert_int_equal(f->s.fp.sends[0].port, 4123);
  fake_nts_reply(&f->nts, FAKE_NTS_REPLY, &f->nts.s2c);
  assert_int_equal(f->s.samples, 1);
}

static void test_nak_asks_for_new_ke(void **state)
{
  struct fixture *f = *state;
  poll_now(f);
  ke_done(f, 0);
  poll_now(f);
  fake_nts_reply(&f->nts, FAKE_NTS_NAK, NULL);
  assert_int_equal(f->s.src.counters[NSRC_RX_VALID], 0);
  assert_true(f->s.src.nts->nak);
  unsigned sends = f->s.fp.n_sends;
  /* the cookies are dropped: no request until a new session (after the
   * retry interval of the first, as no reply proved the server) */
  for (int i = 0; i < 3; i++)
    poll_now(f);
  assert_int_equal(f->s.fp.n_sends, sends);
  assert_int_equal(f->s.src.nts->n_cookies, 0);
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
