#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/refclock_msg.h"
#include "sim/sim_platform.h"
#include "sim/sim_refclock.h"

#define START ((sim_time)1700000000 * SIM_NS_PER_S)
#define MAX_MSGS 4096

struct fixture {
  struct sim_sched *sched;
  struct sim_net *net;
  struct sim_platform *host;
  const struct platform *plat;
  struct rclmsg_sample msgs[MAX_MSGS];
  sim_time at[MAX_MSGS];             /* true time of each datagram */
  unsigned n_msgs, bad_msgs;
  unsigned n_hosts;
};

static void on_datagram(void *arg, const uint8_t *data, size_t len)
{
  struct fixture *f = arg;
  if (f->n_msgs == MAX_MSGS || rclmsg_sock_parse(data, len, &f->msgs[f->n_msgs]) != RCLMSG_OK) {
    f->bad_msgs++;
    return;
  }
  f->at[f->n_msgs++] = sim_sched_now(f->sched);
}

/* A host whose clock is `offset` s off true time (local - true), no drift. */
static void make_host(struct fixture *f, double offset)
{
  struct ip_addr a;
  char text[ADDR_STR_LEN];
  snprintf(text, sizeof(text), "192.0.2.%u", ++f->n_hosts);
  addr_parse(text, &a);
  struct sim_platform_config cfg = {.name = "h", .addrs = &a, .n_addrs = 1,
                                    .clock = {.offset = offset}, .seed = 7};
  f->host = sim_platform_new(f->sched, f->net, &cfg);
  assert_non_null(f->host);
  f->plat = sim_platform_get(f->host);
}

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  f->sched = sim_sched_new(START);
  f->net = sim_net_new(f->sched, 1);
  make_host(f, -0.1);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  sim_platform_free(f->host);
  sim_net_free(f->net);
  sim_sched_free(f->sched);
  free(f);
  return 0;
}

static struct sim_refclock *device(struct fixture *f, enum plat_refclock_driver driver,
                                   const char *param, double offset, double jitter)
{
  struct sim_refclock_config cfg = {.driver = driver, .param = param, .offset = offset,
                                    .jitter = jitter, .seed = 42};
  struct sim_refclock *d = sim_refclock_new(f->sched, f->host, &cfg);
  assert_non_null(d);
  return d;
}

static int open_dev(struct fixture *f, enum plat_refclock_driver driver, const char *param)
{
  return f->plat->ops->refclock_open(f->plat->ctx, driver, param, 0600, on_datagram, f);
}

static void run(struct fixture *f, double seconds)
{
  assert_int_equal(sim_sched_run_until(f->sched, sim_sched_now(f->sched) + sim_ns(seconds)), 0);
}

/* The local clock is 0.1 s behind: each sample says +0.1 s plus the
 * device's error, against the local time of the tick, once a second on
 * the true second. */
static void test_sock_samples(void **state)
{
  struct fixture *f = *state;
  device(f, PLAT_REFCLOCK_SOCK, "/run/gps.sock", 0.02, 0.0);
  assert_int_equal(open_dev(f, PLAT_REFCLOCK_SOCK, "/run/gps.sock"), 0);
  run(f, 3.5);
  assert_int_equal(f->n_msgs, 3);
  assert_int_equal(f->bad_msgs, 0);
  for (unsigned i = 0; i < f->n_msgs; i++) {
    const struct rclmsg_sample *s = &f->msgs[i];
    assert_true(f->at[i] == START + (sim_time)(i + 1) * SIM_NS_PER_S);
    assert_false(s->pulse);
    assert_int_equal(s->leap, 0);
    /* sys_time: the local clock, in the datagram's microseconds */
    sim_time local = f->at[i] - sim_ns(0.1);
    assert_true(llabs(sim_time_from_timespec(&s->sys_time) - local) < 1000);
    assert_float_equal(s->offset, 0.1 + 0.02, 1e-9);
  }
}

/* A step of the reference's time: the samples after it say so. */
static void test_offset_step(void **state)
{
  struct fixture *f = *state;
  struct sim_refclock *d = device(f, PLAT_REFCLOCK_SOCK, "/run/tai.sock", 33.0, 0.0);
  assert_int_equal(open_dev(f, PLAT_REFCLOCK_SOCK, "/run/tai.sock"), 0);
  run(f, 1.5);
  sim_refclock_set_offset(d, 34.0);
  run(f, 1.0);
  assert_int_equal(f->n_msgs, 2);
  assert_float_equal(f->msgs[0].offset, 0.1 + 33.0, 1e-9);
  assert_float_equal(f->msgs[1].offset, 0.1 + 34.0, 1e-9);
}

