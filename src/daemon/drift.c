#include "daemon/drift.h"

#include <errno.h>
#include <string.h>

#include "conf/config.h"
#include "conf/driftfile.h"
#include "sys/atomic_file.h"
#include "sys/log.h"

#define MAX_DRIFT_FILE 256

bool drift_load(const char *path, struct client_params *p)
{
  char text[MAX_DRIFT_FILE + 1];
  double freq, skew;
  ssize_t n = atomic_file_read(path, text, MAX_DRIFT_FILE);
  if (n < 0) {
    if (n != -ENOENT)
      log_printf(PLAT_LOG_WARN, "Could not read %s : %s", path, strerror((int)-n));
    return false;
  }
  if (!driftfile_parse(text, &freq, &skew)) {
    log_printf(PLAT_LOG_WARN, "Could not parse %s, ignored", path);
    return false;
  }
  p->have_initial_freq = true;
  p->initial_freq = freq;
  p->initial_skew = skew;
  /* chrony's message and sign convention (> 0: the clock was slow). */
  log_printf(PLAT_LOG_INFO, "Frequency %.3f +/- %.3f ppm read from %s", -freq, skew, path);
  return true;
}

static void write_drift(struct drift *d)
{
  char buf[128];
  double freq, skew;
  const struct reference *ref = client_reference(d->client);
  if (!ref_ever_synchronised(ref))
    return;
  ref_frequency(ref, &freq, &skew);
  size_t len = driftfile_format(buf, sizeof(buf), freq, skew);
  int r = len ? atomic_file_write(d->path, buf, len, 0644) : -EINVAL;
  if (r < 0 && log_rate_ok(&d->last_error, LOG_ERROR_INTERVAL))
    log_printf(PLAT_LOG_WARN, "Could not write %s : %s", d->path, strerror(-r));
}

static void on_timer(void *arg)
{
  struct drift *d = arg;
  write_drift(d);
  d->timer = loop_add_timer(d->loop, d->interval, on_timer, d);
}

void drift_start(struct drift *d, const char *path, double interval, struct client *client,
                 struct loop *loop)
{
  memset(d, 0, sizeof(*d));
  if (!path || !client)
    return;
  d->path = path;
  d->last_error = -1.0;
  d->interval = interval > 0.0 ? interval : CONF_DEFAULT_DRIFTFILE_INTERVAL;
  d->client = client;
  d->loop = loop;
  d->timer = loop_add_timer(loop, d->interval, on_timer, d);
}

void drift_stop(struct drift *d)
{
  if (!d->path)
    return;
  loop_cancel_timer(d->loop, d->timer);
  write_drift(d);
  d->path = NULL;
}
