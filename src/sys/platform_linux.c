#include "sys/platform_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "proto/num.h"
#include "proto/ptp.h"
#include "sys/clock_linux.h"
#include "sys/dns.h"
#include "sys/hwnic.h"
#include "sys/log.h"
#include "sys/refclock_dev.h"
#include "sys/udp.h"

/* Datagrams handled per socket per wake-up, so one busy socket cannot
 * starve the others or the timers; they are read with one recvmmsg into
 * buffers allocated once. */
#define RECV_BATCH 64
#define RECV_BUF 1500
/* Tagged sends whose kernel transmit timestamp may still come, per socket
 * (the oldest are forgotten first) unless maxtxbuffers says how many;
 * timestamps read per wake-up. */
#define TX_PENDING 256
#define TX_READ_BATCH 64
/* Replies made while a receive batch is dispatched (PLAT_SEND_BATCHED)
 * leave together with one sendmmsg: on virtual machines where a system
 * call costs as much as the sending it does, a sendmsg each took most of
 * the time of a reply. They go when the batch is done, when the queue is
 * full, or once the first has waited SEND_HOLD_MAX since its transmit
 * stamp was read: a stamp is that much at most before the reply left
 * (never after it, so it stays within the delay the client measures). */
#define SEND_HOLD_MAX 20e-6

struct tx_pending {
  uint32_t id;                     /* the kernel's OPT_ID number */
  bool used;
  struct ip_addr to;
  uint16_t port;
  uint64_t tag;
  struct timespec sent;            /* read just before sendmsg */
  size_t len;                      /* of the UDP data */
};

struct tx_stamps {
  plat_tx_fn fn;
  void *arg;
  uint32_t next_id;
  uint32_t size;                   /* of pending */
  struct tx_pending pending[];
};

struct sock_watch {
  struct linux_platform *lp;
  int fd;
  plat_recv_fn fn;
  void *arg;
  struct sock_watch *next;
  bool bound;                      /* to one address: replies leave from it
                                      without an IP_PKTINFO message */
  struct tx_stamps *tx;            /* NULL: no kernel transmit timestamps */
  bool ptp;                        /* NTP over PTP (linux_platform_open_ptp) */
  uint8_t ptp_domain;
  plat_send_fail_fn fail_fn;       /* NULL: each datagram sent at once */
  void *fail_arg;
};

/* A reply waiting to leave, and what a tagged one will be known by. */
struct out_msg {
  bool tagged;
  struct tx_pending pending;       /* its id given when it left */
};

struct linux_platform {
  struct platform plat;
  struct loop *loop;
  struct sock_watch *socks;
  struct sock_watch *dispatching;  /* whose handler is running */
  bool dispatching_closed;         /* ...and it closed its own socket */
  bool rtcsync;
  struct udp_options sock_opts;    /* for the sockets opened from now on */
  int tx_buffers;                  /* maxtxbuffers; 0: TX_PENDING */
  bool tx_buffers_warned;
  unsigned n_ptp;                  /* PTP sockets open */
  uint16_t ptp_sequence;           /* of the PTP messages sent */
  struct dns *dns;                 /* made at the first lookup */
  struct rcldev_set *refclocks;    /* made at the first refclock */
  plat_hwts_fn hwts_fn;            /* the converter of hardware stamps */
  void *hwts_arg;
  struct udp_rx_batch rx;
  struct plat_datagram dgs[RECV_BATCH];
  struct udp_hw_info hws[RECV_BATCH];
  struct sock_watch *out_sock;     /* whose receive batch is dispatched */
  unsigned n_out;                  /* replies waiting to leave from it */
  struct timespec out_first;       /* the stamp of the first */
  struct out_msg out[RECV_BATCH];
  struct mmsghdr out_msgs[RECV_BATCH];
  struct udp_out out_data[RECV_BATCH];
};

static void lx_now(void *ctx, struct timespec *out)
{
  (void)ctx;
  clock_gettime(CLOCK_REALTIME, out);
}

