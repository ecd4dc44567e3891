/* tlsd: a TLS 1.3 server of one request per connection in the event loop
 * (stratumd's NTS-KE server), on OpenSSL (the module of proto/ossl.h).
 *
 * Listening sockets come from sys/tcp_listen.h; from then on everything is
 * non-blocking and bounded, so no client can block the loop:
 *   - a client the admit function refuses is closed at once;
 *   - at most max_conns connections at a time; more are closed at once
 *     (and counted), as chronyd refuses connections beyond
 *     maxntsconnections;
 *   - each connection lives at most `timeout` seconds from its accept,
 *     whatever it is doing (handshake, request, response, close);
 *   - TLS 1.3 only, with the one ALPN protocol given (a client that offers
 *     none or another fails the handshake); no session tickets;
 *   - the request is read into TLSD_MAX_REQUEST bytes and offered to the
 *     handler after each read until it answers; a request that fills the
 *     buffer unanswered closes the connection;
 *   - the response is written, then close_notify, then the write side is
 *     shut down and the client's remaining bytes dropped until it closes
 *     (a reset could lose the response).
 * Several certificate/key pairs: the first serves by default; a client's
 * server name (SNI) picks the first pair whose certificate matches it.
 * With a handoff function, admitted connections go to another process's
 * tlsd instead (ntsprocesses). */
#ifndef STRATUM_SYS_TLSD_H
#define STRATUM_SYS_TLSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "proto/ossl.h"
#include "sys/loop.h"
#include "sys/tcp_listen.h"

#define TLSD_MAX_REQUEST 16384
#define TLSD_MAX_RESPONSE 16384
#define TLSD_MAX_PAIRS OSSL_MAX_PAIRS

struct tlsd_conn;

/* The request so far (len bytes): the response's length written to out
 * (cap bytes), 0 to read more, -1 to close without answering. */
typedef long tlsd_handle_fn(void *arg, struct tlsd_conn *c, const uint8_t *in, size_t len,
                            uint8_t *out, size_t cap);

/* Whether a client may connect (checked before anything else). */
typedef bool tlsd_admit_fn(void *arg, const struct ip_addr *from);

/* Give an admitted connection to another process (which calls
 * tlsd_adopt): false if it could not be given (counted as refused). The
 * descriptor is closed afterwards either way. */
typedef bool tlsd_handoff_fn(void *arg, int fd, const struct ip_addr *from);

struct tlsd_stats {
  uint64_t denied;                      /* not admitted */
  uint64_t accepted;
  uint64_t refused;                     /* beyond max_conns */
  uint64_t handshake_failed;
  uint64_t answered;
  uint64_t timed_out;
};

struct tlsd {
  struct loop *loop;
  struct tcp_listener listen;
  const struct ossl_ops *ops;           /* the OpenSSL module's (with tls) */
  void *tls;                            /* its server context; NULL: no TLS here */
  tlsd_handle_fn *handle;
  void *arg;                            /* of handle */
  tlsd_admit_fn *admit;                 /* NULL: everyone (set by the caller) */
  tlsd_handoff_fn *handoff;             /* NULL: served here (set by the caller) */
  void *policy_arg;                     /* of admit and handoff */
  double timeout;
  unsigned max_conns, n_conns;
  struct tlsd_conn *conns;              /* a list of n_conns */
  struct tlsd_stats stats;
};

/* Load the pairs (PEM files) and prepare max_conns slots. false, with the
 * reason in err, if a file cannot be loaded or a key does not match its
 * certificate, if the OpenSSL module cannot be loaded (sys/ossl_load.h),
 * or out of memory. certs NULL (n_pairs 0): no TLS in this process, which
 * only hands connections off (handoff set): the module is not loaded. */
bool tlsd_init(struct tlsd *t, struct loop *loop, const char *alpn, const char *const *certs,
               const char *const *keys, unsigned n_pairs, unsigned max_conns, double timeout,
               tlsd_handle_fn *handle, void *arg, char *err, size_t err_cap);
/* Listen on addr:port. 0 or -errno. */
int tlsd_listen(struct tlsd *t, const struct ip_addr *addr, uint16_t port);
/* Serve a connection accepted elsewhere (handoff) as if accepted here and
 * admitted: closed at once beyond max_conns; the descriptor is ours. */
void tlsd_adopt(struct tlsd *t, int fd);
/* RFC 5705 keying material of the connection's session. */
bool tlsd_export(struct tlsd_conn *c, const char *label, const uint8_t *context,
                 size_t context_len, uint8_t *out, size_t len);
/* Close every connection and listening socket, free the contexts. */
void tlsd_free(struct tlsd *t);

#endif
