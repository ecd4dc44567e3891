/* options: stratumc's command line, chronyc's options (pure).
 *
 *   -4 -6 -n -N -c -j -m -d -e -v --version --help, -h HOST[,HOST...] -p PORT,
 *   and chronyc's no-op -a and -f FILE; short options may be bundled
 *   (-cm) and take their argument attached (-p323). The first word that
 *   is not an option starts the command(s). */
#ifndef STRATUM_STRATUMC_OPTIONS_H
#define STRATUM_STRATUMC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#define SC_DEFAULT_HOSTS STRATUM_CMD_SOCKET ",127.0.0.1,::1"   /* meson -Dpaths */

struct sc_options {
  const char *hosts;
  int port;
  int family;                      /* 0, 4 or 6 */
  bool no_dns, source_names, csv, json, multi, debug;
  bool end_dot;                    /* -e (chronyc 4.4): "." after each command's output */
  int first_command;               /* index in argv; argc if none */
};

enum sc_opt_result { SC_OPT_RUN, SC_OPT_HELP, SC_OPT_VERSION, SC_OPT_ERROR };

/* On SC_OPT_ERROR, err says why. */
enum sc_opt_result sc_options_parse(int argc, char **argv, struct sc_options *o,
                                    char *err, size_t err_len);

#endif
