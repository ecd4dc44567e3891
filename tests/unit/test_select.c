#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/select.h"

struct fixture {
  struct sel_params p;
  struct sel_source s[SEL_MAX_SOURCES];
  int n;
  struct sel_result r;
  char text[128];
};

static const char *result_text(struct fixture *f)
{
  assert_true(sel_result_text(&f->r, f->text, sizeof(f->text)) > 0);
  return f->text;
}

static void init(struct fixture *f)
{
  memset(f, 0, sizeof(*f));
  sel_params_default(&f->p);
}

/* A healthy, reachable stratum-2 source with a new sample. */
static struct sel_source *add(struct fixture *f, double offset, double distance)
{
  struct sel_source *s = &f->s[f->n++];
  *s = (struct sel_source){
    .reach = 0xff, .reach_size = 8, .has_stats = true, .leap = NTP_LEAP_NONE,
    .stratum = 2, .offset = offset, .track_offset = offset, .offset_sd = 1e-4, .root_distance = distance,
    .std_dev = 1e-4, .frequency = 1e-6, .frequency_sd = 1e-8, .skew = 1e-7,
    .root_delay = distance, .root_dispersion = distance / 2,
    .first_sample_ago = 512, .last_sample_ago = 16, .mem = {.updates = 1},
  };
  return s;
}

static int run(struct fixture *f, int prev, int updated)
{
  return sel_select(&f->p, f->s, f->n, prev, updated, &f->r);
}

/* A fresh selection, every source with a new sample. */
static int pick(struct fixture *f)
{
  for (int i = 0; i < f->n; i++)
    f->s[i].mem.updates = 1;
  return run(f, -1, -1);
}

static void test_one_source(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.25, 0.01)->stratum = 3;
  assert_int_equal(run(&f, -1, 0), 0);
  assert_int_equal(f.r.reason, SEL_OK);
  assert_int_equal(f.r.selected, 0);
  assert_true(f.r.update_reference);
  assert_int_equal(f.r.combined, 1);
  assert_true(f.r.offset == 0.25);
  assert_true(f.r.offset_sd == 1e-4);
  assert_true(f.r.frequency == 1e-6);
  assert_int_equal(f.r.stratum, 3);
  assert_true(f.r.root_delay == 0.01);
  assert_true(f.r.root_dispersion == 0.005);
  assert_int_equal(f.r.leap, NTP_LEAP_NONE);
  assert_int_equal(f.s[0].status, SEL_SELECTED);
  assert_int_equal(sel_state_char(f.s[0].status), '*');
  assert_int_equal(f.s[0].mem.updates, 0);
  assert_int_equal(sel_result_text(&f.r, f.text, sizeof(f.text)), 0);
}

static void test_three_agreeing(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.0010, 0.020);
  add(&f, 0.0020, 0.010);
  add(&f, 0.0015, 0.015);
  assert_int_equal(pick(&f), 1);   /* the shortest distance */
  assert_int_equal(f.s[0].status, SEL_COMBINED);
  assert_int_equal(f.s[2].status, SEL_COMBINED);
  assert_int_equal(sel_state_char(f.s[0].status), '+');
  assert_int_equal(f.r.combined, 3);
  assert_int_equal(f.r.n_agree, 3);
  double w0 = 1 / 0.020, w1 = 1 / 0.010, w2 = 1 / 0.015;
  assert_float_equal(f.r.offset, (0.0010 * w0 + 0.0020 * w1 + 0.0015 * w2) / (w0 + w1 + w2),
                     1e-12);
}

static void test_five_with_two_falsetickers(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.001, 0.010);
  add(&f, 1.000, 0.001);   /* shortest distances, but wrong */
  add(&f, -0.002, 0.012);
  add(&f, 2.000, 0.001);
  add(&f, 0.000, 0.011);
  int sel = pick(&f);
  assert_int_equal(sel, 0);
  assert_int_equal(f.s[1].status, SEL_FALSETICKER);
  assert_int_equal(f.s[3].status, SEL_FALSETICKER);
  assert_int_equal(sel_state_char(f.s[1].status), 'x');
  assert_int_equal(f.r.combined, 3);
  assert_true(fabs(f.r.offset) < 0.002);
  /* Previously selected falseticker: replaced at once. */
  for (int i = 0; i < f.n; i++)
    f.s[i].mem.updates = 1;
  assert_int_equal(run(&f, 3, 3), 0);
  assert_int_equal(f.s[3].status, SEL_FALSETICKER);
}

