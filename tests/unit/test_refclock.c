/* The core's reference clocks (core/refclock.c) on a simulated host: the
 * devices are the simulator's (sim_refclock.h), either sending on their own
 * or stalled while a test hands samples to the driver's input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/refclock.h"
#include "proto/timespec.h"
#include "sim/sim_refclock.h"
#include "sim/sim_world.h"

#define PRECISION (-20)

struct fixture {
  struct sim_world *w;
  struct sim_platform *host;
  struct discipline d;
  struct refstate ref;
  struct rcl r, lock;
  struct sim_refclock *dev, *lock_dev;
  int updates, new_samples;
};

static void on_update(void *arg, struct rcl *r, bool new_sample)
{
  struct fixture *f = arg;
  (void)r;
  f->updates++;
  f->new_samples += new_sample;
}

static struct sim_refclock *device(struct fixture *f, const char *param, double offset,
                                   double jitter)
{
  struct sim_refclock_config cfg = {.driver = PLAT_REFCLOCK_SOCK, .param = param,
                                    .offset = offset, .jitter = jitter, .seed = 9};
  struct sim_refclock *d = sim_refclock_new(sim_world_sched(f->w), f->host, &cfg);
  assert_non_null(d);
  return d;
}

static void params(struct rcl_params *p, const char *param, unsigned index)
{
  rcl_params_default(p);
  p->driver = PLAT_REFCLOCK_SOCK;
  strcpy(p->param, param);
  p->refid = rcl_default_refid(p->driver, index);
}

static bool init(struct fixture *f, struct rcl *r, const struct rcl_params *p)
{
  return rcl_init(r, p, sim_platform_get(f->host), &f->d, &f->ref, PRECISION, on_update, f);
}

/* A perfect host with one SOCK refclock, its device sending a sample a
 * second 10 ms ahead of the clock with 1 ms of jitter. */
static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  struct timespec start = {1700000000, 0};
  f->w = sim_world_new(1, &start);
  f->host = sim_world_add_host(f->w, "client", "192.0.2.1", NULL);
  assert_non_null(f->host);
  disc_init(&f->d, sim_platform_get(f->host), true, true, 0.0, 83333.333, 500000.0);
  ref_state_init(&f->ref, PRECISION);
  f->lock.device = -1;                 /* not opened unless a test does */
  f->dev = device(f, "/run/ref0.sock", 0.01, 1e-3);
  struct rcl_params p;
  params(&p, "/run/ref0.sock", 0);
  assert_true(init(f, &f->r, &p));
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  rcl_fini(&f->r);
  rcl_fini(&f->lock);
  disc_fini(&f->d);
  sim_world_free(f->w);
  free(f);
  return 0;
}

static void run(struct fixture *f, double seconds)
{
  assert_int_equal(sim_world_run(f->w, seconds), 0);
}

static struct timespec now(struct fixture *f)
{
  struct timespec t;
  const struct platform *plat = sim_platform_get(f->host);
  plat->ops->now(plat->ctx, &t);
  return t;
}

static unsigned warnings(struct fixture *f)
{
  return sim_platform_log_count(f->host, PLAT_LOG_WARN);
}

/* chronyd's refids: the driver's first three letters and the refclock's
 * index among all refclocks (the last two characters from 10 on). */
static void test_default_refids(void **state)
{
  (void)state;
  char text[5];
  assert_string_equal(rcl_refid_text(rcl_default_refid(PLAT_REFCLOCK_SOCK, 0), text), "SOC0");
  assert_string_equal(rcl_refid_text(rcl_default_refid(PLAT_REFCLOCK_SHM, 1), text), "SHM1");
  assert_string_equal(rcl_refid_text(rcl_default_refid(PLAT_REFCLOCK_SHM, 10), text), "SH10");
  assert_string_equal(rcl_refid_text(rcl_default_refid(PLAT_REFCLOCK_SOCK, 15), text), "SO15");
  assert_int_equal(rcl_default_refid(PLAT_REFCLOCK_SHM, 0), 0x53484d30u);
  assert_string_equal(rcl_refid_text(0x47505300u, text), "GPS");
}

