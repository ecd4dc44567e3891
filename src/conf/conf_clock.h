/* conf_clock: system clock directives whose arguments are not a plain list
 * of values: driftfile FILE [interval N], tempcomp (two forms) and
 * initstepslew THRESHOLD [HOST]... */
#ifndef STRATUM_CONF_CLOCK_H
#define STRATUM_CONF_CLOCK_H

#include "conf/conf_ctx.h"

conf_parse_fn conf_driftfile_parse, conf_tempcomp_parse, conf_initstepslew_parse;
conf_print_fn conf_driftfile_print, conf_tempcomp_print, conf_initstepslew_print;

#endif
