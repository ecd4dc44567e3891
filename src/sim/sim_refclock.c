#include "sim/sim_refclock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/refclock_msg.h"
#include "sim/sim_rng.h"

struct sim_refclock {
  struct sim_sched *sched;
  struct sim_platform *host;
  enum plat_refclock_driver driver;
  char param[SIM_REFCLOCK_PARAM_LEN];
  sim_time period;                   /* ns between ticks */
  double offset, jitter;
  double wave_amplitude, wave_period;
  sim_time wave_from, wave_origin;
  enum sim_refclock_jitter jitter_kind;
  bool pulse;
  int leap;
  struct sim_rng rng;
  sim_time next;                     /* true time of the next tick */
  bool stalled;
  uint64_t written;
  bool open;
  plat_refclock_fn fn;               /* SOCK: where datagrams go while open */
  void *arg;
  uint8_t segment[RCLMSG_SHM_SIZE];  /* SHM */
  int count;
  struct plat_pps_edge edge;         /* PPS */
  sim_time created;                  /* PHC: its offset's time */
  double freq, delay;                /* PHC; RTC: its frequency error */
  double delay_jitter;               /* PHC: bursts of it */
  unsigned jitter_on, jitter_off, halves;
  bool extts;                        /* PHC: pulses timestamped on `channel` */
  int channel;
  bool extts_on;                     /* ... and the host asked for them */
  struct plat_phc_extts event;       /* the last pulse's, on its way */
  /* RTC: its second base_sec + k began at tick k after base_true. */
  sim_time rtc_base_true;
  int64_t rtc_base_sec, rtc_k;
};

/* RTC: the true time of tick k, its seconds running freq ppm fast. */
static sim_time rtc_tick_time(const struct sim_refclock *d, int64_t k)
{
  return d->rtc_base_true + (sim_time)llround((double)k * SIM_NS_PER_S / (1.0 + d->freq * 1e-6));
}

/* The triangle wave's part of the error at true time t. */
static double wave(const struct sim_refclock *d, sim_time t)
{
  double cycles = sim_seconds(t - d->wave_origin) / d->wave_period;
  double phase = cycles - floor(cycles);
  return d->wave_amplitude * -4.0 * (fabs(phase - 0.5) - 0.25);
}

static double draw_error(struct sim_refclock *d, sim_time now)
{
  double e = d->jitter_kind == SIM_REFCLOCK_UNIFORM ? 2.0 * sim_rng_uniform(&d->rng) - 1.0
                                                    : sim_rng_normal(&d->rng);
  double offset = d->offset;
  if (d->wave_amplitude != 0.0 && now >= d->wave_from)
    offset += wave(d, now);
  return offset + d->jitter * e;
}

static void send_sock(struct sim_refclock *d, const struct timespec *local, double offset)
{
  struct rclmsg_sample s = {.sys_time = *local, .offset = offset, .pulse = d->pulse,
                            .leap = d->leap};
  if (d->pulse) {
    /* chronyd takes a pulse's offset field as the local clock's distance
     * into the reference's second (refclock_sock.c), the opposite sign of
     * a sample's offset, reduced to one interval here. */
    double rate = (double)SIM_NS_PER_S / (double)d->period;
    double second = -offset;
    s.offset = second - floor(second * rate) / rate;
  }
  uint8_t msg[RCLMSG_SOCK_SIZE];
  rclmsg_sock_build(&s, msg);
  if (d->open && d->fn)
    d->fn(d->arg, msg, sizeof(msg));
}

#define EXTTS_LATENCY 20000          /* ns from a pulse to its event read */

static void deliver_extts(void *arg)
{
  struct sim_refclock *d = arg;
  if (d->open && d->fn && d->extts_on)
    d->fn(d->arg, (const uint8_t *)&d->event, sizeof(d->event));
}

