#include "daemon/workers.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/cmdmon.h"
#include "proto/ntp_packet.h"
#include "proto/ntp_time.h"
#include "sys/log.h"
#include "sys/platform_linux.h"
#include "sys/udp.h"

#define SNAPSHOT_PERIOD 1.0          /* s: publishing and reporting */
#define FORWARD_MAX 1500             /* bytes of a forwarded datagram */
#define QUERY_TIMEOUT 0.5            /* s: a worker's answer to `clients` */

/* Bytes written to a worker's wake pipe. */
#define WAKE_STOP 's'
#define WAKE_QUERY 'q'

/* A datagram on its way from a worker to the main loop. */
struct forward_header {
  struct ip_addr from, local;
  uint16_t from_port;
  uint8_t family_index;              /* 0: IPv4, 1: IPv6 */
  uint8_t rx_source;
  struct timespec rx_time;
};

struct worker {
  struct workers *ws;
  pthread_t thread;
  bool started;
  struct loop *loop;
  struct linux_platform *lp;
  struct refstate ref;
  struct ntp_server srv;
  struct clientlog *clog;
  int sock[2];
  int wake_pipe[2];
  uint64_t generation;               /* of the snapshot it has */
  struct srv_stats reported;         /* as of its last report (under lock) */
  struct clog_totals reported_totals;
  uint32_t reported_indices;         /* clog_n_indices, updated as it grows */
};

/* A `clients` request the main loop hands to one worker, which alone
 * touches its client log. */
struct clients_query {
  bool pending;                      /* set by the main loop, cleared when done */
  int worker;
  uint32_t first, want, min_hits;
  bool reset;
  struct timespec now;
  struct clog_report out[CMD_MAX_CLIENTS];
  uint32_t got, next;
};

struct workers {
  int n;
  struct worker *w;
  struct workers_main main;
  const struct refstate *main_ref;
  const struct access_table *main_access;
  int forward[2];                    /* [0] main loop's end, [1] workers' */
  uint64_t publish_timer;
  pthread_mutex_t lock;              /* guards what follows */
  pthread_cond_t answered;           /* query.pending cleared */
  struct clients_query query;
  uint64_t generation;
  struct refstate ref;
  struct access_table access;
};

static bool copy_access(struct access_table *to, const struct access_table *from)
{
  struct access_rule *rules = NULL;
  if (from->n > 0 && !(rules = malloc(from->n * sizeof(*rules))))
    return false;
  if (from->n > 0)
    memcpy(rules, from->rules, from->n * sizeof(*rules));
  access_free(to);
  *to = (struct access_table){rules, from->n, from->n, from->default_allow};
  return true;
}

/* ---- in the main loop ---- */

static bool same_access(const struct access_table *a, const struct access_table *b)
{
  return a->n == b->n && a->default_allow == b->default_allow &&
         (a->n == 0 || memcmp(a->rules, b->rules, a->n * sizeof(*a->rules)) == 0);
}

/* A new generation only when something changed, so the workers copy
 * nothing in a quiet second. */
static void publish(void *arg)
{
  struct workers *ws = arg;
  pthread_mutex_lock(&ws->lock);
  bool changed = memcmp(&ws->ref, ws->main_ref, sizeof(ws->ref)) != 0 ||
                 !same_access(&ws->access, ws->main_access);
  if (changed && copy_access(&ws->access, ws->main_access)) {
    ws->ref = *ws->main_ref;
    ws->generation++;
  }
  pthread_mutex_unlock(&ws->lock);
  ws->publish_timer = loop_add_timer(ws->main.loop, SNAPSHOT_PERIOD, publish, ws);
}

static void on_forwarded(void *arg, int fd)
{
  struct workers *ws = arg;
  union {
    struct forward_header h;
    uint8_t bytes[sizeof(struct forward_header) + FORWARD_MAX];
  } buf;
  /* A bounded number per wake-up, as for the sockets. */
  for (int i = 0; i < 64; i++) {
    ssize_t n = recv(fd, buf.bytes, sizeof(buf), MSG_DONTWAIT);
    if (n < (ssize_t)sizeof(buf.h))
      return;
    int sock = ws->main.sock[buf.h.family_index & 1];
    if (sock < 0)
      continue;
    struct plat_datagram dg = {
      .data = buf.bytes + sizeof(buf.h), .len = (size_t)n - sizeof(buf.h), .from = buf.h.from,
      .from_port = buf.h.from_port, .local = buf.h.local, .rx_time = buf.h.rx_time,
      .rx_source = (enum plat_ts_source)buf.h.rx_source};
    ws->main.fn(ws->main.arg, sock, &dg);
  }
}

