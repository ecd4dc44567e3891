#include "daemon/dumps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/dumpfile.h"
#include "proto/ntp_time.h"
#include "sys/atomic_file.h"
#include "sys/log.h"

#define FILE_MODE 0644
#define SUFFIX ".dat"
#define MAX_DUMP_AGE (30 * 86400.0)     /* s */
#define MAX_DUMP_FUTURE 60.0            /* s: clock granularity, a little slew */

/* One file's text at a time (the daemon is single-threaded). */
static char text[DUMPFILE_MAX_LEN + 1];
static struct dumpfile dump;
/* When a write error was last logged (< 0: never): at most one a minute,
 * however often `dump` is asked for. */
static double last_write_error = -1.0;

/* chronyd's file names: the address, or a refclock's refid in hex; none
 * for a name not resolved yet (a placeholder). */
static bool dump_path(char path[PATH_MAX], const char *dir, const struct client_source_report *r)
{
  char a[ADDR_STR_LEN];
  if (r->placeholder_id)
    return false;
  int n = r->refclock ? snprintf(path, PATH_MAX, "%s/refid:%08" PRIx32 SUFFIX, dir, r->refid)
                      : snprintf(path, PATH_MAX, "%s/%s" SUFFIX, dir, addr_format(&r->addr, a));
  return n > 0 && n < PATH_MAX;
}

/* A dump holds the samples of the run before this one: samples newer than
 * now (a clock set back, or a forged file) or older than MAX_DUMP_AGE are
 * no use, and times far out of range defeat the regression. */
static bool recent(const struct sst_dump *d)
{
  struct timespec now;
  if (d->n == 0)
    return true;
  clock_gettime(CLOCK_REALTIME, &now);
  double age = timespec_diff(&now, &d->samples[d->n - 1].time);
  return age > -MAX_DUMP_FUTURE && age < MAX_DUMP_AGE;
}

static void load_failed(const struct client_source_report *r, const char *path,
                        const char *why)
{
  log_printf(PLAT_LOG_WARN, "Could not load dump file for %s (%s: %s)", r->name, path, why);
}

static void load_source(const char *dir, struct client *c, unsigned i)
{
  struct client_source_report r;
  char path[PATH_MAX], why[32];
  int line;
  if (!client_source_report(c, i, &r) || !dump_path(path, dir, &r))
    return;
  ssize_t n = atomic_file_read(path, text, DUMPFILE_MAX_LEN);
  if (n < 0) {
    if (n != -ENOENT)
      load_failed(&r, path, strerror((int)-n));
    return;
  }
  if (strlen(text) != (size_t)n) {
    load_failed(&r, path, "not text");
    return;
  }
  switch (dumpfile_parse(text, &dump, &line)) {
  case DUMPFILE_OTHER_VERSION:
    load_failed(&r, path, "not chronyd's format SRC0");
    return;
  case DUMPFILE_CORRUPT:
    snprintf(why, sizeof(why), "bad line %d", line);
    load_failed(&r, path, why);
    return;
  case DUMPFILE_OK:
    break;
  }
  /* chronyd's checks: the name a server was configured by, and no
   * unauthenticated history for an authenticated source. */
  if (!r.refclock && strcmp(dump.name, r.name) != 0) {
    load_failed(&r, path, "of another source");
    return;
  }
  if (r.key && !dump.authenticated) {
    load_failed(&r, path, "not authenticated");
    return;
  }
  if (!recent(&dump.stats)) {
    load_failed(&r, path, "too old or from the future");
    return;
  }
  if (!client_source_import(c, i, &dump.stats)) {
    load_failed(&r, path, "samples not accepted");
    return;
  }
  log_printf(PLAT_LOG_INFO, "Loaded dump file for %s", r.name);
}

/* Remove DIR/ADDRESS.dat and DIR/refid:XXXXXXXX.dat files: only names of
 * those forms, other files stay. */
static void remove_dumps(const char *dir)
{
  char name[ADDR_STR_LEN];
  struct ip_addr addr;
  DIR *d = opendir(dir);
  if (!d)
    return;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    size_t len = strlen(e->d_name);
    if (len <= strlen(SUFFIX) || len - strlen(SUFFIX) >= sizeof(name) ||
        strcmp(e->d_name + len - strlen(SUFFIX), SUFFIX) != 0)
      continue;
    memcpy(name, e->d_name, len - strlen(SUFFIX));
    name[len - strlen(SUFFIX)] = '\0';
    bool refid = strncmp(name, "refid:", 6) == 0 && strlen(name) == 14 &&
                 strspn(name + 6, "0123456789abcdef") == 8;
    if ((refid || addr_parse(name, &addr)) && unlinkat(dirfd(d), e->d_name, 0) < 0 &&
        errno != ENOENT)
      log_printf(PLAT_LOG_WARN, "Could not remove %s/%s : %s", dir, e->d_name, strerror(errno));
  }
  closedir(d);
}

void dumps_load(const char *dir, struct client *c, bool reload)
{
  if (!dir)
    return;
  for (unsigned i = 0; reload && c && i < client_n_sources(c); i++)
    load_source(dir, c, i);
  remove_dumps(dir);
}

void dumps_save(const char *dir, const struct client *c)
{
  char path[PATH_MAX];
  struct client_source_report r;
  if (!dir || !c)
    return;
  for (unsigned i = 0; i < client_n_sources(c); i++) {
    if (!client_source_report(c, i, &r) || !client_source_export(c, i, &dump.stats) ||
        dump.stats.n == 0 || !dump_path(path, dir, &r))
      continue;
    /* chronyd writes "." for a refclock's name. */
    snprintf(dump.name, sizeof(dump.name), "%s", r.refclock ? "." : r.name);
    dump.authenticated = r.key != 0;
    dump.reach = r.reach;
    dump.reach_size = r.reach_size;
    size_t len = dumpfile_format(text, sizeof(text), &dump);
    int err = len ? atomic_file_write(path, text, len, FILE_MODE) : -EINVAL;
    if (err < 0 && log_rate_ok(&last_write_error, LOG_ERROR_INTERVAL))
      log_printf(PLAT_LOG_WARN, "Could not write dump file %s : %s", path, strerror(-err));
  }
}
