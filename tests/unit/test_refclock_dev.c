/* Unit tests for src/sys/refclock_dev.c's device layer against fake PPS and
 * PTP clock devices: the PPS mode set for the edge asked for, an edge the
 * device cannot capture refused, edges fetched without waiting; a PTP
 * clock read with cross timestamps, else extended, else basic readings,
 * the working kind kept; external timestamps: the device opened for
 * writing, the pin and channel set, events read from the loop, all off
 * again at close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/pps.h>
#include <linux/ptp_clock.h>
#include <linux/rtc.h>

#include "sys/loop.h"
#include "sys/refclock_dev.h"

#define FAKE_FD 42

/* The fake device: what it can do and what it was told. */
static struct {
  int caps;
  int mode;                        /* PPS_SETPARAMS */
  struct pps_kinfo info;
  bool fetch_waits;                /* a fetch asked to wait (must not) */
  int open_errno;
  bool precise, extended;          /* PTP: which readings it has */
  int calls[3];                    /* precise, extended, basic */
  int rtc_reads;
  struct rtc_time rtc_set;         /* RTC_SET_TIME's */
  int rtc_sets;
  int uie;                         /* RTC_UIE_ON less RTC_UIE_OFF */
  int closed;
  int fd;                          /* 0: FAKE_FD, else a pipe's end (extts) */
  int other_fd;                    /* a second device's, opened before */
  int open_flags;
  struct ptp_pin_desc pin;         /* PTP_PIN_SETFUNC */
  struct ptp_extts_request extts;  /* PTP_EXTTS_REQUEST */
  int extts_errno;
  int masked;                      /* PTP_MASK_EN_SINGLE's channel + 1 */
} dev;

static int fake_fd(void)
{
  return dev.fd ? dev.fd : FAKE_FD;
}

static bool ours(int fd)
{
  return fd == fake_fd() || (dev.other_fd && fd == dev.other_fd);
}

static int fake_open(const char *path, int flags)
{
  (void)path;
  dev.open_flags = flags;
  if (dev.open_errno) {
    errno = dev.open_errno;
    return -1;
  }
  return fake_fd();
}

static int fake_close(int fd)
{
  assert_true(ours(fd));
  dev.closed++;
  return 0;
}

static struct ptp_clock_time ptp(int64_t sec, uint32_t nsec)
{
  return (struct ptp_clock_time){.sec = sec, .nsec = nsec};
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
  assert_true(ours(fd));
  if (req == PTP_PIN_SETFUNC) {
    dev.pin = *(struct ptp_pin_desc *)arg;
  } else if (req == PTP_EXTTS_REQUEST) {
    if (dev.extts_errno) {
      errno = dev.extts_errno;
      return -1;
    }
    dev.extts = *(struct ptp_extts_request *)arg;
#ifdef PTP_MASK_EN_SINGLE
  } else if (req == PTP_MASK_CLEAR_ALL) {
    dev.masked = 0;
  } else if (req == PTP_MASK_EN_SINGLE) {
    dev.masked = *(int *)arg + 1;
#endif
  } else if (req == PPS_GETCAP) {
    *(int *)arg = dev.caps;
  } else if (req == PPS_GETPARAMS) {
    ((struct pps_kparams *)arg)->mode = dev.mode;
  } else if (req == PPS_SETPARAMS) {
    dev.mode = ((struct pps_kparams *)arg)->mode;
  } else if (req == PPS_FETCH) {
    struct pps_fdata *f = arg;
    dev.fetch_waits |= (f->timeout.flags & PPS_TIME_INVALID) || f->timeout.sec || f->timeout.nsec;
    f->info = dev.info;
  } else if (req == PTP_SYS_OFFSET_PRECISE) {
    dev.calls[0]++;
    if (!dev.precise) {
      errno = EOPNOTSUPP;
      return -1;
    }
    struct ptp_sys_offset_precise *p = arg;
    p->device = ptp(1000, 5);
    p->sys_realtime = ptp(2000, 7);
  } else if (req == PTP_SYS_OFFSET_EXTENDED) {
    dev.calls[1]++;
    if (!dev.extended) {
      errno = ENOTTY;
      return -1;
    }
    struct ptp_sys_offset_extended *e = arg;
    assert_int_equal(e->n_samples, PLAT_PHC_READINGS);
    for (unsigned i = 0; i < e->n_samples; i++) {
      e->ts[i][0] = ptp(2000, 100 * i);
      e->ts[i][1] = ptp(1000, 100 * i + 50);
      e->ts[i][2] = ptp(2000, 100 * i + 90);
    }
  } else if (req == RTC_RD_TIME) {
    /* 2026-12-07 03:04:05, the second changing between the first two
     * reads of the first try. */
    struct rtc_time *t = arg;
    memset(t, 0, sizeof(*t));
    *t = (struct rtc_time){.tm_sec = dev.rtc_reads++ == 0 ? 4 : 5, .tm_min = 4, .tm_hour = 3,
                           .tm_mday = 7, .tm_mon = 11, .tm_year = 126};
  } else if (req == RTC_UIE_ON || req == RTC_UIE_OFF) {
    dev.uie += req == RTC_UIE_ON ? 1 : -1;
  } else if (req == RTC_SET_TIME) {
    dev.rtc_set = *(struct rtc_time *)arg;
    dev.rtc_sets++;
  } else if (req == PTP_SYS_OFFSET) {
    dev.calls[2]++;
    struct ptp_sys_offset *b = arg;
    for (unsigned i = 0; i <= 2 * b->n_samples; i++)
      b->ts[i] = ptp(i % 2 ? 1000 : 2000, i);
  } else {
    fail_msg("unexpected ioctl %lx", req);
  }
  return 0;
}

