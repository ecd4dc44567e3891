/* hwtstimeout (ntp_source's saved reply, chronyd's save_response): with
 * hardware timestamping on, the first valid reply to a request whose
 * transmit stamp is not yet the NIC's waits for it, once the source gave a
 * good sample; the NIC's stamp, the timeout, a second reply or the next
 * request has it used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>

#include "core/ntp_source.h"
#include "fake_platform.h"
#include "source_fixture.h"
#include "proto/ntp_packet.h"

#define TIMEOUT 0.01

struct fixture {
  struct source_fixture s;
};

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  source_fixture_init(&f->s);
  source_fixture_start(&f->s);
  f->s.src.hwts_timeout = TIMEOUT;
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  source_fixture_fini(&f->s);
  free(f);
  return 0;
}

/* The next request (the fake platform keeps one timer: the source's). */
static void send_request(struct fixture *f)
{
  f->s.fp.now = timespec_add_double(&f->s.fp.now, 16.0);
  assert_non_null(f->s.fp.timer_fn);
  f->s.fp.timer_fn(f->s.fp.timer_arg);
  assert_true(f->s.src.sock >= 0);
}

/* A server's answer to the last request, 3 ms after it left. */
static void reply(struct fixture *f)
{
  uint8_t buf[NTP_HEADER_LEN];
  struct ntp_header req, h;
  ntp_header_decode(f->s.fp.sends[f->s.fp.n_sends - 1].buf, &req);
  struct timespec t2 = timespec_add_double(&f->s.fp.now, 0.001);
  struct timespec t3 = timespec_add_double(&f->s.fp.now, 0.002);
  memset(&h, 0, sizeof(h));
  h.version = req.version;
  h.mode = NTP_MODE_SERVER;
  h.stratum = 2;
  h.precision = -20;
  h.refid = 0xC0000202u;
  h.origin = req.transmit;
  h.receive = ntp_ts_from_timespec(&t2);
  h.transmit = ntp_ts_from_timespec(&t3);
  ntp_header_encode(&h, buf);
  struct plat_datagram dg = {.data = buf, .len = sizeof(buf), .from = f->s.p.addr,
                             .from_port = f->s.p.port,
                             .rx_time = timespec_add_double(&f->s.fp.now, 0.003)};
  f->s.fp.recv_fn(f->s.fp.recv_arg, f->s.src.sock, &dg);
}

/* One good sample, then a request whose reply waits. */
static void saved_reply(struct fixture *f)
{
  nsrc_start(&f->s.src);
  send_request(f);
  reply(f);
  assert_int_equal(f->s.samples, 1);     /* no good sample before: not saved */
  send_request(f);
  reply(f);
  assert_int_equal(f->s.samples, 1);
  assert_int_equal(f->s.src.counters[NSRC_RX_VALID], 1);
  assert_true(f->s.src.sock >= 0);       /* the request still waits */
  assert_float_equal(f->s.fp.timer_delay, TIMEOUT, 0.0);
}

static void test_used_at_the_hardware_stamp(void **state)
{
  struct fixture *f = *state;
  saved_reply(f);
  struct timespec tx = timespec_add_double(&f->s.fp.now, 20e-6);
  /* The kernel's stamp does not end the wait; the NIC's does. */
  assert_true(nsrc_tx_timestamp(&f->s.src, f->s.src.sock, f->s.src.nonce, &tx, PLAT_TS_KERNEL));
  assert_int_equal(f->s.samples, 1);
  assert_true(nsrc_tx_timestamp(&f->s.src, f->s.src.sock, f->s.src.nonce, &tx, PLAT_TS_HARDWARE));
  assert_int_equal(f->s.samples, 2);
  assert_int_equal(f->s.src.last.m.tx_source, PLAT_TS_HARDWARE);
  assert_true(f->s.src.sock < 0);
}

static void test_used_at_the_timeout(void **state)
{
  struct fixture *f = *state;
  saved_reply(f);
  f->s.fp.timer_fn(f->s.fp.timer_arg);
  assert_int_equal(f->s.samples, 2);
  assert_int_equal(f->s.src.last.m.tx_source, PLAT_TS_DAEMON);
}

/* A second reply to the request: the first is used, the second dropped. */
static void test_second_reply(void **state)
{
  struct fixture *f = *state;
  saved_reply(f);
  reply(f);
  assert_int_equal(f->s.samples, 2);
  assert_int_equal(f->s.src.counters[NSRC_RX_VALID], 2);
  assert_true(f->s.src.sock < 0);
}

/* The next request goes out with the saved reply used first. */
static void test_used_before_the_next_request(void **state)
{
  struct fixture *f = *state;
  saved_reply(f);
  /* The wait's timer replaced the fake's one slot: the request timer is
   * called by hand. */
  f->s.fp.timer_fn = NULL;
  tclass_cancel(&f->s.src.tx_timer);
  nsrc_start(&f->s.src);
  send_request(f);
  assert_int_equal(f->s.samples, 2);
  assert_int_equal(f->s.src.counters[NSRC_RX_VALID], 2);
}

static void test_off_without_hardware_timestamping(void **state)
{
  struct fixture *f = *state;
  f->s.src.hwts_timeout = 0.0;
  nsrc_start(&f->s.src);
  send_request(f);
  reply(f);
  send_request(f);
  reply(f);
  assert_int_equal(f->s.samples, 2);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_used_at_the_hardware_stamp, setup, teardown),
    cmocka_unit_test_setup_teardown(test_used_at_the_timeout, setup, teardown),
    cmocka_unit_test_setup_teardown(test_second_reply, setup, teardown),
    cmocka_unit_test_setup_teardown(test_used_before_the_next_request, setup, teardown),
    cmocka_unit_test_setup_teardown(test_off_without_hardware_timestamping, setup, teardown),
  };
  return cmocka_run_group_tests_name("hwtstimeout", tests, NULL, NULL);
}
