#include "sim/sim_platform.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ntp_packet.h"
#include "sim/sim_refclock.h"
#include "sim/sim_rng.h"

#define N_LEVELS (PLAT_LOG_FATAL - PLAT_LOG_DEBUG + 1)

#define TX_PENDING 16

/* A tagged send whose "kernel" transmit timestamp (the local time of the
 * send) is reported from the scheduler right after it. */
struct sim_tx {
  struct psock *ps;
  sim_event ev;                      /* 0: slot free */
  struct ip_addr to;
  uint16_t port;
  uint64_t tag;
  struct timespec sent;
  sim_time true_sent;
};

/* A socket of the core: what the network delivers to is this record. */
struct psock {
  struct sim_platform *p;
  int id;
  plat_recv_fn fn;
  void *arg;
  struct psock *next;
  plat_tx_fn tx_fn;                  /* NULL: no transmit timestamps */
  void *tx_arg;
  struct sim_tx tx[TX_PENDING];
};

struct sim_platform {
  struct platform plat;
  char name[SIM_PLATFORM_NAME_LEN];
  struct sim_sched *sched;
  struct sim_net *net;
  struct sim_names *names;
  int node;
  struct sim_clock clock;
  struct sim_rng rng;
  struct psock *socks;
  unsigned steps;
  unsigned log_counts[N_LEVELS];
  const char *watch_text[SIM_PLATFORM_MAX_WATCHES];
  double watch_from[SIM_PLATFORM_MAX_WATCHES], watch_to[SIM_PLATFORM_MAX_WATCHES];
  unsigned watch_counts[SIM_PLATFORM_MAX_WATCHES];
  int n_watches;
  bool verbose;
  plat_jump_fn jump_fn;
  void *jump_arg;
  struct sim_refclock *refclocks[SIM_PLATFORM_MAX_REFCLOCKS];
  unsigned n_refclocks;
  int leap;                          /* the kernel's leap status: 1, -1 or 0 */
  sim_time leap_at;                  /* local time it applies it at */
  sim_event leap_event;              /* 0: none */
  unsigned leaps;                    /* leap seconds it applied */
  double stamp_fuzz;                 /* s; 0: exact stamps */
  bool daemon_stamps;                /* no kernel timestamping */
  unsigned sends;                    /* datagrams sent */
  sim_time last_send, min_send_gap;  /* true time */
  struct {                           /* its NIC (sim_platform_set_nic) */
    char name[PLAT_IFNAME_LEN];
    struct sim_refclock *phc;          /* NULL: none */
    bool on, rx;
    plat_hwts_fn convert;
    void *arg;
    uint64_t rx_stamps, tx_stamps;
  } nic;
  struct {                           /* scripted files (read_file) */
    char path[SIM_PLATFORM_PATH_LEN];
    char text[SIM_PLATFORM_FILE_LEN];
  } files[SIM_PLATFORM_MAX_FILES];
};

static sim_time local_now(struct sim_platform *p)
{
  return sim_clock_read(&p->clock, sim_sched_now(p->sched));
}

/* The local clock as a packet stamp: with stamp_fuzz, plus random bits
 * below it (chronyd's timestamps carry them below its precision). */
static struct timespec stamp_now(struct sim_platform *p)
{
  sim_time t = local_now(p);
  if (p->stamp_fuzz > 0.0)
    t += sim_ns(p->stamp_fuzz * sim_rng_uniform(&p->rng));
  return sim_time_to_timespec(t);
}

static void sp_now(void *ctx, struct timespec *out)
{
  *out = sim_time_to_timespec(local_now(ctx));
}

static plat_timer sp_timer_add(void *ctx, double delay, plat_timer_fn fn, void *arg)
{
  struct sim_platform *p = ctx;
  sim_time now = sim_sched_now(p->sched);
  return sim_sched_add(p->sched, now + sim_clock_true_delay(&p->clock, now, delay), fn, arg, p);
}

static void sp_timer_cancel(void *ctx, plat_timer t)
{
  struct sim_platform *p = ctx;
  sim_sched_cancel(p->sched, t);
}

/* A stamp of the NIC (its clock at true time t) as system time, if it is
 * on and the converter can. */
