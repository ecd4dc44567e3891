/* options: stratumd's command line, with chronyd's option letters. */
#ifndef STRATUM_DAEMON_OPTIONS_H
#define STRATUM_DAEMON_OPTIONS_H

#include <stdbool.h>

#define DEFAULT_CONF_FILE STRATUM_CONF_FILE   /* meson -Dpaths */

struct options {
  const char *conf_file;       /* -f */
  bool foreground;             /* -n or -d */
  int debug;                   /* -d count: log to stderr, twice for debug */
  bool no_clock_control;       /* -x */
  bool print_config;           /* -p */
  bool reload;                 /* -r: load the dump files */
  bool query;                  /* -Q, or -q */
  bool set_clock;              /* -q: step the clock by the measured offset */
  int log_level;               /* -L */
  const char *log_file;        /* -l */
  const char *user;            /* -u */
  bool lock_memory;            /* -m */
  int sched_priority;          /* -P; 0: the sched_priority directive's */
  bool restarted;              /* -R: ignore initstepslew, makestep with a limit */
  bool init_from_rtc;          /* -s: set the clock from the RTC at start */
  bool no_user_check;          /* -U: run without being root */
  int seccomp_level;           /* -F: 0 none, 1 allow-list, 2 deny-list; < 0 log only */
  double timeout;              /* -t, seconds; 0 = none */
  int family;                  /* -4 / -6: 4, 6, or 0 for both */
  char **directives;           /* config lines given as arguments */
  int n_directives;
};

enum options_result { OPTIONS_RUN, OPTIONS_EXIT_OK, OPTIONS_EXIT_ERROR };

enum options_result options_parse(int argc, char **argv, struct options *o);

#endif
