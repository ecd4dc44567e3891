/* Source selection on random source sets, over a few successive calls that
 * carry the selected index and the sources' memory: the selected source is
 * never a falseticker or otherwise unusable, every status is set, every
 * output (each source's interval too) is finite and the combined offset
 * lies among the combined ones. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/select.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PARAM_BYTES 4
#define SOURCE_BYTES 14
#define ROUNDS 4

/* A byte as a number: mostly scale * small integers, sometimes garbage. */
static double num(uint8_t b, double scale, bool is_signed)
{
  switch (b) {
  case 255:
    return NAN;
  case 254:
    return INFINITY;
  case 253:
    return -INFINITY;
  case 252:
    return 1e300;
  default:
    return scale * (is_signed ? (double)b - 126.0 : (double)b);
  }
}

static void decode_source(const uint8_t *d, struct sel_source *s)
{
  memset(s, 0, sizeof(*s));
  s->noselect = d[0] & 1;
  s->prefer = d[0] & 2;
  s->trust = d[0] & 4;
  s->require = d[0] & 8;
  s->refclock = d[0] & 16;
  s->has_stats = !(d[0] & 32);
  s->leap = (d[0] >> 6) & 3;
  s->stratum = d[1] % 20 == 19 ? -1 : d[1] % 20;
  s->reach = d[2];
  s->reach_size = d[3] % 10;
  s->ref_id = d[1];
  s->local_ref_id = d[3];
  s->offset = num(d[4], 0.01, true) + (double)d[5] * 1e-5;
  s->track_offset = s->offset + ((double)(d[5] & 15) - 7.0) * 1e-4;
  s->root_distance = num(d[6], 0.02, false);
  s->std_dev = num(d[7], 0.01, false);
  s->offset_sd = num(d[8], 1e-4, false);
  s->frequency = num(d[9], 1e-6, true);
  s->frequency_sd = num(d[10], 1e-8, false);
  s->skew = num(d[11], 1e-7, false);
  s->root_delay = s->root_distance;
  s->root_dispersion = num(d[12], 0.001, false);
  s->first_sample_ago = num(d[13], 8.0, false);
  s->last_sample_ago = num((uint8_t)(d[13] >> 2), 8.0, false);
}

static bool usable_for_selection(enum sel_status st)
{
  return st == SEL_SELECTED || st == SEL_COMBINED || st == SEL_DISTANT ||
         st == SEL_NONPREFERRED || st == SEL_WAITS_SOURCES || st == SEL_WAITS_UPDATE ||
         st == SEL_WAITS_STATS || st == SEL_FALSETICKER || st == SEL_UNTRUSTED;
}

static void check(const struct sel_params *p, const struct sel_source *src, int n,
                  const struct sel_result *r)
{
  int n_selected = 0, n_combined = 0;
  double lo = INFINITY, hi = -INFINITY;

  for (int i = 0; i < n; i++) {
    const struct sel_source *s = &src[i];
    if ((unsigned)s->status > SEL_SELECTED)
      abort();
    /* The interval the selection log shows: finite, 0 with noselect. */
    if (!isfinite(s->lo) || !isfinite(s->hi) ||
        (s->noselect && (s->lo != 0.0 || s->hi != 0.0)))
      abort();
    /* Anything past the per-source checks had sane numbers. */
    if (usable_for_selection(s->status) &&
        !(isfinite(s->offset) && s->root_distance <= p->max_distance && !s->noselect &&
          s->has_stats && s->leap != NTP_LEAP_UNSYNC))
      abort();
    if (s->status == SEL_SELECTED || s->status == SEL_COMBINED) {
      lo = fmin(lo, s->track_offset);
      hi = fmax(hi, s->track_offset);
    }
    n_selected += s->status == SEL_SELECTED;
    n_combined += s->status == SEL_COMBINED;
  }

  if (r->selected < 0) {
    if (n_selected != 0 || r->reason == SEL_OK || r->update_reference)
      abort();
    return;
  }
  if (r->selected >= n || src[r->selected].status != SEL_SELECTED || n_selected != 1 ||
      r->reason != SEL_OK)
    abort();
  if (!isfinite(r->root_delay) || !isfinite(r->root_dispersion) || r->stratum < 0)
    abort();
  if (!r->update_reference)
    return;
  if (r->combined != n_combined + 1)
    abort();
  if (!isfinite(r->offset) || !isfinite(r->offset_sd) || !isfinite(r->frequency) ||
      !isfinite(r->frequency_sd) || !isfinite(r->skew))
    abort();
  double tol = 1e-9 * fmax(1.0, fmax(fabs(lo), fabs(hi)));
  if (r->offset < lo - tol || r->offset > hi + tol)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct sel_source src[SEL_MAX_SOURCES];
  struct sel_params p;
  struct sel_result r;

  if (size < PARAM_BYTES)
    return 0;
  sel_params_default(&p);
  p.min_sources = 1 + data[0] % 4;
  p.combine_limit = data[1] % 8 * 0.5;
  p.reselect_dist = data[2] % 4 * 0.005;
  p.orphan_stratum = data[3] % 2 ? 5 : NTP_MAX_STRATUM;
  data += PARAM_BYTES;
  size -= PARAM_BYTES;

  int n = (int)(size / SOURCE_BYTES);
  if (n > SEL_MAX_SOURCES)
    n = SEL_MAX_SOURCES;
  for (int i = 0; i < n; i++)
    decode_source(data + (size_t)i * SOURCE_BYTES, &src[i]);

  int prev = -1;
  for (int round = 0; round < ROUNDS; round++) {
    int updated = n > 0 ? (round * 7 + data[0]) % (n + 1) - 1 : -1;
    for (int i = 0; i < n; i++)
      src[i].status = (enum sel_status)0x7f;    /* must be overwritten */
    prev = sel_select(&p, src, n, prev, updated, &r);
    check(&p, src, n, &r);
    /* Let the offsets move between calls, as new samples would. */
    for (int i = 0; i < n; i++) {
      src[i].offset += (double)((i + round) % 3 - 1) * 0.003;
      src[i].track_offset += (double)((i + round) % 3 - 1) * 0.003;
    }
  }
  return 0;
}
