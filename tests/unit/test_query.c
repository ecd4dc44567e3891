#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "core/query.h"
#include "fake_platform.h"
#include "proto/ntp_packet.h"

struct fixture {
  struct fake_platform fp;
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

static void init(struct fixture *f, unsigned n)
{
  memset(f, 0, sizeof(*f));
  fake_platform_init(&f->fp);
  for (unsigned i = 0; i < n; i++) {
    snprintf(f->servers[i].name, sizeof(f->servers[i].name), "s%u", i);
    addr_parse(i == 0 ? "127.0.0.1" : "127.0.0.2", &f->servers[i].addr);
    f->servers[i].port = 123;
  }
  assert_true(query_start(&f->q, &f->fp.plat, NULL, f->servers, n, on_server, on_done, f));
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

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_three_samples_then_done_with_lowest_delay),
    cmocka_unit_test(test_gives_up_after_eight_requests),
    cmocka_unit_test(test_reply_from_wrong_port_ignored),
    cmocka_unit_test(test_requests_use_fresh_nonces),
  };
  return cmocka_run_group_tests_name("query", tests, NULL, NULL);
}
