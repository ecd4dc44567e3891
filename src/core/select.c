/* Source selection: see select.h. The steps follow chrony's SRC_SelectSource
 * (sources.c, chrony 4.x): screen each source, drop stale and orphan ones,
 * find the best interval, keep the truechimers, vote on leap seconds, apply
 * prefer, score, reselect, combine. */
#include "core/select.h"
#include "proto/num.h"


#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Score a candidate must exceed to replace the selected source. */
#define SCORE_LIMIT 10.0
#define SCORE_MAX 1e15
/* Reference updates a source waits before it is combined again. */
#define DISTANT_PENALTY 32
/* Inputs larger than this (seconds, or s/s) are treated as garbage. */
#define MAX_VALUE 1e10
/* Floor of distances and error estimates used as divisors or weights (as
 * chrony's minimum skew), so a zero cannot make a weight infinite. */
#define MIN_VALUE 1e-12

void sel_params_default(struct sel_params *p)
{
  p->min_sources = 1;
  p->min_stratum = 0;
  p->max_stratum = NTP_MAX_STRATUM - 1;
  p->max_distance = 3.0;
  p->max_jitter = 1.0;
  p->combine_limit = 3.0;
  p->stratum_weight = 0.001;
  p->reselect_dist = 0.0001;
  p->max_clock_error = 1e-6;
  p->orphan_stratum = NTP_MAX_STRATUM;
}

void sel_apply_auth_mode(enum sel_auth_mode mode, struct sel_source *src, int n)
{
  int n_auth = 0, n_unauth = 0;
  for (int i = 0; i < n; i++) {
    if (!src[i].noselect && !src[i].refclock) {
      n_auth += src[i].authenticated;
      n_unauth += !src[i].authenticated;
    }
  }
  bool unauth_noselect = mode == SEL_AUTH_REQUIRE || (mode == SEL_AUTH_PREFER && n_auth > 0);
  bool auth_required = mode == SEL_AUTH_MIX && n_auth > 0 && n_unauth > 0;
  for (int i = 0; i < n; i++) {
    struct sel_source *s = &src[i];
    if (s->noselect)
      continue;
    if (s->refclock || s->authenticated) {
      s->require |= auth_required;
      s->trust |= auth_required;
    } else {
      s->noselect = unauth_noselect;
    }
  }
}

/* State of one call. ok[i] is chrony's SRC_OK: still a candidate, status
 * not final yet. */
struct work {
  const struct sel_params *p;
  struct sel_source *src;
  int n;
  bool ok[SEL_MAX_SOURCES];
  double dist[SEL_MAX_SOURCES], lo[SEL_MAX_SOURCES], hi[SEL_MAX_SOURCES];
  int cand[SEL_MAX_SOURCES];  /* truechimers, then the preferred among them */
  int n_cand;
};

struct endpoint {
  double offset;
  int index;
  int tag;                    /* -1 low end, +1 high end: lows sort first */
};

static void mark(struct work *w, int i, enum sel_status status)
{
  w->src[i].status = status;
  w->ok[i] = false;
}

static void mark_ok_sources(struct work *w, enum sel_status status)
{
  for (int i = 0; i < w->n; i++)
    if (w->ok[i])
      mark(w, i, status);
}

static bool value_ok(double x)
{
  return isfinite(x) && fabs(x) <= MAX_VALUE;
}

static bool numbers_ok(const struct sel_source *s)
{
  return value_ok(s->offset) && value_ok(s->track_offset) && value_ok(s->offset_sd) &&
         value_ok(s->root_distance) &&
         value_ok(s->std_dev) && value_ok(s->frequency) && value_ok(s->frequency_sd) &&
         value_ok(s->skew) && value_ok(s->root_delay) && value_ok(s->root_dispersion) &&
         value_ok(s->first_sample_ago) && value_ok(s->last_sample_ago) &&
         s->stratum >= 0 && s->stratum <= 255;
}

static double clamp_score(double score)
{
  if (!(score >= 1.0))        /* also NaN */
    return 1.0;
  return score > SCORE_MAX ? SCORE_MAX : score;
}