static plat_timer lx_timer_add(void *ctx, double delay, plat_timer_fn fn, void *arg)
{
  struct linux_platform *lp = ctx;
  return loop_add_timer(lp->loop, delay, fn, arg);
}

static void lx_timer_cancel(void *ctx, plat_timer t)
{
  struct linux_platform *lp = ctx;
  loop_cancel_timer(lp->loop, t);
}

/* A kernel timestamp is believed only if it is no earlier than the time
 * read before sendmsg (less a little for clock granularity) and not much
 * later, so a numbering mismatch cannot attach one datagram's time to
 * another. */
static bool plausible_tx(const struct timespec *sent, const struct timespec *kernel)
{
  double d = (double)(kernel->tv_sec - sent->tv_sec) + (kernel->tv_nsec - sent->tv_nsec) * 1e-9;
  return d > -1e-6 && d < 0.1;
}

/* A hardware stamp made system time by the converter, if there is one
 * and it can. */
static bool convert_hw(const struct linux_platform *lp, const struct udp_hw_info *hw,
                       const struct timespec *sys, size_t rx_len, size_t tx_len,
                       enum addr_family family, struct timespec *out)
{
  if (!lp->hwts_fn || (hw->hw.tv_sec == 0 && hw->hw.tv_nsec == 0))
    return false;
  struct plat_hw_stamp st = {hw->if_index, hw->hw, *sys, rx_len, hw->l2_len, family, tx_len};
  return lp->hwts_fn(lp->hwts_arg, &st, out);
}

/* A transmit stamp to its handler, which may close the socket (a reply
 * waiting for the NIC's stamp is used then): false if it did. */
static bool report_tx(struct sock_watch *w, const struct tx_pending *p,
                      const struct timespec *ts, enum plat_ts_source source)
{
  struct linux_platform *lp = w->lp;
  struct tx_pending sent = *p;       /* p goes with the socket */
  lp->dispatching = w;
  lp->dispatching_closed = false;
  w->tx->fn(w->tx->arg, w->fd, &sent.to, sent.port, sent.tag, ts, source);
  lp->dispatching = NULL;
  return !lp->dispatching_closed;
}

/* The messages read from the error queue (up to TX_READ_BATCH), or -1 if a
 * handler closed the socket. */
static int read_tx_timestamps(struct sock_watch *w)
{
  struct tx_stamps *tx = w->tx;
  struct linux_platform *lp = w->lp;
  int i;
  for (i = 0; i < TX_READ_BATCH; i++) {
    uint32_t id;
    struct timespec ts, hw_ts;
    struct udp_hw_info hw;
    int r = udp_read_tx_timestamp(w->fd, &id, &ts, &hw);
    if (r == -ENOMSG)
      continue;
    if (r < 0)
      break;
    struct tx_pending *p = &tx->pending[id % tx->size];
    if (p->used && p->id != id && lp->tx_buffers > 0 && !lp->tx_buffers_warned) {
      log_printf(PLAT_LOG_WARN, "maxtxbuffers too small");   /* chronyd's, once */
      lp->tx_buffers_warned = true;
    }
    if (!p->used || p->id != id)
      continue;
    bool kernel = (ts.tv_sec != 0 || ts.tv_nsec != 0) && plausible_tx(&p->sent, &ts);
    if (convert_hw(lp, &hw, kernel ? &ts : &p->sent, 0, p->len, (enum addr_family)p->to.family,
                   &hw_ts)) {
      p->used = false;
      if (!report_tx(w, p, &hw_ts, PLAT_TS_HARDWARE))
        return -1;
    } else if (kernel) {
      /* With hardware timestamping a NIC's stamp of it may follow. */
      p->used = lp->sock_opts.hw_flags != 0;
      if (!report_tx(w, p, &ts, PLAT_TS_KERNEL))
        return -1;
    }
  }
  return i;
}

/* The NTP message of a PTP one, in place of it; false if there is none
 * (the PTP correction is not used: chronyd uses it only with hardware
 * receive timestamps). */
