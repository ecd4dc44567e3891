#include "core/reference.h"

#include <math.h>
#include <string.h>

#include "proto/ntp_time.h"
#include "proto/num.h"

#define RMS_OFFSET_WEIGHT 0.1         /* of a new update in the RMS offset */
#define DAY 86400
#define LDB_INTERVAL (DAY / 2)        /* the leap database is asked twice a day */
#define LEAP_CLOSE 5                  /* s around a leap second's midnight */
#define LEAP_DURATION 2.0             /* s: the leap is over with room to spare */
#define LEAP_HOP 0.9                  /* of the time left, per timer hop... */
#define LEAP_LAST_HOP 1.0             /* ...until this is left, s */

/* ---- what we serve ---- */

void ref_state_init(struct refstate *r, int precision_log2)
{
  memset(r, 0, sizeof(*r));
  r->leap = NTP_LEAP_UNSYNC;
  r->stratum = NTP_MAX_STRATUM;
  r->refid = REFID_UNSYNC;
  r->precision_log2 = precision_log2;
}

int ref_precision_log2(double quantum)
{
  quantum = quantum < 1e-9 ? 1e-9 : quantum > 1.0 ? 1.0 : quantum;
  return (int)num_lround(num_log2(quantum));
}

void ref_set_local(struct refstate *r, const struct ref_local *local, const struct timespec *now)
{
  if (r->unsync_since.tv_sec == 0 && r->unsync_since.tv_nsec == 0)
    r->unsync_since = *now;
  r->local = *local;
  if (r->local.stratum < 1)
    r->local.stratum = 1;
  if (r->local.stratum > NTP_MAX_STRATUM - 1)
    r->local.stratum = NTP_MAX_STRATUM - 1;
  r->local_activate_ok = local->activate == 0.0;
}

int ref_orphan_stratum(const struct ref_local *local)
{
  return local->enabled && local->orphan ? local->stratum : NTP_MAX_STRATUM;
}

void ref_set_smoothing(struct refstate *r, double max_freq_ppm, double max_wander_ppm,
                       bool leap_only)
{
  smooth_init(&r->smooth, max_freq_ppm, max_wander_ppm, leap_only);
}

/* Our root dispersion at `now` (0 when unsynchronised, as chronyd's). */
static double served_dispersion(const struct refstate *r, const struct timespec *now)
{
  if (!r->synchronised)
    return 0.0;
  double age = timespec_diff(now, &r->ref_time);
  return r->root_dispersion + r->dispersion_rate * (age > 0.0 ? age : 0.0);
}

/* chronyd's REF_GetReferenceParams: whether the local reference is what we
 * serve at `now`. */
static bool local_active(const struct refstate *r, const struct timespec *now)
{
  if (!r->local.enabled || !r->local_activate_ok)
    return false;
  if (!r->synchronised)
    return timespec_diff(now, &r->unsync_since) >= r->local.wait_unsynced;
  double distance = r->root_delay / 2.0 + served_dispersion(r, now);
  return timespec_diff(now, &r->ref_time) >= r->local.wait_synced &&
         distance > r->local.distance;
}

