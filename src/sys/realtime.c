#include "sys/realtime.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "core/platform.h"
#include "sys/log.h"

void realtime_lock_memory(void)
{
  struct rlimit unlimited = {.rlim_cur = RLIM_INFINITY, .rlim_max = RLIM_INFINITY};
  /* Without CAP_SYS_RESOURCE (a container) the limit stays, but root's
   * CAP_IPC_LOCK lets mlockall() pass it: try anyway (chronyd gives up). */
  if (setrlimit(RLIMIT_MEMLOCK, &unlimited) < 0)
    log_printf(PLAT_LOG_DEBUG, "setrlimit() failed");
  if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
    log_printf(PLAT_LOG_ERR, "mlockall() failed");
  else
    log_printf(PLAT_LOG_DEBUG, "Successfully locked into RAM");
}

bool realtime_set_scheduler(int priority)
{
  struct sched_param p = {.sched_priority = priority};
  int max = sched_get_priority_max(SCHED_FIFO), min = sched_get_priority_min(SCHED_FIFO);
  if (priority < REALTIME_PRIORITY_MIN || priority > REALTIME_PRIORITY_MAX)
    return false;
  if (p.sched_priority > max)
    p.sched_priority = max;
  if (p.sched_priority < min)
    p.sched_priority = min;
  if (sched_setscheduler(0, SCHED_FIFO, &p) < 0)
    log_printf(PLAT_LOG_ERR, "sched_setscheduler() failed");
  else
    log_printf(PLAT_LOG_DEBUG, "Enabled SCHED_FIFO with priority %d", p.sched_priority);
  return true;
}
