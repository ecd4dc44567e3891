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

#include "sys/tls.h"

#define STEPS_PER_WAKEUP 8
#define MAX_DISCARD 65536               /* bytes dropped after the response */

enum conn_state { CONN_HANDSHAKE, CONN_READING, CONN_WRITING, CONN_SHUTDOWN, CONN_CLOSING };

struct tlsd_conn {
  struct tlsd *t;
  struct tlsd_conn *prev, *next;
  enum conn_state state;
  int fd;
  void *ssl;                            /* the OpenSSL module's session */
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
  t->ops->tls_free(c->ssl);
  close(c->fd);
  if (c->prev)
    c->prev->next = c->next;
  else
    t->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  if (c->in)
    explicit_bzero(c->in, TLSD_MAX_REQUEST);
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

/* What a step that did not finish means: 0 wait (set), -1 closed. */
static int io_result(struct tlsd_conn *c, enum ossl_io io)
{
  if (tls_wait(c->t->loop, c->fd, on_event, io))
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
  const struct ossl_ops *o = t->ops;
  enum ossl_io io;

  switch (c->state) {
  case CONN_HANDSHAKE:
    if ((io = o->tls_handshake(c->ssl, NULL, 0)) != OSSL_IO_DONE)
      return io_result(c, io);
    c->state = CONN_READING;
    return 1;
  case CONN_READING: {
    size_t n = 0;
    if (c->in_len == TLSD_MAX_REQUEST) {
      conn_close(c);                    /* too long to be a request */
      return -1;
    }
    if ((io = o->tls_read(c->ssl, c->in + c->in_len, TLSD_MAX_REQUEST - c->in_len, &n, NULL,
                          0)) != OSSL_IO_DONE)
      return io_result(c, io);
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
    if ((io = o->tls_write(c->ssl, c->out + c->sent, c->out_len - c->sent, &n, NULL, 0)) !=
        OSSL_IO_DONE)
      return io_result(c, io);
    c->sent += n;
    if (c->sent == c->out_len)
      c->state = CONN_SHUTDOWN;
    return 1;
  }
  case CONN_SHUTDOWN:
    if ((io = o->tls_shutdown(c->ssl)) != OSSL_IO_DONE)
      return io_result(c, io);
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
  if (!t->tls || !(c = calloc(1, sizeof(*c))) || !(c->in = malloc(TLSD_MAX_REQUEST)) ||
      !(c->out = malloc(TLSD_MAX_RESPONSE)) || !(c->ssl = t->ops->tls_accept(t->tls, fd)) ||
      loop_add_fd(t->loop, fd, on_event, c) < 0) {
    if (c) {
      if (c->ssl)
        t->ops->tls_free(c->ssl);
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
  c->timer = loop_add_timer(t->loop, t->timeout, on_timeout, c);
  c->next = t->conns;
  if (t->conns)
    t->conns->prev = c;
  t->conns = c;
  t->n_conns++;
  t->stats.accepted++;
}

bool tlsd_init(struct tlsd *t, struct loop *loop, const char *alpn, const char *const *certs,
               const char *const *keys, unsigned n_pairs, unsigned max_conns, double timeout,
               tlsd_handle_fn *handle, void *arg, char *err, size_t err_cap)
{
  memset(t, 0, sizeof(*t));
  t->loop = loop;
  t->handle = handle;
  t->arg = arg;
  t->timeout = timeout;
  t->max_conns = max_conns;
  tcp_listen_init(&t->listen, loop, on_accept, t);
  if (!certs)
    return true;
  /* the module is loaded here, also in a helper process after its fork */
  if (!(t->ops = tls_ops(err, err_cap)) ||
      !(t->tls = t->ops->tls_server_new(certs, keys, n_pairs, alpn, err, err_cap))) {
    tlsd_free(t);
    return false;
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
  return c->t->ops->tls_export(c->ssl, label, context, context_len, out, len);
}

void tlsd_free(struct tlsd *t)
{
  if (!t->loop)
    return;
  while (t->conns)
    conn_close(t->conns);
  tcp_listen_free(&t->listen);
  if (t->tls)
    t->ops->tls_context_free(t->tls);
  memset(t, 0, sizeof(*t));
}
