/* rtctrack: see rtctrack.h. */
#include "core/rtctrack.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/regress.h"
#include "proto/timespec.h"

#define MIN_PERIOD 15             /* s between measurements, with few samples... */
#define FULL_DISCARD 4            /* samples dropped when all 64 are kept */
#define RELOCK_SAMPLES 8          /* a second apart, after a trim or -s */
#define SLOPE_TOLERANCE 1e-9
#define MAX_TRIMLESS_ERROR 1.0    /* s: trimrtc leaves a closer RTC alone */

static void on_reading(void *arg, const uint8_t *data, size_t len);

static void cancel_timer(struct rtctrack *r)
{
  if (r->timer)
    r->plat->ops->timer_cancel(r->plat->ctx, r->timer);
  r->timer = 0;
}

/* The rest is over: the next interrupt is a measurement. */
static void measure(void *arg)
{
  struct rtctrack *r = arg;
  r->timer = 0;
  r->resting = false;
}

bool rtct_start(struct rtctrack *r, const struct platform *plat, struct discipline *disc,
                const struct refstate *state, const struct rtct_params *p)
{
  memset(r, 0, sizeof(*r));
  r->plat = plat;
  r->disc = disc;
  r->state = state;
  r->p = *p;
  r->period = MIN_PERIOD;
  r->mode = p->initial ? RTCT_INITIAL : RTCT_NORMAL;
  r->handle = plat->ops->refclock_open
                  ? plat->ops->refclock_open(plat->ctx, PLAT_REFCLOCK_RTC, p->device,
                                             p->utc ? (int)PLAT_RTC_UTC : 0, on_reading, r)
                  : -ENOSYS;
  if (r->handle < 0) {
    plat_logf(plat, PLAT_LOG_ERR, "Could not open RTC device %s : %s", p->device,
              strerror(-r->handle));
    r->plat = NULL;                 /* nothing to stop */
    return false;
  }
  /* A device read when asked has no interrupts: chronyd wants them. */
  struct plat_rtc_reading probe;
  if (plat->ops->refclock_read(plat->ctx, r->handle, (uint8_t *)&probe, sizeof(probe),
                               NULL) != 0) {
    plat_logf(plat, PLAT_LOG_ERR, "Could not enable RTC interrupt : %s", p->device);
    plat->ops->refclock_close(plat->ctx, r->handle);
    r->plat = NULL;
    return false;
  }
  return true;
}

void rtct_stop(struct rtctrack *r)
{
  if (!r->plat)
    return;
  cancel_timer(r);
  r->plat->ops->refclock_close(r->plat->ctx, r->handle);
  rtct_write(r);
  r->plat = NULL;
}

static void discard(struct rtctrack *r, int first)
{
  memmove(r->rtc_sec, r->rtc_sec + first, sizeof(r->rtc_sec[0]) * (size_t)(r->n - first));
  memmove(r->sys_time, r->sys_time + first, sizeof(r->sys_time[0]) * (size_t)(r->n - first));
  r->n -= first;
}

static void accumulate(struct rtctrack *r, int64_t rtc, const struct timespec *sys)
{
  if (r->n == RTCT_MAX_SAMPLES)
    discard(r, FULL_DISCARD);
  /* The RTC went back (set by someone else): its past means nothing. */
  if (r->n > 0 && r->rtc_sec[r->n - 1] >= rtc)
    r->n = 0;
  r->rtc_sec[r->n] = rtc;
  r->sys_time[r->n] = *sys;
  r->n++;
  r->since_fit++;
}

/* chronyd's run_regression: the RTC's offset (RTC minus system) against
 * its time relative to the newest sample; *c changed only by a fit. */
static void fit(struct rtctrack *r, struct rtct_coefs *c)
{
  double x[RTCT_MAX_SAMPLES], y[RTCT_MAX_SAMPLES], b0, b1;
  int start;
  if (r->n < 1)
    return;
  int64_t ref = r->rtc_sec[r->n - 1];
  for (int i = 0; i < r->n; i++) {
    x[i] = (double)(r->rtc_sec[i] - ref);
    y[i] = (double)r->rtc_sec[i] - timespec_to_double(&r->sys_time[i]);
  }
  if (!rgr_robust_fit(x, y, r->n, SLOPE_TOLERANCE, &b0, &b1, &r->n_runs, &start))
    return;
  *c = (struct rtct_coefs){.valid = true, .ref_time = ref, .fast = b0, .gain = b1};
  if (start > 0)
    discard(r, start);
}

static void maybe_autotrim(struct rtctrack *r)
{
  if (r->mode != RTCT_NORMAL || !r->c.valid || r->since_fit || r->p.autotrim <= 0.0 ||
      fabs(r->c.fast) < r->p.autotrim || !r->state->synchronised)
    return;
  rtct_trim(r);
}

/* After a trim: eight samples give the offset, saved with the rate from
 * before it; then back to normal measurements. */
static void relock(struct rtctrack *r)
{
  struct rtct_coefs c = {0};
  fit(r, &c);
  if (c.valid) {
    c.gain = r->saved_gain;
    if (r->p.save)
      r->p.save(r->p.arg, &c);
  }
  r->c.valid = false;
  r->n = 0;
  r->since_fit = 0;
  r->mode = RTCT_NORMAL;
  r->period = MIN_PERIOD;
}

