/* stratum-sim: run the simulator's scenarios and print one JSON line each.
 *
 *   stratum-sim [--seed N] [--verbose] [--trace FILE] [--stats-from S] [--list] [--conf]
 *               [NAME...]
 *
 * Without names, every scenario runs, in the order --list prints them.
 * Exit status: 0 when every scenario ran (accuracy limits are the tests'
 * business), 1 when one could not be built or was stopped by the scheduler
 * (a runaway handler; its line is still printed), 2 on a usage error or an
 * unknown scenario name. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario_table.h"
#include "sim/scenarios.h"

static void usage(FILE *f)
{
  fprintf(f,
          "usage: stratum-sim [--seed N] [--verbose] [--trace FILE] [--stats-from S] [--list]\n"
          "                   [--conf] [NAME...]\n"
          "  --seed N       seed of every random stream (default %u)\n"
          "  --verbose      print the hosts' log messages to stderr\n"
          "  --trace FILE   write every second's offset, frequency error and\n"
          "                 selection to FILE (- for stderr)\n"
          "  --stats-from S the max and rms figures from S seconds on (as chrony's\n"
          "                 clknetsim from max_sync_time), not from the sync time or\n"
          "                 the scenario's own start\n"
          "  --list         print the scenario names and what they check\n"
          "  --conf         print the named scenarios' (all without names) chrony.conf\n"
          "                 text instead of running them\n"
          "Runs the named scenarios (all without names) and prints one JSON line each.\n",
          SCENARIO_DEFAULT_SEED);
}

static bool parse_seed(const char *s, uint64_t *out)
{
  char *end;
  if (!s || !*s || *s == '-')
    return false;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || *end)
    return false;
  *out = v;
  return true;
}

static void list(void)
{
  for (size_t i = 0; i < scenario_count(); i++) {
    const struct scenario *s = scenario_get(i);
    printf("%-14s %8.0f s  %s\n", s->name, s->duration, s->about);
  }
}

/* The client's configuration, the smearing server's and the relays'. */
static void print_conf(const struct scenario *s)
{
  printf("# %s: %s\n%s", s->name, s->about, s->conf);
  if (s->smear_conf)
    printf("# %s: its smearing server (%s)\n%s", s->name, SCENARIO_SMEAR_ADDR, s->smear_conf);
  for (unsigned i = 0; i < s->n_relays; i++)
    printf("# %s: its relay %u (" SCENARIO_SERVER_NET "%u)\n%s", s->name, i + 1,
           s->relays[i].host, s->relays[i].conf);
}

int main(int argc, char **argv)
{
  uint64_t seed = SCENARIO_DEFAULT_SEED;
  struct scenario_options opt = {0};
  const char *trace = NULL;
  const struct scenario **run = calloc(scenario_count() + (size_t)argc, sizeof(*run));
  size_t n_run = 0;
  bool options = true, conf = false;

  if (!run) {
    fprintf(stderr, "stratum-sim: out of memory\n");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (options && strcmp(a, "--") == 0) {
      options = false;
    } else if (options && (strcmp(a, "--seed") == 0 || strncmp(a, "--seed=", 7) == 0)) {
      const char *v = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
      if (!parse_seed(v, &seed)) {
        fprintf(stderr, "stratum-sim: --seed needs a non-negative integer\n");
        free(run);
        return 2;
      }
    } else if (options && (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0)) {
      opt.verbose = true;
    } else if (options && (strcmp(a, "--trace") == 0 || strncmp(a, "--trace=", 8) == 0)) {
      trace = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
      if (!trace || !*trace) {
        fprintf(stderr, "stratum-sim: --trace needs a file name\n");
        free(run);
        return 2;
      }
    } else if (options &&
               (strcmp(a, "--stats-from") == 0 || strncmp(a, "--stats-from=", 13) == 0)) {
      const char *v = a[12] == '=' ? a + 13 : (i + 1 < argc ? argv[++i] : NULL);
      char *end = NULL;
      opt.stats_from = v ? strtod(v, &end) : 0.0;
      if (!v || end == v || *end || !(opt.stats_from > 0.0 && opt.stats_from < 1e9)) {
        fprintf(stderr, "stratum-sim: --stats-from needs a number of seconds above 0\n");
        free(run);
        return 2;
      }
    } else if (options && strcmp(a, "--list") == 0) {
      list();
      free(run);
      return 0;
    } else if (options && strcmp(a, "--conf") == 0) {
      conf = true;
    } else if (options && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
      usage(stdout);
      free(run);
      return 0;
    } else if (options && a[0] == '-') {
      fprintf(stderr, "stratum-sim: unknown option '%s'\n", a);
      usage(stderr);
      free(run);
      return 2;
    } else {
      const struct scenario *s = scenario_find(a);
      if (!s) {
        fprintf(stderr, "stratum-sim: unknown scenario '%s'; known:", a);
        for (size_t k = 0; k < scenario_count(); k++)
          fprintf(stderr, " %s", scenario_get(k)->name);
        fprintf(stderr, "\n");
        free(run);
        return 2;
      }
      run[n_run++] = s;
    }
  }
  if (n_run == 0)
    for (size_t k = 0; k < scenario_count(); k++)
      run[n_run++] = scenario_get(k);

  if (conf) {
    for (size_t i = 0; i < n_run; i++)
      print_conf(run[i]);
    free(run);
    return 0;
  }
  if (trace) {
    opt.trace = strcmp(trace, "-") == 0 ? stderr : fopen(trace, "w");
    if (!opt.trace) {
      fprintf(stderr, "stratum-sim: %s: %s\n", trace, strerror(errno));
      free(run);
      return 2;
    }
  }

  int status = 0;
  for (size_t i = 0; i < n_run; i++) {
    struct scenario_result r;
    int e = scenario_run(run[i], seed, &opt, &r);
    if (e != 0) {
      fprintf(stderr, "stratum-sim: %s: could not build the simulation: %s\n", run[i]->name,
              strerror(-e));
      status = 1;
      continue;
    }
    if (r.run_status != 0) {
      fprintf(stderr, "stratum-sim: %s: the run stopped at %.3f s: %s\n", run[i]->name,
              r.duration, strerror(-r.run_status));
      status = 1;
    }
    scenario_print_json(stdout, run[i], &r);
    fflush(stdout);
  }
  if (opt.trace && opt.trace != stderr && fclose(opt.trace) != 0) {
    fprintf(stderr, "stratum-sim: %s: %s\n", trace, strerror(errno));
    status = 1;
  }
  free(run);
  return status;
}
