#include "core/discipline.h"

#include <math.h>
#include <string.h>

#include "proto/ntp_time.h"
#include "proto/num.h"

/* chronyd's slew (sys_generic.c): a slew lasts at least MIN_SLEW, and at
 * least EXCESS_RATIO times the timers' recent lateness (so a late timer
 * cannot make the slew overshoot much); it is re-timed at MAX_SLEW at the
 * latest. A correction below TINY is slewed over MAX_SLEW. */
#define MIN_SLEW 1.0
#define MAX_SLEW 1e4
#define TINY 1e-9
#define EXCESS_RATIO 5.0
#define MAX_EXCESS 100.0      /* s: a longer delay is a suspend, not lateness */
#define EXCESS_DECAY 0.9      /* of the lateness remembered, per slew */

static void set_clock_freq(struct discipline *d, double ppm);

void disc_init(struct discipline *d, const struct platform *plat, bool control,
               bool have_initial_freq, double initial_freq, double max_slew_rate,
               double max_freq)
{
  memset(d, 0, sizeof(*d));
  d->plat = plat;
  d->control = control && plat->ops->clock_set_freq && plat->ops->clock_step;
  d->max_slew_rate = max_slew_rate;
  d->max_freq = max_freq;
  if (!have_initial_freq && d->control && plat->ops->clock_get_freq)
    initial_freq = plat->ops->clock_get_freq(plat->ctx);
  d->base_freq = num_fmax(-max_freq, num_fmin(max_freq, initial_freq));
  plat->ops->now(plat->ctx, &d->virt_t0);
  d->slew_start = d->virt_t0;
  /* As if chronyd's first slew (of nothing, over MAX_SLEW) had started. */
  d->slew_end = timespec_add_double(&d->virt_t0, MAX_SLEW);
  set_clock_freq(d, d->base_freq);
}

void disc_fini(struct discipline *d)
{
  if (d->slew_timer)
    d->plat->ops->timer_cancel(d->plat->ctx, d->slew_timer);
  d->slew_timer = 0;
}

void disc_slew_time(struct timespec *t, const struct timespec *when, double dfreq,
                    double doffset)
{
  double elapsed = timespec_diff(t, when);
  *t = timespec_add_double(t, doffset + elapsed * dfreq);
}

bool disc_add_listener(struct discipline *d, disc_change_fn fn, void *arg)
{
  if (d->n_listeners == DISC_MAX_LISTENERS)
    return false;
  d->listeners[d->n_listeners].fn = fn;
  d->listeners[d->n_listeners].arg = arg;
  d->n_listeners++;
  return true;
}

static void notify(struct discipline *d, const struct timespec *when, double dfreq,
                   double doffset)
{
  for (unsigned i = 0; i < d->n_listeners; i++)
    d->listeners[i].fn(d->listeners[i].arg, when, dfreq, doffset);
}

/* The clock being corrected ("raw"): the platform's clock, or the virtual
 * clock built on it. */
static struct timespec to_raw(const struct discipline *d, const struct timespec *platform_time)
{
  if (d->control)
    return *platform_time;
  double elapsed = timespec_diff(platform_time, &d->virt_t0);
  return timespec_add_double(platform_time, d->virt_offset + d->virt_freq * 1e-6 * elapsed);
}

static void raw_now(struct discipline *d, struct timespec *raw)
{
  struct timespec t;
  d->plat->ops->now(d->plat->ctx, &t);
  *raw = to_raw(d, &t);
}

/* Every change of the correction ends here (a new frequency or a step). */
static void publish(struct discipline *d)
{
  if (d->published)
    disc_cooking(d, d->published);
}

static void set_clock_freq(struct discipline *d, double ppm)
{
  if (d->control) {
    d->plat->ops->clock_set_freq(d->plat->ctx, ppm);
  } else {
    struct timespec now;
    d->plat->ops->now(d->plat->ctx, &now);
    d->virt_offset += d->virt_freq * 1e-6 * timespec_diff(&now, &d->virt_t0);
    d->virt_t0 = now;
    d->virt_freq = ppm;
  }
  publish(d);
}

static bool step_clock(struct discipline *d, double offset)
{
  if (d->control)
    return d->plat->ops->clock_step(d->plat->ctx, offset) == 0;
  d->virt_offset += offset;
  return true;
}

