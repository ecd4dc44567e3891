/* sys/udp: the options a socket is opened with (struct udp_options):
 * chronyd's dscp in the TOS byte / traffic class, its bind*device as
 * SO_BINDTODEVICE (a device the kernel does not know fails the open), and
 * SO_REUSEPORT; with hardware timestamping asked for (hw_flags), the
 * socket's SO_TIMESTAMPING and the transmit stamps of loopback, which has
 * no hardware ones: the kernel's, with the interface and the length of
 * the frame that came back.
 * Binding to a device needs CAP_NET_RAW on older kernels: that check is
 * skipped without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto/ntp_packet.h"
#include "sys/udp.h"

static int int_option(int fd, int level, int name)
{
  int v = -1;
  socklen_t len = sizeof(v);
  assert_int_equal(getsockopt(fd, level, name, &v, &len), 0);
  return v;
}

/* The local port a socket is bound to. */
static uint16_t bound_port(int fd)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  uint16_t port;
  struct ip_addr self;
  assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
  udp_from_sockaddr(&ss, &self, &port);
  return port;
}

static void test_dscp(void **state)
{
  (void)state;
  struct udp_options o = {.dscp = 46};
  int fd = udp_open(ADDR_INET4, NULL, 0, &o);
  assert_true(fd >= 0);
  assert_int_equal(int_option(fd, IPPROTO_IP, IP_TOS), 46 << 2);
  close(fd);
  fd = udp_open(ADDR_INET6, NULL, 0, &o);
  if (fd >= 0) {                           /* where IPv6 is enabled */
    assert_int_equal(int_option(fd, IPPROTO_IPV6, IPV6_TCLASS), 46 << 2);
    close(fd);
  }
  fd = udp_open(ADDR_INET4, NULL, 0, NULL);
  assert_true(fd >= 0);
  assert_int_equal(int_option(fd, IPPROTO_IP, IP_TOS), 0);
  assert_int_equal(int_option(fd, SOL_SOCKET, SO_REUSEPORT), 0);
  close(fd);
}

static void test_device(void **state)
{
  (void)state;
  struct udp_options o = {.device = "lo"};
  char name[UDP_DEVICE_LEN] = "";
  socklen_t len = sizeof(name);
  int fd = udp_open(ADDR_INET4, NULL, 0, &o);
  if (fd == -EPERM)
    skip();
  assert_true(fd >= 0);
  assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len), 0);
  assert_string_equal(name, "lo");
  close(fd);
  struct udp_options bad = {.device = "nosuchdev0"};
  assert_int_equal(udp_open(ADDR_INET4, NULL, 0, &bad), -ENODEV);
}

static void test_reuseport(void **state)
{
  (void)state;
  struct udp_options o = {.reuseport = true};
  int fd = udp_open(ADDR_INET4, NULL, 0, &o);
  assert_true(fd >= 0);
  assert_int_equal(int_option(fd, SOL_SOCKET, SO_REUSEPORT), 1);
  close(fd);
}

static void test_hardware_flags(void **state)
{
  (void)state;
  struct udp_options o = {.hw_flags = UDP_HW_FLAGS};
  struct ip_addr lo;
  addr_parse("127.0.0.1", &lo);
  int fd = udp_open(ADDR_INET4, &lo, 0, &o);
  assert_true(fd >= 0);
  assert_int_equal(int_option(fd, SOL_SOCKET, SO_TIMESTAMPING) & UDP_HW_FLAGS, UDP_HW_FLAGS);
  assert_int_equal(udp_enable_tx_timestamps(fd, UDP_HW_FLAGS), 0);
  int flags = int_option(fd, SOL_SOCKET, SO_TIMESTAMPING);
  assert_int_equal(flags & SOF_TIMESTAMPING_OPT_TSONLY, 0);   /* the packet comes back */
  assert_int_not_equal(flags & SOF_TIMESTAMPING_OPT_CMSG, 0);
  uint16_t port = bound_port(fd);
  uint8_t buf[48] = {0x23};
  assert_int_equal(udp_send(fd, NULL, &lo, port, buf, sizeof(buf),
                            UDP_SEND_TX_TIMESTAMP | UDP_SEND_TX_HARDWARE, NULL), 0);
  struct pollfd p = {.fd = fd, .events = 0};
  assert_int_equal(poll(&p, 1, 5000), 1);             /* POLLERR: the error queue */
  uint32_t id = 99;
  struct timespec t;
  struct udp_hw_info hw;
  assert_int_equal(udp_read_tx_timestamp(fd, &id, &t, &hw), 0);
  assert_int_equal(id, 0);
  assert_true(t.tv_sec > 0);
  assert_true(hw.hw.tv_sec == 0 && hw.hw.tv_nsec == 0);
  assert_int_equal(hw.if_index, (int)if_nametoindex("lo"));
  /* The frame came back: Ethernet, IPv4 and UDP headers and the data. */
  assert_int_equal(hw.l2_len, 14 + 20 + 8 + (int)sizeof(buf));
  close(fd);
}

/* Datagrams prepared with udp_out_prepare leave with one udp_send_batch,
 * in order, each stamped (bytes 40-47) when it was prepared (the third
 * with its lowest bit cleared); a datagram too long for a slot is
 * refused. */
static void test_send_batch(void **state)
{
  (void)state;
  struct ip_addr lo;
  addr_parse("127.0.0.1", &lo);
  int fd = udp_open(ADDR_INET4, &lo, 0, NULL);
  assert_true(fd >= 0);
  uint16_t port = bound_port(fd);
  static struct udp_out out[3];
  struct mmsghdr msgs[3];
  struct timespec sent[3];
  for (int i = 0; i < 3; i++) {
    uint8_t buf[48] = {(uint8_t)i};
    unsigned flags = UDP_SEND_STAMP_TRANSMIT | (i == 2 ? UDP_SEND_STAMP_EVEN : 0);
    assert_int_equal(udp_out_prepare(&out[i], &msgs[i], NULL, &lo, port, buf, sizeof(buf),
                                     flags, &sent[i]), 0);
  }
  static uint8_t big[UDP_OUT_MAX + 1];
  struct timespec t;
  assert_int_equal(udp_out_prepare(&out[0], &msgs[0], NULL, &lo, port, big, sizeof(big), 0, &t),
                   -EMSGSIZE);
  assert_int_equal(udp_out_prepare(&out[0], &msgs[0], NULL, &lo, port, (uint8_t[48]){0}, 48,
                                   UDP_SEND_STAMP_TRANSMIT, &sent[0]), 0);
  assert_int_equal(udp_send_batch(fd, msgs, 3), 3);
  for (int i = 0; i < 3; i++) {
    uint8_t got[64];
    assert_int_equal(recv(fd, got, sizeof(got), 0), 48);
    assert_int_equal(got[0], i);
    uint64_t stamp = 0;
    for (int k = 40; k < 48; k++)
      stamp = stamp << 8 | got[k];
    ntp_ts want = ntp_ts_from_timespec(&sent[i]);
    assert_true(stamp == (i == 2 ? want & ~(ntp_ts)1 : want));
  }
  close(fd);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hardware_flags),
    cmocka_unit_test(test_dscp),
    cmocka_unit_test(test_device),
    cmocka_unit_test(test_reuseport),
    cmocka_unit_test(test_send_batch),
  };
  return cmocka_run_group_tests_name("udp_options", tests, NULL, NULL);
}