static void test_missing_device_not_opened(void **state)
{
  struct fixture *f = *state;
  struct rcl_params p;
  params(&p, "/run/nothing.sock", 1);
  unsigned errors = sim_platform_log_count(f->host, PLAT_LOG_ERR);
  assert_false(init(f, &f->lock, &p));
  assert_int_equal(sim_platform_log_count(f->host, PLAT_LOG_ERR), errors + 1);
  assert_true(f->lock.device < 0);
}

/* 16 samples a poll go into the filter; each poll gives the statistics one
 * sample, their combination. */
static void test_filter_one_sample_per_poll(void **state)
{
  struct fixture *f = *state;
  rcl_start(&f->r);
  run(f, 4 * 16.0 + 0.5);          /* polls at 0 (empty), 16, 32, 48, 64 */
  assert_int_equal(f->updates, 5);
  assert_int_equal(f->new_samples, 4);
  assert_int_equal(sst_samples(&f->r.stats), 4);
  assert_int_equal(f->r.counters[RCL_SAMPLES], 64);
  /* The combination of ~16 samples of 1 ms jitter: within 1 ms of 10 ms,
   * where single samples often are not. */
  assert_true(fabs(f->r.last_offset - 0.01) < 1e-3);
  for (int i = 0; i < RCL_COUNTERS; i++)
    if (i != RCL_SAMPLES)
      assert_int_equal(f->r.counters[i], 0);
}

/* A sample's time must be of the last two polls (chrony's valid_sample_time). */
static void test_old_sample_dropped(void **state)
{
  struct fixture *f = *state;
  sim_refclock_set_stalled(f->dev, true);
  run(f, 100.0);
  struct timespec t = now(f);
  double two_polls = ldexp(1.0, f->r.p.poll + 1);
  struct timespec old = timespec_add_double(&t, -two_polls - 0.001);
  struct timespec recent = timespec_add_double(&t, -two_polls + 0.001);
  struct timespec future = timespec_add_double(&t, 0.001);
  assert_false(rcl_add_sample(&f->r, &old, 0.0, 0));
  assert_false(rcl_add_sample(&f->r, &future, 0.0, 0));
  assert_int_equal(f->r.counters[RCL_BAD_SAMPLE], 2);
  assert_true(rcl_add_sample(&f->r, &recent, 0.0, 0));
  assert_true(rcl_add_sample(&f->r, &t, 0.0, 0));
  assert_int_equal(f->r.counters[RCL_SAMPLES], 2);
}

/* A TAI-UTC table of 33 s before `tai_change` and 34 s from it on. */
static time_t tai_change;

static enum ntp_leap tai_table(void *arg, time_t when, int *tai)
{
  (void)arg;
  *tai = when >= tai_change ? 34 : 33;
  return NTP_LEAP_NONE;
}

static void keep_raw_offset(void *arg, const struct rcl_log_sample *s)
{
  *(double *)arg = s->raw_offset;
}

/* tai: the reference's time in TAI (sample time plus offset, as one time)
 * gives TAI-UTC; a sample taken 0.1 us before the change, whose reading is
 * 0.1 us past it in UTC, is converted with the new offset (as chronyd's
 * convert_tai_offset does). */
static void test_tai_offset_at_a_change(void **state)
{
  struct fixture *f = *state;
  double raw = NAN;
  sim_refclock_set_stalled(f->dev, true);
  run(f, 10.0);
  tai_change = now(f).tv_sec;
  f->r.p.tai = true;
  f->r.leap_lookup = tai_table;
  f->r.log = keep_raw_offset;
  f->r.log_arg = &raw;
  struct timespec before = {tai_change - 1, 999999900};
  assert_true(rcl_add_sample(&f->r, &before, 34.0 + 2e-7, 0));
  assert_float_equal(raw, 2e-7, 1e-9);
  /* and one still before the change in UTC, 50 ns later: the old offset */
  struct timespec later = {tai_change - 1, 999999950};
  assert_true(rcl_add_sample(&f->r, &later, 33.0 + 2e-8, 0));
  assert_float_equal(raw, 2e-8, 1e-9);
}

