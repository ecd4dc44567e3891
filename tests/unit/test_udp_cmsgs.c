/* Unit tests for the control messages of received datagrams (src/sys/udp.c):
 * what recvmsg's control buffer gives (kernel and hardware stamps, the
 * interface), and the malformed messages that are ignored (found by
 * fuzz/fuzz_udp_cmsgs.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#include <cmocka.h>

#include "sys/udp.h"

/* A control buffer being filled. */
struct control {
  _Alignas(struct cmsghdr) char buf[512];
  size_t len;
};

/* Append a message whose header claims `claimed` bytes of data. */
static void add(struct control *c, int level, int type, const void *data, size_t len,
                size_t claimed)
{
  struct cmsghdr *h = (struct cmsghdr *)(c->buf + c->len);
  h->cmsg_level = level;
  h->cmsg_type = type;
  h->cmsg_len = CMSG_LEN(claimed);
  memcpy(CMSG_DATA(h), data, len);
  c->len += CMSG_SPACE(len);
}

static void add_stamp(struct control *c, long sec, long nsec)
{
  struct scm_timestamping ts;
  memset(&ts, 0, sizeof(ts));
  ts.ts[0] = (struct timespec){sec, nsec};
  add(c, SOL_SOCKET, SCM_TIMESTAMPING, &ts, sizeof(ts), sizeof(ts));
}

/* Software time (sec 0: none) and raw hardware time. */
static void add_stamps(struct control *c, long sec, long nsec, long hw_sec, long hw_nsec)
{
  struct scm_timestamping ts;
  memset(&ts, 0, sizeof(ts));
  ts.ts[0] = (struct timespec){sec, nsec};
  ts.ts[2] = (struct timespec){hw_sec, hw_nsec};
  add(c, SOL_SOCKET, SCM_TIMESTAMPING, &ts, sizeof(ts), sizeof(ts));
}

static void add_tx_id(struct control *c, uint32_t id)
{
  struct sock_extended_err err = {.ee_errno = ENOMSG, .ee_origin = SO_EE_ORIGIN_TIMESTAMPING,
                                  .ee_data = id};
  add(c, SOL_IP, IP_RECVERR, &err, sizeof(err), sizeof(err));
}

/* The buffer copied to one of exactly its length (a read past it is caught
 * under AddressSanitizer), and parsed as a received datagram's. */
static struct plat_datagram parse_rx_hw(const struct control *c, size_t len,
                                        struct udp_hw_info *hw)
{
  struct plat_datagram dg;
  char *copy = malloc(len);
  assert_non_null(copy);
  memcpy(copy, c->buf, len);
  struct msghdr msg = {.msg_control = copy, .msg_controllen = len};
  memset(&dg, 0, sizeof(dg));
  udp_parse_rx_cmsgs(&msg, &dg, hw);
  free(copy);
  return dg;
}

static struct plat_datagram parse_rx(const struct control *c, size_t len)
{
  struct udp_hw_info hw;
  return parse_rx_hw(c, len, &hw);
}

static int parse_tx_hw(const struct control *c, uint32_t *id, struct timespec *t,
                       struct udp_hw_info *hw)
{
  struct msghdr msg = {.msg_control = (void *)c->buf, .msg_controllen = c->len};
  return udp_parse_tx_cmsgs(&msg, id, t, hw);
}

static int parse_tx(const struct control *c, uint32_t *id, struct timespec *t)
{
  struct udp_hw_info hw;
  return parse_tx_hw(c, id, t, &hw);
}

static void test_rx_time_and_address(void **state)
{
  struct control c = {.len = 0};
  struct in_pktinfo pi = {.ipi_addr = {htonl(0xc0000201)}};
  (void)state;
  add_stamp(&c, 1700000000, 5);
  add(&c, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi), sizeof(pi));
  struct plat_datagram dg = parse_rx(&c, c.len);
  assert_int_equal(dg.rx_source, PLAT_TS_KERNEL);
  assert_true(dg.rx_time.tv_sec == 1700000000 && dg.rx_time.tv_nsec == 5);
  assert_int_equal(dg.local.family, ADDR_INET4);
  assert_int_equal(dg.local.bytes[0], 192);
  assert_int_equal(dg.local.bytes[3], 1);
}

/* A message shorter than its data at the end of the buffer: it was read
 * past the buffer. */
static void test_rx_short_message_ignored(void **state)
{
  struct control c = {.len = 0};
  struct timespec t = {1700000000, 5};
  (void)state;
  add(&c, SOL_SOCKET, SCM_TIMESTAMPING, &t, sizeof(t), sizeof(t));
  assert_int_not_equal(parse_rx(&c, c.len).rx_source, PLAT_TS_KERNEL);
  c.len = 0;
  add(&c, SOL_SOCKET, SCM_TIMESTAMPNS, &t, sizeof(t), sizeof(t));
  assert_int_not_equal(parse_rx(&c, CMSG_LEN(sizeof(t)) - 4).rx_source, PLAT_TS_KERNEL);
}

/* A time whose nanoseconds are not in [0, 1e9) is not one: it was taken. */
static void test_unnormalised_times_ignored(void **state)
{
  static const long bad_nsec[] = {-1, 1000000000, -4294967296L};
  uint32_t id;
  struct timespec t;
  (void)state;
  for (size_t i = 0; i < sizeof(bad_nsec) / sizeof(bad_nsec[0]); i++) {
    struct control c = {.len = 0};
    add_stamp(&c, 1700000000, bad_nsec[i]);
    assert_int_not_equal(parse_rx(&c, c.len).rx_source, PLAT_TS_KERNEL);
    add_tx_id(&c, 7);
    assert_int_equal(parse_tx(&c, &id, &t), -ENOMSG);
  }
}

