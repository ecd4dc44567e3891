/* discipline: the local clock as the core sees it, corrected through the
 * platform (chrony's model).
 *
 * Offsets are never applied by the kernel's PLL: an offset correction is
 * "accumulated" and then slewed out by running the clock at the base
 * frequency scaled by 1 + correction rate for as long as needed (limited by
 * maxslewrate). The
 * "cooked" time is the raw clock plus the correction still to be slewed:
 * it jumps by the whole correction at once, which is what measurements and
 * statistics use. Every change of the cooked time scale is announced to
 * listeners (source statistics slew their samples).
 *
 * Without clock control (-x, or a platform that cannot adjust the clock) the
 * same corrections are applied to a virtual clock kept here instead, so the
 * daemon still tracks its offset and frequency, as chronyd -x does. */
#ifndef STRATUM_CORE_DISCIPLINE_H
#define STRATUM_CORE_DISCIPLINE_H

#include <stdbool.h>
#include <time.h>

#include "core/platform.h"

/* The daemon's: the client, manual, the RTC's drift and hardware stamps;
 * room for more. */
#define DISC_MAX_LISTENERS 8

/* The cooked time scale changed at `when` (cooked time): its rate by dfreq
 * (s/s, > 0 = now runs faster) and its offset by doffset (seconds added). */
typedef void (*disc_change_fn)(void *arg, const struct timespec *when, double dfreq,
                               double doffset);
/* A timestamp on the cooked time scale, moved as such a change moves it. */
void disc_slew_time(struct timespec *t, const struct timespec *when, double dfreq,
                    double doffset);

struct discipline {
  const struct platform *plat;
  bool control;                  /* adjust the real clock */
  double virt_offset, virt_freq; /* the virtual clock without control: s, ppm */
  struct timespec virt_t0;       /* raw time virt_offset refers to */
  double base_freq;              /* ppm applied when not slewing */
  double max_slew_rate;          /* ppm */
  double max_freq;               /* ppm, |base_freq| limit */
  double remaining;              /* correction still to slew, s (> 0: clock to advance) */
  double slew_rate;              /* ppm currently added to base_freq */
  double temp_comp;              /* ppm tempcomp takes out of what is applied */
  struct timespec slew_start;    /* raw time when slew_rate was last set */
  plat_timer slew_timer;
  unsigned steps;
  double accumulated;            /* offsets given to disc_accumulate, summed */
  unsigned mono_epoch;           /* steps and cancelled corrections */
  struct {
    disc_change_fn fn;
    void *arg;
  } listeners[DISC_MAX_LISTENERS];
  unsigned n_listeners;
  struct disc_cooking *published;  /* kept up to date (disc_publish); NULL: none */
};

/* How the cooked time follows from the platform's clock, as a value that
 * can be copied (to the server's workers): without clock control (-x),
 * the virtual clock (`virt_offset` at platform time `virt_t0`, running
 * `virt_freq` ppm fast); then the correction not yet slewed at `start`
 * (of that clock), slewed at `rate` (s/s) until it is gone. */
struct disc_cooking {
  bool virtual_clock;
  struct timespec virt_t0;
  double virt_offset, virt_freq;
  struct timespec start;
  double remaining;
  double rate;
  /* The monotonic scale (chrony's, for the F323 field): the cooked time
   * plus mono_offset, which takes out every offset correction; it starts
   * anew (mono_epoch changes) when the clock is stepped or a correction is
   * dropped. */
  double mono_offset;
  unsigned mono_epoch;
};
void disc_cooking(const struct discipline *d, struct disc_cooking *out);
/* Keep *out equal to disc_cooking()'s from now on, after every change of
 * the correction (the server reads it to serve cooked time). */
void disc_publish(struct discipline *d, struct disc_cooking *out);
/* The correction to add to platform time t to get cooked time. */
double disc_cooking_correction(const struct disc_cooking *c, const struct timespec *t);

/* Without a known initial frequency, the clock's current one is kept. */
void disc_init(struct discipline *d, const struct platform *plat, bool control,
               bool have_initial_freq, double initial_freq, double max_slew_rate,
               double max_freq);
void disc_fini(struct discipline *d);
bool disc_add_listener(struct discipline *d, disc_change_fn fn, void *arg);

/* Cooked time now, and of a platform time stamp (e.g. a receive time). */
void disc_cooked_time(const struct discipline *d, struct timespec *cooked);
struct timespec disc_cook(const struct discipline *d, const struct timespec *platform_time);

/* Set the base frequency to freq ppm and slew `offset` seconds (> 0: the
 * clock is behind and must advance). correction_time: the time over which
 * to slew an offset (at least |offset| / max_slew_rate). */
void disc_accumulate(struct discipline *d, double freq, double offset, double correction_time);
/* The same change, the rate at the base frequency scaled by 1 + dfreq, told to no
 * listener: a local reference clock's corrections (chronyd's
 * LCL_AccumulateFrequencyAndOffsetNoHandlers) are meant to show in the
 * other sources' measurements. */
void disc_adjust_quietly(struct discipline *d, double dfreq, double offset,
                         double correction_time);
/* Step the cooked time by `offset` seconds now: the clock is stepped by
 * offset plus the unfinished slew, which ends. */
bool disc_step(struct discipline *d, double offset);
/* UTC inserted (leap 1) or deleted (-1) a second: to the listeners'
 * measurements it is as if the clock had been stepped by `leap` seconds
 * (chronyd's LCL_NotifyLeap); the clock itself is not changed. */
void disc_notify_leap(struct discipline *d, int leap);
/* tempcomp: the clock is comp_ppm faster than it would be at its
 * reference temperature; from now on the frequency given to the clock is
 * f * (1 - 1e-6 comp) - comp for the frequency f the discipline applies,
 * as chronyd compensates. Nothing else changes (no listener is told: the
 * measurements are meant not to see it). */
void disc_set_temp_comp(struct discipline *d, double comp_ppm);
/* Drop the unfinished slew (chronyd's LCL_CancelOffsetCorrection, when the
 * clock was stepped by someone else and the correction means nothing). */
void disc_cancel_correction(struct discipline *d);

double disc_base_freq(const struct discipline *d);
/* The change of the clock's rate (s/s) when its frequency goes from one
 * value to another (ppm): frequencies scale the clock's rate, as a
 * kernel's do, so the change is relative to the rate at `from`. */
double disc_relative_freq(double from_ppm, double to_ppm);
/* The offset correction not yet slewed, now (> 0: the clock still to advance). */
double disc_remaining(const struct discipline *d);
/* Report synchronisation to the kernel (only with clock control). */
void disc_set_sync(struct discipline *d, bool synchronised, double est_error, double max_error);

#endif
