/* help: the command summary of `help` and `stratumc --help`, laid out as
 * chronyc's (commands in a 28-column first column). */
#ifndef STRATUM_STRATUMC_HELP_H
#define STRATUM_STRATUMC_HELP_H

#include <stdio.h>

void sc_help_commands(FILE *f);
void sc_help_usage(FILE *f, const char *progname);

#endif