static bool unwrap_ptp(const struct sock_watch *w, struct plat_datagram *dg)
{
  struct ptp_ntp m;
  if (ptp_unwrap(dg->data, dg->len, w->ptp_domain, &m) != PTP_OK)
    return false;
  dg->data = m.ntp;
  dg->len = m.ntp_len;
  return true;
}

/* The tagged datagram that left: its transmit timestamp awaited. */
static void tx_sent(struct sock_watch *w, struct tx_pending p)
{
  struct tx_stamps *tx = w->tx;
  p.id = tx->next_id++;
  p.used = true;
  tx->pending[p.id % tx->size] = p;
}

/* Send the waiting replies, in order; one the kernel refuses goes to the
 * socket's failure handler, and the next are tried. */
static void flush_out(struct linux_platform *lp)
{
  struct sock_watch *w = lp->out_sock;
  unsigned i = 0, n = lp->n_out;
  lp->n_out = 0;
  while (i < n) {
    int r = udp_send_batch(w->fd, lp->out_msgs + i, n - i);
    if (r < 0) {
      w->fail_fn(w->fail_arg, w->fd, -r);
      r = 1;
    } else {
      for (int k = 0; k < r; k++)
        if (lp->out[i + k].tagged && w->tx)
          tx_sent(w, lp->out[i + k].pending);
    }
    i += (unsigned)r;
  }
}

/* A reply to wait in the queue. Returns 0 or -errno (it cannot be copied). */
static int queue_out(struct linux_platform *lp, const struct ip_addr *local,
                     const struct ip_addr *to, uint16_t port, uint8_t *buf, size_t len,
                     unsigned udp_flags, bool tagged, uint64_t tag)
{
  struct timespec sent;
  unsigned i = lp->n_out;
  int r = udp_out_prepare(&lp->out_data[i], &lp->out_msgs[i], local, to, port, buf, len,
                          udp_flags, &sent);
  if (r < 0)
    return r;
  /* The copy is sent: the caller's buffer gets the same transmit stamp. */
  memcpy(buf, lp->out_data[i].data, len);
  lp->out[i] = (struct out_msg){tagged, {0, true, *to, port, tag, sent, len}};
  if (lp->n_out++ == 0)
    lp->out_first = sent;
  if (lp->n_out == RECV_BATCH)
    flush_out(lp);
  return 0;
}

/* Send the waiting replies if the first has waited long enough. */
static void flush_out_due(struct linux_platform *lp)
{
  struct timespec now;
  if (lp->n_out == 0)
    return;
  clock_gettime(CLOCK_REALTIME, &now);
  if ((double)(now.tv_sec - lp->out_first.tv_sec) +
          (now.tv_nsec - lp->out_first.tv_nsec) * 1e-9 >= SEND_HOLD_MAX)
    flush_out(lp);
}

static void on_readable(void *arg, int fd)
{
  struct sock_watch *w = arg;
  struct linux_platform *lp = w->lp;
  int n = udp_recv_batch(fd, &lp->rx, RECV_BATCH, lp->dgs, lp->hws);
  if (n <= 0)
    return;
  /* Replies wait for the batch's end; if a handler closes the socket, they
   * leave before it is closed. */
  lp->out_sock = w->fail_fn ? w : NULL;
  for (int i = 0; i < n; i++) {
    struct plat_datagram *dg = &lp->dgs[i];
    if (convert_hw(lp, &lp->hws[i], &dg->rx_time, dg->len, 0,
                   (enum addr_family)dg->from.family, &dg->rx_time))
      dg->rx_source = PLAT_TS_HARDWARE;
    if (w->ptp && !unwrap_ptp(w, &lp->dgs[i]))
      continue;
    flush_out_due(lp);
    /* The handler may close this socket (then w is freed). */
    lp->dispatching = w;
    lp->dispatching_closed = false;
    w->fn(w->arg, fd, &lp->dgs[i]);
    lp->dispatching = NULL;
    if (lp->dispatching_closed)
      return;
  }
  if (lp->out_sock && lp->n_out)
    flush_out(lp);
  lp->out_sock = NULL;
}