/* ---- in a worker ---- */

static void forward(struct worker *w, int family_index, const struct plat_datagram *dg)
{
  struct forward_header h = {dg->from, dg->local, dg->from_port, (uint8_t)family_index,
                             (uint8_t)dg->rx_source, dg->rx_time};
  struct iovec iov[2] = {{&h, sizeof(h)},
                         {(void *)dg->data, dg->len < FORWARD_MAX ? dg->len : FORWARD_MAX}};
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
  /* Full (the main loop is behind): dropped, as the kernel would. */
  (void)sendmsg(w->ws->forward[1], &msg, MSG_DONTWAIT);
}

static uint32_t client_indices(const struct clientlog *l)
{
  int n = clog_n_indices(l);
  return n > 0 ? (uint32_t)n : 0;      /* -1: noclientlog */
}

static void worker_receive(void *arg, int sock, const struct plat_datagram *dg)
{
  struct worker *w = arg;
  /* Plain client requests here; everything else in the main loop. */
  if (dg->len == NTP_HEADER_LEN && (dg->data[0] & 7) == NTP_MODE_CLIENT) {
    srv_receive(&w->srv, sock, dg);
    /* The log grew (a few times in its life): `clients` maps by the size. */
    uint32_t n = client_indices(w->clog);
    if (n != w->reported_indices) {
      pthread_mutex_lock(&w->ws->lock);
      w->reported_indices = n;
      pthread_mutex_unlock(&w->ws->lock);
    }
  } else
    forward(w, sock == w->sock[1], dg);
}

/* Take a newer snapshot; report the counts. */
static void refresh(void *arg)
{
  struct worker *w = arg;
  struct workers *ws = w->ws;
  pthread_mutex_lock(&ws->lock);
  if (w->generation != ws->generation && copy_access(&w->srv.access, &ws->access)) {
    w->ref = ws->ref;
    w->generation = ws->generation;
  }
  w->reported = w->srv.stats;
  clog_get_totals(w->clog, &w->reported_totals);
  pthread_mutex_unlock(&ws->lock);
  loop_add_timer(w->loop, SNAPSHOT_PERIOD, refresh, w);
}

static void answer_query(struct worker *w)
{
  struct workers *ws = w->ws;
  struct clients_query *q = &ws->query;
  pthread_mutex_lock(&ws->lock);
  if (q->pending && &ws->w[q->worker] == w) {
    /* The size the main loop maps indices by, even if the log grew since. */
    uint32_t n = client_indices(w->clog), i;
    if (n > w->reported_indices)
      n = w->reported_indices;
    q->got = 0;
    for (i = q->first; i < n && q->got < q->want; i++)
      if (clog_report(w->clog, i, q->reset, q->min_hits, &q->now, &q->out[q->got]))
        q->got++;
    q->next = i;
    q->pending = false;
    pthread_cond_signal(&ws->answered);
  }
  pthread_mutex_unlock(&ws->lock);
}

static void on_wake(void *arg, int fd)
{
  struct worker *w = arg;
  char bytes[16];
  ssize_t n = read(fd, bytes, sizeof(bytes));
  for (ssize_t i = 0; i < n; i++) {
    if (bytes[i] == WAKE_QUERY)
      answer_query(w);
    else
      loop_quit(w->loop, 0);
  }
}

static void *worker_main(void *arg)
{
  struct worker *w = arg;
  loop_run(w->loop);
  return NULL;
}

/* ---- setting up ---- */

