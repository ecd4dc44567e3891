#include "sim/scenarios.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_client.h"
#include "conf/config.h"
#include "conf/driftfile.h"
#include "conf/conf_source.h"
#include "conf/keyfile.h"
#include "conf/rtcfile.h"
#include "core/client.h"
#include "core/initslew.h"
#include "core/leapdb.h"
#include "core/broadcast.h"
#include "core/ntp_server.h"
#include "core/reference.h"
#include "core/cmdsrv.h"
#include "core/manual.h"
#include "core/hwts.h"
#include "core/ntp_source.h"
#include "core/query.h"
#include "core/refclock.h"
#include "core/rtcinit.h"
#include "core/rtctrack.h"
#include "core/srclist.h"
#include "sim/sim_metrics.h"
#include "sim/sim_names.h"
#include "sim/sim_refclock.h"
#include "sim/sim_rng.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"
#include "sim/scenario_chronyc.h"
#include "stratumc/format.h"

#define SAMPLE_INTERVAL 1.0        /* s, metrics and selection sampling */
#define COMMAND_DELAY 100e-6       /* s from the operator to the client (test.common's) */
#define RTC_LATENCY 1e-6           /* s an RTC interrupt comes late... */
#define RTC_JITTER 1e-6            /* ...give or take this */
#define CLIENT_PRECISION (-20)
#define CLIENT_ADDR "192.168.123.100"
#define CLIENT6_ADDR "fc00::123:64"
#define SERVER_ADDR_FMT SCENARIO_SERVER_NET "%u"
#define SERVER6_ADDR_FMT SCENARIO_SERVER6_NET "%x"

/* ------------------------------------------------------------------ runner */

/* Reads the client's selection once a second, from the start to the end. */
struct observer {
  struct sim_sched *sched;
  sim_time next;
  const struct client *client;
  const struct ip_addr *falsetickers;
  unsigned n_falsetickers;
  int last_selected;
  const struct scenario *s;
  struct scenario_result *out;
  bool trace;                      /* keep every sample's selection */
  int *selections;
  size_t n_selections, cap_selections;
};

static void keep_selection(struct observer *o, int sel)
{
  if (o->n_selections == o->cap_selections) {
    size_t cap = o->cap_selections ? o->cap_selections * 2 : 1024;
    int *p = realloc(o->selections, cap * sizeof(*p));
    if (!p) {
      o->trace = false;
      return;
    }
    o->selections = p;
    o->cap_selections = cap;
  }
  o->selections[o->n_selections++] = sel;
}

static void observe(void *arg)
{
  struct observer *o = arg;
  struct scenario_result *r = o->out;
  int sel = client_selected(o->client);
  if (o->trace)
    keep_selection(o, sel);
  if (sel != o->last_selected) {
    if (sel >= 0 || o->last_selected >= 0)
      r->selection_changes++;
    o->last_selected = sel;
  }
  if (sel >= 0) {
    struct ip_addr addr;
    r->selected_seconds++;
    if (isinf(r->first_selected))
      r->first_selected = sim_sched_elapsed(o->sched);
    if (client_source_address(o->client, (unsigned)sel, &addr))
      for (unsigned i = 0; i < o->n_falsetickers; i++)
        if (addr_equal(&addr, &o->falsetickers[i]))
          r->falseticker_selected = true;
  }
  o->next += sim_ns(SAMPLE_INTERVAL);
  sim_sched_add(o->sched, o->next, observe, o, o);
}

struct ext_step {
  struct sim_platform *host;
  double seconds;
};

static void do_stall(void *arg)
{
  sim_refclock_set_stalled(arg, true);
}

/* leapseclist's answers, from the scenario's list (a struct leapdb). */
static enum ntp_leap leap_lookup(void *arg, time_t when, int *tai)
{
  return leapdb_get(arg, when, tai);
}

/* A device's reading stepped (scenario_refclock's step). */
struct refclock_step {
  struct sim_refclock *dev;
  double offset;
};

static void do_refclock_step(void *arg)
{
  const struct refclock_step *st = arg;
  sim_refclock_set_offset(st->dev, st->offset);
}

/* A refclock: its device on the host (its jitter from the seed's stream,
 * its step kept in st), and its source with the parameters of its line. */
static bool add_refclock(struct sim_world *w, struct sim_platform *chost, struct client *client,
                         const struct rcl_params *p, const struct scenario_refclock *sr,
                         unsigned stream, uint64_t seed, struct sim_refclock **dev,
                         struct refclock_step *st)
{
  struct sim_refclock_config dc = {
    .driver = p->driver, .param = p->param, .rate = sr->rate, .offset = sr->dev_offset,
    .jitter = sr->jitter, .jitter_kind = sr->jitter_kind, .pulse = sr->pulse,
    .freq = sr->dev_freq, .delay_jitter = sr->delay_jitter, .jitter_on = sr->jitter_on,
    .jitter_off = sr->jitter_off, .extts = p->option & PLAT_PHC_EXTPPS, .channel = p->channel,
    .seed = sim_rng_derive(seed, stream), .wave_amplitude = sr->wave_amplitude,
    .wave_period = sr->wave_period,
    .wave_from = sim_sched_start(sim_world_sched(w)) + sim_ns(sr->wave_from),
    .wave_origin = sim_sched_start(sim_world_sched(w)) + sim_ns(sr->wave_origin),
  };
  *dev = sim_refclock_new(sim_world_sched(w), chost, &dc);
  if (!*dev || (sr->stall_at > 0.0 && !sim_world_at(w, sr->stall_at, do_stall, *dev)))
    return false;
  *st = (struct refclock_step){*dev, sr->dev_offset + sr->step};
  if (sr->step != 0.0 && !sim_world_at(w, sr->step_at, do_refclock_step, st))
    return false;
  return client_add_refclock(client, p) >= 0;
}

static char source_char(enum plat_ts_source s)
{
  return s == PLAT_TS_HARDWARE ? 'H' : s == PLAT_TS_KERNEL ? 'K' : 'D';
}

/* What stamps the first NTP source's last measurement had (after the
 * refclocks). */
static void last_sources(const struct client *client, struct scenario_result *out)
{
  struct client_source_report rep;
  unsigned first = client_n_sources(client) - client_n_ntp_sources(client);
  out->last_tx_source = out->last_rx_source = '?';
  if (client_source_report(client, first, &rep) && rep.ntp && rep.ntp->valid) {
    out->last_tx_source = source_char(rep.ntp->m.tx_source);
    out->last_rx_source = source_char(rep.ntp->m.rx_source);
  }
}

/* The client's NIC (hwtimestamp lines): its clock a PHC device named
 * SCENARIO_NIC on the client's host, set up as the daemon sets it up. */
static bool start_nic(struct sim_world *w, struct sim_platform *chost, const struct config *c,
                      const struct scenario_refclock *nic, uint64_t seed, struct hwts *hw,
                      struct client_params *params, struct sim_refclock **dev)
{
  struct sim_refclock_config dc = {
    .driver = PLAT_REFCLOCK_PHC, .param = SCENARIO_NIC, .offset = nic->dev_offset,
    .jitter = nic->jitter, .freq = nic->dev_freq, .delay_jitter = nic->delay_jitter,
    .jitter_on = nic->jitter_on, .jitter_off = nic->jitter_off,
    .seed = sim_rng_derive(seed, SCENARIO_NIC_STREAM),
  };
  struct sim_refclock *phc = sim_refclock_new(sim_world_sched(w), chost, &dc);
  struct hwts_params *p = conf_client_hwts(c);
  *dev = phc;
  hwts_init(hw, sim_platform_get(chost));
  bool ok = phc && p;
  if (ok) {
    sim_platform_set_nic(chost, SCENARIO_NIC, phc);
    ok = hwts_add(hw, p, c->n_hwtimestamps);
  }
  free(p);
  if (!ok)
    return false;
  params->hwtstimeout = hw->n > 0 ? c->hwtstimeout : 0.0;
  return true;
}

static void report_refclock(const struct client *client, unsigned k,
                            const struct sim_refclock *dev, struct scenario_source *src)
{
  const struct rcl *r = client_refclock(client, k);
  src->refclock = true;
  if (!r)
    return;
  rcl_refid_text(r->p.refid, src->name);
  src->bad_message = r->counters[RCL_BAD_MESSAGE];
  src->bad_sample = r->counters[RCL_BAD_SAMPLE];
  src->bad_pulse = r->counters[RCL_BAD_PULSE];
  src->read_errors = r->counters[RCL_READ_ERRORS];
  src->written = sim_refclock_written(dev);
}

/* A measurement for the loop test's counts of its host. */
static void count_loop_test(struct scenario_dcount *dc, const struct client_log_measurement *m)
{
  char a[ADDR_STR_LEN];
  for (int i = CLIENT_TEST_1; i < CLIENT_N_TESTS; i++)
    if (!m->test[i] && i != CLIENT_TEST_D)
      return;
  addr_format(&m->addr, a);
  for (unsigned k = 0; k < SCENARIO_MAX_DCOUNTS; k++) {
    if (!dc[k].addr[0])
      snprintf(dc[k].addr, sizeof(dc[k].addr), "%s", a);
    if (strcmp(dc[k].addr, a) == 0) {
      m->test[CLIENT_TEST_D] ? dc[k].d_passed++ : dc[k].d_failed++;
      return;
    }
  }
}

