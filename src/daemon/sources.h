/* sources: the server, pool and peer lines of the configuration and of
 * sourcedir files fed to the core's source list (core/srclist.h, which
 * resolves names, fills and trims pools and replaces bad sources): at
 * start, from chronyc's add command, and at a reload of the sourcedir
 * files or of the whole configuration. Sources that cannot be added are logged, the first few by name. */
#ifndef STRATUM_DAEMON_SOURCES_H
#define STRATUM_DAEMON_SOURCES_H

#include <stdbool.h>

#include "conf/config.h"
#include "core/srclist.h"

/* Every source of cfg; from_files: of sourcedir files, whose additions
 * chronyd 4.8 logs even at start (it reads them in its LOGC_SourceFile
 * context), as a reload's. */
void sources_add(struct srclist *l, const struct config *cfg, bool from_files);
/* One source (chronyc's add): SRCLIST_KNOWN if its address is a source
 * already. */
enum srclist_result sources_add_one(struct srclist *l, const struct conf_source *cs);
/* A reload of the configuration or of its sourcedir files: the server,
 * pool and peer lines of the old configuration file and sourcedir files
 * (the config sourcedirs were read into) missing from the new ones go,
 * with their sources; the new lines missing from the old are added. A line
 * in both keeps its sources, with their samples and reach, even if it
 * moved from one file to another. */
void sources_reload(struct srclist *l, const struct config *old_conf, const struct config *old_dir,
                    const struct config *new_conf, const struct config *new_dir);

#endif