static void test_two_disagreeing(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.0, 0.01);
  add(&f, 0.5, 0.01);
  assert_int_equal(run(&f, 0, 0), -1);
  assert_int_equal(f.r.reason, SEL_NO_MAJORITY);
  assert_int_equal(f.r.n_agree, 1);
  assert_int_equal(f.r.n_candidates, 2);
  assert_int_equal(f.s[0].status, SEL_FALSETICKER);
  assert_int_equal(f.s[1].status, SEL_FALSETICKER);
  assert_string_equal(result_text(&f),
                      "Can't synchronise: no majority (no agreement among 2 sources)");
  assert_false(f.r.update_reference);
  /* Touching intervals agree (low ends sort before high ends). */
  f.s[1].offset = 0.02;
  assert_int_equal(pick(&f), 0);
}

/* Two overlapping pairs that do not overlap each other: no majority. */
static void test_two_pairs_no_majority(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.00, 0.01);
  add(&f, 0.01, 0.01);
  add(&f, 1.00, 0.01);
  add(&f, 1.01, 0.01);
  assert_int_equal(pick(&f), -1);
  assert_int_equal(f.r.reason, SEL_NO_MAJORITY);
  assert_string_equal(result_text(&f),
                      "Can't synchronise: no majority (only 2 of 4 sources agree)");
  add(&f, 0.005, 0.01);
  assert_int_equal(pick(&f), 0);
  assert_int_equal(f.s[2].status, SEL_FALSETICKER);
  assert_int_equal(f.s[3].status, SEL_FALSETICKER);
}

static void test_prefer(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.000, 0.010);
  add(&f, 0.001, 0.050)->prefer = true;
  add(&f, 0.002, 0.011);
  add(&f, 1.000, 0.001)->prefer = true;   /* a preferred falseticker */
  assert_int_equal(pick(&f), 1);
  assert_int_equal(f.s[0].status, SEL_NONPREFERRED);
  assert_int_equal(f.s[2].status, SEL_NONPREFERRED);
  assert_int_equal(f.s[3].status, SEL_FALSETICKER);
  assert_int_equal(sel_state_char(f.s[0].status), '-');
  assert_int_equal(sel_status_char(f.s[0].status), 'P');
  assert_int_equal(f.r.combined, 1);
  assert_true(f.r.offset == 0.001);
}

static void test_require(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.000, 0.010);
  add(&f, 0.001, 0.010);
  add(&f, 0.002, 0.010);
  add(&f, 1.000, 0.010)->require = true;
  assert_int_equal(pick(&f), -1);
  assert_int_equal(f.r.reason, SEL_NO_REQUIRED);
  assert_string_equal(result_text(&f),
                      "Can't synchronise: no required source in selectable sources");
  assert_int_equal(f.s[0].status, SEL_WAITS_SOURCES);
  assert_int_equal(f.s[3].status, SEL_FALSETICKER);

  f.s[3].offset = 0.003;      /* now a truechimer */
  assert_int_equal(pick(&f), 0);
  assert_int_equal(f.s[3].status, SEL_COMBINED);

  f.s[3].noselect = true;     /* chrony counts noselect require sources too */
  assert_int_equal(pick(&f), -1);
  assert_int_equal(f.r.reason, SEL_NO_REQUIRED);
}

static void test_trust_beats_majority(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 1.000, 0.001);
  add(&f, 1.001, 0.001);
  add(&f, 0.000, 0.010)->trust = true;
  add(&f, 1.002, 0.001);
  assert_int_equal(pick(&f), 2);
  assert_int_equal(f.r.n_agree, 1);
  assert_int_equal(f.r.n_candidates, 1);
  for (int i = 0; i < 4; i++)
    if (i != 2)
      assert_int_equal(f.s[i].status, SEL_FALSETICKER);
}

