/* Unit tests for src/core/hwts.c on a fake platform with NICs: the
 * interfaces switched on (a named one that cannot is fatal with chronyd's
 * message, `*` skips those silently), the NIC clock read when stamps come
 * and at maxpoll, and hardware stamps made system time: the receive
 * stamp's length correction at the link speed, rxcomp and txcomp, stamps
 * of unknown interfaces or too far from the kernel's refused. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/hwts.h"
#include "fake_platform.h"
#include "proto/timespec.h"

#define PHC_OFFSET 1000.25           /* the NIC clock ahead of the system's, s */
#define PHC_FREQ 20e-6               /* ...and faster */

/* The fake platform's NICs: eth0 (index 2) stamps all, eth1 (3) transmitted
 * packets only, lo none. */
static struct {
  struct fake_platform fp;
  char logs[8][128];
  int n_logs;
  int fatal;
  int phc_open, phc_reads, phc_closed;
  int speed;
  plat_hwts_fn conv;
  void *conv_arg;
} w;

static int nic_enable(void *ctx, const char *name, enum plat_rxfilter f, struct plat_nic *nic)
{
  (void)ctx;
  if (strcmp(name, "eth0") == 0)
    *nic = (struct plat_nic){2, f != PLAT_RXFILTER_NONE};
  else if (strcmp(name, "eth1") == 0)
    *nic = (struct plat_nic){3, false};
  else
    return -EOPNOTSUPP;
  return 0;
}

static int nic_list(void *ctx, char (*names)[PLAT_IFNAME_LEN], int max)
{
  static const char *const all[] = {"lo", "eth0", "eth1"};
  (void)ctx;
  int n = 0;
  for (; n < 3 && n < max; n++)
    snprintf(names[n], PLAT_IFNAME_LEN, "%s", all[n]);
  return n;
}

static int nic_speed(void *ctx, const char *name)
{
  (void)ctx, (void)name;
  return w.speed;
}

static void set_converter(void *ctx, plat_hwts_fn fn, void *arg)
{
  (void)ctx;
  w.conv = fn;
  w.conv_arg = arg;
}

static int phc_open(void *ctx, enum plat_refclock_driver d, const char *param, int option,
                    plat_refclock_fn fn, void *arg)
{
  (void)ctx, (void)option, (void)fn, (void)arg;
  assert_int_equal(d, PLAT_REFCLOCK_PHC);
  w.phc_open++;
  return strcmp(param, "eth0") == 0 ? 10 : 11;
}

static struct timespec phc_time(const struct timespec *sys)
{
  double since = timespec_diff(sys, &(struct timespec){1700000000, 0});
  return timespec_add_double(sys, PHC_OFFSET + since * PHC_FREQ);
}

/* Readings 1 us long around the platform's time now. */
static int phc_read(void *ctx, int handle, uint8_t *buf, size_t len, int *count_after)
{
  struct plat_phc_reading rd[4];
  (void)ctx, (void)handle, (void)count_after;
  for (int i = 0; i < 4; i++) {
    rd[i].sys_before = timespec_add_double(&w.fp.now, -0.5e-6);
    rd[i].phc = phc_time(&w.fp.now);
    rd[i].sys_after = timespec_add_double(&w.fp.now, 0.5e-6);
  }
  assert_true(len >= sizeof(rd));
  memcpy(buf, rd, sizeof(rd));
  w.phc_reads++;
  return (int)sizeof(rd);
}

static void phc_close(void *ctx, int handle)
{
  (void)ctx, (void)handle;
  w.phc_closed++;
}

static void record_log(void *ctx, int level, const char *msg)
{
  (void)ctx;
  if (level == PLAT_LOG_DEBUG)
    return;
  w.fatal += level == PLAT_LOG_FATAL;
  if (w.n_logs < 8)
    snprintf(w.logs[w.n_logs++], sizeof(w.logs[0]), "%s", msg);
}

static struct platform_ops ops;

static int setup(void **state)
{
  (void)state;
  memset(&w, 0, sizeof(w));
  fake_platform_init(&w.fp);
  ops = fake_ops;
  ops.hwts_enable = nic_enable;
  ops.net_interfaces = nic_list;
  ops.nic_link_speed = nic_speed;
  ops.hwts_set_converter = set_converter;
  ops.refclock_open = phc_open;
  ops.refclock_read = phc_read;
  ops.refclock_close = phc_close;
  ops.log = record_log;
  w.fp.plat.ops = &ops;
  return 0;
}