/* One of the client's measurements (log measurements), counted. */
static void on_measurement(void *arg, const struct client_log_measurement *m)
{
  struct observer *o = arg;
  struct scenario_result *out = o->out;
  const struct scenario *s = o->s;
  if (s->measured_poll > 0 && m->local_poll == s->measured_poll &&
      m->remote_poll == s->measured_poll && m->test[CLIENT_TEST_A] && m->test[CLIENT_TEST_B] &&
      m->test[CLIENT_TEST_D]) {
    double t = sim_sched_elapsed(o->sched);
    out->poll_measurements[0]++;
    out->poll_measurements[1] += t >= s->poll_from && t < s->poll_to;
  }
  if (s->loop_measurements)
    count_loop_test(out->dcounts, m);
  if (!s->measurements)
    return;
  for (int i = CLIENT_TEST_1; i < CLIENT_N_TESTS; i++)
    if (!m->test[i] && i != CLIENT_TEST_A)
      return;
  out->measurements[m->interleaved][!m->test[CLIENT_TEST_A]]++;
}

/* The client's maxchange gave up (the observer is set before it runs). */
static void on_give_up(void *arg)
{
  struct observer *o = arg;
  if (!o->out->give_ups++)
    o->out->gave_up_at = sim_sched_elapsed(o->sched);
}

static void do_external_step(void *arg)
{
  struct ext_step *e = arg;
  sim_platform_external_step(e->host, e->seconds);
}

/* Seconds from `start` to the end of the first leap second day after it:
 * the instant UTC repeats a second (or, one second earlier, skips one). */
static double leap_elapsed(time_t start, int leap)
{
  time_t midnight = start - start % SCENARIO_DAY + SCENARIO_DAY;
  while (!ref_leap_day(midnight - 1))
    midnight += SCENARIO_DAY;
  return (double)(midnight - start) - (leap < 0 ? 1.0 : 0.0);
}

/* UTC's leap second: the servers' clocks follow it, the client's offset
 * is measured from it. */
struct utc_leap {
  struct sim_platform **servers;
  unsigned n_servers;
  struct sim_metrics *metrics;
  int leap;
};

static void do_utc_leap(void *arg)
{
  struct utc_leap *u = arg;
  for (unsigned i = 0; i < u->n_servers; i++)
    sim_platform_external_step(u->servers[i], -(double)u->leap);
  sim_metrics_shift_utc(u->metrics, -(double)u->leap);
}

/* The server, pool and peer lines of c as the client's sources, through
 * the source list as stratumd adds them. */
static struct srclist *add_sources(const struct platform *plat, struct client *client,
                                   const struct config *c)
{
  struct srclist *l = srclist_new(plat, client, ADDR_UNSPEC);
  if (!l)
    return NULL;
  srclist_set_refresh(l, c->refresh);
  for (unsigned i = 0; i < c->n_sources; i++) {
    struct srclist_source src;
    conf_srclist_source(&c->sources[i], &src);
    if (srclist_add(l, &src) != SRCLIST_OK) {
      srclist_free(l);
      return NULL;
    }
  }
  return l;
}

/* The configured sources, added now or once initstepslew is done. */
struct late_sources {
  const struct platform *plat;
  struct client *client;
  const struct config *conf;
  struct srclist *list;
  struct observer *obs;
  struct initslew *islew;
  struct scenario_result *out;     /* -s: when the sources began */
  struct sim_sched *sched;
};

static void start_sources(void *arg)
{
  struct late_sources *l = arg;
  if (l->obs)
    l->obs->out->initslew_done_at = sim_sched_elapsed(l->obs->sched) - INITSLEW_END_DELAY;
  l->list = add_sources(l->plat, l->client, l->conf);
}

/* initstepslew's hosts: addresses, as the scenarios give them. */
static unsigned initslew_hosts(const struct config *c, struct initslew_host *hosts)
{
  unsigned n = 0;
  for (unsigned i = 0; c->initstepslew && i < c->initstepslew_hosts.n && n < INITSLEW_MAX_HOSTS;
       i++)
    if (addr_parse(c->initstepslew_hosts.v[i], &hosts[n].addr))
      hosts[n++].name = c->initstepslew_hosts.v[i];
  return n;
}

/* chronyd's post_init_rtc_hook: initstepslew first when configured (the
 * sources then come at its end), else the sources. False: no memory. */
static bool begin_sources(struct late_sources *l)
{
  struct initslew_host hosts[INITSLEW_MAX_HOSTS];
  unsigned n_hosts = initslew_hosts(l->conf, hosts);
  if (initslew_start(l->islew, l->plat, l->client, hosts, n_hosts,
                     l->conf->initstepslew_threshold, start_sources, l))
    return true;
  struct observer *obs = l->obs;
  l->obs = NULL;
  start_sources(l);
  l->obs = obs;
  return l->list != NULL;
}

/* -s: the RTC's initial trim is over. */
static void rtc_initial_done(void *arg)
{
  struct late_sources *l = arg;
  l->out->sources_at = sim_sched_elapsed(l->sched);
  begin_sources(l);
}

/* stratumd -q or -Q (the scenario's query): the daemon's query of the
 * configured servers (addresses) in place of the client's sources; -q
 * steps the clock by the best offset at the end, as the daemon does. */
struct query_run {
  struct query q;
  struct query_server servers[SCENARIO_MAX_SERVERS];
  const struct platform *plat;
  bool step, started;
};

static void query_done(void *arg)
{
  struct query_run *qr = arg;
  const struct query_server *best = query_best(&qr->q);
  if (qr->step && best)
    qr->plat->ops->clock_step(qr->plat->ctx, best->best.offset);
}

static bool query_run_start(struct query_run *qr, const struct platform *plat,
                            const struct config *c, const struct ntp_keyring *keys, bool step)
{
  unsigned n = 0;
  for (unsigned i = 0; i < c->n_sources && n < SCENARIO_MAX_SERVERS; i++) {
    struct ip_addr addr;
    if (c->sources[i].type != CONF_PEER && addr_parse(c->sources[i].name, &addr))
      conf_query_server(&c->sources[i], &addr, &qr->servers[n++]);
  }
  qr->plat = plat;
  qr->step = step;
  qr->started = query_start(&qr->q, plat, keys, NULL, qr->servers, n, NULL, query_done, qr);
  return qr->started;
}

/* A host's NTP socket, as the daemon's: a peer's symmetric packet goes to
 * the client, anything else to the server; a transmit timestamp to the
 * client if it was a peer's, else to the server. */
struct responder {
  struct client *client;           /* NULL: none (yet) */
  struct ntp_server *srv;
};

static void on_ntp_datagram(void *arg, int sock, const struct plat_datagram *dg)
{
  struct responder *r = arg;
  struct ntp_packet pkt;
  ntp_packet_parse(dg->data, dg->len, &pkt);
  if (!r->client || !client_shared_receive(r->client, sock, dg, &pkt))
    srv_respond(r->srv, sock, dg, &pkt);
}

static void on_ntp_tx(void *arg, int sock, const struct ip_addr *to, uint16_t port, uint64_t tag,
                      const struct timespec *tx_time, enum plat_ts_source source)
{
  struct responder *r = arg;
  if (!r->client || !client_tx_timestamp(r->client, sock, to, port, tag, tx_time, source))
    srv_tx_timestamp(r->srv, sock, to, port, tag, tx_time, source);
}

/* Opens plat's NTP socket of the family on `port` (conf's port) for r
 * (with its kernel transmit timestamps when tx_stamps) and gives it to r's
 * client for its peers. -1 on failure. */
static int responder_open(struct responder *r, const struct platform *plat,
                          enum addr_family family, uint16_t port, bool tx_stamps)
{
  int sock = plat->ops->udp_open(plat->ctx, family, NULL, port, on_ntp_datagram, r);
  bool tagged = sock >= 0 && tx_stamps && srv_enable_tx_timestamps(r->srv, sock, on_ntp_tx, r) == 0;
  if (sock >= 0 && r->client)
    client_set_server_socket(r->client, family, sock, port, tagged);
  return sock;
}

/* The real client core and responder on a host: the smearing server, a
 * relay. */
struct smearer {
  struct sim_platform *host;
  struct refstate ref;
  struct ntp_server srv;
  bool srv_ready;
  struct client *client;
  struct srclist *sources;
  struct responder resp;
  int sock;
  struct bcast bcast;              /* its broadcast lines, from its server socket */
  struct sim_metrics *metrics;     /* a relay's */
  struct scenario_dcount *dcounts; /* set before the start: its loop test's counts */
  const struct ntp_keyring *keys;  /* set before the start: its keyfile's, if it has one */
  const struct scenario *watch;    /* set before the start: whose log watches it has */
  /* set before the start: the devices of its refclock lines, their jitter
   * from the seed's streams from `stream` on */
  const struct scenario_refclock *refclocks;
  uint64_t seed;
  unsigned stream;
  struct sim_refclock *devs[SCENARIO_MAX_REFCLOCKS];
  struct refclock_step steps[SCENARIO_MAX_REFCLOCKS];
  bool clientlog;                  /* set before the start: its server keeps one */
};

static void on_relay_measurement(void *arg, const struct client_log_measurement *m)
{
  count_loop_test(arg, m);
}

static void start_client(void *arg)
{
  client_start(arg);
}

static void start_core(void *arg)
{
  start_client(((struct smearer *)arg)->client);
}

/* A host's own number for its local reference time (the daemon's is
 * random): FNV-1a of its address, so the random stream stays untouched. */
static uint64_t host_key(const char *addr)
{
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *addr; addr++)
    h = (h ^ (uint8_t)*addr) * 0x100000001b3ull;
  return h;
}