static const struct rcldev_io fake_io = {fake_open, fake_ioctl, fake_close, read};

static int setup(void **state)
{
  memset(&dev, 0, sizeof(dev));
  *state = rcldev_new(NULL, &fake_io);
  return *state ? 0 : -1;
}

static int teardown(void **state)
{
  rcldev_free(*state);
  return 0;
}

static void test_pps_assert(void **state)
{
  struct rcldev_set *s = *state;
  struct plat_pps_edge e;
  dev.caps = PPS_CAPTUREBOTH | PPS_CANWAIT;
  dev.mode = PPS_CAPTURECLEAR | PPS_TSFMT_TSPEC;
  int h = rcldev_open(s, PLAT_REFCLOCK_PPS, "/dev/pps0", 0, NULL, NULL);
  assert_true(h >= 0);
  assert_int_equal(dev.mode, PPS_CAPTUREASSERT | PPS_TSFMT_TSPEC);
  dev.info.assert_sequence = 17;
  dev.info.assert_tu = (struct pps_ktime){.sec = 1700000000, .nsec = 999};
  dev.info.clear_sequence = 3;
  assert_int_equal(rcldev_read(s, h, (uint8_t *)&e, sizeof(e), NULL), (int)sizeof(e));
  assert_int_equal(e.seq, 17);
  assert_int_equal(e.ts.tv_sec, 1700000000);
  assert_int_equal(e.ts.tv_nsec, 999);
  assert_false(dev.fetch_waits);
  /* A fake's broken nanoseconds are refused, not passed on. */
  dev.info.assert_tu.nsec = 1000000000;
  assert_int_equal(rcldev_read(s, h, (uint8_t *)&e, sizeof(e), NULL), -ERANGE);
  assert_int_equal(rcldev_read(s, h, (uint8_t *)&e, sizeof(e) - 1, NULL), -EINVAL);
  rcldev_close(s, h);
  assert_int_equal(dev.closed, 1);
}

