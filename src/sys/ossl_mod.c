/* ossl_mod: the module stratum-ossl.so, the one piece of Stratum linked
 * with OpenSSL (libssl, libcrypto): proto/ossl.h's table, exported as
 * OSSL_OPS_SYMBOL and nothing else. It depends on nothing of the process
 * that loads it but the C library. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "proto/ossl.h"

/* ---- digests and AES ---- */

static size_t digest(const char *name, const uint8_t *a, size_t a_len, const uint8_t *b,
                     size_t b_len, uint8_t *out, size_t cap)
{
  EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned int n = 0;
  int ok = md && ctx && (size_t)EVP_MD_get_size(md) <= cap &&
           EVP_DigestInit_ex2(ctx, md, NULL) && EVP_DigestUpdate(ctx, a, a_len) &&
           EVP_DigestUpdate(ctx, b, b_len) && EVP_DigestFinal_ex(ctx, out, &n);
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  return ok ? n : 0;
}

static size_t cmac(const char *name, const uint8_t *key, size_t key_len, const uint8_t *data,
                   size_t len, uint8_t *out, size_t cap)
{
  size_t n = 0;
  if (!EVP_Q_mac(NULL, "CMAC", NULL, name, NULL, key, key_len, data, len, out, cap, &n))
    return 0;
  return n;
}

/* OpenSSL 3 fetches an algorithm by name under a lock with a property
 * query each time: the ciphers are fetched once, on first use, and kept
 * for the life of the process. */
static EVP_CIPHER *ecb128, *ecb256;
static pthread_once_t fetched = PTHREAD_ONCE_INIT;

static void fetch_ciphers(void)
{
  ecb128 = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
  ecb256 = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL);
}

/* A context that has the cipher already only takes the new key: setting
 * the cipher again makes OpenSSL rebuild its provider context and look its
 * parameters up by name. */
static bool ecb_set_key(void **ctx, const uint8_t *key, size_t key_len)
{
  pthread_once(&fetched, fetch_ciphers);
  EVP_CIPHER *c = key_len == 16 ? ecb128 : key_len == 32 ? ecb256 : NULL;
  if (!*ctx)
    *ctx = EVP_CIPHER_CTX_new();
  if (!*ctx || !c)
    return false;
  return EVP_EncryptInit_ex2(*ctx, EVP_CIPHER_CTX_get0_cipher(*ctx) == c ? NULL : c, key,
                             NULL, NULL);
}

static bool ecb_encrypt(void *ctx, const uint8_t *in, uint8_t *out, size_t len)
{
  /* EVP_Cipher goes straight to the provider's cipher, without
   * EVP_EncryptUpdate's buffering and checks, which cost more than a
   * block's encryption. */
  return len <= INT32_MAX && EVP_Cipher(ctx, out, in, (unsigned)len) == (int)len;
}

static void ecb_free(void *ctx)
{
  EVP_CIPHER_CTX_free(ctx);
}

/* ---- TLS ---- */

/* A server's contexts (one per certificate/key pair) or a client's (one). */
struct tls_ctx {
  SSL_CTX *ctx[OSSL_MAX_PAIRS];
  unsigned n;
  unsigned char alpn[256];              /* length-prefixed, as OpenSSL wants it */
  size_t alpn_len;
};

static void init_without_error_texts(void)
{
  OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_SSL_STRINGS | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
}

/* OpenSSL's text of error e; without its texts (init_without_error_texts)
 * the system's for a system error, else the code, which `openssl errstr`
 * explains. */
static void error_text(unsigned long e, char *buf, size_t cap)
{
  if (ERR_reason_error_string(e))
    ERR_error_string_n(e, buf, cap);
  else if (ERR_SYSTEM_ERROR(e))
    snprintf(buf, cap, "%s", strerror(ERR_GET_REASON(e)));
  else
    snprintf(buf, cap, "OpenSSL error %08lX", e);
}

/* "could not WHAT WHERE: OpenSSL's reason", the error queue cleared. */
static void tls_error(char *err, size_t cap, const char *what, const char *where)
{
  char reason[160];
  error_text(ERR_get_error(), reason, sizeof(reason));
  ERR_clear_error();
  snprintf(err, cap, "could not %s %s: %s", what, where, reason);
}

