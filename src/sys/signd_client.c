/* signd_client: Samba's ntp_signd, asked without blocking (see
 * signd_client.h). */
#include "sys/signd_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/log.h"

#define NEXT(i) (((i) + 1) % SIGNDC_QUEUE)

bool signdc_init(struct signdc *c, struct loop *loop, const struct platform *plat,
                 const char *dir)
{
  memset(c, 0, sizeof(*c));
  c->loop = loop;
  c->plat = plat;
  c->fd = -1;
  int n = snprintf(c->path, sizeof(c->path), "%s/" SIGND_SOCKET_NAME, dir);
  if (n < 0 || (size_t)n >= sizeof(c->path)) {
    log_printf(PLAT_LOG_ERR, "Invalid signd socket path %s/" SIGND_SOCKET_NAME, dir);
    return false;
  }
  log_printf(PLAT_LOG_INFO, "MS-SNTP authentication enabled");
  return true;
}

/* The connection and what waited on it are gone (chronyd's close_socket). */
static void disconnect(struct signdc *c)
{
  if (c->fd < 0)
    return;
  loop_remove_fd(c->loop, c->fd);
  close(c->fd);
  c->fd = -1;
  for (unsigned i = c->head; i != c->tail; i = NEXT(i))
    c->stats.dropped++;
  c->head = c->tail = 0;
  c->received = 0;
}

void signdc_fini(struct signdc *c)
{
  disconnect(c);
}

static void on_event(void *arg, int fd);

static bool connect_signd(struct signdc *c)
{
  if (c->fd >= 0)
    return true;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  memcpy(sa.sun_path, c->path, sizeof(c->path));
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
    int err = errno;
    close(fd);
    fd = -1;
    errno = err;
  }
  if (fd >= 0 && loop_add_fd(c->loop, fd, on_event, c) < 0) {
    close(fd);
    fd = -1;
    errno = ENOMEM;
  }
  if (fd < 0) {
    if (!c->logged_error)
      log_printf(PLAT_LOG_ERR, "Could not connect to signd socket %s : %s", c->path,
                 strerror(errno));
    c->logged_error = true;
    return false;
  }
  c->fd = fd;
  return true;
}

static void on_writable(void *arg, int fd);

/* Write the request at the head while the socket takes it; then wait for
 * its response. */
static void send_head(struct signdc *c)
{
  struct signdc_entry *e = &c->queue[c->head];
  while (e->sent < sizeof(e->request)) {
    ssize_t n = send(c->fd, e->request + e->sent, sizeof(e->request) - e->sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      loop_watch_output(c->loop, c->fd, on_writable);
      return;
    }
    if (n <= 0) {
      disconnect(c);
      return;
    }
    e->sent += (size_t)n;
  }
  loop_watch_output(c->loop, c->fd, NULL);
}

static void on_writable(void *arg, int fd)
{
  (void)fd;
  send_head(arg);
}

/* The response to the head's request is complete in rx: send the signed
 * reply, then the next request. */
static void finish_head(struct signdc *c, const struct signd_response *r, enum signd_status st)
{
  struct signdc_entry *e = &c->queue[c->head];
  if (st == SIGND_OK && r->packet_len >= NTP_HEADER_LEN) {
    const struct platform_ops *ops = c->plat->ops;
    /* sent as Samba made it: the signature covers its transmit time */
    if (ops->udp_send(c->plat->ctx, e->sock, &e->local, &e->to, e->port, (uint8_t *)r->packet,
                      r->packet_len, 0) == 0) {
      c->stats.signed_sent++;
      c->logged_error = false;
    } else {
      c->stats.dropped++;
    }
  } else {
    c->stats.dropped++;          /* not signed, or not ours: chronyd sends nothing */
  }
  memmove(c->rx, c->rx + r->len, c->received - r->len);
  c->received -= r->len;
  c->head = NEXT(c->head);
  if (c->head != c->tail)
    send_head(c);
}

static void on_event(void *arg, int fd)
{
  struct signdc *c = arg;
  ssize_t n = recv(fd, c->rx + c->received, sizeof(c->rx) - c->received, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return;
  if (n <= 0 || c->head == c->tail) {
    disconnect(c);
    return;
  }
  c->received += (size_t)n;
  while (c->fd >= 0 && c->head != c->tail) {
    struct signd_response r;
    enum signd_status st = signd_parse_response(c->rx, c->received, c->head, &r);
    if (st == SIGND_PARTIAL)
      return;
    if (st == SIGND_BAD_LENGTH) {
      disconnect(c);
      return;
    }
    finish_head(c, &r, st);
  }
  if (c->fd >= 0 && c->received > 0)   /* a response nobody asked for */
    disconnect(c);
}

void signdc_sign(void *arg, int sock, const struct plat_datagram *dg, uint32_t keyid,
                 const uint8_t *reply)
{
  struct signdc *c = arg;
  if (NEXT(c->tail) == c->head || !connect_signd(c)) {
    c->stats.dropped++;
    return;
  }
  struct signdc_entry *e = &c->queue[c->tail];
  *e = (struct signdc_entry){.sock = sock, .local = dg->local, .to = dg->from,
                             .port = dg->from_port};
  signd_build_request(e->request, (uint16_t)c->tail, keyid, reply);
  bool idle = c->head == c->tail;
  c->tail = NEXT(c->tail);
  c->stats.queued++;
  if (idle)
    send_head(c);
}
