#include "daemon/logfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/config.h"
#include "sys/log.h"

#define ERROR_LOG_INTERVAL 60.0   /* seconds between messages about one file */

static double monotonic_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void report_error(struct logfile *f, const char *what, int err)
{
  double now = monotonic_now();
  if (f->last_error >= 0.0 && now - f->last_error < ERROR_LOG_INTERVAL)
    return;
  f->last_error = now;
  log_printf(PLAT_LOG_ERR, "Could not %s %s : %s", what, f->path, strerror(err));
}

static bool write_all(int fd, const char *buf, size_t len, int *err)
{
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      *err = errno;
      return false;
    }
    if (n == 0) {
      *err = EIO;
      return false;
    }
    buf += n;
    len -= (size_t)n;
  }
  return true;
}

void logfiles_write(struct logfiles *l, enum logfmt_file which, const char *line, size_t len)
{
  char buf[LOGFMT_LINE_MAX * 4];
  struct logfile *f = &l->f[which];
  size_t n = 0;
  int err = 0;
  if (!f->path || len == 0)
    return;
  if (f->fd < 0) {
    /* O_NONBLOCK: a FIFO without a reader fails instead of blocking. */
    f->fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
                 0644);
    if (f->fd < 0) {
      report_error(f, "open", errno);
      return;
    }
  }
  if (l->banner > 0 && f->writes % (unsigned long)l->banner == 0)
    n = logfmt_banner(buf, sizeof(buf), which);
  f->writes++;
  /* One write(2) for the banner and the line, so an O_APPEND file never
   * gets them interleaved with another writer's. */
  if (n + len <= sizeof(buf)) {
    memcpy(buf + n, line, len);
    n += len;
    if (write_all(f->fd, buf, n, &err))
      return;
  } else if (write_all(f->fd, buf, n, &err) && write_all(f->fd, line, len, &err)) {
    return;
  }
  report_error(f, "write to", err);
  close(f->fd);
  f->fd = -1;
}

static void on_measurement(void *arg, const struct client_log_measurement *m)
{
  char line[LOGFMT_LINE_MAX];
  logfiles_write(arg, LOGFMT_MEASUREMENTS, line, logfmt_measurement(line, sizeof(line), m));
}

static void on_statistics(void *arg, const struct client_log_statistics *s)
{
  char line[LOGFMT_LINE_MAX];
  logfiles_write(arg, LOGFMT_STATISTICS, line, logfmt_statistics(line, sizeof(line), s));
}

static void on_tracking(void *arg, const struct ref_log *t)
{
  char line[LOGFMT_LINE_MAX];
  logfiles_write(arg, LOGFMT_TRACKING, line, logfmt_tracking(line, sizeof(line), t));
}

static void on_selection(void *arg, const struct client_log_selection *s)
{
  char line[LOGFMT_LINE_MAX];
  logfiles_write(arg, LOGFMT_SELECTION, line, logfmt_selection(line, sizeof(line), s));
}

static void on_refclock(void *arg, const struct rcl_log_sample *s)
{
  char line[LOGFMT_LINE_MAX];
  logfiles_write(arg, LOGFMT_REFCLOCKS, line, logfmt_refclock(line, sizeof(line), s));
}

bool logfiles_start(struct logfiles *l, const char *dir, unsigned mask, int banner,
                    struct client_log_hooks *hooks)
{
  static const unsigned bits[LOGFMT_FILES] = {
    CONF_LOG_MEASUREMENTS | CONF_LOG_RAWMEASUREMENTS, CONF_LOG_STATISTICS, CONF_LOG_TRACKING,
    CONF_LOG_REFCLOCKS, CONF_LOG_TEMPCOMP, CONF_LOG_RTC, CONF_LOG_SELECTION};
  memset(l, 0, sizeof(*l));
  memset(hooks, 0, sizeof(*hooks));
  l->banner = banner;
  for (int i = 0; i < LOGFMT_FILES; i++) {
    l->f[i].fd = -1;
    l->f[i].last_error = -1.0;
  }
  if (!dir || !*dir)
    return true;
  for (int i = 0; i < LOGFMT_FILES; i++) {
    if (!(mask & bits[i]))
      continue;
    if (asprintf(&l->f[i].path, "%s/%s.log", dir, logfmt_name((enum logfmt_file)i)) < 0) {
      l->f[i].path = NULL;
      logfiles_stop(l);
      return false;
    }
  }
  hooks->arg = l;
  if (l->f[LOGFMT_MEASUREMENTS].path)
    hooks->measurement = on_measurement;
  if (l->f[LOGFMT_STATISTICS].path)
    hooks->statistics = on_statistics;
  if (l->f[LOGFMT_TRACKING].path)
    hooks->tracking = on_tracking;
  if (l->f[LOGFMT_REFCLOCKS].path)
    hooks->refclock = on_refclock;
  if (l->f[LOGFMT_SELECTION].path)
    hooks->selection = on_selection;
  return true;
}

void logfiles_stop(struct logfiles *l)
{
  for (int i = 0; i < LOGFMT_FILES; i++) {
    if (l->f[i].path && l->f[i].fd >= 0)
      close(l->f[i].fd);
    l->f[i].fd = -1;
    free(l->f[i].path);
    l->f[i].path = NULL;
  }
}

void logfiles_cycle(struct logfiles *l)
{
  for (int i = 0; i < LOGFMT_FILES; i++) {
    struct logfile *f = &l->f[i];
    if (f->fd >= 0)
      close(f->fd);
    f->fd = -1;
    f->writes = 0;
  }
}
