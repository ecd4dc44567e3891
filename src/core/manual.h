/* manual: chronyd's manual mode (manual.c): the times an operator gives
 * with chronyc settime, kept as samples whose robust fit (core/regress.h)
 * says how far off and how fast the clock runs. Pure: the caller reads
 * the cooked clock, applies the result (ref_manual_update) and tells the
 * samples of every change of the clock (manual_clock_changed, a
 * disc_change_fn).
 *
 * Offsets are chrony's: local minus true (> 0: the clock is fast), as
 * settime's answer and `manual list` show them. A sample is refused when
 * the time given is no sane time (before 1970, or 2^31 s or more from the
 * clock) or comes less than a second after the previous one; beyond 16,
 * the oldest is dropped. */
#ifndef STRATUM_CORE_MANUAL_H
#define STRATUM_CORE_MANUAL_H

#include <stdbool.h>
#include <time.h>

#define MANUAL_MAX_SAMPLES 16

struct manual_sample {
  struct timespec when;          /* cooked time it was given at (moved by slews) */
  double offset;                 /* local minus true, moved by slews */
  double orig_offset;            /* as given */
  double residual;               /* measured minus fitted, at the last fit */
};

struct manual {
  bool enabled;
  int n;
  struct manual_sample s[MANUAL_MAX_SAMPLES];   /* oldest first */
};

/* What a fit says to do. */
struct manual_fix {
  double offset;                 /* to correct now, local minus true */
  double reg_offset;             /* the fit's offset now (settime's answer) */
  double freq;                   /* the clock's gain, s/s (0 without a fit) */
  bool have_freq;                /* the fit gave it */
};

void manual_init(struct manual *m, bool enabled);
/* chronyc settime: `ts` is the true time at cooked time `now`. false: not
 * enabled, or the sample refused. */
bool manual_accept(struct manual *m, const struct timespec *now, const struct timespec *ts,
                   struct manual_fix *fix);
/* chronyc manual delete N: false if there is no sample N; else the rest
 * fitted again (the offset to correct is the fit's). */
bool manual_delete(struct manual *m, int index, struct manual_fix *fix);
/* chronyc manual reset: no samples. */
void manual_reset(struct manual *m);
/* A disc_change_fn (arg: the struct manual): the samples follow the
 * cooked time scale. */
void manual_clock_changed(void *arg, const struct timespec *when, double dfreq,
                          double doffset);

#endif
