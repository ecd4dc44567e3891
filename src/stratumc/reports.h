/* reports: the commands that fetch data and print it (tracking, sources,
 * sourcestats, selectdata, activity, serverstats, clients, ntpdata,
 * authdata, sourcename, waitsync, smoothing, rtcdata, manual list), laid
 * out as chronyc 4.3 lays them out; and metrics, Stratum's own: the
 * reports in Prometheus' text format as stratumd's metricsport serves
 * them (proto/metrics.h), whatever -c or -j say. */
#ifndef STRATUM_STRATUMC_REPORTS_H
#define STRATUM_STRATUMC_REPORTS_H

#include <stdbool.h>

#include "stratumc/cmdparse.h"
#include "stratumc/session.h"

/* Run cmd (action SC_ACT_REPORT); false if it failed (chronyc's exit
 * status 1; for waitsync: not synchronised within the tries). */
bool sc_report_run(struct sc_session *s, const struct sc_command *cmd);

#endif