static struct hwts_params line(const char *iface)
{
  return (struct hwts_params){iface, 0, 1, 2, 16, 100e-9, 0.0, 0.0, false, PLAT_RXFILTER_ANY};
}

static void test_named_interface_fatal(void **state)
{
  struct hwts h;
  struct hwts_params p[2] = {line("eth0"), line("lo")};
  (void)state;
  hwts_init(&h, &w.fp.plat);
  assert_false(hwts_add(&h, p, 2));
  assert_int_equal(w.fatal, 1);
  assert_string_equal(w.logs[w.n_logs - 1], "Could not enable HW timestamping on lo");
  assert_string_equal(w.logs[0], "Enabled HW timestamping on eth0");
  hwts_fini(&h);
  assert_int_equal(w.phc_closed, w.phc_open);
}

/* `*`: lo skipped without a word, after the named ones (eth1 once). */
static void test_all_interfaces(void **state)
{
  struct hwts h;
  struct hwts_params p[3] = {line("*"), line("eth1"), line("*")};
  (void)state;
  hwts_init(&h, &w.fp.plat);
  assert_true(hwts_add(&h, p, 3));
  assert_int_equal(h.n, 2);
  assert_int_equal(w.n_logs, 2);
  assert_string_equal(w.logs[0], "Enabled HW timestamping (TX only) on eth1");
  assert_string_equal(w.logs[1], "Enabled HW timestamping on eth0");
  assert_int_equal(w.fatal, 0);
  hwts_fini(&h);
  assert_int_equal(w.phc_closed, 2);
}

/* `*` on a machine without hardware timestamps: nothing, no error. */
static void test_none_capable(void **state)
{
  struct hwts h;
  struct hwts_params p = line("*");
  struct discipline disc;
  (void)state;
  ops.hwts_enable = NULL;
  hwts_init(&h, &w.fp.plat);
  assert_true(hwts_add(&h, &p, 1));
  assert_int_equal(h.n, 0);
  assert_int_equal(w.n_logs, 0);
  disc_init(&disc, &w.fp.plat, false, true, 0.0, 83333.333, 500000.0);
  assert_true(hwts_start(&h, &disc, 1e-9));
  assert_null(w.conv);                 /* kernel stamps stay */
  hwts_fini(&h);
  disc_fini(&disc);
}

struct conv_fixture {
  struct hwts h;
  struct discipline disc;
};

/* eth0 on, its clock tracked over a few polls (the system clock is the
 * cooked one: nothing slewed). */
static void start_tracking(struct conv_fixture *f, const struct hwts_params *p)
{
  hwts_init(&f->h, &w.fp.plat);
  assert_true(hwts_add(&f->h, p, 1));
  disc_init(&f->disc, &w.fp.plat, false, true, 0.0, 83333.333, 500000.0);
  assert_true(hwts_start(&f->h, &f->disc, 1e-9));
  assert_ptr_equal(w.conv, hwts_convert);
  struct timespec out;
  for (int i = 0; i < 8; i++) {
    /* A transmit stamp each second polls the clock (minpoll 0). */
    struct plat_hw_stamp s = {2, phc_time(&w.fp.now), w.fp.now, 0, 0, ADDR_INET4, 0};
    w.conv(w.conv_arg, &s, &out);
    w.fp.now = timespec_add_double(&w.fp.now, 1.0);
  }
  assert_true(w.phc_reads >= 4);
}

static void stop_tracking(struct conv_fixture *f)
{
  hwts_fini(&f->h);
  disc_fini(&f->disc);
  assert_null(w.conv);
}

/* The system time of a NIC stamp made at system time `sys`. */
static double converted(struct plat_hw_stamp s, double sys_offset)
{
  struct timespec out;
  s.hw = phc_time(&w.fp.now);
  s.sys = timespec_add_double(&w.fp.now, sys_offset);
  assert_true(w.conv(w.conv_arg, &s, &out));
  return timespec_diff(&out, &w.fp.now);
}

