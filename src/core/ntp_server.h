/* ntp_server: answers NTP client requests (mode 3, versions 1-4, and
 * NTPv1's mode 0) and, as chrony does, symmetric active packets from
 * unknown peers (a mode-2 reply, no association).
 *
 * srv_process() is the whole decision: it validates a request and builds the
 * mode-4 reply from the reference state, or drops it and counts why. It
 * never returns a reply longer than the request. srv_receive() is the
 * platform receive handler: process, then send with the transmit timestamp
 * stamped by the platform as late as possible. */
#ifndef STRATUM_CORE_NTP_SERVER_H
#define STRATUM_CORE_NTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/access.h"
#include "core/platform.h"
#include "core/refstate.h"

enum srv_drop {
  SRV_DROP_ACCESS,      /* source address not allowed */
  SRV_DROP_FORMAT,      /* short, bad length, bad version, bad extension fields */
  SRV_DROP_MODE,        /* not a request we answer */
  SRV_DROP_AUTH,        /* carries a MAC we cannot verify */
  SRV_DROP_SEND,        /* the reply could not be sent */
  SRV_DROP_COUNT
};

struct srv_stats {
  uint64_t received;
  uint64_t replied;
  uint64_t dropped[SRV_DROP_COUNT];
};

struct ntp_server {
  const struct platform *plat;
  const struct refstate *ref;
  struct access_table access;
  struct srv_stats stats;
};

void srv_init(struct ntp_server *s, const struct platform *plat, const struct refstate *ref);
void srv_free(struct ntp_server *s);

/* Returns the reply length (NTP_HEADER_LEN) or 0 to drop. `reply` must hold
 * at least NTP_HEADER_LEN bytes; its transmit timestamp is left zero. */
size_t srv_process(struct ntp_server *s, const struct plat_datagram *dg, uint8_t *reply,
                   size_t cap);

/* plat_recv_fn for server sockets; arg is the struct ntp_server. */
void srv_receive(void *arg, int sock, const struct plat_datagram *dg);

const char *srv_drop_name(enum srv_drop d);

#endif
