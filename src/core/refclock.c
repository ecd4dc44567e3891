#include "core/refclock.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/select.h"
#include "proto/ntp_packet.h"
#include "proto/num.h"
#include "proto/timespec.h"

#define FILTER_COMBINE_RATIO 0.6     /* of the samples, around the median */
#define PPS_LOCK_LIMIT 0.4           /* of a pulse interval: the locked offset's error */
#define MAX_SANE_OFFSET 4294967296.0 /* s, chrony's limit of a driver's offset */

static const char *const driver_names[PLAT_REFCLOCK_N] = {"SOCK", "SHM", "PPS", "PHC", "RTC"};

const char *rcl_driver_name(enum plat_refclock_driver driver)
{
  return (unsigned)driver < PLAT_REFCLOCK_N ? driver_names[driver] : "?";
}

void rcl_params_default(struct rcl_params *p)
{
  memset(p, 0, sizeof(*p));
  p->poll = 4;
  p->filter = 64;
  p->rate = 1;
  p->maxlockage = 2;
  p->minsamples = -1;
  p->maxsamples = -1;
  p->maxunreach = SEL_DEFAULT_MAX_UNREACH;
  p->delay = 1e-9;
}

uint32_t rcl_default_refid(enum plat_refclock_driver driver, unsigned index)
{
  char ref[5] = {0};
  snprintf(ref, sizeof(ref), "%3.3s", rcl_driver_name(driver));
  ref[3] = (char)('0' + index % 10);
  if (index >= 10)
    ref[2] = (char)('0' + index / 10 % 10);
  return (uint32_t)(uint8_t)ref[0] << 24 | (uint32_t)(uint8_t)ref[1] << 16 |
         (uint32_t)(uint8_t)ref[2] << 8 | (uint8_t)ref[3];
}

const char *rcl_refid_text(uint32_t refid, char out[5])
{
  int n = 0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    unsigned char c = (unsigned char)(refid >> shift);
    if (c == 0)
      break;
    out[n++] = c >= 32 && c < 127 ? (char)c : '?';
  }
  out[n] = '\0';
  return out;
}

static double interval(int log2)
{
  return num_ldexp(1.0, log2);
}

/* Bad input of one kind: counted, logged the first time. */
static void bad_input(struct rcl *r, enum rcl_counter what, const char *why)
{
  char id[5];
  r->counters[what]++;
  if (r->logged[what])
    return;
  r->logged[what] = true;
  plat_logf(r->plat, PLAT_LOG_WARN, "Refclock %s: %s (counted, logged once)",
            rcl_refid_text(r->p.refid, id), why);
}

/* RTC: its second began at sys_time (or half a second before, read
 * without an interrupt): chrony's refclock_rtc.c. */
static void rtc_sample(struct rcl *r, const uint8_t *data, size_t len)
{
  struct plat_rtc_reading rd;
  if (len != sizeof(rd)) {
    bad_input(r, RCL_READ_ERRORS, "could not read the RTC");
    return;
  }
  memcpy(&rd, data, sizeof(rd));
  struct timespec rtc = {.tv_sec = (time_t)rd.rtc_sec, .tv_nsec = rd.half ? 500000000L : 0};
  rcl_add_sample(r, &rd.sys_time, timespec_diff(&rtc, &rd.sys_time), NTP_LEAP_NONE);
}

static bool add_cooked_pulse(struct rcl *r, const struct timespec *cooked, double second,
                             double dispersion, double raw_correction);

static bool extpps(const struct rcl *r)
{
  return r->p.driver == PLAT_REFCLOCK_PHC && (r->p.option & PLAT_PHC_EXTPPS);
}

/* PHC extpps: the PTP clock's time of a pulse, converted to the system
 * clock by the tracking; the pulse is on the reference's second (chrony's
 * refclock_phc.c: an event seen twice is taken once). */
static void extts_event(struct rcl *r, const uint8_t *data, size_t len)
{
  struct plat_phc_extts ev;
  if (len != sizeof(ev)) {
    bad_input(r, RCL_READ_ERRORS, "could not read the PTP clock's event");
    return;
  }
  memcpy(&ev, data, sizeof(ev));
  if (ev.channel != r->p.channel ||
      (ev.phc.tv_sec == r->last_extts.tv_sec && ev.phc.tv_nsec == r->last_extts.tv_nsec))
    return;
  r->last_extts = ev.phc;
  struct timespec local;
  double err;
  if (!hcl_cook(&r->hcl, &ev.phc, &local, &err))
    return;
  add_cooked_pulse(r, &local, (double)local.tv_nsec * 1e-9, err,
                   timespec_diff(&ev.phc, &local));
}

