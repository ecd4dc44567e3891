#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/dumpfile.h"

#define GOOD_HEAD "stratumd-dump 1\nsource 192.0.2.1\nstate 2 0 0 0\nsamples 2\n"
#define GOOD_S1 "1700000000 0 0.001 0.001 0.002 1.0000000000000001e-05 0.02 0.001\n"
#define GOOD_S2 "1700000016 500000000 0.0011 0.0011 0.002 1e-05 0.02 0.001\n"

static struct dumpfile example(int n)
{
  struct dumpfile d;
  memset(&d, 0, sizeof(d));
  assert_true(addr_parse("2001:db8::7", &d.addr));
  d.stats.n = n;
  d.stats.stratum = 3;
  d.stats.leap = 1;
  d.stats.asymmetry = -0.25;
  d.stats.asymmetry_run = -12;
  for (int i = 0; i < n; i++) {
    struct sst_dump_sample *x = &d.stats.samples[i];
    x->time.tv_sec = 1700000000 + 16 * i;
    x->time.tv_nsec = 123456789;
    x->offset = 1.0 / 3.0 * 1e-3 * (i - 5);
    x->orig_offset = x->offset + 1e-7 / 7.0;
    x->peer_delay = 1e-3 + i * 1e-6;
    x->peer_dispersion = 2e-6 / 3.0;
    x->root_delay = 0.0123;
    x->root_dispersion = 0.000456;
  }
  return d;
}

static void test_good_file(void **state)
{
  (void)state;
  struct dumpfile d;
  char a[ADDR_STR_LEN];
  int line = -1;
  assert_int_equal(dumpfile_parse(GOOD_HEAD GOOD_S1 GOOD_S2, &d, &line), DUMPFILE_OK);
  assert_string_equal(addr_format(&d.addr, a), "192.0.2.1");
  assert_int_equal(d.stats.n, 2);
  assert_int_equal(d.stats.stratum, 2);
  assert_int_equal(d.stats.samples[1].time.tv_sec, 1700000016);
  assert_int_equal(d.stats.samples[1].time.tv_nsec, 500000000);
  assert_true(d.stats.samples[1].offset == 0.0011);
  assert_true(d.stats.samples[0].peer_dispersion == 1e-5);
}

/* format then parse gives back exactly the same values, for every count. */
static void test_round_trip_exact(void **state)
{
  (void)state;
  static char buf[DUMPFILE_MAX_LEN];
  int counts[] = {0, 1, 3, SST_MAX_SAMPLES};
  for (unsigned k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
    struct dumpfile d = example(counts[k]), e;
    int line;
    size_t len = dumpfile_format(buf, sizeof(buf), &d);
    assert_true(len > 0 && len == strlen(buf));
    assert_int_equal(dumpfile_parse(buf, &e, &line), DUMPFILE_OK);
    assert_true(addr_equal(&d.addr, &e.addr));
    assert_memory_equal(&d.stats, &e.stats, sizeof(d.stats));
  }
}

static void test_format_refuses(void **state)
{
  (void)state;
  char small[64];
  static char buf[DUMPFILE_MAX_LEN];
  struct dumpfile d = example(10);
  assert_int_equal(dumpfile_format(small, sizeof(small), &d), 0);
  assert_int_equal(dumpfile_format(buf, 0, &d), 0);
  d.stats.samples[4].time = d.stats.samples[3].time;  /* not importable */
  assert_int_equal(dumpfile_format(buf, sizeof(buf), &d), 0);
}

static void test_other_versions(void **state)
{
  (void)state;
  struct dumpfile d;
  int line = 0;
  const char *bad[] = {
    "", "\n", "stratumd-dump 2\n", "stratumd-dump 1 x\n", "stratumd-dump\n",
    "stratumd-dump 1", "NCD1\n", "stratumd-dump  1\n", "Stratumd-dump 1\n",
  };
  for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(dumpfile_parse(bad[i], &d, &line), DUMPFILE_OTHER_VERSION);
    assert_int_equal(line, 1);
  }
}