static void tick(void *arg)
{
  struct sim_refclock *d = arg;
  sim_time now = sim_sched_now(d->sched);
  int64_t rtc_sec = d->rtc_base_sec + d->rtc_k;
  if (d->driver == PLAT_REFCLOCK_RTC)
    d->next = rtc_tick_time(d, ++d->rtc_k);
  else
    d->next += d->period;
  sim_sched_add(d->sched, d->next, tick, d, d);
  if (d->stalled)
    return;
  const struct platform *plat = sim_platform_get(d->host);
  struct timespec local;
  plat->ops->now(plat->ctx, &local);
  /* Exact in nanoseconds: the reading's error is the only inexact part. */
  sim_time reading = now + sim_ns(draw_error(d, now));
  d->written++;
  if (d->driver == PLAT_REFCLOCK_SOCK) {
    send_sock(d, &local, sim_seconds(reading - sim_time_from_timespec(&local)));
    return;
  }
  if (d->driver == PLAT_REFCLOCK_RTC) {
    /* An update interrupt: the RTC's second began. Its time on the local
     * clock is off by the error, never later than now (a sample from the
     * future is refused). */
    sim_time err = reading - now;
    struct plat_rtc_reading r = {.sys_time = sim_time_to_timespec(
                                     sim_time_from_timespec(&local) - (err < 0 ? -err : err)),
                                 .rtc_sec = rtc_sec};
    if (d->open && d->fn)
      d->fn(d->arg, (const uint8_t *)&r, sizeof(r));
    return;
  }
  if (d->driver == PLAT_REFCLOCK_PHC) {
    /* The PTP clock's time when the pulse came: its own error at that
     * instant, the reading's error as the pulse's; the event reaches the
     * host a little later, as the kernel's does. */
    d->event = (struct plat_phc_extts){
      .phc = sim_time_to_timespec(reading +
                                  sim_ns(d->freq * 1e-6 * sim_seconds(now - d->created))),
      .channel = d->channel};
    sim_sched_add(d->sched, now + EXTTS_LATENCY, deliver_extts, d, d);
    return;
  }
  if (d->driver == PLAT_REFCLOCK_PPS) {
    /* The local clock when the pulse arrived: the error is in true time. */
    d->edge.seq++;
    d->edge.ts = sim_time_to_timespec(sim_time_from_timespec(&local) + (reading - now));
    return;
  }
  struct timespec clock_time = sim_time_to_timespec(reading);
  rclmsg_shm_build(&clock_time, &local, d->leap, ++d->count, d->segment);
}