/* clknetsim's triangle wave: none before wave_from, then -A at the
 * origin, 0 a quarter period later, A half way. */
static void test_triangle_wave(void **state)
{
  struct fixture *f = *state;
  struct sim_refclock_config cfg = {.driver = PLAT_REFCLOCK_SOCK, .param = "tri", .seed = 1,
                                    .wave_amplitude = 0.2, .wave_period = 8.0,
                                    .wave_from = START + 3 * SIM_NS_PER_S / 2,
                                    .wave_origin = START + SIM_NS_PER_S};
  assert_non_null(sim_refclock_new(f->sched, f->host, &cfg));
  assert_int_equal(open_dev(f, PLAT_REFCLOCK_SOCK, "tri"), 0);
  run(f, 5.5);
  assert_int_equal(f->n_msgs, 5);
  static const double expected[] = {0.0, -0.1, 0.0, 0.1, 0.2};   /* at 1, 2, ... 5 s */
  for (unsigned i = 0; i < f->n_msgs; i++)
    assert_float_equal(f->msgs[i].offset, 0.1 + expected[i], 1e-8);
  cfg.wave_period = 0.0;
  assert_null(sim_refclock_new(f->sched, f->host, &cfg));
}

/* Pulses: how far into the reference's second the local clock is. */
static void test_sock_pulses(void **state)
{
  struct fixture *f = *state;
  struct sim_refclock_config cfg = {.driver = PLAT_REFCLOCK_SOCK, .param = "pps", .pulse = true,
                                    .rate = 4, .offset = 1e-3, .seed = 1};
  struct sim_refclock *d = sim_refclock_new(f->sched, f->host, &cfg);
  assert_non_null(d);
  assert_int_equal(open_dev(f, PLAT_REFCLOCK_SOCK, "pps"), 0);
  run(f, 2.1);
  assert_int_equal(f->n_msgs, 8);                 /* 4 a second */
  assert_int_equal(sim_refclock_written(d), 8);
  for (unsigned i = 0; i < f->n_msgs; i++) {
    assert_true(f->msgs[i].pulse);
    assert_true(f->at[i] == START + (sim_time)(i + 1) * SIM_NS_PER_S / 4);
    /* local - reading = -0.1 - 0.001 s, within a quarter second */
    assert_float_equal(f->msgs[i].offset, 0.25 - 0.101, 1e-9);
  }
}

/* SHM: the segment holds the newest write; a read clears valid. */
static void test_shm_segment(void **state)
{
  struct fixture *f = *state;
  struct sim_refclock *d = device(f, PLAT_REFCLOCK_SHM, "2", -0.005, 0.0);
  int h = open_dev(f, PLAT_REFCLOCK_SHM, "2");
  assert_true(h >= 0);
  uint8_t seg[RCLMSG_SHM_SIZE];
  int count = -1;
  struct rclmsg_sample s;
  /* Nothing written yet: an empty segment. */
  assert_int_equal(f->plat->ops->refclock_read(f->plat->ctx, h, seg, sizeof(seg), &count),
                   RCLMSG_SHM_SIZE);
  assert_int_equal(rclmsg_shm_parse(seg, sizeof(seg), count, &s), RCLMSG_NOT_VALID);
  run(f, 2.5);
  assert_int_equal(sim_refclock_written(d), 2);
  assert_int_equal(f->plat->ops->refclock_read(f->plat->ctx, h, seg, sizeof(seg), &count),
                   RCLMSG_SHM_SIZE);
  assert_int_equal(count, 2);
  assert_int_equal(rclmsg_shm_parse(seg, sizeof(seg), count, &s), RCLMSG_OK);
  assert_float_equal(s.offset, 0.1 - 0.005, 1e-9);
  /* receive time: the local clock at the last write (2 s) */
  assert_true(sim_time_from_timespec(&s.sys_time) == START + 2 * SIM_NS_PER_S - sim_ns(0.1));
  assert_int_equal(f->plat->ops->refclock_read(f->plat->ctx, h, seg, sizeof(seg), &count),
                   RCLMSG_SHM_SIZE);
  assert_int_equal(rclmsg_shm_parse(seg, sizeof(seg), count, &s), RCLMSG_NOT_VALID);
  /* A short buffer gets what fits. */
  assert_int_equal(f->plat->ops->refclock_read(f->plat->ctx, h, seg, 10, &count), 10);
}

