#include "sys/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "core/logfmt.h"
#include "core/platform.h"
#include "sys/detach.h"

static enum log_target log_target = LOG_TO_STDERR;
static FILE *log_file;
static int log_min_level = PLAT_LOG_INFO;
static int log_parent_fd = -1;

bool log_open(enum log_target target, const char *file, int min_level)
{
  log_min_level = min_level;
  log_target = target;
  if (target == LOG_TO_FILE) {
    log_file = fopen(file, "ae");
    if (!log_file) {
      log_target = LOG_TO_STDERR;
      return false;
    }
    setvbuf(log_file, NULL, _IOLBF, 0);
  } else if (target == LOG_TO_SYSLOG) {
    openlog("stratumd", LOG_PID, LOG_DAEMON);
  }
  return true;
}

void log_close(void)
{
  if (log_file)
    fclose(log_file);
  log_file = NULL;
  if (log_target == LOG_TO_SYSLOG)
    closelog();
  log_target = LOG_TO_STDERR;
}

void log_set_parent_fd(int fd)
{
  log_parent_fd = fd;
}

int log_child_fd(void)
{
  log_parent_fd = -1;
  if (log_target == LOG_TO_SYSLOG)
    closelog();
  return log_file ? fileno(log_file) : log_target == LOG_TO_STDERR ? 2 : -1;
}

void log_write(int level, const char *text)
{
  static const int syslog_levels[] = {LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT};
  char msg[2048];
  if (level < log_min_level)
    return;
  snprintf(msg, sizeof(msg), "%s", text);
  logfmt_clean(msg);
  if (level >= PLAT_LOG_FATAL)
    detach_message(log_parent_fd, msg);
  /* chronyd's prefix of a fatal message, in the log only */
  const char *prefix = level >= PLAT_LOG_FATAL ? "Fatal error : " : "";
  if (log_target == LOG_TO_SYSLOG) {
    syslog(level < 0 ? LOG_DEBUG : syslog_levels[level > 3 ? 3 : level], "%s%s", prefix, msg);
    return;
  }
  /* chronyd's format: an ISO 8601 UTC time stamp, then the message. */
  char stamp[32];
  struct timespec now;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
  fprintf(log_file ? log_file : stderr, "%s %s%s\n", stamp, prefix, msg);
}

void log_printf(int level, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  log_write(level, msg);
}

bool log_rate_ok(double *last, double interval)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  double now = (double)t.tv_sec + t.tv_nsec * 1e-9;
  if (*last >= 0.0 && now - *last < interval)
    return false;
  *last = now;
  return true;
}
