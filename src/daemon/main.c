/* stratumd: configuration, then either -p (print it), -Q (query mode) or the
 * daemon: server sockets, privileges, the event loop. */
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf_client.h"
#include "conf/conf_source.h"
#include "conf/config.h"
#include "conf/keyfile.h"
#include "core/broadcast.h"
#include "core/client.h"
#include "core/clientlog.h"
#include "core/manual.h"
#include "core/ntp_server.h"
#include "core/reference.h"
#include "core/hwts.h"
#include "core/refclock.h"
#include "daemon/clock_init.h"
#include "daemon/control.h"
#include "daemon/options.h"
#include "proto/ntp_packet.h"
#include "daemon/initstep.h"
#include "daemon/thermal.h"
#include "daemon/query_mode.h"
#include "daemon/drift.h"
#include "daemon/dumps.h"
#include "daemon/exporter.h"
#include "daemon/ntsd.h"
#include "daemon/ntskc.h"
#include "daemon/layout.h"
#include "daemon/leapsrc.h"
#include "daemon/keys.h"
#include "daemon/logfiles.h"
#include "daemon/mailer.h"
#include "daemon/reload.h"
#include "daemon/rtcdrift.h"
#include "daemon/sources.h"
#include "daemon/status.h"
#include "daemon/workers.h"
#include "proto/num.h"
#include "sys/children.h"
#include "sys/detach.h"
#include "sys/log.h"
#include "sys/loop.h"
#include "sys/pidfile.h"
#include "sys/platform_linux.h"
#include "sys/notify.h"
#include "sys/privileges.h"
#include "sys/realtime.h"
#include "sys/resolve.h"
#include "sys/seccomp.h"
#include "sys/signd_client.h"

struct daemon {
  struct config cfg;
  struct loop *loop;
  struct linux_platform *lp;
  struct refstate ref;
  struct ntp_server server;
  struct clientlog *clog;         /* clients, serverstats, ratelimit, cmdratelimit */
  int n_server_socks;
  int server_sock[2];             /* IPv4, IPv6; -1: none */
  bool server_sock_tagged[2];     /* they report kernel transmit timestamps */
  struct signdc signd;            /* ntpsigndsocket: MS-SNTP */
  int ptp_sock[2];                /* ptpport's, IPv4, IPv6; -1: none */
  bool ptp_sock_tagged[2];
  struct client *client;
  struct srclist *srclist;        /* sources by address or name: pools, replacements */
  struct config srcdir;           /* the sources of sourcedir files */
  struct key_table keys;          /* the keyfile's */
  struct tcomp tempcomp;
  struct bcast bcast;             /* broadcast directives */
  int broadcast_sock[2];          /* their own sockets, without a server's; -1: none */
  struct initslew initstep;       /* initstepslew at start */
  bool initstepping;              /* ...or -s's RTC trim under way: readiness waits */
  int family;                     /* -4/-6 */
  bool load_dumps;                /* -r: the dump files are loaded */
  int ready_fd;                   /* the waiting parent's (sys/detach.h); -1: none */
  struct ntp_keyring keyring;     /* the core's view of keys */
  struct drift drift;
  struct leapsrc leapsrc;         /* leapsectz / leapseclist */
  struct logfiles logfiles;       /* logdir + log */
  struct pidfile pidfile;
  struct control control;         /* command sockets */
  struct exporter exporter;       /* metricsport */
  struct ntsd nts;                /* NTS-KE server, NTS for the NTP server */
  struct ntskc ntskc;             /* NTS-KE client of NTS sources */
  struct workers *workers;        /* serverworkers; NULL: none */
  struct mailer mailer;           /* mailonchange */
  struct client_log_hooks log_hooks;  /* logfiles' for the client */
  struct reload reload;           /* SIGHUP, stratumc reload config */
  struct manual manual;           /* settime's samples */
  struct rtcdrift rtc;            /* rtcfile */
  struct hwts hwts;               /* hwtimestamp */
};

#define CHRONY_CONF_FILE "/etc/chrony/chrony.conf"
#define HELPERS_EXIT_WAIT 1.0   /* s the helpers get to end at exit */

/* A host name in allow/deny, as chronyd resolves it: the first address. */
static bool resolve_first(void *arg, const char *name, struct ip_addr *out)
{
  const struct options *o = arg;
  return resolve_name(name, o->family, out, 1) == 1;
}

/* Parse the command-line directives, or else the configuration file (at
 * start and at a reload). */
static void read_config(const struct options *o, struct config *cfg, struct conf_diag *diag)
{
  conf_init(cfg);
  if (o->n_directives > 0) {
    for (int i = 0; i < o->n_directives; i++)
      conf_parse_line(cfg, o->directives[i], "command line", i + 1, diag);
  } else {
    conf_load_file(cfg, o->conf_file, diag);
  }
  if (diag->n_errors == 0)
    conf_access_resolve(cfg, resolve_first, (void *)o, diag);
  if (o->restarted) {  /* -R, as chronyd: a restart must not step the clock again */
    cfg->initstepslew = false;
    if (cfg->makestep_limit > 0)
      cfg->makestep_limit = 0;
  }
}

