#include "conf/conf_client.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_value.h"
#include "core/reference.h"
#include "core/hwts.h"
#include "core/query.h"
#include "core/refclock.h"

_Static_assert(CONF_LEAPSEC_SYSTEM == (int)REF_LEAP_SYSTEM &&
                   CONF_LEAPSEC_SLEW == (int)REF_LEAP_SLEW &&
                   CONF_LEAPSEC_STEP == (int)REF_LEAP_STEP &&
                   CONF_LEAPSEC_IGNORE == (int)REF_LEAP_IGNORE,
               "leapsecmode: conf's order is the reference's");

static const enum sel_auth_mode auth_modes[] = {
  [CONF_AUTHSELECT_REQUIRE] = SEL_AUTH_REQUIRE, [CONF_AUTHSELECT_PREFER] = SEL_AUTH_PREFER,
  [CONF_AUTHSELECT_MIX] = SEL_AUTH_MIX, [CONF_AUTHSELECT_IGNORE] = SEL_AUTH_IGNORE,
};

void conf_client_params(const struct config *c, bool control, struct client_params *p)
{
  client_params_defaults(p);
  p->control = control;
  p->makestep_threshold = c->makestep_threshold;
  p->makestep_limit = c->makestep_limit;
  p->logchange = c->logchange;
  p->mailonchange = c->mailonchange_threshold;
  p->fallbackdrift_min = c->fallbackdrift_min;
  p->fallbackdrift_max = c->fallbackdrift_max;
  p->maxslewrate = c->maxslewrate;
  p->maxdrift = c->maxdrift;
  p->maxupdateskew = c->maxupdateskew;
  p->corrtimeratio = c->corrtimeratio;
  p->ntsrefresh = c->ntsrefresh;
  p->selection.max_distance = c->maxdistance;
  p->selection.max_jitter = c->maxjitter;
  p->selection.min_sources = c->minsources;
  p->selection.combine_limit = c->combinelimit;
  p->selection.stratum_weight = c->stratumweight;
  p->selection.reselect_dist = c->reselectdist;
  p->selection.max_clock_error = c->maxclockerror * 1e-6;
  p->selection.min_stratum = c->minstratum;
  p->selection.max_stratum = c->maxstratum;
  p->auth_mode = auth_modes[c->authselectmode];
  p->min_samples = c->minsamples;
  p->max_samples = c->maxsamples;
  p->maxchange_offset = c->maxchange_offset;
  p->maxchange_start = c->maxchange_start;
  p->maxchange_ignore = c->maxchange_ignore;
  p->acquisitionport = c->acquisitionport;
  p->leapmode = (enum ref_leapmode)c->leapsecmode;
  if (c->have_bindacq4)
    p->bindacq[0] = c->bindacq4;
  if (c->have_bindacq6)
    p->bindacq[1] = c->bindacq6;
}

void conf_ref_local(const struct config *c, struct ref_local *out)
{
  memset(out, 0, sizeof(*out));   /* padding too: mappings are compared whole */
  out->enabled = c->local;
  out->stratum = c->local_stratum;
  out->orphan = c->local_orphan;
  out->distance = c->local_distance;
  out->activate = c->local_activate;
  out->wait_synced = c->local_waitsynced;
  out->wait_unsynced = c->local_waitunsynced;
}

void conf_query_server(const struct conf_source *s, const struct ip_addr *addr,
                       struct query_server *out)
{
  memset(out, 0, sizeof(*out));
  snprintf(out->name, sizeof(out->name), "%s", s->name);
  out->addr = *addr;
  out->port = s->client.port;
  out->key = s->client.key;
  out->version = s->client.version;
  out->poll = s->client.minpoll;
  if (s->client.maxsamples > 0 && s->client.maxsamples < QUERY_GOOD_SAMPLES)
    out->good_needed = (unsigned)s->client.maxsamples;
  out->sock = -1;
}

void conf_srclist_source(const struct conf_source *s, struct srclist_source *out)
{
  memset(out, 0, sizeof(*out));
  out->params = s->client;
  snprintf(out->params.name, sizeof(out->params.name), "%s", s->name);
  out->params.peer = s->type == CONF_PEER;
  out->family = s->family;
  out->pool = s->type == CONF_POOL;
  out->maxsources = out->pool ? s->maxsources : 0;
}

