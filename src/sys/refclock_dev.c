#include "sys/refclock_dev.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto/refclock_msg.h"
#include "sys/loop.h"

#define MAX_DEVICES 16
#define SHM_VALID_OFFSET 48        /* struct shmTime's valid flag */
#define SHM_COUNT_OFFSET 4         /* ...and its count */

struct device {
  bool used;
  enum plat_refclock_driver driver;
  int fd;                          /* SOCK */
  volatile uint8_t *shm;           /* SHM */
  plat_refclock_fn fn;
  void *arg;
};

struct rcldev_set {
  struct loop *loop;
  struct device dev[MAX_DEVICES];
};

struct rcldev_set *rcldev_new(struct loop *loop)
{
  struct rcldev_set *s = calloc(1, sizeof(*s));
  if (s)
    s->loop = loop;
  return s;
}

void rcldev_free(struct rcldev_set *s)
{
  if (!s)
    return;
  for (int i = 0; i < MAX_DEVICES; i++)
    rcldev_close(s, i);
  free(s);
}

static void on_readable(void *arg, int fd)
{
  struct device *d = arg;
  /* A little more than a sample, so a longer datagram shows as one. */
  uint8_t buf[RCLMSG_SOCK_SIZE + 16];
  for (int i = 0; i < 64; i++) {   /* bounded: the loop comes back for more */
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0)
      return;
    d->fn(d->arg, buf, (size_t)n > sizeof(buf) ? sizeof(buf) + 1 : (size_t)n);
  }
}

static int open_sock(struct rcldev_set *s, struct device *d, const char *path)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(sa.sun_path))
    return -ENAMETOOLONG;
  memcpy(sa.sun_path, path, strlen(path) + 1);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  unlink(path);
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || loop_add_fd(s->loop, fd, on_readable, d) < 0) {
    int err = errno ? -errno : -EIO;
    close(fd);
    return err;
  }
  d->fd = fd;
  return 0;
}

static int open_shm(struct device *d, const char *param, int perm)
{
  char *end;
  errno = 0;
  long unit = strtol(param, &end, 10);
  if (errno || end == param || *end || unit < 0 || unit > INT_MAX - RCLMSG_SHM_KEY)
    return -EINVAL;
  int id = shmget((key_t)(RCLMSG_SHM_KEY + unit), RCLMSG_SHM_SIZE, IPC_CREAT | (perm & 0777));
  if (id < 0)
    return -errno;
  void *p = shmat(id, NULL, 0);
  if (p == (void *)-1)
    return -errno;
  d->shm = p;
  return 0;
}

int rcldev_open(struct rcldev_set *s, enum plat_refclock_driver driver, const char *param,
                int perm, plat_refclock_fn fn, void *arg)
{
  int h = 0;
  while (h < MAX_DEVICES && s->dev[h].used)
    h++;
  if (h == MAX_DEVICES)
    return -EMFILE;
  struct device *d = &s->dev[h];
  *d = (struct device){.driver = driver, .fd = -1, .fn = fn, .arg = arg};
  int err = driver == PLAT_REFCLOCK_SOCK  ? open_sock(s, d, param)
            : driver == PLAT_REFCLOCK_SHM ? open_shm(d, param, perm)
                                          : -EINVAL;
  if (err < 0)
    return err;
  d->used = true;
  return h;
}

int rcldev_read(struct rcldev_set *s, int handle, uint8_t *buf, size_t len, int *count_after)
{
  if (handle < 0 || handle >= MAX_DEVICES || !s->dev[handle].used || !s->dev[handle].shm)
    return -EBADF;
  volatile uint8_t *seg = s->dev[handle].shm;
  size_t n = len < RCLMSG_SHM_SIZE ? len : RCLMSG_SHM_SIZE;
  for (size_t i = 0; i < n; i++)   /* byte by byte: the writer may be at work */
    buf[i] = seg[i];
  int32_t count, valid;
  memcpy(&count, (const void *)(seg + SHM_COUNT_OFFSET), sizeof(count));
  *count_after = count;
  memcpy(&valid, buf + SHM_VALID_OFFSET, sizeof(valid));
  if (valid && n > SHM_VALID_OFFSET)
    memset((void *)(seg + SHM_VALID_OFFSET), 0, sizeof(int32_t));
  return (int)n;
}

void rcldev_close(struct rcldev_set *s, int handle)
{
  if (handle < 0 || handle >= MAX_DEVICES || !s->dev[handle].used)
    return;
  struct device *d = &s->dev[handle];
  if (d->fd >= 0) {
    loop_remove_fd(s->loop, d->fd);
    close(d->fd);
  }
  if (d->shm)
    shmdt((const void *)d->shm);
  d->used = false;
}
