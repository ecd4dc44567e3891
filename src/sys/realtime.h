/* realtime: chronyd's -m / lock_all (keep the process in RAM, so a page
 * fault never delays a timestamp) and -P / sched_priority (SCHED_FIFO).
 * Both before dropping root; failures are logged, as chronyd logs them,
 * and the daemon carries on. */
#ifndef STRATUM_SYS_REALTIME_H
#define STRATUM_SYS_REALTIME_H

#include <stdbool.h>

/* Valid priorities, as chronyd accepts them (1-99; clamped to what the
 * system allows). */
#define REALTIME_PRIORITY_MIN 1
#define REALTIME_PRIORITY_MAX 99

void realtime_lock_memory(void);
/* priority in [REALTIME_PRIORITY_MIN, REALTIME_PRIORITY_MAX]. */
bool realtime_set_scheduler(int priority);

#endif
