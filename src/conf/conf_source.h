/* conf_source: the server, pool and peer directives (NAME [OPTION]...),
 * also used for the lines of sourcedir *.sources files. */
#ifndef STRATUM_CONF_SOURCE_H
#define STRATUM_CONF_SOURCE_H

#include "conf/conf_ctx.h"
#include "conf/conf_fields.h"
#include "core/client.h"

void conf_source_defaults(struct conf_source *s, enum conf_source_type type);
/* The table of server/pool/peer options, for tests and documentation. */
const struct conf_field *conf_source_options(size_t *n);

conf_parse_fn conf_server_parse, conf_pool_parse, conf_peer_parse;
/* Why the daemon cannot use this source as configured (an error; the
 * source must not be added), or NULL: with `nts`, because this build has no
 * NTS and the source would run unauthenticated. */
const char *conf_source_refused(const struct conf_source *s);
/* All sources in file order, whatever their type. */
conf_print_fn conf_sources_print;
/* The source's normalised line (type, name, options; where it was written
 * does not matter), malloc'ed; NULL if out of memory. Two sources with the
 * same line are the same source. */
char *conf_source_line(const struct conf_source *s);

#endif
