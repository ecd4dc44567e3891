/* tls: what the TLS server (tlsd) and client (tlsc) share on OpenSSL: how
 * a non-blocking call's failure is waited on, errors as text, and RFC 5705
 * key export. */
#ifndef STRATUM_SYS_TLS_H
#define STRATUM_SYS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/loop.h"

/* After an SSL call on ssl (an SSL *) returned r (not success): wait for
 * input or room to write on fd (fn handles both), true; false if the
 * session failed (OpenSSL's error queue then cleared, its first error's
 * reason in err if err is not NULL). */
bool tls_wait(struct loop *loop, int fd, loop_fd_fn fn, void *ssl, int r, char *err,
              size_t err_cap);
/* "could not WHAT WHERE: OpenSSL's reason", the error queue cleared. */
void tls_error(char *err, size_t cap, const char *what, const char *where);
/* RFC 5705 keying material of an established session. */
bool tls_export(void *ssl, const char *label, const uint8_t *context, size_t context_len,
                uint8_t *out, size_t len);

#endif