/* The caller's copy of our memory may be anything; bring it into range. */
static void sanitize_memory(struct sel_memory *m)
{
  m->score = clamp_score(m->score);
  if (m->distant < 0 || m->distant > DISTANT_PENALTY)
    m->distant = m->distant < 0 ? 0 : DISTANT_PENALTY;
  if (m->updates < 0)
    m->updates = 0;
}

struct screen {
  bool require_missing;       /* require sources exist, none a truechimer yet */
  int n_badstats, n_unreachable, n_sel;
  unsigned max_bad_reach, max_sel_reach;
  int max_bad_reach_size, max_sel_reach_size;
  double max_reach_sample_ago;
};

/* Per-source checks, in chrony's order; survivors get their interval. */
static void screen_source(struct work *w, int i, struct screen *c)
{
  const struct sel_params *p = w->p;
  const struct sel_source *s = &w->src[i];

  /* Kept even if unusable: a selected source that fails is still the
   * reference its competitors' scores are measured against. */
  w->dist[i] = s->root_distance;
  w->src[i].lo = w->src[i].hi = 0.0;
  if (s->require)
    c->require_missing = true;
  if (s->noselect) {
    mark(w, i, SEL_NOSELECT);
    return;
  }
  if (!s->reach)
    c->n_unreachable++;
  if (value_ok(s->offset) && value_ok(s->root_distance)) {
    w->src[i].lo = s->offset - s->root_distance;
    w->src[i].hi = s->offset + s->root_distance;
  }
  if (!s->has_stats || !numbers_ok(s)) {
    mark(w, i, SEL_BAD_STATS);
    c->n_badstats++;
    if (c->max_bad_reach < s->reach)
      c->max_bad_reach = s->reach;
    if (c->max_bad_reach_size < s->reach_size)
      c->max_bad_reach_size = s->reach_size;
    return;
  }
  if (s->leap < NTP_LEAP_NONE || s->leap >= NTP_LEAP_UNSYNC) {
    mark(w, i, SEL_UNSYNCHRONISED);
    return;
  }
  if (s->stratum < p->min_stratum || s->stratum > p->max_stratum) {
    mark(w, i, SEL_BAD_STRATUM);
    return;
  }

  double dist = s->root_distance, lo = s->offset - dist, hi = s->offset + dist;
  /* No new samples for longer than the regression spans: the clock may
   * have drifted by up to maxclockerror since, widen the interval. */
  if (s->first_sample_ago < 2.0 * s->last_sample_ago) {
    double extra = p->max_clock_error * (2.0 * s->last_sample_ago - s->first_sample_ago);
    dist += extra;
    lo -= extra;
    hi += extra;
  }
  w->dist[i] = dist;
  w->lo[i] = w->src[i].lo = lo;
  w->hi[i] = w->src[i].hi = hi;

  if (!(dist <= p->max_distance && lo <= hi)) {
    mark(w, i, SEL_BAD_DISTANCE);
    return;
  }
  if (s->std_dev > p->max_jitter) {
    mark(w, i, SEL_JITTERY);
    return;
  }

  w->ok[i] = true;
  if (s->reach && c->max_reach_sample_ago < s->first_sample_ago)
    c->max_reach_sample_ago = s->first_sample_ago;
  if (c->max_sel_reach < s->reach)
    c->max_sel_reach = s->reach;
  if (c->max_sel_reach_size < s->reach_size)
    c->max_sel_reach_size = s->reach_size;
}

/* Drop stale sources and orphans; returns the number left. In orphan mode,
 * when nothing else is left, the reachable orphan with the smallest refid
 * is used if it is smaller than ours, so a group of orphans settles on one
 * server serving its local time. */
static int drop_stale_and_orphans(struct work *w, const struct screen *c,
                                  struct sel_result *res)
{
  int n_sel = 0, orphan = -1;

