/* keys: the keyfile directive loaded for the core (server, sources, -Q). */
#ifndef STRATUM_DAEMON_KEYS_H
#define STRATUM_DAEMON_KEYS_H

#include "conf/keyfile.h"
#include "proto/ntp_mac.h"

/* Load `path` (NULL: no keys) into table and point ring at it. As with
 * chronyd, problems are warnings: bad lines are skipped. Keys of a type
 * that needs OpenSSL (all but MD5) load the OpenSSL module
 * (sys/ossl_load.h) if it is not loaded: if it cannot be, false, after an
 * error naming each such key and its line; those keys are not loaded
 * (missing, as chronyd's key of a hash it was built without). */
bool keys_load(const char *path, struct key_table *table, struct ntp_keyring *ring);

#endif