static void reload_load(void *arg, struct config *out, struct conf_diag *diag)
{
  read_config(arg, out, diag);
}

/* The configuration at start, every warning and error reported. Returns
 * false if there was an error. */
static bool load_config(struct config *cfg, const struct options *o)
{
  struct conf_diag diag = {0};
  read_config(o, cfg, &diag);
  for (unsigned i = 0; i < diag.n; i++)
    fprintf(stderr, "%s\n", diag.items[i].text);
  bool ok = diag.n_errors == 0;
  /* A chrony user's first try: point at the file they have. */
  if (!ok && o->n_directives == 0 && strcmp(o->conf_file, DEFAULT_CONF_FILE) == 0 &&
      strcmp(DEFAULT_CONF_FILE, CHRONY_CONF_FILE) != 0 && access(DEFAULT_CONF_FILE, F_OK) != 0)
    fprintf(stderr, "To read chrony's configuration: stratumd -f %s\n", CHRONY_CONF_FILE);
  conf_diag_free(&diag);
  return ok;
}

static void on_reload_signal(void *arg, int signo)
{
  struct daemon *d = arg;
  (void)signo;
  reload_run(&d->reload, false);
}

static void on_quit_signal(void *arg, int signo)
{
  struct daemon *d = arg;
  log_printf(PLAT_LOG_INFO, "Received signal %d, exiting", signo);
  loop_quit(d->loop, 0);
}

/* -t: like chronyd, exit with 1 if not synchronised (our stratum is 16). */
static void on_timeout(void *arg)
{
  struct daemon *d = arg;
  struct ref_params ref;
  struct timespec now;
  const struct platform *p = linux_platform_get(d->lp);
  p->ops->now(p->ctx, &now);
  ref_get_params(&d->ref, &now, &ref);
  log_printf(PLAT_LOG_INFO, "Timeout reached");
  loop_quit(d->loop, ref.leap == NTP_LEAP_UNSYNC ? 1 : 0);
}

static bool family_wanted(const struct options *o, enum addr_family f)
{
  return o->family == 0 || o->family == (int)f;
}

/* A datagram on a server socket, parsed once for both: a peer's symmetric
 * packet goes to the client, anything else to the server. */
static void on_server_datagram(void *arg, int sock, const struct plat_datagram *dg)
{
  struct daemon *d = arg;
  struct ntp_packet pkt;
  ntp_packet_parse(dg->data, dg->len, &pkt);
  if (!d->client || !client_shared_receive(d->client, sock, dg, &pkt))
    srv_respond(&d->server, sock, dg, &pkt);
}

/* A transmit timestamp of the server socket: of a peer's packet (peers
 * send from it), else of a reply. */
static void on_server_tx(void *arg, int sock, const struct ip_addr *to, uint16_t port,
                         uint64_t tag, const struct timespec *tx_time,
                         enum plat_ts_source source)
{
  struct daemon *d = arg;
  if (!d->client || !client_tx_timestamp(d->client, sock, to, port, tag, tx_time, source))
    srv_tx_timestamp(&d->server, sock, to, port, tag, tx_time, source);
}

/* As chronyd, peers of the configuration need the server socket (they send
 * from it) even when no client is allowed. */
static bool has_peer(const struct config *cfg, enum addr_family f)
{
  for (unsigned i = 0; i < cfg->n_sources; i++)
    if (cfg->sources[i].type == CONF_PEER &&
        (cfg->sources[i].family == ADDR_UNSPEC || cfg->sources[i].family == (int)f))
      return true;
  return false;
}

static void open_server_socket(struct daemon *d, const struct options *o, enum addr_family f,
                               const struct ip_addr *bind_addr)
{
  char a[ADDR_STR_LEN];
  const struct platform *p = linux_platform_get(d->lp);
  if (!family_wanted(o, f) || (!access_any_allowed(&d->server.access, f) && !has_peer(&d->cfg, f)))
    return;
  int sock = p->ops->udp_open(p->ctx, f, bind_addr, d->cfg.port, on_server_datagram, d);
  if (sock < 0) {
    log_printf(PLAT_LOG_ERR, "Could not open NTP socket on %s:%u : %s",
               bind_addr ? addr_format(bind_addr, a) : (f == ADDR_INET4 ? "0.0.0.0" : "::"),
               d->cfg.port, strerror(-sock));
    return;
  }
  d->n_server_socks++;
  d->server_sock[f == ADDR_INET6] = sock;
  d->server_sock_tagged[f == ADDR_INET6] = srv_enable_tx_timestamps(&d->server, sock,
                                                                    on_server_tx, d) == 0;
  (void)srv_enable_batched_sends(&d->server, sock);
  if (!d->server_sock_tagged[f == ADDR_INET6] && d->server.clog)
    log_printf(PLAT_LOG_WARN, "No kernel transmit timestamps on the NTP socket: interleaved "
                              "replies will carry the daemon's transmit times");
}