  for (int i = 0; i < w->n; i++) {
    const struct sel_source *s = &w->src[i];
    if (!w->ok[i])
      continue;
    /* An unreachable source is still usable while its newest sample is not
     * older than the oldest sample of the reachable sources, for at most
     * max_unreach polls. */
    if (!s->reach && (c->max_reach_sample_ago < s->last_sample_ago ||
                      s->unreachable_run > s->max_unreach)) {
      mark(w, i, SEL_STALE);
    } else if (!s->refclock && s->stratum >= w->p->orphan_stratum) {
      mark(w, i, SEL_ORPHAN);
      if (s->stratum == w->p->orphan_stratum && s->reach &&
          (orphan < 0 || s->ref_id < w->src[orphan].ref_id))
        orphan = i;
    } else {
      n_sel++;
    }
  }

  res->orphan_refid_unknown = n_sel == 0 && orphan >= 0 && w->src[orphan].local_ref_id == 0;
  if (n_sel == 0 && orphan >= 0 && w->src[orphan].local_ref_id != 0 &&
      w->src[orphan].ref_id < w->src[orphan].local_ref_id) {
    w->ok[orphan] = true;
    n_sel = 1;
  }
  return n_sel;
}

/* chrony delays the first selection while a source without enough samples
 * is polled in step with the selectable ones (its reachability is theirs
 * shifted by one), so servers started together are all considered. */
static bool must_wait_for_stats(const struct screen *c, int n_sel, int prev)
{
  return c->n_badstats > 0 && n_sel > 0 && prev < 0 &&
         c->max_sel_reach_size < SEL_REACH_BITS &&
         c->max_sel_reach >> 1 == c->max_bad_reach;
}

static int compare_endpoints(const void *a, const void *b)
{
  const struct endpoint *u = a, *v = b;
  if (u->offset != v->offset)
    return u->offset < v->offset ? -1 : 1;
  if (u->tag != v->tag)
    return u->tag < v->tag ? -1 : 1;
  return (u->index > v->index) - (u->index < v->index);
}

struct interval {
  double lo, hi;              /* deepest among the most trusted points */
  double trust_lo, trust_hi;  /* deepest trusted points */
  int depth, trust_depth, n_trust;
};

/* Marzullo: the points covered by the most intervals, trusted intervals
 * counted first. Like chrony, lo is the first such point and hi the last,
 * even if the depth dips in between. */
static void find_interval(struct work *w, struct interval *b)
{
  struct endpoint e[2 * SEL_MAX_SOURCES];
  int ne = 0, depth = 0, trust_depth = 0;

  *b = (struct interval){0};
  for (int i = 0; i < w->n; i++) {
    if (!w->ok[i])
      continue;
    b->n_trust += w->src[i].trust;
    e[ne++] = (struct endpoint){w->lo[i], i, -1};
    e[ne++] = (struct endpoint){w->hi[i], i, +1};
  }
  qsort(e, (size_t)ne, sizeof(e[0]), compare_endpoints);

  for (int k = 0; k < ne; k++) {
    bool trusted = w->src[e[k].index].trust;
    if (e[k].tag < 0) {
      depth++;
      trust_depth += trusted;
      if (trust_depth > b->trust_depth ||
          (trust_depth == b->trust_depth && depth > b->depth)) {
        if (trust_depth > b->trust_depth) {
          b->trust_depth = trust_depth;
          b->trust_lo = e[k].offset;
        }
        b->depth = depth;
        b->lo = e[k].offset;
      }
    } else {
      if (trust_depth == b->trust_depth) {
        if (depth == b->depth)
          b->hi = e[k].offset;
        b->trust_hi = e[k].offset;
      }
      trust_depth -= trusted;
      depth--;
    }
  }
  assert(depth == 0 && trust_depth == 0);
}

/* Truechimers: intervals containing the best one or contained in it. With
 * trusted sources, the others must lie within the trusted interval, so they
 * cannot pull the combined offset out of it. */
static void keep_truechimers(struct work *w, const struct interval *b, struct screen *c)
{
  w->n_cand = 0;
  for (int i = 0; i < w->n; i++) {
    if (!w->ok[i])
      continue;
    bool agrees = (w->lo[i] <= b->lo && w->hi[i] >= b->hi) ||
                  (w->lo[i] >= b->lo && w->hi[i] <= b->hi);
    if (!agrees) {
      mark(w, i, SEL_FALSETICKER);
      continue;
    }
    if (b->trust_depth > 0 && !w->src[i].trust &&
        !(w->lo[i] >= b->trust_lo && w->hi[i] <= b->trust_hi)) {
      mark(w, i, SEL_UNTRUSTED);
      continue;
    }
    w->cand[w->n_cand++] = i;
    if (w->src[i].require)
      c->require_missing = false;
  }
}