static void tls_context_free(void *arg)
{
  struct tls_ctx *t = arg;
  if (!t)
    return;
  for (unsigned i = 0; i < t->n; i++)
    SSL_CTX_free(t->ctx[i]);
  free(t);
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *out_len,
                       const unsigned char *in, unsigned in_len, void *arg)
{
  struct tls_ctx *t = arg;
  unsigned char *chosen;
  (void)ssl;
  if (SSL_select_next_proto(&chosen, out_len, t->alpn, (unsigned)t->alpn_len, in, in_len) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

/* The first pair whose certificate matches the client's server name. */
static int select_pair(SSL *ssl, int *alert, void *arg)
{
  struct tls_ctx *t = arg;
  const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  (void)alert;
  if (!name)
    return SSL_TLSEXT_ERR_OK;
  for (unsigned i = 0; i < t->n; i++) {
    X509 *cert = SSL_CTX_get0_certificate(t->ctx[i]);
    if (cert && (X509_check_host(cert, name, 0, 0, NULL) == 1 ||
                 X509_check_ip_asc(cert, name, 0) == 1)) {
      if (i > 0)
        SSL_set_SSL_CTX(ssl, t->ctx[i]);
      break;
    }
  }
  return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *server_ctx(struct tls_ctx *t, const char *cert, const char *key, char *err,
                           size_t cap)
{
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    tls_error(err, cap, "create a TLS context for", cert);
    return NULL;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, t);
  SSL_CTX_set_tlsext_servername_callback(ctx, select_pair);
  SSL_CTX_set_tlsext_servername_arg(ctx, t);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
    tls_error(err, cap, "load the certificate", cert);
  } else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
    tls_error(err, cap, "load the key", key);
  } else if (SSL_CTX_check_private_key(ctx) != 1) {
    tls_error(err, cap, "match the key to", cert);
  } else {
    return ctx;
  }
  SSL_CTX_free(ctx);
  return NULL;
}

static void *tls_server_new(const char *const *certs, const char *const *keys, unsigned n,
                            const char *alpn, char *err, size_t err_cap)
{
  size_t alpn_len = strlen(alpn);
  struct tls_ctx *t;
  if (n == 0 || n > OSSL_MAX_PAIRS || alpn_len == 0 || alpn_len >= sizeof(t->alpn)) {
    snprintf(err, err_cap, "expected 1 to %d certificate/key pairs and a protocol name",
             OSSL_MAX_PAIRS);
    return NULL;
  }
  if (!(t = calloc(1, sizeof(*t)))) {
    snprintf(err, err_cap, "out of memory");
    return NULL;
  }
  t->alpn[0] = (unsigned char)alpn_len;
  memcpy(t->alpn + 1, alpn, alpn_len);
  t->alpn_len = alpn_len + 1;
  for (; t->n < n; t->n++) {
    if (!(t->ctx[t->n] = server_ctx(t, certs[t->n], keys[t->n], err, err_cap))) {
      tls_context_free(t);
      return NULL;
    }
  }
  return t;
}

/* Every regular file in a directory, as gnutls's trust_dir takes them
 * (files that are no certificates are skipped). */
static bool load_dir(SSL_CTX *ctx, const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[4096];
  if (!d)
    return false;
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    int w = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    if (w < 0 || (size_t)w >= sizeof(path) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    if (SSL_CTX_load_verify_locations(ctx, path, NULL) != 1)
      ERR_clear_error();
  }
  closedir(d);
  return true;
}

static void *tls_client_new(bool system, const char *const *paths, unsigned n, char *err,
                            size_t err_cap)
{
  struct tls_ctx *t = calloc(1, sizeof(*t));
  SSL_CTX *ctx = t ? SSL_CTX_new(TLS_client_method()) : NULL;
  if (!ctx) {
    free(t);
    tls_error(err, err_cap, "create a TLS context", "for NTS-KE");
    return NULL;
  }
  t->ctx[t->n++] = ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  if (system && SSL_CTX_set_default_verify_paths(ctx) != 1) {
    tls_error(err, err_cap, "load", "the system's trusted certificates");
    tls_context_free(t);
    return NULL;
  }
  for (unsigned i = 0; i < n; i++) {
    struct stat st;
    bool ok = stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)
                ? load_dir(ctx, paths[i])
                : SSL_CTX_load_verify_locations(ctx, paths[i], NULL) == 1;
    if (!ok) {
      tls_error(err, err_cap, "load trusted certificates from", paths[i]);
      tls_context_free(t);
      return NULL;
    }
  }
  return t;
}

static void *tls_accept(void *ctx, int fd)
{
  SSL *ssl = SSL_new(((struct tls_ctx *)ctx)->ctx[0]);
  if (!ssl || !SSL_set_fd(ssl, fd)) {
    SSL_free(ssl);
    return NULL;
  }
  SSL_set_accept_state(ssl);
  return ssl;
}

/* The name to check: an address, or a DNS name also sent as SNI. */
static bool set_name(SSL *ssl, const char *name, bool name_is_addr)
{
  if (name_is_addr)
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1;
  return SSL_set_tlsext_host_name(ssl, name) == 1 && SSL_set1_host(ssl, name) == 1;
}

