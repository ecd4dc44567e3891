/* httpd: one resource over HTTP/1.x in the event loop (see httpd.h). */
#include "sys/httpd.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "proto/http.h"

#define READS_PER_WAKEUP 4

enum conn_state { CONN_FREE, CONN_READING, CONN_WRITING, CONN_CLOSING };

struct httpd_conn {
  struct httpd *h;
  enum conn_state state;
  int fd;
  uint64_t seq;                         /* accept order: the oldest goes first */
  uint64_t timer;
  size_t in_len;
  size_t head_len;
  char *body;                           /* body_len bytes; freed if owned */
  size_t body_len;
  bool body_owned;
  size_t sent;                          /* of head and body */
  size_t discarded;
  /* buffers last: a new connection clears what comes before */
  char in[HTTP_MAX_HEAD];
  char head[HTTP_MAX_RESPONSE_HEAD];
};

static void conn_close(struct httpd_conn *c)
{
  if (c->state == CONN_FREE)
    return;
  loop_remove_fd(c->h->loop, c->fd);
  loop_cancel_timer(c->h->loop, c->timer);
  close(c->fd);
  if (c->body_owned)
    free(c->body);
  c->body = NULL;
  c->body_owned = false;
  c->state = CONN_FREE;
  c->fd = -1;
}

static void on_conn_timeout(void *arg)
{
  struct httpd_conn *c = arg;
  c->timer = 0;                         /* it fired: nothing to cancel */
  c->h->stats.timed_out++;
  conn_close(c);
}

/* Everything sent: no more writing, and wait for the client's end. */
static void finish(struct httpd_conn *c)
{
  if (c->body_owned)
    free(c->body);
  c->body = NULL;
  c->body_owned = false;
  shutdown(c->fd, SHUT_WR);
  loop_watch_output(c->h->loop, c->fd, NULL);
  loop_pause_input(c->h->loop, c->fd, false);
  c->state = CONN_CLOSING;
}

static void on_conn_writable(void *arg, int fd);

/* Write what the socket takes; wait for room for the rest. */
static void conn_write(struct httpd_conn *c)
{
  for (int i = 0; i < 4; i++) {         /* partial writes, not a busy wait */
    struct iovec iov[2];
    int n_iov = 0;
    if (c->sent < c->head_len)
      iov[n_iov++] = (struct iovec){c->head + c->sent, c->head_len - c->sent};
    size_t body_sent = c->sent > c->head_len ? c->sent - c->head_len : 0;
    if (body_sent < c->body_len)
      iov[n_iov++] = (struct iovec){c->body + body_sent, c->body_len - body_sent};
    if (n_iov == 0) {
      finish(c);
      return;
    }
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n_iov};
    ssize_t n = sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        conn_close(c);
        return;
      }
      break;
    }
    c->sent += (size_t)n;
  }
  if (c->sent == c->head_len + c->body_len) {
    finish(c);
    return;
  }
  /* the client reads slowly: wait for room, and not for its input meanwhile */
  loop_watch_output(c->h->loop, c->fd, on_conn_writable);
  loop_pause_input(c->h->loop, c->fd, true);
}

static void on_conn_writable(void *arg, int fd)
{
  struct httpd_conn *c = arg;
  (void)fd;
  if (c->state == CONN_WRITING)
    conn_write(c);
}

static const char *error_body(int status)
{
  switch (status) {
  case 400: return "Bad Request\n";
  case 404: return "Not Found\n";
  case 405: return "Method Not Allowed\n";
  case 413: return "Content Too Large\n";
  case 431: return "Request Header Fields Too Large\n";
  case 505: return "HTTP Version Not Supported\n";
  default: return "Internal Server Error\n";
  }
}