/* A leap second is accepted when more than half of the voters announce it;
 * the truechimers vote, only the trusted ones if there are any. */
static enum ntp_leap vote_leap(const struct work *w, bool trusted_only)
{
  int votes = 0, ins = 0, del = 0;
  for (int k = 0; k < w->n_cand; k++) {
    const struct sel_source *s = &w->src[w->cand[k]];
    if (trusted_only && !s->trust)
      continue;
    votes++;
    ins += s->leap == NTP_LEAP_INSERT;
    del += s->leap == NTP_LEAP_DELETE;
  }
  if (ins > votes / 2)
    return NTP_LEAP_INSERT;
  if (del > votes / 2)
    return NTP_LEAP_DELETE;
  return NTP_LEAP_NONE;
}

static void keep_preferred(struct work *w)
{
  int j = 0;
  for (int k = 0; k < w->n_cand; k++)
    if (w->src[w->cand[k]].prefer)
      j++;
  if (j == 0)
    return;
  j = 0;
  for (int k = 0; k < w->n_cand; k++) {
    int i = w->cand[k];
    if (w->src[i].prefer)
      w->cand[j++] = i;
    else
      mark(w, i, SEL_NONPREFERRED);
  }
  w->n_cand = j;
}

/* Root distance with the stratum penalty relative to the best candidate. */
static double weighted_distance(const struct work *w, int i, int min_stratum)
{
  return w->dist[i] + ((double)w->src[i].stratum - min_stratum) * w->p->stratum_weight;
}

/* chrony's reselection score: with a source selected, a candidate's score
 * is multiplied by selected distance / its distance (reselectdist added to
 * its own for NTP sources) whenever either has a new sample, so it has to
 * be better for a while to win. Without one, the shortest distance wins.
 * Returns the index with the highest score. */
static int best_by_score(struct work *w, int prev, int updated)
{
  int min_stratum = w->src[w->cand[0]].stratum;
  for (int k = 1; k < w->n_cand; k++)
    if (w->src[w->cand[k]].stratum < min_stratum)
      min_stratum = w->src[w->cand[k]].stratum;

  double sel_dist = prev >= 0 ? weighted_distance(w, prev, min_stratum) : 0.0;
  double max_score = 0.0;
  int best = -1;

  for (int i = 0; i < w->n; i++) {
    struct sel_memory *m = &w->src[i].mem;
    if (!w->ok[i]) {
      m->score = 1.0;
      m->distant = DISTANT_PENALTY;
      continue;
    }
    double d = weighted_distance(w, i, min_stratum);
    if (!w->src[i].refclock)
      d += w->p->reselect_dist;
    d = num_fmax(d, MIN_VALUE);
    if (prev < 0)
      m->score = 1.0 / d;
    else if (i == updated || prev == updated)
      m->score = clamp_score(m->score * (sel_dist / d));
    if (max_score < m->score) {
      max_score = m->score;
      best = i;
    }
  }
  assert(best >= 0);
  return best;
}

struct estimate {
  double offset, offset_sd, frequency, frequency_sd, skew;
};

/* Average the selected source with the candidates close to it in distance
 * and frequency: offsets weighted by 1/root distance, frequencies by
 * 1/frequency_sd^2. A source found too far waits DISTANT_PENALTY reference
 * updates (1 while its reachability register is not full yet). */
