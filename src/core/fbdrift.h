/* fbdrift: chrony's fallback drifts (fallbackdrift MIN MAX). While the
 * clock is synchronised, each update feeds long-term averages of its
 * frequency over 2^MIN, 2^(MIN+1) ... 2^MAX seconds (a plain average until
 * a level has seen 2^i s of updates, then an exponential one with that
 * time constant). When no update has come for 2^i s, the frequency is set
 * to level i's average (of the levels with enough data, the longest that
 * is due), so that a clock that lost its sources does not drift away on a
 * short-term frequency; the reference then says it is unsynchronised.
 * Pure: the reference feeds it updates and keeps the timer it asks for. */
#ifndef STRATUM_CORE_FBDRIFT_H
#define STRATUM_CORE_FBDRIFT_H

#include <stdbool.h>

#define FBD_MAX_EXP 32                 /* 2^32 s: chrony's configuration limit */

struct fbdrift {
  int min, max;                        /* enabled when 0 < min <= max */
  int next;                            /* the level set or scheduled last; 0: none */
  struct {
    double freq;                       /* ppm */
    double secs;                       /* of updates averaged, until 2^i */
  } level[FBD_MAX_EXP + 1];
};

void fbd_init(struct fbdrift *f, int min, int max);
bool fbd_enabled(const struct fbdrift *f);
/* A clock update made the frequency freq_ppm, `interval` s after the last. */
void fbd_update(struct fbdrift *f, double freq_ppm, double interval);
/* Unsynchronised for `since` s (0 right after an update): true and *freq
 * when a fallback is due now; *next_in, the seconds until the next one is
 * due (fbd_due() then gives it), or -1 if none will be. */
bool fbd_schedule(struct fbdrift *f, double since, double *freq, double *next_in);
/* The frequency of the fallback scheduled last. */
double fbd_due(const struct fbdrift *f);

#endif