static void on_datagram(void *arg, const uint8_t *data, size_t len)
{
  struct rcl *r = arg;
  struct rclmsg_sample s;
  if (r->p.driver == PLAT_REFCLOCK_RTC) {
    rtc_sample(r, data, len);
    return;
  }
  if (r->p.driver == PLAT_REFCLOCK_PHC) {
    extts_event(r, data, len);
    return;
  }
  enum rclmsg_status st = rclmsg_sock_parse(data, len, &s);
  if (st != RCLMSG_OK) {
    bad_input(r, RCL_BAD_MESSAGE, rclmsg_status_text(st));
    return;
  }
  /* A pulse's offset field is the system time's offset from the pulse, as
   * chronyd reads it. */
  if (s.pulse)
    rcl_add_pulse(r, &s.sys_time, s.offset);
  else
    rcl_add_sample(r, &s.sys_time, s.offset, s.leap);
}

/* PPS: the newest edge, if it is new. */
static void read_pps(struct rcl *r)
{
  struct plat_pps_edge e;
  int n = r->plat->ops->refclock_read(r->plat->ctx, r->device, (uint8_t *)&e, sizeof(e), NULL);
  if (n != (int)sizeof(e)) {
    bad_input(r, RCL_READ_ERRORS, "could not fetch the pulse");
    return;
  }
  if (e.seq == r->last_seq || (e.ts.tv_sec == 0 && e.ts.tv_nsec == 0))
    return;
  r->last_seq = e.seq;
  rcl_add_pulse(r, &e.ts, (double)e.ts.tv_nsec * 1e-9);
}

/* PHC: the readings made into one sample and tracked (chrony's
 * refclock_phc.c): a sample of quality 0 only counts as reached. */
static void read_phc(struct rcl *r)
{
  struct plat_phc_reading rd[PLAT_PHC_READINGS];
  int n = r->plat->ops->refclock_read(r->plat->ctx, r->device, (uint8_t *)rd, sizeof(rd), NULL);
  if (n < (int)sizeof(rd[0]) || n % (int)sizeof(rd[0])) {
    bad_input(r, RCL_READ_ERRORS, "could not read the PTP clock");
    return;
  }
  struct timespec phc, sys;
  double err;
  int quality;
  if (!hcl_process_readings(&r->hcl, rd, n / (int)sizeof(rd[0]), &phc, &sys, &err, &quality)) {
    bad_input(r, RCL_BAD_SAMPLE, "PTP clock reading with a negative delay ignored");
    return;
  }
  if (quality > 0) {
    struct timespec local = disc_cook(r->disc, &sys);
    hcl_accumulate(&r->hcl, &phc, &local, err);
  }
  if (extpps(r))
    return;                      /* the readings only track: pulses are the samples */
  if (quality < 1) {
    r->reached++;
    return;
  }
  rcl_add_sample(r, &sys, timespec_diff(&phc, &sys), NTP_LEAP_NONE);
}

/* RTC without update interrupts: read now (nothing when they give it). */
static void read_rtc(struct rcl *r)
{
  uint8_t buf[sizeof(struct plat_rtc_reading)];
  int n = r->plat->ops->refclock_read(r->plat->ctx, r->device, buf, sizeof(buf), NULL);
  if (n < 0)
    bad_input(r, RCL_READ_ERRORS, "could not read the RTC");
  else if (n > 0)
    rtc_sample(r, buf, (size_t)n);
}

static bool polled(const struct rcl *r)
{
  return r->p.driver != PLAT_REFCLOCK_SOCK;
}

/* SHM: one read of the segment; no new sample is no error. */
static void read_shm(struct rcl *r)
{
  uint8_t seg[RCLMSG_SHM_SIZE];
  int count_after = 0;
  int n = r->plat->ops->refclock_read(r->plat->ctx, r->device, seg, sizeof(seg), &count_after);
  if (n < 0) {
    bad_input(r, RCL_READ_ERRORS, "could not read the segment");
    return;
  }
  struct rclmsg_sample s;
  enum rclmsg_status st = rclmsg_shm_parse(seg, (size_t)n, count_after, &s);
  if (st == RCLMSG_NOT_VALID)
    return;
  if (st != RCLMSG_OK) {
    bad_input(r, RCL_BAD_MESSAGE, rclmsg_status_text(st));
    return;
  }
  rcl_add_sample(r, &s.sys_time, s.offset, s.leap);
}

