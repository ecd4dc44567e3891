/* logfiles: the logdir and log directives — chrony's measurements.log,
 * statistics.log and tracking.log (lines from core/logfmt), appended one
 * line per write(2) to files opened O_APPEND|O_CREAT|O_NOFOLLOW, mode 0644,
 * on first use. chrony's banner (ruler, column titles, ruler) precedes the
 * first line and every `logbanner`-th line after it; logbanner 0: never (as
 * chronyd). A write error is logged at most once a minute per file; the
 * file is reopened at the next line and the daemon keeps running. */
#ifndef STRATUM_DAEMON_LOGFILES_H
#define STRATUM_DAEMON_LOGFILES_H

#include "core/client_log.h"
#include "core/logfmt.h"

struct logfile {
  char *path;                  /* NULL: this file is not wanted */
  int fd;                      /* -1: not open */
  unsigned long writes;
  double last_error;           /* monotonic seconds of the last error logged; < 0 none */
};

struct logfiles {
  int banner;
  struct logfile f[LOGFMT_FILES];
};

/* mask: CONF_LOG_* (measurements, rawmeasurements, statistics, tracking are
 * used). Without dir or a wanted file, *hooks stays all NULL. Returns false
 * on allocation failure. */
bool logfiles_start(struct logfiles *l, const char *dir, unsigned mask, int banner,
                    struct client_log_hooks *hooks);
void logfiles_stop(struct logfiles *l);
/* chronyc cyclelogs: close the files (after a rename by logrotate); the
 * next line opens them anew, banner first. */
void logfiles_cycle(struct logfiles *l);
/* Append text (a banner first when due) to file f. */
void logfiles_write(struct logfiles *l, enum logfmt_file f, const char *line, size_t len);

#endif
