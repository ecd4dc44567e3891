/* sources: the configured server/pool/peer lines turned into the core
 * client's sources (names resolved at start-up) and its parameters. */
#ifndef STRATUM_DAEMON_SOURCES_H
#define STRATUM_DAEMON_SOURCES_H

#include "conf/config.h"
#include "core/client.h"

void sources_client_params(const struct config *cfg, bool control, struct client_params *p);
/* Resolve and add every source; returns how many were added. */
unsigned sources_add_all(const struct config *cfg, int family, struct client *c);

#endif
