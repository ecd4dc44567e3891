/* privileges: dropping root after the privileged sockets are bound. */
#ifndef STRATUM_SYS_PRIVILEGES_H
#define STRATUM_SYS_PRIVILEGES_H

#include <stdbool.h>

/* Switch to `user` (its uid, gid and supplementary groups). With
 * keep_clock, CAP_SYS_TIME stays effective (and nothing else), so the
 * daemon can still adjust the clock. Returns false with errno set on
 * failure; a no-op returning true when user is "root". */
bool priv_drop(const char *user, bool keep_clock);

#endif
