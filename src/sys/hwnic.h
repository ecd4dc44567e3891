/* hwnic: hardware timestamping switched on in a Linux network interface,
 * for the platform's hwts_enable and net_interfaces (core/platform.h).
 *
 * As chronyd's ntp_io_linux.c: the interface's index (SIOCGIFINDEX), its
 * timestamping capabilities (ETHTOOL_GET_TS_INFO: hardware transmit,
 * receive and raw clock, and a PHC), then SIOCSHWTSTAMP with transmit
 * stamps on and the receive filter asked for, or the most specific one the
 * NIC offers (NTP, else all, else none); an interface that refuses the
 * setting but already has it (SIOCGHWTSTAMP) is taken. The link speed
 * (ETHTOOL_GSET) is for the receive stamps' length correction. The
 * system calls go through a table that tests replace with a fake NIC. */
#ifndef STRATUM_SYS_HWNIC_H
#define STRATUM_SYS_HWNIC_H

#include "core/platform.h"

struct hwnic_io {
  int (*socket)(int domain, int type, int protocol);
  int (*ioctl)(int fd, unsigned long request, void *arg);
  int (*close)(int fd);
};

/* io NULL: the system's calls. Returns 0 with *nic, or -errno (-EOPNOTSUPP:
 * no hardware timestamps or no PHC; -ENODEV: no such interface). */
int hwnic_enable(const struct hwnic_io *io, const char *name, enum plat_rxfilter rxfilter,
                 struct plat_nic *nic);
/* The link speed in Mb/s, or 0 if unknown. */
int hwnic_link_speed(const struct hwnic_io *io, const char *name);
/* The interfaces with an address (getifaddrs), each name once: how many
 * (at most max), or -errno. */
int hwnic_list(char (*names)[PLAT_IFNAME_LEN], int max);

#endif
