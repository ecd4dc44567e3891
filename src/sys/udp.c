#include "sys/udp.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <stdlib.h>
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

socklen_t udp_to_sockaddr(const struct ip_addr *a, enum addr_family family, uint16_t port,
                          struct sockaddr_storage *storage)
{
  union sockaddr_any *out = (union sockaddr_any *)storage;
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

void udp_from_sockaddr(const struct sockaddr_storage *storage, struct ip_addr *a, uint16_t *port)
{
  const union sockaddr_any *s = (const union sockaddr_any *)storage;
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

static void enable_timestamps(int fd, unsigned hw_flags)
{
  int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
  int hw = flags | (int)hw_flags, on = 1;
  if ((!hw_flags || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &hw, sizeof(hw)) < 0) &&
      setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) < 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
}

/* dscp and device, as chronyd sets them (a DSCP it cannot set is ignored). */
static int apply_options(int fd, enum addr_family family, const struct udp_options *opt)
{
  int on = 1, tos = opt->dscp << 2;
  if (opt->dscp > 0 && opt->dscp < 64)
    (void)(family == ADDR_INET6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos))
                                : setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)));
  if (opt->device[0] &&
      setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, opt->device, strlen(opt->device) + 1) < 0)
    return -errno;
  if (opt->reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0)
    return -errno;
  if (opt->broadcast && setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) < 0)
    return -errno;
  return 0;
}

int udp_open(enum addr_family family, const struct ip_addr *local, uint16_t port,
             const struct udp_options *opt)
{
  static const struct udp_options none;
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
  enable_timestamps(fd, opt ? opt->hw_flags : 0);
  int err = apply_options(fd, family, opt ? opt : &none);
  if (err < 0) {
    close(fd);
    return err;
  }
  socklen_t len = udp_to_sockaddr(local, family, port, &sa.ss);
  if (bind(fd, &sa.sa, len) < 0) {
    int err = -errno;
    close(fd);
    return err;
  }
  return fd;
}

int udp_steer_by_source_address(int fd, enum addr_family family, unsigned n)
{
  /* Classic BPF run by the kernel for each datagram with the UDP payload as
   * its data; SKF_NET_OFF reaches the IP header. A = the source address
   * (IPv6: its four words XORed), return A mod n: the socket's index. */
  struct sock_filter v4[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12),
      BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n),
      BPF_STMT(BPF_RET | BPF_A, 0),
  };
  struct sock_filter v6[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 8),
      BPF_STMT(BPF_MISC | BPF_TAX, 0),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12),
      BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
      BPF_STMT(BPF_MISC | BPF_TAX, 0),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 16),
      BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
      BPF_STMT(BPF_MISC | BPF_TAX, 0),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 20),
      BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
      BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n),
      BPF_STMT(BPF_RET | BPF_A, 0),
  };
  struct sock_fprog prog;
  if (n == 0)
    return -EINVAL;
  if (family == ADDR_INET4)
    prog = (struct sock_fprog){sizeof(v4) / sizeof(v4[0]), v4};
  else
    prog = (struct sock_fprog){sizeof(v6) / sizeof(v6[0]), v6};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0)
    return -errno;
  return 0;
}

/* Copy c's data to out if c holds len bytes of it within the buffer (the
 * first header is only known to fit in it). */
static bool cmsg_read(const struct msghdr *msg, const struct cmsghdr *c, void *out, size_t len)
{
  size_t offset = (size_t)((const char *)c - (const char *)msg->msg_control);
  if (c->cmsg_len < CMSG_LEN(len) || c->cmsg_len > msg->msg_controllen - offset)
    return false;
  memcpy(out, CMSG_DATA(c), len);
  return true;
}

/* SCM_TIMESTAMPING's software time (ts[0]) and raw hardware time (ts[2]),
 * each zero when it has none. */
static bool read_stamps(const struct msghdr *msg, const struct cmsghdr *c, struct timespec *sw,
                        struct timespec *hw)
{
  struct scm_timestamping ts;
  if (!cmsg_read(msg, c, &ts, sizeof(ts)))
    return false;
  *sw = ts.ts[0];
  *hw = ts.ts[2];
  return true;
}

static bool normalised(const struct timespec *t)
{
  return t->tv_nsec >= 0 && t->tv_nsec < 1000000000;
}