static bool open_worker(struct workers *ws, struct worker *w, const struct clog_params *cp)
{
  w->ws = ws;
  w->sock[0] = w->sock[1] = w->wake_pipe[0] = w->wake_pipe[1] = -1;
  if (!(w->loop = loop_new()) || !(w->lp = linux_platform_new(w->loop)) ||
      !(w->clog = clog_new(cp)) || pipe2(w->wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
      loop_add_fd(w->loop, w->wake_pipe[0], on_wake, w) < 0)
    return false;
  const struct platform *p = linux_platform_get(w->lp);
  w->ref = *ws->main_ref;
  srv_init(&w->srv, p, &w->ref);
  w->srv.clog = w->clog;
  w->reported_indices = client_indices(w->clog);
  if (!copy_access(&w->srv.access, ws->main_access))
    return false;
  linux_platform_set_reuseport(w->lp, true);
  linux_platform_set_socket_options(w->lp, ws->main.dscp, ws->main.device, true);
  linux_platform_set_tx_buffers(w->lp, ws->main.tx_buffers);
  for (int f = 0; f < 2; f++) {
    if (ws->main.sock[f] < 0)
      continue;
    w->sock[f] = p->ops->udp_open(p->ctx, f ? ADDR_INET6 : ADDR_INET4, ws->main.bind[f],
                                  ws->main.port, worker_receive, w);
    if (w->sock[f] < 0) {
      log_printf(PLAT_LOG_ERR, "Could not open a server worker's NTP socket : %s",
                 strerror(-w->sock[f]));
      return false;
    }
    srv_enable_tx_timestamps(&w->srv, w->sock[f], NULL, NULL);
    srv_enable_batched_sends(&w->srv, w->sock[f]);
  }
  loop_add_timer(w->loop, SNAPSHOT_PERIOD, refresh, w);
  return true;
}

struct workers *workers_open(int n, const struct workers_main *m, const struct clog_params *cp,
                             const struct refstate *ref, const struct access_table *access)
{
  struct workers *ws = calloc(1, sizeof(*ws));
  if (!ws)
    return NULL;
  ws->main = *m;
  ws->main_ref = ref;
  ws->main_access = access;
  ws->forward[0] = ws->forward[1] = -1;
  pthread_mutex_init(&ws->lock, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&ws->answered, &ca);
  pthread_condattr_destroy(&ca);
  access_init(&ws->access, false);
  ws->w = calloc((size_t)n, sizeof(*ws->w));
  struct clog_params share = *cp;
  share.limit = cp->limit / (uint64_t)(n + 1);
  bool ok = ws->w && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
                                ws->forward) == 0 &&
            loop_add_fd(m->loop, ws->forward[0], on_forwarded, ws) == 0;
  for (int i = 0; ok && i < n; i++) {
    ws->n = i + 1;
    share.seed = cp->seed + (uint64_t)i + 1;
    ok = open_worker(ws, &ws->w[i], &share);
  }
  if (!ok) {
    log_printf(PLAT_LOG_ERR, "Could not set up %d server workers", n);
    workers_free(ws);
    return NULL;
  }
  for (int f = 0; f < 2; f++) {
    int r = ws->main.sock[f] < 0 ? 0 :
            udp_steer_by_source_address(ws->main.sock[f], f ? ADDR_INET6 : ADDR_INET4,
                                        (unsigned)n + 1);
    if (r < 0)
      log_printf(PLAT_LOG_WARN, "Could not steer clients to server workers by address : %s",
                 strerror(-r));
  }
  publish(ws);
  return ws;
}

bool workers_run(struct workers *ws)
{
  for (int i = 0; i < ws->n; i++) {
    int r = pthread_create(&ws->w[i].thread, NULL, worker_main, &ws->w[i]);
    if (r != 0) {
      log_printf(PLAT_LOG_ERR, "Could not start a server worker : %s", strerror(r));
      return false;
    }
    ws->w[i].started = true;
  }
  return true;
}

void workers_stop(struct workers *ws)
{
  for (int i = 0; ws && i < ws->n; i++) {
    struct worker *w = &ws->w[i];
    if (!w->started)
      continue;
    (void)!write(w->wake_pipe[1], &(char){WAKE_STOP}, 1);
    pthread_join(w->thread, NULL);
    w->started = false;
    w->reported = w->srv.stats;
    clog_get_totals(w->clog, &w->reported_totals);
  }
}