static void test_trust_interval(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.000, 0.010)->trust = true;
  add(&f, 0.001, 0.005);      /* inside the trusted interval */
  add(&f, 0.000, 0.500);      /* agrees, but reaches outside it */
  assert_int_equal(pick(&f), 1);
  assert_int_equal(f.s[0].status, SEL_COMBINED);
  assert_int_equal(f.s[2].status, SEL_UNTRUSTED);
  assert_int_equal(sel_status_char(f.s[2].status), 'T');

  /* Two trusted sources that disagree: no majority among the trusted. */
  init(&f);
  add(&f, 0.000, 0.010)->trust = true;
  add(&f, 1.000, 0.010)->trust = true;
  add(&f, 1.001, 0.010);
  assert_int_equal(pick(&f), -1);
  assert_int_equal(f.r.reason, SEL_NO_MAJORITY);
  assert_int_equal(f.r.n_candidates, 2);
}

static void test_noselect(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.0, 0.001)->noselect = true;
  add(&f, 0.5, 0.010);
  assert_int_equal(pick(&f), 1);   /* noselect does not vote either */
  assert_int_equal(f.s[0].status, SEL_NOSELECT);
  assert_int_equal(sel_state_char(f.s[0].status), '?');
  assert_int_equal(sel_status_char(f.s[0].status), 'N');
  f.s[1].noselect = true;
  assert_int_equal(pick(&f), -1);
  assert_int_equal(f.r.reason, SEL_NO_SELECTABLE);
  assert_string_equal(result_text(&f),
                      "Can't synchronise: no selectable sources (0 unreachable sources)");
  f.s[1].noselect = false;
  f.s[1].reach = 0;                /* unreachable, its samples too old */
  f.s[1].last_sample_ago = 1e6;
  assert_int_equal(pick(&f), -1);
  assert_string_equal(result_text(&f),
                      "Can't synchronise: no selectable sources (1 unreachable sources)");
}

static void test_min_sources(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  f.p.min_sources = 2;
  add(&f, 0.0, 0.01);
  assert_int_equal(pick(&f), -1);
  assert_int_equal(f.r.reason, SEL_TOO_FEW);
  assert_int_equal(f.s[0].status, SEL_WAITS_SOURCES);
  assert_int_equal(sel_status_char(f.s[0].status), 'W');
  assert_string_equal(result_text(&f),
                      "Can't synchronise: not enough selectable sources");
  add(&f, 0.001, 0.01);
  assert_int_equal(pick(&f), 0);
}

static void test_max_distance(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.0, 3.5);
  add(&f, 0.0, 0.5);
  assert_int_equal(pick(&f), 1);
  assert_int_equal(f.s[0].status, SEL_BAD_DISTANCE);
  assert_int_equal(sel_status_char(f.s[0].status), 'd');
  assert_int_equal(sel_state_char(f.s[0].status), '?');

  /* Without new samples for longer than its samples span, a source's
   * distance grows by maxclockerror per second. */
  f.p.max_clock_error = 1e-3;
  f.s[1].first_sample_ago = 1000;
  f.s[1].last_sample_ago = 1000;    /* extra 1e-3 * 1000 = 1 s */
  assert_int_equal(pick(&f), 1);
  f.s[1].root_distance = 2.5;
  assert_int_equal(pick(&f), -1);
  assert_int_equal(f.r.reason, SEL_NO_SELECTABLE);
  assert_int_equal(f.s[1].status, SEL_BAD_DISTANCE);

  /* A negative distance is an empty interval. */
  init(&f);
  add(&f, 0.0, -0.1);
  assert_int_equal(pick(&f), -1);
  assert_int_equal(f.s[0].status, SEL_BAD_DISTANCE);
}

static void test_max_jitter(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.0, 0.01)->std_dev = 1.5;
  add(&f, 0.0, 0.02);
  assert_int_equal(pick(&f), 1);
  assert_int_equal(f.s[0].status, SEL_JITTERY);
  assert_int_equal(sel_state_char(f.s[0].status), '~');
}

/* A slightly better candidate (by less than reselectdist) never replaces
 * the selected source; a better one does, after its score exceeds 10. */