/* A timestamp given: non-zero and valid. */
static bool stamped(const struct timespec *t)
{
  return (t->tv_sec != 0 || t->tv_nsec != 0) && normalised(t);
}

/* The interface of IP_PKTINFO or IPV6_PKTINFO (an index may not go
 * negative). */
static int if_index(unsigned index)
{
  return index > INT32_MAX ? 0 : (int)index;
}

void udp_parse_rx_cmsgs(struct msghdr *msg, struct plat_datagram *dg, struct udp_hw_info *hw)
{
  struct timespec t, h;
  struct in_pktinfo pi;
  struct in6_pktinfo pi6;
  struct scm_ts_pktinfo tpi;
  int pkt_index = 0, ts_index = 0;
  memset(hw, 0, sizeof(*hw));
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING &&
        read_stamps(msg, c, &t, &h)) {
      if (stamped(&t)) {
        dg->rx_time = t;
        dg->rx_source = PLAT_TS_KERNEL;
      }
      hw->hw = stamped(&h) ? h : (struct timespec){0, 0};
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
               cmsg_read(msg, c, &t, sizeof(t)) && normalised(&t)) {
      dg->rx_time = t;
      dg->rx_source = PLAT_TS_KERNEL;
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING_PKTINFO &&
               cmsg_read(msg, c, &tpi, sizeof(tpi))) {
      /* The interface that stamped it (a bond's or bridge's member) and the
       * frame's length. */
      ts_index = if_index(tpi.if_index);
      hw->l2_len = tpi.pkt_length > INT32_MAX ? 0 : (int)tpi.pkt_length;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
               cmsg_read(msg, c, &pi, sizeof(pi))) {
      dg->local.family = ADDR_INET4;
      memcpy(dg->local.bytes, &pi.ipi_addr, 4);
      pkt_index = if_index((unsigned)pi.ipi_ifindex);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
               cmsg_read(msg, c, &pi6, sizeof(pi6))) {
      dg->local.family = ADDR_INET6;
      memcpy(dg->local.bytes, &pi6.ipi6_addr, 16);
      pkt_index = if_index(pi6.ipi6_ifindex);
    }
  }
  hw->if_index = ts_index ? ts_index : pkt_index;
}

/* Room for SCM_TIMESTAMPING (or SCM_TIMESTAMPNS) and IP(V6)_PKTINFO. */
#define RX_CONTROL_LEN 256

union rx_control {
  char buf[RX_CONTROL_LEN];
  struct cmsghdr align;
};

/* Fill dg (and hw) from a received message of n bytes in buf (of size cap). */
static void decode(struct msghdr *msg, size_t n, uint8_t *buf, size_t cap,
                   struct plat_datagram *dg, struct udp_hw_info *hw)
{
  memset(dg, 0, sizeof(*dg));
  dg->data = buf;
  /* A truncated datagram is longer than any valid one: keep it recognisable
   * as oversized rather than silently cut. */
  dg->len = (msg->msg_flags & MSG_TRUNC) ? cap : n;
  udp_from_sockaddr(msg->msg_name, &dg->from, &dg->from_port);
  udp_parse_rx_cmsgs(msg, dg, hw);
  if (dg->rx_source != PLAT_TS_KERNEL) {
    clock_gettime(CLOCK_REALTIME, &dg->rx_time);
    dg->rx_source = PLAT_TS_DAEMON;
  }
}

int udp_rx_batch_init(struct udp_rx_batch *b, unsigned cap, size_t buf_size)
{
  memset(b, 0, sizeof(*b));
  b->cap = cap;
  b->buf_size = buf_size;
  b->bufs = malloc((size_t)cap * buf_size);
  b->msgs = calloc(cap, sizeof(struct mmsghdr));
  b->iovs = calloc(cap, sizeof(struct iovec));
  b->names = calloc(cap, sizeof(union sockaddr_any));
  b->control = calloc(cap, sizeof(union rx_control));
  if (!b->bufs || !b->msgs || !b->iovs || !b->names || !b->control) {
    udp_rx_batch_free(b);
    return -ENOMEM;
  }
  struct mmsghdr *msgs = b->msgs;
  struct iovec *iovs = b->iovs;
  for (unsigned i = 0; i < cap; i++) {
    iovs[i] = (struct iovec){b->bufs + (size_t)i * buf_size, buf_size};
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = (union sockaddr_any *)b->names + i;
    msgs[i].msg_hdr.msg_control = ((union rx_control *)b->control)[i].buf;
  }
  return 0;
}