static int combine(struct work *w, int sel, struct estimate *e)
{
  const struct sel_params *p = w->p;
  const struct sel_source *ss = &w->src[sel];
  double sel_dist = w->dist[sel] + (ss->refclock ? 0.0 : p->reselect_dist);
  double sum_w = 0, sum_off = 0, sum2_sd = 0, sum_f = 0, inv2_fsd = 0, inv2_skew = 0;
  int combined = 0;

  for (int k = 0; k < w->n_cand; k++) {
    int i = w->cand[k];
    struct sel_source *s = &w->src[i];
    if (i != sel) {
      bool too_far = w->dist[i] > p->combine_limit * sel_dist ||
                     fabs(ss->frequency - s->frequency) >
                       p->combine_limit * (ss->skew + s->skew + p->max_clock_error);
      if (too_far)
        s->mem.distant = s->reach_size >= SEL_REACH_BITS ? DISTANT_PENALTY : 1;
      else if (s->mem.distant > 0)
        s->mem.distant--;
      if (s->mem.distant > 0) {
        mark(w, i, SEL_DISTANT);
        continue;
      }
      mark(w, i, SEL_COMBINED);
    }
    double ow = 1.0 / num_fmax(w->dist[i], MIN_VALUE);
    double fsd = num_fmax(fabs(s->frequency_sd), MIN_VALUE);
    double skew = num_fmax(fabs(s->skew), MIN_VALUE);
    double dev = s->track_offset - ss->track_offset;
    sum_w += ow;
    sum_off += ow * s->track_offset;
    sum2_sd += ow * (s->offset_sd * s->offset_sd + dev * dev);
    sum_f += s->frequency / (fsd * fsd);
    inv2_fsd += 1.0 / (fsd * fsd);
    inv2_skew += 1.0 / (skew * skew);
    combined++;
  }

  e->offset = sum_off / sum_w;
  e->offset_sd = sqrt(sum2_sd / sum_w);
  e->frequency = sum_f / inv2_fsd;
  e->frequency_sd = 1.0 / sqrt(inv2_fsd);
  e->skew = 1.0 / sqrt(inv2_skew);
  return combined;
}

static int fail(struct sel_result *res, enum sel_reason reason)
{
  res->reason = reason;
  res->selected = -1;
  return -1;
}

/* Mark the selected source and the other candidates; update the reference
 * only when the selected source has a new sample. */
static void finish(struct work *w, int sel, struct sel_result *res)
{
  const struct sel_source *ss = &w->src[sel];

  mark(w, sel, SEL_SELECTED);
  res->reason = SEL_OK;
  res->selected = sel;
  res->stratum = ss->stratum;
  res->root_delay = ss->root_delay;
  res->root_dispersion = ss->root_dispersion;

  if (ss->mem.updates == 0) {
    for (int k = 0; k < w->n_cand; k++) {
      int i = w->cand[k];
      if (w->ok[i])
        mark(w, i, w->src[i].mem.distant > 0 ? SEL_DISTANT : SEL_COMBINED);
    }
    return;
  }

  for (int i = 0; i < w->n; i++)
    w->src[i].mem.updates = 0;

  struct estimate e = {ss->track_offset, ss->offset_sd, ss->frequency, ss->frequency_sd, ss->skew};
  res->combined = w->n_cand > 1 ? combine(w, sel, &e) : 1;
  res->update_reference = true;
  res->offset = e.offset;
  res->offset_sd = e.offset_sd;
  res->frequency = e.frequency;
  res->frequency_sd = e.frequency_sd;
  res->skew = e.skew;
}

