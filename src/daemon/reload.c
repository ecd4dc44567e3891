/* reload: the configuration read again and applied (see reload.h). */
#include "daemon/reload.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf_client.h"
#include "conf/conf_diff.h"
#include "conf/conf_mem.h"
#include "daemon/keys.h"
#include "daemon/sources.h"
#include "proto/cmdmon.h"
#include "sys/log.h"

void reload_init(struct reload *r, const struct reload_parts *parts)
{
  memset(r, 0, sizeof(*r));
  r->p = *parts;
}

void reload_free(struct reload *r)
{
  if (r->have_started)
    conf_free(&r->started);
  conf_strings_free(&r->report);
  r->have_started = false;
}

/* A line of the report, logged too. */
static void say(struct reload *r, int level, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
static void say(struct reload *r, int level, const char *fmt, ...)
{
  char text[CONF_PATH_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  log_printf(level, "%s", text);
  conf_strings_add(&r->report, text);
}

static bool changed(const struct conf_diff *d, const char *directive)
{
  return conf_diff_find(d, directive) != NULL;
}

/* The errors a parse cannot see: what the running daemon cannot do. */
static unsigned check(struct reload *r, const struct config *started, const struct config *next,
                      const struct conf_diff *diff)
{
  static const char *const limits[] = {"ratelimit", "cmdratelimit", "ntsratelimit"};
  const struct conf_ratelimit *rl[] = {&next->ratelimit, &next->cmdratelimit,
                                       &next->ntsratelimit};
  unsigned errors = 0;
  for (int i = 0; i < 3; i++) {
    const struct conf_diff_item *it = conf_diff_find(diff, limits[i]);
    if (it && rl[i]->enabled && started->noclientlog) {
      say(r, PLAT_LOG_ERR, "%s:%d: %s: cannot be enabled with noclientlog",
          it->file ? it->file : "", it->line, limits[i]);
      errors++;
    }
  }
  return errors;
}

static void report_diff(struct reload *r, const struct conf_diff *diff)
{
  char text[CONF_PATH_LEN];
  for (unsigned i = 0; i < diff->n; i++) {
    const struct conf_diff_item *it = &diff->items[i];
    conf_diff_describe(it, text, sizeof(text));
    say(r, it->change == CONF_CHANGE_APPLY ? PLAT_LOG_INFO : PLAT_LOG_WARN, "%s", text);
    for (unsigned k = 0; k < it->before.n; k++)
      say(r, PLAT_LOG_INFO, "  - %s", it->before.v[k]);
    for (unsigned k = 0; k < it->after.n; k++)
      say(r, PLAT_LOG_INFO, "  + %s", it->after.v[k]);
  }
}

static bool add_rules(struct access_table *t, const struct conf_list_access *l)
{
  for (unsigned i = 0; i < l->n; i++)
    if (!access_add(t, &l->items[i].net, l->items[i].allow, l->items[i].all))
      return false;
  return true;
}

static void apply_ntp_access(const struct config *next, struct access_table *t)
{
  access_free(t);
  access_init(t, false);
  if (!add_rules(t, &next->access))
    log_printf(PLAT_LOG_ERR, "Out of memory");
}

/* Run-time changes this daemon cannot make after all. */
static bool ratelimit_fixed(const struct reload *r, enum clog_service s)
{
  return r->p.workers && s == CLOG_NTP;      /* each worker has its own log */
}

static bool metrics_fixed(const struct reload *r, const struct conf_diff *diff)
{
  return r->p.filtered && (changed(diff, "metricsport") || changed(diff, "bindmetricsaddress"));
}

/* What they are, reported by a dry run too. */
static void report_fixed(struct reload *r, const struct config *next, const struct conf_diff *diff)
{
  static const enum addr_family families[2] = {ADDR_INET4, ADDR_INET6};
  const struct conf_diff_item *it = conf_diff_find(diff, "ratelimit");
  if (it && ratelimit_fixed(r, CLOG_NTP))
    say(r, PLAT_LOG_WARN, "%s:%d: ratelimit: needs a restart (serverworkers)",
        it->file ? it->file : "", it->line);
  if (metrics_fixed(r, diff))
    say(r, PLAT_LOG_WARN, "metricsport: needs a restart (the system call filter of -F "
                          "forbids listening sockets)");
  /* A server socket is opened at start only where some client is allowed. */
  struct access_table t;
  access_init(&t, false);
  if (changed(diff, "allow") && add_rules(&t, &next->access))
    for (int f = 0; f < 2; f++)
      if (r->p.server_sock[f] < 0 && (r->p.family == 0 || r->p.family == (int)families[f]) &&
          next->port != 0 && access_any_allowed(&t, families[f]))
        say(r, PLAT_LOG_WARN, "allow: no NTP socket is open for IPv%d: it needs a restart",
            f ? 6 : 4);
  access_free(&t);
}

static void apply_ratelimit(struct reload *r, const struct conf_diff *diff, const char *directive,
                            enum clog_service s, const struct conf_ratelimit *rl)
{
  struct clog_ratelimit cr;
  if (!changed(diff, directive) || ratelimit_fixed(r, s))
    return;
  conf_clog_ratelimit(rl, &cr);
  clog_set_ratelimit(r->p.clog, s, &cr);   /* check() refused what it cannot do */
}

/* The directives of client_retune. */
static const char *const client_directives[] = {
  "makestep", "maxupdateskew", "maxchange", "logchange", "maxdistance", "maxjitter",
  "minsources", "combinelimit", "reselectdist", "stratumweight"};

static void apply(struct reload *r, const struct config *next, const struct config *next_dir,
                  const struct conf_diff *diff)
{
  struct reload_parts *p = &r->p;
  sources_reload(p->srclist, p->cfg, p->srcdir, next, next_dir);
  if (changed(diff, "allow"))
    apply_ntp_access(next, &p->server->access);
  if (changed(diff, "cmdallow") &&
      !(cmdsrv_reset_access(&p->control->srv) && add_rules(&p->control->srv.access,
                                                           &next->cmd_access)))
    log_printf(PLAT_LOG_ERR, "Out of memory");
  apply_ratelimit(r, diff, "ratelimit", CLOG_NTP, &next->ratelimit);
  apply_ratelimit(r, diff, "cmdratelimit", CLOG_CMD, &next->cmdratelimit);
  apply_ratelimit(r, diff, "ntsratelimit", CLOG_NTSKE, &next->ntsratelimit);
  if (changed(diff, "local"))
    ref_set_local(p->ref, next->local, next->local_stratum);
  p->control->srv.open = next->opencommands;
  linux_platform_set_rtcsync(p->lp, next->rtcsync);

  bool logs = changed(diff, "log") || changed(diff, "logdir") || changed(diff, "logbanner");
  bool tune = logs;
  for (size_t i = 0; i < sizeof(client_directives) / sizeof(client_directives[0]); i++)
    tune = tune || changed(diff, client_directives[i]);
  if (logs) {
    logfiles_stop(p->logfiles);
    p->hooks = (struct client_log_hooks){0};
    if (!logfiles_start(p->logfiles, next->logdir, next->log, next->logbanner, &p->hooks))
      log_printf(PLAT_LOG_ERR, "Out of memory");
  }
  if (tune) {
    struct client_params cp;
    conf_client_params(next, p->clock_control, &cp);
    cp.log = p->hooks;
    client_retune(p->client, &cp);
  }

  keyfile_free(p->keys);
  keys_load(next->keyfile, p->keys, p->keyring);
  if ((changed(diff, "metricsport") || changed(diff, "bindmetricsaddress")) &&
      !metrics_fixed(r, diff)) {
    exporter_stop(p->exporter);
    if (!exporter_start(p->exporter, next, p->family, p->loop, &p->control->srv))
      log_printf(PLAT_LOG_ERR, "Could not open any metrics socket");
  }
  /* Always: it points to the configuration's file name. */
  drift_stop(p->drift);
  drift_start(p->drift, next->driftfile, next->driftfile_interval, p->client, p->loop);
}

int reload_run(struct reload *r, bool dry_run)
{
  struct config next, next_dir;
  struct conf_diag diag = {0};
  struct conf_diff diff = {0}, dir_diff = {0};
  const struct config *started = r->have_started ? &r->started : r->p.cfg;
  conf_strings_free(&r->report);
  log_printf(PLAT_LOG_INFO, "%s configuration", dry_run ? "Checking" : "Reloading");
  r->p.load(r->p.load_arg, &next, &diag);
  conf_init(&next_dir);
  if (diag.n_errors == 0)
    conf_load_sourcedirs(&next, &next_dir, &diag);
  for (unsigned i = 0; i < diag.n; i++)
    say(r, diag.items[i].severity == CONF_ERROR ? PLAT_LOG_ERR : PLAT_LOG_WARN, "%s",
        diag.items[i].text);
  unsigned errors = diag.n_errors;
  conf_diag_free(&diag);
  if (errors == 0) {
    conf_diff_compute(started, r->p.cfg, &next, &diff);
    conf_diff_compute(r->p.srcdir, r->p.srcdir, &next_dir, &dir_diff);  /* sources only */
    errors = check(r, started, &next, &diff);
  }
  if (errors > 0) {
    say(r, PLAT_LOG_ERR, "Configuration not reloaded: %u error%s, nothing changed", errors,
        errors == 1 ? "" : "s");
  } else {
    report_diff(r, &diff);
    report_diff(r, &dir_diff);
    report_fixed(r, &next, &diff);
    if (diff.n + dir_diff.n == 0)
      say(r, PLAT_LOG_INFO, "No change in the configuration");
    if (!dry_run)
      apply(r, &next, &next_dir, &diff);
    say(r, PLAT_LOG_INFO, "%s", dry_run ? "Dry run: nothing changed" : "Configuration reloaded");
  }
  conf_diff_free(&diff);
  conf_diff_free(&dir_diff);
  if (errors > 0 || dry_run) {
    conf_free(&next);
    conf_free(&next_dir);
    return errors > 0 ? CMD_STT_FAILED : CMD_STT_SUCCESS;
  }
  if (!r->have_started) {
    r->started = *r->p.cfg;
    r->have_started = true;
  } else {
    conf_free(r->p.cfg);
  }
  *r->p.cfg = next;
  conf_free(r->p.srcdir);
  *r->p.srcdir = next_dir;
  return CMD_STT_SUCCESS;
}

bool reload_report_line(const struct reload *r, uint32_t index, uint32_t *total, char *text,
                        size_t size)
{
  *total = r->report.n;
  if (index >= r->report.n && index > 0)
    return false;
  snprintf(text, size, "%s", index < r->report.n ? r->report.v[index] : "");
  return true;
}