/* The socket has an error to report, as chronyd waits for one: the error
 * queue is read then, not at every wake-up (a system call each). An error
 * that is no transmit timestamp is taken by a receive. */
static void on_errors(void *arg, int fd)
{
  if (read_tx_timestamps(arg) == 0)
    on_readable(arg, fd);
}

static int open_watch(struct linux_platform *lp, enum addr_family family,
                      const struct ip_addr *local, uint16_t port, plat_recv_fn fn, void *arg,
                      struct sock_watch **out)
{
  struct sock_watch *w = calloc(1, sizeof(*w));
  if (!w)
    return -ENOMEM;
  int fd = udp_open(family, local, port, &lp->sock_opts);
  if (fd < 0) {
    free(w);
    return fd;
  }
  *w = (struct sock_watch){lp, fd, fn, arg, lp->socks,
                           local && local->family != ADDR_UNSPEC, NULL, false, 0, NULL, NULL};
  if (loop_add_fd(lp->loop, fd, on_readable, w) < 0) {
    close(fd);
    free(w);
    return -ENOMEM;
  }
  lp->socks = w;
  *out = w;
  return fd;
}

static int lx_udp_open(void *ctx, enum addr_family family, const struct ip_addr *local,
                       uint16_t port, plat_recv_fn fn, void *arg)
{
  struct sock_watch *w;
  return open_watch(ctx, family, local, port, fn, arg, &w);
}

int linux_platform_open_ptp(struct linux_platform *lp, enum addr_family family,
                            const struct ip_addr *local, uint16_t port, uint8_t domain,
                            plat_recv_fn fn, void *arg)
{
  struct sock_watch *w;
  int fd = open_watch(lp, family, local, port, fn, arg, &w);
  if (fd >= 0) {
    w->ptp = true;
    w->ptp_domain = domain;
    lp->n_ptp++;
  }
  return fd;
}

static void lx_udp_close(void *ctx, int sock)
{
  struct linux_platform *lp = ctx;
  for (struct sock_watch **p = &lp->socks; *p; p = &(*p)->next) {
    if ((*p)->fd == sock) {
      struct sock_watch *w = *p;
      if (w == lp->out_sock) {
        if (lp->n_out)
          flush_out(lp);
        lp->out_sock = NULL;
      }
      *p = w->next;
      if (w == lp->dispatching)
        lp->dispatching_closed = true;
      lp->n_ptp -= w->ptp;
      loop_remove_fd(lp->loop, sock);
      close(sock);
      free(w->tx);
      free(w);
      return;
    }
  }
}

static struct sock_watch *find_watch(struct linux_platform *lp, int sock)
{
  for (struct sock_watch *w = lp->socks; w; w = w->next)
    if (w->fd == sock)
      return w;
  return NULL;
}

static int send_on(struct linux_platform *lp, int sock, const struct ip_addr *local,
                   const struct ip_addr *to, uint16_t port, uint8_t *buf, size_t len,
                   unsigned flags, struct sock_watch *tagged, uint64_t tag)
{
  /* A reply from the socket the request came in on, bound to one address,
   * leaves from that address without an IP_PKTINFO message. */
  const struct sock_watch *w = lp->dispatching;
  if (w && w->fd == sock && w->bound)
    local = NULL;
  unsigned udp_flags = ((flags & PLAT_SEND_STAMP_TRANSMIT) ? UDP_SEND_STAMP_TRANSMIT : 0) |
                       ((flags & PLAT_SEND_STAMP_EVEN) ? UDP_SEND_STAMP_EVEN : 0);
  if (tagged)
    udp_flags |= UDP_SEND_TX_TIMESTAMP | (lp->sock_opts.hw_flags ? UDP_SEND_TX_HARDWARE : 0);
  struct timespec sent;
  size_t sent_len = len;
  int r;
  const struct sock_watch *ptp = w && w->fd == sock ? w : lp->n_ptp ? find_watch(lp, sock) : NULL;
  if ((flags & PLAT_SEND_BATCHED) && lp->out_sock && lp->out_sock->fd == sock &&
      !lp->out_sock->ptp)
    return queue_out(lp, local, to, port, buf, len, udp_flags, tagged != NULL, tag);
  if (ptp && ptp->ptp) {
    uint8_t prefix[PTP_NTP_PREFIX_LEN];
    ptp_wrap(prefix, ptp->ptp_domain, lp->ptp_sequence++, len);
    sent_len += sizeof(prefix);
    r = udp_send_prefixed(sock, local, to, port, prefix, sizeof(prefix), buf, len, udp_flags,
                          &sent);
  } else {
    r = udp_send(sock, local, to, port, buf, len, udp_flags, &sent);
  }
  if (r == 0 && tagged)
    tx_sent(tagged, (struct tx_pending){0, true, *to, port, tag, sent, sent_len});
  return r;
}

