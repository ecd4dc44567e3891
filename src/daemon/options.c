#include "daemon/options.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_catalog.h"
#include "sys/seccomp.h"

/* Long options without a letter (chronyd has none of them). */
#define OPT_DIRECTIVES 256

static void usage(FILE *out)
{
  fprintf(out,
          "Usage: stratumd [OPTION]... [DIRECTIVE]...\n\n"
          "Options:\n"
          "  -4\t\tUse IPv4 addresses only\n"
          "  -6\t\tUse IPv6 addresses only\n"
          "  -f FILE\tSpecify configuration file (%s)\n"
          "  -F LEVEL\tSet system call filter level (0 off, 1 allow-list, 2 deny-list;\n"
          "\t\tnegative: log blocked calls instead of killing)\n"
          "  -n\t\tDon't run as daemon\n"
          "  -d\t\tDon't run as daemon and log to stderr (twice: debug messages)\n"
          "  -l FILE\tLog to file\n"

          "  -L LEVEL\tSpecify minimum log level (-1 debug, 0 info, 1 warning, 2 error, 3 fatal)\n"
          "  -m\t\tLock memory\n"
          "  -P PRIORITY\tSet process priority (SCHED_FIFO)\n"
          "  -p\t\tPrint configuration and exit\n"
          "  -q\t\tSet the clock once (step) and exit\n"
          "  -Q\t\tPrint offset of the configured servers and exit (clock untouched)\n"
          "  -r\t\tReload sample histories from the dump files of dumpdir\n"
          "  -R\t\tAdapt configuration for restart (ignore initstepslew, makestep with a limit)\n"
          "  -s\t\tSet system time from RTC\n"
          "  -t SECONDS\tExit after SECONDS\n"
          "  -u USER\tSpecify user (drop root privileges after binding sockets)\n"
          "  -U\t\tDon't check for root\n"
          "  -x\t\tDon't control system clock\n"
          "  --directives\tList what this build does with each directive and source option\n"
          "  -v, --version\tPrint version and exit\n"
          "  -h, --help\tPrint usage and exit\n",
          DEFAULT_CONF_FILE);
}

static bool parse_number(const char *s, double min, double max, double *out)
{
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || !(v >= min && v <= max))   /* NaN too */
    return false;
  *out = v;
  return true;
}

enum options_result options_parse(int argc, char **argv, struct options *o)
{
  static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'v'},
    {"directives", no_argument, NULL, OPT_DIRECTIVES},
    {NULL, 0, NULL, 0},
  };
  double v;
  int c;

  memset(o, 0, sizeof(*o));
  o->conf_file = DEFAULT_CONF_FILE;
  optind = 0;                    /* glibc: forget the last parse, even one left mid-group */
  while ((c = getopt_long(argc, argv, "46f:F:ndl:L:mP:pQqrRst:u:Uxvh", long_opts, NULL)) != -1) {
    switch (c) {
    case '4': o->family = 4; break;
    case '6': o->family = 6; break;
    case 'f': o->conf_file = optarg; break;
    case 'F':
      if (!parse_number(optarg, SECCOMP_LEVEL_MIN, SECCOMP_LEVEL_MAX, &v) || v != (int)v) {
        fprintf(stderr, "Bad system call filter level: %s\n", optarg);
        return OPTIONS_EXIT_ERROR;
      }
      o->seccomp_level = (int)v;
      break;
    case 'n': o->foreground = true; break;
    case 'd': o->foreground = true; o->debug++; break;
    case 'l': o->log_file = optarg; break;
    case 'L':
      if (!parse_number(optarg, -1, 3, &v) || v != (int)v) {
        fprintf(stderr, "Bad log level: %s\n", optarg);
        return OPTIONS_EXIT_ERROR;
      }
      o->log_level = (int)v;
      break;
    case 'm': o->lock_memory = true; break;
    case 'P':
      if (!parse_number(optarg, INT_MIN, INT_MAX, &v) || v != (int)v) {
        fprintf(stderr, "Bad priority: %s\n", optarg);
        return OPTIONS_EXIT_ERROR;
      }
      o->sched_priority = (int)v;
      break;
    case 'p': o->print_config = true; break;
    case 'Q': o->query = true; break;
    case 'q': o->query = o->set_clock = true; break;
    case 'r': o->reload = true; break;
    case 'R': o->restarted = true; break;
    case 's': o->init_from_rtc = true; break;
    case 't':
      if (!parse_number(optarg, 0.001, 1e9, &o->timeout)) {
        fprintf(stderr, "Bad timeout: %s\n", optarg);
        return OPTIONS_EXIT_ERROR;
      }
      break;
    case 'u': o->user = optarg; break;
    case 'U': o->no_user_check = true; break;
    case 'x': o->no_clock_control = true; break;
    case 'v':
      printf("stratumd (Stratum) version %s\n", STRATUM_VERSION);
      return OPTIONS_EXIT_OK;
    case 'h':
      usage(stdout);
      return OPTIONS_EXIT_OK;
    case OPT_DIRECTIVES:
      conf_catalog_print(stdout);
      return OPTIONS_EXIT_OK;
    default:
      usage(stderr);
      return OPTIONS_EXIT_ERROR;
    }
  }
  o->directives = argv + optind;
  o->n_directives = argc - optind;
  return OPTIONS_RUN;
}