/* The correction not yet slewed at raw time `raw`. While slewing, the raw
 * clock runs 1 + r times as fast as it would at the base frequency, so of
 * `elapsed` raw seconds the part r / (1 + r) is correction. */
static double offset_correction(const struct discipline *d, const struct timespec *raw)
{
  double elapsed = timespec_diff(raw, &d->slew_start);
  double r = d->slew_rate * 1e-6;
  return d->remaining - elapsed * r / (1.0 + r);
}

void disc_cooking(const struct discipline *d, struct disc_cooking *out)
{
  memset(out, 0, sizeof(*out));
  out->virtual_clock = !d->control;
  out->virt_t0 = d->virt_t0;
  out->virt_offset = d->virt_offset;
  out->virt_freq = d->virt_freq;
  out->start = d->slew_start;
  out->remaining = d->remaining;
  out->rate = d->slew_rate * 1e-6;
  out->mono_offset = -d->accumulated;
  out->mono_epoch = d->mono_epoch;
}

void disc_publish(struct discipline *d, struct disc_cooking *out)
{
  d->published = out;
  publish(d);
}

double disc_cooking_correction(const struct disc_cooking *c, const struct timespec *t)
{
  double virt = 0.0;
  if (c->virtual_clock)
    virt = c->virt_offset + c->virt_freq * 1e-6 * timespec_diff(t, &c->virt_t0);
  struct timespec raw = timespec_add_double(t, virt);
  double left = c->remaining - timespec_diff(&raw, &c->start) * c->rate / (1.0 + c->rate);
  /* Once slewed out (the slew's timer settles it), nothing is left. */
  return virt + (left * c->remaining > 0.0 ? left : 0.0);
}

struct timespec disc_cook(const struct discipline *d, const struct timespec *platform_time)
{
  struct timespec raw = to_raw(d, platform_time);
  return timespec_add_double(&raw, offset_correction(d, &raw));
}

double disc_remaining(const struct discipline *d)
{
  struct timespec now;
  d->plat->ops->now(d->plat->ctx, &now);
  struct timespec raw = to_raw(d, &now);
  return offset_correction(d, &raw);
}

void disc_cooked_time(const struct discipline *d, struct timespec *cooked)
{
  struct timespec now;
  d->plat->ops->now(d->plat->ctx, &now);
  *cooked = disc_cook(d, &now);
}

double disc_relative_freq(double from_ppm, double to_ppm)
{
  return (to_ppm - from_ppm) / (1e6 + from_ppm);
}

/* The slew scales the rate of the clock at the base frequency (the clock
 * runs 1 + r times as fast, see offset_correction), and tempcomp's
 * compensation is taken out, as chronyd's LCL_SetTempComp. */
static void set_freq(struct discipline *d)
{
  double f = d->base_freq + d->slew_rate + d->base_freq * d->slew_rate * 1e-6;
  set_clock_freq(d, f * (1.0 - 1e-6 * d->temp_comp) - d->temp_comp);
}

void disc_set_temp_comp(struct discipline *d, double comp_ppm)
{
  if (comp_ppm == d->temp_comp)
    return;
  d->temp_comp = comp_ppm;
  set_freq(d);
}

/* Account for what was slewed since the last change, at raw time `raw`. */
static void settle(struct discipline *d, const struct timespec *raw)
{
  d->remaining = offset_correction(d, raw);
  d->slew_start = *raw;
}

static void on_slew_end(void *arg);

/* chronyd's decaying maximum of how late slews ended (by their timer or
 * a new correction; early is negative), at platform time `now`. */
static void track_excess(struct discipline *d, const struct timespec *now)
{
  d->slew_excess = (d->slew_excess + 1e-9) * EXCESS_DECAY;
  double excess = timespec_diff(now, &d->slew_end);
  if (excess > d->slew_excess && excess <= MAX_EXCESS)
    d->slew_excess = excess;
}

/* End the slew under way and start the next one, chronyd's update_slew:
 * what is left is slewed over corr_rate / |left| seconds (at least
 * MIN_SLEW), at most at max_slew_rate; its timer ends it when slewed out,
 * in 1 to MAX_SLEW seconds of the raw clock. */