static int lx_udp_send(void *ctx, int sock, const struct ip_addr *local, const struct ip_addr *to,
                       uint16_t port, uint8_t *buf, size_t len, unsigned flags)
{
  return send_on(ctx, sock, local, to, port, buf, len, flags, NULL, 0);
}

static int lx_udp_send_tagged(void *ctx, int sock, const struct ip_addr *local,
                              const struct ip_addr *to, uint16_t port, uint8_t *buf, size_t len,
                              unsigned flags, uint64_t tag)
{
  struct linux_platform *lp = ctx;
  /* A reply goes out from inside its request's dispatch: no list walk per
   * packet then. */
  struct sock_watch *w = lp->dispatching && lp->dispatching->fd == sock ? lp->dispatching
                                                                        : find_watch(lp, sock);
  return send_on(lp, sock, local, to, port, buf, len, flags, w && w->tx ? w : NULL, tag);
}

static int lx_udp_tx_timestamps(void *ctx, int sock, plat_tx_fn fn, void *arg)
{
  struct sock_watch *w = find_watch(ctx, sock);
  if (!w)
    return -EBADF;
  if (!w->tx) {
    struct linux_platform *lp = ctx;
    uint32_t size = lp->tx_buffers > 0 ? (uint32_t)lp->tx_buffers : TX_PENDING;
    struct tx_stamps *tx = calloc(1, sizeof(*tx) + size * sizeof(tx->pending[0]));
    if (!tx)
      return -ENOMEM;
    tx->size = size;
    int r = udp_enable_tx_timestamps(sock, lp->sock_opts.hw_flags);
    if (r < 0) {
      free(tx);
      return r;
    }
    w->tx = tx;
    loop_watch_errors(lp->loop, sock, on_errors);
  }
  w->tx->fn = fn;
  w->tx->arg = arg;
  return 0;
}

static int lx_udp_send_failures(void *ctx, int sock, plat_send_fail_fn fn, void *arg)
{
  struct sock_watch *w = find_watch(ctx, sock);
  if (!w)
    return -EBADF;
  w->fail_fn = fn;
  w->fail_arg = arg;
  return 0;
}

static void lx_random_bytes(void *ctx, void *buf, size_t len)
{
  (void)ctx;
  uint8_t *p = buf;
  /* getrandom() cannot fail for small requests once the pool is ready;
   * the bound only guards against a broken kernel. */
  for (int tries = 0; len > 0 && tries < 100; tries++) {
    ssize_t n = getrandom(p, len, 0);
    if (n > 0) {
      p += n;
      len -= (size_t)n;
    }
  }
  if (len > 0)
    abort();
}

static int lx_clock_set_freq(void *ctx, double ppm)
{
  (void)ctx;
  return clock_linux_set_freq(ppm);
}

static double lx_clock_get_freq(void *ctx)
{
  (void)ctx;
  return clock_linux_get_freq();
}

static int lx_clock_step(void *ctx, double seconds)
{
  struct linux_platform *lp = ctx;
  int r = clock_linux_step(seconds);
  if (r == 0)
    loop_clock_stepped(lp->loop, seconds);  /* ours: not a jump */
  return r;
}