static bool nic_stamp(struct sim_platform *p, sim_time t, const struct timespec *sys,
                      size_t rx_len, enum addr_family family, struct timespec *out)
{
  if (!p->nic.on || !p->nic.convert)
    return false;
  struct plat_hw_stamp s = {
      .if_index = SIM_PLATFORM_NIC_INDEX,
      .hw = sim_time_to_timespec(sim_refclock_phc_time(p->nic.phc, t)), .sys = *sys,
      .rx_len = rx_len, .family = family};
  return p->nic.convert(p->nic.arg, &s, out);
}

/* A frame's time on the wire at 1 Gb/s: Ethernet, IP and UDP headers
 * (chronyd's guess), the data and the check sequence. */
static sim_time frame_time(size_t len, enum addr_family family)
{
  return (sim_time)((family == ADDR_INET6 ? 62 : 42) + len + 4) * 8;
}

static void on_datagram(void *arg, int sock, const struct sim_net_dgram *dg)
{
  struct psock *ps = arg;
  struct plat_datagram pd = {
    .data = dg->data,
    .len = dg->len,
    .from = dg->from,
    .from_port = dg->from_port,
    .local = dg->to,
    .rx_time = stamp_now(ps->p),
    .rx_source = ps->p->daemon_stamps ? PLAT_TS_DAEMON : PLAT_TS_KERNEL,
  };
  struct sim_platform *p = ps->p;
  enum addr_family family = (enum addr_family)dg->from.family;
  if (p->nic.rx && nic_stamp(p, sim_sched_now(p->sched) - frame_time(dg->len, family),
                             &pd.rx_time, dg->len, family, &pd.rx_time)) {
    pd.rx_source = PLAT_TS_HARDWARE;
    p->nic.rx_stamps++;
  }
  ps->fn(ps->arg, sock, &pd);
}

static int sp_udp_open(void *ctx, enum addr_family family, const struct ip_addr *local,
                       uint16_t port, plat_recv_fn fn, void *arg)
{
  struct sim_platform *p = ctx;
  struct psock *ps = calloc(1, sizeof(*ps));
  if (!ps)
    return -ENOMEM;
  int id = sim_net_bind(p->net, p->node, family, local, port, on_datagram, ps);
  if (id < 0) {
    free(ps);
    return id;
  }
  *ps = (struct psock){.p = p, .id = id, .fn = fn, .arg = arg, .next = p->socks};
  p->socks = ps;
  return id;
}

static struct psock **find_sock(struct sim_platform *p, int sock)
{
  for (struct psock **ps = &p->socks; *ps; ps = &(*ps)->next)
    if ((*ps)->id == sock)
      return ps;
  return NULL;
}

static void sp_udp_close(void *ctx, int sock)
{
  struct sim_platform *p = ctx;
  struct psock **link = find_sock(p, sock);
  if (!link)
    return;
  struct psock *ps = *link;
  *link = ps->next;
  for (int i = 0; i < TX_PENDING; i++)
    if (ps->tx[i].ev)
      sim_sched_cancel(p->sched, ps->tx[i].ev);
  sim_net_unbind(p->net, sock);
  free(ps);
}

static int send_stamped(struct sim_platform *p, int sock, const struct ip_addr *local,
                        const struct ip_addr *to, uint16_t port, uint8_t *buf, size_t len,
                        unsigned flags, struct timespec *sent)
{
  *sent = stamp_now(p);
  if ((flags & PLAT_SEND_STAMP_TRANSMIT) && len >= NTP_HEADER_LEN) {
    ntp_ts ts = ntp_ts_from_timespec(sent) + ntp_get_transmit(buf);
    ntp_set_transmit(buf, flags & PLAT_SEND_STAMP_EVEN ? ts & ~(ntp_ts)1 : ts);
  }
  sim_time now = sim_sched_now(p->sched);
  if (p->sends++ > 0 && (p->sends == 2 || now - p->last_send < p->min_send_gap))
    p->min_send_gap = now - p->last_send;
  p->last_send = now;
  return sim_net_send(p->net, sock, local, to, port, buf, len);
}

static int sp_udp_send(void *ctx, int sock, const struct ip_addr *local, const struct ip_addr *to,
                       uint16_t port, uint8_t *buf, size_t len, unsigned flags)
{
  struct sim_platform *p = ctx;
  struct timespec sent;
  if (!find_sock(p, sock))
    return -EBADF;
  return send_stamped(p, sock, local, to, port, buf, len, flags, &sent);
}