/* A datagram on a PTP socket (its NTP message): a reply to a source polled
 * from it goes to the client, anything else to the server. */
static void on_ptp_datagram(void *arg, int sock, const struct plat_datagram *dg)
{
  struct daemon *d = arg;
  struct ntp_packet pkt;
  ntp_packet_parse(dg->data, dg->len, &pkt);
  if (!d->client || !client_shared_receive(d->client, sock, dg, &pkt))
    srv_respond(&d->server, sock, dg, &pkt);
}

/* ptpport: as chronyd, open whether or not anything is served or polled. */
static void open_ptp_socket(struct daemon *d, const struct options *o, enum addr_family f,
                            const struct ip_addr *bind_addr)
{
  int i = f == ADDR_INET6;
  d->ptp_sock[i] = -1;
  if (d->cfg.ptpport == 0 || !family_wanted(o, f))
    return;
  d->ptp_sock[i] = linux_platform_open_ptp(d->lp, f, bind_addr, d->cfg.ptpport,
                                           (uint8_t)d->cfg.ptpdomain, on_ptp_datagram, d);
  if (d->ptp_sock[i] < 0) {
    log_printf(PLAT_LOG_ERR, "Could not open NTP socket on port %u : %s", d->cfg.ptpport,
               strerror(-d->ptp_sock[i]));
    return;
  }
  d->ptp_sock_tagged[i] = srv_enable_tx_timestamps(&d->server, d->ptp_sock[i], on_server_tx,
                                                   d) == 0;
}

static struct clog_params clientlog_params(const struct config *c, const struct platform *p)
{
  return conf_clog_params(c, plat_random_nonzero64(p));
}

static struct clientlog *new_clientlog(const struct config *c, const struct platform *p)
{
  const struct conf_ratelimit *n = &c->ratelimit, *m = &c->cmdratelimit, *k = &c->ntsratelimit;
  struct clog_params cp = clientlog_params(c, p);
  if (c->noclientlog && (n->enabled || m->enabled || k->enabled)) {
    log_printf(PLAT_LOG_FATAL, "Rate limiting cannot be enabled with noclientlog");
    return NULL;
  }
  struct clientlog *l = clog_new(&cp);
  if (!l)
    log_printf(PLAT_LOG_FATAL, "Out of memory");
  return l;
}

static void ignore_datagram(void *arg, int sock, const struct plat_datagram *dg)
{
  (void)arg, (void)sock, (void)dg;
}

/* broadcast: sent from the server socket of the address's family, as
 * chronyd's; without one (port 0, or no client allowed), from a socket of
 * their own with the server's options. */
static void start_broadcasts(struct daemon *d)
{
  char a[ADDR_STR_LEN];
  const struct platform *p = linux_platform_get(d->lp);
  bcast_init(&d->bcast, p, &d->ref);
  for (unsigned i = 0; i < d->cfg.n_broadcasts; i++) {
    const struct conf_broadcast *b = &d->cfg.broadcasts[i];
    enum addr_family f = (enum addr_family)b->addr.family;
    int *sock = &d->broadcast_sock[f == ADDR_INET6];
    if (d->server_sock[f == ADDR_INET6] >= 0)
      *sock = d->server_sock[f == ADDR_INET6];
    else if (*sock < 0)
      *sock = p->ops->udp_open(p->ctx, f, NULL, 0, ignore_datagram, NULL);
    if (*sock < 0 || !bcast_add(&d->bcast, &b->addr, b->port, b->interval, *sock))
      log_printf(PLAT_LOG_ERR, "Could not send broadcasts to %s", addr_format(&b->addr, a));
  }
}

