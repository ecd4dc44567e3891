/* conf_client: the configuration as the parameters of the core's NTP client
 * (core/client.h): its clock and selection directives, and each server,
 * pool or peer line's options. Pure: it reads a parsed configuration and
 * fills the core's structs, nothing else; the owner adds what is not
 * configuration (keys, hooks, the drift file's frequency). */
#ifndef STRATUM_CONF_CLIENT_H
#define STRATUM_CONF_CLIENT_H

#include <stdbool.h>

#include "conf/config.h"
#include "core/client.h"

/* control: adjust the clock (false: -x). */
void conf_client_params(const struct config *c, bool control, struct client_params *p);
/* What the client is given for the source (its name, not its address);
 * with the line's family and, for a pool, maxsources, this is all of it
 * that acts: the other options are `ignored` in the option table. */
void conf_source_client_params(const struct conf_source *s, struct client_source_params *p);

#endif