/* The allow and deny lines of c (addresses only) into srv's table, in order. */
static bool add_access(struct ntp_server *srv, const struct config *c)
{
  for (unsigned i = 0; i < c->access.n; i++)
    if (!access_add(&srv->access, &c->access.items[i].net, c->access.items[i].allow,
                    c->access.items[i].all))
      return false;
  return true;
}

/* The scenario's log watches on a host, numbered as in log_watch. */
static bool watch_logs(const struct scenario *s, struct sim_platform *host)
{
  for (unsigned i = 0; i < SIM_PLATFORM_MAX_WATCHES && s->log_watch[i]; i++) {
    const double *win = s->log_window[i];
    if (sim_platform_watch_log_between(host, s->log_watch[i], win[0],
                                       win[1] > 0.0 ? win[1] : INFINITY) != (int)i)
      return false;
  }
  return true;
}

/* m's refclock lines, with their devices (none without m->refclocks). */
static bool smearer_refclocks(struct smearer *m, struct sim_world *w, const struct config *c)
{
  char err[160];
  for (unsigned i = 0; i < c->n_refclocks; i++) {
    struct rcl_params p;
    if (!m->refclocks || i >= SCENARIO_MAX_REFCLOCKS) {
      fprintf(stderr, "stratum-sim: %u refclock lines, no devices for them\n", c->n_refclocks);
      return false;
    }
    if (!conf_client_refclock(c, i, &p, err, sizeof(err))) {
      fprintf(stderr, "%s (%s:%d)\n", err, c->refclocks[i].file, c->refclocks[i].line);
      return false;
    }
    if (!add_refclock(w, m->host, m->client, &p, &m->refclocks[i], m->stream + i, m->seed,
                      &m->devs[i], &m->steps[i]))
      return false;
  }
  return true;
}

/* Its core is started at `start` s (0: now); its peers, if any, send from
 * its NTP socket, which has kernel transmit timestamps with tx_stamps. */
static bool smearer_start(struct smearer *m, struct sim_world *w, const char *name,
                          const char *addr, const struct config *c,
                          const struct sim_clock_params *clock, double start, bool tx_stamps)
{
  static const struct ip_subnet everyone;
  struct client_params p;
  struct ip_addr own;
  m->sock = -1;
  if (!addr_parse(addr, &own))
    return false;
  if (!(m->host = sim_world_add_host(w, name, addr, clock)) ||
      (m->watch && !watch_logs(m->watch, m->host)))
    return false;
  const struct platform *plat = sim_platform_get(m->host);
  struct timespec now;
  plat->ops->now(plat->ctx, &now);
  conf_reference(c, CLIENT_PRECISION, &now, &m->ref);
  m->ref.local_key = host_key(addr);
  srv_init(&m->srv, plat, &m->ref);
  m->srv_ready = true;
  if (m->clientlog) {
    struct clog_params cp = conf_clog_params(c, plat_random_nonzero64(plat));
    if (!(m->srv.clog = clog_new(&cp)))
      return false;
  }
  /* clknetsim's start_client puts "allow" before the host's own lines. */
  if (!access_add(&m->srv.access, &everyone, true, false) || !add_access(&m->srv, c))
    return false;
  conf_client_params(c, true, &p);
  if (m->keys && c->keyfile)
    m->srv.keys = p.keys = m->keys;
  if (m->dcounts) {
    p.log.measurement = on_relay_measurement;
    p.log.arg = m->dcounts;
  }
  if (!(m->client = client_new(plat, &p, &m->ref)))
    return false;
  m->resp = (struct responder){m->client, &m->srv};
  /* port 0: no server socket (its peers then send from one of their own) */
  if ((c->port && (m->sock = responder_open(&m->resp, plat, own.family, c->port, tx_stamps)) < 0) ||
      !(m->sources = add_sources(plat, m->client, c)) ||
      !smearer_refclocks(m, w, c))
    return false;
  bcast_init(&m->bcast, plat, &m->ref);
  for (unsigned i = 0; i < c->n_broadcasts; i++)
    if (!bcast_add(&m->bcast, &c->broadcasts[i].addr, c->broadcasts[i].port,
                   c->broadcasts[i].interval, m->sock))
      return false;
  if (start > 0.0)
    return sim_world_at(w, start, start_core, m);
  client_start(m->client);
  return true;
}

static void smearer_free(struct smearer *m)
{
  if (!m->host)
    return;                        /* none, or its host could not be made */
  if (m->bcast.plat)
    bcast_stop(&m->bcast);
  srclist_free(m->sources);
  client_free(m->client);
  if (m->sock >= 0) {
    const struct platform *plat = sim_platform_get(m->host);
    plat->ops->udp_close(plat->ctx, m->sock);
  }
  if (m->srv_ready) {
    clog_free(m->srv.clog);
    srv_free(&m->srv);
  }
  sim_metrics_free(m->metrics);
}

static double cpu_now(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
    return 0.0;
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Both directions between the client and a server, and the outages. */
static int wire_paths(struct sim_world *w, const struct scenario *s, struct sim_platform *client,
                      struct sim_platform *server)
{
  struct sim_net *net = sim_world_net(w);
  int c = sim_platform_node(client), v = sim_platform_node(server);
  int r = sim_net_set_link(net, c, v, &s->up);
  if (r == 0)
    r = sim_net_set_link(net, v, c, &s->down);
  if (r == 0 && s->outage_period > 0.0)
    for (double t = 0.0; r == 0 && t < s->duration; t += s->outage_period)
      r = sim_world_add_outage(w, client, server, t + s->outage_open, t + s->outage_period);
  return r;
}

/* Server i's own delay and loss, over what wire_paths set. */
static int wire_own_paths(struct sim_world *w, const struct scenario *s, unsigned i,
                          struct sim_platform *client, struct sim_platform *server)
{
  struct sim_net *net = sim_world_net(w);
  int c = sim_platform_node(client), v = sim_platform_node(server);
  int r = 0;
  if (s->server_delay[i] != 0.0) {
    struct sim_link_params up = s->up, down = s->down;
    up.delay += s->server_delay[i];
    down.delay += s->server_delay[i];
    r = sim_net_set_link(net, c, v, &up);
    if (r == 0)
      r = sim_net_set_link(net, v, c, &down);
  }
  if (r == 0 && s->server_lost_at[i] > 0.0)
    r = sim_world_add_outage(w, client, server, s->server_lost_at[i], s->duration);
  return r;
}

/* Host i + 1's address: a server's or a relay's (192.168.123.N, fc00::123:N). */
static void server_addr(const struct scenario *s, unsigned i, char buf[ADDR_STR_LEN])
{
  if (s->ipv6)
    snprintf(buf, ADDR_STR_LEN, SERVER6_ADDR_FMT, i + 1);
  else
    snprintf(buf, ADDR_STR_LEN, SERVER_ADDR_FMT, i + 1);
}

/* The relays after the servers, each with its metrics, and the paths from
 * every host before it (the client, the servers, the relays before) to
 * each. hosts[] has room for the relays. */
static bool relays_start(struct sim_world *w, const struct scenario *s, struct config *confs,
                         struct smearer *relays, struct sim_platform **hosts,
                         unsigned n_hosts, const struct ntp_keyring *keys, uint64_t seed,
                         struct scenario_result *out)
{
  for (unsigned i = 0; i < s->n_relays; i++) {
    char name[SIM_PLATFORM_NAME_LEN], addr[ADDR_STR_LEN];
    snprintf(name, sizeof(name), "relay%u", i + 1);
    server_addr(s, s->relays[i].host - 1, addr);
    if (s->loop_measurements)
      relays[i].dcounts = out->relays[i].dcounts;
    relays[i].keys = keys;
    relays[i].watch = s->watch_relays ? s : NULL;
    relays[i].refclocks = s->relays[i].refclocks;
    relays[i].seed = seed;
    relays[i].clientlog = s->relay_clientlog;
    relays[i].stream = SCENARIO_RELAY_REFCLOCK_STREAM + SCENARIO_MAX_REFCLOCKS * i;
    if (!smearer_start(&relays[i], w, name, addr, &confs[i], &s->relays[i].clock,
                       s->relays[i].start, true) ||
        !(relays[i].metrics = sim_metrics_new(sim_world_sched(w), relays[i].host,
                                              SAMPLE_INTERVAL)))
      return false;
    hosts[n_hosts++] = relays[i].host;
  }
  struct sim_net *net = sim_world_net(w);
  for (unsigned b = n_hosts - s->n_relays; b < n_hosts; b++) {
    int node = sim_platform_node(hosts[b]);
    for (unsigned a = 0; a < b; a++)
      if (wire_paths(w, s, hosts[a], hosts[b]) != 0)
        return false;
    if (sim_net_set_link(net, node, node, &s->up) != 0)   /* polling itself */
      return false;
  }
  return true;
}

/* Where the steady statistics start (0: at the sync time). */
static double settle_of(const struct scenario *s, const struct scenario_options *opt)
{
  return opt && opt->stats_from > 0.0 ? opt->stats_from : s->settle;
}

static void relays_result(const struct scenario *s, double settle, const struct smearer *relays,
                          struct sim_world *w, struct sim_platform *client, double threshold,
                          struct scenario_result *out)
{
  for (unsigned i = 0; i < s->n_relays; i++) {
    const struct smearer *m = &relays[i];
    struct scenario_relay_result *r = &out->relays[i];
    struct sim_metrics_result mr;
    struct timespec now;
    struct ref_params rp;
    sim_metrics_compute(m->metrics, threshold, s->sync_freq_threshold, settle, &mr);
    struct scenario_relay_result kept = *r;   /* the counts made during the run */
    *r = (struct scenario_relay_result){
        .sync_time = mr.sync_time, .max_offset = mr.max_offset, .rms_offset = mr.rms_offset,
        .max_freq_error = mr.max_freq_error, .rms_freq_error = mr.rms_freq_error,
        .min_tx_interval = sim_platform_min_send_interval(m->host),
        .to_client = sim_net_link_sent(sim_world_net(w), sim_platform_node(m->host),
                                       sim_platform_node(client))};
    const struct platform *plat = sim_platform_get(m->host);
    plat->ops->now(plat->ctx, &now);
    ref_get_params(&m->ref, &now, &rp);
    r->ref_stratum = rp.stratum;
    memcpy(r->dcounts, kept.dcounts, sizeof(r->dcounts));
  }
}

/* Host 192.168.123.N of the scenario (NULL: none). */
static struct sim_platform *numbered_host(const struct scenario *s, unsigned n,
                                          struct sim_platform *client,
                                          struct sim_platform *const *servers,
                                          const struct smearer *relays)
{
  if (n == SCENARIO_CLIENT_HOST)
    return client;
  if (n >= 1 && n <= s->n_servers)
    return servers[n - 1];
  for (unsigned i = 0; relays && i < s->n_relays; i++)
    if (s->relays[i].host == n)
      return relays[i].host;
  return NULL;
}

/* The scenario's cuts as outages of single directions. 0 or -errno. */
static int set_cuts(struct sim_world *w, const struct scenario *s, struct sim_platform *client,
                    struct sim_platform *const *servers, const struct smearer *relays)
{
  struct sim_net *net = sim_world_net(w);
  sim_time t0 = sim_sched_start(sim_world_sched(w));
  int r = 0;
  for (unsigned i = 0; r == 0 && i < SCENARIO_MAX_CUTS && s->cuts[i].from; i++) {
    const struct scenario_cut *c = &s->cuts[i];
    struct sim_platform *a = numbered_host(s, c->from, client, servers, relays),
                        *b = numbered_host(s, c->to, client, servers, relays);
    if (!a || !b || c->period < 0.0)
      return -EINVAL;
    double end = c->end > 0.0 ? c->end : s->duration;
    for (double t = 0.0; r == 0 && t < s->duration; t += c->period) {
      r = sim_net_add_outage(net, sim_platform_node(a), sim_platform_node(b),
                             t0 + sim_ns(t + c->start), t0 + sim_ns(t + end));
      if (c->period == 0.0)
        break;
    }
  }
  return r;
}

/* The scenario's names, each with its servers' addresses. */
static int set_names(struct sim_world *w, const struct scenario *s,
                     const struct ip_addr addrs[SCENARIO_MAX_SERVERS])
{
  for (unsigned i = 0; i < SCENARIO_MAX_NAMES && s->names[i].name; i++) {
    struct ip_addr list[SCENARIO_MAX_SERVERS];
    int n = 0;
    for (; n < SCENARIO_MAX_SERVERS && s->names[i].servers[n]; n++) {
      unsigned k = s->names[i].servers[n];
      if (k > s->n_servers)
        return -EINVAL;
      list[n] = addrs[k - 1];
    }
    int r = sim_names_set(sim_world_names(w), s->names[i].name, list, n, 0.0, NULL);
    if (r != 0)
      return r;
  }
  return 0;
}

/* {"ADDR": [D passed, D failed], ...} */
static void json_dcounts(FILE *f, const struct scenario_dcount *dc)
{
  fprintf(f, ", \"loop_test\": {");
  for (unsigned k = 0; k < SCENARIO_MAX_DCOUNTS && dc[k].addr[0]; k++)
    fprintf(f, "%s\"%s\": [%u, %u]", k ? ", " : "", dc[k].addr, dc[k].d_passed, dc[k].d_failed);
  fputc('}', f);
}

static void write_trace(FILE *f, const struct scenario *s, const struct sim_metrics *m,
                        const struct observer *o)
{
  size_t n;
  const struct sim_metrics_sample *smp = sim_metrics_samples(m, &n);
  fprintf(f, "# %s: elapsed_s offset_s freq_error_ppm selected\n", s->name);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%.0f %.9g %.9g %d\n", smp[i].t, smp[i].offset, smp[i].freq_error,
            o->trace && i < o->n_selections ? o->selections[i] : -1);
}