static bool start_server(struct daemon *d, const struct options *o)
{
  const struct platform *p = linux_platform_get(d->lp);
  struct timespec now;
  p->ops->now(p->ctx, &now);
  conf_reference(&d->cfg, linux_clock_precision(), &now, &d->ref);
  d->ref.local_key = plat_random_nonzero64(p);
  d->ref.mono_epoch_base = (uint32_t)plat_random_nonzero64(p);   /* as chronyd's, random */
  srv_init(&d->server, p, &d->ref);
  d->server.keys = &d->keyring;
  d->server.ptp = d->cfg.ptpport != 0;
  if (d->cfg.ntpsigndsocket && d->cfg.ntpsigndsocket[0] &&
      signdc_init(&d->signd, d->loop, p, d->cfg.ntpsigndsocket)) {
    d->server.signd = signdc_sign;
    d->server.signd_arg = &d->signd;
  }
  d->server_sock[0] = d->server_sock[1] = -1;
  d->broadcast_sock[0] = d->broadcast_sock[1] = -1;
  d->server.clog = d->clog;
  for (unsigned i = 0; i < d->cfg.access.n; i++) {
    const struct conf_access *r = &d->cfg.access.items[i];
    if (!access_add(&d->server.access, &r->net, r->allow, r->all))
      return false;
  }
  linux_platform_set_socket_options(d->lp, d->cfg.dscp, d->cfg.binddevice, true);
  linux_platform_set_tx_buffers(d->lp, d->cfg.maxtxbuffers);
  const struct ip_addr *bind[2] = {d->cfg.have_bind4 ? &d->cfg.bind4 : NULL,
                                   d->cfg.have_bind6 ? &d->cfg.bind6 : NULL};
  open_ptp_socket(d, o, ADDR_INET4, bind[0]);
  open_ptp_socket(d, o, ADDR_INET6, bind[1]);
  if (d->cfg.port == 0) {
    start_broadcasts(d);
    return true;
  }
  linux_platform_set_reuseport(d->lp, d->cfg.serverworkers > 0);
  open_server_socket(d, o, ADDR_INET4, bind[0]);
  open_server_socket(d, o, ADDR_INET6, bind[1]);
  linux_platform_set_reuseport(d->lp, false);
  if (d->cfg.serverworkers > 0 && d->n_server_socks > 0) {
    struct workers_main m = {d->loop, on_server_datagram, d,
                             {d->server_sock[0], d->server_sock[1]}, {bind[0], bind[1]},
                             d->cfg.port, d->cfg.dscp, d->cfg.binddevice, d->cfg.maxtxbuffers};
    struct clog_params cp = clientlog_params(&d->cfg, p);
    if (!(d->workers = workers_open(d->cfg.serverworkers, &m, &cp, &d->ref, &d->server.access)))
      return false;
  }
  start_broadcasts(d);
  bool wanted = (family_wanted(o, ADDR_INET4) && access_any_allowed(&d->server.access, ADDR_INET4)) ||
                (family_wanted(o, ADDR_INET6) && access_any_allowed(&d->server.access, ADDR_INET6));
  return !wanted || d->n_server_socks > 0;
}

/* The *.sources files of sourcedir directives. As with chronyd, their
 * problems are warnings: bad lines are skipped. */
static void load_sourcedirs(struct daemon *d)
{
  struct conf_diag diag = {0};
  conf_init(&d->srcdir);
  conf_load_sourcedirs(&d->cfg, &d->srcdir, &diag);
  for (unsigned i = 0; i < diag.n; i++)
    log_printf(PLAT_LOG_WARN, "%s", diag.items[i].text);
  conf_diag_free(&diag);
}

/* ---- what chronyc's commands do to the daemon ---- */
static int cmd_shutdown(void *arg)
{
  struct daemon *d = arg;
  log_printf(PLAT_LOG_INFO, "Shutdown requested");
  loop_quit(d->loop, 0);
  return CMD_STT_SUCCESS;
}

static int cmd_dump(void *arg)
{
  struct daemon *d = arg;
  dumps_save(d->cfg.dumpdir, d->client);
  ntsd_save_keys(&d->nts);
  ntskc_save_all(&d->ntskc, d->client);
  return CMD_STT_SUCCESS;
}

static int cmd_rekey(void *arg)
{
  struct daemon *d = arg;
  keyfile_free(&d->keys);
  keys_load(d->cfg.keyfile, &d->keys, &d->keyring);
  ntsd_reload_keys(&d->nts);
  return CMD_STT_SUCCESS;
}

static int cmd_cyclelogs(void *arg)
{
  struct daemon *d = arg;
  logfiles_cycle(&d->logfiles);
  return CMD_STT_SUCCESS;
}

static int cmd_add_source(void *arg, const struct cmd_req_source *q)
{
  struct daemon *d = arg;
  struct conf_source cs;
  int status = conf_source_from_request(q, &cs);
  if (status != CMD_STT_SUCCESS)
    return status;
  const char *refused = conf_source_refused(&cs);
  if (refused) {
    log_printf(PLAT_LOG_ERR, "Could not add source %s : %s", cs.name, refused);
    return CMD_STT_NOTENABLED;
  }
  switch (sources_add_one(d->srclist, &cs)) {
  case SRCLIST_OK: return CMD_STT_SUCCESS;
  case SRCLIST_KNOWN: return CMD_STT_SOURCEALREADYKNOWN;
  default: return CMD_STT_FAILED;
  }
}

static int cmd_delete_source(void *arg, const struct ip_addr *addr)
{
  struct daemon *d = arg;
  char a[ADDR_STR_LEN + sizeof(((struct client_source_report *)0)->name) + 3];
  struct client_source_report r;
  int i = d->client ? client_find_source(d->client, addr) : -1;
  if (i < 0 || !client_source_report(d->client, (unsigned)i, &r) ||
      srclist_delete(d->srclist, addr) != SRCLIST_OK)
    return CMD_STT_NOSUCHSOURCE;
  /* chronyd 4.8's: the name too when it is not the address (a pool's) */
  log_printf(PLAT_LOG_INFO, "Removed source %s", addr_format_named(addr, r.name, a, sizeof(a)));
  return CMD_STT_SUCCESS;
}

