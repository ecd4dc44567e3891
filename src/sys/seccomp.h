/* seccomp: stratumd's system call filter, chronyd's -F LEVEL (libseccomp).
 *
 * Level 0: no filter. Level 1: an allow-list of the system calls the daemon
 * makes once it is running (the poll loop, UDP and Unix datagram sockets,
 * c-ares's DNS sockets, the clock, the files it writes, signals, exit); any
 * other call kills the process. Level 2: only a few calls that a time daemon
 * never needs (fork, exec, ptrace, module loading, mount...) kill it.
 * A negative level (-1, -2) installs the same list, but a call it would
 * kill for is only logged by the kernel (SCMP_ACT_LOG, the audit log) and
 * made: the way to find what a level would block without losing the daemon.
 *
 * The filter also sets no_new_privs. Install it after everything that
 * needs more (sockets bound, privileges dropped). */
#ifndef STRATUM_SYS_SECCOMP_H
#define STRATUM_SYS_SECCOMP_H

#include <stdbool.h>

#define SECCOMP_LEVEL_MIN (-2)
#define SECCOMP_LEVEL_MAX 2

/* Is level one of -2..2? */
bool scf_level_valid(int level);

/* Load the filter of `level` into the calling process (0: nothing).
 * Returns 0, or a negative errno value. */
int scf_install(int level);

#endif