bool scenario_parse_conf(const char *name, const char *text, struct config *c, FILE *err)
{
  struct conf_diag d = {0};
  conf_init(c);
  conf_parse_text(c, text, strlen(text), name, &d);
  for (unsigned i = 0; i < d.n; i++)
    fprintf(err, "%s\n", d.items[i].text);
  bool ok = d.n_errors == 0;
  conf_diag_free(&d);
  if (!ok)
    conf_free(c);
  return ok;
}

/* The client's configuration (and the smearing server's, if any) and its
 * refclock lines as the core takes them. False, with what is wrong on
 * stderr, when they cannot make this scenario; nothing is left to free. */
static bool read_confs(const struct scenario *s, struct config *c, struct config *smear,
                       struct rcl_params rcl[SCENARIO_MAX_REFCLOCKS])
{
  char name[128], err[160];
  if (!scenario_parse_conf(s->name, s->conf, c, stderr))
    return false;
  snprintf(name, sizeof(name), "%s.smear", s->name);
  if (!s->smear_conf)
    conf_init(smear);
  else if (!scenario_parse_conf(name, s->smear_conf, smear, stderr)) {
    conf_free(c);
    return false;
  }
  bool ok = (c->n_sources + c->n_refclocks > 0 || c->manual || c->initstepslew ||
             s->driftfile || c->local) && c->n_refclocks <= SCENARIO_MAX_REFCLOCKS;
  if (!ok)
    fprintf(stderr, "%s: %u server/pool/peer and %u refclock lines: at least one line "
            "(or manual, initstepslew, local or a drift file) and at most %d refclocks\n", s->name,
            c->n_sources, c->n_refclocks, SCENARIO_MAX_REFCLOCKS);
  for (unsigned i = 0; ok && i < c->n_refclocks; i++)
    if (!(ok = conf_client_refclock(c, i, &rcl[i], err, sizeof(err))))
      fprintf(stderr, "%s (%s:%d)\n", err, c->refclocks[i].file, c->refclocks[i].line);
  if (!ok) {
    conf_free(c);
    conf_free(smear);
  }
  return ok;
}

/* The scenario's keys, read as the daemon reads its keyfile, except that
 * any problem is an error here (on stderr). */
static bool read_keys(const struct scenario *s, const char *text, const char *what,
                      struct key_table *t)
{
  char name[128];
  struct conf_diag d = {0};
  snprintf(name, sizeof(name), "%s.%s", s->name, what);
  keyfile_parse(t, text, strlen(text), name, &d);
  for (unsigned i = 0; i < d.n; i++)
    fprintf(stderr, "%s\n", d.items[i].text);
  bool ok = d.n == 0;
  conf_diag_free(&d);
  return ok;
}

/* The relays' configurations (*confs NULL: none). False, with what is
 * wrong on stderr, when one is bad; nothing is left to free then. */
static bool read_relay_confs(const struct scenario *s, struct config **confs)
{
  char name[128];
  *confs = NULL;
  if (!s->n_relays)
    return true;
  if (s->n_relays > SCENARIO_MAX_RELAYS || !(*confs = calloc(s->n_relays, sizeof(**confs))))
    return false;
  for (unsigned i = 0; i < s->n_relays; i++) {
    snprintf(name, sizeof(name), "%s.relay%u", s->name, i + 1);
    if (!scenario_parse_conf(name, s->relays[i].conf, &(*confs)[i], stderr)) {
      while (i-- > 0)
        conf_free(&(*confs)[i]);
      free(*confs);
      *confs = NULL;
      return false;
    }
  }
  return true;
}

static void free_relays(const struct scenario *s, struct config *confs, struct smearer *relays)
{
  for (unsigned i = 0; relays && i < s->n_relays; i++)
    smearer_free(&relays[i]);
  for (unsigned i = 0; confs && i < s->n_relays; i++)
    conf_free(&confs[i]);
  free(relays);
  free(confs);
}

/* The operator: chronyc's commands through the client's command server. */
struct operator {
  const struct scenario *s;
  const struct ip_addr *servers;   /* the servers' addresses */
  struct srclist *const *sources;  /* the client's, once started (refresh, activity) */
  struct cmdsrv srv;
  struct manual manual;
  time_t start;
  unsigned next;
  struct scenario_result *out;
  struct sim_world *w;
  struct scenario_chronyc *chronyc;   /* the scenario's, while it runs */
};

