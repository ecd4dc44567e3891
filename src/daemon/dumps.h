/* dumps: chronyd's dumpdir. Each source's measurement history is written to
 * DIR/ADDRESS.dat (chronyd's names) at exit, and loaded at start with -r, so
 * a restarted daemon is synchronised again at its first new sample. As with
 * chronyd, every dump file in the directory (created by layout.h) is
 * removed after start, loaded or not, so a later -r never loads a stale
 * one. A file from another version, a corrupt one or one naming another
 * source is ignored with a warning. */
#ifndef STRATUM_DAEMON_DUMPS_H
#define STRATUM_DAEMON_DUMPS_H

#include <stdbool.h>

#include "core/client.h"

/* At start, after the sources are added and before the client starts.
 * dir NULL: nothing. */
void dumps_load(const char *dir, struct client *c, bool reload);
/* Write the file of every source that has samples (atomically, 0644). */
void dumps_save(const char *dir, const struct client *c);

#endif
