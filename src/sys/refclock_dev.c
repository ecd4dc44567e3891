#include "sys/refclock_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/ethtool.h>
#include <linux/pps.h>
#include <linux/ptp_clock.h>
#include <linux/rtc.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto/refclock_msg.h"
#include "sys/loop.h"
#include "sys/rtc_linux.h"

#define MAX_DEVICES 16

enum phc_mode { PHC_PRECISE, PHC_EXTENDED, PHC_BASIC };

struct rcldev_set;

struct device {
  struct rcldev_set *set;
  bool used;
  enum plat_refclock_driver driver;
  int fd;                          /* SOCK, PPS, PHC */
  bool clear;                      /* PPS: the clear edge */
  bool utc;                        /* RTC: it keeps UTC */
  bool interrupts;                 /* RTC: update interrupts on (else read when polled) */
  bool skip_interrupt;             /* RTC: the first after switching them on */
  enum phc_mode phc_mode;          /* PHC: the first kind of reading that works */
  bool extts;                      /* PHC: external timestamps on (in the loop) */
  char phc[PATH_MAX];              /* PHC: its device, resolved where it can be */
  int pin, channel;                /* PHC: of the external timestamps */
  volatile uint8_t *shm;           /* SHM */
  plat_refclock_fn fn;
  void *arg;
};

struct rcldev_set {
  struct loop *loop;
  struct rcldev_io io;
  struct device dev[MAX_DEVICES];
};

static int sys_open(const char *path, int flags)
{
  return open(path, flags | O_CLOEXEC);
}

static const struct rcldev_io system_io = {sys_open, rtc_ioctl, close, read};