struct sim_refclock *sim_refclock_new(struct sim_sched *sched, struct sim_platform *host,
                                      const struct sim_refclock_config *cfg)
{
  if ((unsigned)cfg->driver >= PLAT_REFCLOCK_N || !cfg->param ||
      strlen(cfg->param) >= SIM_REFCLOCK_PARAM_LEN || !isfinite(cfg->offset) ||
      !isfinite(cfg->jitter) || cfg->rate > SIM_NS_PER_S || !isfinite(cfg->freq) ||
      !isfinite(cfg->delay) || fabs(cfg->freq) > 1e5 || cfg->delay > 1.0 ||
      !(fabs(cfg->rtc_error) < 1e9) || !isfinite(cfg->wave_amplitude) ||
      (cfg->wave_amplitude != 0.0 && !(cfg->wave_period > 0.0)))
    return NULL;
  struct sim_refclock *d = calloc(1, sizeof(*d));
  if (!d)
    return NULL;
  d->sched = sched;
  d->host = host;
  d->driver = cfg->driver;
  snprintf(d->param, sizeof(d->param), "%s", cfg->param);
  d->period = SIM_NS_PER_S / (cfg->rate ? cfg->rate : 1);
  d->offset = cfg->offset;
  d->wave_amplitude = cfg->wave_amplitude;
  d->wave_period = cfg->wave_period;
  d->wave_from = cfg->wave_from;
  d->wave_origin = cfg->wave_origin;
  d->jitter = cfg->jitter;
  d->jitter_kind = cfg->jitter_kind;
  d->pulse = cfg->pulse;
  d->leap = cfg->leap;
  d->freq = cfg->freq;
  d->delay = cfg->delay > 0.0 ? cfg->delay : 1e-6;
  d->delay_jitter = cfg->delay_jitter;
  d->jitter_on = cfg->jitter_on;
  d->jitter_off = cfg->jitter_off;
  d->extts = cfg->extts;
  d->channel = cfg->channel;
  d->created = sim_sched_now(sched);
  sim_rng_seed(&d->rng, cfg->seed);
  /* The first whole multiple of the period after now: a device switched
   * on with its host reads a period later, as clknetsim's do. */
  sim_time now = sim_sched_now(sched), rem = now % d->period;
  if (rem < 0)
    rem += d->period;
  d->next = now - rem + d->period;
  if (cfg->driver == PLAT_REFCLOCK_RTC) {
    /* The RTC, rtc_error fast: its first second after now. */
    sim_time err = sim_ns(cfg->rtc_error);
    int64_t s = (int64_t)((now + err) / SIM_NS_PER_S) + 1;
    if (now + err < 0 && (now + err) % SIM_NS_PER_S)
      s--;
    d->rtc_base_sec = s;
    d->rtc_base_true = s * SIM_NS_PER_S - err;
    d->next = d->rtc_base_true;
  }
  /* A PHC is only read: it has no ticks, but for the pulses it stamps. */
  if (((cfg->driver != PLAT_REFCLOCK_PHC || cfg->extts) &&
       !sim_sched_add(sched, d->next, tick, d, d)) ||
      !sim_platform_attach_refclock(host, d)) {
    sim_refclock_free(d);
    return NULL;
  }
  return d;
}

void sim_refclock_free(struct sim_refclock *d)
{
  if (!d)
    return;
  sim_sched_cancel_owner(d->sched, d);
  free(d);
}

int sim_refclock_rtc_read(struct sim_refclock *d, struct plat_rtc_reading *out)
{
  if (d->driver != PLAT_REFCLOCK_RTC)
    return -EBADF;
  /* The second of the last tick (the one before base_sec if none yet). */
  const struct platform *plat = sim_platform_get(d->host);
  memset(out, 0, sizeof(*out));
  plat->ops->now(plat->ctx, &out->sys_time);
  out->rtc_sec = d->rtc_base_sec + d->rtc_k - 1;
  out->half = true;
  return 0;
}

int sim_refclock_rtc_set(struct sim_refclock *d, int64_t rtc_sec)
{
  if (d->driver != PLAT_REFCLOCK_RTC)
    return -EBADF;
  /* Its next second, rtc_sec + 1, begins half a second from now (what
   * chronyd reckons of an RTC just set). */
  sim_sched_cancel_owner(d->sched, d);
  d->rtc_base_sec = rtc_sec + 1;
  d->rtc_base_true = sim_sched_now(d->sched) + SIM_NS_PER_S / 2;
  d->rtc_k = 0;
  d->next = d->rtc_base_true;
  return sim_sched_add(d->sched, d->next, tick, d, d) ? 0 : -ENOMEM;
}

void sim_refclock_set_stalled(struct sim_refclock *d, bool stalled)
{
  d->stalled = stalled;
}

void sim_refclock_set_offset(struct sim_refclock *d, double offset)
{
  d->offset = offset;
}

uint64_t sim_refclock_written(const struct sim_refclock *d)
{
  return d->written;
}

bool sim_refclock_matches(const struct sim_refclock *d, enum plat_refclock_driver driver,
                          const char *param)
{
  return d->driver == driver && strcmp(d->param, param) == 0;
}

bool sim_refclock_open(struct sim_refclock *d, plat_refclock_fn fn, void *arg)
{
  if (d->open)
    return false;
  d->open = true;
  d->fn = fn;
  d->arg = arg;
  return true;
}