static void update_slew(struct discipline *d)
{
  struct timespec now, raw;
  if (d->slew_timer)
    d->plat->ops->timer_cancel(d->plat->ctx, d->slew_timer);
  d->slew_timer = 0;
  d->plat->ops->now(d->plat->ctx, &now);
  raw = to_raw(d, &now);
  settle(d, &raw);
  track_excess(d, &now);

  double left = fabs(d->remaining);
  double duration = MAX_SLEW;
  if (left >= TINY)
    duration = num_fmax(num_fmax(d->corr_rate / left, MIN_SLEW), EXCESS_RATIO * d->slew_excess);
  double max_r = d->max_slew_rate * 1e-6;
  double r = num_fmax(-max_r, num_fmin(max_r, d->remaining / duration));
  d->slew_rate = r * 1e6;
  set_freq(d);

  /* The raw clock runs 1 + r times as fast while slewing (see
   * offset_correction). As chronyd, the end is kept within its limits
   * even if that misses the correction a little: the next slew takes
   * back what was missed. */
  double raw_duration = MAX_SLEW;
  if (left >= TINY && r * d->remaining > 0.0)
    raw_duration = num_fmax(MIN_SLEW, num_fmin(MAX_SLEW, d->remaining / r * (1.0 + r)));
  /* Timers count the platform clock's seconds: without control, the
   * virtual clock runs virt_freq faster. */
  double delay = d->control ? raw_duration : raw_duration / (1.0 + d->virt_freq * 1e-6);
  d->slew_end = timespec_add_double(&now, delay);
  d->slew_timer = d->plat->ops->timer_add(d->plat->ctx, delay, on_slew_end, d);
}

static void on_slew_end(void *arg)
{
  struct discipline *d = arg;
  d->slew_timer = 0;
  update_slew(d);
}

static void accumulate(struct discipline *d, double freq, double offset, double corr_rate,
                       bool tell)
{
  struct timespec raw, cooked;
  raw_now(d, &raw);
  settle(d, &raw);
  cooked = timespec_add_double(&raw, d->remaining);

  double old_freq = d->base_freq;
  d->base_freq = num_fmax(-d->max_freq, num_fmin(d->max_freq, freq));
  d->remaining += offset;
  d->accumulated += offset;
  d->corr_rate = corr_rate;
  update_slew(d);
  if (tell)
    notify(d, &cooked, disc_relative_freq(old_freq, d->base_freq), offset);
}

void disc_accumulate(struct discipline *d, double freq, double offset, double corr_rate)
{
  accumulate(d, freq, offset, corr_rate, true);
}

void disc_set_freq(struct discipline *d, double freq)
{
  accumulate(d, freq, 0.0, d->corr_rate, true);
}

void disc_adjust_quietly(struct discipline *d, double dfreq, double offset, double corr_rate)
{
  /* dfreq scales the rate, as an update's (chrony's local.c). */
  accumulate(d, d->base_freq + dfreq * (1e6 + d->base_freq), offset, corr_rate, false);
}

bool disc_step(struct discipline *d, double offset)
{
  struct timespec raw, cooked;
  raw_now(d, &raw);
  settle(d, &raw);
  /* The unfinished slew becomes part of the step. */
  double total = offset + d->remaining;
  if (!step_clock(d, total))
    return false;
  d->remaining = 0.0;
  d->mono_epoch++;
  raw_now(d, &raw);
  d->slew_start = raw;
  /* The planned end moved with the clock (chronyd's handle_step). */
  if (d->control)
    d->slew_end = timespec_add_double(&d->slew_end, total);
  update_slew(d);
  d->steps++;
  cooked = raw;
  notify(d, &cooked, 0.0, offset);
  return true;
}

void disc_notify_leap(struct discipline *d, int leap)
{
  struct timespec cooked;
  disc_cooked_time(d, &cooked);
  notify(d, &cooked, 0.0, (double)leap);
}

void disc_cancel_correction(struct discipline *d)
{
  struct timespec raw;
  raw_now(d, &raw);
  settle(d, &raw);
  double dropped = d->remaining;
  d->remaining = 0.0;
  d->mono_epoch++;
  d->corr_rate = 0.0;
  update_slew(d);
  notify(d, &raw, 0.0, -dropped);
}

double disc_base_freq(const struct discipline *d)
{
  return d->base_freq;
}

void disc_set_sync(struct discipline *d, bool synchronised, double est_error, double max_error)
{
  if (d->control && d->plat->ops->clock_set_sync)
    d->plat->ops->clock_set_sync(d->plat->ctx, synchronised, est_error, max_error);
}