/* An option with a value ("pin=1") or without ("clear"). */
static bool is_option(const char *o, const char *name, bool value)
{
  size_t n = strlen(name);
  return strncmp(o, name, n) == 0 && (value ? o[n] == '=' && o[n + 1] : o[n] == '\0');
}

/* The driver's options after its parameter (chrony splits at every ':'):
 * SHM perm=MODE (octal); PPS clear; RTC utc; PHC nocrossts, extpps, pin=N,
 * channel=N, clear (the falling edge of the external pulse); SOCK none. */
static bool driver_options(char *opts, struct rcl_params *out, char *err, size_t err_len)
{
  for (char *o = opts; o; ) {
    char *next = strchr(o, ':');
    if (next)
      *next++ = '\0';
    bool ok = false;
    if (out->driver == PLAT_REFCLOCK_SHM && is_option(o, "perm", true)) {
      char *end;
      long mode = strtol(o + 5, &end, 8);
      ok = !*end && mode >= 0;
      out->option = (int)(mode & 0777);
    } else if (out->driver == PLAT_REFCLOCK_PPS && is_option(o, "clear", false)) {
      ok = true;
      out->option |= PLAT_PPS_CLEAR;
    } else if (out->driver == PLAT_REFCLOCK_RTC && is_option(o, "utc", false)) {
      ok = true;
      out->option |= PLAT_RTC_UTC;
    } else if (out->driver == PLAT_REFCLOCK_PHC && is_option(o, "nocrossts", false)) {
      ok = true;
      out->option |= PLAT_PHC_NOCROSSTS;
    } else if (out->driver == PLAT_REFCLOCK_PHC && is_option(o, "extpps", false)) {
      ok = true;
      out->option |= PLAT_PHC_EXTPPS;
    } else if (out->driver == PLAT_REFCLOCK_PHC && is_option(o, "clear", false)) {
      ok = true;
      out->extts_falling = true;
    } else if (out->driver == PLAT_REFCLOCK_PHC && is_option(o, "pin", true)) {
      long long v;
      ok = conf_to_integer(o + 4, INT_MIN, INT_MAX, &v);
      out->pin = (int)v;
    } else if (out->driver == PLAT_REFCLOCK_PHC && is_option(o, "channel", true)) {
      long long v;
      ok = conf_to_integer(o + 8, 0, INT_MAX, &v);
      out->channel = (int)v;
    }
    if (!ok) {
      snprintf(err, err_len, "Invalid refclock driver option %s", o);
      return false;
    }
    o = next;
  }
  return true;
}

bool conf_refclock_params(const struct conf_refclock *r, unsigned index, struct rcl_params *out,
                          char *err, size_t err_len)
{
  rcl_params_default(out);
  if (strcmp(r->driver, "SOCK") == 0) {
    out->driver = PLAT_REFCLOCK_SOCK;
  } else if (strcmp(r->driver, "SHM") == 0) {
    out->driver = PLAT_REFCLOCK_SHM;
    out->option = 0600;
  } else if (strcmp(r->driver, "PPS") == 0) {
    out->driver = PLAT_REFCLOCK_PPS;
  } else if (strcmp(r->driver, "PHC") == 0) {
    out->driver = PLAT_REFCLOCK_PHC;
  } else if (strcmp(r->driver, "RTC") == 0) {
    out->driver = PLAT_REFCLOCK_RTC;
  } else {
    snprintf(err, err_len, "unknown refclock driver %s", r->driver);
    return false;
  }
  if (strlen(r->param) >= sizeof(out->param)) {
    snprintf(err, err_len, "refclock parameter too long");
    return false;
  }
  strcpy(out->param, r->param);
  char *opts = strchr(out->param, ':');
  if (opts) {
    *opts++ = '\0';
    if (!driver_options(opts, out, err, err_len))
      return false;
  }
  out->refid = r->refid ? r->refid : rcl_default_refid(out->driver, index);
  out->lock_refid = r->lock;
  out->poll = r->poll;
  out->dpoll = r->dpoll;
  out->filter = r->filter;
  out->rate = r->rate;
  out->maxlockage = r->maxlockage;
  out->stratum = r->stratum;
  out->minsamples = r->minsamples;
  out->maxsamples = r->maxsamples;
  out->maxunreach = r->maxunreach;
  out->offset = r->offset;
  out->delay = r->delay;
  out->precision = r->precision;
  out->maxdispersion = r->maxdispersion;
  out->width = r->width;
  out->pps = r->pps;
  out->local = r->local;
  out->tai = r->tai;
  out->noselect = r->noselect;
  out->prefer = r->prefer;
  out->trust = r->trust;
  out->require = r->require;
  return true;
}

