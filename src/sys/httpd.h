/* httpd: a small HTTP/1.x server of one resource, run by the event loop
 * (stratumd's metricsport).
 *
 * Listening sockets are opened before privileges are dropped; from then
 * on everything is non-blocking and bounded:
 *   - at most HTTPD_MAX_CONNECTIONS at a time; a new one closes the oldest;
 *   - each connection lives at most HTTPD_TIMEOUT seconds from its accept,
 *     whatever it is doing (a silent or slow client, a slow reader);
 *   - the request head is parsed by proto/http.h (HTTP_MAX_HEAD bytes at
 *     most) and answered as soon as it is decided;
 *   - one request per connection (Connection: close); the response is
 *     rendered when the request is complete, from the state of that
 *     moment, written as the socket takes it and kept until then; then
 *     the write side is shut down and what the client still sends is read
 *     and dropped (at most HTTPD_MAX_DISCARD bytes) until it closes, so a
 *     pipelined request does not turn the close into a reset that could
 *     lose the response.
 * Only accept4, recvfrom, sendmsg, shutdown and close are used after the
 * start (the seccomp allow-list has them). */
#ifndef STRATUM_SYS_HTTPD_H
#define STRATUM_SYS_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "sys/loop.h"
#include "sys/tcp_listen.h"

#define HTTPD_MAX_CONNECTIONS 16
#define HTTPD_TIMEOUT 2.0               /* seconds a connection may live */
#define HTTPD_MAX_DISCARD 65536         /* bytes read and dropped after a response */

/* The body of a 200 response, made for each request: malloc'ed (the server
 * frees it) with its length in *len, or NULL (a 500 response). */
typedef char *httpd_render_fn(void *arg, size_t *len);

struct httpd_stats {
  uint64_t accepted;
  uint64_t answered[6];                 /* by class: [2] 2xx, [4] 4xx, [5] 5xx */
  uint64_t dropped_oldest;              /* closed for a newer connection */
  uint64_t timed_out;                   /* closed at HTTPD_TIMEOUT */
};

struct httpd_conn;

struct httpd {
  struct loop *loop;
  const char *path;                     /* the resource served, e.g. "/metrics" */
  const char *content_type;
  httpd_render_fn *render;
  void *arg;
  struct tcp_listener listen;
  struct httpd_conn *conns;             /* HTTPD_MAX_CONNECTIONS */
  uint64_t next_seq;
  struct httpd_stats stats;
};

/* false if out of memory. The strings must outlive the server. */
bool httpd_init(struct httpd *h, struct loop *loop, const char *path, const char *content_type,
                httpd_render_fn *render, void *arg);
/* Listen on addr:port (TCP; IPv6 sockets are IPv6 only). 0 or -errno. */
int httpd_listen(struct httpd *h, const struct ip_addr *addr, uint16_t port);
/* Close every connection and listening socket. */
void httpd_free(struct httpd *h);

#endif