int sim_refclock_extts(struct sim_refclock *d, int channel)
{
  if (d->driver != PLAT_REFCLOCK_PHC || !d->extts)
    return -EOPNOTSUPP;
  if (channel != d->channel)
    return -EINVAL;
  d->extts_on = true;
  return 0;
}

void sim_refclock_close(struct sim_refclock *d)
{
  d->extts_on = false;
  d->open = false;
  d->fn = NULL;
  d->arg = NULL;
}

/* The extra delay of one half of a PHC reading, in a burst. */
static double half_delay_jitter(struct sim_refclock *d)
{
  double extra = 0.0;
  if (d->delay_jitter > 0.0 && d->halves >= d->jitter_off) {
    /* Poisson(5) by products of uniforms (Knuth), plus a uniform step. */
    int k = 0;
    for (double p = sim_rng_uniform(&d->rng); p > exp(-5.0) && k < 100; k++)
      p *= sim_rng_uniform(&d->rng);
    extra = (k + sim_rng_uniform(&d->rng)) / 5.5 * d->delay_jitter * 0.5;
  }
  if (++d->halves >= d->jitter_on + d->jitter_off)
    d->halves = 0;
  return extra;
}

/* PHC readings now: the PHC's time at each reading's middle (between its
 * halves, in a burst). */
static int read_phc(struct sim_refclock *d, uint8_t *buf, size_t len)
{
  struct plat_phc_reading r[PLAT_PHC_READINGS];
  size_t n = len / sizeof(r[0]);
  if (n > PLAT_PHC_READINGS)
    n = PLAT_PHC_READINGS;
  const struct platform *plat = sim_platform_get(d->host);
  struct timespec local;
  plat->ops->now(plat->ctx, &local);
  sim_time now = sim_sched_now(d->sched), base = sim_time_from_timespec(&local);
  for (size_t i = 0; i < n; i++) {
    /* Readings 1 us apart, the last one ending now (the ioctl returned). */
    sim_time start = -(sim_time)(n - i) * 1000 - sim_ns(d->delay);
    double before = half_delay_jitter(d), after = half_delay_jitter(d);
    sim_time mid = start + sim_ns(d->delay / 2.0 + before);
    double phc_error = d->offset + d->freq * 1e-6 * sim_seconds(now - d->created) +
                       d->jitter * sim_rng_normal(&d->rng);
    r[i].sys_before = sim_time_to_timespec(base + start);
    r[i].sys_after = sim_time_to_timespec(base + start + sim_ns(d->delay + before + after));
    r[i].phc = sim_time_to_timespec(now + mid + sim_ns(phc_error));
  }
  memcpy(buf, r, n * sizeof(r[0]));
  if (!d->extts)                       /* else its pulses are what it writes */
    d->written++;
  return (int)(n * sizeof(r[0]));
}

sim_time sim_refclock_phc_time(const struct sim_refclock *d, sim_time t)
{
  return t + sim_ns(d->offset + d->freq * 1e-6 * sim_seconds(t - d->created));
}

int sim_refclock_read(struct sim_refclock *d, uint8_t *buf, size_t len, int *count_after)
{
  if (d->driver == PLAT_REFCLOCK_PPS) {
    if (len < sizeof(d->edge))
      return -EINVAL;
    memcpy(buf, &d->edge, sizeof(d->edge));
    return (int)sizeof(d->edge);
  }
  if (d->driver == PLAT_REFCLOCK_PHC)
    return read_phc(d, buf, len);
  if (d->driver == PLAT_REFCLOCK_RTC)
    return 0;                          /* its interrupts give the readings */
  if (d->driver != PLAT_REFCLOCK_SHM || !count_after)
    return -EBADF;
  size_t n = len < sizeof(d->segment) ? len : sizeof(d->segment);
  memcpy(buf, d->segment, n);
  *count_after = d->count;
  rclmsg_shm_clear_valid(d->segment);
  return (int)n;
}
