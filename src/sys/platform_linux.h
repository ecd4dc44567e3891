/* platform_linux: the Linux implementation of struct platform, on top of the
 * poll loop, UDP sockets with kernel timestamps, CLOCK_REALTIME,
 * getrandom(2) and c-ares (sys/dns.h, set up at the first lookup). */
#ifndef STRATUM_SYS_PLATFORM_LINUX_H
#define STRATUM_SYS_PLATFORM_LINUX_H

#include <stdbool.h>

#include "core/platform.h"
#include "sys/loop.h"

struct linux_platform;

/* Returns NULL on allocation failure. The loop must outlive it. */
struct linux_platform *linux_platform_new(struct loop *loop);
void linux_platform_free(struct linux_platform *lp);
const struct platform *linux_platform_get(const struct linux_platform *lp);
/* rtcsync: let the kernel keep the RTC in step while synchronised. */
void linux_platform_set_rtcsync(struct linux_platform *lp, bool rtcsync);

/* Sockets opened from now on share their address and port with other
 * sockets of ours (SO_REUSEPORT: server workers). */
void linux_platform_set_reuseport(struct linux_platform *lp, bool reuseport);
/* maxtxbuffers: how many sends per socket wait for their kernel transmit
 * timestamp (0: TX_PENDING, 256); each is matched by the kernel's ID, so
 * any device's timestamps are used (chronyd 4.9's method). A timestamp
 * whose send was forgotten, as newer ones took its place, is dropped, and
 * chronyd's "maxtxbuffers too small" is logged once (only when set).
 * For the sockets asked for timestamps from now on. */
void linux_platform_set_tx_buffers(struct linux_platform *lp, int messages);
/* Sockets opened from now on send with this DSCP (0: the system's) and are
 * bound to this interface (NULL or "": none; a name is cut to the
 * kernel's 15 characters, as the kernel cuts chronyd's): chronyd's dscp,
 * binddevice, bindacqdevice, bindcmddevice; with broadcast, they may send
 * to broadcast addresses (chronyd's server sockets). */
void linux_platform_set_socket_options(struct linux_platform *lp, int dscp, const char *device,
                                       bool broadcast);

/* log2 of the time it takes to read the clock, as chrony measures its
 * precision (typically -24 to -20 on current hardware). */
int linux_clock_precision(void);

/* A UDP socket (as udp_open's) carrying NTP over PTP (proto/ptp.h) in
 * `domain`: what is sent on it is wrapped in a PTP message (the NTP
 * transmit stamp still set just before sending), and only the NTP
 * messages of well-formed PTP ones of the domain are received. */
int linux_platform_open_ptp(struct linux_platform *lp, enum addr_family family,
                            const struct ip_addr *local, uint16_t port, uint8_t domain,
                            plat_recv_fn fn, void *arg);

#endif
