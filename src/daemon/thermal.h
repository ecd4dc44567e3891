/* thermal: the tempcomp directive at start. The points file (if any) is
 * read now, with chronyd's fatal errors; the core's compensation
 * (core/tempcomp.h) then reads the sensor on the client's clock
 * discipline, each reading appended to tempcomp.log when `log tempcomp`
 * is set. */
#ifndef STRATUM_DAEMON_THERMAL_H
#define STRATUM_DAEMON_THERMAL_H

#include <stdbool.h>

#include "conf/config.h"
#include "core/tempcomp.h"
#include "daemon/logfiles.h"

/* False (logged) when the points file cannot be used; true, doing
 * nothing, without tempcomp. */
bool thermal_start(struct tcomp *t, const struct config *cfg, const struct platform *plat,
                   struct discipline *disc, struct logfiles *logs);
void thermal_stop(struct tcomp *t);

#endif