static void test_reselect_dist(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.0, 0.010);
  add(&f, 0.0, 0.00995);
  for (int k = 0; k < 1000; k++) {
    assert_int_equal(run(&f, 0, k % 2), 0);
    assert_int_equal(f.s[1].status, SEL_COMBINED);
  }
  assert_true(f.s[1].mem.score == 1.0);

  f.s[1].root_distance = 0.0095;    /* better by 0.0005 > 0.0001 */
  int k = 0;
  while (run(&f, 0, 1) == 0)
    k++;
  /* score *= 0.010 / 0.0096 each update: needs 57 updates to pass 10 */
  assert_int_equal(k, 56);
  assert_int_equal(f.r.selected, 1);
  assert_int_equal(f.s[0].status, SEL_COMBINED);
  assert_true(f.s[0].mem.score == 1.0);

  /* Much better: two updates (score 9.1, then 83). */
  init(&f);
  add(&f, 0.0, 0.010);
  add(&f, 0.0, 0.001);
  assert_int_equal(run(&f, 0, 1), 0);
  assert_int_equal(run(&f, 0, 1), 1);

  /* Scores only change when the selected source or the candidate updates. */
  init(&f);
  add(&f, 0.0, 0.010);
  add(&f, 0.0, 0.001);
  add(&f, 0.0, 0.020);
  for (int i = 0; i < 10; i++)
    assert_int_equal(run(&f, 0, 2), 0);
  assert_true(f.s[1].mem.score == 1.0);

  /* Nothing selected before: the shortest distance wins at once. */
  assert_int_equal(pick(&f), 1);
}

static void test_waits_update(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.0, 0.010);
  add(&f, 0.0, 0.005)->mem.updates = 0;
  assert_int_equal(run(&f, -1, -1), -1);
  assert_int_equal(f.r.reason, SEL_WAITING_UPDATE);
  assert_int_equal(f.s[0].status, SEL_WAITS_UPDATE);
  assert_int_equal(sel_result_text(&f.r, f.text, sizeof(f.text)), 0);
  assert_int_equal(run(&f, -1, 1), 1);

  /* The selected source without a new sample: no reference update. */
  assert_int_equal(run(&f, 1, 0), 1);
  assert_false(f.r.update_reference);
  assert_int_equal(f.s[0].status, SEL_COMBINED);
  assert_int_equal(f.s[0].mem.updates, 1);
  assert_int_equal(run(&f, 1, 1), 1);
  assert_true(f.r.update_reference);
  assert_int_equal(f.s[0].mem.updates, 0);
}

static void test_combining(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  f.p.reselect_dist = 0;
  /* The intervals' centres decide agreement; the regression estimates are
   * what is combined. */
  struct sel_source *a = add(&f, 0.004, 0.010), *b = add(&f, -0.002, 0.020);
  a->track_offset = 0.000;
  b->track_offset = 0.003;
  a->offset_sd = 1e-4;
  b->offset_sd = 2e-4;
  a->frequency = 1e-6;
  b->frequency = 2e-6;
  a->frequency_sd = 1e-7;
  b->frequency_sd = 2e-7;
  a->skew = 1e-6;
  b->skew = 2e-6;
  assert_int_equal(pick(&f), 0);
  assert_int_equal(f.r.combined, 2);
  /* offsets by 1/distance: 100 and 50 */
  assert_float_equal(f.r.offset, 0.001, 1e-12);
  assert_float_equal(f.r.offset_sd,
                     sqrt((100 * 1e-8 + 50 * (4e-8 + 9e-6)) / 150), 1e-12);
  /* frequencies by 1/frequency_sd^2: 1e14 and 2.5e13 */
  assert_float_equal(f.r.frequency, (1e14 * 1e-6 + 2.5e13 * 2e-6) / 1.25e14, 1e-15);
  assert_float_equal(f.r.frequency_sd, 1 / sqrt(1.25e14), 1e-15);
  assert_float_equal(f.r.skew, 1 / sqrt(1e12 + 2.5e11), 1e-15);
  /* root delay and dispersion are the selected source's own */
  assert_true(f.r.root_delay == 0.010);
}