static void *tls_connect(void *ctx, int fd, const char *name, bool name_is_addr,
                         const char *alpn, bool no_time_check, char *err, size_t err_cap)
{
  unsigned char protos[256];
  size_t alpn_len = strlen(alpn);
  SSL *ssl = NULL;
  if (alpn_len == 0 || alpn_len >= sizeof(protos) ||
      !(ssl = SSL_new(((struct tls_ctx *)ctx)->ctx[0])) || !SSL_set_fd(ssl, fd) ||
      !set_name(ssl, name, name_is_addr)) {
    tls_error(err, err_cap, "set up TLS for", name);
    SSL_free(ssl);
    return NULL;
  }
  protos[0] = (unsigned char)alpn_len;
  memcpy(protos + 1, alpn, alpn_len);
  if (SSL_set_alpn_protos(ssl, protos, (unsigned)alpn_len + 1) != 0) {
    tls_error(err, err_cap, "set up TLS for", name);
    SSL_free(ssl);
    return NULL;
  }
  if (no_time_check)
    X509_VERIFY_PARAM_set_flags(SSL_get0_param(ssl), X509_V_FLAG_NO_CHECK_TIME);
  SSL_set_connect_state(ssl);
  return ssl;
}

/* What an SSL call's result r (not success) means. A failed handshake of
 * a client says why its server's certificate was refused, if it was. */
static enum ossl_io io_result(SSL *ssl, int r, char *err, size_t err_cap)
{
  switch (SSL_get_error(ssl, r)) {
  case SSL_ERROR_WANT_READ:
    return OSSL_IO_WANT_READ;
  case SSL_ERROR_WANT_WRITE:
    return OSSL_IO_WANT_WRITE;
  default:
    break;
  }
  if (err) {
    unsigned long e = ERR_peek_error();
    long v = SSL_is_server(ssl) ? X509_V_OK : SSL_get_verify_result(ssl);
    if (!SSL_is_init_finished(ssl) && v != X509_V_OK)
      snprintf(err, err_cap, "%s", X509_verify_cert_error_string(v));
    else if (e)
      error_text(e, err, err_cap);
    else
      snprintf(err, err_cap, "connection closed or reset");
  }
  ERR_clear_error();
  return OSSL_IO_FAILED;
}

static enum ossl_io tls_handshake(void *s, char *err, size_t err_cap)
{
  int r = SSL_do_handshake(s);
  return r == 1 ? OSSL_IO_DONE : io_result(s, r, err, err_cap);
}

static enum ossl_io tls_read(void *s, uint8_t *buf, size_t cap, size_t *n, char *err,
                             size_t err_cap)
{
  int r = SSL_read_ex(s, buf, cap, n);
  return r == 1 ? OSSL_IO_DONE : io_result(s, r, err, err_cap);
}

static enum ossl_io tls_write(void *s, const uint8_t *buf, size_t len, size_t *n, char *err,
                              size_t err_cap)
{
  int r = SSL_write_ex(s, buf, len, n);
  return r == 1 ? OSSL_IO_DONE : io_result(s, r, err, err_cap);
}

static enum ossl_io tls_shutdown(void *s)
{
  /* close_notify sent (0) is enough: the peer's comes or not */
  int r = SSL_shutdown(s);
  return r >= 0 ? OSSL_IO_DONE : io_result(s, r, NULL, 0);
}

static bool tls_alpn_is(void *s, const char *alpn)
{
  const unsigned char *p;
  unsigned len;
  SSL_get0_alpn_selected(s, &p, &len);
  return len == strlen(alpn) && memcmp(p, alpn, len) == 0;
}

static bool tls_export(void *s, const char *label, const uint8_t *context, size_t context_len,
                       uint8_t *out, size_t len)
{
  return SSL_export_keying_material(s, out, len, label, strlen(label), context, context_len,
                                    1) == 1;
}

static void tls_free(void *s)
{
  SSL_free(s);
}

__attribute__((visibility("default"))) const struct ossl_ops stratum_ossl_ops = {
  .version = OSSL_OPS_VERSION,
  .init_without_error_texts = init_without_error_texts,
  .digest = digest,
  .cmac = cmac,
  .ecb_set_key = ecb_set_key,
  .ecb_encrypt = ecb_encrypt,
  .ecb_free = ecb_free,
  .tls_server_new = tls_server_new,
  .tls_client_new = tls_client_new,
  .tls_context_free = tls_context_free,
  .tls_accept = tls_accept,
  .tls_connect = tls_connect,
  .tls_handshake = tls_handshake,
  .tls_read = tls_read,
  .tls_write = tls_write,
  .tls_shutdown = tls_shutdown,
  .tls_alpn_is = tls_alpn_is,
  .tls_export = tls_export,
  .tls_free = tls_free,
};