static void test_conversion(void **state)
{
  struct conv_fixture f;
  struct hwts_params p = line("eth0");
  (void)state;
  p.txcomp = 300e-9;
  p.rxcomp = 645e-9;
  start_tracking(&f, &p);
  /* Sent: the NIC's time plus txcomp, wherever the kernel's stamp is. */
  struct plat_hw_stamp tx = {2, {0, 0}, {0, 0}, 0, 0, ADDR_INET4, 0};
  assert_float_equal(converted(tx, 20e-6), 300e-9, 2e-9);
  assert_float_equal(converted(tx, -0.5), 300e-9, 2e-9);
  /* Received 48 bytes of IPv4 UDP data: 42 + 48 + 4 bytes at 1 Gb/s after
   * the frame's start, less rxcomp; IPv6's headers are 20 bytes longer. */
  struct plat_hw_stamp rx = {2, {0, 0}, {0, 0}, 48, 0, ADDR_INET4, 0};
  assert_float_equal(converted(rx, 30e-6), 94 * 8e-9 - 645e-9, 2e-9);
  rx.family = ADDR_INET6;
  assert_float_equal(converted(rx, 30e-6), 114 * 8e-9 - 645e-9, 2e-9);
  /* The frame's length given (a VLAN tag's 4 bytes more). */
  rx.l2_len = 94;
  assert_float_equal(converted(rx, 30e-6), 98 * 8e-9 - 645e-9, 2e-9);
  /* A sent IPv4 frame with a VLAN tag: the received ones' headers are
   * guessed 4 bytes longer from then on (IPv6's unchanged). */
  tx.tx_len = 48;
  tx.l2_len = 46 + 48;
  converted(tx, 20e-6);
  rx.l2_len = 0;
  assert_float_equal(converted(rx, 30e-6), 114 * 8e-9 - 645e-9, 2e-9);
  rx.family = ADDR_INET4;
  assert_float_equal(converted(rx, 30e-6), 98 * 8e-9 - 645e-9, 2e-9);
  stop_tracking(&f);
}

/* The link speed read after each poll of the clock: 10 Gb/s. */
static void test_link_speed(void **state)
{
  struct conv_fixture f;
  struct hwts_params p = line("eth0");
  (void)state;
  w.speed = 10000;
  start_tracking(&f, &p);
  struct plat_hw_stamp rx = {2, {0, 0}, {0, 0}, 48, 0, ADDR_INET4, 0};
  assert_float_equal(converted(rx, 30e-6), 94 * 0.8e-9, 2e-9);
  stop_tracking(&f);
}

static void test_refused_stamps(void **state)
{
  struct conv_fixture f;
  struct hwts_params p = line("eth0");
  struct timespec out;
  (void)state;
  start_tracking(&f, &p);
  struct plat_hw_stamp s = {3, phc_time(&w.fp.now), w.fp.now, 0, 0, ADDR_INET4, 0};
  assert_false(w.conv(w.conv_arg, &s, &out));          /* eth1: not on */
  s.if_index = 2;
  s.sys = timespec_add_double(&w.fp.now, 1.5);         /* the kernel's 1.5 s later */
  assert_false(w.conv(w.conv_arg, &s, &out));
  s.sys = timespec_add_double(&w.fp.now, 0.9);
  assert_true(w.conv(w.conv_arg, &s, &out));
  stop_tracking(&f);
}

/* No stamp for a while: the clock is still read every 2^maxpoll s. */
static void test_polled_at_maxpoll(void **state)
{
  struct conv_fixture f;
  struct hwts_params p = line("eth0");
  (void)state;
  p.maxpoll = 3;
  start_tracking(&f, &p);
  assert_non_null(w.fp.timer_fn);
  assert_float_equal(w.fp.timer_delay, 8.0, 0.0);
  int reads = w.phc_reads;
  w.fp.now = timespec_add_double(&w.fp.now, 8.0);
  w.fp.timer_fn(w.fp.timer_arg);
  assert_int_equal(w.phc_reads, reads + 1);
  assert_non_null(w.fp.timer_fn);                       /* the next one */
  stop_tracking(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(test_named_interface_fatal, setup),
    cmocka_unit_test_setup(test_all_interfaces, setup),
    cmocka_unit_test_setup(test_none_capable, setup),
    cmocka_unit_test_setup(test_conversion, setup),
    cmocka_unit_test_setup(test_link_speed, setup),
    cmocka_unit_test_setup(test_refused_stamps, setup),
    cmocka_unit_test_setup(test_polled_at_maxpoll, setup),
  };
  return cmocka_run_group_tests_name("hwts", tests, NULL, NULL);
}