static void test_combine_limit(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.000, 0.010);
  add(&f, 0.001, 0.031);           /* > 3 * (0.010 + 0.0001) */
  add(&f, 0.001, 0.030);
  add(&f, 0.001, 0.011)->frequency = 1e-6 + 4e-6;   /* > 3 * (2e-7 + 1e-6) */
  assert_int_equal(pick(&f), 0);
  assert_int_equal(f.s[1].status, SEL_DISTANT);
  assert_int_equal(f.s[2].status, SEL_COMBINED);
  assert_int_equal(f.s[3].status, SEL_DISTANT);
  assert_int_equal(sel_state_char(f.s[1].status), '-');
  assert_int_equal(f.r.combined, 2);

  /* Once found distant (full reachability), it waits 32 updates. */
  f.s[1].root_distance = 0.012;
  for (int k = 0; k < 31; k++) {
    assert_int_equal(run(&f, 0, 0), 0);
    assert_int_equal(f.s[1].status, SEL_DISTANT);
  }
  assert_int_equal(run(&f, 0, 0), 0);
  assert_int_equal(f.s[1].status, SEL_COMBINED);

  /* With an incomplete reachability register, only one. */
  f.s[1].root_distance = 0.5;
  f.s[1].reach_size = 3;
  assert_int_equal(run(&f, 0, 0), 0);
  assert_int_equal(f.s[1].status, SEL_DISTANT);
  f.s[1].root_distance = 0.012;
  assert_int_equal(run(&f, 0, 0), 0);
  assert_int_equal(f.s[1].status, SEL_COMBINED);
}

static void test_leap_majority(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.000, 0.01)->leap = NTP_LEAP_INSERT;
  add(&f, 0.001, 0.01)->leap = NTP_LEAP_INSERT;
  add(&f, 0.002, 0.01);
  add(&f, 5.000, 0.01)->leap = NTP_LEAP_DELETE;   /* a falseticker: no vote */
  assert_int_equal(pick(&f), 0);
  assert_int_equal(f.r.leap, NTP_LEAP_INSERT);
  f.s[1].leap = NTP_LEAP_DELETE;
  pick(&f);
  assert_int_equal(f.r.leap, NTP_LEAP_NONE);       /* 1 of 3 is no majority */
  f.s[0].leap = NTP_LEAP_DELETE;
  pick(&f);
  assert_int_equal(f.r.leap, NTP_LEAP_DELETE);

  /* An unsynchronised source is not usable. */
  f.s[2].leap = NTP_LEAP_UNSYNC;
  pick(&f);
  assert_int_equal(f.s[2].status, SEL_UNSYNCHRONISED);
  assert_int_equal(sel_status_char(f.s[2].status), 's');

  /* With a trusted source, only the trusted vote. */
  init(&f);
  add(&f, 0.000, 0.01)->trust = true;
  add(&f, 0.001, 0.01)->leap = NTP_LEAP_INSERT;
  add(&f, 0.002, 0.01)->leap = NTP_LEAP_INSERT;
  pick(&f);
  assert_int_equal(f.r.leap, NTP_LEAP_NONE);
}

static void test_stratum_weight(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.0, 0.010)->stratum = 3;
  add(&f, 0.0, 0.010)->stratum = 1;
  assert_int_equal(pick(&f), 1);
  assert_int_equal(f.r.stratum, 1);

  init(&f);
  add(&f, 0.0, 0.0100)->stratum = 2;
  add(&f, 0.0, 0.0105)->stratum = 1;     /* 0.0105 < 0.0100 + 0.001 */
  assert_int_equal(pick(&f), 1);
  f.p.stratum_weight = 0;
  assert_int_equal(pick(&f), 0);

  /* Reference clocks do not pay reselectdist. */
  init(&f);
  add(&f, 0.0, 0.01);
  add(&f, 0.0, 0.01)->refclock = true;
  assert_int_equal(pick(&f), 1);
}