static void test_open_by_driver_and_param(void **state)
{
  struct fixture *f = *state;
  device(f, PLAT_REFCLOCK_SOCK, "/a", 0.0, 0.0);
  device(f, PLAT_REFCLOCK_SHM, "0", 0.0, 0.0);
  assert_int_equal(open_dev(f, PLAT_REFCLOCK_SOCK, "/b"), -ENOENT);
  assert_int_equal(open_dev(f, PLAT_REFCLOCK_SOCK, "0"), -ENOENT);
  assert_int_equal(open_dev(f, PLAT_REFCLOCK_SHM, "/a"), -ENOENT);
  int shm = open_dev(f, PLAT_REFCLOCK_SHM, "0");
  int sock = open_dev(f, PLAT_REFCLOCK_SOCK, "/a");
  assert_int_equal(shm, 1);
  assert_int_equal(sock, 0);
  assert_int_equal(open_dev(f, PLAT_REFCLOCK_SOCK, "/a"), -EBUSY);
  uint8_t seg[RCLMSG_SHM_SIZE];
  int count;
  assert_int_equal(f->plat->ops->refclock_read(f->plat->ctx, sock, seg, sizeof(seg), &count),
                   -EBADF);
  assert_int_equal(f->plat->ops->refclock_read(f->plat->ctx, 5, seg, sizeof(seg), &count),
                   -EBADF);
  /* Closed, nothing is delivered; opened again, it is. */
  f->plat->ops->refclock_close(f->plat->ctx, sock);
  run(f, 1.5);
  assert_int_equal(f->n_msgs, 0);
  assert_int_equal(open_dev(f, PLAT_REFCLOCK_SOCK, "/a"), 0);
  run(f, 1.0);
  assert_int_equal(f->n_msgs, 1);
}

