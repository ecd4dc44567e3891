/* transport: send a request to the daemon and get its reply, as chronyc
 * does: a list of addresses (Unix socket paths and UDP addresses) tried in
 * order; per request up to 1 + retries attempts, each with a new random
 * sequence number and twice the previous timeout (1 s, 2 s, 4 s by
 * default); replies that do not match the request (command, sequence,
 * version, type) are ignored; when every attempt fails the next address is
 * tried, and when none is left the request fails ("506 Cannot talk to
 * daemon").
 *
 * On a Unix socket the client binds its own socket in a fresh directory
 * next to the daemon's socket, as chronyc does, because chronyd 4.3 does
 * not answer an autobound (abstract) address; it is removed on close. */
#ifndef STRATUM_STRATUMC_TRANSPORT_H
#define STRATUM_STRATUMC_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "stratumc/dns.h"
#include "proto/cmdmon.h"

#define SC_MAX_SERVERS 16
#define SC_DEFAULT_TIMEOUT_MS 1000         /* chronyc's: the first attempt's */
#define SC_DEFAULT_RETRIES 2

struct sc_server {
  bool is_unix;
  struct sockaddr_storage sa;
  socklen_t sa_len;
};

struct sc_transport {
  struct sc_server servers[SC_MAX_SERVERS];
  int n_servers, current;
  int fd;
  int timeout_ms, retries;
  bool debug;
  char dir1[sizeof(((struct sockaddr_un *)0)->sun_path)];   /* our socket's directories */
  char dir2[sizeof(((struct sockaddr_un *)0)->sun_path)];
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* hosts: comma-separated names, addresses and socket paths (starting
 * with '/'). Returns false if none of them could be resolved. */
bool sc_transport_init(struct sc_transport *t, const char *hosts, int port,
                       const struct sc_dns *dns, bool debug);
/* Open the first address that can be opened (false: none can). */
bool sc_transport_open(struct sc_transport *t);
/* Exchange req (its sequence and attempt are set here) for *rpy. */
bool sc_transport_request(struct sc_transport *t, struct cmd_request *req,
                          struct cmd_reply *rpy);
void sc_transport_close(struct sc_transport *t);

/* A received datagram: is it the reply to req (chronyc's checks of the
 * header)? Others are ignored. */
bool sc_transport_matches(const uint8_t *buf, size_t len, const struct cmd_request *req);
/* Decode a matching reply; false if it is too short for its code. A code
 * we do not know keeps only its header (its status is what matters). */
bool sc_transport_decode(const uint8_t *buf, size_t len, struct cmd_reply *rpy);
/* Make a pending wait return (for a signal handler). */
void sc_transport_interrupt(void);

#endif