static void test_bad_numbers(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, NAN, 0.001);
  add(&f, 0.0, INFINITY);
  add(&f, 0.0, 0.001)->std_dev = NAN;
  add(&f, 0.0, 0.001)->frequency = -INFINITY;
  add(&f, 0.0, 0.001)->skew = NAN;
  add(&f, 1e300, 0.001);
  add(&f, 0.0, 0.001)->last_sample_ago = NAN;
  add(&f, 0.0, 0.001)->track_offset = INFINITY;
  add(&f, 0.0, 0.001)->stratum = -5;
  add(&f, 0.0, 0.001)->leap = 7;
  add(&f, 0.0, 0.001)->mem.score = NAN;   /* garbage memory is repaired */
  f.s[f.n - 1].mem.distant = -3;
  struct sel_source *ok2 = add(&f, 0.001, 0.002);
  ok2->frequency_sd = 0;                   /* zero weights' divisors */
  ok2->skew = 0;
  assert_int_equal(pick(&f), 10);
  for (int i = 0; i < 9; i++)
    assert_int_equal(f.s[i].status, SEL_BAD_STATS);
  assert_int_equal(f.s[9].status, SEL_UNSYNCHRONISED);
  assert_int_equal(f.s[11].status, SEL_COMBINED);
  assert_true(isfinite(f.r.offset) && isfinite(f.r.offset_sd) && isfinite(f.r.frequency) &&
              isfinite(f.r.frequency_sd) && isfinite(f.r.skew));
  assert_true(f.s[10].mem.score == 1.0);

  /* A previously selected source turning to garbage is replaced. */
  f.s[10].offset = NAN;
  assert_int_equal(run(&f, 10, 11), 11);
  assert_int_equal(f.s[10].status, SEL_BAD_STATS);

  init(&f);
  add(&f, NAN, NAN);
  assert_int_equal(run(&f, 7, 3), -1);     /* out-of-range indices too */
  assert_int_equal(f.r.reason, SEL_NO_SELECTABLE);
}

static void test_no_sources(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  assert_int_equal(pick(&f), -1);
  assert_int_equal(f.r.reason, SEL_NO_SOURCES);
  assert_string_equal(result_text(&f), "Can't synchronise: no sources");
}

/* On start, wait while a source without stats is polled in step. */
static void test_waits_stats(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  struct sel_source *a = add(&f, 0.0, 0.01), *b = add(&f, 0.0, 0.01);
  a->reach = 0x7;
  a->reach_size = 3;
  b->has_stats = false;
  b->reach = 0x3;
  b->reach_size = 3;
  assert_int_equal(pick(&f), -1);
  assert_int_equal(f.r.reason, SEL_WAITING_STATS);
  assert_int_equal(a->status, SEL_WAITS_STATS);
  assert_int_equal(b->status, SEL_BAD_STATS);
  assert_int_equal(sel_status_char(b->status), 'M');
  b->reach = 0x1;               /* not in step: go ahead */
  assert_int_equal(pick(&f), 0);
  b->reach = 0x3;
  assert_int_equal(run(&f, 0, -1), 0);   /* already selected: go ahead */
}

static void test_stale(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.0, 0.01);
  struct sel_source *s = add(&f, 0.0, 0.001);
  s->reach = 0;
  s->first_sample_ago = 3000;
  s->last_sample_ago = 1000;    /* older than the other's oldest (512) */
  assert_int_equal(pick(&f), 0);
  assert_int_equal(s->status, SEL_STALE);
  assert_int_equal(f.r.n_unreachable, 1);
  s->last_sample_ago = 500;     /* still usable while unreachable */
  assert_int_equal(pick(&f), 1);
}

static void test_orphan(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  f.p.orphan_stratum = 5;
  struct sel_source *a = add(&f, 0.0, 0.01), *b = add(&f, 0.0, 0.01);
  a->stratum = 5;
  a->ref_id = 0x0a000003;
  a->local_ref_id = 0x0a000002;
  b->stratum = 5;
  b->ref_id = 0x0a000001;
  b->local_ref_id = 0x0a000002;
  assert_int_equal(pick(&f), 1);    /* smallest refid, below ours */
  assert_int_equal(a->status, SEL_ORPHAN);
  assert_int_equal(sel_status_char(a->status), 'O');
  assert_false(f.r.orphan_refid_unknown);
  b->ref_id = 0x0a000004;
  assert_int_equal(pick(&f), -1);   /* we have the smallest refid */
  assert_int_equal(f.r.reason, SEL_NO_SELECTABLE);
  b->local_ref_id = 0;              /* our address towards the orphan unknown: none */
  b->ref_id = 0x0a000001;
  assert_int_equal(pick(&f), -1);
  assert_true(f.r.orphan_refid_unknown);
  b->local_ref_id = 0x0a000002;
  b->stratum = 4;                          /* a non-orphan wins */
  assert_int_equal(pick(&f), 1);
  assert_int_equal(a->status, SEL_ORPHAN);
  b->stratum = 6;
  b->refclock = true;                      /* never an orphan */
  assert_int_equal(pick(&f), 1);
}

