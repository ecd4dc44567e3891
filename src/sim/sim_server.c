#include "sim/sim_server.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ntp_packet.h"

#define SIM_SERVER_CLOG_SEED 0x78656c6561766531ull   /* the client log's hash key */

struct sim_server {
  struct sim_sched *sched;
  struct sim_platform *host;
  const struct platform *plat;
  struct refstate ref;
  struct ntp_server srv;
  struct clientlog *clog;     /* NULL: none (neither xleave nor ratelimit) */
  int socks[2];               /* IPv4 and IPv6 wildcard */
  double kod_interval;
  bool have_last;
  struct timespec last_request;  /* local time */
  uint64_t kods;
  double step;
};

/* A stratum-1 server's reference time is its last reference clock update. */
static void refresh_ref_time(struct sim_server *s, const struct timespec *now)
{
  bool zero = s->ref.ref_time.tv_sec == 0 && s->ref.ref_time.tv_nsec == 0;
  double age = timespec_diff(now, &s->ref.ref_time);
  if (zero || age < 0.0 || age >= SIM_SERVER_REF_PERIOD)
    s->ref.ref_time = *now;
}

/* True if the request came too soon after the previous one (and remember
 * when it came). */
static bool too_soon(struct sim_server *s, const struct timespec *rx)
{
  bool soon = s->have_last && timespec_diff(rx, &s->last_request) < s->kod_interval;
  s->have_last = true;
  s->last_request = *rx;
  return soon;
}

static void send_kod(struct sim_server *s, int sock, const struct plat_datagram *dg,
                     const struct ntp_header *req)
{
  struct ntp_header h;
  uint8_t buf[NTP_HEADER_LEN];
  memset(&h, 0, sizeof(h));
  h.leap = NTP_LEAP_UNSYNC;
  h.version = req->version;
  h.mode = NTP_MODE_SERVER;
  h.stratum = 0;
  h.poll = req->poll;
  h.precision = SIM_SERVER_PRECISION;
  h.refid = NTP_REFID_RATE;
  h.origin = req->transmit;
  h.receive = ntp_ts_from_timespec(&dg->rx_time);
  ntp_header_encode(&h, buf);
  if (s->plat->ops->udp_send(s->plat->ctx, sock, &dg->local, &dg->from, dg->from_port, buf,
                             sizeof(buf), PLAT_SEND_STAMP_TRANSMIT) == 0)
    s->kods++;
}

static void on_request(void *arg, int sock, const struct plat_datagram *dg)
{
  struct sim_server *s = arg;
  struct ntp_packet req;
  refresh_ref_time(s, &dg->rx_time);
  ntp_packet_parse(dg->data, dg->len, &req);
  if (s->kod_interval > 0.0 && req.status == NTP_PARSE_OK && req.hdr.mode == NTP_MODE_CLIENT &&
      too_soon(s, &dg->rx_time)) {
    send_kod(s, sock, dg, &req.hdr);
    return;
  }
  srv_respond(&s->srv, sock, dg, &req);
}

/* chronyd's doffset: the clock corrected, its F323 monotonic scale not
 * (server_mono_offset takes the adjustment, the epoch stays). */
static void on_step(void *arg)
{
  struct sim_server *s = arg;
  sim_platform_external_step(s->host, s->step);
  s->ref.cooking.mono_offset -= s->step;
}

static void init_refstate(struct refstate *ref, const struct sim_server_config *cfg)
{
  ref_state_init(ref, SIM_SERVER_PRECISION);
  ref->synchronised = true;
  ref->leap = cfg->leap;
  ref->stratum = cfg->stratum ? cfg->stratum : 1;
  ref->refid = cfg->refid ? cfg->refid : SIM_SERVER_REFID_GPS;
  ref->root_delay = cfg->root_delay;
  ref->root_dispersion = cfg->root_dispersion;
}

struct sim_server *sim_server_new(struct sim_sched *sched, struct sim_platform *host,
                                  const struct sim_server_config *cfg)
{
  static const struct ip_subnet everyone;   /* ADDR_UNSPEC: both families */
  static const enum addr_family families[2] = {ADDR_INET4, ADDR_INET6};
  struct sim_server *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  s->sched = sched;
  s->host = host;
  s->plat = sim_platform_get(host);
  s->kod_interval = cfg->kod_interval;
  s->step = cfg->step;
  init_refstate(&s->ref, cfg);
  if (cfg->fuzz)
    sim_platform_set_stamp_fuzz(host, SIM_SERVER_PRECISION);
  srv_init(&s->srv, s->plat, &s->ref);
  s->srv.keys = cfg->keys;
  bool ok = access_add(&s->srv.access, &everyone, true, false);
  if (cfg->xleave || cfg->ratelimit.enabled) {
    struct clog_params cp = {.active = true, .limit = CLOG_DEFAULT_LIMIT,
                             .seed = SIM_SERVER_CLOG_SEED};
    cp.rate[CLOG_NTP] = cfg->ratelimit;
    s->srv.clog = s->clog = clog_new(&cp);
    ok &= s->clog != NULL;
  }
  for (int i = 0; i < 2; i++) {
    s->socks[i] = s->plat->ops->udp_open(s->plat->ctx, families[i], NULL,
                                         cfg->port ? cfg->port : 123, on_request, s);
    ok &= s->socks[i] >= 0;
    if (s->socks[i] >= 0 && cfg->xleave)
      ok &= srv_enable_tx_timestamps(&s->srv, s->socks[i], NULL, NULL) == 0;
  }
  if (ok && cfg->step != 0.0)
    ok = sim_sched_add(sched, sim_sched_start(sched) + sim_ns(cfg->step_at), on_step, s, s) != 0;
  if (!ok) {
    sim_server_free(s);
    return NULL;
  }
  return s;
}

void sim_server_free(struct sim_server *s)
{
  if (!s)
    return;
  sim_sched_cancel_owner(s->sched, s);
  for (int i = 0; i < 2; i++)
    if (s->socks[i] >= 0)
      s->plat->ops->udp_close(s->plat->ctx, s->socks[i]);
  srv_free(&s->srv);
  clog_free(s->clog);
  free(s);
}

const struct srv_stats *sim_server_stats(const struct sim_server *s)
{
  return &s->srv.stats;
}

uint64_t sim_server_kods(const struct sim_server *s)
{
  return s->kods;
}