/* Each rejection path of a file with our header, and the line reported. */
static void test_corrupt(void **state)
{
  (void)state;
  static const struct {
    const char *text;
    int line;
  } bad[] = {
    {"stratumd-dump 1\n", 2},                                            /* truncated */
    {"stratumd-dump 1\nsource 192.0.2.1", 2},                            /* no newline */
    {"stratumd-dump 1\nsource 192.0.2.256\n", 2},
    {"stratumd-dump 1\nsource\n", 2},
    {"stratumd-dump 1\nsources 192.0.2.1\n", 2},
    {"stratumd-dump 1\nsource 192.0.2.1 x\n", 2},
    {"stratumd-dump 1\nsource  192.0.2.1\n", 2},                         /* empty field */
    {"stratumd-dump 1\nsource 192.0.2.1 \n", 2},
    {"stratumd-dump 1\nsource 192.0.2.1\nstate 16 0 0 0\n", 3},
    {"stratumd-dump 1\nsource 192.0.2.1\nstate 2 4 0 0\n", 3},
    {"stratumd-dump 1\nsource 192.0.2.1\nstate 2 0 nan 0\n", 3},
    {"stratumd-dump 1\nsource 192.0.2.1\nstate 2 0 0 1001\n", 3},
    {"stratumd-dump 1\nsource 192.0.2.1\nstate 2 0 0\n", 3},
    {"stratumd-dump 1\nsource 192.0.2.1\nstate -1 0 0 0\n", 3},
    {"stratumd-dump 1\nsource 192.0.2.1\nstate 2 0 0 0\nsamples 65\n", 4},
    {"stratumd-dump 1\nsource 192.0.2.1\nstate 2 0 0 0\nsamples -1\n", 4},
    {"stratumd-dump 1\nsource 192.0.2.1\nstate 2 0 0 0\nsamples x\n", 4},
    {"stratumd-dump 1\nsource 192.0.2.1\nstate 2 0 0 0\nsamples 99999999999999999999\n", 4},
    {GOOD_HEAD, 5},                                                      /* samples missing */
    {GOOD_HEAD GOOD_S1, 6},
    {GOOD_HEAD GOOD_S1 GOOD_S2 "\n", 7},                                 /* trailing data */
    {GOOD_HEAD GOOD_S1 GOOD_S2 GOOD_S2, 7},
    {GOOD_HEAD GOOD_S1 "1700000016 0 0 0 0 0 0\n", 6},                   /* 7 fields */
    {GOOD_HEAD GOOD_S1 "1700000016 0 0 0 0 0 0 0 0\n", 6},               /* 9 fields */
    {GOOD_HEAD GOOD_S1 "1700000016 1000000000 0 0 0 0 0 0\n", 6},        /* nsec */
    {GOOD_HEAD GOOD_S1 "1700000016 -1 0 0 0 0 0 0\n", 6},
    {GOOD_HEAD GOOD_S1 "1700000016.5 0 0 0 0 0 0 0\n", 6},
    {GOOD_HEAD GOOD_S1 "9007199254740993 0 0 0 0 0 0 0\n", 6},           /* > 2^53 */
    {GOOD_HEAD GOOD_S1 "1700000016 0 inf 0 0 0 0 0\n", 6},
    {GOOD_HEAD GOOD_S1 "1700000016 0 0 0 0 0 0 1e400\n", 6},
    {GOOD_HEAD GOOD_S1 "1700000016 0 0 0 0x 0 0 0\n", 6},
    {GOOD_HEAD GOOD_S1 "1700000016 0 0 0 0 0 0 \t1\n", 6},
    {GOOD_HEAD GOOD_S1 "1700000016 0 0 0 0 0 0 0\r\n", 6},
    {GOOD_HEAD GOOD_S1 "1700000016 0 0 0 -0.001 0 0 0\n", 5},            /* negative delay */
    {GOOD_HEAD GOOD_S1 "1700000000 0 0 0 0 0 0 0\n", 5},                 /* not increasing */
    {GOOD_HEAD GOOD_S1 "1700000016 0 0 0 0 0 0 2e10\n", 5},              /* beyond the range */
  };
  for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct dumpfile d;
    int line = 0;
    enum dumpfile_status st = dumpfile_parse(bad[i].text, &d, &line);
    if (st != DUMPFILE_CORRUPT || line != bad[i].line)
      fail_msg("case %u: status %d line %d (expected line %d)", i, st, line, bad[i].line);
  }
}

/* A line longer than any the format has is refused before it is split. */
static void test_long_line(void **state)
{
  (void)state;
  static char text[4096];
  struct dumpfile d;
  int line;
  int n = snprintf(text, sizeof(text), "stratumd-dump 1\nsource 192.0.2.1\nstate 2 0 0 0\n"
                                       "samples 1\n1700000000 0 ");
  memset(text + n, '0', 1000);
  strcpy(text + n + 1000, " 0 0 0 0 0\n");
  assert_int_equal(dumpfile_parse(text, &d, &line), DUMPFILE_CORRUPT);
  assert_int_equal(line, 5);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_good_file),
    cmocka_unit_test(test_round_trip_exact),
    cmocka_unit_test(test_format_refuses),
    cmocka_unit_test(test_other_versions),
    cmocka_unit_test(test_corrupt),
    cmocka_unit_test(test_long_line),
  };
  return cmocka_run_group_tests_name("dumpfile", tests, NULL, NULL);
}
