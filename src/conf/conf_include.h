/* conf_include: configuration read from files: include PATTERN (glob),
 * confdir DIR... (*.conf, a name found in an earlier directory wins, files
 * read in name order), sourcedir DIR... (stored; *.sources read on request)
 * and the file reader behind conf_load_file.
 *
 * Includes nest at most CONF_MAX_INCLUDE_DEPTH files deep (as chrony), a
 * file that is already being read cannot be included again (a loop), and
 * one load reads at most CONF_MAX_FILES files of at most CONF_MAX_FILE_SIZE
 * bytes each. */
#ifndef STRATUM_CONF_INCLUDE_H
#define STRATUM_CONF_INCLUDE_H

#include "conf/conf_ctx.h"

#define CONF_MAX_INCLUDE_DEPTH 10
#define CONF_MAX_CONF_DIRS 10
#define CONF_MAX_FILES 1000
#define CONF_MAX_FILE_SIZE (4 * 1024 * 1024)

/* Read and parse a top-level file. */
void conf_include_load(struct config *c, const char *path, struct conf_diag *d);

conf_parse_fn conf_include_parse, conf_confdir_parse, conf_sourcedir_parse;
conf_print_fn conf_sourcedir_print;

#endif