static void load_sourcedirs(struct daemon *d);

static int cmd_reload_sources(void *arg)
{
  struct daemon *d = arg;
  struct config old = d->srcdir;
  load_sourcedirs(d);
  sources_reload(d->srclist, &d->cfg, &old, &d->cfg, &d->srcdir);
  conf_free(&old);
  return CMD_STT_SUCCESS;
}

static int cmd_reload_config(void *arg, bool dry_run)
{
  return reload_run(&((struct daemon *)arg)->reload, dry_run);
}

static bool cmd_reload_report(void *arg, uint32_t index, uint32_t *total, char *text, size_t size)
{
  return reload_report_line(&((struct daemon *)arg)->reload, index, total, text, size);
}

static int cmd_refresh(void *arg)
{
  srclist_refresh(((struct daemon *)arg)->srclist);
  return CMD_STT_SUCCESS;
}

/* Counts made outside the main loop's NTP server: the workers'. */
static void cmd_worker_totals(void *arg, struct srv_stats *stats, struct clog_totals *totals)
{
  struct daemon *d = arg;
  workers_add_totals(d->workers, stats, totals);
}

static uint32_t cmd_worker_client_indices(void *arg)
{
  return workers_client_indices(((struct daemon *)arg)->workers);
}

static uint32_t cmd_worker_client_reports(void *arg, uint32_t first, uint32_t want, bool reset,
                                          uint32_t min_hits, const struct timespec *now,
                                          struct clog_report *out, uint32_t *next)
{
  return workers_client_reports(((struct daemon *)arg)->workers, first, want, reset, min_hits,
                                now, out, next);
}

static bool start_control(struct daemon *d, const struct options *o)
{
  if (!control_start(&d->control, &d->cfg, o->family, d->loop, linux_platform_get(d->lp), &d->ref,
                     &d->server))
    return false;
  d->control.srv.client = d->client;
  d->control.srv.clog = d->clog;
  manual_init(&d->manual, d->cfg.manual);
  if (disc_add_listener(client_reference(d->client)->disc, manual_clock_changed, &d->manual))
    d->control.srv.manual = &d->manual;
  d->control.srv.rtc = rtcdrift_tracker(&d->rtc);
  d->control.srv.ops = (struct cmdsrv_ops){
    .add_source = cmd_add_source, .delete_source = cmd_delete_source,
    .reload_sources = cmd_reload_sources, .refresh = cmd_refresh, .dump = cmd_dump,
    .rekey = cmd_rekey, .cyclelogs = cmd_cyclelogs, .shutdown = cmd_shutdown,
    .reload_config = cmd_reload_config, .reload_report = cmd_reload_report,
    .add_server_totals = cmd_worker_totals,
    .extra_client_indices = cmd_worker_client_indices,
    .extra_client_reports = cmd_worker_client_reports, .arg = d};
  return true;
}

static void start_reload(struct daemon *d, const struct options *o)
{
  struct reload_parts parts = {
    .cfg = &d->cfg, .srcdir = &d->srcdir, .loop = d->loop, .lp = d->lp, .ref = &d->ref,
    .server = &d->server, .server_sock = d->server_sock, .clog = d->clog,
    .workers = d->workers != NULL, .client = d->client, .srclist = d->srclist,
    .keys = &d->keys, .keyring = &d->keyring, .drift = &d->drift, .logfiles = &d->logfiles,
    .hooks = d->log_hooks, .control = &d->control, .exporter = &d->exporter,
    .family = o->family, .filtered = o->seccomp_level > 0, .clock_control = !o->no_clock_control, .load = reload_load,
    .load_arg = (void *)o};
  reload_init(&d->reload, &parts);
}

/* maxchange gave up: exit with an error, as chronyd does. */
static void on_give_up(void *arg)
{
  struct daemon *d = arg;
  loop_quit(d->loop, 1);
}

/* The refclock lines; as chronyd, a device that cannot be opened stops
 * the start (the platform logged why). */
static bool add_refclocks(struct daemon *d)
{
  for (unsigned i = 0; i < d->cfg.n_refclocks; i++) {
    const struct conf_refclock *r = &d->cfg.refclocks[i];
    struct rcl_params p;
    char err[160];
    if (!conf_client_refclock(&d->cfg, i, &p, err, sizeof(err))) {
      log_printf(PLAT_LOG_FATAL, "%s (%s:%d)", err, r->file, r->line);
      return false;
    }
    if (client_add_refclock(d->client, &p) < 0) {
      log_printf(PLAT_LOG_FATAL, "refclock %s initialisation failed", r->driver);
      return false;
    }
  }
  return true;
}

