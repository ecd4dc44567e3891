/* conf_source: the server, pool and peer directives (NAME [OPTION]...),
 * also used for the lines of sourcedir *.sources files. */
#ifndef STRATUM_CONF_SOURCE_H
#define STRATUM_CONF_SOURCE_H

#include "conf/conf_ctx.h"

void conf_source_defaults(struct conf_source *s, enum conf_source_type type);

conf_parse_fn conf_server_parse, conf_pool_parse, conf_peer_parse;
/* All sources in file order, whatever their type. */
conf_print_fn conf_sources_print;
/* Same type, name and options (where they were written does not matter). */
bool conf_source_equal(const struct conf_source *a, const struct conf_source *b);

#endif