static void operate(void *arg)
{
  struct operator *o = arg;
  const struct scenario_command *c = &o->s->commands[o->next];
  struct scenario_answer *a = &o->out->answers[o->next++];
  static const uint16_t codes[] = {[SCENARIO_SETTIME] = CMD_SETTIME,
                                   [SCENARIO_MANUAL_DELETE] = CMD_MANUAL_DELETE,
                                   [SCENARIO_MANUAL_RESET] = CMD_MANUAL,
                                   [SCENARIO_MANUAL_LIST] = CMD_MANUAL_LIST,
                                   [SCENARIO_ONLINE] = CMD_ONLINE,
                                   [SCENARIO_OFFLINE] = CMD_OFFLINE,
                                   [SCENARIO_ONOFFLINE] = CMD_ONOFFLINE,
                                   [SCENARIO_ACTIVITY] = CMD_ACTIVITY,
                                   [SCENARIO_REFRESH] = CMD_REFRESH,
                                   [SCENARIO_TRACKING] = CMD_TRACKING};
  struct cmd_request q = {.command = codes[c->cmd], .sequence = o->next};
  if (c->cmd == SCENARIO_SETTIME)
    q.data.time = (struct timespec){.tv_sec = o->start + (time_t)c->arg};
  else if (c->cmd == SCENARIO_ONLINE || c->cmd == SCENARIO_OFFLINE)
    q.data.subnet.address = c->arg > 0 ? cmdsrv_ip_from_addr(&o->servers[(int)c->arg - 1])
                                       : (struct cmd_ip){0};
  else
    q.data.option = c->cmd == SCENARIO_MANUAL_RESET ? 2 : (int32_t)c->arg;
  uint8_t req[CMD_MAX_PACKET], rpy[CMD_MAX_PACKET];
  struct cmd_reply r;
  size_t n = cmd_build_request(&q, req, sizeof(req));
  n = n ? cmdsrv_process(&o->srv, req, n, true, rpy, sizeof(rpy)) : 0;
  if (!n || !cmd_parse_reply(rpy, n, &r)) {
    a->status = -1;
    return;
  }
  a->status = r.status;
  a->offset = r.data.manual_timestamp.offset;
  a->dfreq_ppm = r.data.manual_timestamp.dfreq_ppm;
  a->freq_ppm = r.data.manual_timestamp.new_afreq_ppm;
  if (c->cmd == SCENARIO_ACTIVITY)
    a->activity = r.data.activity;
  if (c->cmd == SCENARIO_TRACKING)
    a->ref_time = r.data.tracking.ref_time;
  if (c->cmd != SCENARIO_MANUAL_LIST)
    return;
  a->n_samples = r.data.manual_list.n_samples;
  for (unsigned i = 0; i < a->n_samples && i < CMD_MAX_MANUAL_SAMPLES; i++) {
    const struct cmd_rpy_manual_sample *x = &r.data.manual_list.samples[i];
    a->samples[i][0] = timespec_to_double(&x->when) - (double)o->start;
    a->samples[i][1] = x->slewed_offset;
    a->samples[i][2] = x->orig_offset;
    a->samples[i][3] = x->residual;
  }
}

/* The chronyc host's clock: true time. */
static time_t chronyc_now(void *arg)
{
  const struct operator *o = arg;
  return o->start + (time_t)sim_sched_elapsed(sim_world_sched(o->w));
}

/* The scenario's chronyc: a line, and the next a round trip later. */
static void run_chronyc(void *arg)
{
  struct operator *o = arg;
  if (!o->chronyc &&
      !(o->chronyc = scenario_chronyc_start(&o->srv, o->s, o->servers, chronyc_now, o,
                                            sim_rng_derive(o->out->seed, SCENARIO_CHRONYC_STREAM)))) {
    snprintf(o->out->chronyc, sizeof(o->out->chronyc), "stratum-sim: bad chronyc options\n");
    return;
  }
  double now = sim_sched_elapsed(sim_world_sched(o->w));
  if (scenario_chronyc_next(o->chronyc) && sim_world_at(o->w, now + 2 * COMMAND_DELAY,
                                                        run_chronyc, o))
    return;
  scenario_chronyc_end(o->chronyc, o->out->chronyc, sizeof(o->out->chronyc));
  o->chronyc = NULL;
}

static int operator_refresh(void *arg)
{
  struct operator *o = arg;
  if (*o->sources)
    srclist_refresh(*o->sources);
  return CMD_STT_SUCCESS;
}

/* add and delete: as the daemon's (its log messages aside), on the
 * client's list of sources. */
static int operator_add(void *arg, const struct cmd_req_source *q)
{
  struct operator *o = arg;
  struct conf_source cs;
  struct srclist_source src;
  int status = conf_source_from_request(q, &cs);
  if (status != CMD_STT_SUCCESS)
    return status;
  if (conf_source_refused(&cs))
    return CMD_STT_NOTENABLED;
  if (!*o->sources)
    return CMD_STT_FAILED;
  conf_srclist_source(&cs, &src);
  switch (srclist_add(*o->sources, &src)) {
  case SRCLIST_OK: return CMD_STT_SUCCESS;
  case SRCLIST_KNOWN: return CMD_STT_SOURCEALREADYKNOWN;
  default: return CMD_STT_FAILED;
  }
}

static int operator_delete(void *arg, const struct ip_addr *addr)
{
  struct operator *o = arg;
  return *o->sources && srclist_delete(*o->sources, addr) == SRCLIST_OK
             ? CMD_STT_SUCCESS
             : CMD_STT_NOSUCHSOURCE;
}

static bool operator_start(struct operator *o, struct sim_world *w, struct sim_platform *chost,
                           struct client *client, struct refstate *ref, struct ntp_server *ntp,
                           const struct config *c, time_t start)
{
  cmdsrv_init(&o->srv, sim_platform_get(chost), ref, ntp);
  if (!conf_cmdsrv(c, &o->srv))
    return false;
  o->srv.client = client;
  o->srv.ops.refresh = operator_refresh;
  o->srv.ops.add_source = operator_add;
  o->srv.ops.delete_source = operator_delete;
  o->srv.ops.arg = o;
  manual_init(&o->manual, c->manual);
  o->start = start;
  o->w = w;
  if (!disc_add_listener(client_reference(client)->disc, manual_clock_changed, &o->manual))
    return false;
  o->srv.manual = &o->manual;
  /* Each arrives a network's delay after its time (chrony's 143-manual
   * sends them over clknetsim's network): the clock's slew then falls
   * between two of the metrics' samples, as there. */
  for (unsigned i = 0; i < o->s->n_commands; i++)
    if (!sim_world_at(w, o->s->commands[i].at + COMMAND_DELAY, operate, o))
      return false;
  return !o->s->chronyc || sim_world_at(w, o->s->chronyc_at + COMMAND_DELAY, run_chronyc, o);
}

/* The client's RTC device (rtcdevice). */
static bool rtc_device(struct sim_world *w, struct sim_platform *chost, const struct config *c,
                       const struct scenario *s, uint64_t seed)
{
  struct sim_refclock_config dev = {.driver = PLAT_REFCLOCK_RTC, .param = c->rtcdevice,
                                    .offset = RTC_LATENCY, .jitter = RTC_JITTER,
                                    .freq = s->rtc_freq, .rtc_error = s->rtc_error,
                                    .seed = sim_rng_derive(seed, SCENARIO_RTC_STREAM)};
  return sim_refclock_new(sim_world_sched(w), chost, &dev) != NULL;
}

/* The scenario's rtcfile content as coefficients (none without). */
static bool rtc_file(const struct scenario *s, struct rtct_coefs *out)
{
  struct rtcfile_coefs f;
  *out = (struct rtct_coefs){0};
  if (!s->rtcfile_text)
    return true;
  if (!rtcfile_parse(s->rtcfile_text, &f))
    return false;
  *out = (struct rtct_coefs){.valid = f.valid, .ref_time = f.ref_time, .fast = f.offset,
                             .gain = f.rate_ppm * 1e-6};
  return true;
}

/* rtcfile: the core's tracking of the RTC (no file: the coefficients stay
 * in memory); after -s, the initial trim first, then `done`. */
static bool rtc_start(struct sim_platform *chost, struct client *client, const struct config *c,
                      const struct scenario *s, bool initial, struct late_sources *done,
                      struct rtctrack *r)
{
  struct reference *ref = client_reference(client);
  struct rtct_params p = {.device = c->rtcdevice, .utc = c->rtconutc, .autotrim = c->rtcautotrim,
                          .initial = initial, .initial_done = rtc_initial_done, .arg = done};
  if (initial && !rtc_file(s, &p.file))
    return false;
  return rtct_start(r, sim_platform_get(chost), ref->disc, ref->state, &p) &&
         disc_add_listener(ref->disc, rtct_clock_changed, r);
}

static void rtc_result(const struct rtctrack *r, time_t start, const struct scenario *s,
                       struct scenario_result *out)
{
  struct rtct_report rep;
  rtct_report(r, &rep);
  out->rtc = true;
  out->rtc_samples = rep.n_samples;
  out->rtc_ref_at = (double)(rep.ref_time - start);
  out->rtc_fast = rep.fast;
  out->rtc_gain_ppm = rep.gain_ppm;
  /* The RTC showed ref_time when true time was ref_time less its error. */
  double true_at = out->rtc_ref_at - s->rtc_error;
  out->rtc_true_fast = s->rtc_error + s->rtc_freq * 1e-6 * true_at;
}

int scenario_run(const struct scenario *s, uint64_t seed, const struct scenario_options *opt,
                 struct scenario_result *out)
{
  double cpu0 = cpu_now();
  struct timespec start = {.tv_sec = s->start ? s->start : SCENARIO_DEFAULT_START};
  struct sim_platform *hosts[SCENARIO_MAX_SERVERS] = {0};
  struct sim_server *servers[SCENARIO_MAX_SERVERS] = {0};
  struct sim_refclock *devs[SCENARIO_MAX_REFCLOCKS] = {0};
  struct refclock_step rsteps[SCENARIO_MAX_REFCLOCKS];
  struct query_run qr = {0};
  struct leapdb leaps;
  struct ip_addr addrs[SCENARIO_MAX_SERVERS], falsetickers[SCENARIO_MAX_SERVERS];
  unsigned n_false = 0;
  struct sim_metrics *metrics = NULL;
  struct client *client = NULL;
  struct late_sources late = {0};
  struct initslew islew = {0};
  struct refstate ref;
  struct client_params params;
  struct config conf, smear_conf;
  struct rcl_params rcl[SCENARIO_MAX_REFCLOCKS];
  struct observer obs = {0};
  struct ext_step ext = {0};
  struct utc_leap utc_leap = {0};
  struct smearer smear = {0};
  struct rtctrack rtc = {0};
  struct operator op = {0};
  struct ntp_server ntp;
  bool have_ntp = false, have_cmd = false;
  struct responder client_resp;
  struct key_table keys = {0};
  struct ntp_keyring keyring = keyfile_ring(&keys);
  struct key_table own_server_keys = {0};
  struct ntp_keyring server_keyring = keyfile_ring(&own_server_keys);
  struct config *relay_confs = NULL;
  struct smearer *relays = NULL;
  struct hwts hw = {0};
  struct sim_refclock *nic = NULL;
  int ret = -ENOMEM;