static uint64_t mix64(uint64_t x)
{
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* chronyd's local reference time: at least a second before now, up to a
 * second more at random, and kept for REF_LOCAL_UPDATE_INTERVAL seconds,
 * so that a server polling itself (through a loop) recognises its own
 * replies, and others' differ. chronyd sets it at its first use after the
 * local reference became active; here the windows of a grid that starts
 * when it did (unsync_since plus wait_unsynced: the first window's time
 * is then 1-2 s before that), their fuzz drawn from the owner's local_key,
 * so that every thread serves the same time without shared state. */
static struct timespec local_ref_time(const struct refstate *r, const struct timespec *now)
{
  const int64_t ns = 1000000000, interval = (int64_t)REF_LOCAL_UPDATE_INTERVAL * ns;
  struct timespec start = timespec_add_double(&r->unsync_since, r->local.wait_unsynced);
  int64_t start_ns = (int64_t)start.tv_sec * ns + start.tv_nsec;
  uint64_t key = mix64(r->local_key ^ mix64((uint64_t)start_ns));
  int64_t t = (int64_t)now->tv_sec * ns + now->tv_nsec - start_ns;
  int64_t k = t >= 0 ? t / interval : -((-t + interval - 1) / interval);
  int64_t fuzz = (int64_t)(mix64(key ^ (uint64_t)k) % (uint64_t)ns);
  int64_t ref = start_ns + k * interval - ns - fuzz;
  int64_t sec = ref >= 0 ? ref / ns : -((-ref + ns - 1) / ns);
  return (struct timespec){.tv_sec = (time_t)sec, .tv_nsec = (long)(ref - sec * ns)};
}

void ref_get_params(const struct refstate *r, const struct timespec *now, struct ref_params *out)
{
  memset(out, 0, sizeof(*out));
  out->precision = (int8_t)r->precision_log2;
  if (local_active(r, now)) {
    out->leap = NTP_LEAP_NONE;
    out->stratum = (uint8_t)r->local.stratum;
    out->refid = NTP_REFID_LOCAL;
    out->ref_time = local_ref_time(r, now);
    out->root_dispersion = 0.0;           /* chronyd's: the local clock is the reference */
  } else if (r->synchronised) {
    out->synchronised = true;
    out->leap = r->leap;
    out->stratum = (uint8_t)r->stratum;
    out->refid = r->refid;
    out->ref_time = r->ref_time;
    out->root_delay = r->root_delay;
    out->root_dispersion = served_dispersion(r, now);
  } else {
    /* Unsynchronised: clients ignore the rest; stratum 16 is sent as 0. */
    out->leap = NTP_LEAP_UNSYNC;
    out->stratum = 0;
    out->refid = REFID_UNSYNC;
    out->root_delay = 1.0;
    out->root_dispersion = 1.0;
  }
}

void ref_fill_header(const struct refstate *r, const struct timespec *now, struct ntp_header *h)
{
  struct ref_params rp;
  ref_get_params(r, now, &rp);
  h->leap = rp.leap;
  h->stratum = rp.stratum;
  h->precision = rp.precision;
  h->root_delay = ntp_short_from_double(rp.root_delay);
  h->root_dispersion = ntp_short_from_double(rp.root_dispersion);
  h->refid = rp.refid;
  if (rp.ref_time.tv_sec != 0 || rp.ref_time.tv_nsec != 0)
    h->reference = ntp_ts_from_timespec(&rp.ref_time);
}

void ref_mono_root(const struct refstate *r, const struct timespec *now,
                   const struct timespec *rx, double rx_correction, struct ntpext_mono_root *m)
{
  struct ref_params rp;
  ref_get_params(r, now, &rp);
  *m = (struct ntpext_mono_root){.root_delay = rp.root_delay,
                                 .root_dispersion = rp.root_dispersion,
                                 .mono_epoch = r->mono_epoch_base + r->cooking.mono_epoch};
  if (rx) {
    struct timespec mono = timespec_add_double(rx, rx_correction + r->cooking.mono_offset);
    m->mono_receive = ntp_ts_from_timespec(&mono);
  }
}

bool ref_leap_day(time_t utc)
{
  struct tm tm;
  if (!gmtime_r(&utc, &tm))
    return false;
  return (tm.tm_mon == 5 && tm.tm_mday == 30) || (tm.tm_mon == 11 && tm.tm_mday == 31);
}

/* ---- the updates ---- */

void ref_init(struct reference *r, const struct platform *plat, struct discipline *disc,
              struct refstate *state, const struct ref_config *cfg)
{
  memset(r, 0, sizeof(*r));
  r->plat = plat;
  r->disc = disc;
  r->state = state;
  r->p = *cfg;
  r->skew = cfg->initial_skew * 1e-6;
  r->have_freq = cfg->have_initial_freq;
  r->leapmode = cfg->leapmode;
  if (r->leapmode == REF_LEAP_SYSTEM && (!cfg->control || !plat->ops->clock_set_leap))
    r->leapmode = REF_LEAP_STEP;
  r->leap_status = NTP_LEAP_UNSYNC;
  r->ldb_asked = -1;
  fbd_init(&r->fbd, cfg->fallbackdrift_min, cfg->fallbackdrift_max);
  state->leap_slew = r->leapmode == REF_LEAP_SLEW;
  disc_publish(disc, &state->cooking);
}

static void cancel_fallback(struct reference *r)
{
  if (r->fbd_timer)
    r->plat->ops->timer_cancel(r->plat->ctx, r->fbd_timer);
  r->fbd_timer = 0;
}

void ref_fini(struct reference *r)
{
  if (r->leap_timer)
    r->plat->ops->timer_cancel(r->plat->ctx, r->leap_timer);
  r->leap_timer = 0;
  cancel_fallback(r);
}

/* ---- fallbackdrift (chronyd's schedule_fb_drift) ---- */

static void fallback_due(void *arg);

static void schedule_fallback(struct reference *r)
{
  struct timespec now;
  double freq, next_in;
  if (!fbd_enabled(&r->fbd) || r->fbd_timer)
    return;
  disc_cooked_time(r->disc, &now);
  double since = r->n_updates > 0 ? num_fmax(0.0, timespec_diff(&now, &r->last_update)) : 0.0;
  if (fbd_schedule(&r->fbd, since, &freq, &next_in))
    disc_set_freq(r->disc, freq);
  if (next_in >= 0.0)
    r->fbd_timer = r->plat->ops->timer_add(r->plat->ctx, next_in, fallback_due, r);
}

static void fallback_due(void *arg)
{
  struct reference *r = arg;
  r->fbd_timer = 0;
  plat_logf(r->plat, PLAT_LOG_DEBUG, "Fallback drift %d active: %f ppm", r->fbd.next,
            fbd_due(&r->fbd));
  disc_set_freq(r->disc, fbd_due(&r->fbd));
  ref_set_unsynchronised(r);            /* which schedules the next one */
}

/* ---- smoothtime (chrony's smooth.c is told by the clock's changes) ---- */

static void smoothing_activated(struct reference *r)
{
  plat_logf(r->plat, PLAT_LOG_INFO, "Activated time smoothing%s",
            r->state->smooth.leap_only ? " (leap seconds only)" : "");
}

/* The clock was slewed: the cooked time moved by doffset and its rate by
 * dfreq (s/s) at cooked time `when`. */
static void smoothing_adjusted(struct reference *r, const struct timespec *when, double dfreq,
                               double doffset)
{
  if (smooth_adjust(&r->state->smooth, when, dfreq, doffset, r->skew))
    smoothing_activated(r);
}

/* Every step of the clock resets it (chrony's LCL_ApplyStepOffset). */
static void smoothing_stepped(struct reference *r)
{
  struct timespec now;
  disc_cooked_time(r->disc, &now);
  if (smooth_reset(&r->state->smooth, &now))
    plat_logf(r->plat, PLAT_LOG_INFO, "Reset time smoothing");
}

bool ref_smoothing_reset(struct reference *r)
{
  if (!r->state->smooth.enabled)
    return false;
  smoothing_stepped(r);
  return true;
}

bool ref_smoothing_activate(struct reference *r)
{
  struct timespec now;
  if (!r->state->smooth.enabled)
    return false;
  disc_cooked_time(r->disc, &now);
  if (smooth_activate(&r->state->smooth, &now))
    smoothing_activated(r);
  return true;
}

/* ---- leap seconds (chrony's reference.c and leapdb.c) ---- */

static time_t raw_now(const struct reference *r)
{
  struct timespec now;
  r->plat->ops->now(r->plat->ctx, &now);
  return now.tv_sec;
}

static int64_t day_floor(int64_t t, int64_t unit)
{
  return t >= 0 ? t / unit * unit : -((-t + unit - 1) / unit) * unit;
}

/* chronyd's LDB_GetLeap: the database asked about the half day of `when`. */
static enum ntp_leap ldb_get(struct reference *r, time_t when, int *tai)
{
  *tai = 0;
  if (!r->p.leap_lookup)
    return NTP_LEAP_NONE;
  int64_t half_day = day_floor(when, LDB_INTERVAL);
  if (r->ldb_asked != half_day) {
    r->ldb_asked = half_day;
    r->ldb_tai = 0;
    r->ldb_leap = r->p.leap_lookup(r->p.leap_arg, (time_t)half_day, &r->ldb_tai);
  }
  *tai = r->ldb_tai;
  return r->ldb_leap;
}

/* What packets and chronyc tracking carry while synchronised: during the
 * leap second itself, chronyd serves "unsynchronised". */
static void serve_leap(struct reference *r)
{
  if (r->state->synchronised)
    r->state->leap = r->leap_in_progress ? NTP_LEAP_UNSYNC : r->leap_status;
}

static void set_system_leap(struct reference *r)
{
  r->plat->ops->clock_set_leap(r->plat->ctx, r->leap_sec, r->tai_offset);
}

static void leap_start(void *arg);

static void leap_end(void *arg)
{
  struct reference *r = arg;
  r->leap_timer = 0;
  r->leap_in_progress = false;
  if (r->tai_offset)
    r->tai_offset += r->leap_sec;
  r->leap_sec = 0;
  if (r->leapmode == REF_LEAP_SYSTEM)
    set_system_leap(r);
  if (r->leap_status == NTP_LEAP_INSERT || r->leap_status == NTP_LEAP_DELETE)
    r->leap_status = NTP_LEAP_NONE;
  serve_leap(r);
}

static void leap_start(void *arg)
{
  struct reference *r = arg;
  r->leap_in_progress = true;
  /* A second inserted into UTC is as if our clock had been stepped
   * forward by it (deleted, backward); the clock's correction undoes it. */
  switch (r->leapmode) {
  case REF_LEAP_SYSTEM:
    plat_logf(r->plat, PLAT_LOG_DEBUG, "Waiting for system clock leap second correction");
    break;
  case REF_LEAP_SLEW: {
    struct timespec cooked;
    disc_cooked_time(r->disc, &cooked);
    disc_notify_leap(r->disc, r->leap_sec);
    smooth_leap(&r->state->smooth, &cooked, r->leap_sec);
    disc_accumulate(r->disc, disc_base_freq(r->disc), -r->leap_sec, 0.0);
    smoothing_adjusted(r, &cooked, 0.0, -r->leap_sec);
    plat_logf(r->plat, PLAT_LOG_WARN, "Adjusting system clock for leap second");
    break;
  }
  case REF_LEAP_STEP:
    disc_notify_leap(r->disc, r->leap_sec);
    if (disc_step(r->disc, -r->leap_sec))
      smoothing_stepped(r);
    plat_logf(r->plat, PLAT_LOG_WARN, "System clock was stepped for leap second");
    break;
  case REF_LEAP_IGNORE:
    plat_logf(r->plat, PLAT_LOG_WARN, "Ignoring leap second");
    break;
  }
  serve_leap(r);
  r->leap_timer = r->plat->ops->timer_add(r->plat->ctx, LEAP_DURATION, leap_end, r);
}

/* Timers count the clock's seconds at its rate when armed, and the rate
 * changes while the clock is slewed: the leap's time is approached in hops
 * of most of the time left, each measured again by the clock. */
static void leap_hop(void *arg)
{
  struct reference *r = arg;
  struct timespec raw;
  r->plat->ops->now(r->plat->ctx, &raw);
  double left = (r->leap_start_at - (double)raw.tv_sec) - (double)raw.tv_nsec * 1e-9;
  if (left <= 0.0) {
    leap_start(r);
    return;
  }
  if (left > LEAP_LAST_HOP)
    r->leap_timer = r->plat->ops->timer_add(r->plat->ctx, left * LEAP_HOP, leap_hop, r);
  else
    r->leap_timer = r->plat->ops->timer_add(r->plat->ctx, left, leap_start, r);
}

static void set_leap_timeout(struct reference *r, time_t now)
{
  if (r->leap_timer)
    r->plat->ops->timer_cancel(r->plat->ctx, r->leap_timer);
  r->leap_timer = 0;
  r->leap_in_progress = false;
  if (!r->leap_sec)
    return;
  r->leap_when = day_floor(now, DAY) + DAY;
  /* A second is inserted at midnight, deleted at 23:59:59; when the
   * kernel does it, start half a second before to be in time. */
  r->leap_start_at = (double)r->leap_when;
  if (r->leap_sec < 0)
    r->leap_start_at -= 1.0;
  if (r->leapmode == REF_LEAP_SYSTEM)
    r->leap_start_at -= 0.5;
  leap_hop(r);
}

static bool leap_close(const struct reference *r, double t)
{
  return r->leap_when != 0 && t >= (double)(r->leap_when - LEAP_CLOSE) &&
         t < (double)(r->leap_when + LEAP_CLOSE);
}

bool ref_leap_close(const struct reference *r, const struct timespec *ts, double offset)
{
  struct timespec raw, cooked;
  r->plat->ops->now(r->plat->ctx, &raw);
  disc_cooked_time(r->disc, &cooked);
  if (leap_close(r, (double)raw.tv_sec) || leap_close(r, (double)cooked.tv_sec))
    return true;
  return ts && (leap_close(r, (double)ts->tv_sec) || leap_close(r, (double)ts->tv_sec + offset));
}

/* chronyd's update_leap_status: the sources' leap (or the database's, when
 * they announce none) accepted on a leap second day; the kernel told, or
 * the timer set, when the second or TAI-UTC changes (never close to a
 * leap). now == 0: the database is not asked. */
static void update_leap_status(struct reference *r, uint8_t leap, time_t now, bool reset)
{
  int leap_sec = 0, tai = 0;
  if (now) {
    enum ntp_leap ldb_leap = ldb_get(r, now, &tai);
    if (leap == NTP_LEAP_NONE)
      leap = (uint8_t)ldb_leap;
  }
  if (leap == NTP_LEAP_INSERT || leap == NTP_LEAP_DELETE) {
    if (ref_leap_day(now))
      leap_sec = leap == NTP_LEAP_INSERT ? 1 : -1;
    else
      leap = NTP_LEAP_NONE;
  }
  if ((leap_sec != r->leap_sec || tai != r->tai_offset) && !ref_leap_close(r, NULL, 0.0)) {
    r->leap_sec = leap_sec;
    r->tai_offset = tai;
    if (r->leapmode == REF_LEAP_SYSTEM)
      set_system_leap(r);
    set_leap_timeout(r, now);
  } else if (reset) {
    set_leap_timeout(r, now);
  }
  r->leap_status = leap;
}

/* After a step of ours, the leap second's timer is set again (chronyd). */
static void leap_after_step(struct reference *r)
{
  if (r->leap_sec && !r->leap_in_progress)
    update_leap_status(r, r->leap_status, raw_now(r), true);
}

void ref_init_correction(struct reference *r, double offset, double threshold)
{
  bool step = fabs(offset) >= threshold;
  /* chronyd's offset is local minus true: "fast" when ours is <= 0. */
  plat_logf(r->plat, PLAT_LOG_INFO, "System's initial offset : %.6f seconds %s of true (%s)",
            fabs(offset), offset <= 0.0 ? "fast" : "slow", step ? "step" : "slew");
  if (step && (!r->p.control || !disc_step(r->disc, offset)))
    plat_logf(r->plat, PLAT_LOG_ERR, "Could not step system clock");  /* chronyd's, also -x */
  else if (!step)
    disc_accumulate(r->disc, disc_base_freq(r->disc), offset, 0.0);
}

/* Leap 3 served, the kernel told. */
static void unsynchronise(struct reference *r)
{
  if (r->state->synchronised)
    disc_cooked_time(r->disc, &r->state->unsync_since);
  r->state->synchronised = false;
  r->state->leap = NTP_LEAP_UNSYNC;
  update_leap_status(r, NTP_LEAP_UNSYNC, 0, false);
  disc_set_sync(r->disc, false, 0.0, 0.0);
}

void ref_set_unsynchronised(struct reference *r)
{
  schedule_fallback(r);
  unsynchronise(r);
}

void ref_clock_jumped(struct reference *r, double jump)
{
  r->last_update = timespec_add_double(&r->last_update, jump);
  r->state->unsync_since = timespec_add_double(&r->state->unsync_since, jump);
  ref_set_unsynchronised(r);
}

/* maxchange: false if this update's offset is to be ignored. */
static bool change_allowed(struct reference *r, double offset)
{
  if (r->p.maxchange_start < 0 || (int)r->n_updates < r->p.maxchange_start ||
      fabs(offset) <= r->p.maxchange_offset)
    return true;
  bool ignore = r->p.maxchange_ignore < 0 || r->maxchange_ignored < r->p.maxchange_ignore;
  plat_logf(r->plat, PLAT_LOG_WARN,
            "Adjustment of %.3f seconds exceeds the allowed maximum of %.3f seconds (%s) ",
            offset, r->p.maxchange_offset, ignore ? "ignored" : "exiting");
  if (ignore) {
    r->maxchange_ignored++;
  } else if (r->p.give_up) {
    r->p.give_up(r->p.give_up_arg);
  }
  return false;
}

/* makestep: is this offset to be stepped rather than slewed? As chronyd's
 * is_step_limit_reached, judged by the platform clock's error: the offset
 * plus the correction the cooked time still adds to that clock (the slew
 * not finished; without control, every correction so far: a step chronyd
 * -x could not make is wanted again at the next update). */
static bool step_wanted(const struct reference *r, double offset)
{
  bool may_step = r->p.makestep_limit < 0 || (int)r->n_updates < r->p.makestep_limit;
  struct timespec now;
  r->plat->ops->now(r->plat->ctx, &now);
  double error = offset + disc_cooking_correction(&r->state->cooking, &now);
  return may_step && r->p.makestep_threshold > 0.0 && fabs(error) > r->p.makestep_threshold;
}

/* Step the clock by offset at base frequency freq (the update's correction
 * rate kept for later slews); the time the update counts from (moved with
 * the clock when it stepped). */
static struct timespec step_clock(struct reference *r, const struct timespec *now, double freq,
                                  double offset, double corr_rate)
{
  disc_accumulate(r->disc, freq, 0.0, corr_rate);
  /* The clock's step: the slew not finished joins it (chronyd logs this,
   * offset minus its uncorrected offset). */
  double step = offset + disc_remaining(r->disc);
  if (!r->p.control || !disc_step(r->disc, offset)) {
    /* chronyd 4.8's, also -x: the step not made is slewed instead, so the
     * tracking offset (and the time served) stays right. */
    plat_logf(r->plat, PLAT_LOG_ERR, "Could not step system clock");
    disc_accumulate(r->disc, freq, offset, 0.0);
    return *now;
  }
  plat_logf(r->plat, PLAT_LOG_WARN, "System clock was stepped by %.6f seconds", step);
  smoothing_stepped(r);
  leap_after_step(r);
  /* The clock's past moves with it, as the sources' samples do: the next
   * interval must not count the step (a 1e8 s one made the next slew take
   * days). */
  return timespec_add_double(now, offset);
}

/* An update made: what tracking reports of it and what the next counts from. */
static void count_update(struct reference *r, double interval, double offset,
                         const struct timespec *at)
{
  r->last_interval = interval;
  r->last_offset = offset;
  /* chronyc's RMS offset: a moving average over about ten updates, taken
   * as the last square while the offsets shrink at start (chronyd's). */
  double sq = offset * offset;
  if (r->avg2_moving) {
    r->avg2_offset += RMS_OFFSET_WEIGHT * (sq - r->avg2_offset);
  } else {
    r->avg2_moving = r->avg2_offset > 0.0 && r->avg2_offset < sq;
    r->avg2_offset = sq;
  }
  r->last_update = *at;
  r->n_updates++;
}

/* chrony's REF_SetReference, simplified: step or slew the offset, weigh
 * the new frequency estimate against the old one by their skews. */
/* The new frequency estimate (ppm): the old one and the selection's,
 * weighed by their skews. */
static double update_frequency(struct reference *r, const struct sel_result *sel, double freq)
{
  double skew = sel->skew;
  double old_w = r->have_freq ? 1.0 / (r->skew * r->skew) : 0.0;
  double new_w = 3.0 / (skew * skew);
  double sum_w = old_w + new_w;
  double old_freq = freq;
  /* The measured frequency is relative to the clock running at freq: it
   * scales the clock's rate, (1 + freq) (1 + measured), as chrony's
   * LCL_AccumulateFrequencyAndOffset (a 4 % error corrected additively
   * would leave 0.15 %). */
  double target = freq + sel->frequency * (1e6 + freq);
  freq = (old_freq * old_w + target * new_w) / sum_w;
  /* The new skew: the disagreement of the two estimates plus their
   * weighted skews, so the estimate cannot grow overconfident and lag
   * behind a wandering frequency (chrony's rule). */
  double d_old = (old_freq - freq) * 1e-6, d_new = (target - freq) * 1e-6;
  double spread = sqrt((d_old * d_old * old_w + d_new * d_new * new_w) / sum_w);
  r->skew = spread + (r->skew * old_w + skew * new_w) / sum_w;
  r->residual_freq = sel->frequency - disc_relative_freq(old_freq, freq);
  r->have_freq = true;
  return freq;
}

void ref_adjust(struct reference *r, double offset, double dfreq, const struct timespec *now)
{
  /* chronyd measures the time since the last adjustment from its start
   * (monotonic 0) for the first one: here, from the epoch. */
  double since = timespec_diff(now, &r->last_adjustment);
  r->adjustments++;
  r->last_adjustment = *now;
  double adj_rate = r->p.corrtimeratio * 0.5 * fabs(offset) * since;
  double ref_rate = r->p.corrtimeratio * 0.5 * r->last_offset_sd * r->last_interval /
                    r->adjustments;
  disc_adjust_quietly(r->disc, dfreq, offset, num_fmax(adj_rate, ref_rate));
}

void ref_update(struct reference *r, const struct sel_result *sel, const struct ip_addr *source,
                uint32_t refid, const struct timespec *now)
{
  if (!change_allowed(r, sel->offset))
    return;
  double interval = r->n_updates > 0 ? timespec_diff(now, &r->last_update) : 0.0;
  double remaining = disc_remaining(r->disc);
  /* chrony's maximum error since the previous update: the root distance
   * then, grown at the dispersion rate, plus this offset and what was
   * still to be slewed. */
  double prev_distance = r->state->synchronised
                             ? r->state->root_delay / 2.0 + r->state->root_dispersion +
                                   r->state->dispersion_rate * interval
                             : 0.0;

  /* logchange: chronyd warns before it starts the correction, step or slew. */
  if (fabs(sel->offset) > r->p.logchange)
    plat_logf(r->plat, PLAT_LOG_WARN, "System clock wrong by %.6f seconds, adjustment started",
              sel->offset);
  if (r->p.mail_change && fabs(sel->offset) > r->p.mailonchange)
    r->p.mail_change(r->p.mail_change_arg, sel->offset);
  /* As chrony, the frequency is updated whether the offset is then
   * stepped or slewed: the first update of a clock set by makestep corrects
   * its frequency as well. */
  double freq = disc_base_freq(r->disc);
  if (sel->skew < r->p.maxupdateskew * 1e-6)
    freq = update_frequency(r, sel, freq);
  /* When this update is (the time of the next one's interval). */
  struct timespec at = *now;
  /* Offsets within the noise are slewed slowly, large ones quickly
   * (chrony's correction rate: an offset of offset_sd takes corrtimeratio
   * update intervals, a larger one proportionally less). */
  double rate = r->p.corrtimeratio * 0.5 * sel->offset_sd * interval;
  if (step_wanted(r, sel->offset)) {
    at = step_clock(r, now, freq, sel->offset, rate);
  } else {
    plat_logf(r->plat, PLAT_LOG_DEBUG,
              "Reference update: offset %.9f sd %.9f freq %.6f ppm skew %.6f ppm rate %.3e s2",
              sel->offset, sel->offset_sd, freq, r->skew * 1e6, rate);
    double base_before = disc_base_freq(r->disc);
    disc_accumulate(r->disc, freq, sel->offset, rate);
    smoothing_adjusted(r, now, disc_relative_freq(base_before, disc_base_freq(r->disc)),
                       sel->offset);
  }

  struct refstate *st = r->state;
  st->synchronised = true;
  /* The voted leap (by the platform's clock, not the cooked time, as
   * chronyd reads its raw clock). */
  update_leap_status(r, sel->leap, raw_now(r), false);
  serve_leap(r);
  st->stratum = sel->stratum + 1;
  st->refid = refid;
  disc_cooked_time(r->disc, &st->ref_time);
  st->root_delay = sel->root_delay;
  st->root_dispersion = sel->root_dispersion;
  st->dispersion_rate = r->skew + fabs(r->residual_freq) + r->p.max_clock_error;
  if (st->root_delay / 2.0 + st->root_dispersion < st->local.activate)
    st->local_activate_ok = true;
  disc_set_sync(r->disc, true, sel->offset_sd,
                sel->offset_sd + sel->root_delay / 2.0 + sel->root_dispersion);
  r->last_offset_sd = sel->offset_sd;
  r->adjustments = 0;
  count_update(r, interval, sel->offset, &at);
  if (fbd_enabled(&r->fbd)) {
    fbd_update(&r->fbd, disc_base_freq(r->disc), interval);
    cancel_fallback(r);
    schedule_fallback(r);
  }

  if (r->p.log) {
    struct ref_log t;
    memset(&t, 0, sizeof(t));
    t.time = *now;
    t.addr = *source;
    t.refid = refid;
    t.stratum = st->stratum;
    t.freq_ppm = disc_base_freq(r->disc);
    t.skew_ppm = r->skew * 1e6;
    t.offset = sel->offset;
    t.leap = st->leap;
    t.combined = sel->combined;
    t.offset_sd = sel->offset_sd;
    t.remaining = remaining;
    t.root_delay = st->root_delay;
    t.root_dispersion = st->root_dispersion;
    t.max_error = prev_distance + fabs(sel->offset) + fabs(remaining);
    r->p.log(r->p.log_arg, &t);
  }
}

void ref_manual_update(struct reference *r, const struct timespec *now, double offset,
                       double dfreq)
{
  if (!change_allowed(r, offset))
    return;
  double interval = r->n_updates > 0 ? timespec_diff(now, &r->last_update) : 0.0;
  double remaining = disc_remaining(r->disc);
  if (fabs(offset) > r->p.logchange)
    plat_logf(r->plat, PLAT_LOG_WARN, "System clock wrong by %.6f seconds, adjustment started",
              offset);
  /* The entries' frequency is taken whole (chronyd's gain of 1 for a
   * manual reference), with its nominal skew. */
  double freq = disc_base_freq(r->disc) + dfreq * 1e6;
  r->skew = REF_MANUAL_SKEW;
  r->residual_freq = 0.0;
  r->have_freq = true;
  struct timespec at = *now;
  if (step_wanted(r, offset)) {
    at = step_clock(r, now, freq, offset, 0.0);
  } else {
    double base_before = disc_base_freq(r->disc);
    disc_accumulate(r->disc, freq, offset, 0.0);   /* offset_sd 0: as fast as may be */
    smoothing_adjusted(r, now, (disc_base_freq(r->disc) - base_before) * 1e-6, offset);
  }
  count_update(r, interval, offset, &at);
  unsynchronise(r);          /* no fallback drift: chronyd's is for synchronised updates */
  if (r->p.log) {
    struct ref_log t;
    memset(&t, 0, sizeof(t));
    t.time = *now;
    t.refid = REF_MANUAL_REFID;
    t.stratum = 1;
    t.freq_ppm = disc_base_freq(r->disc);
    t.skew_ppm = r->skew * 1e6;
    t.offset = offset;
    t.leap = NTP_LEAP_UNSYNC;
    t.remaining = remaining;
    t.max_error = fabs(offset) + fabs(remaining);
    r->p.log(r->p.log_arg, &t);
  }
}

void ref_tracking(const struct reference *r, struct ref_tracking *t)
{
  struct timespec now;
  memset(t, 0, sizeof(*t));
  r->plat->ops->now(r->plat->ctx, &now);
  t->correction = disc_cooking_correction(&r->state->cooking, &now);
  t->last_offset = r->last_offset;
  t->rms_offset = sqrt(r->avg2_offset);
  t->freq_ppm = disc_base_freq(r->disc);
  t->resid_freq_ppm = r->residual_freq * 1e6;
  t->skew_ppm = r->skew * 1e6;
  t->last_update_interval = r->last_interval;
}

void ref_frequency(const struct reference *r, double *freq_ppm, double *skew_ppm)
{
  *freq_ppm = disc_base_freq(r->disc);
  *skew_ppm = r->skew * 1e6;
}

bool ref_ever_synchronised(const struct reference *r)
{
  return r->n_updates > 0;
}

void ref_accumulate_offset(struct reference *r, const struct timespec *now, double offset)
{
  disc_accumulate(r->disc, disc_base_freq(r->disc), offset, 0.0);
  smoothing_adjusted(r, now, 0.0, offset);
}

void ref_accumulate_dfreq(struct reference *r, const struct timespec *now, double dfreq)
{
  double before = disc_base_freq(r->disc);
  disc_set_freq(r->disc, before + dfreq * (1e6 + before));
  smoothing_adjusted(r, now, disc_relative_freq(before, disc_base_freq(r->disc)), 0.0);
}

bool ref_step_now(struct reference *r)
{
  /* chronyd's LCL_MakeStep: the slew not finished is stepped instead; the
   * time itself does not move. */
  double remaining = disc_remaining(r->disc);
  if (!r->p.control || !disc_step(r->disc, 0.0)) {
    plat_logf(r->plat, PLAT_LOG_ERR, "Could not step system clock");  /* chronyd's, also -x */
    return false;
  }
  plat_logf(r->plat, PLAT_LOG_WARN, "System clock was stepped by %.6f seconds", remaining);
  smoothing_stepped(r);
  leap_after_step(r);
  return true;
}

void ref_set_makestep(struct reference *r, double threshold, int limit)
{
  r->p.makestep_threshold = threshold;
  r->p.makestep_limit = limit;
  plat_logf(r->plat, PLAT_LOG_INFO, "New makestep %f %d", threshold, limit);
}

void ref_set_maxupdateskew(struct reference *r, double ppm)
{
  r->p.maxupdateskew = ppm;
}

void ref_retune(struct reference *r, const struct ref_config *cfg)
{
  r->p.makestep_threshold = cfg->makestep_threshold;
  r->p.makestep_limit = cfg->makestep_limit;
  r->p.logchange = cfg->logchange;
  r->p.maxupdateskew = cfg->maxupdateskew;
  r->p.maxchange_offset = cfg->maxchange_offset;
  r->p.maxchange_start = cfg->maxchange_start;
  r->p.maxchange_ignore = cfg->maxchange_ignore;
  r->p.log = cfg->log;
  r->p.log_arg = cfg->log_arg;
}
