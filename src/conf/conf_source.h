/* conf_source: the server, pool and peer directives (NAME [OPTION]...),
 * also used for the lines of sourcedir *.sources files. */
#ifndef STRATUM_CONF_SOURCE_H
#define STRATUM_CONF_SOURCE_H

#include "conf/conf_ctx.h"
#include "conf/conf_fields.h"
#include "core/client_source.h"
#include "proto/cmdmon.h"

void conf_source_defaults(struct conf_source *s, enum conf_source_type type);
/* The table of server/pool/peer options, for tests and documentation. */
const struct conf_field *conf_source_options(size_t *n);

conf_parse_fn conf_server_parse, conf_pool_parse, conf_peer_parse;
/* NAME [OPTION]... of a server, pool or peer line into *s, from the
 * defaults: the words and the options' ranges only (no refusal, no
 * limits). stratumc's add command parses with it too, as chronyc shares
 * chronyd's parser. */
bool conf_source_parse(struct conf_ctx *x, enum conf_source_type type, int argc,
                       const char *const *argv, struct conf_source *s);
/* "server", "pool" or "peer" (any case): false for another word. */
bool conf_source_type_parse(const char *word, enum conf_source_type *type);
/* The source as chronyc 4.8's add request carries it (extfield 10A as
 * chronyc 4.5's F324 flag, ipv4 and ipv6 as 4.6's flags: chronyd 4.3
 * ignores them); false if it has an option the request cannot carry (each
 * has its place today: this keeps a new one from being dropped). */
bool conf_source_to_request(const struct conf_source *s, struct cmd_req_source *q);
/* A request back to the source it carries: CMD_STT_SUCCESS, or
 * CMD_STT_INVALIDNAME or CMD_STT_INVALID for a request no chronyc sends
 * (no name, an unknown type, a port above 65535). */
int conf_source_from_request(const struct cmd_req_source *q, struct conf_source *s);
/* Why the daemon cannot use this source as configured (an error; the
 * source must not be added), or NULL: a peer with `nts`, as stratumd has no
 * NTS for symmetric mode and the peer would run unauthenticated. */
const char *conf_source_refused(const struct conf_source *s);
/* All sources in file order, whatever their type. */
conf_print_fn conf_sources_print;
/* The source's normalised line (type, name, options; where it was written
 * does not matter), malloc'ed; NULL if out of memory. Two sources with the
 * same line are the same source. */
char *conf_source_line(const struct conf_source *s);

#endif
