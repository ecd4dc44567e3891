#include "core/reference.h"

#include <math.h>
#include <string.h>

#include "proto/ntp_time.h"

#define MIN_SLEW_FRACTION 0.125       /* of the update interval... */
#define SMALL_OFFSET 1e-3             /* ...for offsets below this, s */
#define RMS_OFFSET_WEIGHT 0.1         /* of a new update in the RMS offset */

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
  return (int)lround(log2(quantum));
}

void ref_set_local(struct refstate *r, bool enabled, int stratum)
{
  r->local_enabled = enabled;
  r->local_stratum = stratum;
}

void ref_get_params(const struct refstate *r, const struct timespec *now, struct ref_params *out)
{
  memset(out, 0, sizeof(*out));
  out->precision = (int8_t)r->precision_log2;
  if (r->synchronised) {
    out->leap = r->leap;
    out->stratum = (uint8_t)r->stratum;
    out->refid = r->refid;
    out->ref_time = r->ref_time;
    out->root_delay = r->root_delay;
    double age = timespec_diff(now, &r->ref_time);
    out->root_dispersion = r->root_dispersion + r->dispersion_rate * (age > 0.0 ? age : 0.0);
  } else if (r->local_enabled) {
    out->leap = NTP_LEAP_NONE;
    out->stratum = (uint8_t)r->local_stratum;
    out->refid = NTP_REFID_LOCAL;
    /* A second in the past, so no transmit timestamp can precede it. */
    out->ref_time = *now;
    out->ref_time.tv_sec -= 1;
    out->root_dispersion = 0.0;           /* chronyd's: the local clock is the reference */
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

void ref_set_unsynchronised(struct reference *r)
{
  r->state->synchronised = false;
  r->state->leap = NTP_LEAP_UNSYNC;
  disc_set_sync(r->disc, false, 0.0, 0.0);
}

void ref_clock_jumped(struct reference *r, double jump)
{
  r->last_update = timespec_add_double(&r->last_update, jump);
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

/* The voted leap, unless today (by the platform's clock, not the cooked
 * time, as chronyd reads its raw clock) is no leap second day. */
static uint8_t accepted_leap(const struct reference *r, enum ntp_leap leap)
{
  struct timespec today;
  if (leap != NTP_LEAP_INSERT && leap != NTP_LEAP_DELETE)
    return (uint8_t)leap;
  r->plat->ops->now(r->plat->ctx, &today);
  return ref_leap_day(today.tv_sec) ? (uint8_t)leap : NTP_LEAP_NONE;
}

/* chrony's REF_SetReference, simplified: step or slew the offset, weigh
 * the new frequency estimate against the old one by their skews. */
void ref_update(struct reference *r, const struct sel_result *sel, const struct ip_addr *source,
                const struct timespec *now)
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
  bool may_step = r->p.makestep_limit < 0 || (int)r->n_updates < r->p.makestep_limit;

  /* logchange: chronyd warns before it starts the correction, step or slew. */
  if (fabs(sel->offset) > r->p.logchange)
    plat_logf(r->plat, PLAT_LOG_WARN, "System clock wrong by %.6f seconds, adjustment started",
              sel->offset);
  if (may_step && r->p.makestep_threshold > 0.0 && fabs(sel->offset) > r->p.makestep_threshold) {
    if (disc_step(r->disc, sel->offset))
      plat_logf(r->plat, PLAT_LOG_WARN, "System clock was stepped by %.6f seconds", sel->offset);
  } else {
    double freq = disc_base_freq(r->disc);
    double skew = sel->skew;
    if (skew < r->p.maxupdateskew * 1e-6) {
      double old_w = r->have_freq ? 1.0 / (r->skew * r->skew) : 0.0;
      double new_w = 3.0 / (skew * skew);
      double sum_w = old_w + new_w;
      double old_freq = freq;
      double target = freq + sel->frequency * 1e6;
      freq = (old_freq * old_w + target * new_w) / sum_w;
      /* The new skew: the disagreement of the two estimates plus their
       * weighted skews, so the estimate cannot grow overconfident and lag
       * behind a wandering frequency (chrony's rule). */
      double d_old = (old_freq - freq) * 1e-6, d_new = (target - freq) * 1e-6;
      double spread = sqrt((d_old * d_old * old_w + d_new * d_new * new_w) / sum_w);
      r->skew = spread + (r->skew * old_w + skew * new_w) / sum_w;
      r->residual_freq = sel->frequency - (freq - old_freq) * 1e-6;
      r->have_freq = true;
    }
    /* Offsets within the noise are slewed slowly, large ones quickly
     * (chrony's correction time ratio), judged by the whole correction
     * still to slew, this offset included, as chrony's offset register:
     * a small new offset must not slow down the slew of a large one. */
    double rate = r->p.corrtimeratio * 0.5 * sel->offset_sd * interval;
    double total = fabs(remaining + sel->offset);
    double duration = total > 0.0 ? rate / total : 0.0;
    /* A small correction is not slewed faster than over a fraction of the
     * update interval: the next update comes anyway, and a hurried slew is
     * frequency noise for everyone served from this clock. */
    if (total < SMALL_OFFSET)
      duration = fmax(duration, interval * MIN_SLEW_FRACTION);
    plat_logf(r->plat, PLAT_LOG_DEBUG,
              "Reference update: offset %.9f sd %.9f freq %.6f ppm skew %.6f ppm slew %.1f s",
              sel->offset, sel->offset_sd, freq, r->skew * 1e6, duration);
    disc_accumulate(r->disc, freq, sel->offset, duration);
  }

  struct refstate *st = r->state;
  st->synchronised = true;
  st->leap = accepted_leap(r, sel->leap);
  st->stratum = sel->stratum + 1;
  st->refid = addr_refid(source);
  disc_cooked_time(r->disc, &st->ref_time);
  st->root_delay = sel->root_delay;
  st->root_dispersion = sel->root_dispersion;
  st->dispersion_rate = r->skew + fabs(r->residual_freq) + r->p.max_clock_error;
  disc_set_sync(r->disc, true, sel->offset_sd,
                sel->offset_sd + sel->root_delay / 2.0 + sel->root_dispersion);
  r->last_interval = interval;
  r->last_offset = sel->offset;
  /* chronyc's RMS offset: a moving average over about ten updates. */
  double sq = sel->offset * sel->offset;
  r->avg2_offset =
      r->n_updates == 0 ? sq : r->avg2_offset + RMS_OFFSET_WEIGHT * (sq - r->avg2_offset);
  r->last_update = *now;
  r->n_updates++;

  if (r->p.log) {
    struct ref_log t;
    memset(&t, 0, sizeof(t));
    t.time = *now;
    t.addr = *source;
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

void ref_tracking(const struct reference *r, struct ref_tracking *t)
{
  memset(t, 0, sizeof(*t));
  t->correction = disc_remaining(r->disc);
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

bool ref_step_now(struct reference *r)
{
  double remaining = disc_remaining(r->disc);
  if (!r->p.control || !disc_step(r->disc, remaining)) {
    plat_logf(r->plat, PLAT_LOG_ERR, "Could not step system clock");  /* chronyd's, also -x */
    return false;
  }
  plat_logf(r->plat, PLAT_LOG_WARN, "System clock was stepped by %.6f seconds", remaining);
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
