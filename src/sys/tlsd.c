/* tlsd: one-request TLS 1.3 server in the event loop (see tlsd.h). */
#include "sys/tlsd.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "sys/tls.h"

#define STEPS_PER_WAKEUP 8
#define MAX_DISCARD 65536               /* bytes dropped after the response */

enum conn_state { CONN_HANDSHAKE, CONN_READING, CONN_WRITING, CONN_SHUTDOWN, CONN_CLOSING };

struct tlsd_conn {
  struct tlsd *t;
  struct tlsd_conn *prev, *next;
  enum conn_state state;
  int fd;
  SSL *ssl;
  uint64_t timer;
  size_t in_len, out_len, sent, discarded;
  uint8_t *in, *out;                    /* TLSD_MAX_REQUEST, TLSD_MAX_RESPONSE */
};

static void conn_close(struct tlsd_conn *c)
{
  struct tlsd *t = c->t;
  loop_remove_fd(t->loop, c->fd);
  if (c->timer)
    loop_cancel_timer(t->loop, c->timer);
  SSL_free(c->ssl);
  close(c->fd);
  if (c->prev)
    c->prev->next = c->next;
  else
    t->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  if (c->in)
    OPENSSL_cleanse(c->in, TLSD_MAX_REQUEST);
  free(c->in);
  free(c->out);
  free(c);
  t->n_conns--;
}

static void on_timeout(void *arg)
{
  struct tlsd_conn *c = arg;
  c->timer = 0;
  c->t->stats.timed_out++;
  conn_close(c);
}

static void on_event(void *arg, int fd);

/* Wait for input (want_write false) or for room to write. */
static void wait_for(struct tlsd_conn *c, bool want_write)
{
  loop_watch_output(c->t->loop, c->fd, want_write ? on_event : NULL);
  loop_pause_input(c->t->loop, c->fd, want_write);
}

/* What an SSL call's result means: 0 wait (set), -1 closed. */
static int ssl_result(struct tlsd_conn *c, int r)
{
  if (tls_wait(c->t->loop, c->fd, on_event, c->ssl, r, NULL, 0))
    return 0;
  if (c->state == CONN_HANDSHAKE)
    c->t->stats.handshake_failed++;
  conn_close(c);
  return -1;
}

