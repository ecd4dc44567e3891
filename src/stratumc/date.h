/* date: the time of chronyc's settime, as its get_date() reads the common
 * forms (pure apart from the local time zone):
 *   time:  HH:MM[:SS] [am|pm], or H am|pm
 *   date:  YYYY-MM-DD, MM/DD[/YY[YY]], YYYY/MM/DD, Month DD[,] [YYYY],
 *          DD Month [YYYY] (months by name or three letters, any case)
 *   zone:  UTC, UT, GMT or Z: the time is UTC, else local time
 * in any order, each at most once. Without a date it is today's, without
 * a year this year's (of `now`, in that zone); without a time, midnight.
 * Two-digit years are 19YY from 69 on, else 20YY (get_date's rule).
 * get_date's relative items (+1 hour, tomorrow, weekdays) are not read. */
#ifndef STRATUM_STRATUMC_DATE_H
#define STRATUM_STRATUMC_DATE_H

#include <stdbool.h>
#include <time.h>

bool sc_date_parse(const char *text, time_t now, time_t *out);

#endif