static void report_tx(void *arg)
{
  struct sim_tx *t = arg;
  struct timespec hw;
  t->ev = 0;
  if (nic_stamp(t->ps->p, t->true_sent, &t->sent, 0, (enum addr_family)t->to.family, &hw)) {
    t->ps->p->nic.tx_stamps++;
    t->ps->tx_fn(t->ps->tx_arg, t->ps->id, &t->to, t->port, t->tag, &hw, PLAT_TS_HARDWARE);
    return;
  }
  t->ps->tx_fn(t->ps->tx_arg, t->ps->id, &t->to, t->port, t->tag, &t->sent, PLAT_TS_KERNEL);
}

static int sp_udp_send_tagged(void *ctx, int sock, const struct ip_addr *local,
                              const struct ip_addr *to, uint16_t port, uint8_t *buf, size_t len,
                              unsigned flags, uint64_t tag)
{
  struct sim_platform *p = ctx;
  struct psock **link = find_sock(p, sock);
  struct timespec sent;
  if (!link)
    return -EBADF;
  int r = send_stamped(p, sock, local, to, port, buf, len, flags, &sent);
  struct psock *ps = *link;
  if (r < 0 || !ps->tx_fn)
    return r;
  for (int i = 0; i < TX_PENDING; i++) {
    struct sim_tx *t = &ps->tx[i];
    if (t->ev == 0) {
      *t = (struct sim_tx){ps, 0, *to, port, tag, sent, sim_sched_now(p->sched)};
      t->ev = sim_sched_add(p->sched, sim_sched_now(p->sched), report_tx, t, p);
      break;
    }
  }
  return r;
}

static int sp_udp_tx_timestamps(void *ctx, int sock, plat_tx_fn fn, void *arg)
{
  struct psock **link = find_sock(ctx, sock);
  if (!link)
    return -EBADF;
  if (((struct sim_platform *)ctx)->daemon_stamps)
    return -EOPNOTSUPP;
  (*link)->tx_fn = fn;
  (*link)->tx_arg = arg;
  return 0;
}

static plat_lookup sp_resolve(void *ctx, const char *name, int family, int max,
                              plat_resolve_fn fn, void *arg)
{
  struct sim_platform *p = ctx;
  return p->names ? sim_names_lookup(p->names, name, family, max, fn, arg, p) : 0;
}

static void sp_resolve_cancel(void *ctx, plat_lookup lookup)
{
  struct sim_platform *p = ctx;
  if (p->names)
    sim_names_cancel(p->names, lookup);
}

static void sp_random_bytes(void *ctx, void *buf, size_t len)
{
  struct sim_platform *p = ctx;
  sim_rng_bytes(&p->rng, buf, len);
}

static int sp_clock_set_freq(void *ctx, double ppm)
{
  struct sim_platform *p = ctx;
  return sim_clock_set_freq(&p->clock, sim_sched_now(p->sched), ppm) ? 0 : -EINVAL;
}

static double sp_clock_get_freq(void *ctx)
{
  struct sim_platform *p = ctx;
  return sim_clock_get_freq(&p->clock);
}

static int sp_clock_step(void *ctx, double seconds)
{
  struct sim_platform *p = ctx;
  if (!sim_clock_step(&p->clock, sim_sched_now(p->sched), seconds))
    return -EINVAL;
  p->steps++;
  return 0;
}

/* As the kernel: the clock steps back a second when it reaches midnight
 * (insert) or forward when it reaches 23:59:59 (delete). Events are in
 * true time and the clock's rate changes while it is slewed, so the
 * moment is approached in hops, each measured again by the clock. */
static void leap_check(void *arg);

static void leap_arm(struct sim_platform *p)
{
  sim_time now = sim_sched_now(p->sched);
  double left = (double)(p->leap_at - local_now(p)) / (double)SIM_NS_PER_S;
  double hop = left > 1.0 ? left * 0.9 : left;
  p->leap_event = sim_sched_add(p->sched, now + sim_clock_true_delay(&p->clock, now, hop),
                                leap_check, p, p);
}

