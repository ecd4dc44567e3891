/* select: source selection and combining (chrony's SRC_SelectSource).
 *
 * sel_select() takes every configured source with its current statistics,
 * decides which sources are truechimers (Marzullo intersection of the
 * correctness intervals [offset - distance, offset + distance], a majority
 * required, `trust` sources first), picks the system peer by root distance
 * weighted by stratum with chrony's reselection score, and combines the
 * offsets and frequencies of the sources close enough to it.
 *
 * Contract:
 *  - pure: no OS calls, no globals, no allocation; n <= SEL_MAX_SOURCES;
 *  - every number of a source is estimated for the same instant (now),
 *    offsets and their errors extrapolated along the frequency;
 *    a source with a non-finite or absurd number is unusable (SEL_BAD_STATS),
 *    never selected, never combined; all outputs are finite;
 *  - the caller keeps the sources' `mem` and the selected index between calls
 *    (zeroed `mem` is the reset state; keep it with its source when the array
 *    is reordered, zero it when the source is reset);
 *  - the reason tells what to log (sel_result_text, chrony's messages);
 *    when res.update_reference is true, the result's offset, frequency etc.
 *    are to be applied to the reference (chrony's REF_SetReference). */
#ifndef STRATUM_CORE_SELECT_H
#define STRATUM_CORE_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/ntp_packet.h"

#define SEL_MAX_SOURCES 256
#define SEL_REACH_BITS 8       /* size of the reachability register */
#define SEL_DEFAULT_MAX_UNREACH 100000   /* maxunreach: polls a source may stay
                                            selectable while unreachable */

/* Per-source status, chrony's `selectdata` states (the char in comments). */
enum sel_status {
  SEL_NOSELECT,         /* N: noselect option */
  SEL_BAD_STATS,        /* M: too few samples (or unusable numbers) */
  SEL_UNSYNCHRONISED,   /* s: source says it is unsynchronised (leap 3) */
  SEL_BAD_STRATUM,      /* r: stratum outside minstratum..maxstratum */
  SEL_BAD_DISTANCE,     /* d: root distance > maxdistance */
  SEL_JITTERY,          /* ~: std dev > maxjitter */
  SEL_WAITS_STATS,      /* w: others still lack samples, selection postponed */
  SEL_STALE,            /* S: unreachable and older samples than others */
  SEL_ORPHAN,           /* O: stratum >= orphan stratum */
  SEL_UNTRUSTED,        /* T: agrees, but not with the trusted sources */
  SEL_FALSETICKER,      /* x: not in the majority interval */
  SEL_WAITS_SOURCES,    /* W: not enough sources / no required source */
  SEL_NONPREFERRED,     /* P: other truechimers have the prefer option */
  SEL_WAITS_UPDATE,     /* U: best source has no new sample yet */
  SEL_DISTANT,          /* D: truechimer too far to be combined */
  SEL_COMBINED,         /* +: combined with the selected source */
  SEL_SELECTED,         /* *: the system peer */
};

enum sel_reason {
  SEL_OK,               /* a source is selected */
  SEL_NO_SOURCES,       /* n == 0 */
  SEL_NO_SELECTABLE,    /* no source passed the per-source checks */
  SEL_WAITING_STATS,    /* transient: waiting for others' first samples */
  SEL_NO_MAJORITY,      /* no interval agreed by more than half */
  SEL_NO_REQUIRED,      /* require sources exist, none is a truechimer */
  SEL_TOO_FEW,          /* fewer truechimers than min_sources */
  SEL_WAITING_UPDATE,   /* transient: best source has no new sample */
};

/* authselectmode: the options authenticated and unauthenticated NTP
 * sources are selected with (sel_apply_auth_mode). */
enum sel_auth_mode { SEL_AUTH_REQUIRE, SEL_AUTH_PREFER, SEL_AUTH_MIX, SEL_AUTH_IGNORE };

struct sel_params {
  int min_sources;        /* minsources (1) */
  int min_stratum;        /* minstratum (0): a source's stratum below... */
  int max_stratum;        /* maxstratum (15): ...or above is not selectable */
  double max_distance;    /* maxdistance (3.0 s) */
  double max_jitter;      /* maxjitter (1.0 s) */
  double combine_limit;   /* combinelimit (3.0) */
  double stratum_weight;  /* stratumweight (0.001 s) */
  double reselect_dist;   /* reselectdist (0.0001 s) */
  double max_clock_error; /* maxclockerror (1 ppm = 1e-6) */
  int orphan_stratum;     /* `local orphan` stratum, else NTP_MAX_STRATUM */
};

