/* pidfile: the daemon's PID file (the pidfile directive). The file is
 * locked (fcntl) for the daemon's lifetime, so a second daemon on the same
 * file refuses to start, with chronyd's message naming the other pid, and a
 * file left by a crash is simply taken over. Its directory is prepared by
 * daemon/layout.h; the file is opened without following symlinks, refused
 * if another user owns it, and removed at exit (emptied when the daemon,
 * no longer root, may not remove it). */
#ifndef STRATUM_SYS_PIDFILE_H
#define STRATUM_SYS_PIDFILE_H

#include <stdbool.h>

struct pidfile {
  const char *path;              /* NULL: none held */
  int fd;
};

/* Before detaching (messages still reach the terminal): false, and the
 * reason logged, if a live process holds the lock. path NULL: true. */
bool pidfile_check(const char *path);
/* Create, lock and write the file; false (logged) if another process holds
 * it or it cannot be written. path NULL: nothing to do, true. */
bool pidfile_open(struct pidfile *pf, const char *path);
/* Remove the file and release the lock (nothing if none is held). */
void pidfile_close(struct pidfile *pf);

#endif
