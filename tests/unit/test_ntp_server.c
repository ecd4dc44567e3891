#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>

#include "core/ntp_server.h"
#include "fake_platform.h"
#include "proto/ntp_packet.h"

struct fixture {
  struct fake_platform fp;
  struct refstate ref;
  struct ntp_server srv;
  uint8_t req[128];
  size_t req_len;
  struct plat_datagram dg;
  uint8_t reply[64];
};

#define CLIENT_TX 0xe1a2b3c4d5e6f708ULL

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  fake_platform_init(&f->fp);
  refstate_init(&f->ref, -24);
  refstate_set_local(&f->ref, true, 3);
  srv_init(&f->srv, &f->fp.plat, &f->ref);
  struct ip_subnet any = {0};
  access_add(&f->srv.access, &any, true, false);

  struct ntp_header h = {.version = 4, .mode = NTP_MODE_CLIENT, .poll = 6,
                         .transmit = CLIENT_TX};
  ntp_header_encode(&h, f->req);
  f->req_len = NTP_HEADER_LEN;
  f->dg.data = f->req;
  addr_parse("127.0.0.1", &f->dg.from);
  f->dg.from_port = 40000;
  f->dg.rx_time = (struct timespec){1700000000, 250000000};
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  srv_free(&f->srv);
  free(f);
  return 0;
}

static size_t process(struct fixture *f)
{
  f->dg.len = f->req_len;
  return srv_process(&f->srv, &f->dg, f->reply, sizeof(f->reply));
}

static void set_byte0(struct fixture *f, int leap, int version, int mode)
{
  f->req[0] = (uint8_t)(leap << 6 | version << 3 | mode);
}

static void test_reply_fields_local_stratum(void **state)
{
  struct fixture *f = *state;
  struct ntp_header r;
  assert_int_equal(process(f), NTP_HEADER_LEN);
  ntp_header_decode(f->reply, &r);
  assert_int_equal(r.mode, NTP_MODE_SERVER);
  assert_int_equal(r.version, 4);
  assert_int_equal(r.leap, NTP_LEAP_NONE);
  assert_int_equal(r.stratum, 3);
  assert_int_equal(r.poll, 6);
  assert_int_equal(r.precision, -24);
  assert_int_equal(r.refid, REFID_LOCAL);
  assert_true(r.origin == CLIENT_TX);
  assert_true(r.receive == ntp_ts_from_timespec(&f->dg.rx_time));
  struct timespec ref = f->dg.rx_time;
  ref.tv_sec -= 1;
  assert_true(r.reference == ntp_ts_from_timespec(&ref));
  assert_true(r.transmit == 0);  /* stamped by the platform when sent */
  assert_int_equal(r.root_delay, 0);
  assert_int_equal(r.root_dispersion, ntp_short_from_double(1.0 / (1 << 24)));
  assert_int_equal(f->srv.stats.received, 1);
}

static void test_unsynchronised_reply(void **state)
{
  struct fixture *f = *state;
  struct ntp_header r;
  refstate_set_local(&f->ref, false, 0);
  assert_int_equal(process(f), NTP_HEADER_LEN);
  ntp_header_decode(f->reply, &r);
  assert_int_equal(r.leap, NTP_LEAP_UNSYNC);
  assert_int_equal(r.stratum, 0);
  assert_int_equal(r.refid, 0);
  assert_true(r.reference == 0);
  assert_int_equal(r.root_delay, ntp_short_from_double(1.0));
}

static void test_old_versions_copied(void **state)
{
  struct fixture *f = *state;
  struct ntp_header r;
  for (int v = 1; v <= 3; v++) {
    set_byte0(f, 0, v, NTP_MODE_CLIENT);
    assert_int_equal(process(f), NTP_HEADER_LEN);
    ntp_header_decode(f->reply, &r);
    assert_int_equal(r.version, v);
    assert_int_equal(r.mode, NTP_MODE_SERVER);
  }
}

static void test_non_request_modes_dropped(void **state)
{
  struct fixture *f = *state;
  int modes[] = {0, 2, 4, 5, 6, 7};
  for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    set_byte0(f, 0, 4, modes[i]);
    assert_int_equal(process(f), 0);
  }
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_MODE], 6);
}

static void test_symmetric_active_gets_passive_reply(void **state)
{
  struct fixture *f = *state;
  struct ntp_header r;
  set_byte0(f, 0, 4, NTP_MODE_ACTIVE);
  assert_int_equal(process(f), NTP_HEADER_LEN);
  ntp_header_decode(f->reply, &r);
  assert_int_equal(r.mode, NTP_MODE_PASSIVE);
  assert_true(r.origin == CLIENT_TX);
}

