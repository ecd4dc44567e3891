/* tlsc: one-request TLS 1.3 client in the event loop (see tlsc.h). */
#include "sys/tlsc.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "sys/tls.h"
#include "sys/udp.h"

#define STEPS_PER_WAKEUP 8

enum state { ST_CONNECTING, ST_HANDSHAKE, ST_WRITING, ST_READING, ST_DONE };

struct tlsc {
  struct loop *loop;
  enum state state;
  int fd;
  SSL *ssl;
  uint64_t timer;
  char alpn[64];
  tlsc_check_fn *check;
  tlsc_done_fn *done;
  void *arg;
  size_t out_len, sent, in_len;
  uint8_t out[TLSC_MAX_REQUEST];
  uint8_t in[TLSC_MAX_RESPONSE];
};

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

void *tlsc_context_new(bool system, const char *const *paths, unsigned n_paths, char *err,
                       size_t err_cap)
{
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    tls_error(err, err_cap, "create a TLS context", "for NTS-KE");
    return NULL;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  if (system && SSL_CTX_set_default_verify_paths(ctx) != 1) {
    tls_error(err, err_cap, "load", "the system's trusted certificates");
    SSL_CTX_free(ctx);
    return NULL;
  }
  for (unsigned i = 0; i < n_paths; i++) {
    struct stat st;
    bool ok = stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)
                ? load_dir(ctx, paths[i])
                : SSL_CTX_load_verify_locations(ctx, paths[i], NULL) == 1;
    if (!ok) {
      tls_error(err, err_cap, "load trusted certificates from", paths[i]);
      SSL_CTX_free(ctx);
      return NULL;
    }
  }
  return ctx;
}

void tlsc_context_free(void *ctx)
{
  SSL_CTX_free(ctx);
}

/* The end of the session: done is told once and may free s. */
static int finish(struct tlsc *s, enum tlsc_result r, const char *why)
{
  s->state = ST_DONE;
  loop_remove_fd(s->loop, s->fd);
  if (s->timer)
    loop_cancel_timer(s->loop, s->timer);
  s->timer = 0;
  s->done(s->arg, s, r, why, s->in, s->in_len);
  return -1;
}

static void on_event(void *arg, int fd);

/* A failed SSL call: wait for the socket (0), or the session failed (-1). */
static int ssl_result(struct tlsc *s, int r)
{
  char why[200];
  if (tls_wait(s->loop, s->fd, on_event, s->ssl, r, why, sizeof(why)))
    return 0;
  long v = SSL_get_verify_result(s->ssl);
  if (s->state == ST_HANDSHAKE && v != X509_V_OK)
    snprintf(why, sizeof(why), "%s", X509_verify_cert_error_string(v));
  return finish(s, TLSC_TLS_FAILED, why);
}

static bool alpn_chosen(struct tlsc *s)
{
  const unsigned char *p;
  unsigned len;
  SSL_get0_alpn_selected(s->ssl, &p, &len);
  return len == strlen(s->alpn) && memcmp(p, s->alpn, len) == 0;
}

