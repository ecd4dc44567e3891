#include "daemon/mailer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/platform.h"
#include "sys/children.h"
#include "sys/log.h"

void mailer_init(struct mailer *m, const char *address, double threshold)
{
  *m = (struct mailer){.address = address, .threshold = threshold, .fd = -1};
}

/* One notice, in chronyd's layout: the host, the local time, the change. */
static void mail_one(const struct mailer *m, double correction)
{
  char host[HOST_NAME_MAX + 1] = "<UNKNOWN>", when[128] = "";
  time_t now = time(NULL);
  struct tm tm;
  if (gethostname(host, sizeof(host)) < 0)
    strcpy(host, "<UNKNOWN>");
  host[sizeof(host) - 1] = '\0';
  if (localtime_r(&now, &tm))
    strftime(when, sizeof(when), "On %A, %d %B %Y\n  with the system clock reading %H:%M:%S (%Z)",
             &tm);
  FILE *p = popen(STRATUM_SENDMAIL " -t", "w");
  if (!p) {
    log_printf(PLAT_LOG_ERR, "Could not send mail notification to user %s", m->address);
    return;
  }
  fprintf(p, "To: %s\nSubject: stratumd reports change to system clock on node [%s]\n\n%s\n\n"
          "stratumd started to apply an adjustment of %.3f seconds to it,\n"
          "  which exceeded the reporting threshold of %.3f seconds\n\n",
          m->address, host, when, correction, m->threshold);
  if (pclose(p) != 0)
    log_printf(PLAT_LOG_ERR, "Could not send mail notification to user %s", m->address);
}

/* The daemon's descriptors are close-on-exec: sendmail gets none of them. */
static void helper(const struct mailer *m, int fd)
{
  double correction;
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);      /* a sendmail that fails is a failed notice */
  while (read(fd, &correction, sizeof(correction)) == (ssize_t)sizeof(correction))
    mail_one(m, correction);
  _exit(0);
}

bool mailer_run(struct mailer *m)
{
  int fds[2];
  if (!m->address)
    return true;
  if (pipe2(fds, O_CLOEXEC) < 0) {
    log_printf(PLAT_LOG_ERR, "Could not start the mail helper : %s", strerror(errno));
    return false;
  }
  pid_t pid = fork();
  if (pid < 0) {
    log_printf(PLAT_LOG_ERR, "Could not start the mail helper : %s", strerror(errno));
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) {
    close(fds[1]);             /* else the daemon's close would not end it */
    helper(m, fds[0]);
  }
  close(fds[0]);
  children_add(pid, "Mail helper");
  m->fd = fds[1];
  if (fcntl(m->fd, F_SETFL, O_NONBLOCK) < 0)
    log_printf(PLAT_LOG_WARN, "Could not make the mail pipe non-blocking : %s", strerror(errno));
  return true;
}

void mailer_notify(void *mailer, double correction)
{
  struct mailer *m = mailer;
  if (m->fd < 0)
    return;
  if (write(m->fd, &correction, sizeof(correction)) != (ssize_t)sizeof(correction))
    log_printf(PLAT_LOG_WARN, "Could not send mail notification to user %s", m->address);
}

/* The helper is reaped by sys/children.h (waited for at exit). */
void mailer_stop(struct mailer *m)
{
  if (m->fd >= 0)
    close(m->fd);              /* the helper ends after what it has read */
  m->fd = -1;
}
