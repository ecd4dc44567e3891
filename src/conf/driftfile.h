/* driftfile: chrony's drift file format, one line "FREQ SKEW" in ppm.
 *
 * chrony writes the frequency with the opposite sign to Stratum's clock
 * interface (chrony: > 0 means the clock is slowed down). The functions here
 * convert, so a drift file written by chronyd can be read by stratumd and
 * the other way round. */
#ifndef STRATUM_CONF_DRIFTFILE_H
#define STRATUM_CONF_DRIFTFILE_H

#include <stdbool.h>
#include <stddef.h>

/* freq_ppm: > 0 means the clock is made to run faster. Returns false for
 * anything but two finite numbers (|freq| <= 1e6, 0 <= skew <= 1e6). */
bool driftfile_parse(const char *text, double *freq_ppm, double *skew_ppm);
/* Returns the length written (< cap), or 0 if it does not fit. */
size_t driftfile_format(char *buf, size_t cap, double freq_ppm, double skew_ppm);

#endif
