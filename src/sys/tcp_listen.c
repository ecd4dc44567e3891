/* tcp_listen: listening TCP sockets in the loop (see tcp_listen.h). */
#include "sys/tcp_listen.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/udp.h"

void tcp_listen_init(struct tcp_listener *t, struct loop *loop, tcp_accept_fn *on_accept,
                     void *arg)
{
  memset(t, 0, sizeof(*t));
  t->loop = loop;
  t->on_accept = on_accept;
  t->arg = arg;
}

static void pause_all(struct tcp_listener *t, bool paused)
{
  t->paused = paused;
  for (unsigned i = 0; i < t->n; i++)
    loop_pause_input(t->loop, t->fd[i], paused);
}

static void resume_accepting(void *arg)
{
  struct tcp_listener *t = arg;
  t->timer = 0;
  pause_all(t, false);
}

static void on_listen_readable(void *arg, int fd)
{
  struct tcp_listener *t = arg;
  for (int i = 0; i < TCP_LISTEN_ACCEPTS; i++) {
    struct sockaddr_storage from;
    socklen_t from_len = sizeof(from);
    int cfd = accept4(fd, (struct sockaddr *)&from, &from_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        pause_all(t, true);
        t->timer = loop_add_timer(t->loop, TCP_LISTEN_PAUSE, resume_accepting, t);
      }
      return;                           /* EAGAIN: none left; others: the next one */
    }
    struct ip_addr peer;
    uint16_t peer_port;
    udp_from_sockaddr(&from, &peer, &peer_port);
    t->on_accept(t->arg, cfd, &peer);
  }
}

int tcp_listen_add(struct tcp_listener *t, const struct ip_addr *addr, uint16_t port)
{
  struct sockaddr_storage ss;
  int one = 1;
  if (t->n == TCP_LISTEN_MAX)
    return -ENOSPC;
  if (addr->family != ADDR_INET4 && addr->family != ADDR_INET6)
    return -EAFNOSUPPORT;
  socklen_t len = udp_to_sockaddr(addr, (enum addr_family)addr->family, port, &ss);
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  int err = 0;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
      (ss.ss_family == AF_INET6 &&
       setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
      bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, TCP_LISTEN_BACKLOG) < 0)
    err = -errno;
  else
    err = loop_add_fd(t->loop, fd, on_listen_readable, t);
  if (err < 0) {
    close(fd);
    return err;
  }
  t->fd[t->n++] = fd;
  return 0;
}

void tcp_listen_free(struct tcp_listener *t)
{
  if (!t->loop)
    return;
  for (unsigned i = 0; i < t->n; i++) {
    loop_remove_fd(t->loop, t->fd[i]);
    close(t->fd[i]);
  }
  if (t->timer)
    loop_cancel_timer(t->loop, t->timer);
  memset(t, 0, sizeof(*t));
}
