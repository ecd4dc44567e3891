/* dumpfile: the text of one dump file (chrony's dumpdir): a source's
 * measurement history, saved at exit and loaded at start with -r. Our own
 * format, versioned, one line per sample:
 *
 *   stratumd-dump 1
 *   source ADDRESS
 *   state STRATUM LEAP ASYMMETRY ASYMMETRY_RUN
 *   samples N
 *   SEC NSEC OFFSET ORIG_OFFSET PEER_DELAY PEER_DISPERSION ROOT_DELAY ROOT_DISPERSION
 *   ... (N sample lines, oldest first)
 *
 * Fields are separated by single spaces, every line ends with a newline;
 * times are the local clock's (seconds and nanoseconds), the other values
 * seconds as written by "%.17g" (read back exactly). The values are those
 * of struct sst_dump, in its sign convention. Pure: no OS calls. */
#ifndef STRATUM_CORE_DUMPFILE_H
#define STRATUM_CORE_DUMPFILE_H

#include <stddef.h>

#include "core/addr.h"
#include "core/srcstats.h"

#define DUMPFILE_MAX_LEN 32768    /* SST_MAX_SAMPLES lines fit easily */

struct dumpfile {
  struct ip_addr addr;            /* the source's */
  struct sst_dump stats;
};

enum dumpfile_status {
  DUMPFILE_OK,
  DUMPFILE_OTHER_VERSION,         /* the first line is not "stratumd-dump 1" */
  DUMPFILE_CORRUPT,
};

/* Accepts exactly the format above with values sst_import() accepts
 * (sst_dump_valid). On failure *line is the first bad line (1-based) and
 * out is unspecified. */
enum dumpfile_status dumpfile_parse(const char *text, struct dumpfile *out, int *line);
/* Returns the length written (< cap, NUL-terminated), or 0 if it does not
 * fit or d->stats is not valid. */
size_t dumpfile_format(char *buf, size_t cap, const struct dumpfile *d);

#endif