/* Started: the parent may exit, the service manager is told. */
static void announce_ready(struct daemon *d)
{
  log_set_parent_fd(-1);
  detach_done(d->ready_fd, 0);
  d->ready_fd = -1;
  notify_send("READY=1");
}

/* The configured sources, and their samples from the dump files. */
static void start_sources(void *arg)
{
  struct daemon *d = arg;
  if (d->initstepping) {
    d->initstepping = false;
    announce_ready(d);
  }
  sources_add(d->srclist, &d->cfg, false);
  sources_add(d->srclist, &d->srcdir, true);
  dumps_load(d->cfg.dumpdir, d->client, d->load_dumps);
}

/* chronyd's post_init_rtc_hook: initstepslew first when configured (the
 * sources then come at its end), else the sources. */
static void begin_sources(void *arg)
{
  struct daemon *d = arg;
  struct initslew_host hosts[INITSLEW_MAX_HOSTS];
  unsigned n_hosts = initstep_resolve(&d->cfg, d->family, hosts);
  if (initslew_start(&d->initstep, linux_platform_get(d->lp), d->client, hosts, n_hosts,
                     d->cfg.initstepslew_threshold, start_sources, d))
    d->initstepping = true;
  else
    start_sources(d);
}

/* An unknown step of the clock: settime's and the RTC's samples mean
 * nothing now (chronyd's MNL_Reset, and its RTC driver's). */
static void on_clock_jumped(void *arg, double jump)
{
  struct daemon *d = arg;
  manual_reset(&d->manual);
  if (rtcdrift_tracker(&d->rtc))
    rtct_clock_jumped(rtcdrift_tracker(&d->rtc), jump);
}

static bool start_client(struct daemon *d, const struct options *o)
{
  struct client_params p;
  load_sourcedirs(d);
  conf_client_params(&d->cfg, !o->no_clock_control, &p);
  p.give_up = on_give_up;
  p.give_up_arg = d;
  p.jumped = on_clock_jumped;
  p.jumped_arg = d;
  if (d->cfg.mailonchange_address) {
    p.mail_change = mailer_notify;
    p.mail_change_arg = &d->mailer;
  }
  p.keys = &d->keyring;
  p.hwtstimeout = d->hwts.n > 0 ? d->cfg.hwtstimeout : 0.0;
  if (d->cfg.driftfile)
    drift_load(d->cfg.driftfile, &p);
  if (leapsrc_init(&d->leapsrc, d->cfg.leapsectz, d->cfg.leapseclist)) {
    p.leap_lookup = leapsrc_lookup;
    p.leap_arg = &d->leapsrc;
  }
  if (!logfiles_start(&d->logfiles, d->cfg.logdir, d->cfg.log, d->cfg.logbanner, &p.log)) {
    log_printf(PLAT_LOG_FATAL, "Out of memory");
    return false;
  }
  d->log_hooks = p.log;
  ntskc_init(&d->ntskc, &d->cfg, d->loop, linux_platform_get(d->lp), &d->ref);
  if (!ntskc_preload(&d->cfg))
    return false;
  p.nts_ke = &d->ntskc.ops;
  linux_platform_set_rtcsync(d->lp, d->cfg.rtcsync);
  d->client = client_new(linux_platform_get(d->lp), &p, &d->ref);
  if (!d->client || !hwts_start(&d->hwts, client_reference(d->client)->disc,
                                num_ldexp(1.0, d->ref.precision_log2))) {
    log_printf(PLAT_LOG_FATAL, "Out of memory");
    return false;
  }
  if (!add_refclocks(d))
    return false;
  client_set_server_socket(d->client, ADDR_INET4, d->server_sock[0], d->cfg.port,
                           d->server_sock_tagged[0]);
  client_set_server_socket(d->client, ADDR_INET6, d->server_sock[1], d->cfg.port,
                           d->server_sock_tagged[1]);
  for (int f = 0; f < 2; f++)
    client_set_ptp_socket(d->client, f ? ADDR_INET6 : ADDR_INET4, d->ptp_sock[f], d->cfg.ptpport,
                          d->ptp_sock_tagged[f]);
  /* Created even without sources: chronyc can add some. */
  d->srclist = srclist_new(linux_platform_get(d->lp), d->client, o->family);
  if (!d->srclist) {
    log_printf(PLAT_LOG_FATAL, "Out of memory");
    return false;
  }
  srclist_set_refresh(d->srclist, d->cfg.refresh);
  d->load_dumps = o->reload;
  d->family = o->family;
  client_start(d->client);
  drift_start(&d->drift, d->cfg.driftfile, d->cfg.driftfile_interval, d->client, d->loop);
  return true;
}