static void leap_check(void *arg)
{
  struct sim_platform *p = arg;
  p->leap_event = 0;
  if (local_now(p) < p->leap_at) {
    leap_arm(p);
    return;
  }
  sim_clock_step(&p->clock, sim_sched_now(p->sched), -(double)p->leap);
  p->leap = 0;
  p->leaps++;
}

static void sp_clock_set_leap(void *ctx, int leap, int tai)
{
  struct sim_platform *p = ctx;
  (void)tai;
  if (p->leap_event)
    sim_sched_cancel(p->sched, p->leap_event);
  p->leap_event = 0;
  p->leap = leap > 0 ? 1 : leap < 0 ? -1 : 0;
  if (!p->leap)
    return;
  sim_time day = (sim_time)86400 * SIM_NS_PER_S;
  p->leap_at = (local_now(p) / day + 1) * day - (p->leap < 0 ? SIM_NS_PER_S : 0);
  leap_arm(p);
}

static void sp_watch_clock_jumps(void *ctx, plat_jump_fn fn, void *arg)
{
  struct sim_platform *p = ctx;
  p->jump_fn = fn;
  p->jump_arg = arg;
}

static int sp_refclock_open(void *ctx, enum plat_refclock_driver driver, const char *param,
                            int perm, plat_refclock_fn fn, void *arg)
{
  struct sim_platform *p = ctx;
  (void)perm;
  for (unsigned i = 0; i < p->n_refclocks; i++)
    if (sim_refclock_matches(p->refclocks[i], driver, param))
      return sim_refclock_open(p->refclocks[i], fn, arg) ? (int)i : -EBUSY;
  return -ENOENT;
}

static struct sim_refclock *refclock_handle(struct sim_platform *p, int handle)
{
  return handle >= 0 && (unsigned)handle < p->n_refclocks ? p->refclocks[handle] : NULL;
}

static int sp_refclock_read(void *ctx, int handle, uint8_t *buf, size_t len, int *count_after)
{
  struct sim_refclock *d = refclock_handle(ctx, handle);
  return d ? sim_refclock_read(d, buf, len, count_after) : -EBADF;
}

static int sp_refclock_extts(void *ctx, int handle, int pin, int channel, bool falling)
{
  (void)pin;
  (void)falling;
  struct sim_refclock *d = refclock_handle(ctx, handle);
  return d ? sim_refclock_extts(d, channel) : -EBADF;
}

static int sp_rtc_set(void *ctx, int handle, int64_t rtc_sec)
{
  struct sim_refclock *d = refclock_handle(ctx, handle);
  return d ? sim_refclock_rtc_set(d, rtc_sec) : -EBADF;
}

static int sp_rtc_read(void *ctx, int handle, struct plat_rtc_reading *out)
{
  struct sim_refclock *d = refclock_handle(ctx, handle);
  return d ? sim_refclock_rtc_read(d, out) : -EBADF;
}

static void sp_refclock_close(void *ctx, int handle)
{
  struct sim_refclock *d = refclock_handle(ctx, handle);
  if (d)
    sim_refclock_close(d);
}

static int sp_hwts_enable(void *ctx, const char *name, enum plat_rxfilter rxfilter,
                          struct plat_nic *nic)
{
  struct sim_platform *p = ctx;
  if (!p->nic.phc || strcmp(name, p->nic.name) != 0)
    return -EOPNOTSUPP;
  p->nic.on = true;
  /* Its packets are NTP ones, which a PTP filter lets by unstamped. */
  p->nic.rx = rxfilter != PLAT_RXFILTER_NONE && rxfilter != PLAT_RXFILTER_PTP;
  *nic = (struct plat_nic){SIM_PLATFORM_NIC_INDEX, p->nic.rx};
  return 0;
}

static int sp_net_interfaces(void *ctx, char (*names)[PLAT_IFNAME_LEN], int max)
{
  struct sim_platform *p = ctx;
  int n = 0;
  if (n < max)
    snprintf(names[n++], PLAT_IFNAME_LEN, "lo");
  if (p->nic.phc && n < max)
    snprintf(names[n++], PLAT_IFNAME_LEN, "%s", p->nic.name);
  return n;
}

static int sp_nic_link_speed(void *ctx, const char *name)
{
  struct sim_platform *p = ctx;
  return p->nic.phc && strcmp(name, p->nic.name) == 0 ? 1000 : 0;
}

