/* conf_log: log [measurements|rawmeasurements|statistics|tracking|rtc|
 * refclocks|tempcomp|selection]...; repeated directives add up. */
#ifndef STRATUM_CONF_LOG_H
#define STRATUM_CONF_LOG_H

#include "conf/conf_ctx.h"

conf_parse_fn conf_log_parse;
conf_print_fn conf_log_print;

#endif