bool rcl_init(struct rcl *r, const struct rcl_params *p, const struct platform *plat,
              const struct discipline *disc, const struct refstate *ref, int precision_log2,
              rcl_update_fn on_update, void *arg)
{
  memset(r, 0, sizeof(*r));
  r->p = *p;
  r->plat = plat;
  r->disc = disc;
  r->ref = ref;
  r->on_update = on_update;
  r->arg = arg;
  r->device = -1;
  if (r->p.rate < 1)
    r->p.rate = 1;
  /* local: pulses locked to its own samples, never synchronised (chrony's
   * refclock.c). */
  if (r->p.local) {
    r->p.pps = true;
    r->p.lock_refid = r->p.refid;
    r->p.maxlockage = r->p.maxlockage > 3 ? r->p.maxlockage : 3;
    r->leap = NTP_LEAP_UNSYNC;
  }
  /* A polled driver is read at least once per poll. */
  if (polled(r) && r->p.dpoll > r->p.poll)
    r->p.dpoll = r->p.poll;
  r->precision = num_fmax(num_ldexp(1.0, precision_log2), p->precision);
  spf_configure(&r->filter, 1, p->filter, p->maxdispersion, FILTER_COMBINE_RATIO);
  sst_init(&r->stats, p->minsamples, p->maxsamples);
  r->stats.precision = r->precision;
  if (p->driver == PLAT_REFCLOCK_PHC) {
    uint64_t seed;
    plat->ops->random_bytes(plat->ctx, &seed, sizeof(seed));
    hcl_init(&r->hcl, disc, 0, 16, interval(r->p.dpoll), r->precision,
             num_ldexp(1.0, precision_log2), seed);
  }
  char id[5];
  if (!plat->ops->refclock_open) {
    plat_logf(plat, PLAT_LOG_ERR, "Refclock %s: no reference clocks on this platform",
              rcl_refid_text(p->refid, id));
    return false;
  }
  r->device = plat->ops->refclock_open(plat->ctx, p->driver, p->param, p->option, on_datagram, r);
  if (r->device < 0) {
    plat_logf(plat, PLAT_LOG_ERR, "Could not open %s refclock %s : %s",
              rcl_driver_name(p->driver), p->param, strerror(-r->device));
    return false;
  }
  if (extpps(r)) {
    int err = plat->ops->refclock_extts
                ? plat->ops->refclock_extts(plat->ctx, r->device, p->pin, p->channel,
                                            p->extts_falling)
                : -ENOSYS;
    if (err < 0) {
      plat_logf(plat, PLAT_LOG_ERR, "Could not enable external PHC timestamping : %s",
                strerror(-err));
      rcl_fini(r);
      return false;
    }
  }
  return true;
}

void rcl_fini(struct rcl *r)
{
  if (r->timer)
    r->plat->ops->timer_cancel(r->plat->ctx, r->timer);
  r->timer = 0;
  if (r->device >= 0 && r->plat->ops->refclock_close)
    r->plat->ops->refclock_close(r->plat->ctx, r->device);
  r->device = -1;
}

void rcl_set_lock(struct rcl *r, struct rcl *lock)
{
  char a[5], b[5];
  if (!lock || (lock == r && !r->p.local)) {
    plat_logf(r->plat, PLAT_LOG_WARN, "Invalid lock refid %s", rcl_refid_text(r->p.lock_refid, a));
    r->lock = NULL;
    return;
  }
  if (polled(r) && polled(lock) &&
      (double)r->p.maxlockage / r->p.rate < interval(lock->p.dpoll))
    plat_logf(r->plat, PLAT_LOG_WARN, "%s maxlockage too small for %s",
              rcl_refid_text(r->p.refid, a), rcl_refid_text(lock->p.refid, b));
  r->lock = lock;
}

/* The raw time as the cooked time scale has it, and whether it is of the
 * recent past (not older than two polls). */
