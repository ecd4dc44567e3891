/* config: defaults, freeing, the entry points of parsing, and printing. */
#include "conf/config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_directives.h"
#include "conf/conf_include.h"
#include "conf/conf_lexer.h"
#include "conf/conf_mem.h"
#include "conf/conf_nts.h"
#include "conf/conf_parse.h"
#include "conf/conf_refclock.h"
#include "conf/conf_service.h"
#include "core/client.h"
#include "core/clientlog.h"
#include "proto/cmdmon.h"
#include "proto/ntp_packet.h"

void conf_init(struct config *c)
{
  memset(c, 0, sizeof(*c));
  c->port = NTP_PORT;
  conf_local_defaults(c);

  c->acquisitionport = -1;  /* as client_params_defaults: a fresh socket per request */
  c->minsamples = SST_DEFAULT_MIN_SAMPLES;
  c->maxsamples = SST_DEFAULT_MAX_SAMPLES;
  conf_ntsaeads_defaults(c);
  c->ntsrefresh = 2419200;
  c->refresh = 1209600;

  /* What the client acts on starts from the client's defaults. */
  struct client_params d;
  client_params_defaults(&d);
  c->authselectmode = CONF_AUTHSELECT_MIX;
  c->combinelimit = d.selection.combine_limit;
  c->maxdistance = d.selection.max_distance;
  c->maxjitter = d.selection.max_jitter;
  c->maxstratum = 15;
  c->minsources = d.selection.min_sources;
  c->reselectdist = d.selection.reselect_dist;
  c->stratumweight = d.selection.stratum_weight;

  c->corrtimeratio = d.corrtimeratio;
  c->driftfile_interval = CONF_DEFAULT_DRIFTFILE_INTERVAL;
  c->leapsecmode = CONF_LEAPSEC_SYSTEM;
  c->maxchange_start = d.maxchange_start;
  c->maxclockerror = d.selection.max_clock_error * 1e6;   /* ppm */
  c->maxdrift = d.maxdrift;
  c->maxupdateskew = d.maxupdateskew;
  c->maxslewrate = d.maxslewrate;

  c->clientloglimit = CLOG_DEFAULT_LIMIT;
  c->ntsport = CONF_DEFAULT_NTSPORT;
  c->ntsprocesses = 1;
  c->maxntsconnections = 100;
  c->ntsrotate = 604800;
  c->ratelimit = (struct conf_ratelimit){.interval = 3, .burst = 8, .leak = 2};
  c->ntsratelimit = (struct conf_ratelimit){.interval = 6, .burst = 8, .leak = 2};

  c->bindcmdpath = conf_xstrdup(CONF_DEFAULT_CMDSOCKET);
  c->cmdport = CMD_DEFAULT_PORT;
  c->cmdratelimit = (struct conf_ratelimit){.interval = -4, .burst = 8, .leak = 2};
  c->opencommands = CONF_OPEN_DEFAULT;

  c->rtcdevice = conf_xstrdup(CONF_DEFAULT_RTCDEVICE);

  c->logbanner = 32;
  c->logchange = 1.0;

  c->hwtstimeout = 0.001;
  c->pidfile = conf_xstrdup(CONF_DEFAULT_PIDFILE);
  c->ptpdomain = 123;
  c->user = conf_xstrdup(CONF_DEFAULT_USER);
}

void conf_free(struct config *c)
{
  char **strings[] = {
    &c->bindacqdevice, &c->dumpdir, &c->ntsdumpdir, &c->driftfile, &c->leapsectz,
    &c->leapseclist, &c->tempcomp_sensor, &c->tempcomp_points, &c->binddevice,
    &c->ntpsigndsocket, &c->ntsntpserver, &c->bindcmdpath, &c->bindcmddevice,
    &c->hwclockfile, &c->rtcdevice, &c->rtcfile, &c->logdir, &c->mailonchange_address,
    &c->keyfile, &c->pidfile, &c->user,
  };
  for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
    free(*strings[i]);

  for (unsigned i = 0; i < c->n_refclocks; i++)
    conf_refclock_free(&c->refclocks[i]);
  for (unsigned i = 0; i < c->n_hwtimestamps; i++)
    conf_hwts_free(&c->hwtimestamps[i]);
  for (unsigned i = 0; i < c->n_ntstrustedcerts; i++)
    free(c->ntstrustedcerts[i].path);
  for (unsigned i = 0; i < c->n_sourcedirs; i++)
    conf_strings_free(&c->sourcedirs[i]);

  for (unsigned i = 0; i < c->access.n; i++)
    free(c->access.items[i].name);
  for (unsigned i = 0; i < c->cmd_access.n; i++)
    free(c->cmd_access.items[i].name);
  free(c->access.items);
  free(c->cmd_access.items);
  free(c->sources);
  free(c->refclocks);
  free(c->hwtimestamps);
  free(c->ntstrustedcerts);
  free(c->sourcedirs);
  free(c->broadcasts);
  free(c->ntsaeads);
  free(c->where);
  conf_strings_free(&c->initstepslew_hosts);
  conf_strings_free(&c->ntsservercert);
  conf_strings_free(&c->ntsserverkey);
  conf_strings_free(&c->files);
  memset(c, 0, sizeof(*c));
}

void conf_parse_buffer(struct config *c, const char *text, size_t len, const char *name,
                       struct conf_diag *d, struct conf_loader *loader)
{
  struct conf_ctx x = {.diag = d, .file = conf_intern(c, name), .loader = loader};
  struct conf_line line;
  size_t pos = 0;
  for (x.line = 1; x.line < INT_MAX && conf_next_line(text, len, &pos, &line); x.line++)
    conf_directives_parse_line(&x, c, &line);
}

int conf_parse_text(struct config *c, const char *text, size_t len, const char *name,
                    struct conf_diag *d)
{
  unsigned before = d->n_errors;
  conf_parse_buffer(c, text, len, name, d, NULL);
  return (int)(d->n_errors - before);
}

int conf_parse_line(struct config *c, const char *line, const char *name, int lineno,
                    struct conf_diag *d)
{
  unsigned before = d->n_errors;
  struct conf_ctx x = {.diag = d, .file = conf_intern(c, name), .line = lineno};
  struct conf_line l = {.start = line, .len = strlen(line)};
  conf_directives_parse_line(&x, c, &l);
  return (int)(d->n_errors - before);
}

int conf_load_file(struct config *c, const char *path, struct conf_diag *d)
{
  unsigned before = d->n_errors;
  conf_include_load(c, path, d);
  return (int)(d->n_errors - before);
}

void conf_print(const struct config *c, FILE *out)
{
  conf_directives_print(c, out);
}
