/* layout: the daemon's directories before it opens anything in them, as
 * chronyd prepares them. Missing ones are created for the daemon's user:
 * the command socket's 0770, the pidfile's, logdir, dumpdir and ntsdumpdir 0750. The socket's directory must then be exactly that (chronyd's check);
 * the others must not be writable by other users. A directory that fails
 * its check is not used: its feature is disabled with a message (for the
 * pidfile, start-up fails). */
#ifndef STRATUM_DAEMON_LAYOUT_H
#define STRATUM_DAEMON_LAYOUT_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf/config.h"

/* Clears (frees and NULLs) cfg->bindcmdpath, logdir, dumpdir or ntsdumpdir when its
 * directory is unsafe. False: the pidfile's directory is. */
bool layout_prepare(struct config *cfg, uid_t uid, gid_t gid);

#endif