void udp_rx_batch_free(struct udp_rx_batch *b)
{
  free(b->bufs);
  free(b->msgs);
  free(b->iovs);
  free(b->names);
  free(b->control);
  memset(b, 0, sizeof(*b));
}

int udp_recv_batch(int fd, struct udp_rx_batch *b, unsigned max, struct plat_datagram *dgs,
                   struct udp_hw_info *hws)
{
  struct mmsghdr *msgs = b->msgs;
  if (max > b->cap)
    max = b->cap;
  /* The kernel overwrites the lengths: reset what it changed. */
  for (unsigned i = 0; i < max; i++) {
    msgs[i].msg_hdr.msg_namelen = sizeof(union sockaddr_any);
    msgs[i].msg_hdr.msg_controllen = sizeof(union rx_control);
    msgs[i].msg_hdr.msg_flags = 0;
  }
  int n = recvmmsg(fd, msgs, max, MSG_DONTWAIT, NULL);
  if (n < 0)
    return -errno;
  if (n == 0)
    return -EAGAIN;
  for (int i = 0; i < n; i++)
    decode(&msgs[i].msg_hdr, msgs[i].msg_len, b->bufs + (size_t)i * b->buf_size, b->buf_size,
           &dgs[i], &hws[i]);
  return n;
}

/* Append a control message (msg_control points at a zeroed buffer with
 * room for it). */
static void add_cmsg(struct msghdr *msg, int level, int type, const void *data, size_t len)
{
  struct cmsghdr *c = (struct cmsghdr *)((char *)msg->msg_control + msg->msg_controllen);
  c->cmsg_level = level;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(len);
  memcpy(CMSG_DATA(c), data, len);
  msg->msg_controllen += CMSG_SPACE(len);
}

/* Destination and, when known, the local address to send from
 * (msg_control points at o's zeroed control buffer). */
