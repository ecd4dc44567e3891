/* children: the daemon's helper processes (the NTS-KE helpers, the mail
 * helper), waited for as they exit so that none is left a zombie: their
 * ids are registered when forked, SIGCHLD (delivered by the loop) reaps
 * those that have ended, and an end that was not asked for is logged.
 * At exit, after the helpers' pipes are closed, children_wait gives them
 * a bounded time to finish (a mail being sent, the helpers' counts
 * logged) before the daemon goes. */
#ifndef STRATUM_SYS_CHILDREN_H
#define STRATUM_SYS_CHILDREN_H

#include <stdbool.h>
#include <sys/types.h>

#include "sys/loop.h"

#define CHILDREN_MAX 1024          /* ntsprocesses goes to 1000, and the mailer */

/* A helper forked by the daemon; `name` (static) is how its end is
 * logged. False (the process then not waited for) when the table is full. */
bool children_add(pid_t pid, const char *name);
/* Reap on SIGCHLD from now on (and those already ended). 0 or -errno. */
int children_watch(struct loop *l);
/* Wait up to `timeout` s for every registered helper to end; those still
 * running are left (to init). Ends are no longer logged as unexpected. */
void children_wait(double timeout);

#endif
