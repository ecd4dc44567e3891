/* query_mode: stratumd -Q measures the offset against the configured
 * servers and prints it, never touching the clock (as chronyd -Q); -q also
 * steps the clock by it once (as chronyd -q), unless -x. Peers are never
 * measured, as by chronyd -Q/-q: with only peer lines, it waits for -t. */
#ifndef STRATUM_DAEMON_QUERY_MODE_H
#define STRATUM_DAEMON_QUERY_MODE_H

#include "conf/config.h"
#include "daemon/options.h"

/* Returns the process exit status. */
int query_mode_run(const struct config *cfg, const struct options *opts);

#endif