static void respond(struct httpd_conn *c, const struct http_request *r)
{
  struct httpd *h = c->h;
  int status = r->status;
  const char *type = "text/plain; charset=utf-8";
  if (status == 200) {
    size_t len = 0;
    char *body = h->render(h->arg, &len);
    if (body) {
      c->body = body;
      c->body_len = len;
      c->body_owned = true;
      type = h->content_type;
    } else {
      status = 500;
    }
  }
  if (status != 200) {
    c->body = (char *)error_body(status);
    c->body_len = strlen(c->body);
    c->body_owned = false;
  }
  h->stats.answered[status / 100 < 6 ? status / 100 : 5]++;
  c->head_len = http_response_head(c->head, sizeof(c->head), status, type, c->body_len,
                                   time(NULL));
  if (r->method == HTTP_HEAD && status == 200) {
    free(c->body);                      /* its length was all it was for */
    c->body = NULL;
    c->body_len = 0;
    c->body_owned = false;
  }
  c->sent = 0;
  c->state = CONN_WRITING;
  conn_write(c);
}

/* Input: the request's bytes; after the response, bytes to drop. */
static void on_conn_readable(void *arg, int fd)
{
  struct httpd_conn *c = arg;
  for (int i = 0; i < READS_PER_WAKEUP && c->state != CONN_FREE; i++) {
    if (c->state == CONN_READING) {
      ssize_t n = recv(fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        conn_close(c);                  /* gone before its request ended */
        return;
      }
      if (n < 0)
        return;
      c->in_len += (size_t)n;
      struct http_request r;
      if (http_parse_request(c->in, c->in_len, c->h->path, &r) != 0)
        respond(c, &r);
    } else if (c->state == CONN_CLOSING) {
      char scratch[4096];
      ssize_t n = recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
      if (n <= 0 || (c->discarded += (size_t)n) > HTTPD_MAX_DISCARD) {
        conn_close(c);                  /* the client's end, or enough */
        return;
      }
    } else {
      return;                           /* writing: input is paused */
    }
  }
}

/* A free slot, or else the oldest connection's, closed (the oldest of
 * those already answered, if any). */
static struct httpd_conn *take_slot(struct httpd *h)
{
  struct httpd_conn *oldest = NULL;
  for (unsigned i = 0; i < HTTPD_MAX_CONNECTIONS; i++) {
    struct httpd_conn *c = &h->conns[i];
    if (c->state == CONN_FREE)
      return c;
    bool answered = c->state == CONN_CLOSING, oldest_answered = oldest &&
                                                                oldest->state == CONN_CLOSING;
    if (!oldest || answered > oldest_answered ||
        (answered == oldest_answered && c->seq < oldest->seq))
      oldest = c;
  }
  h->stats.dropped_oldest++;
  conn_close(oldest);
  return oldest;
}

static void on_accept(void *arg, int cfd, const struct ip_addr *from)
{
  (void)from;
  struct httpd *h = arg;
  struct httpd_conn *c = take_slot(h);
  memset(c, 0, offsetof(struct httpd_conn, in));
  c->h = h;
  c->fd = cfd;
  c->seq = h->next_seq++;
  if (loop_add_fd(h->loop, cfd, on_conn_readable, c) < 0) {
    close(cfd);
    return;
  }
  c->timer = loop_add_timer(h->loop, HTTPD_TIMEOUT, on_conn_timeout, c);
  c->state = CONN_READING;
  h->stats.accepted++;
}

bool httpd_init(struct httpd *h, struct loop *loop, const char *path, const char *content_type,
                httpd_render_fn *render, void *arg)
{
  memset(h, 0, sizeof(*h));
  h->loop = loop;
  h->path = path;
  h->content_type = content_type;
  h->render = render;
  h->arg = arg;
  tcp_listen_init(&h->listen, loop, on_accept, h);
  h->conns = calloc(HTTPD_MAX_CONNECTIONS, sizeof(*h->conns));
  for (unsigned i = 0; h->conns && i < HTTPD_MAX_CONNECTIONS; i++)
    h->conns[i].fd = -1;
  return h->conns != NULL;
}

int httpd_listen(struct httpd *h, const struct ip_addr *addr, uint16_t port)
{
  return tcp_listen_add(&h->listen, addr, port);
}

void httpd_free(struct httpd *h)
{
  if (!h->loop)
    return;                             /* never initialised */
  for (unsigned i = 0; h->conns && i < HTTPD_MAX_CONNECTIONS; i++)
    conn_close(&h->conns[i]);
  tcp_listen_free(&h->listen);
  free(h->conns);
  memset(h, 0, sizeof(*h));
}
