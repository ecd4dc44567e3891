#include "daemon/query_mode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>
#include "core/hwts.h"
#include "core/query.h"
#include "core/reference.h"
#include "daemon/ntskc.h"
#include "conf/conf_client.h"
#include "daemon/keys.h"
#include "proto/num.h"
#include "sys/clock_linux.h"
#include "sys/log.h"
#include "sys/loop.h"
#include "sys/platform_linux.h"
#include "sys/resolve.h"
#include "sys/seccomp.h"

#define MAX_ADDRS_PER_NAME 4

static void on_done(void *arg)
{
  loop_quit(arg, 0);
}

static void on_timeout(void *arg)
{
  log_printf(PLAT_LOG_WARN, "Timeout reached");
  loop_quit(arg, 1);
}

/* One query_server per resolved address (up to maxsources for a pool). */
static unsigned collect_servers(const struct config *cfg, int family, struct query_server *out,
                                unsigned max)
{
  unsigned n = 0;
  for (unsigned i = 0; i < cfg->n_sources && n < max; i++) {
    const struct conf_source *src = &cfg->sources[i];
    struct ip_addr addrs[MAX_ADDRS_PER_NAME];
    if (src->type == CONF_PEER)
      continue;  /* see query_mode_run */
    int limit = src->type == CONF_POOL ? src->maxsources : 1;
    if (limit > MAX_ADDRS_PER_NAME)
      limit = MAX_ADDRS_PER_NAME;
    int found = resolve_name(src->name, family, addrs, limit);
    if (found == 0)
      log_printf(PLAT_LOG_WARN, "Could not resolve address of %s", src->name);
    for (int a = 0; a < found && n < max; a++) {
      struct query_server *s = &out[n++];
      conf_query_server(src, &addrs[a], s);
      if (src->client.nts && !(s->nts = calloc(1, sizeof(*s->nts)))) {
        n--;                            /* never measured unauthenticated */
        continue;
      }
      if (s->nts) {
        s->key = 0;
        ntsc_init(s->nts, src->name, &s->addr, s->port, src->client.ntsport,
                  src->client.certset, cfg->ntsrefresh);
      }
    }
  }
  return n;
}

static bool has_peer(const struct config *cfg)
{
  for (unsigned i = 0; i < cfg->n_sources; i++)
    if (cfg->sources[i].type == CONF_PEER)
      return true;
  return false;
}

/* One line per server on standard output, as soon as it is finished. */
static void print_server(void *arg, const struct query_server *s)
{
  char a[ADDR_STR_LEN];
  (void)arg;
  if (s->have_best)
    printf("%s (%s:%u): stratum %d, offset %+.6f s, delay %.6f s, %u/%u replies\n", s->name,
           addr_format(&s->addr, a), s->port, s->best.stratum, s->best.offset, s->best.delay,
           s->valid, s->sent);
  else if (query_nts_failed(s))
    printf("%s (%s:%u): no valid reply (NTS-KE failed)\n", s->name, addr_format(&s->addr, a),
           s->port);
  else if (s->key_missing)
    printf("%s (%s:%u): no valid reply (key %u missing)\n", s->name, addr_format(&s->addr, a),
           s->port, (unsigned)s->key);
  else if (s->unauthenticated > 0)
    printf("%s (%s:%u): no valid reply (%u sent, %u failed authentication)\n", s->name,
           addr_format(&s->addr, a), s->port, s->sent, s->unauthenticated);
  else
    printf("%s (%s:%u): no valid reply (%u sent%s%s)\n", s->name, addr_format(&s->addr, a),
           s->port, s->sent, s->last_error != EXCH_OK ? ", last reply: " : "",
           s->last_error != EXCH_OK ? exch_result_name(s->last_error) : "");
  fflush(stdout);
}

/* Those the end (a timeout) came before. */
static void print_unreported(const struct query *q)
{
  for (unsigned i = 0; i < q->n_servers; i++)
    if (!q->servers[i].reported)
      print_server(NULL, &q->servers[i]);
}

/* -Q only reports; -q steps the clock as chronyd -q does (not with -x). */
static int set_clock_once(const struct options *opts, double offset)
{
  if (!opts->set_clock) {
    log_printf(PLAT_LOG_INFO, "System clock wrong by %.6f seconds (ignored)", offset);
    return 0;
  }
  log_printf(PLAT_LOG_INFO, "System clock wrong by %.6f seconds (step)", offset);
  /* chronyd -q -x also tries, and says so; its exit status stays 0. */
  if (opts->no_clock_control) {
    log_printf(PLAT_LOG_ERR, "Could not step system clock");
    return 0;
  }
  int r = clock_linux_step(offset);
  if (r < 0)
    log_printf(PLAT_LOG_ERR, "Could not step system clock : %s", strerror(-r));
  return r < 0 ? 1 : 0;
}

