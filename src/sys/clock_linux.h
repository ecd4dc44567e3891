/* clock_linux: frequency and steps of the system clock through adjtimex(2).
 *
 * The kernel's frequency offset is limited to +-500 ppm; beyond that the
 * tick length is changed too (one microsecond of a 10 ms tick is 100 ppm),
 * as chrony does, so the whole range of maxslewrate is reachable. */
#ifndef STRATUM_SYS_CLOCK_LINUX_H
#define STRATUM_SYS_CLOCK_LINUX_H

/* Split a frequency offset (ppm, > 0 faster) into tick (microseconds per
 * tick, nominal `nominal_tick`) and a remaining frequency in ppm. */
void clock_split_freq(double ppm, long nominal_tick, long *tick, double *freq_ppm);

int clock_linux_set_freq(double ppm);
double clock_linux_get_freq(void);
/* Add `seconds` to the clock at once (ADJ_SETOFFSET). 0 or -errno. */
int clock_linux_step(double seconds);

#endif
