/* conf_diff: what a reload would change, directive by directive.
 *
 * Each entry of the directive table (conf_directives.h) is printed as -p
 * prints it, from the running configuration and from the new one; an entry
 * whose lines differ is a change, with the lines removed and added. A
 * directive the daemon applies at run time (the table's `runtime`) is
 * compared with the configuration last applied; any other with the one the
 * daemon started with, as only a restart would apply it (so it keeps being
 * reported until then). Entries printed by another are reported by it:
 * server stands for server, pool and peer; allow for allow and deny;
 * cmdallow for cmdallow and cmddeny. Pure. */
#ifndef STRATUM_CONF_DIFF_H
#define STRATUM_CONF_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"

enum conf_change {
  CONF_CHANGE_APPLY,            /* the daemon applies it */
  CONF_CHANGE_RESTART           /* it needs a restart */
};

struct conf_diff_item {
  const char *directive;        /* the table's name */
  enum conf_change change;
  const char *file;             /* where it is written in the new configuration, */
  int line;                     /* or was in the old one (removed); NULL: nowhere */
  bool removed;                 /* file:line is the old configuration's */
  struct conf_strings before, after;  /* lines only in the old, only in the new */
};

struct conf_diff {
  struct conf_diff_item *items;
  unsigned n;
};

/* started: the configuration the daemon started with; applied: the one
 * its last reload applied (the same at first); next: the new one. */
void conf_diff_compute(const struct config *started, const struct config *applied,
                       const struct config *next, struct conf_diff *out);
void conf_diff_free(struct conf_diff *d);
/* The change of a directive (by table name), NULL if none. */
const struct conf_diff_item *conf_diff_find(const struct conf_diff *d, const char *directive);
/* An item's summary: "FILE:LINE: DIRECTIVE: run-time change" (or "needs a
 * restart"; "(removed)" when
 * the line is the old configuration's). */
void conf_diff_describe(const struct conf_diff_item *it, char *buf, size_t size);

#endif
