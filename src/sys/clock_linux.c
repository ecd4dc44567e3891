#include "sys/clock_linux.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#include "core/platform.h"
#include "proto/num.h"
#include "sys/log.h"

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
  long delta = num_lround(ppm / per_us);
  *tick = nominal + delta;
  *freq_ppm = ppm - (double)delta * per_us;
}

/* The kernel status we keep (STA_UNSYNC or not), -1 before the first use. */
static int kernel_status = -1;

bool clock_interference(const struct clock_kernel_state *last, unsigned modes,
                        const struct clock_kernel_state *now)
{
  return last->valid &&
         ((((last->status ^ now->status) & STA_PLL) && !(modes & ADJ_STATUS)) ||
          (last->constant != now->constant && !(modes & ADJ_TIMECONST)) ||
          (last->freq != now->freq && !(modes & ADJ_FREQUENCY)) ||
          (last->tick != now->tick && !(modes & ADJ_TICK)));
}

/* adjtimex(), and chrony 4.7's check that nothing else changed what the
 * daemon set since its last call: another NTP client would. */
static int adjust(struct timex *t)
{
  static struct clock_kernel_state last;
  unsigned modes = t->modes;
  if (adjtimex(t) < 0)
    return -errno;
  struct clock_kernel_state now = {true, t->status, t->constant, t->freq, t->tick};
  if (clock_interference(&last, modes, &now))
    log_printf(PLAT_LOG_WARN, "System clock interference detected (another NTP client?)");
  last = now;
  return 0;
}

static void init_kernel(void)
{
  struct timex t;
  if (kernel_status >= 0)
    return;
  kernel_status = STA_UNSYNC;
  /* Reset the PLL's pending offset, then turn the PLL off. */
  memset(&t, 0, sizeof(t));
  t.modes = ADJ_OFFSET | ADJ_STATUS;
  t.status = STA_PLL | kernel_status;
  (void)adjust(&t);
  memset(&t, 0, sizeof(t));
  t.modes = ADJ_STATUS;
  t.status = kernel_status;
  (void)adjust(&t);
}

int clock_linux_set_freq(double ppm)
{
  struct timex t;
  long tick;
  double freq;
  init_kernel();
  clock_split_freq(ppm, nominal_tick(), &tick, &freq);
  memset(&t, 0, sizeof(t));
  t.modes = ADJ_FREQUENCY | ADJ_TICK;
  t.freq = num_lround(freq * SCALED_PPM);
  t.tick = tick;
  return adjust(&t);
}

void clock_linux_set_sync(bool rtcsync, bool synchronised, double est_error, double max_error)
{
  /* The kernel sets UNSYNC itself when maxerror reaches 16 s. */
  const double max_sync_error = 16.0;
  struct timex t;
  init_kernel();
  if (!synchronised || max_error >= max_sync_error)
    est_error = max_error = max_sync_error;
  if (synchronised && max_error < max_sync_error && rtcsync)
    kernel_status &= ~STA_UNSYNC;
  else
    kernel_status |= STA_UNSYNC;
  memset(&t, 0, sizeof(t));
  t.modes = ADJ_STATUS | ADJ_ESTERROR | ADJ_MAXERROR;
  t.status = kernel_status;
  t.esterror = num_lround(num_fmin(est_error, max_sync_error) * 1e6);
  t.maxerror = num_lround(max_error * 1e6);
  (void)adjust(&t);
}

void clock_linux_set_leap(int leap, int tai)
{
  static int kernel_tai;       /* what we last told the kernel */
  struct timex t;
  init_kernel();
  memset(&t, 0, sizeof(t));
  /* TIME_WAIT: the kernel has just applied the leap second. */
  bool applied = adjtimex(&t) == TIME_WAIT;
  int prev = kernel_status;
  kernel_status &= ~(STA_INS | STA_DEL);
  if (leap > 0)
    kernel_status |= STA_INS;
  else if (leap < 0)
    kernel_status |= STA_DEL;
  memset(&t, 0, sizeof(t));
  t.modes = ADJ_STATUS;
  t.status = kernel_status;
  if (tai) {
    t.modes |= ADJ_TAI;
    t.constant = tai;
    /* The kernel moved its TAI offset with the leap it applied. */
    if (applied && !(kernel_status & (STA_INS | STA_DEL)))
      kernel_tai += prev & STA_INS ? 1 : -1;
    if (kernel_tai != tai) {
      kernel_tai = tai;
      log_printf(PLAT_LOG_INFO, "System clock TAI offset set to %d seconds", tai);
    }
  }
  (void)adjust(&t);
  if (prev != kernel_status)
    log_printf(PLAT_LOG_INFO, "System clock status %s leap second",
               leap ? (leap > 0 ? "set to insert" : "set to delete")
                    : (applied ? "reset after" : "set to not insert/delete"));
}

double clock_linux_get_freq(void)
{
  struct timex t;
  memset(&t, 0, sizeof(t));
  if (adjust(&t) < 0)
    return 0.0;
  long nominal = nominal_tick();
  return (double)(t.tick - nominal) * PPM_PER_TICK_US(nominal) + t.freq / SCALED_PPM;
}

int clock_linux_step(double seconds)
{
  struct timex t;
  double whole = floor(seconds);
  init_kernel();
  memset(&t, 0, sizeof(t));
  t.modes = ADJ_SETOFFSET | ADJ_NANO;
  t.time.tv_sec = (time_t)whole;
  /* With ADJ_NANO the tv_usec field holds nanoseconds, in [0, 1e9). */
  t.time.tv_usec = num_lround((seconds - whole) * 1e9);
  if (t.time.tv_usec >= 1000000000) {
    t.time.tv_sec++;
    t.time.tv_usec -= 1000000000;
  }
  return adjust(&t);
}
