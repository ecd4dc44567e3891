/* conf_service: how the daemon serves: local reference (local), rate
 * limits (ratelimit, ntsratelimit, cmdratelimit), monitoring commands open
 * to the network (opencommands) and its PID file (pidfile). */
#ifndef STRATUM_CONF_SERVICE_H
#define STRATUM_CONF_SERVICE_H

#include "conf/conf_ctx.h"

/* local's defaults (also what conf_init uses). */
void conf_local_defaults(struct config *c);

conf_parse_fn conf_local_parse, conf_ratelimit_parse, conf_ntsratelimit_parse,
  conf_cmdratelimit_parse, conf_opencommands_parse, conf_pidfile_parse;
conf_print_fn conf_local_print, conf_ratelimit_print, conf_ntsratelimit_print,
  conf_cmdratelimit_print, conf_opencommands_print, conf_pidfile_print;

#endif
