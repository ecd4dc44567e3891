#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/query.h"
#include "fake_nts.h"
#include "fake_platform.h"
#include "proto/ntp_packet.h"

struct fixture {
  struct fake_platform fp;
  struct fake_nts nts;
  struct ntsc ntsc;
  struct query q;
  struct query_server servers[2];
  int done;
  int reported[2];
};

static void on_server(void *arg, const struct query_server *s)
{
  struct fixture *f = arg;
  f->reported[s - f->servers]++;
}

static void on_done(void *arg)
{
  ((struct fixture *)arg)->done++;
}

/* n servers; the first with NTS if nts */
static void init_nts(struct fixture *f, unsigned n, bool nts)
{
  memset(f, 0, sizeof(*f));
  fake_platform_init(&f->fp);
  fake_nts_init(&f->nts, &f->fp);
  for (unsigned i = 0; i < n; i++) {
    snprintf(f->servers[i].name, sizeof(f->servers[i].name), "s%u", i);
    addr_parse(i == 0 ? "127.0.0.1" : "127.0.0.2", &f->servers[i].addr);
    f->servers[i].port = 123;
  }
  if (nts) {
    ntsc_init(&f->ntsc, "s0", &f->servers[0].addr, 123, 4460, 0, 1e6);
    f->servers[0].nts = &f->ntsc;
  }
  assert_true(query_start(&f->q, &f->fp.plat, NULL, &f->nts.ops, f->servers, n, on_server,
                          on_done, f));
}

static void init(struct fixture *f, unsigned n)
{
  init_nts(f, n, false);
}

/* Answer the request last sent to server i with a reply whose clock is
 * `offset` ahead, after `delay` seconds of network delay. */
static void answer(struct fixture *f, unsigned send_index, double offset, double delay,
                   uint16_t from_port)
{
  const struct fake_send *req = &f->fp.sends[send_index];
  struct ntp_header rh, h;
  ntp_header_decode(req->buf, &rh);
  struct timespec t1 = f->fp.now;
  struct timespec t2 = timespec_add_double(&t1, offset + delay / 2);
  struct timespec t4 = timespec_add_double(&t1, delay);
  uint8_t buf[NTP_HEADER_LEN];
  memset(&h, 0, sizeof(h));
  h.version = 4;
  h.mode = NTP_MODE_SERVER;
  h.stratum = 2;
  h.precision = -20;
  h.origin = rh.transmit;
  h.receive = ntp_ts_from_timespec(&t2);
  h.transmit = h.receive;
  ntp_header_encode(&h, buf);
  struct plat_datagram dg = {.data = buf, .len = sizeof(buf), .from = req->to,
                             .from_port = from_port, .rx_time = t4};
  f->fp.recv_fn(f->fp.recv_arg, req->sock, &dg);
}

static void tick(struct fixture *f)
{
  plat_timer_fn fn = f->fp.timer_fn;
  assert_non_null(fn);
  f->fp.timer_fn = NULL;
  fn(f->fp.timer_arg);
}

/* Done at the third valid reply, at once (chronyd -Q's first update):
 * 4 s with requests 2 s apart, not at the next tick. */
static void test_three_samples_then_done_with_lowest_delay(void **state)
{
  (void)state;
  struct fixture f;
  init(&f, 1);
  double delays[] = {0.004, 0.001, 0.003};
  for (int i = 0; i < 3; i++) {
    assert_int_equal(f.fp.n_sends, i + 1);
    assert_int_equal(f.done, 0);
    answer(&f, i, 0.25, delays[i], 123);
    if (i < 2)
      tick(&f);
  }
  assert_int_equal(f.done, 1);
  assert_int_equal(f.reported[0], 1);
  assert_int_equal(f.fp.n_sends, 3);
  const struct query_server *best = query_best(&f.q);
  assert_non_null(best);
  assert_int_equal(best->valid, 3);
  assert_true(fabs(best->best.delay - 0.001) < 1e-6);
  assert_true(fabs(best->best.offset - 0.25) < 1e-6);
  assert_int_equal(f.fp.n_closed, 1);
}

/* maxsamples 1 (good_needed): done at the first valid reply. */
static void test_fewer_samples_needed(void **state)
{
  (void)state;
  struct fixture f;
  init(&f, 1);
  f.servers[0].good_needed = 1;
  answer(&f, 0, 0.25, 0.002, 123);
  assert_int_equal(f.done, 1);
  assert_int_equal(f.fp.n_sends, 1);
  assert_int_equal(query_best(&f.q)->valid, 1);
}

static void test_gives_up_after_eight_requests(void **state)
{
  (void)state;
  struct fixture f;
  init(&f, 1);
  for (int i = 0; i < QUERY_MAX_REQUESTS; i++)
    tick(&f);
  assert_int_equal(f.fp.n_sends, QUERY_MAX_REQUESTS);
  assert_int_equal(f.done, 1);
  assert_null(query_best(&f.q));
}