static bool recent(const struct rcl *r, const struct timespec *cooked)
{
  struct timespec now;
  disc_cooked_time(r->disc, &now);
  double age = timespec_diff(&now, cooked);
  return age >= 0.0 && age <= interval(r->p.poll + 1);
}

static bool cook_sample_time(const struct rcl *r, const struct timespec *sys_time,
                             struct timespec *cooked)
{
  *cooked = disc_cook(r->disc, sys_time);
  return recent(r, cooked);
}

static bool offset_sane(const struct timespec *t, double offset)
{
  if (!(offset > -MAX_SANE_OFFSET && offset < MAX_SANE_OFFSET))
    return false;
  return (double)t->tv_sec + offset >= 0.0;
}

static void log_sample(struct rcl *r, const struct timespec *t, bool filtered, double raw,
                       double cooked, double dispersion)
{
  if (!r->log)
    return;
  struct rcl_log_sample s = {.time = *t, .refid = r->p.refid, .driver_polled = r->driver_polled,
                             .leap = r->leap, .filtered = filtered, .pulse = r->pps_active,
                             .raw_offset = raw, .cooked_offset = cooked,
                             .dispersion = dispersion};
  r->log(r->log_arg, &s);
}

static bool accumulate(struct rcl *r, const struct timespec *cooked, double offset,
                       double dispersion)
{
  struct sst_sample s = {.time = *cooked, .offset = offset, .peer_delay = r->p.delay,
                         .root_delay = r->p.delay, .peer_dispersion = dispersion,
                         .root_dispersion = dispersion, .stratum = r->p.stratum,
                         .leap = r->leap};
  r->reached++;
  if (!spf_accumulate(&r->filter, &s))
    return false;
  r->counters[RCL_SAMPLES]++;
  return true;
}

/* A TAI reference's offset made UTC's: TAI-UTC looked up for the
 * reference's time in TAI, then again for that time in UTC (a second
 * either way near a leap), as chrony; false if the table does not know. */
static bool tai_to_utc(const struct rcl *r, const struct timespec *sys_time, double *offset)
{
  int tai = 0;
  if (!r->leap_lookup)
    return false;
  /* one time, so that the fractions' carry is not lost near a change */
  time_t when = timespec_add_double(sys_time, *offset).tv_sec;
  r->leap_lookup(r->leap_arg, when, &tai);
  r->leap_lookup(r->leap_arg, when - tai, &tai);
  if (tai == 0)
    return false;
  *offset -= tai;
  return true;
}

bool rcl_add_sample(struct rcl *r, const struct timespec *sys_time, double offset, int leap)
{
  struct timespec cooked;
  if (r->p.pps) {
    /* Only the fraction of the second is used (the pps option). */
    struct timespec ref_time = timespec_add_double(sys_time, offset);
    return rcl_add_pulse(r, sys_time, (double)(sys_time->tv_nsec - ref_time.tv_nsec) * 1e-9);
  }
  if (!offset_sane(sys_time, offset) || !cook_sample_time(r, sys_time, &cooked) ||
      leap < NTP_LEAP_NONE || leap > NTP_LEAP_DELETE) {
    bad_input(r, RCL_BAD_SAMPLE, "sample with a bad time, offset or leap ignored");
    return false;
  }
  if (r->p.tai && !tai_to_utc(r, sys_time, &offset)) {
    bad_input(r, RCL_BAD_SAMPLE, "sample ignored: TAI-UTC offset unknown");
    return false;
  }
  r->leap = (uint8_t)leap;
  /* The offset from the cooked clock: the correction the discipline has
   * made since the raw reading is taken off. */
  double correction = timespec_diff(&cooked, sys_time);
  double cooked_offset = offset - correction + r->p.offset;
  if (!accumulate(r, &cooked, cooked_offset, r->precision))
    return false;
  r->pps_active = false;
  if (!polled(r))
    r->driver_polled++;
  log_sample(r, &cooked, false, offset, cooked_offset, r->precision);
  return true;
}

static bool edge_ok(const struct rcl *r, double offset, double distance);

/* A pulse offset aligned with the reference's second, from the lock's
 * newest sample; false if there is none or it does not fit. */
