/* tcp_listen: the listening side of the daemon's small TCP services
 * (httpd's metricsport, tlsd's NTS-KE): up to TCP_LISTEN_MAX non-blocking
 * sockets watched by the loop, each accepted connection (non-blocking,
 * close-on-exec) handed to a callback, at most TCP_LISTEN_ACCEPTS per
 * wake-up. Out of descriptors, accepting pauses for TCP_LISTEN_PAUSE
 * seconds rather than spinning on a socket that stays readable. */
#ifndef STRATUM_SYS_TCP_LISTEN_H
#define STRATUM_SYS_TCP_LISTEN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"
#include "sys/loop.h"

#define TCP_LISTEN_MAX 2
#define TCP_LISTEN_BACKLOG 16
#define TCP_LISTEN_ACCEPTS 16
#define TCP_LISTEN_PAUSE 0.1

/* A new connection from `from`: the callback owns fd. */
typedef void tcp_accept_fn(void *arg, int fd, const struct ip_addr *from);

struct tcp_listener {
  struct loop *loop;
  tcp_accept_fn *on_accept;
  void *arg;
  int fd[TCP_LISTEN_MAX];
  unsigned n;
  bool paused;                          /* out of descriptors: a pause */
  uint64_t timer;                       /* that ends it */
};

void tcp_listen_init(struct tcp_listener *t, struct loop *loop, tcp_accept_fn *on_accept,
                     void *arg);
/* Listen on addr:port (IPv6 sockets are IPv6 only). 0 or -errno. */
int tcp_listen_add(struct tcp_listener *t, const struct ip_addr *addr, uint16_t port);
/* Close the listening sockets. */
void tcp_listen_free(struct tcp_listener *t);

#endif
