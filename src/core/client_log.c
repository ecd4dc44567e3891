#include "core/client_log.h"

#include <math.h>
#include <string.h>

void client_log_statistics(const struct client_log_hooks *log, const struct sst *st,
                           const struct timespec *now, const struct sst_report *before,
                           int n_before, const struct ip_addr *addr, uint32_t refid)
{
  struct sst_tracking td;
  struct sst_report r;
  struct sst_selection sd;
  if (!log || !log->statistics || sst_samples(st) < 1)
    return;
  if (!sst_get_tracking_data(st, now, &td) || !sst_get_selection_data(st, now, &sd) ||
      !sd.select_ok)
    return;
  sst_get_report(st, &td.ref_time, &r);
  struct client_log_statistics l;
  memset(&l, 0, sizeof(l));
  l.time = td.ref_time;
  l.addr = *addr;
  l.refid = refid;
  l.std_dev = td.std_dev;
  l.offset = td.offset;
  l.offset_sd = td.offset_sd;
  l.frequency = td.frequency;
  l.skew = td.skew;
  l.stress = before->skew > 0.0 ? fabs(before->frequency - td.frequency) / before->skew : 0.0;
  l.n_samples = sst_samples(st);
  l.best_start = n_before > l.n_samples ? n_before - l.n_samples : 0;
  l.n_runs = sst_runs(st);
  l.asymmetry = r.asymmetry;
  log->statistics(log->arg, &l);
}