static bool lock_pulse(struct rcl *r, const struct timespec *cooked, double dispersion,
                       double *offset)
{
  struct sst_sample ref;
  double rate = r->p.rate;
  if (!spf_last_sample(&r->lock->filter, &ref)) {
    if (!r->p.local)
      return false;
    /* The first pulse of a local refclock is its own lock. */
    ref = (struct sst_sample){.time = *cooked, .offset = *offset};
  }
  ref.root_dispersion += spf_avg_dispersion(&r->lock->filter);
  if (fabs(timespec_diff(cooked, &ref.time)) >= r->p.maxlockage / rate) {
    if (r->p.local) {
      /* Start again. */
      plat_logf(r->plat, PLAT_LOG_WARN, "Local refclock lost lock");
      spf_drop(&r->filter);
      sst_reset(&r->stats);
    }
    return false;
  }
  *offset += num_round((ref.offset - *offset) * rate) / rate;
  double error = ref.offset - *offset;
  if (fabs(error) + ref.root_dispersion + dispersion > PPS_LOCK_LIMIT / rate ||
      !edge_ok(r, error, 0.0))
    return false;
  r->leap = r->lock->leap;
  return true;
}

/* Pulses checked against the pulse width (chrony's check_pulse_edge). */
static bool edge_ok(const struct rcl *r, double offset, double distance)
{
  if (r->p.width <= 0.0)
    return true;
  double max_error = 0.5 * num_fmin(r->p.width, 1.0 / r->p.rate - r->p.width);
  return fabs(offset) <= max_error && distance <= max_error;
}

bool rcl_add_pulse(struct rcl *r, const struct timespec *sys_time, double second)
{
  struct timespec cooked = disc_cook(r->disc, sys_time);
  double correction = timespec_diff(&cooked, sys_time);
  return add_cooked_pulse(r, &cooked, second + correction, 0.0, correction);
}

/* A pulse on the cooked time scale: `second` into the reference's second
 * (cooked), with the dispersion of its conversion; raw_correction is what
 * refclocks.log adds back for the raw offset (chrony's RCL_AddCookedPulse). */
static bool add_cooked_pulse(struct rcl *r, const struct timespec *cooked, double second,
                             double dispersion, double raw_correction)
{
  if (!offset_sane(cooked, second) || !recent(r, cooked)) {
    bad_input(r, RCL_BAD_SAMPLE, "pulse with a bad time ignored");
    return false;
  }
  double rate = r->p.rate;
  dispersion += r->precision;
  /* The offset within [-0.5/rate, 0.5/rate). */
  double offset = -second + r->p.offset;
  offset -= trunc(offset * rate) / rate;
  if (offset < -0.5 / rate)
    offset += 1.0 / rate;
  else if (offset >= 0.5 / rate)
    offset -= 1.0 / rate;

  if (r->lock) {
    if (!lock_pulse(r, cooked, dispersion, &offset)) {
      bad_input(r, RCL_BAD_PULSE, "pulse without a matching locked sample ignored");
      return false;
    }
  } else {
    /* Our own time gives the seconds while it is good enough. */
    struct ref_params rp;
    ref_get_params(r->ref, cooked, &rp);
    double distance = fabs(rp.root_delay) / 2.0 + rp.root_dispersion;
    if (rp.leap == NTP_LEAP_UNSYNC || distance >= 0.5 / rate) {
      spf_drop(&r->filter);
      bad_input(r, RCL_BAD_PULSE, "pulse ignored while not synchronised well enough");
      return false;
    }
    if (!edge_ok(r, offset, distance))
      return false;
    r->leap = rp.leap;
  }
  if (!accumulate(r, cooked, offset, dispersion))
    return false;
  r->pps_active = true;
  if (!polled(r))
    r->driver_polled++;
  log_sample(r, cooked, false, offset + raw_correction - r->p.offset, offset, dispersion);
  return true;
}

/* The stratum of an unlocked pulse source: ours less one while it (or the
 * local reference) is what we follow, else 0 (chrony's pps_stratum). */
static int pulse_stratum(const struct rcl *r, const struct timespec *t)
{
  struct ref_params rp;
  ref_get_params(r->ref, t, &rp);
  bool local_active = !rp.synchronised && rp.refid == NTP_REFID_LOCAL;
  if ((rp.synchronised && rp.refid == r->p.refid) || local_active)
    return rp.stratum > 0 ? rp.stratum - 1 : 0;
  return 0;
}