/* Owned by sel_select, carried between calls by the caller. */
struct sel_memory {
  double score;   /* reselection score against the selected source */
  int distant;    /* reference updates left before it may be combined */
  int updates;    /* new samples since the last reference update */
};

struct sel_source {
  /* options (effective, i.e. after authselectmode) */
  bool noselect, prefer, trust, require;
  bool refclock;            /* reference clock: no reselectdist, never orphan */
  bool authenticated;       /* an NTP source with a key (sel_apply_auth_mode) */
  uint32_t ref_id;          /* for orphan mode: the source's reference ID */
  uint32_t local_ref_id;    /* for orphan mode: our refid towards it, 0 unknown */
  uint8_t reach;            /* reachability register, newest poll in bit 0 */
  int unreachable_run;      /* polls in a row with reach 0... */
  int max_unreach;          /* ...after more than this (maxunreach) it is stale */
  int reach_size;           /* polls shifted into reach so far, 0..8 */

  bool has_stats;           /* enough samples for the regression */
  int leap;                 /* enum ntp_leap of its last sample */
  int stratum;              /* its stratum (the reference's is this + 1) */
  double offset;            /* server - local (s), > 0: local clock behind;
                               the interval's centre (chrony's selection data:
                               the best sample, moved along the frequency) */
  double track_offset;      /* the regression's offset estimate (chrony's
                               tracking data), the one combined and applied */
  double offset_sd;         /* standard error of track_offset (s) */
  double root_distance;     /* lambda: root_delay/2 + root_dispersion + aging (s) */
  double std_dev;           /* jitter of the samples (s) */
  double frequency;         /* frequency estimate (same convention for all) */
  double frequency_sd;      /* its standard error */
  double skew;              /* its error bound */
  double root_delay, root_dispersion; /* of the source, for the reference */
  double first_sample_ago;  /* age of its oldest sample in the regression (s) */
  double last_sample_ago;   /* age of its newest sample (s) */

  struct sel_memory mem;    /* in/out */
  enum sel_status status;   /* out */
  double lo, hi;            /* out: its interval, offset -/+ distance as
                               judged (widened for old samples; 0 with
                               noselect or unusable numbers) */
};

struct sel_result {
  enum sel_reason reason;
  int selected;             /* index of the system peer, -1 none */
  bool update_reference;    /* the selected source has a new sample: apply */
  int combined;             /* sources averaged into offset (>= 1 on update) */
  double offset, offset_sd, frequency, frequency_sd, skew;
  double root_delay, root_dispersion; /* of the selected source */
  int stratum;              /* of the selected source */
  enum ntp_leap leap;       /* majority of the voting truechimers */
  int n_unreachable;        /* selectable-by-option sources with reach == 0 */
  int n_candidates;         /* sources that entered the intersection */
  int n_agree;              /* depth of the best interval */
  bool no_endpoints;        /* SEL_NO_SELECTABLE before the intersection */
  /* Past the wait for others' first samples, a source that passed the
   * per-source checks or lacks samples has a full reachability register
   * (chronyd's cue to log one failure before the first selection). */
  bool reach_full;
  bool trusted;             /* n_candidates and n_agree count trusted sources */
  bool orphan_refid_unknown; /* an orphan to consider, our address towards it
                               unknown (chronyd: "Unknown local refid in
                               orphan mode") */
};

void sel_params_default(struct sel_params *p);

/* chrony's authselectmode: src[i]'s options, as configured, become the
 * effective ones. A noselect source keeps its options and is not counted.
 * require: unauthenticated NTP sources get noselect; prefer: the same when
 * at least one NTP source is authenticated; mix (chrony's default): when
 * there are both kinds, the authenticated sources and reference clocks get
 * require and trust; ignore: nothing changes. */
void sel_apply_auth_mode(enum sel_auth_mode mode, struct sel_source *src, int n);

/* Select among src[0..n-1]. prev is the index selected by the previous call
 * (-1 none, or to force a reselection); updated is the index of the source
 * whose new sample triggered this call (-1 none). Fills every src[i].status
 * and *res; returns res->selected. */
int sel_select(const struct sel_params *p, struct sel_source *src, int n, int prev,
               int updated, struct sel_result *res);

/* chronyd's log line for a failed selection ("Can't synchronise: ...",
 * with its counts) into buf; 0 for SEL_OK and the transient reasons,
 * which chronyd does not log. */
size_t sel_result_text(const struct sel_result *r, char *buf, size_t size);
/* The state column of `chronyc sources`: * + - x ~ ? */
char sel_state_char(enum sel_status status);
/* The state column of `chronyc selectdata`: N M s r d ~ w S O T x W P U D + * */
char sel_status_char(enum sel_status status);

#endif
