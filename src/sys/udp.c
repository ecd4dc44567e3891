#include "sys/udp.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/ntp_packet.h"

union sockaddr_any {
  struct sockaddr sa;
  struct sockaddr_in in4;
  struct sockaddr_in6 in6;
  struct sockaddr_storage ss;
};

static socklen_t to_sockaddr(const struct ip_addr *a, enum addr_family family, uint16_t port,
                             union sockaddr_any *out)
{
  memset(out, 0, sizeof(*out));
  if (family == ADDR_INET4) {
    out->in4.sin_family = AF_INET;
    out->in4.sin_port = htons(port);
    if (a && a->family == ADDR_INET4)
      memcpy(&out->in4.sin_addr, a->bytes, 4);
    return sizeof(out->in4);
  }
  out->in6.sin6_family = AF_INET6;
  out->in6.sin6_port = htons(port);
  if (a && a->family == ADDR_INET6)
    memcpy(&out->in6.sin6_addr, a->bytes, 16);
  return sizeof(out->in6);
}

static void from_sockaddr(const union sockaddr_any *s, struct ip_addr *a, uint16_t *port)
{
  memset(a, 0, sizeof(*a));
  if (s->sa.sa_family == AF_INET) {
    a->family = ADDR_INET4;
    memcpy(a->bytes, &s->in4.sin_addr, 4);
    *port = ntohs(s->in4.sin_port);
  } else if (s->sa.sa_family == AF_INET6) {
    a->family = ADDR_INET6;
    memcpy(a->bytes, &s->in6.sin6_addr, 16);
    *port = ntohs(s->in6.sin6_port);
    *a = addr_unmap_v4(a);
  } else {
    *port = 0;
  }
}

static void enable_timestamps(int fd)
{
  int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) < 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
}

int udp_open(enum addr_family family, const struct ip_addr *local, uint16_t port)
{
  union sockaddr_any sa;
  int on = 1;
  int fd = socket(family == ADDR_INET4 ? AF_INET : AF_INET6,
                  SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  if (family == ADDR_INET6) {
    (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    (void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
  } else {
    (void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
  }
  enable_timestamps(fd);
  socklen_t len = to_sockaddr(local, family, port, &sa);
  if (bind(fd, &sa.sa, len) < 0) {
    int err = -errno;
    close(fd);
    return err;
  }
  return fd;
}

static void read_cmsgs(struct msghdr *msg, struct plat_datagram *dg)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) {
      struct scm_timestamping ts;
      memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      if (ts.ts[0].tv_sec != 0 || ts.ts[0].tv_nsec != 0) {
        dg->rx_time = ts.ts[0];
        dg->rx_source = PLAT_TS_KERNEL;
      }
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      memcpy(&dg->rx_time, CMSG_DATA(c), sizeof(dg->rx_time));
      dg->rx_source = PLAT_TS_KERNEL;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof(pi));
      dg->local.family = ADDR_INET4;
      memcpy(dg->local.bytes, &pi.ipi_addr, 4);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof(pi));
      dg->local.family = ADDR_INET6;
      memcpy(dg->local.bytes, &pi.ipi6_addr, 16);
    }
  }
}

ssize_t udp_recv(int fd, uint8_t *buf, size_t cap, struct plat_datagram *dg)
{
  union sockaddr_any from;
  union {
    char buf[256];
    struct cmsghdr align;
  } control;
  struct iovec iov = {buf, cap};
  struct msghdr msg = {
    .msg_name = &from, .msg_namelen = sizeof(from),
    .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
  };
  ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0)
    return -errno;
  memset(dg, 0, sizeof(*dg));
  dg->data = buf;
  /* A truncated datagram is longer than any valid one: keep it recognisable
   * as oversized rather than silently cut. */
  dg->len = (msg.msg_flags & MSG_TRUNC) ? cap : (size_t)n;
  from_sockaddr(&from, &dg->from, &dg->from_port);
  read_cmsgs(&msg, dg);
  if (dg->rx_source != PLAT_TS_KERNEL) {
    clock_gettime(CLOCK_REALTIME, &dg->rx_time);
    dg->rx_source = PLAT_TS_DAEMON;
  }
  return (ssize_t)dg->len;
}

/* Attach the one control message saying which local address to send from. */
static void set_pktinfo(struct msghdr *msg, char *control, int level, int type,
                        const void *info, size_t len)
{
  msg->msg_control = control;
  msg->msg_controllen = CMSG_SPACE(len);
  struct cmsghdr *c = CMSG_FIRSTHDR(msg);
  c->cmsg_level = level;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(len);
  memcpy(CMSG_DATA(c), info, len);
}

int udp_send(int fd, const struct ip_addr *local, const struct ip_addr *to, uint16_t port,
             uint8_t *buf, size_t len, bool stamp_transmit)
{
  union sockaddr_any dst;
  union {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
    struct cmsghdr align;
  } control;
  struct iovec iov = {buf, len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

  memset(&control, 0, sizeof(control));
  msg.msg_name = &dst;
  msg.msg_namelen = to_sockaddr(to, (enum addr_family)to->family, port, &dst);
  if (local && local->family == ADDR_INET4 && to->family == ADDR_INET4) {
    struct in_pktinfo pi = {0};
    memcpy(&pi.ipi_spec_dst, local->bytes, 4);
    set_pktinfo(&msg, control.buf, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
  } else if (local && local->family == ADDR_INET6 && to->family == ADDR_INET6) {
    struct in6_pktinfo pi = {0};
    memcpy(&pi.ipi6_addr, local->bytes, 16);
    set_pktinfo(&msg, control.buf, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
  }
  if (stamp_transmit && len >= NTP_HEADER_LEN) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    ntp_set_transmit(buf, ntp_ts_from_timespec(&now));
  }
  return sendmsg(fd, &msg, 0) < 0 ? -errno : 0;
}
