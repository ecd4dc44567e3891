#include "sys/clock_linux.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#define PPM_PER_TICK_US(nominal) (1e6 / (double)(nominal))
#define SCALED_PPM 65536.0   /* timex.freq units per ppm */

static long nominal_tick(void)
{
  long hz = sysconf(_SC_CLK_TCK);
  return hz > 0 ? 1000000 / hz : 10000;
}

void clock_split_freq(double ppm, long nominal, long *tick, double *freq_ppm)
{
  double per_us = PPM_PER_TICK_US(nominal);
  long delta = lround(ppm / per_us);
  *tick = nominal + delta;
  *freq_ppm = ppm - (double)delta * per_us;
}

int clock_linux_set_freq(double ppm)
{
  struct timex t;
  long tick;
  double freq;
  clock_split_freq(ppm, nominal_tick(), &tick, &freq);
  memset(&t, 0, sizeof(t));
  /* Also turn off the kernel's own PLL/FLL: the daemon disciplines. */
  t.modes = ADJ_FREQUENCY | ADJ_TICK | ADJ_STATUS;
  t.freq = lround(freq * SCALED_PPM);
  t.tick = tick;
  t.status = STA_UNSYNC;
  return adjtimex(&t) < 0 ? -errno : 0;
}

double clock_linux_get_freq(void)
{
  struct timex t;
  memset(&t, 0, sizeof(t));
  if (adjtimex(&t) < 0)
    return 0.0;
  long nominal = nominal_tick();
  return (double)(t.tick - nominal) * PPM_PER_TICK_US(nominal) + t.freq / SCALED_PPM;
}

int clock_linux_step(double seconds)
{
  struct timex t;
  double whole = floor(seconds);
  memset(&t, 0, sizeof(t));
  t.modes = ADJ_SETOFFSET | ADJ_NANO;
  t.time.tv_sec = (time_t)whole;
  /* With ADJ_NANO the tv_usec field holds nanoseconds, in [0, 1e9). */
  t.time.tv_usec = lround((seconds - whole) * 1e9);
  if (t.time.tv_usec >= 1000000000) {
    t.time.tv_sec++;
    t.time.tv_usec -= 1000000000;
  }
  return adjtimex(&t) < 0 ? -errno : 0;
}
