/* terminal: stratumc with a person at it (standard input, output and error
 * all terminals, no command in the arguments), as chronyc: a banner, the
 * prompt, line editing, history and completion of command names, through
 * libedit. */
#ifndef STRATUM_STRATUMC_TERMINAL_H
#define STRATUM_STRATUMC_TERMINAL_H

#include <stdbool.h>

bool sc_terminal_wanted(void);
/* Read lines until end of input or *quit; process() runs each. The status
 * is the last command's. */
bool sc_terminal_run(bool (*process)(void *arg, char *line), void *arg, const bool *quit);

#endif