int sel_select(const struct sel_params *p, struct sel_source *src, int n, int prev,
               int updated, struct sel_result *res)
{
  struct work w = {.p = p, .src = src, .n = n};
  struct screen c = {0};
  struct interval b;

  assert(n >= 0 && n <= SEL_MAX_SOURCES);
  *res = (struct sel_result){.selected = -1, .leap = NTP_LEAP_NONE};
  if (prev < 0 || prev >= n)
    prev = -1;
  for (int i = 0; i < n; i++)
    sanitize_memory(&src[i].mem);
  if (updated >= 0 && updated < n && src[updated].mem.updates < INT_MAX)
    src[updated].mem.updates++;
  if (n == 0)
    return fail(res, SEL_NO_SOURCES);

  for (int i = 0; i < n; i++)
    screen_source(&w, i, &c);
  res->n_unreachable = c.n_unreachable;
  c.n_sel = drop_stale_and_orphans(&w, &c, res);

  if (must_wait_for_stats(&c, c.n_sel, prev)) {
    mark_ok_sources(&w, SEL_WAITS_STATS);
    return fail(res, SEL_WAITING_STATS);
  }
  res->reach_full = c.max_sel_reach_size >= SEL_REACH_BITS ||
                    c.max_bad_reach_size >= SEL_REACH_BITS;
  if (c.n_sel == 0) {
    res->no_endpoints = true;
    return fail(res, SEL_NO_SELECTABLE);
  }

  find_interval(&w, &b);
  res->trusted = b.trust_depth > 0;
  res->n_candidates = res->trusted ? b.n_trust : c.n_sel;
  res->n_agree = res->trusted ? b.trust_depth : b.depth;
  if (res->n_agree <= res->n_candidates / 2) {
    mark_ok_sources(&w, SEL_FALSETICKER);
    return fail(res, SEL_NO_MAJORITY);
  }

  keep_truechimers(&w, &b, &c);
  if (w.n_cand == 0 || c.require_missing || w.n_cand < p->min_sources) {
    mark_ok_sources(&w, SEL_WAITS_SOURCES);
    return fail(res, w.n_cand == 0 ? SEL_NO_SELECTABLE :
                     c.require_missing ? SEL_NO_REQUIRED : SEL_TOO_FEW);
  }
  res->leap = vote_leap(&w, b.trust_depth > 0);

  keep_preferred(&w);
  int best = best_by_score(&w, prev, updated);
  int sel = prev;
  if (prev < 0 || !w.ok[prev] || (best != prev && src[best].mem.score > SCORE_LIMIT)) {
    if (src[best].mem.updates == 0) {
      mark_ok_sources(&w, SEL_WAITS_UPDATE);
      return fail(res, SEL_WAITING_UPDATE);
    }
    sel = best;
    for (int i = 0; i < n; i++) {
      src[i].mem.score = 1.0;
      src[i].mem.distant = 0;
    }
  }
  finish(&w, sel, res);
  return sel;
}

size_t sel_result_text(const struct sel_result *r, char *buf, size_t size)
{
  const char *trusted = r->trusted ? "trusted " : "";
  int n = 0;
  switch (r->reason) {
  case SEL_NO_SOURCES:
    n = snprintf(buf, size, "Can't synchronise: no sources");
    break;
  case SEL_NO_SELECTABLE:
    n = r->no_endpoints ? snprintf(buf, size, "Can't synchronise: no selectable sources "
                                   "(%d unreachable sources)", r->n_unreachable)
                        : snprintf(buf, size, "Can't synchronise: no selectable sources");
    break;
  case SEL_NO_MAJORITY:
    n = r->n_agree < 2 ? snprintf(buf, size, "Can't synchronise: no majority (no agreement "
                                  "among %d %ssources)", r->n_candidates, trusted)
                       : snprintf(buf, size, "Can't synchronise: no majority (only %d of %d "
                                  "%ssources agree)", r->n_agree, r->n_candidates, trusted);
    break;
  case SEL_NO_REQUIRED:
    n = snprintf(buf, size, "Can't synchronise: no required source in selectable sources");
    break;
  case SEL_TOO_FEW:
    n = snprintf(buf, size, "Can't synchronise: not enough selectable sources");
    break;
  case SEL_OK:
  case SEL_WAITING_STATS:
  case SEL_WAITING_UPDATE:
    break;
  }
  return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

char sel_state_char(enum sel_status status)
{
  switch (status) {
  case SEL_SELECTED:
    return '*';
  case SEL_COMBINED:
    return '+';
  case SEL_FALSETICKER:
    return 'x';
  case SEL_JITTERY:
    return '~';
  case SEL_WAITS_SOURCES:
  case SEL_NONPREFERRED:
  case SEL_WAITS_UPDATE:
  case SEL_DISTANT:
    return '-';
  default:
    return '?';
  }
}

char sel_status_char(enum sel_status status)
{
  static const char chars[] = "NMsrd~wSOTxWPUD+*";
  _Static_assert(sizeof(chars) - 1 == SEL_SELECTED + 1, "one char per status");
  return (unsigned)status <= SEL_SELECTED ? chars[status] : '?';
}
