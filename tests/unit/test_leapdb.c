/* Leap second tables as chronyd reads them: a TZif zone's leap records
 * (written here byte by byte, version 1 and 2+) and leap-seconds.list
 * text; chronyd's questions (leap at the end of a day, TAI-UTC) and its
 * 2012 sanity check; malformed inputs rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/leapdb.h"
#include "proto/wire.h"

#define JUL_1_2012 INT64_C(1341100800)
#define JAN_1_2009 INT64_C(1230768000)
#define JUN_30_2012_NOON 1341057600
#define DEC_31_2012_NOON 1356955200

#define N_LEAPS 25
/* A table of N_LEAPS inserted seconds whose last three are the real ones
 * (1 Jan 2006: TAI-UTC 33, 1 Jan 2009: 34, 1 Jul 2012: 35), the ones
 * before at other midnights; corrections as a right/ zone counts them
 * (TAI-UTC - 10), the first +1 as a TZif file must have it. */
static int64_t leap_days[N_LEAPS];
static int leap_corr[N_LEAPS];

static int setup_table(void **state)
{
  (void)state;
  for (int i = 0; i < N_LEAPS - 3; i++)
    leap_days[i] = INT64_C(94694400) + i * INT64_C(365) * 86400;
  leap_days[N_LEAPS - 3] = 1136073600;
  leap_days[N_LEAPS - 2] = JAN_1_2009;
  leap_days[N_LEAPS - 1] = JUL_1_2012;
  for (int i = 0; i < N_LEAPS; i++)
    leap_corr[i] = i + 1;
  return 0;
}

struct tzif_spec {
  char version;                 /* 0, '2', '3', '4' */
  unsigned n_leap;
  const int64_t *days;          /* UTC midnights */
  const int *corr;
  uint32_t typecnt, timecnt, charcnt, isstd;
};

/* One header and data block of a TZif file; leap records with the
 * occurrence counted in the zone's time (the midnight + earlier leaps). */
static void tzif_block(struct wire_writer *w, const struct tzif_spec *s, int tsize)
{
  wire_put_bytes(w, "TZif", 4);
  wire_put_u8(w, (uint8_t)s->version);
  for (int i = 0; i < 15; i++)
    wire_put_u8(w, 0);
  wire_put_u32(w, s->isstd);            /* isutcnt */
  wire_put_u32(w, s->isstd);            /* isstdcnt */
  wire_put_u32(w, s->n_leap);
  wire_put_u32(w, s->timecnt);
  wire_put_u32(w, s->typecnt);
  wire_put_u32(w, s->charcnt);
  for (uint32_t i = 0; i < s->timecnt; i++)
    tsize == 8 ? wire_put_u64(w, 1000u * i) : wire_put_u32(w, 1000u * i);
  for (uint32_t i = 0; i < s->timecnt; i++)
    wire_put_u8(w, 0);
  for (uint32_t i = 0; i < s->typecnt; i++) {
    wire_put_u32(w, 0);
    wire_put_u8(w, 0);
    wire_put_u8(w, 0);
  }
  for (uint32_t i = 0; i < s->charcnt; i++)
    wire_put_u8(w, i + 1 == s->charcnt ? 0 : 'U');
  for (unsigned i = 0; i < s->n_leap; i++) {
      int prev = i > 0 ? s->corr[i - 1] : 0;
    int64_t occur = s->days[i] + prev;
    tsize == 8 ? wire_put_u64(w, (uint64_t)occur) : wire_put_u32(w, (uint32_t)occur);
    wire_put_u32(w, (uint32_t)s->corr[i]);
  }
  for (uint32_t i = 0; i < 2 * s->isstd; i++)
    wire_put_u8(w, 0);
}

static size_t tzif_write(uint8_t *buf, size_t cap, const struct tzif_spec *s)
{
  struct wire_writer w;
  wire_writer_init(&w, buf, cap);
  tzif_block(&w, s, 4);
  if (s->version) {
    tzif_block(&w, s, 8);
    wire_put_bytes(&w, "\nUTC0\n", 6);
  }
  assert_false(w.err);
  return w.pos;
}

static struct tzif_spec base_spec(char version)
{
  return (struct tzif_spec){.version = version, .n_leap = N_LEAPS, .days = leap_days,
                            .corr = leap_corr, .typecnt = 1, .timecnt = 2, .charcnt = 4,
                            .isstd = 1};
}

static void assert_2012(const struct leapdb *db)
{
  int tai = 0;
  assert_int_equal(leapdb_get(db, JUN_30_2012_NOON, &tai), NTP_LEAP_INSERT);
  assert_int_equal(tai, 34);
  assert_int_equal(leapdb_get(db, (time_t)(JUL_1_2012 - 1), &tai), NTP_LEAP_INSERT);
  assert_int_equal(leapdb_get(db, (time_t)JUL_1_2012, &tai), NTP_LEAP_NONE);
  assert_int_equal(tai, 35);
  assert_int_equal(leapdb_get(db, (time_t)(JAN_1_2009 - 3600), &tai), NTP_LEAP_INSERT);
  assert_int_equal(tai, 33);
  assert_int_equal(leapdb_get(db, 1000, &tai), NTP_LEAP_NONE);
  assert_int_equal(tai, LEAPDB_BASE_TAI);
  assert_true(leapdb_check(db));
}