static void lx_watch_clock_jumps(void *ctx, plat_jump_fn fn, void *arg)
{
  struct linux_platform *lp = ctx;
  loop_watch_jumps(lp->loop, fn, arg);
}

static void lx_clock_set_sync(void *ctx, bool synchronised, double est_error, double max_error)
{
  struct linux_platform *lp = ctx;
  clock_linux_set_sync(lp->rtcsync, synchronised, est_error, max_error);
}

static void lx_clock_set_leap(void *ctx, int leap, int tai)
{
  (void)ctx;
  clock_linux_set_leap(leap, tai);
}

static plat_lookup lx_resolve(void *ctx, const char *name, int family, int max,
                              plat_resolve_fn fn, void *arg)
{
  struct linux_platform *lp = ctx;
  if (!lp->dns && !(lp->dns = dns_new(lp->loop)))
    return 0;
  int64_t lookup = dns_resolve(lp->dns, name, family, max, fn, arg);
  return lookup > 0 ? (plat_lookup)lookup : 0;
}

static void lx_resolve_cancel(void *ctx, plat_lookup lookup)
{
  struct linux_platform *lp = ctx;
  if (lp->dns)
    dns_cancel(lp->dns, (int64_t)lookup);
}

static int lx_refclock_open(void *ctx, enum plat_refclock_driver driver, const char *param,
                            int option, plat_refclock_fn fn, void *arg)
{
  struct linux_platform *lp = ctx;
  if (!lp->refclocks && !(lp->refclocks = rcldev_new(lp->loop, NULL)))
    return -ENOMEM;
  return rcldev_open(lp->refclocks, driver, param, option, fn, arg);
}

static int lx_refclock_read(void *ctx, int handle, uint8_t *buf, size_t len, int *count_after)
{
  struct linux_platform *lp = ctx;
  return lp->refclocks ? rcldev_read(lp->refclocks, handle, buf, len, count_after) : -EBADF;
}

static int lx_refclock_extts(void *ctx, int handle, int pin, int channel, bool falling)
{
  struct linux_platform *lp = ctx;
  return lp->refclocks ? rcldev_extts(lp->refclocks, handle, pin, channel, falling) : -EBADF;
}

static void lx_refclock_close(void *ctx, int handle)
{
  struct linux_platform *lp = ctx;
  if (lp->refclocks)
    rcldev_close(lp->refclocks, handle);
}

static int lx_rtc_set(void *ctx, int handle, int64_t rtc_sec)
{
  struct linux_platform *lp = ctx;
  return lp->refclocks ? rcldev_rtc_set(lp->refclocks, handle, rtc_sec) : -EBADF;
}

static int lx_rtc_read(void *ctx, int handle, struct plat_rtc_reading *out)
{
  struct linux_platform *lp = ctx;
  return lp->refclocks ? rcldev_rtc_read(lp->refclocks, handle, out) : -EBADF;
}

static int lx_read_file(void *ctx, const char *path, char *buf, size_t size)
{
  (void)ctx;
  if (size == 0)
    return -EINVAL;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return -errno;
  ssize_t n = read(fd, buf, size - 1);
  int err = errno;
  close(fd);
  if (n < 0)
    return -err;
  buf[n] = '\0';
  return (int)n;
}

static int lx_hwts_enable(void *ctx, const char *name, enum plat_rxfilter rxfilter,
                          struct plat_nic *nic)
{
  struct linux_platform *lp = ctx;
  int r = hwnic_enable(NULL, name, rxfilter, nic);
  if (r == 0)
    lp->sock_opts.hw_flags = UDP_HW_FLAGS;
  return r;
}

static int lx_net_interfaces(void *ctx, char (*names)[PLAT_IFNAME_LEN], int max)
{
  (void)ctx;
  return hwnic_list(names, max);
}

static int lx_nic_link_speed(void *ctx, const char *name)
{
  (void)ctx;
  return hwnic_link_speed(NULL, name);
}

