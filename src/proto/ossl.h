/* ossl: what Stratum takes from OpenSSL, as one table of functions.
 *
 * Only the module stratum-ossl.so (sys/ossl_mod.c) links OpenSSL; a process
 * loads it (sys/ossl_load.h) when its configuration needs it: keys other
 * than MD5, NTS-KE (TLS), or AES on a CPU without AES-NI. A process that
 * needs none of it maps no OpenSSL library: ld.so's relocations of
 * libcrypto alone touch about 1.5 MiB at load, used or not.
 *
 * Until a table is set, ossl_get() is NULL and its users fail as they do when
 * OpenSSL fails (a MAC that does not verify, a TLS context not made). */
#ifndef STRATUM_PROTO_OSSL_H
#define STRATUM_PROTO_OSSL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Changed whenever the table changes: a module of another build is refused. */
#define OSSL_OPS_VERSION 2
#define OSSL_OPS_SYMBOL "stratum_ossl_ops"
#define OSSL_MAX_PAIRS 8                /* certificate/key pairs of a server */

/* The outcome of a TLS step. */
enum ossl_io { OSSL_IO_DONE, OSSL_IO_WANT_READ, OSSL_IO_WANT_WRITE, OSSL_IO_FAILED };

struct ossl_ops {
  unsigned version;                     /* OSSL_OPS_VERSION */

  /* For a process that prints no OpenSSL error but a failure to load a
   * server's certificates (the NTS-KE helpers), before any other call:
   * OpenSSL without its table of error texts (190 KiB of memory and
   * code): errors are then named by the system's text for a system error
   * (a missing file), else by their code. */
  void (*init_without_error_texts)(void);

  /* The digest of a then b with OpenSSL's digest `name` ("SHA2-256"...):
   * its length, or 0 if it cannot be made or does not fit in cap. */
  size_t (*digest)(const char *name, const uint8_t *a, size_t a_len, const uint8_t *b,
                   size_t b_len, uint8_t *out, size_t cap);
  /* CMAC of data with the cipher `name` ("AES-128-CBC"...): length or 0. */
  size_t (*cmac)(const char *name, const uint8_t *key, size_t key_len, const uint8_t *data,
                 size_t len, uint8_t *out, size_t cap);

  /* AES-ECB encryption for proto/aes.c without AES-NI: a 16- or 32-byte
   * key into *ctx (made on first use, reused for the next key). */
  bool (*ecb_set_key)(void **ctx, const uint8_t *key, size_t key_len);
  bool (*ecb_encrypt)(void *ctx, const uint8_t *in, uint8_t *out, size_t len);
  void (*ecb_free)(void *ctx);

  /* TLS 1.3 contexts: a server's certificate/key pairs (PEM files; a
   * client's server name picks the first whose certificate matches it)
   * with the one ALPN protocol it accepts; a client's trusted certificates
   * (the system's, and files or directories). NULL with the reason in err. */
  void *(*tls_server_new)(const char *const *certs, const char *const *keys, unsigned n,
                          const char *alpn, char *err, size_t err_cap);
  void *(*tls_client_new)(bool system, const char *const *paths, unsigned n, char *err,
                          size_t err_cap);
  void (*tls_context_free)(void *ctx);
  /* A session on a connected socket: accepting, or connecting to `name`
   * (checked against the certificate: an address if name_is_addr, else a
   * DNS name also sent as SNI) offering the ALPN protocol. NULL on failure. */
  void *(*tls_accept)(void *ctx, int fd);
  void *(*tls_connect)(void *ctx, int fd, const char *name, bool name_is_addr,
                       const char *alpn, bool no_time_check, char *err, size_t err_cap);
  /* Steps; on OSSL_IO_FAILED err says why (if err is not NULL). */
  enum ossl_io (*tls_handshake)(void *s, char *err, size_t err_cap);
  enum ossl_io (*tls_read)(void *s, uint8_t *buf, size_t cap, size_t *n, char *err,
                           size_t err_cap);
  enum ossl_io (*tls_write)(void *s, const uint8_t *buf, size_t len, size_t *n, char *err,
                            size_t err_cap);
  enum ossl_io (*tls_shutdown)(void *s);  /* close_notify sent: DONE */
  /* Whether the handshake chose this ALPN protocol. */
  bool (*tls_alpn_is)(void *s, const char *alpn);
  /* RFC 5705 keying material of an established session. */
  bool (*tls_export)(void *s, const char *label, const uint8_t *context, size_t context_len,
                     uint8_t *out, size_t len);
  void (*tls_free)(void *s);
};

/* The module's table (sys/ossl_mod.c), for what links the module's code
 * itself: unit tests and fuzz targets. */
extern const struct ossl_ops stratum_ossl_ops;

/* Use this table from now on (every thread). */
void ossl_set(const struct ossl_ops *ops);
/* The table set, or NULL. */
const struct ossl_ops *ossl_get(void);

#endif