static void test_tzif_versions(void **state)
{
  (void)state;
  static const char versions[] = {0, '2', '3', '4'};
  for (size_t v = 0; v < sizeof(versions); v++) {
    uint8_t buf[1024];
    struct leapdb db;
    struct tzif_spec s = base_spec(versions[v]);
    size_t len = tzif_write(buf, sizeof(buf), &s);
    assert_true(leapdb_parse_tzif(buf, len, &db));
    assert_int_equal(db.n, N_LEAPS);
    assert_int_equal(db.e[N_LEAPS - 1].at, JUL_1_2012);
    assert_int_equal(db.e[N_LEAPS - 1].tai, 35);
    assert_2012(&db);
  }
}

static void test_tzif_deleted_second(void **state)
{
  (void)state;
  static const int corr[] = {1, 0};
  static const int64_t days[] = {1136073600, JAN_1_2009};
  uint8_t buf[1024];
  struct leapdb db;
  struct tzif_spec s = base_spec('2');
  s.n_leap = 2;
  s.days = days;
  s.corr = corr;
  int tai;
  assert_true(leapdb_parse_tzif(buf, tzif_write(buf, sizeof(buf), &s), &db));
  assert_int_equal(leapdb_get(&db, (time_t)(JAN_1_2009 - 1), &tai), NTP_LEAP_DELETE);
  assert_int_equal(tai, 11);
  assert_int_equal(leapdb_get(&db, (time_t)JAN_1_2009, &tai), NTP_LEAP_NONE);
  assert_int_equal(tai, 10);
  assert_false(leapdb_check(&db));
}

/* Version 4: a last record with the previous correction is the expiry. */
static void test_tzif_v4_expiry(void **state)
{
  (void)state;
  int64_t days[N_LEAPS + 1];
  int corr[N_LEAPS + 1];
  memcpy(days, leap_days, sizeof(leap_days));
  memcpy(corr, leap_corr, sizeof(leap_corr));
  days[N_LEAPS] = 1800000000;
  corr[N_LEAPS] = N_LEAPS;
  uint8_t buf[2048];
  struct leapdb db;
  struct tzif_spec s = base_spec('4');
  s.n_leap = N_LEAPS + 1;
  s.days = days;
  s.corr = corr;
  assert_true(leapdb_parse_tzif(buf, tzif_write(buf, sizeof(buf), &s), &db));
  assert_int_equal(db.n, N_LEAPS);
  assert_true(leapdb_check(&db));
  s.version = '3';
  assert_false(leapdb_parse_tzif(buf, tzif_write(buf, sizeof(buf), &s), &db));
}

static void test_tzif_rejected(void **state)
{
  (void)state;
  uint8_t buf[2048];
  struct leapdb db;
  struct tzif_spec s = base_spec('2');
  size_t len = tzif_write(buf, sizeof(buf), &s);

  /* Every truncation of the data blocks (the footer is not read). */
  for (size_t cut = 0; cut < len - 6; cut++)
    assert_false(leapdb_parse_tzif(buf, cut, &db));
  uint8_t bad[2048];
  memcpy(bad, buf, len);
  bad[0] = 'X';                                     /* magic */
  assert_false(leapdb_parse_tzif(bad, len, &db));
  memcpy(bad, buf, len);
  bad[4] = '1';                                     /* version */
  assert_false(leapdb_parse_tzif(bad, len, &db));

  int jump[N_LEAPS];                                /* a step of 2 s */
  memcpy(jump, leap_corr, sizeof(jump));
  jump[N_LEAPS - 1]++;
  s.corr = jump;
  assert_false(leapdb_parse_tzif(buf, tzif_write(buf, sizeof(buf), &s), &db));
  static const int first[] = {2, 3};                /* the first not +-1 */
  s.corr = first;
  s.n_leap = 2;
  assert_false(leapdb_parse_tzif(buf, tzif_write(buf, sizeof(buf), &s), &db));
  int64_t back[N_LEAPS];                            /* out of order */
  memcpy(back, leap_days, sizeof(back));
  back[N_LEAPS - 2] = leap_days[N_LEAPS - 1];
  back[N_LEAPS - 1] = leap_days[N_LEAPS - 2];
  s = base_spec('2');
  s.days = back;
  assert_false(leapdb_parse_tzif(buf, tzif_write(buf, sizeof(buf), &s), &db));
  s = base_spec(0);
  s.typecnt = 0;                                    /* no local time type */
  s.isstd = 0;
  assert_false(leapdb_parse_tzif(buf, tzif_write(buf, sizeof(buf), &s), &db));
  s = base_spec(0);
  s.typecnt = 2;                                    /* indicators, not one per type */
  s.isstd = 1;
  assert_false(leapdb_parse_tzif(buf, tzif_write(buf, sizeof(buf), &s), &db));
  /* A 64-bit block of another version than the first header's. */
  s = base_spec('2');
  len = tzif_write(buf, sizeof(buf), &s);
  size_t v1_len = 44 + 2 * 4 + 2 + 6 + 4 + N_LEAPS * 8 + 2;
  buf[v1_len + 4] = '3';
  assert_false(leapdb_parse_tzif(buf, len, &db));
}

