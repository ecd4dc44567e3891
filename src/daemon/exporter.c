/* exporter: metricsport (see exporter.h). */
#include "daemon/exporter.h"

#include <string.h>

#include "core/ntp_server.h"
#include "proto/metrics.h"
#include "sys/log.h"

_Static_assert(SRV_DROP_COUNT <= METRICS_MAX_DROPS, "drop reasons do not fit");

/* One request to the daemon's command server, as if it came over a
 * socket: encoded, answered, decoded. arg: the copy of the server. */
static bool exchange(void *arg, struct cmd_request *req, struct cmd_reply *rpy)
{
  struct cmdsrv *view = arg;
  uint8_t q[CMD_MAX_PACKET], a[CMD_MAX_PACKET];
  size_t n = cmd_build_request(req, q, sizeof(q));
  if (n == 0)
    return false;
  size_t m = cmdsrv_process(view, q, n, false, a, sizeof(a));
  return m > 0 && cmd_parse_reply(a, m, rpy);
}

static char *render(void *arg, size_t *len)
{
  struct exporter *e = arg;
  /* Not local and from no address: only monitoring reports are answered
   * (all of them, with every report open), and nothing is logged or
   * counted (the counts go to the copy). */
  struct cmdsrv view = *e->cmd;
  view.open = ~0u;
  struct metrics_reports r;
  struct metrics_text t = {0};
  if (!metrics_fetch(&r, exchange, &view))
    return NULL;
  struct srv_stats s = e->cmd->ntp->stats;
  struct clog_totals unused = {0};
  if (e->cmd->ops.add_server_totals)
    e->cmd->ops.add_server_totals(e->cmd->ops.arg, &s, &unused);
  r.n_drops = SRV_DROP_COUNT;
  for (int i = 0; i < SRV_DROP_COUNT; i++)
    r.drops[i] = (struct metrics_drop){srv_drop_name(i), s.dropped[i]};
  bool ok = metrics_render(&r, &t);
  metrics_reports_free(&r);
  if (!ok) {
    metrics_text_free(&t);
    return NULL;
  }
  *len = t.len;
  return t.data;
}

static void listen_on(struct exporter *e, const struct ip_addr *addr, uint16_t port)
{
  char a[ADDR_STR_LEN];
  int r = httpd_listen(&e->httpd, addr, port);
  if (r < 0)
    log_printf(PLAT_LOG_ERR, "Could not open metrics socket on %s:%u : %s",
               addr_format(addr, a), port, strerror(-r));
  else
    log_printf(PLAT_LOG_INFO, "Serving metrics on %s port %u", addr_format(addr, a), port);
}

bool exporter_start(struct exporter *e, const struct config *cfg, int family, struct loop *loop,
                    const struct cmdsrv *cmd)
{
  struct ip_addr lo4, lo6;
  memset(e, 0, sizeof(*e));
  if (cfg->metricsport == 0)
    return true;
  e->cmd = cmd;
  if (!httpd_init(&e->httpd, loop, "/metrics", METRICS_CONTENT_TYPE, render, e))
    return false;
  e->started = true;
  addr_parse("127.0.0.1", &lo4);
  addr_parse("::1", &lo6);
  if (family == 0 || family == ADDR_INET4)
    listen_on(e, cfg->have_bindmetrics4 ? &cfg->bindmetrics4 : &lo4, cfg->metricsport);
  if (family == 0 || family == ADDR_INET6)
    listen_on(e, cfg->have_bindmetrics6 ? &cfg->bindmetrics6 : &lo6, cfg->metricsport);
  return e->httpd.listen.n > 0;
}

void exporter_stop(struct exporter *e)
{
  if (e->started)
    httpd_free(&e->httpd);
  e->started = false;
}
