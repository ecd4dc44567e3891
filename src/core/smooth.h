/* smooth: chrony's time smoothing (smoothtime, smooth.c) — the offset added
 * to the time served to NTP clients so that it changes slowly and never
 * jumps, even when the clock is corrected by large offsets or frequencies
 * (or, with leaponly, only across leap seconds: a leap smear).
 *
 * The offset still to hide is smoothed out in three stages: the frequency
 * of the served time moves at a constant rate (max-wander) towards at most
 * max-freq, stays there as long as needed, then comes back to zero; the
 * offset is the integral, a continuous piecewise polynomial. A smoother
 * starts locked (serving no offset) and is activated by the first update
 * once the clock's skew is below 10000 x max-wander (leaponly: at once), or
 * by chronyc smoothtime activate. Signs: served = cooked + offset. Pure
 * value type: the reference updates it inside the served state, which the
 * server and its workers copy. */
#ifndef STRATUM_CORE_SMOOTH_H
#define STRATUM_CORE_SMOOTH_H

#include <stdbool.h>
#include <time.h>

#define SMOOTH_STAGES 3

struct smooth_stage {
  double wander;                /* s/s^2 (of the offset's rate of change) */
  double length;                /* s */
};

struct smooth {
  bool enabled, leap_only, locked;
  double max_freq, max_wander;  /* s/s, s/s^2 */
  double offset, freq;          /* at last_update: offset(t)' = -freq */
  struct timespec last_update;  /* cooked */
  struct smooth_stage stages[SMOOTH_STAGES];
};

/* smoothtime MAX-FREQ MAX-WANDER [leaponly] (ppm, ppm/s); enabled only
 * when both are positive. */
void smooth_init(struct smooth *s, double max_freq_ppm, double max_wander_ppm, bool leap_only);
/* The offset to add to the cooked time `now` (0 when disabled or locked). */
double smooth_offset(const struct smooth *s, const struct timespec *now);

/* The reference slewed the clock: the cooked time moved by doffset
 * (seconds added) and its rate by dfreq (s/s, > 0 faster) at cooked time
 * `now` (before the change); skew (s/s) of the frequency. Returns true
 * when this update activated the smoother (the caller logs "Activated time
 * smoothing"). */
bool smooth_adjust(struct smooth *s, const struct timespec *now, double dfreq, double doffset,
                   double skew);
/* UTC inserted (1) or deleted (-1) a second and the cooked time will follow
 * it: in leaponly mode, that second is smoothed (elsewhere the correction
 * is an ordinary adjustment). */
void smooth_leap(struct smooth *s, const struct timespec *now, int leap);
/* chronyc smoothtime activate; false if already active or disabled. */
bool smooth_activate(struct smooth *s, const struct timespec *now);
/* The clock was stepped or chronyc smoothtime reset: nothing left to hide.
 * False if disabled. */
bool smooth_reset(struct smooth *s, const struct timespec *now);

/* chronyc smoothing, in chrony's signs (frequencies > 0: served time
 * faster). False when disabled. */
struct smooth_report {
  bool active, leap_only;
  double offset, freq_ppm, wander_ppm, last_update_ago, remaining_time;
};
bool smooth_report(const struct smooth *s, const struct timespec *now, struct smooth_report *r);

#endif