void workers_free(struct workers *ws)
{
  if (!ws)
    return;
  workers_stop(ws);
  if (ws->publish_timer)
    loop_cancel_timer(ws->main.loop, ws->publish_timer);
  for (int i = 0; i < ws->n; i++) {
    struct worker *w = &ws->w[i];
    for (int f = 0; f < 2; f++)
      if (w->sock[f] >= 0)
        linux_platform_get(w->lp)->ops->udp_close(linux_platform_get(w->lp)->ctx, w->sock[f]);
    if (w->wake_pipe[0] >= 0) {
      loop_remove_fd(w->loop, w->wake_pipe[0]);
      close(w->wake_pipe[0]);
      close(w->wake_pipe[1]);
    }
    if (w->lp)
      srv_free(&w->srv);
    clog_free(w->clog);
    linux_platform_free(w->lp);
    loop_free(w->loop);
  }
  if (ws->forward[0] >= 0) {
    loop_remove_fd(ws->main.loop, ws->forward[0]);
    close(ws->forward[0]);
    close(ws->forward[1]);
  }
  access_free(&ws->access);
  pthread_cond_destroy(&ws->answered);
  pthread_mutex_destroy(&ws->lock);
  free(ws->w);
  free(ws);
}

void workers_add_totals(struct workers *ws, struct srv_stats *stats, struct clog_totals *totals)
{
  if (!ws)
    return;
  pthread_mutex_lock(&ws->lock);
  for (int i = 0; i < ws->n; i++) {
    const struct srv_stats *s = &ws->w[i].reported;
    const struct clog_totals *t = &ws->w[i].reported_totals;
    stats->received += s->received;
    stats->replied += s->replied;
    stats->auth_replied += s->auth_replied;
    stats->kod_replied += s->kod_replied;
    stats->interleaved_replied += s->interleaved_replied;
    for (int k = 0; k < SRV_DROP_COUNT; k++)
      stats->dropped[k] += s->dropped[k];
    for (int k = 0; k < SRV_TS_SOURCES; k++) {
      stats->rx_ts[k] += s->rx_ts[k];
      stats->tx_ts[k] += s->tx_ts[k];
    }
    for (int k = 0; k < CLOG_N_SERVICES; k++) {
      totals->hits[k] += t->hits[k];
      totals->drops[k] += t->drops[k];
    }
    totals->record_drops += t->record_drops;
  }
  pthread_mutex_unlock(&ws->lock);
}

uint32_t workers_client_indices(struct workers *ws)
{
  uint32_t n = 0;
  if (!ws)
    return 0;
  pthread_mutex_lock(&ws->lock);
  for (int i = 0; i < ws->n; i++)
    n += ws->w[i].reported_indices;
  pthread_mutex_unlock(&ws->lock);
  return n;
}

/* The worker whose range (by the sizes last reported) holds index *first,
 * with *first made relative to it; -1 if none. */
static int worker_of_index(struct workers *ws, uint32_t *first, uint32_t *base)
{
  *base = 0;
  for (int i = 0; i < ws->n; i++) {
    uint32_t size = ws->w[i].reported_indices;
    if (*first < size)
      return i;
    *first -= size;
    *base += size;
  }
  return -1;
}

uint32_t workers_client_reports(struct workers *ws, uint32_t first, uint32_t want, bool reset,
                                uint32_t min_hits, const struct timespec *now,
                                struct clog_report *out, uint32_t *next)
{
  *next = first;
  if (!ws)
    return 0;
  pthread_mutex_lock(&ws->lock);
  uint32_t local = first, base;
  int k = worker_of_index(ws, &local, &base);
  if (k < 0 || !ws->w[k].started) {
    pthread_mutex_unlock(&ws->lock);
    return 0;
  }
  struct clients_query *q = &ws->query;
  *q = (struct clients_query){.pending = true, .worker = k, .first = local,
                              .want = want < CMD_MAX_CLIENTS ? want : CMD_MAX_CLIENTS,
                              .min_hits = min_hits, .reset = reset, .now = *now};
  pthread_mutex_unlock(&ws->lock);
  (void)!write(ws->w[k].wake_pipe[1], &(char){WAKE_QUERY}, 1);

  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  struct timespec deadline = timespec_add_double(&start, QUERY_TIMEOUT);
  uint32_t got = 0;
  pthread_mutex_lock(&ws->lock);
  while (q->pending && pthread_cond_timedwait(&ws->answered, &ws->lock, &deadline) == 0)
    ;
  if (q->pending) {
    /* No answer in time: skip this worker's range rather than block. */
    q->pending = false;
    *next = base + ws->w[k].reported_indices;
  } else {
    got = q->got;
    memcpy(out, q->out, got * sizeof(*out));
    *next = base + q->next;
  }
  pthread_mutex_unlock(&ws->lock);
  return got;
}
