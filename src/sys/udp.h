/* udp: Linux UDP sockets with kernel receive timestamps and the local
 * address of each datagram (so replies leave from the address the request
 * arrived on). */
#ifndef STRATUM_SYS_UDP_H
#define STRATUM_SYS_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/addr.h"
#include "core/platform.h"

/* Bind to local:port (local NULL or UNSPEC: the wildcard of `family`).
 * Returns a non-blocking fd or -errno. */
int udp_open(enum addr_family family, const struct ip_addr *local, uint16_t port);

/* Receive one datagram without blocking; fills dg (data points into buf).
 * Returns its length, or -errno (-EAGAIN when none is queued). */
ssize_t udp_recv(int fd, uint8_t *buf, size_t cap, struct plat_datagram *dg);

/* Send buf; with stamp_transmit, bytes 40-47 get the NTP time read just
 * before the system call. Returns 0 or -errno. */
int udp_send(int fd, const struct ip_addr *local, const struct ip_addr *to, uint16_t port,
             uint8_t *buf, size_t len, bool stamp_transmit);

#endif
