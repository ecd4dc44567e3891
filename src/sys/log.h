/* log: where the daemon's messages go: stderr (-d), a file (-l FILE) or
 * syslog (the default once detached), filtered by level (-L). */
#ifndef STRATUM_SYS_LOG_H
#define STRATUM_SYS_LOG_H

#include <stdbool.h>

enum log_target { LOG_TO_STDERR, LOG_TO_FILE, LOG_TO_SYSLOG };

/* Returns false if the file cannot be opened (messages then go to stderr). */
bool log_open(enum log_target target, const char *file, int min_level);
void log_close(void);
/* Fatal messages also go to fd (detach.h's, -1: none), for the terminal
 * that started the daemon. */
void log_set_parent_fd(int fd);
/* In a forked child about to close its inherited descriptors: forget the
 * parent's fd and syslog's connection (made again when needed); the
 * descriptor the log writes to, to keep open (-1: none). */
int log_child_fd(void);
/* level: enum plat_log_level. */
void log_write(int level, const char *msg);
void log_printf(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For an error that may recur at every attempt (a full disk): true, with
 * *last set to now, unless the previous message let through is less than
 * `interval` seconds old (monotonic clock). Start with *last < 0. */
#define LOG_ERROR_INTERVAL 60.0
bool log_rate_ok(double *last, double interval);

#endif
