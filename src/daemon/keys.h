/* keys: the keyfile directive loaded for the core (server, sources, -Q). */
#ifndef STRATUM_DAEMON_KEYS_H
#define STRATUM_DAEMON_KEYS_H

#include "conf/keyfile.h"
#include "proto/ntp_mac.h"

/* Load `path` (NULL: no keys) into table and point ring at it. As with
 * chronyd, problems are warnings: bad lines are skipped. */
void keys_load(const char *path, struct key_table *table, struct ntp_keyring *ring);

#endif