static void address_msg(struct msghdr *msg, struct udp_out *o, const struct ip_addr *local,
                        const struct ip_addr *to, uint16_t port)
{
  msg->msg_name = &o->dst;
  msg->msg_namelen = udp_to_sockaddr(to, (enum addr_family)to->family, port, &o->dst);
  memset(&o->control, 0, sizeof(o->control));
  msg->msg_control = o->control.buf;
  msg->msg_controllen = 0;
  if (local && local->family == ADDR_INET4 && to->family == ADDR_INET4) {
    struct in_pktinfo pi = {0};
    memcpy(&pi.ipi_spec_dst, local->bytes, 4);
    add_cmsg(msg, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
  } else if (local && local->family == ADDR_INET6 && to->family == ADDR_INET6) {
    struct in6_pktinfo pi = {0};
    memcpy(&pi.ipi6_addr, local->bytes, 16);
    add_cmsg(msg, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
  }
}

/* The message (msg_iov left to the caller) with its control messages, and
 * buf stamped as flags ask: the clock read now goes to *sent. */
static void prepare(struct msghdr *msg, struct udp_out *o, const struct ip_addr *local,
                    const struct ip_addr *to, uint16_t port, uint8_t *buf, size_t len,
                    unsigned flags, struct timespec *sent)
{
  address_msg(msg, o, local, to, port);
  if (flags & UDP_SEND_TX_TIMESTAMP) {
    int ts = SOF_TIMESTAMPING_TX_SOFTWARE |
             (flags & UDP_SEND_TX_HARDWARE ? SOF_TIMESTAMPING_TX_HARDWARE : 0);
    add_cmsg(msg, SOL_SOCKET, SO_TIMESTAMPING, &ts, sizeof(ts));
  }
  if (msg->msg_controllen == 0)
    msg->msg_control = NULL;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if ((flags & UDP_SEND_STAMP_TRANSMIT) && len >= NTP_HEADER_LEN) {
    ntp_ts ts = ntp_ts_from_timespec(&now) + ntp_get_transmit(buf);
    ntp_set_transmit(buf, flags & UDP_SEND_STAMP_EVEN ? ts & ~(ntp_ts)1 : ts);
  }
  *sent = now;
}

int udp_send(int fd, const struct ip_addr *local, const struct ip_addr *to, uint16_t port,
             uint8_t *buf, size_t len, unsigned flags, struct timespec *sent)
{
  return udp_send_prefixed(fd, local, to, port, NULL, 0, buf, len, flags, sent);
}

int udp_send_prefixed(int fd, const struct ip_addr *local, const struct ip_addr *to,
                      uint16_t port, const uint8_t *prefix, size_t prefix_len, uint8_t *buf,
                      size_t len, unsigned flags, struct timespec *sent)
{
  struct udp_out o;
  struct timespec now;
  struct iovec iov[2] = {{(void *)prefix, prefix_len}, {buf, len}};
  struct msghdr msg = {.msg_iov = prefix_len ? iov : iov + 1, .msg_iovlen = prefix_len ? 2 : 1};
  prepare(&msg, &o, local, to, port, buf, len, flags, &now);
  if (sent)
    *sent = now;
  return sendmsg(fd, &msg, 0) < 0 ? -errno : 0;
}

int udp_out_prepare(struct udp_out *o, struct mmsghdr *m, const struct ip_addr *local,
                    const struct ip_addr *to, uint16_t port, const uint8_t *buf, size_t len,
                    unsigned flags, struct timespec *sent)
{
  if (len > sizeof(o->data))
    return -EMSGSIZE;
  memcpy(o->data, buf, len);
  o->iov = (struct iovec){o->data, len};
  memset(m, 0, sizeof(*m));
  m->msg_hdr.msg_iov = &o->iov;
  m->msg_hdr.msg_iovlen = 1;
  prepare(&m->msg_hdr, o, local, to, port, o->data, len, flags, sent);
  return 0;
}

int udp_send_batch(int fd, struct mmsghdr *msgs, unsigned n)
{
  int r = sendmmsg(fd, msgs, n, 0);
  return r < 0 ? -errno : r;
}

int udp_enable_tx_timestamps(int fd, unsigned hw_flags)
{
  /* Transmit stamps are asked for per message; OPT_ID numbers them (from 0,
   * one per stamped datagram) and OPT_TSONLY keeps the packet itself off
   * the error queue, unless hardware stamps are asked for: the packet's
   * IP_PKTINFO (OPT_CMSG) then tells the interface that stamped it. */
  int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
              SOF_TIMESTAMPING_OPT_ID | (int)hw_flags;
  if (!(hw_flags & SOF_TIMESTAMPING_RAW_HARDWARE))
    flags |= SOF_TIMESTAMPING_OPT_TSONLY;
  else
    flags |= SOF_TIMESTAMPING_OPT_CMSG;
  return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) < 0 ? -errno : 0;
}

int udp_read_tx_timestamp(int fd, uint32_t *id, struct timespec *tx_time, struct udp_hw_info *hw)
{
  union rx_control control;
  /* The frame sent, when it comes back (not OPT_TSONLY): only its length
   * is wanted. */
  char data[UDP_TX_FRAME_MAX];
  struct iovec iov = {data, sizeof(data)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof(control)};
  ssize_t n = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
  if (n < 0)
    return -errno;
  int r = udp_parse_tx_cmsgs(&msg, id, tx_time, hw);
  if (r == 0 && !(msg.msg_flags & MSG_TRUNC))
    hw->l2_len = (int)n;
  return r;
}

int udp_parse_tx_cmsgs(struct msghdr *msg, uint32_t *id, struct timespec *tx_time,
                       struct udp_hw_info *hw)
{
  bool have_ts = false, have_id = false;
  struct sock_extended_err err;
  struct in_pktinfo pi;
  struct in6_pktinfo pi6;
  memset(hw, 0, sizeof(*hw));
  memset(tx_time, 0, sizeof(*tx_time));
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) {
      struct timespec sw, h;
      if (read_stamps(msg, c, &sw, &h)) {
        *tx_time = stamped(&sw) ? sw : (struct timespec){0, 0};
        hw->hw = stamped(&h) ? h : (struct timespec){0, 0};
        have_ts = stamped(&sw) || stamped(&h);
      }
    } else if (((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) &&
               cmsg_read(msg, c, &err, sizeof(err)) && err.ee_errno == ENOMSG &&
               err.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) {
      *id = err.ee_data;
      have_id = true;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
               cmsg_read(msg, c, &pi, sizeof(pi))) {
      hw->if_index = if_index((unsigned)pi.ipi_ifindex);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
               cmsg_read(msg, c, &pi6, sizeof(pi6))) {
      hw->if_index = if_index(pi6.ipi6_ifindex);
    }
  }
  return have_ts && have_id ? 0 : -ENOMSG;
}