static const char list_text[] =
    "#\tleap-seconds.list, shortened\n"
    "#$\t 3676924800\n"
    "#@\t3928521600\n"
    "\n"
    "2272060800\t10\t# 1 Jan 1972\n"
    "3345062400\t33\t# 1 Jan 2006\n"
    "3439756800\t34\t# 1 Jan 2009\n"
    "3550089600\t35\t# 1 Jul 2012\n"
    "#h\t16edd0f0 3666784f 37db7914 1a2e3d7f 1bf6a87a";

static void test_list(void **state)
{
  (void)state;
  struct leapdb db;
  assert_true(leapdb_parse_list(list_text, strlen(list_text), &db));
  assert_int_equal(db.n, 4);
  assert_int_equal(db.e[0].at, 63072000);
  assert_int_equal(db.e[3].at, JUL_1_2012);
  assert_int_equal(db.expiry, INT64_C(3928521600) - INT64_C(2208988800));
  assert_2012(&db);
  /* The last day before the expiry is not yet expired; the day of the
   * expiry is (chronyd rounds up to the end of the day). */
  assert_false(leapdb_expired(&db, (time_t)(db.expiry - 86401)));
  assert_true(leapdb_expired(&db, (time_t)(db.expiry - 1)));
  assert_true(leapdb_expired(&db, (time_t)db.expiry));
}

static void test_list_deleted_second(void **state)
{
  (void)state;
  static const char text[] = "#$ 1\n#@ 4000000000\n3345062400 33\n3439756800 32\n";
  struct leapdb db;
  int tai;
  assert_true(leapdb_parse_list(text, strlen(text), &db));
  assert_int_equal(leapdb_get(&db, (time_t)(JAN_1_2009 - 10), &tai), NTP_LEAP_DELETE);
  assert_int_equal(tai, 33);
  assert_int_equal(leapdb_get(&db, (time_t)JAN_1_2009, &tai), NTP_LEAP_NONE);
  assert_int_equal(tai, 32);
  assert_false(leapdb_check(&db));
}

static void test_list_rejected(void **state)
{
  (void)state;
  static const char *const bad[] = {
    "#@ 3928521600\n3345062400 33\n",                  /* no update line */
    "#$ 3676924800\n3345062400 33\n",                  /* no expiry line */
    "#$ 3676924800\n#@ 3928521600\n3345062400\n",      /* no offset */
    "#$ 3676924800\n#@ 3928521600\n3345062400 33 x\n", /* junk after the entry */
    "#$ 3676924800\n#@ 3928521600\n3345062400 3x3\n",
    "#$ 3676924800\n#@ 3928521600\nabc 33\n",
    "#$ 3676924800\n#@ 3928521600\n-5 33\n",            /* before 1900 */
    "#$ x\n#@ 3928521600\n3345062400 33\n",            /* unreadable update */
    "#$ 3676924800\n#@\n3345062400 33\n",              /* empty expiry */
    "#$ 3676924800\n#@ 39285x\n",
    "#$ 3676924800\n#@ 3928521600\n3439756800 34\n3345062400 33\n",   /* out of order */
    "#$ 3676924800\n#@ 3928521600\n3345062400 33\n3345062400 34\n",   /* twice */
    "#$ 3676924800\n#@ 3928521600\n99999999999999999999999 33\n",     /* overflow */
    "#$ 3676924800\n#@ 3928521600\n3345062400 99999\n",
  };
  struct leapdb db;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    print_message("%s\n", bad[i]);
    assert_false(leapdb_parse_list(bad[i], strlen(bad[i]), &db));
  }
  /* A NUL inside the text. */
  static const char nul[] = "#$ 3676924800\n#@ 3928521600\n3345062400 33\0\n";
  assert_false(leapdb_parse_list(nul, sizeof(nul) - 1, &db));
  /* More entries than a table holds. */
  static char big[(LEAPDB_MAX + 4) * 24];
  size_t n = (size_t)snprintf(big, sizeof(big), "#$ 1\n#@ 4000000000\n");
  for (int i = 0; i <= LEAPDB_MAX; i++)
    n += (size_t)snprintf(big + n, sizeof(big) - n, "%lld 10\n", 2272060800LL + i * 86400LL);
  assert_false(leapdb_parse_list(big, n, &db));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_tzif_versions),
    cmocka_unit_test(test_tzif_deleted_second),
    cmocka_unit_test(test_tzif_v4_expiry),
    cmocka_unit_test(test_tzif_rejected),
    cmocka_unit_test(test_list),
    cmocka_unit_test(test_list_deleted_second),
    cmocka_unit_test(test_list_rejected),
  };
  return cmocka_run_group_tests_name("leapdb", tests, setup_table, NULL);
}