/* Insane offsets, NaN and bad leaps: counted each, logged once. */
static void test_bad_samples_counted_logged_once(void **state)
{
  struct fixture *f = *state;
  sim_refclock_set_stalled(f->dev, true);
  run(f, 10.0);
  struct timespec t = now(f);
  unsigned before = warnings(f);
  assert_false(rcl_add_sample(&f->r, &t, NAN, 0));
  assert_false(rcl_add_sample(&f->r, &t, INFINITY, 0));
  assert_false(rcl_add_sample(&f->r, &t, 5e9, 0));          /* beyond 2^32 s */
  assert_false(rcl_add_sample(&f->r, &t, -2e9, 0));         /* before 1970 */
  assert_false(rcl_add_sample(&f->r, &t, 0.0, 3));          /* leap: unsynchronised */
  assert_false(rcl_add_sample(&f->r, &t, 0.0, -1));
  assert_false(rcl_add_pulse(&f->r, &t, NAN));
  assert_int_equal(f->r.counters[RCL_BAD_SAMPLE], 7);
  assert_int_equal(f->r.counters[RCL_SAMPLES], 0);
  assert_int_equal(warnings(f), before + 1);
  /* Good ones still come in. */
  assert_true(rcl_add_sample(&f->r, &t, 1e-3, 1));
  assert_int_equal(f->r.counters[RCL_SAMPLES], 1);
  assert_int_equal(warnings(f), before + 1);
}

/* A PPS refclock locked to the first one (chrony's `lock`). */
static void add_pps(struct fixture *f)
{
  struct rcl_params p;
  f->lock_dev = device(f, "/run/pps.sock", 0.0, 0.0);
  sim_refclock_set_stalled(f->lock_dev, true);
  params(&p, "/run/pps.sock", 1);
  p.lock_refid = f->r.p.refid;
  assert_true(init(f, &f->lock, &p));
  rcl_set_lock(&f->lock, &f->r);
  assert_ptr_equal(f->lock.lock, &f->r);
}

static void test_pulse_without_lock_sample_ignored(void **state)
{
  struct fixture *f = *state;
  sim_refclock_set_stalled(f->dev, true);
  add_pps(f);
  run(f, 10.0);
  struct timespec t = now(f);
  unsigned before = warnings(f);
  assert_false(rcl_add_pulse(&f->lock, &t, 0.3));
  assert_false(rcl_add_pulse(&f->lock, &t, 0.4));
  assert_int_equal(f->lock.counters[RCL_BAD_PULSE], 2);
  assert_int_equal(f->lock.counters[RCL_SAMPLES], 0);
  assert_int_equal(warnings(f), before + 1);
}

/* The pulse knows the fraction, the lock the seconds: the clock is 2.0001 s
 * behind, the NMEA-like lock says 2.03 s, the pulse came 0.9999 s into a
 * second of the local clock. */
static void test_pulse_gets_the_locks_seconds(void **state)
{
  struct fixture *f = *state;
  sim_refclock_set_stalled(f->dev, true);
  add_pps(f);
  run(f, 10.0);
  struct timespec t = now(f);
  struct sst_sample s;
  assert_true(rcl_add_sample(&f->r, &t, 2.03, 0));
  assert_true(rcl_add_pulse(&f->lock, &t, 0.9999));
  assert_true(spf_last_sample(&f->lock.filter, &s));
  assert_float_equal(s.offset, 2.0001, 1e-9);
  /* Whole seconds in a pulse's value are not looked at; the lock's sample
   * serves for maxlockage (2) pulses. */
  run(f, 0.5);
  t = now(f);
  assert_true(rcl_add_pulse(&f->lock, &t, -1.9999));
  assert_true(spf_last_sample(&f->lock.filter, &s));
  assert_float_equal(s.offset, 1.9999, 1e-9);
  /* A lock 0.45 s off cannot tell which second (chrony's PPS_LOCK_LIMIT). */
  run(f, 0.5);
  t = now(f);
  assert_true(rcl_add_sample(&f->r, &t, 2.45, 0));
  assert_false(rcl_add_pulse(&f->lock, &t, 0.9999));
  assert_int_equal(f->lock.counters[RCL_BAD_PULSE], 1);
  /* A lock sample older than maxlockage pulses: ignored too. */
  run(f, 3.0);
  struct timespec later = now(f);
  assert_false(rcl_add_pulse(&f->lock, &later, 0.9999));
  assert_int_equal(f->lock.counters[RCL_BAD_PULSE], 2);
}

