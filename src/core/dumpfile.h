/* dumpfile: the text of one dump file (chrony's dumpdir): a source's
 * measurement history, saved at exit and loaded at start with -r, in
 * chronyd 4.x's format, so that chronyd -r loads stratumd's files and
 * stratumd loads chronyd's:
 *
 *   SRC0
 *   NAME                          (as configured; "." for a refclock)
 *   AUTH REACH REACH_SIZE STRATUM LEAP      (REACH in octal)
 *   N ASYMMETRY_RUN
 *   SEC.NSEC OFFSET ORIG_OFFSET PEER_DELAY PEER_DISP ROOT_DELAY ROOT_DISP
 *   ... (N sample lines, oldest first, 1 <= N <= 64)
 *
 * Times are the local clock's; offsets are in chrony's sign (local minus
 * server, the opposite of struct sst_dump's, converted here); values are
 * written as chronyd writes them ("%.6e"), so a round trip keeps seven
 * significant digits. chronyd's checks on loading are kept: stratum below
 * 16, leap 0-2, at least one sample. The asymmetry estimate is not in the
 * file (chronyd keeps only its run); it is estimated again. Pure. */
#ifndef STRATUM_CORE_DUMPFILE_H
#define STRATUM_CORE_DUMPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/srcstats.h"

#define DUMPFILE_MAX_LEN 32768    /* SST_MAX_SAMPLES lines fit easily */
#define DUMPFILE_NAME_LEN 256

struct dumpfile {
  char name[DUMPFILE_NAME_LEN];   /* one word */
  bool authenticated;
  uint8_t reach;
  int reach_size;                 /* 0..8 */
  struct sst_dump stats;          /* this core's signs */
};

enum dumpfile_status {
  DUMPFILE_OK,
  DUMPFILE_OTHER_VERSION,         /* the first line is not "SRC0" */
  DUMPFILE_CORRUPT,
};

/* Accepts exactly the format above with values sst_import() accepts
 * (sst_dump_valid). On failure *line is the first bad line (1-based) and
 * out is unspecified. */
enum dumpfile_status dumpfile_parse(const char *text, struct dumpfile *out, int *line);
/* Returns the length written (< cap, NUL-terminated), or 0 if it does not
 * fit, the name is not one word, or d->stats is not valid or empty. */
size_t dumpfile_format(char *buf, size_t cap, const struct dumpfile *d);

#endif
