#include "daemon/workers.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/ntp_packet.h"
#include "sys/log.h"
#include "sys/platform_linux.h"

#define SNAPSHOT_PERIOD 1.0          /* s: publishing and reporting */
#define FORWARD_MAX 1500             /* bytes of a forwarded datagram */

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
  int stop_pipe[2];
  uint64_t generation;               /* of the snapshot it has */
  struct srv_stats reported;         /* as of its last report (under lock) */
  struct clog_totals reported_totals;
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

static void worker_receive(void *arg, int sock, const struct plat_datagram *dg)
{
  struct worker *w = arg;
  /* Plain client requests here; everything else in the main loop. */
  if (dg->len == NTP_HEADER_LEN && (dg->data[0] & 7) == NTP_MODE_CLIENT)
    srv_receive(&w->srv, sock, dg);
  else
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

static void on_stop(void *arg, int fd)
{
  struct worker *w = arg;
  (void)fd;
  loop_quit(w->loop, 0);
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
  w->sock[0] = w->sock[1] = w->stop_pipe[0] = w->stop_pipe[1] = -1;
  if (!(w->loop = loop_new()) || !(w->lp = linux_platform_new(w->loop)) ||
      !(w->clog = clog_new(cp)) || pipe2(w->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
      loop_add_fd(w->loop, w->stop_pipe[0], on_stop, w) < 0)
    return false;
  const struct platform *p = linux_platform_get(w->lp);
  w->ref = *ws->main_ref;
  srv_init(&w->srv, p, &w->ref);
  w->srv.clog = w->clog;
  if (!copy_access(&w->srv.access, ws->main_access))
    return false;
  linux_platform_set_reuseport(w->lp, true);
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
    srv_enable_tx_timestamps(&w->srv, w->sock[f]);
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
    (void)!write(w->stop_pipe[1], "", 1);
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
    if (w->stop_pipe[0] >= 0) {
      loop_remove_fd(w->loop, w->stop_pipe[0]);
      close(w->stop_pipe[0]);
      close(w->stop_pipe[1]);
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
    for (int k = 0; k < CLOG_N_SERVICES; k++) {
      totals->hits[k] += t->hits[k];
      totals->drops[k] += t->drops[k];
    }
    totals->record_drops += t->record_drops;
  }
  pthread_mutex_unlock(&ws->lock);
}