/* Without a lock, a pulse needs our own time, synchronised. */
static void test_unlocked_pulse_needs_synchronised_time(void **state)
{
  struct fixture *f = *state;
  sim_refclock_set_stalled(f->dev, true);
  run(f, 10.0);
  struct timespec t = now(f);
  assert_false(f->ref.synchronised);
  assert_false(rcl_add_pulse(&f->r, &t, 0.25));
  assert_int_equal(f->r.counters[RCL_BAD_PULSE], 1);
}

/* The reachability register: one bit a poll, 1 when any sample came. */
static void test_reach_shifts_per_poll(void **state)
{
  struct fixture *f = *state;
  rcl_start(&f->r);
  run(f, 3 * 16.0 + 0.5);                          /* polls at 0, 16, 32, 48 */
  assert_int_equal(f->r.reach, 07);
  assert_int_equal(f->r.reach_size, 4);
  sim_refclock_set_stalled(f->dev, true);
  run(f, 2 * 16.0);                                /* 64: the last samples; 80: none */
  assert_int_equal(f->r.reach, 036);
  assert_int_equal(f->r.reach_size, 6);
  run(f, 4 * 16.0);
  assert_int_equal(f->r.reach, 0340);              /* 8 bits kept */
  assert_int_equal(f->r.reach_size, 8);
  run(f, 4 * 16.0);
  assert_int_equal(f->r.reach, 0);
  assert_int_equal(f->r.reach_size, 8);
  /* As chronyd, the owner hears of each new sample and of each poll that
   * leaves the register empty (0, 192 and 208 s), not of the others. */
  assert_int_equal(f->updates, 4 + 3);
  assert_int_equal(f->new_samples, 4);
}

/* A PTP clock 0.3 s off and 30 ppm fast stamps a pulse each true second
 * on channel 1 (extpps): through its tracking, each is a pulse on the
 * host's clock (perfect here), taken while our time is synchronised. */
static void test_extpps_pulses_through_tracking(void **state)
{
  struct fixture *f = *state;
  sim_refclock_set_stalled(f->dev, true);
  struct sim_refclock_config cfg = {.driver = PLAT_REFCLOCK_PHC, .param = "/dev/ptp1",
                                    .offset = 0.3, .freq = 30.0, .jitter = 1e-9,
                                    .extts = true, .channel = 1, .seed = 5};
  assert_non_null(sim_refclock_new(sim_world_sched(f->w), f->host, &cfg));
  struct rcl_params p;
  rcl_params_default(&p);
  p.driver = PLAT_REFCLOCK_PHC;
  strcpy(p.param, "/dev/ptp1");
  p.refid = rcl_default_refid(p.driver, 1);
  p.option = PLAT_PHC_EXTPPS;
  /* Another channel: refused, as chronyd ("Could not enable external PHC
   * timestamping"). */
  unsigned errors = sim_platform_log_count(f->host, PLAT_LOG_ERR);
  assert_false(init(f, &f->lock, &p));
  assert_int_equal(sim_platform_log_count(f->host, PLAT_LOG_ERR), errors + 1);
  p.channel = 1;
  assert_true(init(f, &f->lock, &p));
  f->ref.synchronised = true;
  f->ref.leap = NTP_LEAP_NONE;
  f->ref.stratum = 2;
  rcl_start(&f->lock);
  run(f, 8 * 16.0 + 0.5);
  /* Pulses before the tracking had two readings were not converted; the
   * others all taken, their offset the host's (none) within the jitter. */
  assert_true(f->lock.counters[RCL_SAMPLES] >= 8 * 16 - 2 * 16);
  assert_int_equal(f->lock.counters[RCL_BAD_PULSE], 0);
  assert_true(sst_samples(&f->lock.stats) >= 6);
  assert_true(fabs(f->lock.last_offset) < 1e-7);
  /* The readings only track: no sample of their own. */
  assert_true(f->lock.counters[RCL_SAMPLES] <= 8 * 16 + 1);
}