static void sp_hwts_set_converter(void *ctx, plat_hwts_fn fn, void *arg)
{
  struct sim_platform *p = ctx;
  p->nic.convert = fn;
  p->nic.arg = arg;
}

static void sp_log(void *ctx, int level, const char *msg)
{
  struct sim_platform *p = ctx;
  if (level < PLAT_LOG_DEBUG)
    level = PLAT_LOG_DEBUG;
  if (level > PLAT_LOG_FATAL)
    level = PLAT_LOG_FATAL;
  p->log_counts[level - PLAT_LOG_DEBUG]++;
  double now = sim_sched_elapsed(p->sched);
  for (int i = 0; i < p->n_watches; i++)
    if (now >= p->watch_from[i] && now < p->watch_to[i] && strstr(msg, p->watch_text[i]))
      p->watch_counts[i]++;
  if (p->verbose)
    fprintf(stderr, "%14.6f %s: %s\n", now, p->name, msg);
}

static int sp_read_file(void *ctx, const char *path, char *buf, size_t size)
{
  struct sim_platform *p = ctx;
  for (int i = 0; i < SIM_PLATFORM_MAX_FILES; i++) {
    if (p->files[i].path[0] && strcmp(p->files[i].path, path) == 0) {
      int n = snprintf(buf, size, "%s", p->files[i].text);
      return n < (int)size ? n : (int)size - 1;
    }
  }
  return -ENOENT;
}

bool sim_platform_set_file(struct sim_platform *p, const char *path, const char *text)
{
  int slot = -1;
  for (int i = 0; i < SIM_PLATFORM_MAX_FILES && slot < 0; i++)
    if (strcmp(p->files[i].path, path) == 0)
      slot = i;
  for (int i = 0; i < SIM_PLATFORM_MAX_FILES && slot < 0; i++)
    if (!p->files[i].path[0])
      slot = i;
  if (slot < 0 || !path[0] || strlen(path) >= SIM_PLATFORM_PATH_LEN ||
      strlen(text) >= SIM_PLATFORM_FILE_LEN)
    return false;
  snprintf(p->files[slot].path, SIM_PLATFORM_PATH_LEN, "%s", path);
  snprintf(p->files[slot].text, SIM_PLATFORM_FILE_LEN, "%s", text);
  return true;
}

static const struct platform_ops sim_ops = {
  .now = sp_now,
  .timer_add = sp_timer_add,
  .timer_cancel = sp_timer_cancel,
  .udp_open = sp_udp_open,
  .udp_close = sp_udp_close,
  .udp_send = sp_udp_send,
  .udp_tx_timestamps = sp_udp_tx_timestamps,
  .udp_send_tagged = sp_udp_send_tagged,
  .resolve = sp_resolve,
  .resolve_cancel = sp_resolve_cancel,
  .random_bytes = sp_random_bytes,
  .clock_set_freq = sp_clock_set_freq,
  .clock_get_freq = sp_clock_get_freq,
  .clock_step = sp_clock_step,
  .watch_clock_jumps = sp_watch_clock_jumps,
  .hwts_enable = sp_hwts_enable,
  .net_interfaces = sp_net_interfaces,
  .nic_link_speed = sp_nic_link_speed,
  .hwts_set_converter = sp_hwts_set_converter,
  .refclock_open = sp_refclock_open,
  .refclock_read = sp_refclock_read,
  .refclock_close = sp_refclock_close,
  .refclock_extts = sp_refclock_extts,
  .rtc_set = sp_rtc_set,
  .rtc_read = sp_rtc_read,
  .clock_set_leap = sp_clock_set_leap,
  .log = sp_log,
  .read_file = sp_read_file,
};

struct sim_platform *sim_platform_new(struct sim_sched *sched, struct sim_net *net,
                                      const struct sim_platform_config *cfg)
{
  struct sim_platform *p = calloc(1, sizeof(*p));
  if (!p)
    return NULL;
  p->node = sim_net_add_node(net, cfg->addrs, cfg->n_addrs);
  if (p->node < 0) {
    free(p);
    return NULL;
  }
  p->plat.ops = &sim_ops;
  p->plat.ctx = p;
  snprintf(p->name, sizeof(p->name), "%s", cfg->name ? cfg->name : "");
  p->sched = sched;
  p->net = net;
  p->names = cfg->names;
  sim_clock_init(&p->clock, sim_sched_now(sched), &cfg->clock, sim_rng_derive(cfg->seed, 1));
  sim_rng_seed(&p->rng, sim_rng_derive(cfg->seed, 2));
  return p;
}