static int query(const struct config *cfg, const struct options *opts)
{
  unsigned max = cfg->n_sources * MAX_ADDRS_PER_NAME;
  struct query_server *servers = calloc(max ? max : 1, sizeof(*servers));
  struct loop *loop = loop_new();
  struct linux_platform *lp = loop ? linux_platform_new(loop) : NULL;
  struct query q;
  struct key_table keys = {0};
  struct ntp_keyring keyring;
  struct refstate unsynchronised = {0};  /* for NTS-KE's nocerttimecheck */
  struct ntskc ntskc;
  struct hwts hw = {0};
  struct discipline disc;
  bool have_disc = false;
  int status = 1;
  unsigned n = 0;

  if (!servers || !lp) {
    log_printf(PLAT_LOG_FATAL, "Out of memory");
    goto out;
  }
  ntskc_init(&ntskc, cfg, loop, linux_platform_get(lp), &unsynchronised);
  /* hwtimestamp as in the daemon (a named interface that cannot is fatal),
   * its stamps on the uncorrected clock's scale. */
  struct hwts_params *hp = conf_client_hwts(cfg);
  hwts_init(&hw, linux_platform_get(lp));
  disc_init(&disc, linux_platform_get(lp), false, true, 0.0, cfg->maxslewrate, cfg->maxdrift);
  have_disc = true;
  bool hw_ok = hp && hwts_add(&hw, hp, cfg->n_hwtimestamps) &&
               hwts_start(&hw, &disc, num_ldexp(1.0, linux_clock_precision()));
  free(hp);
  if (!hw_ok)
    goto out;
  n = collect_servers(cfg, opts->family, servers, max);
  if (n == 0 && has_peer(cfg)) {
    /* As chronyd -Q: it opens no NTP server socket, so its peers never
     * send, and with nothing else to measure only -t ends the wait. */
    if (opts->timeout > 0)
      loop_add_timer(loop, opts->timeout, on_timeout, loop);
    loop_run(loop);
    goto out;
  }
  if (n == 0) {
    log_printf(PLAT_LOG_ERR, "No servers to query");
    goto out;
  }
  keys_load(cfg->keyfile, &keys, &keyring);
  /* -F, as in the daemon: after the names are resolved and the keys read. */
  int scf = scf_install(opts->seccomp_level);
  if (scf < 0) {
    log_printf(PLAT_LOG_FATAL, "Could not load system call filter : %s", strerror(-scf));
    goto out;
  }
  if (!query_start(&q, linux_platform_get(lp), &keyring, &ntskc.ops, servers, n, print_server, on_done, loop))
    goto out;
  if (opts->timeout > 0)
    loop_add_timer(loop, opts->timeout, on_timeout, loop);
  /* Every server may be finished at the start (their keys missing): then
   * the query has ended already, and loop_run would wait for nothing. */
  int timed_out = q.done ? 0 : loop_run(loop);
  query_stop(&q);
  print_unreported(&q);

  const struct query_server *best = query_best(&q);
  if (best && !timed_out) {
    status = set_clock_once(opts, best->best.offset);
  } else if (!best) {
    log_printf(PLAT_LOG_WARN, "No suitable source for synchronisation");
  }
out:
  hwts_fini(&hw);
  if (have_disc)
    disc_fini(&disc);
  if (lp)
    ntskc_free(&ntskc);
  for (unsigned i = 0; i < n; i++)
    free(servers[i].nts);
  keyfile_free(&keys);
  linux_platform_free(lp);
  loop_free(loop);
  free(servers);
  return status;
}

/* chronyd's first and last lines around the queries. */
int query_mode_run(const struct config *cfg, const struct options *opts)
{
  log_printf(PLAT_LOG_INFO, "stratumd version %s starting", STRATUM_VERSION);
  if (opts->no_clock_control || !opts->set_clock)
    log_printf(PLAT_LOG_INFO, "Disabled control of system clock");
  int status = query(cfg, opts);
  log_printf(PLAT_LOG_INFO, "stratumd exiting");
  return status;
}
