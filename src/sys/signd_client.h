/* signd_client: MS-SNTP replies signed by Samba's ntp_signd (ntpsigndsocket),
 * as chronyd's ntp_signd.c does it, without blocking the loop.
 *
 * The server (core/ntp_server.h) hands each MS-SNTP reply to signdc_sign.
 * It waits in a queue of 16 (more are dropped) for its turn on one Unix
 * stream socket, DIR/socket, connected when a reply first needs it: the
 * requests are written one at a time as the socket takes them, each
 * response read as it comes, and the signed reply sent from the socket
 * and address the request came in on. A response with another id, a
 * failed signing or an impossible length is dropped, the last closing the
 * connection (the queue with it), as chronyd; so does any error or end of
 * file. A failed connection is logged once until a signing succeeds. */
#ifndef STRATUM_SYS_SIGND_CLIENT_H
#define STRATUM_SYS_SIGND_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "core/platform.h"
#include "proto/signd.h"
#include "sys/loop.h"

#define SIGNDC_QUEUE 16

struct signdc_entry {
  int sock;                          /* the NTP socket to answer from */
  struct ip_addr local, to;
  uint16_t port;
  uint8_t request[SIGND_REQUEST_LEN];
  size_t sent;
};

struct signdc_stats {
  uint64_t queued, signed_sent, dropped;
};

struct signdc {
  struct loop *loop;
  const struct platform *plat;
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  int fd;                            /* -1: not connected */
  bool logged_error;
  struct signdc_entry queue[SIGNDC_QUEUE];
  unsigned head, tail;               /* head: being signed; tail: next free */
  uint8_t rx[SIGND_RESPONSE_MAX];
  size_t received;
  struct signdc_stats stats;
};

/* dir: ntpsigndsocket. False (logged) if DIR/socket is too long a path. */
bool signdc_init(struct signdc *c, struct loop *loop, const struct platform *plat,
                 const char *dir);
void signdc_fini(struct signdc *c);
/* A srv_signd_fn (arg: the struct signdc). */
void signdc_sign(void *arg, int sock, const struct plat_datagram *dg, uint32_t keyid,
                 const uint8_t *reply);

#endif