void sim_platform_free(struct sim_platform *p)
{
  if (!p)
    return;
  if (p->names)
    sim_names_cancel_owner(p->names, p);
  sim_sched_cancel_owner(p->sched, p);
  while (p->socks)
    sp_udp_close(p, p->socks->id);
  for (unsigned i = 0; i < p->n_refclocks; i++)
    sim_refclock_free(p->refclocks[i]);
  free(p);
}

void sim_platform_set_nic(struct sim_platform *p, const char *name, struct sim_refclock *phc)
{
  snprintf(p->nic.name, sizeof(p->nic.name), "%s", name);
  p->nic.phc = phc;
}

void sim_platform_hw_stamps(const struct sim_platform *p, uint64_t *rx, uint64_t *tx)
{
  *rx = p->nic.rx_stamps;
  *tx = p->nic.tx_stamps;
}

const struct platform *sim_platform_get(const struct sim_platform *p)
{
  return &p->plat;
}

const char *sim_platform_name(const struct sim_platform *p)
{
  return p->name;
}

int sim_platform_node(const struct sim_platform *p)
{
  return p->node;
}

struct sim_clock *sim_platform_clock(struct sim_platform *p)
{
  return &p->clock;
}

double sim_platform_offset(struct sim_platform *p)
{
  return sim_clock_offset(&p->clock, sim_sched_now(p->sched));
}

double sim_platform_freq_error(struct sim_platform *p)
{
  return sim_clock_freq_error(&p->clock, sim_sched_now(p->sched));
}

void sim_platform_external_step(struct sim_platform *p, double seconds)
{
  sim_clock_step(&p->clock, sim_sched_now(p->sched), seconds);
  /* What the Linux loop detects at its next wake-up, told at once. */
  if (p->jump_fn && fabs(seconds) > PLAT_JUMP_THRESHOLD)
    p->jump_fn(p->jump_arg, seconds);
}

unsigned sim_platform_leaps(const struct sim_platform *p)
{
  return p->leaps;
}

double sim_platform_min_send_interval(const struct sim_platform *p)
{
  return p->sends >= 2 ? sim_seconds(p->min_send_gap) : INFINITY;
}

unsigned sim_platform_steps(const struct sim_platform *p)
{
  return p->steps;
}

int sim_platform_watch_log(struct sim_platform *p, const char *text)
{
  return sim_platform_watch_log_between(p, text, 0.0, INFINITY);
}

int sim_platform_watch_log_between(struct sim_platform *p, const char *text, double from,
                                   double to)
{
  if (p->n_watches == SIM_PLATFORM_MAX_WATCHES)
    return -1;
  p->watch_text[p->n_watches] = text;
  p->watch_from[p->n_watches] = from;
  p->watch_to[p->n_watches] = to;
  return p->n_watches++;
}

unsigned sim_platform_watch_count(const struct sim_platform *p, int watch)
{
  return watch >= 0 && watch < p->n_watches ? p->watch_counts[watch] : 0;
}

unsigned sim_platform_log_count(const struct sim_platform *p, enum plat_log_level level)
{
  if (level < PLAT_LOG_DEBUG || level > PLAT_LOG_FATAL)
    return 0;
  return p->log_counts[level - PLAT_LOG_DEBUG];
}

void sim_platform_set_daemon_stamps(struct sim_platform *p)
{
  p->daemon_stamps = true;
}

void sim_platform_set_stamp_fuzz(struct sim_platform *p, int precision)
{
  p->stamp_fuzz = ldexp(1.0, precision);
}

void sim_platform_set_verbose(struct sim_platform *p, bool verbose)
{
  p->verbose = verbose;
}

bool sim_platform_attach_refclock(struct sim_platform *p, struct sim_refclock *d)
{
  if (p->n_refclocks == SIM_PLATFORM_MAX_REFCLOCKS)
    return false;
  p->refclocks[p->n_refclocks++] = d;
  return true;
}