static void test_bad_config(void **state)
{
  struct fixture *f = *state;
  char longname[SIM_REFCLOCK_PARAM_LEN + 1];
  memset(longname, 'x', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = '\0';
  struct sim_refclock_config cfg = {.driver = PLAT_REFCLOCK_N, .param = "x"};
  assert_null(sim_refclock_new(f->sched, f->host, &cfg));
  cfg.driver = PLAT_REFCLOCK_SOCK;
  cfg.param = longname;
  assert_null(sim_refclock_new(f->sched, f->host, &cfg));
  cfg.param = "x";
  cfg.jitter = NAN;
  assert_null(sim_refclock_new(f->sched, f->host, &cfg));
  cfg.jitter = 0.0;
  for (unsigned i = 0; i < SIM_PLATFORM_MAX_REFCLOCKS; i++)
    assert_non_null(sim_refclock_new(f->sched, f->host, &cfg));
  assert_null(sim_refclock_new(f->sched, f->host, &cfg));   /* the host is full */
}

/* The jitter's distribution, from the device's own stream. */
static void jitter_stats(struct fixture *f, enum sim_refclock_jitter kind, uint64_t seed,
                         double *mean, double *sd, double *max)
{
  struct sim_refclock_config cfg = {.driver = PLAT_REFCLOCK_SOCK, .param = "j", .jitter = 1e-3,
                                    .jitter_kind = kind, .rate = 10, .seed = seed};
  struct sim_refclock *d = sim_refclock_new(f->sched, f->host, &cfg);
  assert_non_null(d);
  f->n_msgs = 0;
  assert_int_equal(open_dev(f, PLAT_REFCLOCK_SOCK, "j"), (int)SIM_PLATFORM_MAX_REFCLOCKS - 1);
  run(f, 300.05);
  assert_int_equal(f->n_msgs, 3000);
  double sum = 0, sum2 = 0;
  *max = 0;
  for (unsigned i = 0; i < f->n_msgs; i++) {
    double e = f->msgs[i].offset - 0.1;
    sum += e;
    sum2 += e * e;
    *max = fmax(*max, fabs(e));
  }
  *mean = sum / f->n_msgs;
  *sd = sqrt(sum2 / f->n_msgs - *mean * *mean);
}

static void fill_host(struct fixture *f)
{
  struct sim_refclock_config cfg = {.driver = PLAT_REFCLOCK_SHM, .param = "filler"};
  for (unsigned i = 0; i + 1 < SIM_PLATFORM_MAX_REFCLOCKS; i++)
    assert_non_null(sim_refclock_new(f->sched, f->host, &cfg));
}

static void test_jitter_normal(void **state)
{
  struct fixture *f = *state;
  double mean, sd, max;
  fill_host(f);
  jitter_stats(f, SIM_REFCLOCK_NORMAL, 3, &mean, &sd, &max);
  /* 3000 draws: the mean within 4 standard errors, sd within 10 % */
  assert_true(fabs(mean) < 4 * 1e-3 / sqrt(3000));
  assert_true(sd > 0.9e-3 && sd < 1.1e-3);
  assert_true(max > 2e-3);                        /* tails beyond one jitter */
}

static void test_jitter_uniform(void **state)
{
  struct fixture *f = *state;
  double mean, sd, max;
  fill_host(f);
  jitter_stats(f, SIM_REFCLOCK_UNIFORM, 3, &mean, &sd, &max);
  assert_true(fabs(mean) < 4 * 1e-3 / sqrt(3 * 3000.0));
  assert_true(fabs(sd - 1e-3 / sqrt(3.0)) < 0.05e-3);
  assert_true(max <= 1e-3 + 1e-9 && max > 0.99e-3);
}

/* Same seed, same readings; another seed, others. */
static void test_deterministic(void **state)
{
  struct fixture *f = *state;
  const char *names[3] = {"d0", "d1", "d2"};
  for (int k = 0; k < 3; k++) {
    struct sim_refclock_config cfg = {.driver = PLAT_REFCLOCK_SOCK, .param = names[k],
                                      .jitter = 1e-3, .seed = k < 2 ? 5 : 6};
    assert_non_null(sim_refclock_new(f->sched, f->host, &cfg));
    assert_int_equal(open_dev(f, PLAT_REFCLOCK_SOCK, names[k]), k);
  }
  run(f, 1.0);
  assert_int_equal(f->n_msgs, 3);                 /* one tick each, in order */
  assert_true(f->msgs[0].offset == f->msgs[1].offset);
  assert_true(f->msgs[0].offset != f->msgs[2].offset);
}

/* A stalled device writes nothing; freeing its host stops it. */
static void test_stall_and_free(void **state)
{
  struct fixture *f = *state;
  struct sim_refclock *d = device(f, PLAT_REFCLOCK_SOCK, "s", 0.0, 0.0);
  assert_int_equal(open_dev(f, PLAT_REFCLOCK_SOCK, "s"), 0);
  run(f, 2.5);
  assert_int_equal(f->n_msgs, 2);
  sim_refclock_set_stalled(d, true);
  run(f, 5.0);
  assert_int_equal(f->n_msgs, 2);
  assert_int_equal(sim_refclock_written(d), 2);
  sim_refclock_set_stalled(d, false);
  run(f, 1.0);
  assert_int_equal(f->n_msgs, 3);
  assert_true(sim_sched_pending(f->sched) > 0);
  sim_platform_free(f->host);
  assert_int_equal(sim_sched_pending(f->sched), 0);
  make_host(f, -0.1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_sock_samples, setup, teardown),
    cmocka_unit_test_setup_teardown(test_offset_step, setup, teardown),
    cmocka_unit_test_setup_teardown(test_triangle_wave, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sock_pulses, setup, teardown),
    cmocka_unit_test_setup_teardown(test_shm_segment, setup, teardown),
    cmocka_unit_test_setup_teardown(test_open_by_driver_and_param, setup, teardown),
    cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
    cmocka_unit_test_setup_teardown(test_jitter_normal, setup, teardown),
    cmocka_unit_test_setup_teardown(test_jitter_uniform, setup, teardown),
    cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
    cmocka_unit_test_setup_teardown(test_stall_and_free, setup, teardown),
  };
  return cmocka_run_group_tests_name("sim_refclock", tests, NULL, NULL);
}
