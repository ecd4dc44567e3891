/* tlsc: one-request TLS 1.3 client in the event loop (see tlsc.h). */
#include "sys/tlsc.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/tls.h"
#include "sys/udp.h"

#define STEPS_PER_WAKEUP 8

enum state { ST_CONNECTING, ST_HANDSHAKE, ST_WRITING, ST_READING, ST_DONE };

struct tlsc {
  struct loop *loop;
  enum state state;
  int fd;
  void *ssl;                    /* the OpenSSL module's session */
  const struct ossl_ops *ops;
  uint64_t timer;
  char alpn[64];
  tlsc_check_fn *check;
  tlsc_done_fn *done;
  void *arg;
  size_t out_len, sent, in_len;
  uint8_t out[TLSC_MAX_REQUEST];
  uint8_t in[TLSC_MAX_RESPONSE];
};

void *tlsc_context_new(bool system, const char *const *paths, unsigned n_paths, char *err,
                       size_t err_cap)
{
  const struct ossl_ops *o = tls_ops(err, err_cap);
  return o ? o->tls_client_new(system, paths, n_paths, err, err_cap) : NULL;
}

void tlsc_context_free(void *ctx)
{
  if (ctx)
    ossl_get()->tls_context_free(ctx);
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

/* A step that did not finish: wait for the socket (0), or the session
 * failed (-1). */
static int io_result(struct tlsc *s, enum ossl_io io, const char *why)
{
  if (tls_wait(s->loop, s->fd, on_event, io))
    return 0;
  return finish(s, TLSC_TLS_FAILED, why);
}

/* One step: 1 if another may follow at once. */
static int step(struct tlsc *s)
{
  enum ossl_io io;
  char why[200];
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
    if ((io = s->ops->tls_handshake(s->ssl, why, sizeof(why))) != OSSL_IO_DONE)
      return io_result(s, io, why);
    if (!s->ops->tls_alpn_is(s->ssl, s->alpn))
      return finish(s, TLSC_TLS_FAILED, "the server chose no protocol offered (ALPN)");
    s->state = ST_WRITING;
    return 1;
  case ST_WRITING:
    if ((io = s->ops->tls_write(s->ssl, s->out + s->sent, s->out_len - s->sent, &n, why,
                                sizeof(why))) != OSSL_IO_DONE)
      return io_result(s, io, why);
    s->sent += n;
    if (s->sent == s->out_len)
      s->state = ST_READING;
    return 1;
  case ST_READING:
    if (s->in_len == TLSC_MAX_RESPONSE)
      return finish(s, TLSC_BAD_RESPONSE, "response too long");
    if ((io = s->ops->tls_read(s->ssl, s->in + s->in_len, TLSC_MAX_RESPONSE - s->in_len, &n, why,
                               sizeof(why))) != OSSL_IO_DONE)
      return io_result(s, io, why);
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

struct tlsc *tlsc_start(struct loop *loop, const struct tlsc_params *p, tlsc_check_fn *check,
                        tlsc_done_fn *done, void *arg, char *err, size_t err_cap)
{
  struct sockaddr_storage ss;
  struct tlsc *s;
  struct ip_addr name_addr;
  const struct ossl_ops *o = tls_ops(err, err_cap);
  size_t alpn_len = strlen(p->alpn);
  if (!o)
    return NULL;
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
  s->ops = o;
  memcpy(s->out, p->request, p->request_len);
  s->out_len = p->request_len;
  memcpy(s->alpn, p->alpn, alpn_len);
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
  if (!(s->ssl = o->tls_connect(p->ctx, s->fd, p->name, addr_parse(p->name, &name_addr),
                                 p->alpn, p->no_time_check, err, err_cap)))
    goto error;
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
  if (s->ssl)
    o->tls_free(s->ssl);
  close(s->fd);
  free(s);
  return NULL;
}

bool tlsc_export(struct tlsc *s, const char *label, const uint8_t *context, size_t context_len,
                 uint8_t *out, size_t len)
{
  return s->ops->tls_export(s->ssl, label, context, context_len, out, len);
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
  if (s->ssl)
    s->ops->tls_free(s->ssl);
  close(s->fd);
  explicit_bzero(s->in, sizeof(s->in));
  free(s);
}
