/* Unit tests for src/sys/hwnic.c against a fake NIC: hardware timestamping
 * switched on with chronyd's choice of receive filter, the interfaces that
 * cannot (no such interface, no hardware stamps, no PHC, a refused
 * setting unless it is already there), and the link speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <net/if.h>

#include "sys/hwnic.h"

#define FAKE_FD 7
#define ALL_HW                                                                          \
  (SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_TX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE)

/* The fake NIC: what it offers and what it was told. */
static struct {
  bool exists;
  unsigned so_timestamping, rx_filters;
  int phc_index;
  int set_errno;                   /* SIOCSHWTSTAMP refused */
  struct hwtstamp_config current;  /* what SIOCGHWTSTAMP reads */
  bool have_set;
  struct hwtstamp_config set;      /* SIOCSHWTSTAMP's */
  int gset_errno;
  uint32_t speed;
  int open, closed;
} nic;

static int fake_socket(int domain, int type, int protocol)
{
  (void)domain, (void)type, (void)protocol;
  nic.open++;
  return FAKE_FD;
}

static int fake_close(int fd)
{
  assert_int_equal(fd, FAKE_FD);
  nic.closed++;
  return 0;
}

static int refuse(int err)
{
  errno = err;
  return -1;
}

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
  struct ifreq *req = arg;
  assert_int_equal(fd, FAKE_FD);
  if (!nic.exists || strcmp(req->ifr_name, "eth0") != 0)
    return refuse(ENODEV);
  switch (request) {
  case SIOCGIFINDEX:
    req->ifr_ifindex = 4;
    return 0;
  case SIOCETHTOOL: {
    uint32_t cmd;
    memcpy(&cmd, req->ifr_data, sizeof(cmd));
    if (cmd == ETHTOOL_GET_TS_INFO) {
      struct ethtool_ts_info *info = (struct ethtool_ts_info *)req->ifr_data;
      info->so_timestamping = nic.so_timestamping;
      info->rx_filters = nic.rx_filters;
      info->phc_index = nic.phc_index;
      return 0;
    }
    assert_int_equal(cmd, ETHTOOL_GSET);
    if (nic.gset_errno)
      return refuse(nic.gset_errno);
    ethtool_cmd_speed_set((struct ethtool_cmd *)req->ifr_data, nic.speed);
    return 0;
  }
  case SIOCSHWTSTAMP:
    memcpy(&nic.set, req->ifr_data, sizeof(nic.set));
    nic.have_set = true;
    if (nic.set_errno)
      return refuse(nic.set_errno);
    nic.current = nic.set;
    return 0;
  case SIOCGHWTSTAMP:
    memcpy(req->ifr_data, &nic.current, sizeof(nic.current));
    return 0;
  default:
    return refuse(EINVAL);
  }
}

static const struct hwnic_io io = {fake_socket, fake_ioctl, fake_close};

static int setup(void **state)
{
  (void)state;
  memset(&nic, 0, sizeof(nic));
  nic.exists = true;
  nic.so_timestamping = ALL_HW | SOF_TIMESTAMPING_SOFTWARE;
  nic.rx_filters = 1u << HWTSTAMP_FILTER_NONE | 1u << HWTSTAMP_FILTER_ALL |
                   1u << HWTSTAMP_FILTER_NTP_ALL;
  nic.speed = 10000;
  return 0;
}

/* The filter set for `asked` on a NIC offering `offered`. */
static int filter_for(enum plat_rxfilter asked, unsigned offered, struct plat_nic *out)
{
  nic.rx_filters = offered;
  nic.have_set = false;
  assert_int_equal(hwnic_enable(&io, "eth0", asked, out), 0);
  assert_true(nic.have_set);
  assert_int_equal(nic.set.tx_type, HWTSTAMP_TX_ON);
  assert_int_equal(nic.set.flags, 0);
  return nic.set.rx_filter;
}

static void test_enable_default_filter(void **state)
{
  struct plat_nic n;
  unsigned none = 1u << HWTSTAMP_FILTER_NONE, all = 1u << HWTSTAMP_FILTER_ALL;
  unsigned ntp = 1u << HWTSTAMP_FILTER_NTP_ALL;
  (void)state;
  assert_int_equal(filter_for(PLAT_RXFILTER_ANY, none | all | ntp, &n), HWTSTAMP_FILTER_NTP_ALL);
  assert_int_equal(n.if_index, 4);
  assert_true(n.rx);
  assert_int_equal(filter_for(PLAT_RXFILTER_ANY, none | all, &n), HWTSTAMP_FILTER_ALL);
  assert_true(n.rx);
  /* A NIC stamping PTP packets only: transmit stamps alone. */
  unsigned ptp = 1u << HWTSTAMP_FILTER_PTP_V2_L4_EVENT;
  assert_int_equal(filter_for(PLAT_RXFILTER_ANY, none | ptp, &n), HWTSTAMP_FILTER_NONE);
  assert_false(n.rx);
  assert_int_equal(nic.open, nic.closed);
}