static void test_ntpv1_mode0_is_a_client_request_unless_from_port_123(void **state)
{
  struct fixture *f = *state;
  struct ntp_header r;
  set_byte0(f, 0, 1, 0);
  assert_int_equal(process(f), NTP_HEADER_LEN);
  ntp_header_decode(f->reply, &r);
  assert_int_equal(r.mode, NTP_MODE_SERVER);
  assert_int_equal(r.version, 1);
  f->dg.from_port = NTP_PORT;
  assert_int_equal(process(f), 0);
  set_byte0(f, 0, 2, 0);
  f->dg.from_port = 40000;
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_MODE], 2);
}

static void test_bad_versions_dropped(void **state)
{
  struct fixture *f = *state;
  int versions[] = {0, 5, 6, 7};
  for (unsigned i = 0; i < 4; i++) {
    set_byte0(f, 0, versions[i], NTP_MODE_CLIENT);
    assert_int_equal(process(f), 0);
  }
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_FORMAT], 4);
}

static void test_short_and_odd_lengths_dropped(void **state)
{
  struct fixture *f = *state;
  size_t lens[] = {0, 1, 47, 49, 50, 51};
  for (unsigned i = 0; i < 6; i++) {
    f->req_len = lens[i];
    assert_int_equal(process(f), 0);
  }
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_FORMAT], 6);
  assert_int_equal(f->srv.stats.replied, 0);
}

static void test_bad_extension_field_dropped(void **state)
{
  struct fixture *f = *state;
  /* one field claiming 12 bytes: below the RFC 7822 minimum */
  uint8_t ef[] = {0x12, 0x34, 0x00, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  memcpy(f->req + NTP_HEADER_LEN, ef, sizeof(ef));
  f->req_len = NTP_HEADER_LEN + sizeof(ef);
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_FORMAT], 1);
}

static void test_unknown_extension_field_answered_shorter(void **state)
{
  struct fixture *f = *state;
  uint8_t ef[28] = {0x7f, 0x01, 0x00, 28};
  memcpy(f->req + NTP_HEADER_LEN, ef, sizeof(ef));
  f->req_len = NTP_HEADER_LEN + sizeof(ef);
  size_t n = process(f);
  assert_int_equal(n, NTP_HEADER_LEN);
  assert_true(n <= f->req_len);
}

static void test_mac_without_keys_dropped(void **state)
{
  struct fixture *f = *state;
  memset(f->req + NTP_HEADER_LEN, 0xab, 20);  /* key id + 16-byte digest */
  f->req_len = NTP_HEADER_LEN + 20;
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_AUTH], 1);
}

static void test_denied_address_dropped(void **state)
{
  struct fixture *f = *state;
  struct ip_subnet net;
  assert_true(subnet_parse("127.0.0.1", &net));
  access_add(&f->srv.access, &net, false, false);
  assert_int_equal(process(f), 0);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_ACCESS], 1);
  addr_parse("127.0.0.2", &f->dg.from);
  assert_int_equal(process(f), NTP_HEADER_LEN);
}

static void test_receive_sends_with_transmit_stamp(void **state)
{
  struct fixture *f = *state;
  f->dg.len = f->req_len;
  srv_receive(&f->srv, 7, &f->dg);
  assert_int_equal(f->fp.n_sends, 1);
  assert_int_equal(f->fp.sends[0].sock, 7);
  assert_int_equal(f->fp.sends[0].port, 40000);
  assert_true(addr_equal(&f->fp.sends[0].to, &f->dg.from));
  assert_int_equal(f->fp.sends[0].len, NTP_HEADER_LEN);
  assert_true(f->fp.sends[0].flags & PLAT_SEND_STAMP_TRANSMIT);
  assert_int_equal(f->srv.stats.replied, 1);
  f->fp.send_result = -1;
  srv_receive(&f->srv, 7, &f->dg);
  assert_int_equal(f->srv.stats.dropped[SRV_DROP_SEND], 1);
  assert_int_equal(f->srv.stats.replied, 1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
    T(test_reply_fields_local_stratum),
    T(test_unsynchronised_reply),
    T(test_old_versions_copied),
    T(test_non_request_modes_dropped),
    T(test_symmetric_active_gets_passive_reply),
    T(test_ntpv1_mode0_is_a_client_request_unless_from_port_123),
    T(test_bad_versions_dropped),
    T(test_short_and_odd_lengths_dropped),
    T(test_bad_extension_field_dropped),
    T(test_unknown_extension_field_answered_shorter),
    T(test_mac_without_keys_dropped),
    T(test_denied_address_dropped),
    T(test_receive_sends_with_transmit_stamp),
  };
  return cmocka_run_group_tests_name("ntp_server", tests, NULL, NULL);
}
