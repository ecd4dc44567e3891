#include "sys/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t len)
{
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int sync_dir_of(const char *path)
{
  char copy[PATH_MAX];
  if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
    return -ENAMETOOLONG;
  int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  int r = fsync(fd) < 0 ? -errno : 0;
  close(fd);
  return r;
}

int atomic_file_write(const char *path, const void *data, size_t len, mode_t mode)
{
  char tmp[PATH_MAX];
  /* One fixed name (the PID file keeps a second daemon away), so a writer
   * killed half-way leaves at most one stale file, replaced next time. */
  if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
    return -ENAMETOOLONG;
  (void)unlink(tmp);  /* a leftover of a crash, never followed (O_EXCL) */
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    return -errno;
  int r = write_all(fd, data, len);
  if (r == 0 && fchmod(fd, mode) < 0)  /* not subject to the umask */
    r = -errno;
  if (r == 0 && fsync(fd) < 0)
    r = -errno;
  if (close(fd) < 0 && r == 0)
    r = -errno;
  if (r == 0 && rename(tmp, path) < 0)
    r = -errno;
  if (r != 0) {
    unlink(tmp);
    return r;
  }
  return sync_dir_of(path);
}

ssize_t atomic_file_read(const char *path, char *buf, size_t max)
{
  struct stat st;
  /* O_NONBLOCK: a FIFO must not block the open; it is refused below. */
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return -errno;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    int err = errno ? -errno : -EINVAL;
    close(fd);
    return S_ISREG(st.st_mode) ? err : -EINVAL;
  }
  size_t len = 0;
  for (;;) {
    ssize_t n = read(fd, buf + len, max + 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = -errno;
      close(fd);
      return err;
    }
    if (n == 0)
      break;
    len += (size_t)n;
    if (len > max) {
      close(fd);
      return -EFBIG;
    }
  }
  close(fd);
  buf[len] = '\0';
  return (ssize_t)len;
}
