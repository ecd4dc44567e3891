/* broadcast: chronyd's broadcast directive, the server side of NTP's
 * broadcast mode. Every `interval` seconds (1 to 2^24) a mode 5 packet
 * with our reference (core/reference.h), poll round(log2(interval)), no
 * origin or receive time and the transmit time stamped as it leaves, goes
 * to the address and port, from the socket the owner gives (chronyd sends
 * from its server socket). The first one goes an interval after start. */
#ifndef STRATUM_CORE_BROADCAST_H
#define STRATUM_CORE_BROADCAST_H

#include <stdint.h>

#include "core/addr.h"
#include "core/platform.h"
#include "core/reference.h"

#define BCAST_MAX 16
#define BCAST_VERSION 4               /* chronyd's NTP_VERSION */

struct bcast;

struct bcast_dest {
  struct bcast *owner;
  struct ip_addr addr;
  uint16_t port;
  int interval;
  int sock;
  plat_timer timer;
};

struct bcast {
  const struct platform *plat;
  const struct refstate *ref;
  struct bcast_dest dests[BCAST_MAX];
  unsigned n;
};

void bcast_init(struct bcast *b, const struct platform *plat, const struct refstate *ref);
/* False when BCAST_MAX destinations are set already. */
bool bcast_add(struct bcast *b, const struct ip_addr *addr, uint16_t port, int interval,
               int sock);
void bcast_stop(struct bcast *b);
/* The packet sent (transmit time 0 until it is stamped): for tests. */
void bcast_packet(const struct bcast_dest *d, const struct timespec *now,
                  uint8_t buf[NTP_HEADER_LEN]);

#endif