struct rcldev_set *rcldev_new(struct loop *loop, const struct rcldev_io *io)
{
  struct rcldev_set *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  s->loop = loop;
  s->io = io ? *io : system_io;
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

/* PPS: capture one edge (chrony's checks and messages are the caller's:
 * -EOPNOTSUPP when the device cannot capture it). */
static int open_pps(struct rcldev_set *s, struct device *d, const char *path, bool clear)
{
  int fd = s->io.open(path, O_RDWR);
  if (fd < 0)
    return -errno;
  int caps = 0, want = clear ? PPS_CAPTURECLEAR : PPS_CAPTUREASSERT;
  struct pps_kparams params;
  int err = 0;
  if (s->io.ioctl(fd, PPS_GETCAP, &caps) < 0 || s->io.ioctl(fd, PPS_GETPARAMS, &params) < 0)
    err = -errno;
  else if (!(caps & want))
    err = -EOPNOTSUPP;
  if (!err) {
    params.mode = (params.mode & ~PPS_CAPTUREBOTH) | want;
    if (s->io.ioctl(fd, PPS_SETPARAMS, &params) < 0)
      err = -errno;
  }
  if (err) {
    s->io.close(fd);
    return err;
  }
  d->fd = fd;
  d->clear = clear;
  return 0;
}

static int read_pps(struct rcldev_set *s, struct device *d, uint8_t *buf, size_t len)
{
  struct pps_fdata f;
  memset(&f, 0, sizeof(f));        /* a zero timeout: do not wait */
  if (len < sizeof(struct plat_pps_edge))
    return -EINVAL;
  if (s->io.ioctl(d->fd, PPS_FETCH, &f) < 0)
    return -errno;
  const struct pps_ktime *t = d->clear ? &f.info.clear_tu : &f.info.assert_tu;
  struct plat_pps_edge e = {.seq = d->clear ? f.info.clear_sequence : f.info.assert_sequence};
  if (t->nsec < 0 || t->nsec >= 1000000000)
    return -ERANGE;
  e.ts.tv_sec = (time_t)t->sec;
  e.ts.tv_nsec = t->nsec;
  memcpy(buf, &e, sizeof(e));
  return (int)sizeof(e);
}

/* A network interface's PTP clock, as chronyd finds it (ethtool). */
static int phc_of_interface(const char *name, char *path, size_t len)
{
  struct ethtool_ts_info info = {.cmd = ETHTOOL_GET_TS_INFO};
  struct ifreq req;
  if (strlen(name) >= sizeof(req.ifr_name))
    return -ENAMETOOLONG;
  memset(&req, 0, sizeof(req));
  memcpy(req.ifr_name, name, strlen(name));
  req.ifr_data = (char *)&info;
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return -errno;
  int err = ioctl(sock, SIOCETHTOOL, &req) < 0 ? -errno : 0;
  close(sock);
  if (err)
    return err;
  if (info.phc_index < 0)
    return -ENODEV;
  snprintf(path, len, "/dev/ptp%d", info.phc_index);
  return 0;
}

static int open_phc(struct rcldev_set *s, struct device *d, const char *param, int option)
{
  char path[PATH_MAX];
  if (param[0] != '/') {
    int err = phc_of_interface(param, path, sizeof(path));
    if (err < 0)
      return err;
    param = path;
  }
  /* External timestamps are asked for by writing requests (chronyd). */
  int fd = s->io.open(param, option & PLAT_PHC_EXTPPS ? O_RDWR : O_RDONLY);
  if (fd < 0)
    return -errno;
  d->fd = fd;
  char *real = realpath(param, NULL);
  snprintf(d->phc, sizeof(d->phc), "%s", real ? real : param);
  free(real);
  d->phc_mode = option & PLAT_PHC_NOCROSSTS ? PHC_EXTENDED : PHC_PRECISE;
  return 0;
}

/* The pin's function and the channel's edges (enable false: both off). */
static int set_extts(struct rcldev_set *s, struct device *d, bool enable, bool rising,
                     bool falling)
{
  struct ptp_pin_desc pin = {.index = (unsigned)d->pin, .chan = (unsigned)d->channel,
                             .func = enable ? PTP_PF_EXTTS : PTP_PF_NONE};
  if (d->pin >= 0 && s->io.ioctl(d->fd, PTP_PIN_SETFUNC, &pin) < 0)
    return -errno;
  struct ptp_extts_request req = {.index = (unsigned)d->channel};
  req.flags = (enable ? PTP_ENABLE_FEATURE : 0) | (rising ? PTP_RISING_EDGE : 0) |
              (falling ? PTP_FALLING_EDGE : 0);
  if (s->io.ioctl(d->fd, PTP_EXTTS_REQUEST, &req) < 0)
    return -errno;
#ifdef PTP_MASK_EN_SINGLE
  /* Only this channel's events on this descriptor (Linux 6.7); older
   * kernels queue every channel's, which the core tells apart. */
  if (enable && s->io.ioctl(d->fd, PTP_MASK_CLEAR_ALL, NULL) == 0)
    s->io.ioctl(d->fd, PTP_MASK_EN_SINGLE, &d->channel);
#endif
  return 0;
}

/* An external timestamp is waiting: read one (a read never blocks after
 * poll said so; O_NONBLOCK is not honoured by PTP devices). Before Linux
 * 6.7 the descriptors of one PTP clock share one queue, so the event goes
 * to every refclock timestamping on that clock, as chronyd does; each
 * keeps its channel's (the core), an event seen twice is taken once. */
static void on_extts(void *arg, int fd)
{
  struct device *d = arg;
  struct rcldev_set *s = d->set;
  struct ptp_extts_event ev;
  if (s->io.read(fd, &ev, sizeof(ev)) != (ssize_t)sizeof(ev) || ev.t.nsec >= 1000000000u)
    return;
  struct plat_phc_extts e = {.phc = {.tv_sec = (time_t)ev.t.sec, .tv_nsec = ev.t.nsec},
                             .channel = (int)ev.index};
  for (int i = 0; i < MAX_DEVICES; i++) {
    struct device *o = &s->dev[i];
    if (o->used && o->extts && o->fn && strcmp(o->phc, d->phc) == 0)
      o->fn(o->arg, (const uint8_t *)&e, sizeof(e));
  }
}

int rcldev_extts(struct rcldev_set *s, int handle, int pin, int channel, bool falling)
{
  if (handle < 0 || handle >= MAX_DEVICES || !s->dev[handle].used ||
      s->dev[handle].driver != PLAT_REFCLOCK_PHC || s->dev[handle].extts)
    return -EBADF;
  struct device *d = &s->dev[handle];
  if (!s->loop)
    return -ENOSYS;
  d->pin = pin;
  d->channel = channel;
  int err = set_extts(s, d, true, !falling, falling);
  if (err < 0)
    return err;
  if (loop_add_fd(s->loop, d->fd, on_extts, d) < 0) {
    err = errno ? -errno : -EIO;
    set_extts(s, d, false, false, false);
    return err;
  }
  d->extts = true;
  return 0;
}

static struct timespec ptp_time(const struct ptp_clock_time *t)
{
  return (struct timespec){.tv_sec = (time_t)t->sec, .tv_nsec = t->nsec % 1000000000u};
}

/* One kind of reading; -ENOTTY or -EOPNOTSUPP: the device has not this one. */
static int phc_readings(struct rcldev_set *s, struct device *d, struct plat_phc_reading *out,
                        int max)
{
  if (d->phc_mode == PHC_PRECISE) {
    struct ptp_sys_offset_precise p;
    memset(&p, 0, sizeof(p));
    if (s->io.ioctl(d->fd, PTP_SYS_OFFSET_PRECISE, &p) < 0)
      return -errno;
    out[0].sys_before = out[0].sys_after = ptp_time(&p.sys_realtime);
    out[0].phc = ptp_time(&p.device);
    return 1;
  }
  if (d->phc_mode == PHC_EXTENDED) {
    struct ptp_sys_offset_extended e;
    memset(&e, 0, sizeof(e));
    e.n_samples = (unsigned)max;
    if (s->io.ioctl(d->fd, PTP_SYS_OFFSET_EXTENDED, &e) < 0)
      return -errno;
    for (int i = 0; i < max; i++)
      out[i] = (struct plat_phc_reading){ptp_time(&e.ts[i][0]), ptp_time(&e.ts[i][1]),
                                         ptp_time(&e.ts[i][2])};
    return max;
  }
  struct ptp_sys_offset b;
  memset(&b, 0, sizeof(b));
  b.n_samples = (unsigned)max;
  if (s->io.ioctl(d->fd, PTP_SYS_OFFSET, &b) < 0)
    return -errno;
  for (int i = 0; i < max; i++)
    out[i] = (struct plat_phc_reading){ptp_time(&b.ts[2 * i]), ptp_time(&b.ts[2 * i + 1]),
                                       ptp_time(&b.ts[2 * i + 2])};
  return max;
}

static int read_phc(struct rcldev_set *s, struct device *d, uint8_t *buf, size_t len)
{
  struct plat_phc_reading r[PLAT_PHC_READINGS];
  int max = (int)(len / sizeof(r[0]));
  if (max > PLAT_PHC_READINGS)
    max = PLAT_PHC_READINGS;
  if (max < 1)
    return -EINVAL;
  int n;
  while ((n = phc_readings(s, d, r, max)) < 0 && (n == -ENOTTY || n == -EOPNOTSUPP) &&
         d->phc_mode != PHC_BASIC)
    d->phc_mode++;
  if (n < 0)
    return n;
  memcpy(buf, r, (size_t)n * sizeof(r[0]));
  return n * (int)sizeof(r[0]);
}

/* The RTC's time now, read twice until one second is seen twice. */
static int rtc_reading(struct rcldev_set *s, struct device *d, bool half,
                       struct plat_rtc_reading *out)
{
  time_t t = rtc_read_fd(d->fd, d->utc, s->io.ioctl);
  if (t == (time_t)-1)
    return -EIO;
  memset(out, 0, sizeof(*out));
  clock_gettime(CLOCK_REALTIME, &out->sys_time);
  out->rtc_sec = t;
  out->half = half;
  return 0;
}

/* An update interrupt: the RTC's new second began just now (chronyd
 * skips the first after switching them on, and any without RTC_UF). */
static void on_rtc_interrupt(void *arg, int fd)
{
  struct device *d = arg;
  struct rcldev_set *s = d->set;
  unsigned long data;
  if (read(fd, &data, sizeof(data)) != (ssize_t)sizeof(data) || !(data & RTC_UF))
    return;
  if (d->skip_interrupt) {
    d->skip_interrupt = false;
    return;
  }
  struct plat_rtc_reading r;
  if (rtc_reading(s, d, false, &r) == 0)
    d->fn(d->arg, (const uint8_t *)&r, sizeof(r));
}

static int open_rtc(struct rcldev_set *s, struct device *d, const char *path, bool utc)
{
  int fd = s->io.open(path, O_RDONLY);
  if (fd < 0)
    return -errno;
  d->fd = fd;
  d->utc = utc;
  /* Interrupts where the RTC has them, else reads when polled. */
  d->interrupts = s->loop && s->io.ioctl(fd, RTC_UIE_ON, 0) == 0;
  if (d->interrupts && loop_add_fd(s->loop, fd, on_rtc_interrupt, d) < 0) {
    s->io.ioctl(fd, RTC_UIE_OFF, 0);
    d->interrupts = false;
  }
  d->skip_interrupt = d->interrupts;
  return 0;
}

int rcldev_open(struct rcldev_set *s, enum plat_refclock_driver driver, const char *param,
                int option, plat_refclock_fn fn, void *arg)
{
  int h = 0;
  while (h < MAX_DEVICES && s->dev[h].used)
    h++;
  if (h == MAX_DEVICES)
    return -EMFILE;
  struct device *d = &s->dev[h];
  *d = (struct device){.driver = driver, .fd = -1, .fn = fn, .arg = arg, .set = s};
  int err = driver == PLAT_REFCLOCK_SOCK  ? open_sock(s, d, param)
            : driver == PLAT_REFCLOCK_SHM ? open_shm(d, param, option)
            : driver == PLAT_REFCLOCK_PPS ? open_pps(s, d, param, option & PLAT_PPS_CLEAR)
            : driver == PLAT_REFCLOCK_PHC ? open_phc(s, d, param, option)
            : driver == PLAT_REFCLOCK_RTC ? open_rtc(s, d, param, option & PLAT_RTC_UTC)
                                          : -EINVAL;
  if (err < 0)
    return err;
  d->used = true;
  return h;
}

int rcldev_read(struct rcldev_set *s, int handle, uint8_t *buf, size_t len, int *count_after)
{
  if (handle < 0 || handle >= MAX_DEVICES || !s->dev[handle].used)
    return -EBADF;
  if (s->dev[handle].driver == PLAT_REFCLOCK_PPS)
    return read_pps(s, &s->dev[handle], buf, len);
  if (s->dev[handle].driver == PLAT_REFCLOCK_PHC)
    return read_phc(s, &s->dev[handle], buf, len);
  if (s->dev[handle].driver == PLAT_REFCLOCK_RTC) {
    struct plat_rtc_reading r;
    if (s->dev[handle].interrupts)
      return 0;
    if (len < sizeof(r))
      return -EINVAL;
    int err = rtc_reading(s, &s->dev[handle], true, &r);
    if (err < 0)
      return err;
    memcpy(buf, &r, sizeof(r));
    return (int)sizeof(r);
  }
  if (!s->dev[handle].shm || !count_after)
    return -EBADF;
  if (len < RCLMSG_SHM_SIZE)
    return -EINVAL;
  volatile uint8_t *seg = s->dev[handle].shm;
  for (size_t i = 0; i < RCLMSG_SHM_SIZE; i++)   /* byte by byte: the writer may be at work */
    buf[i] = seg[i];
  /* The count read again from the segment itself, after the copy. */
  *count_after = rclmsg_shm_count((const uint8_t *)seg);
  if (rclmsg_shm_valid(buf))
    rclmsg_shm_clear_valid((uint8_t *)seg);
  return RCLMSG_SHM_SIZE;
}

int rcldev_rtc_set(struct rcldev_set *s, int handle, int64_t rtc_sec)
{
  if (handle < 0 || handle >= MAX_DEVICES || !s->dev[handle].used ||
      s->dev[handle].driver != PLAT_REFCLOCK_RTC)
    return -EBADF;
  struct device *d = &s->dev[handle];
  int err = rtc_set_fd(d->fd, (time_t)rtc_sec, d->utc, s->io.ioctl);
  /* The interrupt of the second the setting cut short may be bogus. */
  d->skip_interrupt = d->interrupts;
  return err;
}

int rcldev_rtc_read(struct rcldev_set *s, int handle, struct plat_rtc_reading *out)
{
  if (handle < 0 || handle >= MAX_DEVICES || !s->dev[handle].used ||
      s->dev[handle].driver != PLAT_REFCLOCK_RTC)
    return -EBADF;
  return rtc_reading(s, &s->dev[handle], true, out);
}

void rcldev_close(struct rcldev_set *s, int handle)
{
  if (handle < 0 || handle >= MAX_DEVICES || !s->dev[handle].used)
    return;
  struct device *d = &s->dev[handle];
  if (d->fd >= 0 && d->driver == PLAT_REFCLOCK_SOCK) {
    loop_remove_fd(s->loop, d->fd);
    close(d->fd);
  } else if (d->fd >= 0) {
    if (d->extts) {
      loop_remove_fd(s->loop, d->fd);
      set_extts(s, d, false, false, false);
    }
    if (d->interrupts) {
      loop_remove_fd(s->loop, d->fd);
      s->io.ioctl(d->fd, RTC_UIE_OFF, 0);
    }
    s->io.close(d->fd);
  }
  if (d->shm)
    shmdt((const void *)d->shm);
  d->used = false;
}