static void test_pps_clear(void **state)
{
  struct rcldev_set *s = *state;
  struct plat_pps_edge e;
  dev.caps = PPS_CAPTUREASSERT;
  assert_int_equal(rcldev_open(s, PLAT_REFCLOCK_PPS, "/dev/pps0", PLAT_PPS_CLEAR, NULL, NULL),
                   -EOPNOTSUPP);
  assert_int_equal(dev.closed, 1);
  dev.caps = PPS_CAPTUREBOTH;
  dev.mode = PPS_CAPTUREASSERT;
  int h = rcldev_open(s, PLAT_REFCLOCK_PPS, "/dev/pps0", PLAT_PPS_CLEAR, NULL, NULL);
  assert_true(h >= 0);
  assert_int_equal(dev.mode, PPS_CAPTURECLEAR);
  dev.info.clear_sequence = 5;
  dev.info.clear_tu = (struct pps_ktime){.sec = 10, .nsec = 20};
  dev.info.assert_sequence = 9;
  assert_int_equal(rcldev_read(s, h, (uint8_t *)&e, sizeof(e), NULL), (int)sizeof(e));
  assert_int_equal(e.seq, 5);
  assert_int_equal(e.ts.tv_nsec, 20);
  dev.open_errno = EACCES;
  assert_int_equal(rcldev_open(s, PLAT_REFCLOCK_PPS, "/dev/pps1", 0, NULL, NULL), -EACCES);
}

static void test_phc_precise(void **state)
{
  struct rcldev_set *s = *state;
  struct plat_phc_reading r[PLAT_PHC_READINGS];
  dev.precise = dev.extended = true;
  int h = rcldev_open(s, PLAT_REFCLOCK_PHC, "/dev/ptp0", 0, NULL, NULL);
  assert_true(h >= 0);
  assert_int_equal(rcldev_read(s, h, (uint8_t *)r, sizeof(r), NULL), (int)sizeof(r[0]));
  assert_int_equal(r[0].phc.tv_sec, 1000);
  assert_int_equal(r[0].phc.tv_nsec, 5);
  assert_memory_equal(&r[0].sys_before, &r[0].sys_after, sizeof(r[0].sys_after));
  assert_int_equal(r[0].sys_before.tv_nsec, 7);
}

static void test_phc_falls_back(void **state)
{
  struct rcldev_set *s = *state;
  struct plat_phc_reading r[PLAT_PHC_READINGS];
  dev.extended = true;
  int h = rcldev_open(s, PLAT_REFCLOCK_PHC, "/dev/ptp0", 0, NULL, NULL);
  assert_int_equal(rcldev_read(s, h, (uint8_t *)r, sizeof(r), NULL), (int)sizeof(r));
  assert_int_equal(r[3].sys_before.tv_nsec, 300);
  assert_int_equal(r[3].phc.tv_nsec, 350);
  assert_int_equal(r[3].sys_after.tv_nsec, 390);
  /* The kind that worked is kept: no second try of cross timestamps. */
  assert_int_equal(rcldev_read(s, h, (uint8_t *)r, sizeof(r), NULL), (int)sizeof(r));
  assert_int_equal(dev.calls[0], 1);
  assert_int_equal(dev.calls[1], 2);
  /* Basic readings: system, PHC, system, PHC, ... interleaved. */
  dev.extended = false;
  assert_int_equal(rcldev_read(s, h, (uint8_t *)r, 3 * sizeof(r[0]), NULL),
                   3 * (int)sizeof(r[0]));
  assert_int_equal(dev.calls[2], 1);
  assert_int_equal(r[2].sys_before.tv_nsec, 4);
  assert_int_equal(r[2].phc.tv_nsec, 5);
  assert_int_equal(r[2].phc.tv_sec, 1000);
  assert_int_equal(r[2].sys_after.tv_nsec, 6);
}

static void test_phc_nocrossts(void **state)
{
  struct rcldev_set *s = *state;
  struct plat_phc_reading r[PLAT_PHC_READINGS];
  dev.precise = dev.extended = true;
  int h = rcldev_open(s, PLAT_REFCLOCK_PHC, "/dev/ptp0", PLAT_PHC_NOCROSSTS, NULL, NULL);
  assert_int_equal(rcldev_read(s, h, (uint8_t *)r, sizeof(r), NULL), (int)sizeof(r));
  assert_int_equal(dev.calls[0], 0);
  assert_int_equal(rcldev_read(s, 99, (uint8_t *)r, sizeof(r), NULL), -EBADF);
}

/* Without update interrupts (no loop here), each read is the RTC's time
 * read until one second is seen twice, half a second on average before. */