bool conf_client_refclock(const struct config *c, unsigned index, struct rcl_params *out,
                          char *err, size_t err_len)
{
  if (!conf_refclock_params(&c->refclocks[index], index, out, err, err_len))
    return false;
  if (out->driver == PLAT_REFCLOCK_RTC && (c->rtcsync || c->rtcfile)) {
    snprintf(err, err_len, "RTC refclock cannot be used together with rtcsync or rtcfile");
    return false;
  }
  if (out->tai && !c->leapsectz && !c->leapseclist) {
    snprintf(err, err_len, "refclock tai option requires leapseclist or leapsectz");
    return false;
  }
  return true;
}

struct hwts_params *conf_client_hwts(const struct config *c)
{
  _Static_assert((int)CONF_RXFILTER_ALL == (int)PLAT_RXFILTER_ALL &&
                     (int)CONF_RXFILTER_PTP == (int)PLAT_RXFILTER_PTP &&
                     (int)CONF_RXFILTER_NTP == (int)PLAT_RXFILTER_NTP &&
                     (int)CONF_RXFILTER_NONE == (int)PLAT_RXFILTER_NONE,
                 "the same filters");
  struct hwts_params *out = calloc(c->n_hwtimestamps + 1, sizeof(*out));
  for (unsigned i = 0; out && i < c->n_hwtimestamps; i++) {
    const struct conf_hwts *h = &c->hwtimestamps[i];
    out[i] = (struct hwts_params){h->iface, h->minpoll, h->maxpoll, h->minsamples,
                                  h->maxsamples, h->precision, h->txcomp, h->rxcomp,
                                  h->nocrossts, (enum plat_rxfilter)h->rxfilter};
  }
  return out;
}

void conf_reference(const struct config *c, int measured, const struct timespec *now,
                    struct refstate *ref)
{
  struct ref_local local;
  ref_state_init(ref, c->clockprecision > 0.0 ? ref_precision_log2(c->clockprecision) : measured);
  conf_ref_local(c, &local);
  ref_set_local(ref, &local, now);
  ref_set_smoothing(ref, c->smoothtime_maxfreq, c->smoothtime_maxwander, c->smoothtime_leaponly);
}

void conf_clog_ratelimit(const struct conf_ratelimit *r, struct clog_ratelimit *out)
{
  *out = (struct clog_ratelimit){r->enabled, r->interval, r->burst, r->leak, r->kod};
}

struct clog_params conf_clog_params(const struct config *c, uint64_t seed)
{
  struct clog_params cp = {.active = !c->noclientlog, .limit = c->clientloglimit, .seed = seed};
  conf_clog_ratelimit(&c->ratelimit, &cp.rate[CLOG_NTP]);
  conf_clog_ratelimit(&c->cmdratelimit, &cp.rate[CLOG_CMD]);
  conf_clog_ratelimit(&c->ntsratelimit, &cp.rate[CLOG_NTSKE]);
  return cp;
}

bool conf_cmdsrv(const struct config *c, struct cmdsrv *srv)
{
  srv->open = c->opencommands;
  for (unsigned i = 0; i < c->cmd_access.n; i++) {
    const struct conf_access *r = &c->cmd_access.items[i];
    if (!access_add(&srv->access, &r->net, r->allow, r->all))
      return false;
  }
  return true;
}