static void lx_hwts_set_converter(void *ctx, plat_hwts_fn fn, void *arg)
{
  struct linux_platform *lp = ctx;
  lp->hwts_fn = fn;
  lp->hwts_arg = arg;
}

static void lx_log(void *ctx, int level, const char *msg)
{
  (void)ctx;
  log_write(level, msg);
}

static const struct platform_ops linux_ops = {
  .now = lx_now,
  .timer_add = lx_timer_add,
  .timer_cancel = lx_timer_cancel,
  .udp_open = lx_udp_open,
  .udp_close = lx_udp_close,
  .udp_send = lx_udp_send,
  .udp_tx_timestamps = lx_udp_tx_timestamps,
  .udp_send_tagged = lx_udp_send_tagged,
  .udp_send_failures = lx_udp_send_failures,
  .random_bytes = lx_random_bytes,
  .clock_set_freq = lx_clock_set_freq,
  .clock_get_freq = lx_clock_get_freq,
  .clock_step = lx_clock_step,
  .watch_clock_jumps = lx_watch_clock_jumps,
  .clock_set_sync = lx_clock_set_sync,
  .clock_set_leap = lx_clock_set_leap,
  .resolve = lx_resolve,
  .resolve_cancel = lx_resolve_cancel,
  .refclock_open = lx_refclock_open,
  .refclock_read = lx_refclock_read,
  .refclock_close = lx_refclock_close,
  .refclock_extts = lx_refclock_extts,
  .rtc_set = lx_rtc_set,
  .rtc_read = lx_rtc_read,
  .hwts_enable = lx_hwts_enable,
  .net_interfaces = lx_net_interfaces,
  .nic_link_speed = lx_nic_link_speed,
  .hwts_set_converter = lx_hwts_set_converter,
  .log = lx_log,
  .read_file = lx_read_file,
};

struct linux_platform *linux_platform_new(struct loop *loop)
{
  struct linux_platform *lp = calloc(1, sizeof(*lp));
  if (!lp)
    return NULL;
  if (udp_rx_batch_init(&lp->rx, RECV_BATCH, RECV_BUF) < 0) {
    free(lp);
    return NULL;
  }
  lp->loop = loop;
  lp->plat.ops = &linux_ops;
  lp->plat.ctx = lp;
  return lp;
}

void linux_platform_free(struct linux_platform *lp)
{
  if (!lp)
    return;
  dns_free(lp->dns);
  rcldev_free(lp->refclocks);
  while (lp->socks)
    lx_udp_close(lp, lp->socks->fd);
  udp_rx_batch_free(&lp->rx);
  free(lp);
}

const struct platform *linux_platform_get(const struct linux_platform *lp)
{
  return &lp->plat;
}

void linux_platform_set_reuseport(struct linux_platform *lp, bool reuseport)
{
  lp->sock_opts.reuseport = reuseport;
}

void linux_platform_set_tx_buffers(struct linux_platform *lp, int messages)
{
  lp->tx_buffers = messages;
}

void linux_platform_set_socket_options(struct linux_platform *lp, int dscp, const char *device,
                                       bool broadcast)
{
  lp->sock_opts.dscp = dscp;
  lp->sock_opts.broadcast = broadcast;
  snprintf(lp->sock_opts.device, sizeof(lp->sock_opts.device), "%s", device ? device : "");
}

void linux_platform_set_rtcsync(struct linux_platform *lp, bool rtcsync)
{
  lp->rtcsync = rtcsync;
}

int linux_clock_precision(void)
{
  /* The smallest non-zero difference between consecutive readings, over a
   * bounded number of tries, rounded up to a power of two. */
  struct timespec a, b;
  double best = 1.0;
  for (int i = 0; i < 100; i++) {
    clock_gettime(CLOCK_REALTIME, &a);
    clock_gettime(CLOCK_REALTIME, &b);
    double d = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9;
    if (d > 0.0 && d < best)
      best = d;
  }
  return (int)ceil(num_log2(best));
}
