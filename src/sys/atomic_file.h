/* atomic_file: replace a file so that readers (and a crash at any moment)
 * see either the old content or the new, never a mix or an empty file:
 * a new temporary file in the same directory, opened without following
 * symlinks, written, fsync'd, renamed over the old one, then the directory
 * fsync'd. On any failure the old file is left as it was. */
#ifndef STRATUM_SYS_ATOMIC_FILE_H
#define STRATUM_SYS_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Returns 0 or -errno. */
int atomic_file_write(const char *path, const void *data, size_t len, mode_t mode);

/* Read a whole regular file of at most max bytes into buf (NUL-terminated,
 * so buf holds max + 1). Returns the length or -errno (-EFBIG if larger). */
ssize_t atomic_file_read(const char *path, char *buf, size_t max);

#endif