  memset(out, 0, sizeof(*out));
  out->seed = seed;
  out->sync_time = INFINITY;
  out->first_selected = INFINITY;
  out->gave_up_at = INFINITY;
  out->initslew_done_at = INFINITY;
  out->sources_at = NAN;
  out->selected = -1;
  if (s->n_servers > SCENARIO_MAX_SERVERS || !read_confs(s, &conf, &smear_conf, rcl))
    return -EINVAL;
  if (!read_relay_confs(s, &relay_confs)) {
    conf_free(&conf);
    conf_free(&smear_conf);
    return -EINVAL;
  }
  out->n_refclocks = conf.n_refclocks;
  out->smear_leaponly = smear_conf.smoothtime_leaponly;

  struct sim_world *w = sim_world_new(seed, &start);
  if (!w) {
    conf_free(&conf);
    conf_free(&smear_conf);
    free_relays(s, relay_confs, NULL);
    return -ENOMEM;
  }
  sim_world_set_verbose(w, opt && opt->verbose);
  struct sim_sched *sched = sim_world_sched(w);
  if ((s->keys && !read_keys(s, s->keys, "keys", &keys)) ||
      (s->server_keys && !read_keys(s, s->server_keys, "server_keys", &own_server_keys))) {
    ret = -EINVAL;
    goto done;
  }
  if (!s->server_keys)
    server_keyring = keyring;

  /* The client first (stream 1), then the servers in order. */
  struct sim_platform *chost = sim_world_add_host(w, "client", s->ipv6 ? CLIENT6_ADDR : CLIENT_ADDR,
                                                   &s->client_clock);
  if (!chost)
    goto done;
  if (s->daemon_stamps)
    sim_platform_set_daemon_stamps(chost);
  if (!watch_logs(s, chost))
    goto done;
  for (unsigned i = 0; i < s->n_servers; i++) {
    char name[SIM_PLATFORM_NAME_LEN], addr[ADDR_STR_LEN];
    struct sim_clock_params clock = {.offset = s->server_offset[i]};
    struct sim_server_config cfg = {.fuzz = s->server_fuzz, .ratelimit = s->server_ratelimit,
                                    .xleave = s->server_xleave,
                                    .keys = s->keys || s->server_keys ? &server_keyring : NULL,
                                    .step_at = s->server_step_at, .step = s->server_step[i]};
    if (s->leap)
      cfg.leap = s->leap > 0 ? NTP_LEAP_INSERT : NTP_LEAP_DELETE;
    snprintf(name, sizeof(name), "server%u", i + 1);
    server_addr(s, i, addr);
    if (!addr_parse(addr, &addrs[i]))
      goto done;
    if (s->server_offset[i] != 0.0)
      falsetickers[n_false++] = addrs[i];
    hosts[i] = sim_world_add_host(w, name, addr, &clock);
    if (hosts[i] && s->daemon_stamps)
      sim_platform_set_daemon_stamps(hosts[i]);
    if (!hosts[i] || !(servers[i] = sim_server_new(sched, hosts[i], &cfg)) ||
        (!s->smear_conf && wire_paths(w, s, chost, hosts[i]) != 0))
      goto done;
    if (!s->smear_conf && wire_own_paths(w, s, i, chost, hosts[i]) != 0)
      goto done;
  }
  /* Then the smearing server, if any, between the client and the servers. */
  if (s->smear_conf) {
    const struct sim_clock_params clock = SCENARIO_CLIENT_CLOCK;
    if (!smearer_start(&smear, w, "smear", SCENARIO_SMEAR_ADDR, &smear_conf,
                       s->smear_clock ? s->smear_clock : &clock, 0.0, false) ||
        wire_paths(w, s, chost, smear.host) != 0)
      goto done;
    for (unsigned i = 0; i < s->n_servers; i++)
      if (wire_paths(w, s, smear.host, hosts[i]) != 0)
        goto done;
  }

  if (s->n_relays) {
    struct sim_platform *all[1 + SCENARIO_MAX_SERVERS + SCENARIO_MAX_RELAYS] = {chost};
    memcpy(&all[1], hosts, s->n_servers * sizeof(hosts[0]));
    if (!(relays = calloc(s->n_relays, sizeof(*relays))) ||
        !relays_start(w, s, relay_confs, relays, all, 1 + s->n_servers,
                      s->keys ? &keyring : NULL, seed, out))
      goto done;
  }
  if (set_names(w, s, addrs) != 0 || set_cuts(w, s, chost, hosts, relays) != 0)
    goto done;
  metrics = sim_metrics_new(sched, chost, SAMPLE_INTERVAL);
  if (!metrics)
    goto done;

  /* -s: the RTC (created before anything reads the clock) sets the clock. */
  bool rtc_set = false;
  if (s->init_from_rtc) {
    struct rtci_params ip = {.device = conf.rtcdevice, .utc = conf.rtconutc,
                             .driftfile_time = s->driftfile_changed, .control = !s->no_control};
    if (!rtc_device(w, chost, &conf, s, seed))
      goto done;
    if (!rtc_file(s, &ip.file)) {
      fprintf(stderr, "stratum-sim: %s: bad rtcfile '%s'\n", s->name, s->rtcfile_text);
      ret = -EINVAL;
      goto done;
    }
    rtc_set = out->rtc_set = rtci_set_clock(sim_platform_get(chost), &ip);
  }

  struct timespec client_t0;
  sim_platform_get(chost)->ops->now(sim_platform_get(chost)->ctx, &client_t0);
  conf_reference(&conf, CLIENT_PRECISION, &client_t0, &ref);
  ref.local_key = host_key(s->ipv6 ? CLIENT6_ADDR : CLIENT_ADDR);
  conf_client_params(&conf, !s->no_control, &params);
  if (s->keys && conf.keyfile)
    params.keys = &keyring;
  params.give_up = on_give_up;
  params.give_up_arg = &obs;
  if (s->leapseclist) {
    if (!conf.leapseclist || !leapdb_parse_list(s->leapseclist, strlen(s->leapseclist), &leaps) ||
        !leapdb_check(&leaps)) {
      fprintf(stderr, "stratum-sim: %s: a leapseclist line and a good list are needed\n",
              s->name);
      ret = -EINVAL;
      goto done;
    }
    params.leap_lookup = leap_lookup;
    params.leap_arg = &leaps;
  }
  if (s->measurements || s->measured_poll > 0 || s->loop_measurements) {
    params.log.measurement = on_measurement;
    params.log.arg = &obs;
  }
  if (s->driftfile) {
    if (!driftfile_parse(s->driftfile, &params.initial_freq, &params.initial_skew)) {
      fprintf(stderr, "stratum-sim: %s: bad drift file '%s'\n", s->name, s->driftfile);
      ret = -EINVAL;
      goto done;
    }
    params.have_initial_freq = true;
  }
  out->nic = conf.n_hwtimestamps > 0;
  if (out->nic && !start_nic(w, chost, &conf, &s->nic, seed, &hw, &params, &nic))
    goto done;
  client = client_new(sim_platform_get(chost), &params, &ref);
  if (!client || !hwts_start(&hw, client_reference(client)->disc,
                             ldexp(1.0, ref.precision_log2)))
    goto done;
  if (s->n_commands || s->chronyc || s->client_serves) {
    srv_init(&ntp, sim_platform_get(chost), &ref);
    have_ntp = true;
  }
  client_resp = (struct responder){client, &ntp};
  if (s->client_serves && !add_access(&ntp, &conf))
    goto done;
  if (s->client_serves &&
      (responder_open(&client_resp, sim_platform_get(chost), s->ipv6 ? ADDR_INET6 : ADDR_INET4,
                      conf.port, true) < 0 ||
       sim_net_set_link(sim_world_net(w), sim_platform_node(chost), sim_platform_node(chost),
                        &s->up) != 0))
    goto done;
  late = (struct late_sources){.plat = sim_platform_get(chost), .client = client, .conf = &conf,
                               .obs = &obs, .islew = &islew, .out = out, .sched = sched};
  /* After -s with rtcfile, the sources wait for the RTC's initial trim. */
  bool rtc_initial = rtc_set && conf.rtcfile;
  if (s->query ? !query_run_start(&qr, sim_platform_get(chost), &conf, params.keys,
                                   s->query == 'q')
               : !rtc_initial && !begin_sources(&late))
    goto done;
  for (unsigned i = 0; i < conf.n_refclocks; i++)
    if (!add_refclock(w, chost, client, &rcl[i], &s->refclocks[i],
                      SCENARIO_REFCLOCK_STREAM + i, seed, &devs[i],
                      &rsteps[i]))
      goto done;

  if (conf.rtcfile && ((!s->init_from_rtc && !rtc_device(w, chost, &conf, s, seed)) ||
                       !rtc_start(chost, client, &conf, s, rtc_initial, &late, &rtc)))
    goto done;
  op.s = s;
  op.servers = addrs;
  op.sources = &late.list;
  op.out = out;
  if (s->n_commands || s->chronyc) {
    have_cmd = true;
    if (!operator_start(&op, w, chost, client, &ref, &ntp, &conf, start.tv_sec))
      goto done;
  }

