#include "daemon/sources.h"

#include <stdio.h>

#include "sys/log.h"
#include "sys/resolve.h"

/* A pool contributes at most this many addresses (chrony's limit). */
#define MAX_POOL_SOURCES 16

void sources_client_params(const struct config *cfg, bool control, struct client_params *p)
{
  client_params_defaults(p);
  p->control = control;
  p->makestep_threshold = cfg->makestep_threshold;
  p->makestep_limit = cfg->makestep_limit;
  p->maxslewrate = cfg->maxslewrate;
  p->maxdrift = cfg->maxdrift;
  p->maxupdateskew = cfg->maxupdateskew;
  p->corrtimeratio = cfg->corrtimeratio;
  p->maxdistance = cfg->maxdistance;
  p->maxjitter = cfg->maxjitter;
  p->minsources = cfg->minsources;
  p->combinelimit = cfg->combinelimit;
  p->stratumweight = cfg->stratumweight;
  p->reselectdist = cfg->reselectdist;
}

static void source_params(const struct conf_source *s, struct client_source_params *p)
{
  client_source_defaults(p);
  snprintf(p->name, sizeof(p->name), "%s", s->name);
  p->port = s->port;
  p->minpoll = s->minpoll;
  p->maxpoll = s->maxpoll;
  p->polltarget = s->polltarget;
  p->iburst = s->iburst;
  p->burst = s->burst;
  p->prefer = s->prefer;
  p->noselect = s->noselect;
  p->trust = s->trust;
  p->require = s->require;
  p->offline = s->offline;
  p->version = s->version;      /* 0: chosen from the key, as chrony */
  p->key = s->key;
  p->minstratum = s->minstratum;
  p->minsamples = s->minsamples;
  p->maxsamples = s->maxsamples;
  p->maxdelay = s->maxdelay;
  p->maxdelayratio = s->maxdelayratio;
  p->maxdelaydevratio = s->maxdelaydevratio;
  p->mindelay = s->mindelay;
  p->asymmetry = s->asymmetry;
  p->offset = s->offset;
}

unsigned sources_add_all(const struct config *cfg, int family, struct client *c)
{
  unsigned added = 0;
  for (unsigned i = 0; i < cfg->n_sources; i++) {
    const struct conf_source *s = &cfg->sources[i];
    struct ip_addr addrs[MAX_POOL_SOURCES];
    struct client_source_params p;
    int want = s->type == CONF_POOL ? s->maxsources : 1;
    if (want > MAX_POOL_SOURCES)
      want = MAX_POOL_SOURCES;
    if (s->family != ADDR_UNSPEC)
      family = s->family;
    int found = resolve_name(s->name, family, addrs, want);
    if (found == 0)
      log_printf(PLAT_LOG_WARN, "Could not resolve address of %s", s->name);
    source_params(s, &p);
    for (int a = 0; a < found; a++) {
      p.addr = addrs[a];
      if (client_add_source(c, &p) >= 0)
        added++;
    }
  }
  return added;
}