static void test_max_sources(void **state)
{
  (void)state;
  static struct fixture f;
  init(&f);
  for (int i = 0; i < SEL_MAX_SOURCES; i++)
    add(&f, (i % 2 ? 1e-5 : -1e-5) * i, 0.01 + 1e-5 * i)->trust = i % 3 == 0;
  assert_int_equal(pick(&f), 0);
  assert_int_equal(f.r.reason, SEL_OK);
  assert_true(f.r.combined > 1);
}

/* minstratum/maxstratum (chrony 4.9): a source outside the range is not
 * selectable ('r') and does not vote; the limits themselves are allowed. */
static void test_stratum_limits(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  assert_int_equal(f.p.min_stratum, 0);
  assert_int_equal(f.p.max_stratum, 15);
  add(&f, 0.000, 0.001)->stratum = 1;
  add(&f, 0.001, 0.010)->stratum = 3;
  add(&f, 0.002, 0.020)->stratum = 5;
  assert_int_equal(pick(&f), 0);
  f.p.min_stratum = 2;
  f.p.max_stratum = 4;
  assert_int_equal(pick(&f), 1);
  assert_int_equal(f.s[0].status, SEL_BAD_STRATUM);
  assert_int_equal(f.s[2].status, SEL_BAD_STRATUM);
  assert_int_equal(sel_status_char(f.s[0].status), 'r');
  assert_int_equal(sel_state_char(f.s[2].status), '?');
  assert_int_equal(f.r.combined, 1);
  f.p.min_stratum = f.p.max_stratum = 5;
  assert_int_equal(pick(&f), 2);
  f.p.max_stratum = 0;
  assert_int_equal(pick(&f), -1);
  assert_int_equal(f.r.reason, SEL_NO_SELECTABLE);
}

/* Two authenticated sources (0, 1), two unauthenticated (2, 3), one
 * unauthenticated with noselect (4), as chrony's update_sel_options. */
static void auth_sources(struct fixture *f, enum sel_auth_mode mode, int n_auth)
{
  init(f);
  for (int i = 0; i < 5; i++)
    add(f, 0.001 * i, 0.01)->authenticated = i < n_auth;
  f->s[4].noselect = true;
  f->s[4].prefer = true;
  sel_apply_auth_mode(mode, f->s, f->n);
}