/* local: the estimate of the refclock's offset and frequency, once it has
 * its minimum of samples. */
static bool local_stats(const struct rcl *r, struct sst_tracking *t)
{
  struct timespec now;
  disc_cooked_time(r->disc, &now);
  return sst_samples(&r->stats) >= r->stats.min_samples &&
         sst_get_tracking_data(&r->stats, &now, t);
}

/* local: the clock made to follow what the refclock's estimate did since
 * the previous one (chrony's follow_local): the change of frequency, and
 * of offset beyond what the old frequency explains, applied to the clock
 * without the other sources knowing; the refclock's own samples move
 * with the clock. */
static void follow_local(struct rcl *r, const struct sst_tracking *before)
{
  struct sst_tracking after;
  if (!local_stats(r, &after) || !r->adjust)
    return;
  double dfreq = (after.frequency - before->frequency) / (1.0 - before->frequency);
  double elapsed = timespec_diff(&after.ref_time, &before->ref_time);
  double doffset = after.offset - elapsed * before->frequency - before->offset;
  struct timespec now;
  disc_cooked_time(r->disc, &now);
  r->adjust(r->adjust_arg, doffset, dfreq, &now);
  /* Its samples only: as chronyd, a PTP clock's tracking is not told. */
  spf_slew(&r->filter, &now, dfreq, doffset);
  sst_slew_samples(&r->stats, &now, dfreq, doffset);
}

static void poll_timeout(void *arg)
{
  struct rcl *r = arg;
  r->timer = 0;
  int next = r->p.poll;
  bool period_over = true;
  if (polled(r)) {
    static void (*const read[PLAT_REFCLOCK_N])(struct rcl *) = {
      [PLAT_REFCLOCK_SHM] = read_shm, [PLAT_REFCLOCK_PPS] = read_pps,
      [PLAT_REFCLOCK_PHC] = read_phc, [PLAT_REFCLOCK_RTC] = read_rtc};
    next = r->p.dpoll;
    read[r->p.driver](r);
    period_over = ++r->driver_polled >= 1 << (r->p.poll - r->p.dpoll);
  }
  r->timer = r->plat->ops->timer_add(r->plat->ctx, interval(next), poll_timeout, r);
  if (!period_over)
    return;
  r->reach = (uint8_t)(r->reach << 1 | (r->reached > 0));
  if (r->reach_size < 8)
    r->reach_size++;
  if (r->reach)
    r->unreachable_run = 0;
  else if (r->unreachable_run < INT_MAX)
    r->unreachable_run++;
  r->reached = 0;

  struct sst_sample s;
  struct sst_tracking before;
  bool new_sample = false, have_before = false;
  if (spf_get_filtered(&r->filter, r->precision, &s)) {
    s.stratum = r->pps_active && !r->lock ? pulse_stratum(r, &s.time) : r->p.stratum;
    if (r->p.local) {
      have_before = local_stats(r, &before);
      r->leap = NTP_LEAP_UNSYNC;
    }
    s.leap = r->leap;
    sst_get_report(&r->stats, &s.time, &r->before);
    if (sst_add(&r->stats, &s)) {
      r->n_before = sst_samples(&r->stats);
      sst_regress(&r->stats);
      r->last_offset = s.offset;
      r->last_sample_time = s.time;
      new_sample = true;
      log_sample(r, &s.time, true, 0.0, s.offset, s.peer_dispersion);
    }
  }
  r->driver_polled = 0;
  /* As chronyd: a selection after a sample, or with the register empty. */
  if (new_sample || r->reach == 0)
    r->on_update(r->arg, r, new_sample);
  if (have_before)
    follow_local(r, &before);
}

void rcl_start(struct rcl *r)
{
  if (r->device >= 0 && !r->timer)
    r->timer = r->plat->ops->timer_add(r->plat->ctx, 0.0, poll_timeout, r);
}

void rcl_slew(struct rcl *r, const struct timespec *when, double dfreq, double doffset)
{
  spf_slew(&r->filter, when, dfreq, doffset);
  sst_slew_samples(&r->stats, when, dfreq, doffset);
  if (r->p.driver == PLAT_REFCLOCK_PHC)
    hcl_slew(&r->hcl, when, dfreq, doffset);
}

void rcl_reset(struct rcl *r)
{
  spf_drop(&r->filter);
  sst_reset(&r->stats);
}
