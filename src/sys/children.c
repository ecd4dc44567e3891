/* children: see children.h. */
#include "sys/children.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "core/platform.h"
#include "sys/log.h"

#define WAIT_STEP_NS 10000000L        /* 10 ms between looks at exit */

static struct {
  pid_t pid[CHILDREN_MAX];
  const char *name[CHILDREN_MAX];
  int n;
  bool stopping;                      /* ends are expected */
} kids;

bool children_add(pid_t pid, const char *name)
{
  if (kids.n == CHILDREN_MAX)
    return false;
  kids.pid[kids.n] = pid;
  kids.name[kids.n] = name;
  kids.n++;
  return true;
}

static void log_end(int i, int status)
{
  if (kids.stopping && WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return;
  if (WIFSIGNALED(status))
    log_printf(PLAT_LOG_WARN, "%s (pid %d) killed by signal %d", kids.name[i], (int)kids.pid[i],
               WTERMSIG(status));
  else
    log_printf(PLAT_LOG_WARN, "%s (pid %d) exited with status %d", kids.name[i],
               (int)kids.pid[i], WEXITSTATUS(status));
}

/* Reap the registered helpers that have ended. */
static void reap(void)
{
  for (int i = 0; i < kids.n;) {
    int status;
    pid_t r = waitpid(kids.pid[i], &status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR)) {
      i++;
      continue;
    }
    if (r > 0)
      log_end(i, status);
    /* ended (or not ours any more: ECHILD): dropped */
    kids.n--;
    kids.pid[i] = kids.pid[kids.n];
    kids.name[i] = kids.name[kids.n];
  }
}

static void on_sigchld(void *arg, int signo)
{
  (void)arg;
  (void)signo;
  reap();
}

int children_watch(struct loop *l)
{
  int err = loop_watch_signal(l, SIGCHLD, on_sigchld, NULL);
  reap();
  return err;
}

void children_wait(double timeout)
{
  struct timespec step = {.tv_nsec = WAIT_STEP_NS};
  kids.stopping = true;
  reap();
  for (double waited = 0.0; kids.n > 0 && waited < timeout; waited += WAIT_STEP_NS / 1e9) {
    nanosleep(&step, NULL);
    reap();
  }
}