static void test_auth_modes(void **state)
{
  (void)state;
  struct fixture f;
  auth_sources(&f, SEL_AUTH_MIX, 2);
  for (int i = 0; i < 2; i++)
    assert_true(f.s[i].require && f.s[i].trust && !f.s[i].noselect);
  for (int i = 2; i < 4; i++)
    assert_true(!f.s[i].require && !f.s[i].trust && !f.s[i].noselect);
  assert_true(f.s[4].noselect && f.s[4].prefer && !f.s[4].require);
  /* mix with one kind only: nothing changes */
  auth_sources(&f, SEL_AUTH_MIX, 0);
  for (int i = 0; i < 4; i++)
    assert_true(!f.s[i].require && !f.s[i].trust && !f.s[i].noselect);
  auth_sources(&f, SEL_AUTH_MIX, 4);
  for (int i = 0; i < 4; i++)
    assert_true(!f.s[i].require && !f.s[i].trust);

  auth_sources(&f, SEL_AUTH_PREFER, 2);
  assert_true(!f.s[0].noselect && !f.s[1].noselect && f.s[2].noselect && f.s[3].noselect);
  assert_int_equal(pick(&f), 0);
  assert_int_equal(f.s[2].status, SEL_NOSELECT);
  auth_sources(&f, SEL_AUTH_PREFER, 0);
  for (int i = 0; i < 4; i++)
    assert_false(f.s[i].noselect);

  auth_sources(&f, SEL_AUTH_REQUIRE, 0);
  for (int i = 0; i < 4; i++)
    assert_true(f.s[i].noselect);
  assert_int_equal(pick(&f), -1);
  assert_int_equal(f.r.reason, SEL_NO_SELECTABLE);
  auth_sources(&f, SEL_AUTH_REQUIRE, 2);
  assert_true(!f.s[1].noselect && f.s[2].noselect);

  auth_sources(&f, SEL_AUTH_IGNORE, 2);
  for (int i = 0; i < 4; i++)
    assert_true(!f.s[i].noselect && !f.s[i].require && !f.s[i].trust);

  /* A reference clock counts as neither kind, and gets mix's options. */
  auth_sources(&f, SEL_AUTH_MIX, 1);
  f.s[3].refclock = true;
  f.s[3].require = f.s[3].trust = false;
  sel_apply_auth_mode(SEL_AUTH_MIX, f.s, f.n);
  assert_true(f.s[0].require && f.s[3].require && f.s[3].trust && !f.s[2].trust);
}

/* The unauthenticated majority in mix mode cannot outvote the authenticated
 * source: they must agree with it. */
static void test_auth_mix_selection(void **state)
{
  (void)state;
  struct fixture f;
  init(&f);
  add(&f, 0.000, 0.010)->authenticated = true;
  add(&f, 1.000, 0.001);
  add(&f, 1.001, 0.001);
  sel_apply_auth_mode(SEL_AUTH_MIX, f.s, f.n);
  assert_int_equal(pick(&f), 0);
  assert_int_equal(f.s[1].status, SEL_FALSETICKER);
  /* ignore: the majority wins */
  for (int i = 0; i < f.n; i++)
    f.s[i].require = f.s[i].trust = false;
  sel_apply_auth_mode(SEL_AUTH_IGNORE, f.s, f.n);
  assert_int_equal(pick(&f), 1);
}

static void test_chars(void **state)
{
  (void)state;
  const char *all = "NMsrd~wSOTxWPUD+*";
  for (int st = SEL_NOSELECT; st <= SEL_SELECTED; st++)
    assert_int_equal(sel_status_char((enum sel_status)st), all[st]);
  assert_int_equal(sel_status_char((enum sel_status)99), '?');
  assert_int_equal(sel_state_char(SEL_WAITS_UPDATE), '-');
  assert_int_equal(sel_state_char(SEL_STALE), '?');
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_one_source),
    cmocka_unit_test(test_three_agreeing),
    cmocka_unit_test(test_five_with_two_falsetickers),
    cmocka_unit_test(test_two_disagreeing),
    cmocka_unit_test(test_two_pairs_no_majority),
    cmocka_unit_test(test_prefer),
    cmocka_unit_test(test_require),
    cmocka_unit_test(test_trust_beats_majority),
    cmocka_unit_test(test_trust_interval),
    cmocka_unit_test(test_noselect),
    cmocka_unit_test(test_min_sources),
    cmocka_unit_test(test_max_distance),
    cmocka_unit_test(test_max_jitter),
    cmocka_unit_test(test_reselect_dist),
    cmocka_unit_test(test_waits_update),
    cmocka_unit_test(test_combining),
    cmocka_unit_test(test_combine_limit),
    cmocka_unit_test(test_leap_majority),
    cmocka_unit_test(test_stratum_weight),
    cmocka_unit_test(test_bad_numbers),
    cmocka_unit_test(test_no_sources),
    cmocka_unit_test(test_waits_stats),
    cmocka_unit_test(test_stale),
    cmocka_unit_test(test_orphan),
    cmocka_unit_test(test_max_sources),
    cmocka_unit_test(test_stratum_limits),
    cmocka_unit_test(test_auth_modes),
    cmocka_unit_test(test_auth_mix_selection),
    cmocka_unit_test(test_chars),
  };
  return cmocka_run_group_tests_name("select", tests, NULL, NULL);
}