/* The main loop's counts and, stopped first, the workers'. */
static void log_server_stats(struct daemon *d)
{
  struct srv_stats s = d->server.stats;
  struct clog_totals unused = {0};
  workers_stop(d->workers);
  workers_add_totals(d->workers, &s, &unused);
  log_printf(PLAT_LOG_INFO, "NTP packets received %llu, replied %llu",
             (unsigned long long)s.received, (unsigned long long)s.replied);
  ntsd_log_stats(&d->nts);
  for (int i = 0; i < SRV_DROP_COUNT; i++)
    if (s.dropped[i])
      log_printf(PLAT_LOG_INFO, "NTP packets dropped (%s) %llu", srv_drop_name(i),
                 (unsigned long long)s.dropped[i]);
}

/* The owner of the daemon's directories: the user it runs as (only root
 * can be another). */
static bool user_ids(const char *user, uid_t *uid, gid_t *gid)
{
  struct passwd *pw = getpwnam(user);
  if (!pw)
    return false;
  bool root = geteuid() == 0;
  *uid = root ? pw->pw_uid : geteuid();
  *gid = root ? pw->pw_gid : getegid();
  return true;
}

/* hwtimestamp, before the NTP sockets open (they then ask for hardware
 * timestamps); a named interface that cannot be is fatal, as chronyd. */
static bool enable_hwts(struct daemon *d)
{
  struct hwts_params *p = conf_client_hwts(&d->cfg);
  hwts_init(&d->hwts, linux_platform_get(d->lp));
  bool ok = p && hwts_add(&d->hwts, p, d->cfg.n_hwtimestamps);
  free(p);
  return ok;
}