static void test_rtc_read(void **state)
{
  struct rcldev_set *s = *state;
  struct plat_rtc_reading r;
  int h = rcldev_open(s, PLAT_REFCLOCK_RTC, "/dev/rtc0", PLAT_RTC_UTC, NULL, NULL);
  assert_true(h >= 0);
  assert_int_equal(rcldev_read(s, h, (uint8_t *)&r, sizeof(r), NULL), (int)sizeof(r));
  assert_int_equal(r.rtc_sec, 1796612645);       /* timegm of the second seen twice */
  assert_true(r.half);
  assert_true(dev.rtc_reads >= 3);
  assert_int_equal(rcldev_read(s, h, (uint8_t *)&r, sizeof(r) - 1, NULL), -EINVAL);
}

/* -s: an RTC with update interrupts (a loop) gives nothing to a poll, but
 * rtc_read reads it now, as without them; not another driver. */
static void test_rtc_read_now(void **state)
{
  (void)state;
  int a[2];
  assert_int_equal(pipe(a), 0);
  dev.fd = a[0];
  struct loop *loop = loop_new();
  struct rcldev_set *s = rcldev_new(loop, &fake_io);
  struct plat_rtc_reading r;
  int h = rcldev_open(s, PLAT_REFCLOCK_RTC, "/dev/rtc0", PLAT_RTC_UTC, NULL, NULL);
  assert_true(h >= 0);
  assert_int_equal(dev.uie, 1);
  assert_int_equal(rcldev_read(s, h, (uint8_t *)&r, sizeof(r), NULL), 0);
  assert_int_equal(dev.rtc_reads, 0);
  assert_int_equal(rcldev_rtc_read(s, h, &r), 0);
  assert_int_equal(r.rtc_sec, 1796612645);
  assert_true(r.half);
  int p = rcldev_open(s, PLAT_REFCLOCK_PPS, "/dev/pps0", 0, NULL, NULL);
  assert_int_equal(rcldev_rtc_read(s, p, &r), -EBADF);
  assert_int_equal(rcldev_rtc_read(s, 99, &r), -EBADF);
  rcldev_close(s, h);
  assert_int_equal(dev.uie, 0);
  assert_int_equal(rcldev_rtc_read(s, h, &r), -EBADF);
  rcldev_free(s);
  loop_free(loop);
  close(a[0]);
  close(a[1]);
}

struct events {
  struct loop *loop;
  int n;
  struct plat_phc_extts last;
};

static void on_event(void *arg, const uint8_t *data, size_t len)
{
  struct events *e = arg;
  assert_int_equal(len, sizeof(e->last));
  memcpy(&e->last, data, len);
  e->n++;
  loop_quit(e->loop, 0);
}

static void give_up(void *arg)
{
  loop_quit(arg, 1);
}

/* The loop run until an event came (or 10 s: a failure). */
static void wait_event(struct events *e)
{
  uint64_t t = loop_add_timer(e->loop, 10.0, give_up, e->loop);
  assert_int_equal(loop_run(e->loop), 0);
  loop_cancel_timer(e->loop, t);
}

