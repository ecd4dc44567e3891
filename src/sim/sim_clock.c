#include "sim/sim_clock.h"

#include <assert.h>
#include <math.h>

static double freq_ppm(const struct sim_clock *c)
{
  double osc = c->intrinsic + c->walk;
  return osc + c->correction + osc * c->correction * 1e-6;
}

/* The sine's part of the frequency at t, and of the offset (its integral
 * from the start: the rest of the offset is piecewise linear). */
static double shape_freq(const struct sim_clock *c, sim_time t)
{
  if (c->sine_amp == 0.0)
    return 0.0;
  return c->sine_amp * sin(2.0 * M_PI * sim_seconds(t - c->start) / c->sine_period);
}

static double shape_offset(const struct sim_clock *c, sim_time t)
{
  if (c->sine_amp == 0.0)
    return 0.0;
  double w = 2.0 * M_PI / c->sine_period;
  return c->sine_amp * 1e-6 / w * (1.0 - cos(w * sim_seconds(t - c->start)));
}

/* Move the reference point to true time t at the current frequency. */
static void rebase(struct sim_clock *c, sim_time t)
{
  c->offset0 += freq_ppm(c) * 1e-6 * sim_seconds(t - c->t0);
  c->t0 = t;
}

/* Apply the wander steps due by true time t. */
static void advance(struct sim_clock *c, sim_time t)
{
  assert(t >= c->t0);
  if (c->wander <= 0.0 && c->drift == 0.0)
    return;
  double sd = c->wander * sqrt(sim_seconds(SIM_CLOCK_WANDER_STEP));
  while (c->next_walk <= t) {
    rebase(c, c->next_walk);
    if (c->wander > 0.0)
      c->walk += sd * sim_rng_normal(&c->rng);
    c->walk += c->drift * sim_seconds(SIM_CLOCK_WANDER_STEP);
    c->next_walk += SIM_CLOCK_WANDER_STEP;
  }
}

void sim_clock_init(struct sim_clock *c, sim_time start, const struct sim_clock_params *p,
                    uint64_t seed)
{
  *c = (struct sim_clock){
    .t0 = start,
    .offset0 = p->offset,
    .intrinsic = p->freq,
    .wander = p->wander,
    .drift = p->drift,
    .next_walk = start + SIM_CLOCK_WANDER_STEP,
    .start = start,
    .sine_amp = p->sine_period > 0.0 ? p->sine_amp : 0.0,
    .sine_period = p->sine_period,
  };
  sim_rng_seed(&c->rng, seed);
}

double sim_clock_offset(struct sim_clock *c, sim_time t)
{
  advance(c, t);
  return c->offset0 + freq_ppm(c) * 1e-6 * sim_seconds(t - c->t0) + shape_offset(c, t);
}

sim_time sim_clock_read(struct sim_clock *c, sim_time t)
{
  return t + (sim_time)llround(sim_clock_offset(c, t) * 1e9);
}

double sim_clock_freq_error(struct sim_clock *c, sim_time t)
{
  advance(c, t);
  return freq_ppm(c) + shape_freq(c, t);
}

sim_time sim_clock_true_delay(struct sim_clock *c, sim_time t, double local_delay)
{
  if (!(local_delay > 0.0))
    return 0;
  if (local_delay > SIM_TIME_MAX_SECONDS)
    local_delay = SIM_TIME_MAX_SECONDS;
  double rate = 1.0 + sim_clock_freq_error(c, t) * 1e-6;
  if (!(rate > 0.5))  /* a wandered-off clock still moves forward */
    rate = 0.5;
  return (sim_time)ceil(local_delay * 1e9 / rate);
}

bool sim_clock_set_freq(struct sim_clock *c, sim_time t, double ppm)
{
  if (!isfinite(ppm) || fabs(ppm) > SIM_CLOCK_MAX_FREQ)
    return false;
  advance(c, t);
  rebase(c, t);
  c->correction = ppm;
  return true;
}

double sim_clock_get_freq(const struct sim_clock *c)
{
  return c->correction;
}

bool sim_clock_step(struct sim_clock *c, sim_time t, double seconds)
{
  if (!isfinite(seconds))
    return false;
  advance(c, t);
  rebase(c, t);
  c->offset0 += seconds;
  return true;
}