static int run_daemon(struct daemon *d, const struct options *o)
{
  int status = 1;
  d->ready_fd = -1;
  mailer_init(&d->mailer, d->cfg.mailonchange_address, d->cfg.mailonchange_threshold);
  if (!pidfile_check(d->cfg.pidfile))
    return 1;
  if (!o->foreground && (d->ready_fd = detach_start()) < 0) {
    fprintf(stderr, "Could not detach: %s\n", strerror(errno));
    return 1;
  }
  int level = o->debug > 1 ? PLAT_LOG_DEBUG : o->log_level;
  if (o->log_file)  /* -l wins over -d, as with chronyd */
    log_open(LOG_TO_FILE, o->log_file, level);
  else if (o->debug > 0)
    log_open(LOG_TO_STDERR, NULL, level);
  else
    log_open(o->foreground ? LOG_TO_STDERR : LOG_TO_SYSLOG, NULL, o->log_level);
  log_set_parent_fd(d->ready_fd);
  log_printf(PLAT_LOG_INFO, "stratumd version %s starting", STRATUM_VERSION);
  if (o->no_clock_control)
    log_printf(PLAT_LOG_INFO, "Disabled control of system clock");
  const char *user = o->user ? o->user : d->cfg.user;  /* -u wins, as with chronyd */
  uid_t uid;
  gid_t gid;
  if (!user_ids(user, &uid, &gid)) {
    log_printf(PLAT_LOG_FATAL, "Could not get user/group ID of %s", user);
    goto out;
  }
  if (!layout_prepare(&d->cfg, uid, gid) || !pidfile_open(&d->pidfile, d->cfg.pidfile))
    goto out;
  if (o->lock_memory || d->cfg.lock_all)
    realtime_lock_memory();
  int priority = o->sched_priority ? o->sched_priority : d->cfg.sched_priority;
  if (priority && !realtime_set_scheduler(priority)) {
    log_printf(PLAT_LOG_FATAL, "Bad scheduler priority: %d", priority);
    goto out;
  }
  d->loop = loop_new();
  d->lp = d->loop ? linux_platform_new(d->loop) : NULL;
  if (!d->lp) {
    log_printf(PLAT_LOG_FATAL, "Out of memory");
    goto out;
  }
  bool rtc_set = o->init_from_rtc &&
                 clock_init_from_rtc(&d->cfg, linux_platform_get(d->lp), !o->no_clock_control);
  if (!enable_hwts(d))
    goto out;
  if (!keys_load(d->cfg.keyfile, &d->keys, &d->keyring)) {
    log_printf(PLAT_LOG_FATAL, "Could not load the keys' OpenSSL module");
    goto out;
  }
  if (!(d->clog = new_clientlog(&d->cfg, linux_platform_get(d->lp))))
    goto out;
  if (!start_server(d, o)) {
    log_printf(PLAT_LOG_FATAL, "Could not open any NTP server socket");
    goto out;
  }
  if (!ntsd_start(&d->nts, &d->cfg, o->family, d->loop, linux_platform_get(d->lp),
                  &d->server, user, o->seccomp_level)) {
    log_printf(PLAT_LOG_FATAL, "Could not start NTS-KE server");
    goto out;
  }
  /* The sockets of each kind with chronyd's options: the server's in
   * start_server, the client's (also opened later, as sources come) and
   * the commands' here. */
  linux_platform_set_socket_options(d->lp, d->cfg.dscp, d->cfg.bindacqdevice, false);
  if (!start_client(d, o))   /* it said why */
    goto out;
  if (!thermal_start(&d->tempcomp, &d->cfg, linux_platform_get(d->lp),
                     client_reference(d->client)->disc, &d->logfiles))
    goto out;
  if (!rtcdrift_start(&d->rtc, &d->cfg, linux_platform_get(d->lp), client_reference(d->client),
                      &d->logfiles, rtc_set, begin_sources, d))
    goto out;
  /* After -s, the RTC's initial trim first (readiness waits for it). */
  if (rtc_set && rtcdrift_tracker(&d->rtc))
    d->initstepping = true;
  else
    begin_sources(d);
  linux_platform_set_socket_options(d->lp, 0, d->cfg.bindcmddevice, false);
  bool control = start_control(d, o);
  linux_platform_set_socket_options(d->lp, d->cfg.dscp, d->cfg.bindacqdevice, false);
  if (!control) {
    log_printf(PLAT_LOG_FATAL, "Could not open any command socket");
    goto out;
  }
  if (!exporter_start(&d->exporter, &d->cfg, o->family, d->loop, &d->control.srv)) {
    log_printf(PLAT_LOG_FATAL, "Could not open any metrics socket");
    goto out;
  }
  start_reload(d, o);
  if (!priv_drop(user, !o->no_clock_control)) {
    log_printf(PLAT_LOG_FATAL, "Could not switch to user %s : %s", user, strerror(errno));
    goto out;
  }
  if (!notify_open())
    log_printf(PLAT_LOG_WARN, "Could not use NOTIFY_SOCKET : %s", strerror(errno));
  /* After dropping privileges, before the system call filter (workers.h). */
  if (d->workers && !workers_run(d->workers))
    goto out;
  if (!mailer_run(&d->mailer))
    goto out;
  int scf = scf_install(o->seccomp_level);  /* -F */
  if (scf < 0) {
    log_printf(PLAT_LOG_FATAL, "Could not load system call filter : %s", strerror(-scf));
    goto out;
  }
  int sigs[] = {SIGTERM, SIGINT, SIGQUIT};
  for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
    loop_watch_signal(d->loop, sigs[i], on_quit_signal, d);
  loop_watch_signal(d->loop, SIGHUP, on_reload_signal, d);
  children_watch(d->loop);
  signal(SIGPIPE, SIG_IGN);
  if (o->timeout > 0)
    loop_add_timer(d->loop, o->timeout, on_timeout, d);

  /* As chronyd, not before initstepslew has corrected the clock. */
  if (!d->initstepping)
    announce_ready(d);
  status_start(d->loop, linux_platform_get(d->lp), &d->ref, d->client);
  status = loop_run(d->loop) == 0 ? 0 : 1;
  notify_send("STOPPING=1");
  drift_stop(&d->drift);
  initslew_stop(&d->initstep);
  thermal_stop(&d->tempcomp);
  bcast_stop(&d->bcast);
  dumps_save(d->cfg.dumpdir, d->client);
  log_server_stats(d);
  log_printf(PLAT_LOG_INFO, "stratumd exiting");
out:
  log_set_parent_fd(-1);
  detach_done(d->ready_fd, status ? status : 1);
  reload_free(&d->reload);
  workers_free(d->workers);
  mailer_stop(&d->mailer);
  exporter_stop(&d->exporter);
  ntsd_stop(&d->nts);
  children_wait(HELPERS_EXIT_WAIT);   /* their pipes closed: they end */
  control_stop(&d->control);
  srclist_free(d->srclist);
  rtcdrift_stop(&d->rtc);
  hwts_fini(&d->hwts);
  client_free(d->client);       /* its NTS sources' cookies saved */
  ntskc_free(&d->ntskc);
  logfiles_stop(&d->logfiles);
  conf_free(&d->srcdir);
  srv_free(&d->server);
  clog_free(d->clog);
  keyfile_free(&d->keys);
  linux_platform_free(d->lp);
  loop_free(d->loop);
  pidfile_close(&d->pidfile);
  log_close();
  return status;
}

int main(int argc, char **argv)
{
  struct options o;
  struct daemon d;
  int status;

  switch (options_parse(argc, argv, &o)) {
  case OPTIONS_EXIT_OK: return 0;
  case OPTIONS_EXIT_ERROR: return 1;
  case OPTIONS_RUN: break;
  }
  /* chronyd's check, for what needs root: not -p, not -Q. */
  if (!o.no_user_check && !o.print_config && (!o.query || o.set_clock) && getuid() != 0) {
    log_printf(PLAT_LOG_FATAL, "Not superuser");
    return 1;
  }
  memset(&d, 0, sizeof(d));
  if (!load_config(&d.cfg, &o)) {
    conf_free(&d.cfg);
    return 1;
  }
  if (o.print_config) {
    conf_print(&d.cfg, stdout);
    status = 0;
  } else if (o.query) {
    log_open(LOG_TO_STDERR, NULL, o.log_level);
    status = query_mode_run(&d.cfg, &o);
  } else {
    status = run_daemon(&d, &o);
  }
  conf_free(&d.cfg);
  return status;
}
