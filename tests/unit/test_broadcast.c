/* broadcast (chronyd's server side of broadcast mode) on the recording
 * platform: the first packet an interval after start, then every interval;
 * mode 5, version 4, poll round(log2(interval)), our reference, the
 * transmit time stamped as it leaves; intervals limited to 1..2^24. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/broadcast.h"
#include "fake_platform.h"

static void test_packets(void **state)
{
  (void)state;
  struct fake_platform fp;
  struct refstate ref;
  struct bcast b;
  struct ip_addr a;
  struct ntp_header h;
  fake_platform_init(&fp);
  fp.now.tv_sec = 1700000000;
  ref_state_init(&ref, -20);
  ref_set_local(&ref, &(struct ref_local){.enabled = true, .stratum = 7, .distance = 1.0},
                &fp.now);
  bcast_init(&b, &fp.plat, &ref);
  assert_true(addr_parse("192.0.2.255", &a));
  assert_true(bcast_add(&b, &a, 1123, 100, 5));
  assert_true(fp.timer_delay == 100.0);
  assert_int_equal(fp.n_sends, 0);
  for (int k = 1; k <= 2; k++) {
    fp.timer_fn(fp.timer_arg);
    assert_int_equal(fp.n_sends, k);
    assert_true(fp.timer_delay == 100.0);
  }
  const struct fake_send *s = &fp.sends[1];
  assert_int_equal(s->sock, 5);
  assert_true(addr_equal(&s->to, &a));
  assert_int_equal(s->port, 1123);
  assert_int_equal(s->len, NTP_HEADER_LEN);
  assert_int_equal(s->flags, PLAT_SEND_STAMP_TRANSMIT);
  ntp_header_decode(s->buf, &h);
  assert_int_equal(h.mode, NTP_MODE_BROADCAST);
  assert_int_equal(h.version, 4);
  assert_int_equal(h.poll, 7);                  /* log2(100) = 6.64 */
  assert_int_equal(h.stratum, 7);
  assert_int_equal(h.leap, NTP_LEAP_NONE);
  assert_int_equal(h.precision, -20);
  assert_true(h.origin == 0 && h.receive == 0);
  bcast_stop(&b);
  assert_null(fp.timer_fn);
}

static void test_interval_limits(void **state)
{
  (void)state;
  struct fake_platform fp;
  struct refstate ref;
  struct bcast b;
  struct ip_addr a;
  struct ntp_header h;
  fake_platform_init(&fp);
  ref_state_init(&ref, -20);
  bcast_init(&b, &fp.plat, &ref);
  assert_true(addr_parse("ff02::101", &a));
  assert_true(bcast_add(&b, &a, 123, 0, 3));
  assert_true(fp.timer_delay == 1.0);
  fp.timer_fn(fp.timer_arg);
  ntp_header_decode(fp.sends[0].buf, &h);
  assert_int_equal(h.poll, 0);
  assert_int_equal(h.leap, NTP_LEAP_UNSYNC);   /* unsynchronised: sent as such */
  assert_true(bcast_add(&b, &a, 123, 1 << 30, 3));
  assert_true(fp.timer_delay == (double)(1 << 24));
  for (int i = 2; i < BCAST_MAX; i++)
    assert_true(bcast_add(&b, &a, 123, 64, 3));
  assert_false(bcast_add(&b, &a, 123, 64, 3));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_packets),
    cmocka_unit_test(test_interval_limits),
  };
  return cmocka_run_group_tests_name("broadcast", tests, NULL, NULL);
}
