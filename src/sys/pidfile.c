#include "sys/pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/platform.h"
#include "sys/log.h"

/* Opening the file again when its holder removed it between our open and
 * our lock: a bounded number of times. */
#define OPEN_TRIES 3

static void log_other(const char *path, pid_t pid)
{
  log_printf(PLAT_LOG_FATAL, "Another stratumd may already be running (pid=%d), check %s",
             (int)pid, path);
}

/* Whether another process holds a lock on fd's file, and which. */
static bool lock_holder(int fd, pid_t *pid)
{
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
    return false;
  *pid = fl.l_pid;
  return true;
}

bool pidfile_check(const char *path)
{
  pid_t other;
  if (!path)
    return true;
  /* Problems opening it are pidfile_open's to report. */
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return true;
  bool held = lock_holder(fd, &other);
  close(fd);
  if (held)
    log_other(path, other);
  return !held;
}

/* Lock fd, the file opened as path. Returns 1 when locked, 0 when the file
 * went away meanwhile (its holder removed it: open it again), -EAGAIN when
 * another process holds it (*other), or -errno. */
static int lock_file(int fd, const char *path, pid_t *other)
{
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  struct stat a, b;
  if (fstat(fd, &a) < 0)
    return -errno;
  if (!S_ISREG(a.st_mode))
    return -EINVAL;
  if (a.st_uid != geteuid())
    return -EPERM;                        /* placed by another user */
  if (fcntl(fd, F_SETLK, &fl) < 0) {
    if (errno != EAGAIN && errno != EACCES)
      return -errno;
    return lock_holder(fd, other) ? -EAGAIN : 0;
  }
  if (lstat(path, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
    return 0;
  return 1;
}

static int write_pid(int fd)
{
  char buf[32];
  int len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
  if (ftruncate(fd, 0) < 0)
    return -errno;
  ssize_t n = pwrite(fd, buf, (size_t)len, 0);
  if (n < 0)
    return -errno;
  return n == len ? 0 : -EIO;
}

bool pidfile_open(struct pidfile *pf, const char *path)
{
  pid_t other = 0;
  int r = 0, fd = -1;
  pf->path = NULL;
  pf->fd = -1;
  if (!path)
    return true;
  for (int i = 0; i < OPEN_TRIES && r == 0; i++) {
    if (fd >= 0)
      close(fd);
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    r = fd < 0 ? -errno : lock_file(fd, path, &other);
  }
  if (r == 1)
    r = write_pid(fd);
  else if (r == 0)
    r = -EBUSY;
  if (r < 0) {
    if (r == -EAGAIN)
      log_other(path, other);
    else if (r == -EPERM)
      log_printf(PLAT_LOG_FATAL, "Wrong owner of %s (%s != %u)", path, "UID", (unsigned)geteuid());
    else
      log_printf(PLAT_LOG_FATAL, "Could not write %s : %s", path, strerror(-r));
    if (fd >= 0)
      close(fd);
    return false;
  }
  pf->path = path;
  pf->fd = fd;
  return true;
}

void pidfile_close(struct pidfile *pf)
{
  if (!pf->path)
    return;
  /* After -u the directory may not let us remove it: emptied, it names no
   * process, and the lock that matters goes with us. */
  if (unlink(pf->path) < 0 && errno != ENOENT) {
    int err = errno;
    bool emptied = ftruncate(pf->fd, 0) == 0;
    log_printf(emptied ? PLAT_LOG_INFO : PLAT_LOG_WARN, "Could not remove %s : %s%s", pf->path,
               strerror(err), emptied ? " (left empty)" : "");
  }
  close(pf->fd);
  pf->path = NULL;
  pf->fd = -1;
}
