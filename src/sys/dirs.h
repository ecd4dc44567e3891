/* dirs: the daemon's directories (command socket, pidfile, logdir, dumpdir,
 * ntsdumpdir). Missing ones are created with the narrowest mode and given to
 * the daemon's user, and existing ones are checked before use, so no other
 * user can reach the command socket or place files the daemon would trust. */
#ifndef STRATUM_SYS_DIRS_H
#define STRATUM_SYS_DIRS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The directory part of path ("a/b/c" -> "a/b", "c" -> "."); false if it
 * does not fit in size bytes. */
bool dirs_parent(const char *path, char *dir, size_t size);

/* Create path and its missing parents. The last component gets `mode`,
 * owner uid and group gid; each missing parent 0750 with group gid (never
 * world-accessible, but the daemon's user can pass). Logs and returns false
 * on failure (a directory whose ownership cannot be set is removed again). */
bool dirs_create(const char *path, mode_t mode, uid_t uid, gid_t gid);

/* chronyd's check of the command socket's directory: a directory, no
 * permission outside perm, owned by uid and group gid. Logs what is wrong. */
bool dirs_check_exact(const char *path, mode_t perm, uid_t uid, gid_t gid);

/* A directory whose files the daemon reads or appends to: owned by root or
 * uid, not writable by others, group-writable only for group 0 or gid.
 * Logs what is wrong. */
bool dirs_check_private(const char *path, uid_t uid, gid_t gid);

#endif
