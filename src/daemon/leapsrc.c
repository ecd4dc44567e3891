#include "daemon/leapsrc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/leapdb.h"
#include "core/platform.h"
#include "sys/atomic_file.h"
#include "sys/log.h"

#define LEAP_FILE_MAX (256 * 1024)    /* the list is ~10 kB, a zone ~1 kB */
#define ZONEINFO_DIR "/usr/share/zoneinfo"

/* The file parsed into db; false (logged for a list, as chronyd) if it
 * cannot be read or parsed. Symbolic links are followed, as the C library
 * follows them (Debian's right/UTC is one). */
static bool load(const struct leapsrc *ls, struct leapdb *db)
{
  char *buf = malloc(LEAP_FILE_MAX + 1);
  char *real = realpath(ls->path, NULL);
  if (!buf) {
    free(real);
    return false;
  }
  ssize_t n = real ? atomic_file_read(real, buf, LEAP_FILE_MAX) : -ENOENT;
  free(real);
  bool ok = n >= 0 && (ls->list ? leapdb_parse_list(buf, (size_t)n, db)
                                : leapdb_parse_tzif((const uint8_t *)buf, (size_t)n, db));
  free(buf);
  if (ls->list && n < 0)
    log_printf(PLAT_LOG_ERR, "Failed to open leap seconds list %s", ls->name);
  else if (ls->list && !ok)
    log_printf(PLAT_LOG_ERR, "Failed to parse leap seconds list %s", ls->name);
  return ok;
}

enum ntp_leap leapsrc_lookup(void *arg, time_t when, int *tai)
{
  const struct leapsrc *ls = arg;
  static struct leapdb db;           /* 4 kB: kept off the stack */
  *tai = 0;
  if (!ls->path[0] || !load(ls, &db))
    return NTP_LEAP_NONE;
  if (ls->list && leapdb_expired(&db, when))
    log_printf(PLAT_LOG_WARN, "Leap second list %s needs update", ls->name);
  return leapdb_get(&db, when, tai);
}

static bool passes_check(const struct leapsrc *ls)
{
  static struct leapdb db;
  return load(ls, &db) && leapdb_check(&db);
}

bool leapsrc_init(struct leapsrc *ls, const char *leapsectz, const char *leapseclist)
{
  memset(ls, 0, sizeof(*ls));
  bool tz_ok = false;
  if (leapsectz) {
    const char *dir = getenv("TZDIR");
    if (leapsectz[0] == '/')
      snprintf(ls->path, sizeof(ls->path), "%s", leapsectz);
    else
      snprintf(ls->path, sizeof(ls->path), "%s/%s", dir && dir[0] ? dir : ZONEINFO_DIR,
               leapsectz);
    ls->name = leapsectz;
    tz_ok = passes_check(ls);
    if (!tz_ok)
      log_printf(PLAT_LOG_WARN, "Timezone %s failed leap second check, ignoring", leapsectz);
  }
  if (leapseclist) {
    struct leapsrc list = {.list = true, .name = leapseclist};
    snprintf(list.path, sizeof(list.path), "%s", leapseclist);
    if (passes_check(&list)) {
      *ls = list;
      log_printf(PLAT_LOG_INFO, "Using leap second list %s", leapseclist);
      return true;
    }
    log_printf(PLAT_LOG_WARN, "Leap second list %s failed check, ignoring", leapseclist);
  }
  if (tz_ok) {
    log_printf(PLAT_LOG_INFO, "Using %s timezone to obtain leap second data", leapsectz);
    return true;
  }
  ls->path[0] = '\0';
  return false;
}
