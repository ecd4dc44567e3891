#include "conf/conf_client.h"

#include <stdio.h>
#include <string.h>

_Static_assert(CONF_LEAPSEC_SYSTEM == (int)REF_LEAP_SYSTEM &&
                   CONF_LEAPSEC_SLEW == (int)REF_LEAP_SLEW &&
                   CONF_LEAPSEC_STEP == (int)REF_LEAP_STEP &&
                   CONF_LEAPSEC_IGNORE == (int)REF_LEAP_IGNORE,
               "leapsecmode: conf's order is the reference's");

void conf_client_params(const struct config *c, bool control, struct client_params *p)
{
  client_params_defaults(p);
  p->control = control;
  p->makestep_threshold = c->makestep_threshold;
  p->makestep_limit = c->makestep_limit;
  p->logchange = c->logchange;
  p->maxslewrate = c->maxslewrate;
  p->maxdrift = c->maxdrift;
  p->maxupdateskew = c->maxupdateskew;
  p->corrtimeratio = c->corrtimeratio;
  p->selection.max_distance = c->maxdistance;
  p->selection.max_jitter = c->maxjitter;
  p->selection.min_sources = c->minsources;
  p->selection.combine_limit = c->combinelimit;
  p->selection.stratum_weight = c->stratumweight;
  p->selection.reselect_dist = c->reselectdist;
  p->maxchange_offset = c->maxchange_offset;
  p->maxchange_start = c->maxchange_start;
  p->maxchange_ignore = c->maxchange_ignore;
  p->acquisitionport = c->acquisitionport;
  p->leapmode = (enum ref_leapmode)c->leapsecmode;
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

void conf_clog_ratelimit(const struct conf_ratelimit *r, struct clog_ratelimit *out)
{
  *out = (struct clog_ratelimit){r->enabled, r->interval, r->burst, r->leak, r->kod};
}