static void test_phc_extts(void **state)
{
  (void)state;
  int p[2];
  assert_int_equal(pipe2(p, O_CLOEXEC), 0);
  struct events ev = {.loop = loop_new()};
  struct rcldev_set *s = rcldev_new(ev.loop, &fake_io);
  dev.fd = p[0];
  int h = rcldev_open(s, PLAT_REFCLOCK_PHC, "/dev/ptp0", PLAT_PHC_EXTPPS, on_event, &ev);
  assert_true(h >= 0);
  assert_int_equal(dev.open_flags & O_ACCMODE, O_RDWR);
  assert_int_equal(rcldev_extts(s, h, 1, 2, false), 0);
  assert_true(dev.pin.index == 1 && dev.pin.func == PTP_PF_EXTTS && dev.pin.chan == 2);
  assert_int_equal(dev.extts.index, 2);
  assert_int_equal(dev.extts.flags, PTP_ENABLE_FEATURE | PTP_RISING_EDGE);
#ifdef PTP_MASK_EN_SINGLE
  assert_int_equal(dev.masked, 3);
#endif
  assert_int_equal(rcldev_extts(s, h, 1, 2, false), -EBADF);   /* once */

  /* An event with a bad time is dropped; the next one comes through. */
  struct ptp_extts_event bad = {.t = {.sec = 1000, .nsec = 1000000000u}, .index = 2};
  struct ptp_extts_event good = {.t = {.sec = 1000, .nsec = 250}, .index = 2};
  assert_int_equal(write(p[1], &bad, sizeof(bad)), (ssize_t)sizeof(bad));
  assert_int_equal(write(p[1], &good, sizeof(good)), (ssize_t)sizeof(good));
  wait_event(&ev);
  assert_int_equal(ev.n, 1);
  assert_true(ev.last.phc.tv_sec == 1000 && ev.last.phc.tv_nsec == 250);
  assert_int_equal(ev.last.channel, 2);

  /* Closed: the channel and the pin switched off. */
  rcldev_close(s, h);
  assert_int_equal(dev.extts.flags, 0);
  assert_int_equal(dev.pin.func, PTP_PF_NONE);
  assert_int_equal(dev.closed, 1);

  /* The falling edge, a pin left alone; a refusal given back. */
  dev.pin.index = 77;
  h = rcldev_open(s, PLAT_REFCLOCK_PHC, "/dev/ptp0", PLAT_PHC_EXTPPS, on_event, &ev);
  assert_int_equal(rcldev_extts(s, h, -1, 0, true), 0);
  assert_int_equal(dev.pin.index, 77);
  assert_int_equal(dev.extts.flags, PTP_ENABLE_FEATURE | PTP_FALLING_EDGE);
  rcldev_close(s, h);
  dev.extts_errno = EOPNOTSUPP;
  h = rcldev_open(s, PLAT_REFCLOCK_PHC, "/dev/ptp0", PLAT_PHC_EXTPPS, on_event, &ev);
  assert_int_equal(rcldev_extts(s, h, 0, 0, false), -EOPNOTSUPP);
  rcldev_close(s, h);
  rcldev_free(s);
  loop_free(ev.loop);
  close(p[0]);
  close(p[1]);
}

/* Two refclocks on one PTP clock, channels 0 and 1: an event read from
 * either descriptor goes to both (older kernels' shared queue); each keeps
 * its own channel's (the core). */
static void test_extts_shared_queue(void **state)
{
  (void)state;
  int a[2], b[2];
  assert_int_equal(pipe2(a, O_CLOEXEC), 0);
  assert_int_equal(pipe2(b, O_CLOEXEC), 0);
  struct loop *loop = loop_new();
  struct events e0 = {.loop = loop}, e1 = {.loop = loop};
  struct rcldev_set *s = rcldev_new(loop, &fake_io);
  dev.fd = a[0];
  int h0 = rcldev_open(s, PLAT_REFCLOCK_PHC, "/dev/ptp0", PLAT_PHC_EXTPPS, on_event, &e0);
  assert_int_equal(rcldev_extts(s, h0, -1, 0, false), 0);
  dev.other_fd = a[0];
  dev.fd = b[0];
  int h1 = rcldev_open(s, PLAT_REFCLOCK_PHC, "/dev/ptp0", PLAT_PHC_EXTPPS, on_event, &e1);
  assert_int_equal(rcldev_extts(s, h1, -1, 1, false), 0);
  /* Channel 1's event, queued where refclock 0 reads. */
  struct ptp_extts_event ev = {.t = {.sec = 1000, .nsec = 7}, .index = 1};
  assert_int_equal(write(a[1], &ev, sizeof(ev)), (ssize_t)sizeof(ev));
  wait_event(&e0);
  assert_true(e0.n == 1 && e1.n == 1);
  assert_int_equal(e1.last.channel, 1);
  assert_int_equal(e1.last.phc.tv_nsec, 7);
  /* Another PTP clock's refclock hears nothing of it. */
  rcldev_close(s, h1);
  dev.fd = b[0];
  struct events e2 = {.loop = loop};
  int h2 = rcldev_open(s, PLAT_REFCLOCK_PHC, "/dev/ptp1", PLAT_PHC_EXTPPS, on_event, &e2);
  assert_int_equal(rcldev_extts(s, h2, -1, 1, false), 0);
  assert_int_equal(write(a[1], &ev, sizeof(ev)), (ssize_t)sizeof(ev));
  wait_event(&e0);
  assert_true(e0.n == 2 && e2.n == 0);
  rcldev_free(s);
  loop_free(loop);
  for (int i = 0; i < 2; i++) {
    close(a[i]);
    close(b[i]);
  }
}