static void count_adjust(void *arg, double offset, double dfreq, const struct timespec *now)
{
  (void)offset;
  (void)dfreq;
  (void)now;
  (*(int *)arg)++;
}

/* local: its own lock, never synchronised, the clock told to follow; a
 * gap longer than maxlockage (at least 3) pulses starts it again. */
static void test_local_refclock(void **state)
{
  struct fixture *f = *state;
  sim_refclock_set_stalled(f->dev, true);
  f->lock_dev = device(f, "/run/osc.sock", 0.4, 1e-6);
  struct rcl_params p;
  params(&p, "/run/osc.sock", 1);
  p.local = true;
  p.poll = 2;
  assert_true(init(f, &f->lock, &p));
  assert_true(f->lock.p.pps && f->lock.p.lock_refid == f->lock.p.refid);
  assert_int_equal(f->lock.p.maxlockage, 3);
  unsigned before = warnings(f);
  rcl_set_lock(&f->lock, &f->lock);
  assert_ptr_equal(f->lock.lock, &f->lock);
  assert_int_equal(warnings(f), before);             /* no "Invalid lock refid" */
  int adjusted = 0;
  f->lock.adjust = count_adjust;
  f->lock.adjust_arg = &adjusted;
  rcl_start(&f->lock);
  run(f, 20 * 4.0 + 0.5);
  struct sst_selection sel;
  struct timespec t = now(f);
  assert_true(sst_get_selection_data(&f->lock.stats, &t, &sel));
  assert_int_equal(f->lock.leap, NTP_LEAP_UNSYNC);
  assert_true(adjusted >= 20 - 6 - 1);             /* once it has its 6 samples */
  assert_int_equal(f->lock.counters[RCL_BAD_PULSE], 0);
  /* The device silent for 5 s: the next pulse finds the lock lost. */
  sim_refclock_set_stalled(f->lock_dev, true);
  run(f, 5.0);
  sim_refclock_set_stalled(f->lock_dev, false);
  run(f, 1.0);
  /* "Local refclock lost lock", and the dropped pulse counted (logged
   * once, as every kind of bad input). */
  assert_int_equal(warnings(f), before + 2);
  assert_int_equal(f->lock.counters[RCL_BAD_PULSE], 1);
  assert_int_equal(sst_samples(&f->lock.stats), 0);
  run(f, 4 * 4.0);
  assert_true(sst_samples(&f->lock.stats) > 0);      /* and starts again */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_default_refids),
    cmocka_unit_test_setup_teardown(test_missing_device_not_opened, setup, teardown),
    cmocka_unit_test_setup_teardown(test_tai_offset_at_a_change, setup, teardown),
    cmocka_unit_test_setup_teardown(test_extpps_pulses_through_tracking, setup, teardown),
    cmocka_unit_test_setup_teardown(test_local_refclock, setup, teardown),
    cmocka_unit_test_setup_teardown(test_filter_one_sample_per_poll, setup, teardown),
    cmocka_unit_test_setup_teardown(test_old_sample_dropped, setup, teardown),
    cmocka_unit_test_setup_teardown(test_bad_samples_counted_logged_once, setup, teardown),
    cmocka_unit_test_setup_teardown(test_pulse_without_lock_sample_ignored, setup, teardown),
    cmocka_unit_test_setup_teardown(test_pulse_gets_the_locks_seconds, setup, teardown),
    cmocka_unit_test_setup_teardown(test_unlocked_pulse_needs_synchronised_time, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_reach_shifts_per_poll, setup, teardown),
  };
  return cmocka_run_group_tests_name("refclock", tests, NULL, NULL);
}