static void test_enable_asked_filter(void **state)
{
  struct plat_nic n;
  unsigned none = 1u << HWTSTAMP_FILTER_NONE, all = 1u << HWTSTAMP_FILTER_ALL;
  unsigned l4 = 1u << HWTSTAMP_FILTER_PTP_V2_L4_EVENT, v2 = 1u << HWTSTAMP_FILTER_PTP_V2_EVENT;
  (void)state;
  assert_int_equal(filter_for(PLAT_RXFILTER_NONE, none | all, &n), HWTSTAMP_FILTER_NONE);
  assert_false(n.rx);
  assert_int_equal(filter_for(PLAT_RXFILTER_ALL, none, &n), HWTSTAMP_FILTER_ALL);
  /* ntp is asked for as such, whatever the NIC says (chronyd's). */
  assert_int_equal(filter_for(PLAT_RXFILTER_NTP, none | all, &n), HWTSTAMP_FILTER_NTP_ALL);
  assert_int_equal(filter_for(PLAT_RXFILTER_PTP, none | l4 | v2, &n),
                   HWTSTAMP_FILTER_PTP_V2_L4_EVENT);
  assert_int_equal(filter_for(PLAT_RXFILTER_PTP, none | v2, &n), HWTSTAMP_FILTER_PTP_V2_EVENT);
  assert_int_equal(filter_for(PLAT_RXFILTER_PTP, none | all, &n), HWTSTAMP_FILTER_NONE);
  assert_false(n.rx);
}

static void test_cannot_enable(void **state)
{
  struct plat_nic n;
  (void)state;
  assert_int_equal(hwnic_enable(&io, "eth1", PLAT_RXFILTER_ANY, &n), -ENODEV);
  assert_int_equal(hwnic_enable(&io, "a-name-too-long-for-linux", PLAT_RXFILTER_ANY, &n),
                   -ENODEV);
  nic.so_timestamping = SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE;
  assert_int_equal(hwnic_enable(&io, "eth0", PLAT_RXFILTER_ANY, &n), -EOPNOTSUPP);
  nic.so_timestamping = ALL_HW;
  nic.phc_index = -1;
  assert_int_equal(hwnic_enable(&io, "eth0", PLAT_RXFILTER_ANY, &n), -EOPNOTSUPP);
  assert_false(nic.have_set);
  nic.phc_index = 0;
  nic.set_errno = EPERM;
  assert_int_equal(hwnic_enable(&io, "eth0", PLAT_RXFILTER_ANY, &n), -EPERM);
  assert_int_equal(nic.open, nic.closed);
}

/* A NIC whose setting can only be read, already as asked: taken. */
static void test_read_only_setting(void **state)
{
  struct plat_nic n;
  (void)state;
  nic.set_errno = EOPNOTSUPP;
  nic.current = (struct hwtstamp_config){.tx_type = HWTSTAMP_TX_ON,
                                         .rx_filter = HWTSTAMP_FILTER_NTP_ALL};
  assert_int_equal(hwnic_enable(&io, "eth0", PLAT_RXFILTER_ANY, &n), 0);
  assert_true(n.rx);
  nic.current.rx_filter = HWTSTAMP_FILTER_ALL;
  assert_int_equal(hwnic_enable(&io, "eth0", PLAT_RXFILTER_ANY, &n), -EOPNOTSUPP);
  nic.current = (struct hwtstamp_config){.tx_type = HWTSTAMP_TX_OFF,
                                         .rx_filter = HWTSTAMP_FILTER_NTP_ALL};
  assert_int_equal(hwnic_enable(&io, "eth0", PLAT_RXFILTER_ANY, &n), -EOPNOTSUPP);
}

static void test_link_speed(void **state)
{
  (void)state;
  assert_int_equal(hwnic_link_speed(&io, "eth0"), 10000);
  nic.speed = (uint32_t)SPEED_UNKNOWN;
  assert_int_equal(hwnic_link_speed(&io, "eth0"), 0);
  nic.gset_errno = EOPNOTSUPP;
  nic.speed = 100;
  assert_int_equal(hwnic_link_speed(&io, "eth0"), 0);
  assert_int_equal(hwnic_link_speed(&io, "eth1"), 0);
  assert_int_equal(nic.open, nic.closed);
}

/* The machine's interfaces: each once (getifaddrs lists one per address). */
static void test_list(void **state)
{
  char names[64][PLAT_IFNAME_LEN];
  (void)state;
  int n = hwnic_list(names, 64);
  assert_true(n >= 1);
  bool lo = false;
  for (int i = 0; i < n; i++) {
    lo |= strcmp(names[i], "lo") == 0;
    for (int j = 0; j < i; j++)
      assert_string_not_equal(names[i], names[j]);
  }
  assert_true(lo);
  assert_int_equal(hwnic_list(names, 0), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(test_enable_default_filter, setup),
    cmocka_unit_test_setup(test_enable_asked_filter, setup),
    cmocka_unit_test_setup(test_cannot_enable, setup),
    cmocka_unit_test_setup(test_read_only_setting, setup),
    cmocka_unit_test_setup(test_link_speed, setup),
    cmocka_unit_test_setup(test_list, setup),
  };
  return cmocka_run_group_tests_name("hwnic", tests, NULL, NULL);
}
