/* sources: the server, pool and peer lines of the configuration and of
 * sourcedir files fed to the core's source list (core/srclist.h, which
 * resolves names, fills and trims pools and replaces bad sources): at
 * start, from chronyc's add command, and at a reload of the sourcedir
 * files. Sources that cannot be added are logged, the first few by name. */
#ifndef STRATUM_DAEMON_SOURCES_H
#define STRATUM_DAEMON_SOURCES_H

#include "conf/config.h"
#include "core/srclist.h"

/* Every source of cfg. */
void sources_add(struct srclist *l, const struct config *cfg);
/* One source (chronyc's add): SRCLIST_KNOWN if its address is a source
 * already. */
enum srclist_result sources_add_one(struct srclist *l, const struct conf_source *cs);
/* The lines of `old` missing from `now` go, with their sources; the lines
 * of `now` missing from `old` are added. */
void sources_reload(struct srclist *l, const struct config *old, const struct config *now);

#endif
