/* hwnic: see hwnic.h. */
#include "sys/hwnic.h"

#include <errno.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/log.h"

static int sys_ioctl(int fd, unsigned long request, void *arg)
{
  return ioctl(fd, request, arg);
}

static const struct hwnic_io sys_io = {socket, sys_ioctl, close};

/* The filter chronyd sets for what was asked and what the NIC offers. */
static int rx_filter(enum plat_rxfilter asked, unsigned offered)
{
  switch (asked) {
  case PLAT_RXFILTER_NONE:
    return HWTSTAMP_FILTER_NONE;
  case PLAT_RXFILTER_NTP:
    return HWTSTAMP_FILTER_NTP_ALL;
  case PLAT_RXFILTER_ALL:
    return HWTSTAMP_FILTER_ALL;
  case PLAT_RXFILTER_PTP:
    if (offered & (1u << HWTSTAMP_FILTER_PTP_V2_L4_EVENT))
      return HWTSTAMP_FILTER_PTP_V2_L4_EVENT;
    return offered & (1u << HWTSTAMP_FILTER_PTP_V2_EVENT) ? HWTSTAMP_FILTER_PTP_V2_EVENT
                                                          : HWTSTAMP_FILTER_NONE;
  case PLAT_RXFILTER_ANY:
    break;
  }
  if (offered & (1u << HWTSTAMP_FILTER_NTP_ALL))
    return HWTSTAMP_FILTER_NTP_ALL;
  return offered & (1u << HWTSTAMP_FILTER_ALL) ? HWTSTAMP_FILTER_ALL : HWTSTAMP_FILTER_NONE;
}

/* SIOCSHWTSTAMP; refused, the setting may already be there (an interface
 * whose configuration can only be read). */
static int set_config(const struct hwnic_io *io, int fd, struct ifreq *req, int filter)
{
  struct hwtstamp_config cfg = {.flags = 0, .tx_type = HWTSTAMP_TX_ON, .rx_filter = filter};
  req->ifr_data = (char *)&cfg;
  if (io->ioctl(fd, SIOCSHWTSTAMP, req) == 0)
    return 0;
  int err = errno;
  log_printf(err == EPERM ? PLAT_LOG_ERR : PLAT_LOG_DEBUG, "ioctl(%s) failed : %s",
             "SIOCSHWTSTAMP", strerror(err));
  memset(&cfg, 0, sizeof(cfg));
  req->ifr_data = (char *)&cfg;
  if (io->ioctl(fd, SIOCGHWTSTAMP, req) == 0 && cfg.tx_type == HWTSTAMP_TX_ON &&
      cfg.rx_filter == filter)
    return 0;
  return -(err ? err : EOPNOTSUPP);
}

static int enable_on(const struct hwnic_io *io, int fd, const char *name,
                     enum plat_rxfilter rxfilter, struct plat_nic *nic)
{
  struct ifreq req;
  memset(&req, 0, sizeof(req));
  if (snprintf(req.ifr_name, sizeof(req.ifr_name), "%s", name) >= (int)sizeof(req.ifr_name))
    return -ENODEV;
  if (io->ioctl(fd, SIOCGIFINDEX, &req) < 0) {
    log_printf(PLAT_LOG_DEBUG, "ioctl(%s) failed : %s", "SIOCGIFINDEX", strerror(errno));
    return -ENODEV;
  }
  nic->if_index = req.ifr_ifindex;
  struct ethtool_ts_info info = {.cmd = ETHTOOL_GET_TS_INFO};
  req.ifr_data = (char *)&info;
  if (io->ioctl(fd, SIOCETHTOOL, &req) < 0) {
    int err = errno;
    log_printf(PLAT_LOG_DEBUG, "ioctl(%s) failed : %s", "SIOCETHTOOL", strerror(err));
    return -(err ? err : EOPNOTSUPP);
  }
  unsigned needed = SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_TX_HARDWARE |
                    SOF_TIMESTAMPING_RAW_HARDWARE;
  if ((info.so_timestamping & needed) != needed) {
    log_printf(PLAT_LOG_DEBUG, "HW timestamping not supported on %s", name);
    return -EOPNOTSUPP;
  }
  if (info.phc_index < 0) {
    log_printf(PLAT_LOG_DEBUG, "PHC missing on %s", name);
    return -EOPNOTSUPP;
  }
  int filter = rx_filter(rxfilter, info.rx_filters);
  int r = set_config(io, fd, &req, filter);
  if (r < 0)
    return r;
  nic->rx = filter != HWTSTAMP_FILTER_NONE;
  return 0;
}

static int speed_on(const struct hwnic_io *io, int fd, const char *name)
{
  struct ifreq req;
  struct ethtool_cmd cmd = {.cmd = ETHTOOL_GSET};
  memset(&req, 0, sizeof(req));
  snprintf(req.ifr_name, sizeof(req.ifr_name), "%s", name);
  req.ifr_data = (char *)&cmd;
  if (io->ioctl(fd, SIOCETHTOOL, &req) < 0)
    return 0;
  /* the header's ethtool_cmd_speed() shifts an int: undefined for SPEED_UNKNOWN */
  uint32_t speed = (uint32_t)cmd.speed_hi << 16 | cmd.speed;
  return speed == (uint32_t)SPEED_UNKNOWN || speed > 10000000 ? 0 : (int)speed;
}

int hwnic_enable(const struct hwnic_io *io, const char *name, enum plat_rxfilter rxfilter,
                 struct plat_nic *nic)
{
  if (!io)
    io = &sys_io;
  memset(nic, 0, sizeof(*nic));
  int fd = io->socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  int r = enable_on(io, fd, name, rxfilter, nic);
  io->close(fd);
  return r;
}

int hwnic_link_speed(const struct hwnic_io *io, const char *name)
{
  if (!io)
    io = &sys_io;
  int fd = io->socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return 0;
  int speed = speed_on(io, fd, name);
  io->close(fd);
  return speed;
}

int hwnic_list(char (*names)[PLAT_IFNAME_LEN], int max)
{
  struct ifaddrs *all;
  int n = 0;
  if (getifaddrs(&all) < 0)
    return -errno;
  for (struct ifaddrs *a = all; a && n < max; a = a->ifa_next) {
    bool seen = strlen(a->ifa_name) >= PLAT_IFNAME_LEN;
    for (int i = 0; i < n && !seen; i++)
      seen = strcmp(names[i], a->ifa_name) == 0;
    if (!seen)
      snprintf(names[n++], PLAT_IFNAME_LEN, "%s", a->ifa_name);
  }
  freeifaddrs(all);
  return n;
}