  obs = (struct observer){.sched = sched, .next = sim_sched_now(sched), .client = client,
                          .falsetickers = falsetickers, .n_falsetickers = n_false,
                          .last_selected = -1, .s = s, .out = out,
                          .trace = opt && opt->trace};
  if (!sim_sched_add(sched, obs.next, observe, &obs, &obs))
    goto done;
  if (s->ext_step != 0.0) {
    ext = (struct ext_step){.host = chost, .seconds = s->ext_step};
    if (!sim_world_at(w, s->ext_step_at, do_external_step, &ext))
      goto done;
  }

  if (s->leap) {
    out->leap_at = leap_elapsed(start.tv_sec, s->leap);
    utc_leap = (struct utc_leap){.servers = hosts, .n_servers = s->n_servers,
                                 .metrics = metrics, .leap = s->leap};
    if (!sim_world_at(w, out->leap_at, do_utc_leap, &utc_leap))
      goto done;
  }

  if (s->client_start > 0.0) {
    if (!sim_world_at(w, s->client_start, start_client, client))
      goto done;
  } else {
    client_start(client);
  }
  out->run_status = sim_world_run(w, s->duration);
  out->duration = sim_world_elapsed(w);

  struct sim_metrics_result m;
  double threshold = s->sync_threshold > 0.0 ? s->sync_threshold : SCENARIO_SYNC_THRESHOLD;
  double settle = settle_of(s, opt);
  sim_metrics_compute(metrics, threshold, s->sync_freq_threshold, settle, &m);
  out->sync_time = m.sync_time;
  out->steady_from = settle > 0.0 ? settle : isfinite(m.sync_time) ? m.sync_time : 0.0;
  out->max_offset = m.max_offset;
  out->rms_offset = m.rms_offset;
  out->max_freq_error = m.max_freq_error;
  out->rms_freq_error = m.rms_freq_error;
  out->n_steady = m.n_steady;
  /* Half way from the last disturbance to the end. */
  double disturbed = s->ext_step != 0.0 ? s->ext_step_at : s->leap ? out->leap_at : 0.0;
  out->late_from = s->late_from > 0.0 ? s->late_from : (disturbed + s->duration) / 2.0;
  sim_metrics_compute(metrics, threshold, s->sync_freq_threshold, out->late_from, &m);
  out->late_max_offset = m.max_offset;
  out->late_rms_offset = m.rms_offset;
  out->late_max_freq_error = m.max_freq_error;
  out->late_rms_freq_error = m.rms_freq_error;
  relays_result(s, settle, relays, w, chost, threshold, out);
  out->min_to_port = sim_net_stats(sim_world_net(w))->min_to_port;
  out->max_to_port = sim_net_stats(sim_world_net(w))->max_to_port;
  out->steps = m.steps;
  out->final_offset = sim_platform_offset(chost);
  out->client_steps = client_steps(client);
  out->selected = client_selected(client);
  out->n_sources = client_n_sources(client);
  if (out->n_sources > SCENARIO_MAX_SOURCES)
    out->n_sources = SCENARIO_MAX_SOURCES;
  for (unsigned i = 0; i < out->n_sources; i++) {
    struct client_source_report rep;
    struct scenario_source *src = &out->sources[i];
    unsigned n_rcl = client_n_sources(client) - client_n_ntp_sources(client);
    if (i < n_rcl)                     /* the refclocks come first */
      report_refclock(client, i, devs[i], src);
    if (!client_source_report(client, i, &rep)) {
      if (i < s->n_servers)
        src->addr = addrs[i];
      src->state = '?';
      continue;
    }
    src->addr = rep.addr;
    src->placeholder_id = rep.placeholder_id;
    src->poll = rep.poll;
    src->reach = rep.reach;
    src->state = rep.state;
    src->n_samples = rep.n_samples;
    src->valid_replies = rep.valid_replies;
    src->bad_replies = rep.bad_replies;
    src->good_replies = rep.good_replies;
    src->requests = rep.requests;
    src->kod_replies = rep.kod_replies;
    for (unsigned k = 0; k < s->n_servers; k++)
      if (addr_equal(&rep.addr, &addrs[k]))
        src->server_replies = sim_server_stats(servers[k])->replied;
    for (unsigned k = 0; k < n_false; k++)
      if (addr_equal(&rep.addr, &falsetickers[k]))
        src->falseticker = true;
  }
  struct timespec now;
  struct ref_params rp;
  sim_platform_get(chost)->ops->now(sim_platform_get(chost)->ctx, &now);
  ref_get_params(&ref, &now, &rp);
  out->ref_stratum = rp.stratum;
  out->ref_refid = rp.refid;
  for (unsigned i = 0; s->lookups && i < SCENARIO_MAX_NAMES && s->names[i].name; i++)
    out->n_lookups[i] = sim_names_lookups(sim_world_names(w), s->names[i].name,
                                          out->lookup_at[i], SCENARIO_MAX_LOOKUPS);
  for (unsigned i = 0; i < SIM_PLATFORM_MAX_WATCHES && s->log_watch[i]; i++) {
    out->log_matches[i] = sim_platform_watch_count(chost, (int)i);
    for (unsigned j = 0; s->watch_relays && j < s->n_relays; j++)
      out->log_matches[i] += sim_platform_watch_count(relays[j].host, (int)i);
  }
  out->min_tx_interval = sim_platform_min_send_interval(chost);
  out->log_warnings = sim_platform_log_count(chost, PLAT_LOG_WARN);
  out->log_errors = sim_platform_log_count(chost, PLAT_LOG_ERR) +
                    sim_platform_log_count(chost, PLAT_LOG_FATAL);
  out->kernel_leaps = sim_platform_leaps(chost);
  sim_platform_hw_stamps(chost, &out->hw_rx_stamps, &out->hw_tx_stamps);
  last_sources(client, out);
  out->nic_reads = nic ? sim_refclock_written(nic) : 0;
  if (conf.rtcfile)
    rtc_result(&rtc, start.tv_sec, s, out);
  out->events = sim_sched_processed(sched);
  if (opt && opt->trace)
    write_trace(opt->trace, s, metrics, &obs);
  ret = 0;

done:
  if (rtc.plat)
    rtct_stop(&rtc);
  if (op.chronyc)   /* the run ended first */
    scenario_chronyc_end(op.chronyc, out->chronyc, sizeof(out->chronyc));
  if (have_cmd)
    cmdsrv_free(&op.srv);
  if (have_ntp)
    srv_free(&ntp);
  initslew_stop(&islew);
  if (qr.started)
    query_stop(&qr.q);
  srclist_free(late.list);
  hwts_fini(&hw);
  client_free(client);
  smearer_free(&smear);
  free_relays(s, relay_confs, relays);
  sim_sched_cancel_owner(sched, &obs);
  free(obs.selections);
  sim_metrics_free(metrics);
  for (unsigned i = 0; i < s->n_servers; i++)
    sim_server_free(servers[i]);
  sim_world_free(w);
  keyfile_free(&keys);
  keyfile_free(&own_server_keys);
  conf_free(&conf);
  conf_free(&smear_conf);
  out->cpu_seconds = cpu_now() - cpu0;
  return ret;
}

/* ------------------------------------------------------------------- JSON */

static void json_num(FILE *f, const char *key, double v)
{
  if (isfinite(v))
    fprintf(f, ", \"%s\": %.9g", key, v);
  else
    fprintf(f, ", \"%s\": null", key);
}

static void json_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

/* An address, a reference clock's refid, or a placeholder's ID# (as
 * chronyc shows it). */
static const char *source_name(const struct scenario_source *src, char buf[ADDR_STR_LEN])
{
  if (src->placeholder_id) {
    snprintf(buf, ADDR_STR_LEN, "ID#%010u", (unsigned)src->placeholder_id);
    return buf;
  }
  return src->refclock ? src->name : addr_format(&src->addr, buf);
}

