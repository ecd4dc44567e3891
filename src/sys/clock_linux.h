/* clock_linux: frequency and steps of the system clock through adjtimex(2).
 *
 * The kernel's frequency offset is limited to +-500 ppm; beyond that the
 * tick length is changed too (one microsecond of a 10 ms tick is 100 ppm),
 * as chrony does, so the whole range of maxslewrate is reachable. */
#ifndef STRATUM_SYS_CLOCK_LINUX_H
#define STRATUM_SYS_CLOCK_LINUX_H

#include <stdbool.h>

/* Split a frequency offset (ppm, > 0 faster) into tick (microseconds per
 * tick, nominal `nominal_tick`) and a remaining frequency in ppm. */
void clock_split_freq(double ppm, long nominal_tick, long *tick, double *freq_ppm);

/* The first adjustment also turns off the kernel's PLL (the daemon
 * disciplines the clock itself); nothing touches the clock before. */
int clock_linux_set_freq(double ppm);
double clock_linux_get_freq(void);
/* Add `seconds` to the clock at once (ADJ_SETOFFSET). 0 or -errno. */
int clock_linux_step(double seconds);
/* The kernel's synchronisation status and error estimates. As chrony on
 * Linux, the UNSYNC flag is cleared only with rtcsync, which lets the kernel
 * copy the system time to the RTC every 11 minutes. */
void clock_linux_set_sync(bool rtcsync, bool synchronised, double est_error, double max_error);

/* chronyd's leapsecmode system: the kernel inserts (leap 1) or deletes
 * (-1) a second at the end of the UTC day (STA_INS/STA_DEL), or neither
 * (0); tai != 0 is TAI-UTC for the kernel (ADJ_TAI). Logs as chronyd's
 * sys_timex.c: "System clock status set to insert leap second"... and
 * "System clock TAI offset set to N seconds". */
void clock_linux_set_leap(int leap, int tai);

/* What adjtimex() reported of the kernel's clock after a call. */
struct clock_kernel_state {
  bool valid;
  int status;
  long constant, freq, tick;
};
/* Whether something else changed the kernel's clock between two of our
 * calls: the PLL flag, time constant, frequency or tick differ from what
 * the last call left, and this call (modes) did not set them (chrony 4.7's
 * "System clock interference detected", logged by every call here). */
bool clock_interference(const struct clock_kernel_state *last, unsigned modes,
                        const struct clock_kernel_state *now);

#endif
