#include "conf/conf_client.h"

#include <stdio.h>
#include <string.h>

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
  if (c->have_bindacq4)
    p->bindacq[0] = c->bindacq4;
  if (c->have_bindacq6)
    p->bindacq[1] = c->bindacq6;
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
