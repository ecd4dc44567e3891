/* initstep: the initstepslew directive's hosts, resolved now, blocking, as
 * chronyd resolves them when it reads the line; a name that does not
 * resolve is warned about and skipped. core/initslew.h does the rest. (-R
 * clears the directive.) */
#ifndef STRATUM_DAEMON_INITSTEP_H
#define STRATUM_DAEMON_INITSTEP_H

#include "conf/config.h"
#include "core/initslew.h"

/* The hosts resolved (0 without the directive); their names point into
 * cfg. */
unsigned initstep_resolve(const struct config *cfg, int family,
                          struct initslew_host hosts[INITSLEW_MAX_HOSTS]);

#endif
