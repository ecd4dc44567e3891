/* date: the time of chronyc's settime, read as chronyc's get_date()
 * (getdate.y: the public-domain grammar of Bellovin, Salz and Berets)
 * reads it, pure apart from the local time zone. Items, in any order:
 *   time:  HH:MM[:SS] [am|pm|+-HHMM], H am|pm; a bare number under
 *          10000 is HHMM (or HH)
 *   date:  YYYY-MM-DD, MM/DD[/YY[YY]], YYYY/MM/DD, Month DD[, YYYY],
 *          DD Month [[-]YYYY], DD-Mon-YYYY; a bare number over 10000 is
 *          YYYYMMDD; after a time and a date (no relative item), a year
 *   day:   a week day (monday, mon, tues...), with an ordinal (next,
 *          last, first, third... twelfth, or a number) before it
 *   zone:  getdate's names (UTC, GMT, EST, CEST's MEST...), military
 *          letters, DST after a zone
 *   relative: [+-N] year|month|fortnight|week|day|hour|min[ute]|sec[ond]
 *          (plurals), tomorrow, yesterday, today, now, this; `ago`
 *          negates what came before it
 * with at most one time, date, day and zone. Missing parts come from now
 * (local time); without a time (and not only relative items) it is
 * midnight. Minutes, seconds and days out of range carry over (31
 * February is 3 March) as mktime(3) carries them, as chronyc's does.
 * Text in parentheses is skipped. A number beyond INT_MAX is refused
 * (chronyc's int overflows). */
#ifndef STRATUM_STRATUMC_DATE_H
#define STRATUM_STRATUMC_DATE_H

#include <stdbool.h>
#include <time.h>

bool sc_date_parse(const char *text, time_t now, time_t *out);

#endif