/* One step of the connection's life: 1 if another may follow at once. */
static int step(struct tlsd_conn *c)
{
  struct tlsd *t = c->t;
  int r;

  switch (c->state) {
  case CONN_HANDSHAKE:
    if ((r = SSL_do_handshake(c->ssl)) != 1)
      return ssl_result(c, r);
    c->state = CONN_READING;
    return 1;
  case CONN_READING: {
    size_t n = 0;
    if (c->in_len == TLSD_MAX_REQUEST) {
      conn_close(c);                    /* too long to be a request */
      return -1;
    }
    if ((r = SSL_read_ex(c->ssl, c->in + c->in_len, TLSD_MAX_REQUEST - c->in_len, &n)) != 1)
      return ssl_result(c, r);
    c->in_len += n;
    long len = t->handle(t->arg, c, c->in, c->in_len, c->out, TLSD_MAX_RESPONSE);
    if (len < 0) {
      conn_close(c);
      return -1;
    }
    if (len > 0) {
      c->out_len = (size_t)len;
      c->state = CONN_WRITING;
      t->stats.answered++;
    }
    return 1;
  }
  case CONN_WRITING: {
    size_t n = 0;
    if ((r = SSL_write_ex(c->ssl, c->out + c->sent, c->out_len - c->sent, &n)) != 1)
      return ssl_result(c, r);
    c->sent += n;
    if (c->sent == c->out_len)
      c->state = CONN_SHUTDOWN;
    return 1;
  }
  case CONN_SHUTDOWN:
    /* close_notify sent (0) is enough: the client's comes or not */
    if ((r = SSL_shutdown(c->ssl)) < 0)
      return ssl_result(c, r);
    shutdown(c->fd, SHUT_WR);
    c->state = CONN_CLOSING;
    wait_for(c, false);
    return 1;
  case CONN_CLOSING: {
    uint8_t scratch[4096];
    ssize_t n = recv(c->fd, scratch, sizeof(scratch), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return 0;
    if (n <= 0 || (c->discarded += (size_t)n) > MAX_DISCARD) {
      conn_close(c);
      return -1;
    }
    return 1;
  }
  }
  return 0;
}

static void on_event(void *arg, int fd)
{
  (void)fd;
  for (int i = 0; i < STEPS_PER_WAKEUP; i++)
    if (step(arg) <= 0)
      return;
}

static void on_accept(void *arg, int fd, const struct ip_addr *from)
{
  struct tlsd *t = arg;
  if (t->admit && !t->admit(t->policy_arg, from)) {
    t->stats.denied++;
    close(fd);
    return;
  }
  if (!t->handoff) {
    tlsd_adopt(t, fd);
    return;
  }
  t->handoff(t->policy_arg, fd, from) ? t->stats.accepted++ : t->stats.refused++;
  close(fd);
}

void tlsd_adopt(struct tlsd *t, int fd)
{
  struct tlsd_conn *c = NULL;
  if (t->n_conns >= t->max_conns) {
    t->stats.refused++;
    close(fd);
    return;
  }
  if (!(c = calloc(1, sizeof(*c))) || !(c->in = malloc(TLSD_MAX_REQUEST)) ||
      !(c->out = malloc(TLSD_MAX_RESPONSE)) || !(c->ssl = SSL_new(t->ctx[0])) ||
      !SSL_set_fd(c->ssl, fd) || loop_add_fd(t->loop, fd, on_event, c) < 0) {
    if (c) {
      SSL_free(c->ssl);
      free(c->in);
      free(c->out);
    }
    free(c);
    close(fd);
    return;
  }
  c->t = t;
  c->fd = fd;
  c->state = CONN_HANDSHAKE;
  /* the handshake's flights and the response are small writes each
   * awaited by the peer: not held back for its delayed ACKs */
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
  SSL_set_accept_state(c->ssl);
  c->timer = loop_add_timer(t->loop, t->timeout, on_timeout, c);
  c->next = t->conns;
  if (t->conns)
    t->conns->prev = c;
  t->conns = c;
  t->n_conns++;
  t->stats.accepted++;
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *out_len,
                       const unsigned char *in, unsigned in_len, void *arg)
{
  struct tlsd *t = arg;
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
  struct tlsd *t = arg;
  const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  (void)alert;
  if (!name)
    return SSL_TLSEXT_ERR_OK;
  for (unsigned i = 0; i < t->n_ctx; i++) {
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

static SSL_CTX *new_ctx(struct tlsd *t, const char *cert, const char *key, char *err,
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

bool tlsd_init(struct tlsd *t, struct loop *loop, const char *alpn, const char *const *certs,
               const char *const *keys, unsigned n_pairs, unsigned max_conns, double timeout,
               tlsd_handle_fn *handle, void *arg, char *err, size_t err_cap)
{
  size_t alpn_len = strlen(alpn);
  memset(t, 0, sizeof(*t));
  t->loop = loop;
  t->handle = handle;
  t->arg = arg;
  t->timeout = timeout;
  t->max_conns = max_conns;
  tcp_listen_init(&t->listen, loop, on_accept, t);
  if ((certs && n_pairs == 0) || n_pairs > TLSD_MAX_PAIRS || alpn_len == 0 ||
      alpn_len >= sizeof(t->alpn)) {
    snprintf(err, err_cap, "expected 1 to %d certificate/key pairs and a protocol name",
             TLSD_MAX_PAIRS);
    return false;
  }
  t->alpn[0] = (unsigned char)alpn_len;
  memcpy(t->alpn + 1, alpn, alpn_len);
  t->alpn_len = alpn_len + 1;
  for (unsigned i = 0; i < n_pairs; i++) {
    if (!(t->ctx[i] = new_ctx(t, certs[i], keys[i], err, err_cap))) {
      tlsd_free(t);
      return false;
    }
    t->n_ctx++;
  }
  return true;
}

int tlsd_listen(struct tlsd *t, const struct ip_addr *addr, uint16_t port)
{
  return tcp_listen_add(&t->listen, addr, port);
}

bool tlsd_export(struct tlsd_conn *c, const char *label, const uint8_t *context,
                 size_t context_len, uint8_t *out, size_t len)
{
  return tls_export(c->ssl, label, context, context_len, out, len);
}

void tlsd_free(struct tlsd *t)
{
  if (!t->loop)
    return;
  while (t->conns)
    conn_close(t->conns);
  tcp_listen_free(&t->listen);
  for (unsigned i = 0; i < t->n_ctx; i++)
    SSL_CTX_free(t->ctx[i]);
  memset(t, 0, sizeof(*t));
}