static void test_tx_time_and_id(void **state)
{
  struct control c = {.len = 0};
  uint32_t id = 0;
  struct timespec t;
  (void)state;
  add_stamp(&c, 1700000000, 999999999);
  add_tx_id(&c, 7);
  assert_int_equal(parse_tx(&c, &id, &t), 0);
  assert_int_equal(id, 7);
  assert_true(t.tv_sec == 1700000000 && t.tv_nsec == 999999999);
  c.len = 0;
  add_tx_id(&c, 7);
  assert_int_equal(parse_tx(&c, &id, &t), -ENOMSG);   /* no time */
}

/* A NIC's stamp with the interface that made it: SCM_TIMESTAMPING_PKTINFO's
 * (with the frame's length) rather than IP_PKTINFO's. */
static void test_rx_hardware_stamp(void **state)
{
  struct control c = {.len = 0};
  struct in_pktinfo pi = {.ipi_ifindex = 3, .ipi_addr = {htonl(0xc0000201)}};
  struct scm_ts_pktinfo tpi = {.if_index = 5, .pkt_length = 90};
  struct udp_hw_info hw;
  (void)state;
  add_stamps(&c, 1700000000, 5, 1600000000, 7);
  add(&c, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi), sizeof(pi));
  struct plat_datagram dg = parse_rx_hw(&c, c.len, &hw);
  assert_int_equal(dg.rx_source, PLAT_TS_KERNEL);
  assert_true(dg.rx_time.tv_sec == 1700000000 && dg.rx_time.tv_nsec == 5);
  assert_true(hw.hw.tv_sec == 1600000000 && hw.hw.tv_nsec == 7);
  assert_int_equal(hw.if_index, 3);
  assert_int_equal(hw.l2_len, 0);
  add(&c, SOL_SOCKET, SCM_TIMESTAMPING_PKTINFO, &tpi, sizeof(tpi), sizeof(tpi));
  parse_rx_hw(&c, c.len, &hw);
  assert_int_equal(hw.if_index, 5);
  assert_int_equal(hw.l2_len, 90);
  /* IPv6 */
  struct in6_pktinfo pi6 = {.ipi6_ifindex = 4};
  c.len = 0;
  add_stamps(&c, 0, 0, 1600000000, 7);
  add(&c, IPPROTO_IPV6, IPV6_PKTINFO, &pi6, sizeof(pi6), sizeof(pi6));
  dg = parse_rx_hw(&c, c.len, &hw);
  assert_int_not_equal(dg.rx_source, PLAT_TS_KERNEL);   /* no software stamp */
  assert_int_equal(hw.if_index, 4);
  assert_int_equal(dg.local.family, ADDR_INET6);
}

/* A hardware time not normalised, or a short SCM_TIMESTAMPING_PKTINFO, is
 * not taken. */
static void test_rx_bad_hardware_ignored(void **state)
{
  struct control c = {.len = 0};
  struct scm_ts_pktinfo tpi = {.if_index = 5, .pkt_length = 90};
  struct udp_hw_info hw;
  (void)state;
  add_stamps(&c, 1700000000, 5, 1600000000, 1000000000);
  add(&c, SOL_SOCKET, SCM_TIMESTAMPING_PKTINFO, &tpi, sizeof(tpi), sizeof(tpi) - 1);
  struct plat_datagram dg = parse_rx_hw(&c, c.len, &hw);
  assert_int_equal(dg.rx_source, PLAT_TS_KERNEL);
  assert_true(hw.hw.tv_sec == 0 && hw.hw.tv_nsec == 0);
  assert_int_equal(hw.if_index, 0);
}

/* A transmit stamp of the NIC only (OPT_TX_SWHW sends it apart from the
 * kernel's), its interface from the packet's IP_PKTINFO. */
static void test_tx_hardware_stamp(void **state)
{
  struct control c = {.len = 0};
  struct in_pktinfo pi = {.ipi_ifindex = 3};
  struct udp_hw_info hw;
  uint32_t id = 0;
  struct timespec t;
  (void)state;
  add_stamps(&c, 0, 0, 1600000000, 9);
  add_tx_id(&c, 8);
  add(&c, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi), sizeof(pi));
  assert_int_equal(parse_tx_hw(&c, &id, &t, &hw), 0);
  assert_int_equal(id, 8);
  assert_true(t.tv_sec == 0 && t.tv_nsec == 0);
  assert_true(hw.hw.tv_sec == 1600000000 && hw.hw.tv_nsec == 9);
  assert_int_equal(hw.if_index, 3);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rx_time_and_address),
    cmocka_unit_test(test_rx_short_message_ignored),
    cmocka_unit_test(test_unnormalised_times_ignored),
    cmocka_unit_test(test_tx_time_and_id),
    cmocka_unit_test(test_rx_hardware_stamp),
    cmocka_unit_test(test_rx_bad_hardware_ignored),
    cmocka_unit_test(test_tx_hardware_stamp),
  };
  return cmocka_run_group_tests_name("udp_cmsgs", tests, NULL, NULL);
}
