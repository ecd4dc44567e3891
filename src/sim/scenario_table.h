/* scenario_table: the simulator's named scenarios (struct scenario in
 * sim/scenarios.h): each one's world as data and its client's configuration
 * as chrony.conf text, with the chrony test/simulation test it follows
 * named in its `about` line. */
#ifndef STRATUM_SIM_SCENARIO_TABLE_H
#define STRATUM_SIM_SCENARIO_TABLE_H

#include <stddef.h>

#include "sim/scenarios.h"

size_t scenario_count(void);
/* The i-th in the table's order, or NULL past the end. */
const struct scenario *scenario_get(size_t i);
/* By name, or NULL. */
const struct scenario *scenario_find(const char *name);

#endif
