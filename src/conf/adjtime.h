/* adjtime: hwclock(8)'s adjtime file (the hwclockfile directive), of which
 * chronyd reads one thing: whether the RTC keeps UTC or local time, the
 * third line starting with "UTC" or "LOCAL". */
#ifndef STRATUM_CONF_ADJTIME_H
#define STRATUM_CONF_ADJTIME_H

enum adjtime_clock { ADJTIME_UNKNOWN, ADJTIME_UTC, ADJTIME_LOCAL };

/* The file's text (NUL-terminated). UNKNOWN: fewer than three lines, or a
 * third line that is neither (chronyd then warns "Could not read RTC
 * LOCAL/UTC setting from FILE" and keeps rtconutc). */
enum adjtime_clock adjtime_parse(const char *text);

#endif