/* Not without a loop (nowhere to read events), nor on another driver. */
static void test_extts_refused(void **state)
{
  struct rcldev_set *s = *state;
  int h = rcldev_open(s, PLAT_REFCLOCK_PHC, "/dev/ptp0", PLAT_PHC_EXTPPS, NULL, NULL);
  assert_int_equal(rcldev_extts(s, h, 0, 0, false), -ENOSYS);
  assert_int_equal(dev.open_flags & O_ACCMODE, O_RDWR);
  h = rcldev_open(s, PLAT_REFCLOCK_PHC, "/dev/ptp1", 0, NULL, NULL);
  assert_int_equal(dev.open_flags & O_ACCMODE, O_RDONLY);
  h = rcldev_open(s, PLAT_REFCLOCK_RTC, "/dev/rtc0", 0, NULL, NULL);
  assert_int_equal(rcldev_extts(s, h, 0, 0, false), -EBADF);
  assert_int_equal(rcldev_extts(s, 99, 0, 0, false), -EBADF);
}

/* rtcfile's trim: the RTC set to a second, in UTC or in local time; a
 * closed one cannot be. */
static void test_rtc_set(void **state)
{
  struct rcldev_set *s = *state;
  int h = rcldev_open(s, PLAT_REFCLOCK_RTC, "/dev/rtc0", PLAT_RTC_UTC, NULL, NULL);
  assert_true(h >= 0);
  assert_int_equal(rcldev_rtc_set(s, h, 1796612645), 0);     /* 2026-12-07 03:04:05 */
  assert_int_equal(dev.rtc_sets, 1);
  assert_true(dev.rtc_set.tm_year == 126 && dev.rtc_set.tm_mon == 11 &&
              dev.rtc_set.tm_mday == 7 && dev.rtc_set.tm_hour == 3 && dev.rtc_set.tm_min == 4 &&
              dev.rtc_set.tm_sec == 5);
  assert_int_equal(rcldev_rtc_set(s, h, -1), -EINVAL);
  assert_int_equal(dev.rtc_sets, 1);
  rcldev_close(s, h);
  setenv("TZ", "CET-1", 1);
  tzset();
  h = rcldev_open(s, PLAT_REFCLOCK_RTC, "/dev/rtc0", 0, NULL, NULL);
  assert_int_equal(rcldev_rtc_set(s, h, 1796612645), 0);
  assert_int_equal(dev.rtc_set.tm_hour, 4);                   /* local time */
  unsetenv("TZ");
  tzset();
  rcldev_close(s, h);
  assert_int_equal(rcldev_rtc_set(s, h, 0), -EBADF);          /* closed */
  assert_int_equal(dev.rtc_sets, 2);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_pps_assert, setup, teardown),
    cmocka_unit_test_setup_teardown(test_pps_clear, setup, teardown),
    cmocka_unit_test_setup_teardown(test_phc_precise, setup, teardown),
    cmocka_unit_test_setup_teardown(test_phc_falls_back, setup, teardown),
    cmocka_unit_test_setup_teardown(test_phc_nocrossts, setup, teardown),
    cmocka_unit_test_setup_teardown(test_rtc_read, setup, teardown),
    cmocka_unit_test_setup_teardown(test_rtc_read_now, setup, teardown),
    cmocka_unit_test_setup_teardown(test_phc_extts, setup, teardown),
    cmocka_unit_test_setup_teardown(test_extts_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(test_extts_shared_queue, setup, teardown),
    cmocka_unit_test_setup_teardown(test_rtc_set, setup, teardown),
  };
  return cmocka_run_group_tests_name("refclock_dev", tests, NULL, NULL);
}
