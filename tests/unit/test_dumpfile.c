#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/dumpfile.h"

/* The start of a file Debian's chronyd 4.3 wrote (-x, a server on
 * 127.0.0.1 at poll -2), its sample count cut to 2. */
#define GOOD_HEAD "SRC0\n127.0.0.1\n0 377 8 3 0\n2 20\n"
#define GOOD_S1 "1796612008.257916385 2.957293e-06 3.166000e-06 1.128000e-05 1.102224e-06 " \
                "1.128000e-05 1.102224e-06\n"
#define GOOD_S2 "1796612008.323971502 1.771426e-06 1.978000e-06 8.646000e-06 2.718443e-07 " \
                "8.646000e-06 2.718443e-07\n"

static struct dumpfile example(int n)
{
  struct dumpfile d;
  memset(&d, 0, sizeof(d));
  strcpy(d.name, "ntp.example.net");
  d.authenticated = true;
  d.reach = 0275;
  d.reach_size = 8;
  d.stats.n = n;
  d.stats.stratum = 3;
  d.stats.leap = 1;
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

/* chronyd's file: its name, state and samples, offsets in our sign. */
static void test_chronyd_file(void **state)
{
  (void)state;
  struct dumpfile d;
  int line = -1;
  assert_int_equal(dumpfile_parse(GOOD_HEAD GOOD_S1 GOOD_S2, &d, &line), DUMPFILE_OK);
  assert_string_equal(d.name, "127.0.0.1");
  assert_false(d.authenticated);
  assert_int_equal(d.reach, 0377);
  assert_int_equal(d.reach_size, 8);
  assert_int_equal(d.stats.stratum, 3);
  assert_int_equal(d.stats.leap, 0);
  assert_int_equal(d.stats.n, 2);
  assert_int_equal(d.stats.asymmetry_run, 20);
  assert_int_equal(d.stats.samples[1].time.tv_sec, 1796612008);
  assert_int_equal(d.stats.samples[1].time.tv_nsec, 323971502);
  assert_true(d.stats.samples[0].offset == -2.957293e-06);   /* chronyd: local - server */
  assert_true(d.stats.samples[0].orig_offset == -3.166000e-06);
  assert_true(d.stats.samples[0].peer_delay == 1.128000e-05);
  assert_true(d.stats.samples[1].root_dispersion == 2.718443e-07);
}

/* Formatting writes chronyd's own text back. */
static void test_format_as_chronyd(void **state)
{
  (void)state;
  static char buf[DUMPFILE_MAX_LEN];
  struct dumpfile d;
  int line;
  assert_int_equal(dumpfile_parse(GOOD_HEAD GOOD_S1 GOOD_S2, &d, &line), DUMPFILE_OK);
  assert_true(dumpfile_format(buf, sizeof(buf), &d) > 0);
  assert_string_equal(buf, GOOD_HEAD GOOD_S1 GOOD_S2);
}

/* format then parse keeps 7 significant digits, and a second round trip
 * changes nothing. */
static void test_round_trip(void **state)
{
  (void)state;
  static char buf[DUMPFILE_MAX_LEN], again[DUMPFILE_MAX_LEN];
  int counts[] = {1, 3, SST_MAX_SAMPLES};
  for (unsigned k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
    struct dumpfile d = example(counts[k]), e;
    int line;
    size_t len = dumpfile_format(buf, sizeof(buf), &d);
    assert_true(len > 0 && len == strlen(buf));
    assert_int_equal(dumpfile_parse(buf, &e, &line), DUMPFILE_OK);
    assert_string_equal(e.name, d.name);
    assert_true(e.authenticated && e.reach == 0275 && e.reach_size == 8);
    assert_int_equal(e.stats.n, d.stats.n);
    assert_int_equal(e.stats.asymmetry_run, -12);
    for (int i = 0; i < d.stats.n; i++) {
      const struct sst_dump_sample *x = &d.stats.samples[i], *y = &e.stats.samples[i];
      assert_memory_equal(&x->time, &y->time, sizeof(x->time));
      assert_true(fabs(x->offset - y->offset) <= 1e-6 * fabs(x->offset));
      assert_true(fabs(x->peer_delay - y->peer_delay) <= 1e-6 * x->peer_delay);
    }
    assert_true(dumpfile_format(again, sizeof(again), &e) == len);
    assert_string_equal(again, buf);
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
  d = example(0);                                     /* chronyd writes no empty file */
  assert_int_equal(dumpfile_format(buf, sizeof(buf), &d), 0);
  d = example(2);
  strcpy(d.name, "two words");
  assert_int_equal(dumpfile_format(buf, sizeof(buf), &d), 0);
  d.name[0] = '\0';
  assert_int_equal(dumpfile_format(buf, sizeof(buf), &d), 0);
}

static void test_other_versions(void **state)
{
  (void)state;
  struct dumpfile d;
  int line = 0;
  const char *bad[] = {
    "", "\n", "SRC1\n", "SRC0 x\n", "src0\n", "SRC0", "stratumd-dump 1\n", " SRC0\n",
  };
  for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(dumpfile_parse(bad[i], &d, &line), DUMPFILE_OTHER_VERSION);
    assert_int_equal(line, 1);
  }
}

#define H2 "SRC0\nntp1\n"
#define H3 H2 "0 377 8 3 0\n"

/* Each rejection path (chronyd's checks among them), and the line reported. */
static void test_corrupt(void **state)
{
  (void)state;
  static const struct {
    const char *text;
    int line;
  } bad[] = {
    {"SRC0\n", 2},                                                       /* truncated */
    {"SRC0\nntp1", 2},                                                   /* no newline */
    {"SRC0\nntp1 ntp2\n", 2},                                           /* two words */
    {"SRC0\n\n", 2},
    {H2, 3},
    {H2 "0 377 8 3\n", 3},
    {H2 "2 377 8 3 0\n", 3},                                             /* auth 0 or 1 */
    {H2 "0 400 8 3 0\n", 3},                                             /* reach > 0377 */
    {H2 "0 378 8 3 0\n", 3},                                             /* not octal */
    {H2 "0 377 9 3 0\n", 3},
    {H2 "0 377 8 16 0\n", 3},                                            /* chronyd's limits */
    {H2 "0 377 8 3 3\n", 3},
    {H2 "0 377 8 -1 0\n", 3},
    {H3, 4},
    {H3 "0 0\n", 4},                                                     /* no samples */
    {H3 "65 0\n", 4},
    {H3 "1 1001\n", 4},
    {H3 "1\n", 4},
    {H3 "x 0\n", 4},
    {GOOD_HEAD, 5},                                                      /* samples missing */
    {GOOD_HEAD GOOD_S1, 6},
    {GOOD_HEAD GOOD_S1 GOOD_S2 "\n", 7},                                 /* trailing data */
    {GOOD_HEAD GOOD_S1 GOOD_S2 GOOD_S2, 7},
    {GOOD_HEAD GOOD_S1 "1796612009.000000000 0 0 0 0 0\n", 6},           /* 6 fields */
    {GOOD_HEAD GOOD_S1 "1796612009.000000000 0 0 0 0 0 0 0\n", 6},       /* 8 fields */
    {GOOD_HEAD GOOD_S1 "1796612009.00000000 0 0 0 0 0 0\n", 6},          /* 8 digits */
    {GOOD_HEAD GOOD_S1 "1796612009 0 0 0 0 0 0\n", 6},
    {GOOD_HEAD GOOD_S1 "-1796612009.000000000 0 0 0 0 0 0\n", 6},
    {GOOD_HEAD GOOD_S1 "1796612009.-00000000 0 0 0 0 0 0\n", 6},
    {GOOD_HEAD GOOD_S1 "99999999999999.000000000 0 0 0 0 0 0\n", 6},     /* > 2^40 */
    {GOOD_HEAD GOOD_S1 "1796612009.000000000 inf 0 0 0 0 0\n", 6},
    {GOOD_HEAD GOOD_S1 "1796612009.000000000 0 0 0 0 0 1e400\n", 6},
    {GOOD_HEAD GOOD_S1 "1796612009.000000000 0 0 0x 0 0 0\n", 6},
    {GOOD_HEAD GOOD_S1 "1796612009.000000000 0 0 0 0 0 \t1\n", 6},
    {GOOD_HEAD GOOD_S1 "1796612009.000000000 0 0 0 0 0 0\r\n", 6},
    {GOOD_HEAD GOOD_S1 "1796612009.000000000 0 0 -0.001 0 0 0\n", 5},    /* negative delay */
    {GOOD_HEAD GOOD_S1 "1796612008.257916385 0 0 0 0 0 0\n", 5},         /* not increasing */
    {GOOD_HEAD GOOD_S1 "1796612009.000000000 0 0 0 0 0 2e10\n", 5},      /* beyond the range */
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
  int n = snprintf(text, sizeof(text), "SRC0\nntp1\n0 377 8 3 0\n1 0\n1796612009.000000000 ");
  memset(text + n, '0', 1000);
  strcpy(text + n + 1000, " 0 0 0 0 0\n");
  assert_int_equal(dumpfile_parse(text, &d, &line), DUMPFILE_CORRUPT);
  assert_int_equal(line, 5);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_chronyd_file),
    cmocka_unit_test(test_format_as_chronyd),
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_format_refuses),
    cmocka_unit_test(test_other_versions),
    cmocka_unit_test(test_corrupt),
    cmocka_unit_test(test_long_line),
  };
  return cmocka_run_group_tests_name("dumpfile", tests, NULL, NULL);
}
