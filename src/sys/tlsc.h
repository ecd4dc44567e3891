/* tlsc: a TLS 1.3 client of one request and one response in the event
 * loop (stratumd's NTS-KE client), on OpenSSL (the module of proto/ossl.h,
 * loaded by the first tlsc_context_new).
 *
 * Everything is non-blocking and bounded: the TCP connection, the
 * handshake, the request and the response together take at most `timeout`
 * seconds. The server's certificate must chain to the context's trusted
 * certificates and match the name (a DNS name, also sent as SNI, or an IP
 * address), unless time checks are off only its validity period is also
 * checked; the server must choose the one ALPN protocol offered. The
 * response is read into TLSC_MAX_RESPONSE bytes and offered to the check
 * function after each read until it is complete. The outcome goes to the
 * done function once, from the loop; the session can then export keys
 * until it is freed. */
#ifndef STRATUM_SYS_TLSC_H
#define STRATUM_SYS_TLSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "sys/loop.h"

#define TLSC_MAX_REQUEST 16384
#define TLSC_MAX_RESPONSE 16384

enum tlsc_result {
  TLSC_OK,                      /* a complete response */
  TLSC_CONNECT_FAILED,          /* no TCP connection */
  TLSC_TLS_FAILED,              /* handshake, certificate, ALPN or I/O failure */
  TLSC_BAD_RESPONSE,            /* the check refused it, or it did not fit */
  TLSC_TIMED_OUT,
};

struct tlsc;

/* The response so far: 1 complete, 0 read more, -1 invalid. */
typedef int tlsc_check_fn(void *arg, const uint8_t *in, size_t len);
/* The outcome; why: what failed (for logs), "" on success. in/len: the
 * response (TLSC_OK). */
typedef void tlsc_done_fn(void *arg, struct tlsc *s, enum tlsc_result r, const char *why,
                          const uint8_t *in, size_t len);

/* Trusted certificates: the system's (system) and these files or
 * directories (every file in a directory). A context, or NULL with the
 * reason in err (also if the OpenSSL module cannot be loaded). */
void *tlsc_context_new(bool system, const char *const *paths, unsigned n_paths, char *err,
                       size_t err_cap);
void tlsc_context_free(void *ctx);

struct tlsc_params {
  void *ctx;                    /* tlsc_context_new's */
  const struct ip_addr *addr;
  uint16_t port;
  const struct ip_addr *local;  /* NULL: the system's choice */
  const char *name;             /* checked against the certificate */
  const char *alpn;
  bool no_time_check;
  double timeout;
  const uint8_t *request;
  size_t request_len;           /* at most TLSC_MAX_REQUEST */
};

/* Start a session; NULL (with the reason in err) if it cannot start. */
struct tlsc *tlsc_start(struct loop *loop, const struct tlsc_params *p, tlsc_check_fn *check,
                        tlsc_done_fn *done, void *arg, char *err, size_t err_cap);
/* RFC 5705 keying material of a session that reached TLSC_OK. */
bool tlsc_export(struct tlsc *s, const char *label, const uint8_t *context, size_t context_len,
                 uint8_t *out, size_t len);
/* Close and free it (at any time, also from its done function). */
void tlsc_free(struct tlsc *s);

#endif