/* One step: 1 if another may follow at once. */
static int step(struct tlsc *s)
{
  int r;
  size_t n = 0;
  switch (s->state) {
  case ST_CONNECTING: {
    int e = 0;
    socklen_t len = sizeof(e);
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
      e = errno;
    if (e != 0)
      return finish(s, TLSC_CONNECT_FAILED, strerror(e));
    loop_watch_output(s->loop, s->fd, NULL);
    s->state = ST_HANDSHAKE;
    return 1;
  }
  case ST_HANDSHAKE:
    if ((r = SSL_do_handshake(s->ssl)) != 1)
      return ssl_result(s, r);
    if (!alpn_chosen(s))
      return finish(s, TLSC_TLS_FAILED, "the server chose no protocol offered (ALPN)");
    s->state = ST_WRITING;
    return 1;
  case ST_WRITING:
    if ((r = SSL_write_ex(s->ssl, s->out + s->sent, s->out_len - s->sent, &n)) != 1)
      return ssl_result(s, r);
    s->sent += n;
    if (s->sent == s->out_len)
      s->state = ST_READING;
    return 1;
  case ST_READING:
    if (s->in_len == TLSC_MAX_RESPONSE)
      return finish(s, TLSC_BAD_RESPONSE, "response too long");
    if ((r = SSL_read_ex(s->ssl, s->in + s->in_len, TLSC_MAX_RESPONSE - s->in_len, &n)) != 1)
      return ssl_result(s, r);
    s->in_len += n;
    switch (s->check(s->arg, s->in, s->in_len)) {
    case 1:
      return finish(s, TLSC_OK, "");
    case 0:
      return 1;
    default:
      return finish(s, TLSC_BAD_RESPONSE, "invalid response");
    }
  case ST_DONE:
    break;
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

static void on_timeout(void *arg)
{
  struct tlsc *s = arg;
  s->timer = 0;
  finish(s, TLSC_TIMED_OUT, "timed out");
}

/* The name to check: an address, or a DNS name also sent as SNI. */
static bool set_name(SSL *ssl, const char *name)
{
  struct ip_addr a;
  if (addr_parse(name, &a))
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1;
  return SSL_set_tlsext_host_name(ssl, name) == 1 && SSL_set1_host(ssl, name) == 1;
}

struct tlsc *tlsc_start(struct loop *loop, const struct tlsc_params *p, tlsc_check_fn *check,
                        tlsc_done_fn *done, void *arg, char *err, size_t err_cap)
{
  struct sockaddr_storage ss;
  struct tlsc *s;
  unsigned char alpn[65];
  size_t alpn_len = strlen(p->alpn);
  if (p->request_len > TLSC_MAX_REQUEST || alpn_len == 0 || alpn_len >= sizeof(s->alpn)) {
    snprintf(err, err_cap, "request or protocol name too long");
    return NULL;
  }
  if (!(s = calloc(1, sizeof(*s)))) {
    snprintf(err, err_cap, "out of memory");
    return NULL;
  }
  s->loop = loop;
  s->check = check;
  s->done = done;
  s->arg = arg;
  memcpy(s->out, p->request, p->request_len);
  s->out_len = p->request_len;
  memcpy(s->alpn, p->alpn, alpn_len);
  alpn[0] = (unsigned char)alpn_len;
  memcpy(alpn + 1, p->alpn, alpn_len);
  int family = p->addr->family == ADDR_INET6 ? AF_INET6 : AF_INET;
  s->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd < 0) {
    snprintf(err, err_cap, "%s", strerror(errno));
    free(s);
    return NULL;
  }
  /* small writes each awaited by the server */
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
  socklen_t len;
  if (p->local && p->local->family != ADDR_UNSPEC) {
    len = udp_to_sockaddr(p->local, (enum addr_family)p->addr->family, 0, &ss);
    if (bind(s->fd, (struct sockaddr *)&ss, len) < 0)
      goto sys_error;
  }
  len = udp_to_sockaddr(p->addr, (enum addr_family)p->addr->family, p->port, &ss);
  if (connect(s->fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
    goto sys_error;
  if (!(s->ssl = SSL_new(p->ctx)) || !SSL_set_fd(s->ssl, s->fd) || !set_name(s->ssl, p->name) ||
      SSL_set_alpn_protos(s->ssl, alpn, (unsigned)alpn_len + 1) != 0) {
    tls_error(err, err_cap, "set up TLS for", p->name);
    goto error;
  }
  if (p->no_time_check)
    X509_VERIFY_PARAM_set_flags(SSL_get0_param(s->ssl), X509_V_FLAG_NO_CHECK_TIME);
  SSL_set_connect_state(s->ssl);
  if (loop_add_fd(loop, s->fd, on_event, s) < 0) {
    snprintf(err, err_cap, "cannot watch the socket");
    goto error;
  }
  /* connected when it can be written to */
  loop_watch_output(loop, s->fd, on_event);
  loop_pause_input(loop, s->fd, true);
  s->timer = loop_add_timer(loop, p->timeout, on_timeout, s);
  return s;
sys_error:
  snprintf(err, err_cap, "%s", strerror(errno));
error:
  SSL_free(s->ssl);
  close(s->fd);
  free(s);
  return NULL;
}

bool tlsc_export(struct tlsc *s, const char *label, const uint8_t *context, size_t context_len,
                 uint8_t *out, size_t len)
{
  return tls_export(s->ssl, label, context, context_len, out, len);
}

void tlsc_free(struct tlsc *s)
{
  if (!s)
    return;
  if (s->state != ST_DONE) {
    loop_remove_fd(s->loop, s->fd);
    if (s->timer)
      loop_cancel_timer(s->loop, s->timer);
  }
  SSL_free(s->ssl);
  close(s->fd);
  OPENSSL_cleanse(s->in, sizeof(s->in));
  free(s);
}
