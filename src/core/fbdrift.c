#include "core/fbdrift.h"
#include "proto/num.h"

#include <math.h>
#include <string.h>

void fbd_init(struct fbdrift *f, int min, int max)
{
  memset(f, 0, sizeof(*f));
  f->min = min;
  f->max = max;
}

bool fbd_enabled(const struct fbdrift *f)
{
  return f->min > 0 && f->min <= f->max && f->max <= FBD_MAX_EXP;
}

void fbd_update(struct fbdrift *f, double freq_ppm, double interval)
{
  f->next = 0;
  /* chronyd skips updates less than a second apart. */
  if (!fbd_enabled(f) || interval < 1.0)
    return;
  for (int i = f->min; i <= f->max; i++) {
    double secs = num_ldexp(1.0, i), half = interval * 0.5;
    if (f->level[i].secs < secs) {
      f->level[i].freq = (f->level[i].freq * f->level[i].secs + half * freq_ppm) /
                         (half + f->level[i].secs);
      f->level[i].secs += half;
    } else {
      f->level[i].freq += (1.0 - num_exp(-interval / secs)) * (freq_ppm - f->level[i].freq);
    }
  }
}

bool fbd_schedule(struct fbdrift *f, double since, double *freq, double *next_in)
{
  int i, due = 0;
  bool set = false;
  *next_in = -1.0;
  if (!fbd_enabled(f))
    return false;
  for (i = f->min; i <= f->max; i++) {
    if (f->level[i].secs < num_ldexp(1.0, i))
      continue;                        /* not enough data yet */
    if (since < num_ldexp(1.0, i) && i > f->next)
      break;
    due = i;
  }
  if (due > f->next) {
    *freq = f->level[due].freq;
    f->next = due;
    set = true;
  }
  if (i <= f->max) {
    f->next = i;
    *next_in = num_ldexp(1.0, i) - since;
  }
  return set;
}

double fbd_due(const struct fbdrift *f)
{
  return f->level[f->next].freq;
}