/* -s: eight samples give the RTC's offset from the clock at their
 * reference time; the file's coefficients its error from true time then:
 * the clock's error is the difference, slewed away (chronyd's
 * handle_initial_trim). */
static void initial_trim(struct rtctrack *r)
{
  struct rtct_coefs c = {0};
  fit(r, &c);
  r->n = 0;
  r->since_fit = 0;
  const struct rtct_coefs *f = &r->p.file;
  if (c.valid && f->valid) {
    double rtc_error = f->fast + f->gain * (double)(c.ref_time - f->ref_time);
    double sys_error = rtc_error - c.fast;      /* > 0: the clock is fast */
    disc_accumulate(r->disc, r->disc->base_freq, -sys_error, 0.0);
    plat_logf(r->plat, PLAT_LOG_INFO, "System clock off from RTC by %f seconds (slew)",
              sys_error);
  } else {
    plat_logf(r->plat, PLAT_LOG_WARN, "No valid rtcfile coefficients");
  }
  r->mode = RTCT_NORMAL;
  if (r->p.initial_done)
    r->p.initial_done(r->p.arg);
}

static int period_for(int n)
{
  return n < 4 ? MIN_PERIOD : n < 6 ? MIN_PERIOD << 1 : n < 10 ? MIN_PERIOD << 2
                            : n < 14 ? MIN_PERIOD << 3 : MIN_PERIOD << 4;
}

static void on_reading(void *arg, const uint8_t *data, size_t len)
{
  struct rtctrack *r = arg;
  struct plat_rtc_reading rd;
  if (r->resting || len != sizeof(rd))
    return;
  memcpy(&rd, data, sizeof(rd));
  struct timespec sys = disc_cook(r->disc, &rd.sys_time);
  accumulate(r, rd.rtc_sec, &sys);
  if (r->mode == RTCT_NORMAL) {
    fit(r, &r->c);
    r->since_fit = 0;
    maybe_autotrim(r);
  } else if (r->since_fit >= RELOCK_SAMPLES) {
    if (r->mode == RTCT_INITIAL)
      initial_trim(r);
    else
      relock(r);
  }
  if (r->p.log) {
    struct rtct_log l = {.sys_time = sys, .rtc_fast = (double)rd.rtc_sec - timespec_to_double(&sys),
                         .valid = r->c.valid, .est_fast = r->c.fast, .slope_ppm = r->c.gain * 1e6,
                         .n_samples = r->n, .n_runs = r->n_runs, .period = r->period};
    r->p.log(r->p.arg, &l);
  }
  r->period = period_for(r->n);
  /* Between measurements the readings rest; after a trim they go on. */
  if (r->mode == RTCT_NORMAL) {
    r->resting = true;
    cancel_timer(r);
    r->timer = r->plat->ops->timer_add(r->plat->ctx, r->period, measure, r);
  }
}

void rtct_clock_changed(void *arg, const struct timespec *when, double dfreq, double doffset)
{
  struct rtctrack *r = arg;
  for (int i = 0; i < r->n; i++)
    disc_slew_time(&r->sys_time[i], when, dfreq, doffset);
  if (r->c.valid) {
    r->c.fast -= doffset;
    r->c.gain -= dfreq * (1.0 - r->c.gain);
  }
}

void rtct_clock_jumped(struct rtctrack *r, double jump)
{
  r->n = 0;
  if (r->c.valid)
    r->c.fast -= jump;
}

void rtct_report(const struct rtctrack *r, struct rtct_report *out)
{
  *out = (struct rtct_report){.ref_time = r->c.ref_time, .n_samples = r->n, .n_runs = r->n_runs,
                              .span = r->n > 1 ? r->rtc_sec[r->n - 1] - r->rtc_sec[0] : 0,
                              .fast = r->c.fast, .gain_ppm = r->c.gain * 1e6};
}

void rtct_trim(struct rtctrack *r)
{
  /* The rate cannot be measured again in a few seconds: kept. */
  r->saved_gain = r->c.gain;
  if (!(fabs(r->c.fast) > MAX_TRIMLESS_ERROR))
    return;
  plat_logf(r->plat, PLAT_LOG_INFO, "RTC wrong by %.3f seconds (step)", r->c.fast);
  cancel_timer(r);
  measure(r);                     /* a sample each second until relocked */
  struct timespec now;
  disc_cooked_time(r->disc, &now);
  /* Set to the second now begun: chronyd reckons the RTC ticks the next
   * half a second later, so it is then that much less the fraction past. */
  int err = r->plat->ops->rtc_set ? r->plat->ops->rtc_set(r->plat->ctx, r->handle, now.tv_sec)
                                  : -ENOSYS;
  if (err < 0)
    plat_logf(r->plat, PLAT_LOG_ERR, "Could not set RTC time");
  r->n = 0;
  r->mode = RTCT_AFTERTRIM;
  r->c.fast = 0.5 - now.tv_nsec / 1e9;
  r->c.ref_time = now.tv_sec;
}

bool rtct_write(struct rtctrack *r)
{
  return !r->c.valid || !r->p.save || r->p.save(r->p.arg, &r->c);
}