void scenario_print_json(FILE *f, const struct scenario *s, const struct scenario_result *r)
{
  char buf[ADDR_STR_LEN];
  fprintf(f, "{\"scenario\": ");
  json_str(f, s->name);
  fprintf(f, ", \"seed\": %llu", (unsigned long long)r->seed);
  json_num(f, "duration", r->duration);
  json_num(f, "sync_time", r->sync_time);
  json_num(f, "steady_from", r->steady_from);
  json_num(f, "max_offset", r->max_offset);
  json_num(f, "rms_offset", r->rms_offset);
  json_num(f, "max_freq_error", r->max_freq_error);
  json_num(f, "rms_freq_error", r->rms_freq_error);
  fprintf(f, ", \"steady_samples\": %zu", r->n_steady);
  json_num(f, "late_from", r->late_from);
  json_num(f, "late_max_offset", r->late_max_offset);
  json_num(f, "late_rms_offset", r->late_rms_offset);
  json_num(f, "late_max_freq_error", r->late_max_freq_error);
  json_num(f, "late_rms_freq_error", r->late_rms_freq_error);
  json_num(f, "final_offset", r->final_offset);
  fprintf(f, ", \"steps\": %u, \"client_steps\": %u", r->steps, r->client_steps);
  fprintf(f, ", \"selected\": ");
  if (r->selected >= 0 && (unsigned)r->selected < r->n_sources)
    json_str(f, source_name(&r->sources[r->selected], buf));
  else
    fprintf(f, "null");
  fprintf(f, ", \"falseticker_selected\": %s", r->falseticker_selected ? "true" : "false");
  json_num(f, "first_selected", r->first_selected);
  fprintf(f, ", \"selected_seconds\": %u, \"selection_changes\": %u", r->selected_seconds,
          r->selection_changes);
  fprintf(f, ", \"reach\": [");
  for (unsigned i = 0; i < r->n_sources; i++)
    fprintf(f, "%s%u", i ? ", " : "", r->sources[i].reach);
  fprintf(f, "], \"sources\": [");
  for (unsigned i = 0; i < r->n_sources; i++) {
    const struct scenario_source *src = &r->sources[i];
    char state[2] = {src->state ? src->state : '?', 0};
    fprintf(f, "%s{\"address\": ", i ? ", " : "");
    if (src->refclock) {
      fprintf(f, "null, \"refclock\": true, \"refid\": ");
      json_str(f, src->name);
    } else {
      json_str(f, source_name(src, buf));
    }
    fprintf(f, ", \"falseticker\": %s, \"state\": ", src->falseticker ? "true" : "false");
    json_str(f, state);
    fprintf(f, ", \"reach\": %u, \"poll\": %d, \"samples\": %u, \"valid\": %llu, \"bad\": %llu",
            src->reach, src->poll, src->n_samples, (unsigned long long)src->valid_replies,
            (unsigned long long)src->bad_replies);
    fprintf(f, ", \"good\": %llu", (unsigned long long)src->good_replies);
    fprintf(f, ", \"requests\": %llu, \"kods\": %llu, \"server_replies\": %llu",
            (unsigned long long)src->requests, (unsigned long long)src->kod_replies,
            (unsigned long long)src->server_replies);
    if (src->refclock)
      fprintf(f, ", \"bad_message\": %llu, \"bad_sample\": %llu, \"bad_pulse\": %llu, "
              "\"read_errors\": %llu, \"written\": %llu",
              (unsigned long long)src->bad_message, (unsigned long long)src->bad_sample,
              (unsigned long long)src->bad_pulse, (unsigned long long)src->read_errors,
              (unsigned long long)src->written);
    fputc('}', f);
  }
  fprintf(f, "]");
  fprintf(f, ", \"ref_stratum\": %d, \"ref_refid\": \"%08x\"", r->ref_stratum,
            (unsigned)r->ref_refid);
  fprintf(f, ", \"warnings\": %u, \"errors\": %u", r->log_warnings, r->log_errors);
  if (s->leap) {
    json_num(f, "leap_at", r->leap_at);
    fprintf(f, ", \"leap\": %d, \"kernel_leaps\": %u", s->leap, r->kernel_leaps);
    if (s->smear_conf)
      fprintf(f, ", \"smear\": \"%s\"", r->smear_leaponly ? "leaponly" : "all");
  }
  if (r->nic)
    fprintf(f, ", \"hw_rx_stamps\": %llu, \"hw_tx_stamps\": %llu, \"tss\": \"%c%c\", "
            "\"nic_reads\": %llu", (unsigned long long)r->hw_rx_stamps,
            (unsigned long long)r->hw_tx_stamps, r->last_tx_source, r->last_rx_source,
            (unsigned long long)r->nic_reads);
  if (r->rtc) {
    fprintf(f, ", \"rtc_samples\": %d", r->rtc_samples);
    json_num(f, "rtc_ref_at", r->rtc_ref_at);
    json_num(f, "rtc_fast", r->rtc_fast);
    json_num(f, "rtc_gain_ppm", r->rtc_gain_ppm);
    json_num(f, "rtc_true_fast", r->rtc_true_fast);
  }
  if (s->n_commands) {
    static const char *const names[] = {"settime", "manual delete", "manual reset",
                                        "manual list", "online", "offline", "onoffline",
                                        "activity", "refresh", "tracking"};
    fprintf(f, ", \"commands\": [");
    for (unsigned i = 0; i < s->n_commands; i++) {
      const struct scenario_answer *a = &r->answers[i];
      fprintf(f, "%s{\"command\": \"%s\", \"status\": %d", i ? ", " : "",
              names[s->commands[i].cmd], a->status);
      if (s->commands[i].cmd == SCENARIO_SETTIME && a->status == CMD_STT_SUCCESS) {
        json_num(f, "offset", a->offset);
        json_num(f, "dfreq_ppm", a->dfreq_ppm);
        json_num(f, "freq_ppm", a->freq_ppm);
      }
      if (s->commands[i].cmd == SCENARIO_ACTIVITY && a->status == CMD_STT_SUCCESS) {
        const struct cmd_rpy_activity *v = &a->activity;
        fprintf(f, ", \"online\": %d, \"offline\": %d, \"burst_online\": %d, "
                "\"burst_offline\": %d, \"unresolved\": %d", v->online, v->offline,
                v->burst_online, v->burst_offline, v->unresolved);
      }
      if (s->commands[i].cmd == SCENARIO_TRACKING && a->status == CMD_STT_SUCCESS) {
        char utc[64];
        sc_fmt_utc(utc, sizeof(utc), &a->ref_time);   /* stratumc's "Ref time (UTC)" */
        fprintf(f, ", \"ref_time\": \"%s\"", utc);
      }
      if (s->commands[i].cmd == SCENARIO_MANUAL_LIST) {
        fprintf(f, ", \"samples\": [");
        for (unsigned k = 0; k < a->n_samples && k < CMD_MAX_MANUAL_SAMPLES; k++)
          fprintf(f, "%s[%.9g, %.9g, %.9g, %.9g]", k ? ", " : "", a->samples[k][0],
                  a->samples[k][1], a->samples[k][2], a->samples[k][3]);
        fputc(']', f);
      }
      fputc('}', f);
    }
    fputc(']', f);
  }
  if (s->chronyc) {
    fprintf(f, ", \"chronyc\": ");
    json_str(f, r->chronyc);
  }
  if (s->log_watch[0]) {
    fprintf(f, ", \"log_matches\": {");
    for (unsigned i = 0; i < SIM_PLATFORM_MAX_WATCHES && s->log_watch[i]; i++) {
      fprintf(f, "%s", i ? ", " : "");
      if (s->log_window[i][1] > 0.0) {
        char key[160];
        snprintf(key, sizeof(key), "%s in [%g, %g) s", s->log_watch[i], s->log_window[i][0],
                 s->log_window[i][1]);
        json_str(f, key);
      } else {
        json_str(f, s->log_watch[i]);
      }
      fprintf(f, ": %u", r->log_matches[i]);
    }
    fputc('}', f);
  }
  if (s->measured_poll > 0)
    fprintf(f, ", \"poll_measurements\": [%u, %u]", r->poll_measurements[0],
            r->poll_measurements[1]);
  if (s->loop_measurements)
    json_dcounts(f, r->dcounts);
  if (s->n_relays) {
    fprintf(f, ", \"relays\": [");
    for (unsigned i = 0; i < s->n_relays; i++) {
      const struct scenario_relay_result *x = &r->relays[i];
      char addr[ADDR_STR_LEN];
      server_addr(s, s->relays[i].host - 1, addr);
      fprintf(f, "%s{\"address\": \"%s\"", i ? ", " : "", addr);
      json_num(f, "sync_time", x->sync_time);
      json_num(f, "max_offset", x->max_offset);
      json_num(f, "rms_offset", x->rms_offset);
      json_num(f, "max_freq_error", x->max_freq_error);
      json_num(f, "rms_freq_error", x->rms_freq_error);
      fprintf(f, ", \"ref_stratum\": %d", x->ref_stratum);
      json_num(f, "min_tx_interval", x->min_tx_interval);
      fprintf(f, ", \"to_client\": %llu", (unsigned long long)x->to_client);
      if (s->loop_measurements)
        json_dcounts(f, x->dcounts);
      fputc('}', f);
    }
    fputc(']', f);
  }
  if (s->lookups) {
    fprintf(f, ", \"lookups\": {");
    for (unsigned i = 0; i < SCENARIO_MAX_NAMES && s->names[i].name; i++) {
      fprintf(f, "%s", i ? ", " : "");
      json_str(f, s->names[i].name);
      fprintf(f, ": {\"count\": %u, \"at\": [", r->n_lookups[i]);
      for (unsigned k = 0; k < r->n_lookups[i] && k < SCENARIO_MAX_LOOKUPS; k++)
        fprintf(f, "%s%.9g", k ? ", " : "", r->lookup_at[i][k]);
      fprintf(f, "]}");
    }
    fputc('}', f);
  }
  if (s->measurements)
    fprintf(f, ", \"measurements\": {\"basic\": %u, \"basic_a_failed\": %u, "
            "\"interleaved\": %u, \"interleaved_a_failed\": %u}", r->measurements[0][0],
            r->measurements[0][1], r->measurements[1][0], r->measurements[1][1]);
  if (isfinite(r->initslew_done_at))
    json_num(f, "initslew_done_at", r->initslew_done_at);
  if (r->rtc_set)
    fprintf(f, ", \"rtc_set\": true");
  if (!isnan(r->sources_at))
    json_num(f, "sources_at", r->sources_at);
  if (r->give_ups) {
    json_num(f, "gave_up_at", r->gave_up_at);
    fprintf(f, ", \"give_ups\": %u", r->give_ups);
  }
  if (s->ports)
    fprintf(f, ", \"to_ports\": [%u, %u]", r->min_to_port, r->max_to_port);
  json_num(f, "min_tx_interval", r->min_tx_interval);
  fprintf(f, ", \"events\": %llu, \"run_status\": %d", (unsigned long long)r->events,
          r->run_status);
  fprintf(f, ", \"cpu_seconds\": %.3f}\n", r->cpu_seconds);
}