static void test_reply_from_wrong_port_ignored(void **state)
{
  (void)state;
  struct fixture f;
  init(&f, 1);
  answer(&f, 0, 0.1, 0.001, 124);
  assert_int_equal(f.servers[0].valid, 0);
  answer(&f, 0, 0.1, 0.001, 123);
  assert_int_equal(f.servers[0].valid, 1);
  /* the same reply again is a replay: the nonce is spent */
  answer(&f, 0, 0.1, 0.001, 123);
  assert_int_equal(f.servers[0].valid, 1);
  query_stop(&f.q);
}

static void test_requests_use_fresh_nonces(void **state)
{
  (void)state;
  struct fixture f;
  init(&f, 2);
  tick(&f);
  assert_int_equal(f.fp.n_sends, 4);
  for (unsigned i = 0; i < 4; i++)
    for (unsigned j = i + 1; j < 4; j++)
      assert_memory_not_equal(f.fp.sends[i].buf + 40, f.fp.sends[j].buf + 40, 8);
  query_stop(&f.q);
}

/* An NTS server: no request before its NTS-KE gave cookies, then sealed
 * requests to the port it named; only authentic replies count; its
 * cookies are saved (detached) at the end. */
static void test_nts_server_measured_after_its_ke(void **state)
{
  struct fixture *f = malloc(sizeof(*f));
  (void)state;
  init_nts(f, 1, true);
  assert_ptr_equal(f->nts.attached, &f->ntsc);
  assert_int_equal(f->nts.starts, 1);
  assert_int_equal(f->fp.n_sends, 0);
  fake_nts_ke_done(&f->nts, &f->ntsc, 4123);
  tick(f);
  assert_int_equal(f->fp.n_sends, 1);
  assert_int_equal(f->fp.sends[0].port, 4123);
  assert_true(f->fp.sends[0].len > NTP_HEADER_LEN);
  fake_nts_reply(&f->nts, FAKE_NTS_PLAIN, NULL);
  fake_nts_reply(&f->nts, FAKE_NTS_REPLY, &f->nts.c2s);
  assert_int_equal(f->servers[0].valid, 0);
  assert_int_equal(f->servers[0].unauthenticated, 2);
  for (int i = 0; i < QUERY_GOOD_SAMPLES; i++) {
    if (i > 0)
      tick(f);
    fake_nts_reply(&f->nts, FAKE_NTS_REPLY, &f->nts.s2c);
  }
  assert_int_equal(f->servers[0].valid, QUERY_GOOD_SAMPLES);
  assert_int_equal(f->done, 1);
  assert_ptr_equal(f->nts.detached, &f->ntsc);
  free(f);
}

/* A failed NTS-KE ends the server at once, unmeasured: no plain request. */
static void test_nts_ke_failure_finishes(void **state)
{
  struct fixture *f = malloc(sizeof(*f));
  (void)state;
  init_nts(f, 2, true);
  ntsc_ke_failed(&f->ntsc, NTSC_RETRY_FACTOR_TLS);
  assert_true(query_nts_failed(&f->servers[0]));
  answer(f, 0, 0.0, 0.01, 123);
  for (int i = 1; i < QUERY_GOOD_SAMPLES; i++) {
    tick(f);
    answer(f, f->fp.n_sends - 1, 0.0, 0.01, 123);
  }
  assert_int_equal(f->done, 1);
  assert_int_equal(f->reported[0], 1);
  for (unsigned i = 0; i < f->fp.n_sends; i++)
    assert_true(addr_equal(&f->fp.sends[i].to, &f->servers[1].addr));
  free(f);
}

/* A session that never ends: the server gives up after QUERY_MAX_TICKS. */
static void test_nts_ke_wait_bounded(void **state)
{
  struct fixture *f = malloc(sizeof(*f));
  (void)state;
  init_nts(f, 1, true);
  f->ntsc.ke_running = true;
  for (int i = 1; i < QUERY_MAX_TICKS && !f->done; i++)
    tick(f);
  assert_int_equal(f->done, 0);
  tick(f);
  assert_int_equal(f->done, 1);
  assert_int_equal(f->fp.n_sends, 0);
  free(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_three_samples_then_done_with_lowest_delay),
    cmocka_unit_test(test_fewer_samples_needed),
    cmocka_unit_test(test_gives_up_after_eight_requests),
    cmocka_unit_test(test_reply_from_wrong_port_ignored),
    cmocka_unit_test(test_requests_use_fresh_nonces),
    cmocka_unit_test(test_nts_server_measured_after_its_ke),
    cmocka_unit_test(test_nts_ke_failure_finishes),
    cmocka_unit_test(test_nts_ke_wait_bounded),
  };
  return cmocka_run_group_tests_name("query", tests, NULL, NULL);
}
