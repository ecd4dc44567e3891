/* conf_refclock: refclock DRIVER PARAMETER[:OPTION]... [OPTION]...
 * and hwtimestamp INTERFACE [OPTION]... (hardware clocks). */
#ifndef STRATUM_CONF_REFCLOCK_H
#define STRATUM_CONF_REFCLOCK_H

#include "conf/conf_ctx.h"

conf_parse_fn conf_refclock_parse, conf_hwtimestamp_parse;
conf_print_fn conf_refclock_print, conf_hwtimestamp_print;

void conf_refclock_free(struct conf_refclock *r);
void conf_hwts_free(struct conf_hwts *h);

#endif
