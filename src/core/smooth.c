#include "core/smooth.h"

#include <math.h>
#include <string.h>

#include "proto/num.h"
#include "proto/timespec.h"

/* Updates are taken once the frequency is known this well (chrony's
 * UNLOCK_SKEW_WANDER_RATIO). */
#define UNLOCK_RATIO 10000.0

void smooth_init(struct smooth *s, double max_freq_ppm, double max_wander_ppm, bool leap_only)
{
  memset(s, 0, sizeof(*s));
  s->enabled = max_freq_ppm > 0.0 && max_wander_ppm > 0.0;
  s->leap_only = leap_only;
  s->locked = true;
  s->max_freq = max_freq_ppm * 1e-6;
  s->max_wander = max_wander_ppm * 1e-6;
}

/* The offset, its rate and the stage's wander at `now`, following the
 * stages from the last update. */
static void evaluate(const struct smooth *s, const struct timespec *now, double *offset,
                     double *freq, double *wander)
{
  double left = timespec_diff(now, &s->last_update);
  double o = s->offset, f = s->freq, w = 0.0;
  for (int i = 0; i < SMOOTH_STAGES && left > 0.0; i++) {
    double len = num_fmin(s->stages[i].length, left);
    w = s->stages[i].wander;
    o -= len * (f + w * len / 2.0);
    f += w * len;
    left -= len;
  }
  if (left > 0.0) {
    w = 0.0;
    o -= left * f;
  }
  *offset = o;
  *freq = f;
  if (wander)
    *wander = w;
}

double smooth_offset(const struct smooth *s, const struct timespec *now)
{
  double offset, freq;
  if (!s->enabled || s->locked)
    return 0.0;
  evaluate(s, now, &offset, &freq, NULL);
  return offset;
}

/* Stages whose integral is the offset to hide: accelerate (in the
 * direction that keeps both lengths non-negative, or when the offset is so
 * small that neither does, the one that misses least), hold at max_freq if
 * it is reached, and decelerate to zero. */
static void plan(struct smooth *s)
{
  double w = s->max_wander;
  double a = s->offset / w, b = s->freq * s->freq / (2.0 * w * w);
  double best_err = INFINITY, l1 = 0.0, l3 = 0.0;
  int dir = 1;
  for (int d = -1; d <= 1; d += 2) {
    double err = 0.0, sq = d * a + b;
    if (sq < 0.0) {
      err += -sq;
      sq = 0.0;
    }
    double t3 = sqrt(sq), t1 = t3 - d * s->freq / w;
    if (t1 < 0.0) {
      err += t1 * t1;
      t1 = 0.0;
    }
    if (err <= best_err) {           /* ties go to +1, as chrony's */
      best_err = err;
      l1 = t1;
      l3 = t3;
      dir = d;
    }
  }
  double l2 = 0.0;
  double over = dir * s->freq + l1 * w - s->max_freq;
  if (over > 0.0) {
    /* Shorten the ramps by what exceeds the limit and hold in between. */
    double cut = over / w, top = s->max_freq;
    if (cut > l1) {                   /* already beyond the limit */
      cut = l1;
      top = dir * s->freq;
    }
    l2 = cut * (2.0 + over / top);
    l1 -= cut;
    l3 -= cut;
  }
  s->stages[0] = (struct smooth_stage){dir * w, l1};
  s->stages[1] = (struct smooth_stage){0.0, l2};
  s->stages[2] = (struct smooth_stage){-dir * w, l3};
}

/* chrony's update_smoothing, in chrony's signs: offset > 0 when the cooked
 * time went back by it, freq > 0 when it now runs slower. */
static bool update(struct smooth *s, const struct timespec *now, double offset, double freq,
                   double skew)
{
  if (s->locked) {
    if (skew / s->max_wander < UNLOCK_RATIO || s->leap_only)
      return smooth_activate(s, now);
    return false;
  }
  evaluate(s, now, &s->offset, &s->freq, NULL);
  s->offset += offset;
  s->freq = (s->freq - freq) / (1.0 - freq);
  s->last_update = *now;
  plan(s);
  return false;
}

bool smooth_adjust(struct smooth *s, const struct timespec *now, double dfreq, double doffset,
                   double skew)
{
  if (!s->enabled)
    return false;
  bool activated = s->leap_only ? update(s, now, 0.0, 0.0, skew)
                                : update(s, now, -doffset, -dfreq, skew);
  /* The last update's time is on the cooked time scale, which moved. */
  if (s->last_update.tv_sec != 0 || s->last_update.tv_nsec != 0)
    s->last_update = timespec_add_double(&s->last_update, doffset);
  return activated;
}

void smooth_leap(struct smooth *s, const struct timespec *now, int leap)
{
  if (s->enabled && s->leap_only)
    (void)update(s, now, (double)leap, 0.0, 0.0);
}

bool smooth_activate(struct smooth *s, const struct timespec *now)
{
  if (!s->enabled || !s->locked)
    return false;
  s->locked = false;
  s->last_update = *now;
  return true;
}

bool smooth_reset(struct smooth *s, const struct timespec *now)
{
  if (!s->enabled)
    return false;
  s->offset = s->freq = 0.0;
  s->last_update = *now;
  memset(s->stages, 0, sizeof(s->stages));
  return true;
}

bool smooth_report(const struct smooth *s, const struct timespec *now, struct smooth_report *r)
{
  memset(r, 0, sizeof(*r));
  if (!s->enabled)
    return false;
  r->active = !s->locked;
  r->leap_only = s->leap_only;
  double freq, wander;
  evaluate(s, now, &r->offset, &freq, &wander);
  r->freq_ppm = -freq * 1e6;
  r->wander_ppm = -wander * 1e6;
  double elapsed = timespec_diff(now, &s->last_update);
  if (!s->locked && elapsed >= 0.0) {
    double total = 0.0;
    for (int i = 0; i < SMOOTH_STAGES; i++)
      total += s->stages[i].length;
    r->last_update_ago = elapsed;
    r->remaining_time = elapsed < total ? total - elapsed : 0.0;
  }
  return true;
}
