/* srcstats: per-source sample statistics (chrony's sourcestats).
 *
 * Keeps up to SST_MAX_SAMPLES measurements of one source and fits a weighted
 * line, offset against local time, by least squares. Weights come from each
 * sample's peer distance (delay/2 + dispersion). A runs test on the residuals
 * drops old samples until they look random (the clock's frequency changed, or
 * an outlier burst bent the line); up to as many dropped samples again stay
 * behind to extend later runs tests. Offsets are corrected for an asymmetry of
 * the network jitter (estimated, fixed or off) before the fit.
 *
 * Sign convention, everywhere in this API: an offset is server minus local
 * (> 0 when the local clock is behind), and a frequency is the slope of that
 * offset against local time, in s/s (> 0 when the local clock runs slow).
 * chrony's sourcestats, its reports and its control protocol use the opposite
 * sign for both; negate at that boundary.
 *
 * The caller calls sst_regress() after each sst_add(), and sst_slew_samples()
 * whenever the local clock is adjusted. Pure: no OS calls, no allocation. */
#ifndef STRATUM_CORE_SRCSTATS_H
#define STRATUM_CORE_SRCSTATS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define SST_MAX_SAMPLES 64
/* The runs test may look at up to this many times the samples in the fit. */
#define SST_RUNS_RATIO 2
#define SST_RING_SIZE (SST_MAX_SAMPLES * SST_RUNS_RATIO)

/* chrony's defaults: minsamples 6, maxsamples 0 (no limit but 64), the
 * server asymmetry option 1.0 (estimate it). */
#define SST_DEFAULT_MIN_SAMPLES 6
#define SST_DEFAULT_MAX_SAMPLES 0
#define SST_DEFAULT_ASYMMETRY 1.0
/* Until the caller sets the measured precision of reading its clock. */
#define SST_DEFAULT_PRECISION 1e-8

/* sst_add() accepts times with |tv_sec| <= 2^53 and values with magnitude
 * <= SST_MAX_VALUE seconds, so no later computation can overflow. */
#define SST_MAX_VALUE 1e10

struct sst_sample {
  struct timespec time;     /* local clock time of the measurement */
  double offset;            /* server minus local, seconds */
  double peer_delay, peer_dispersion;
  double root_delay, root_dispersion;
  int stratum;
  uint8_t leap;
};

/* One stored sample (private). */
struct sst_entry {
  struct timespec time;
  double offset;            /* adjusted by every slew */
  double orig_offset;       /* as measured */
  double peer_delay, peer_dispersion, root_delay, root_dispersion;
};

struct sst {
  /* Configuration: sst_init() sets it, the caller may change the last four
   * before adding samples. */
  int min_samples, max_samples;  /* 1 <= min <= max <= SST_MAX_SAMPLES */
  double min_delay;         /* chrony's mindelay option; 0: none */
  double fixed_asymmetry;   /* chrony's asymmetry option: 0 off, |a| <= 0.5
                               fixed, larger (default) estimated. -0.5: all
                               the delay jitter is on the path to the source,
                               +0.5: on the path back */
  double precision;         /* of reading the local clock, seconds (> 0) */
  double max_jitter;        /* chrony's maxjitter (the selection's, set by
                               the caller; 0 until then), reported as the std
                               dev when maxsamples < 3 makes the source
                               selectable */

  /* Everything below is private: use the functions. */
  struct sst_entry ring[SST_RING_SIZE];
  int n;                    /* samples in the fit, newest last */
  int runs_extra;           /* older samples kept only for the runs test */
  int last;                 /* ring index of the newest sample */
  int min_delay_idx;        /* ring index of the smallest peer delay */
  int best;                 /* logical index of the best single sample */
  int stratum;              /* of the newest sample */
  uint8_t leap;
  bool regression_ok;
  int n_runs;
  struct timespec offset_time;  /* time of the estimate (newest sample) */
  double offset, offset_sd;
  double frequency, frequency_sd, skew, std_dev;
  double asymmetry;         /* in chrony's sense; see struct sst_report */
  int asymmetry_run;
};

/* Offset range and distance for source selection (chrony's
 * SST_GetSelectionData). The offset is the best single sample's (smallest
 * root distance), moved along the frequency to now. */
struct sst_selection {
  double offset;            /* at now */
  double lo_limit, hi_limit;    /* offset -+ root_distance */
  double root_distance;     /* root_delay/2 + root_dispersion of the best
                               sample + skew * |now - its time| */
  double std_dev;
  double first_sample_ago, last_sample_ago;   /* now minus sample times */
  int stratum;              /* of the newest sample */
  uint8_t leap;
  bool select_ok;           /* the regression succeeded (>= 3 samples), or
                               maxsamples < 3 and that many are held */
};

/* What the reference update needs (chrony's SST_GetTrackingData). */
struct sst_tracking {
  struct timespec ref_time; /* time of the estimate: the newest sample */
  double offset;            /* at ref_time */
  double offset_now;        /* offset + frequency * (now - ref_time) */
  double offset_sd;         /* standard error of offset */
  double frequency;
  double frequency_sd;      /* standard error of frequency */
  double skew;              /* 99.95% bound on the frequency error */
  double std_dev;           /* of the samples about the line */
  double root_delay;        /* of the best single sample */
  double root_dispersion;   /* its root dispersion + skew * (ref_time - its
                               time) + offset_sd, as chrony, at ref_time */
};

/* For chrony's maxdelaydevratio test (SST_GetDelayTestData). */
struct sst_delay_test {
  double last_sample_ago;   /* sample_time - ref_time */
  double predicted_offset;  /* at sample_time */
  double min_delay;
  double skew, std_dev;
};

/* chronyc sourcestats, and the last-sample columns of chronyc sources. In
 * this API's sign: chronyc shows -offset and -frequency. */
struct sst_report {
  int n_samples, n_runs;
  double span;              /* seconds from the oldest to the newest sample */
  double offset;            /* estimate at now */
  double offset_err;        /* offset_sd + skew * age of the best sample +
                               its root_delay/2 + root_dispersion */
  double frequency, skew, std_dev;   /* s/s (chronyc shows ppm) */
  double asymmetry;         /* in use, as fixed_asymmetry (chronyc ntpdata
                               shows it as is); 0 while not estimated */
  /* Newest sample; last_ago is -1 when there are no samples. */
  double last_offset, last_orig_offset, last_err, last_ago;
};

/* min/max_samples as chrony's minsamples/maxsamples: max <= 0 means 64. */
void sst_init(struct sst *s, int min_samples, int max_samples);
/* Forget every sample and estimate; the configuration stays. */
void sst_reset(struct sst *s);
/* Store a sample, dropping the oldest when max_samples are held. A sample
 * not newer than the newest one discards the history first (as chrony).
 * Returns false, changing nothing, for a non-finite or out-of-range value,
 * negative delay or dispersion, or an invalid time. */
bool sst_add(struct sst *s, const struct sst_sample *sample);
/* Fit the samples; may drop old samples (the runs test). */
void sst_regress(struct sst *s);
int sst_samples(const struct sst *s);
int sst_runs(const struct sst *s);

/* Both return false when there are no samples (out is then untouched). */
bool sst_get_selection_data(const struct sst *s, const struct timespec *now,
                            struct sst_selection *out);
bool sst_get_tracking_data(const struct sst *s, const struct timespec *now,
                           struct sst_tracking *out);
bool sst_get_delay_test_data(const struct sst *s, const struct timespec *sample_time,
                             struct sst_delay_test *out);
void sst_get_report(const struct sst *s, const struct timespec *now, struct sst_report *out);

/* The local clock's frequency was changed at `when` by dfreq (its rate is
 * now 1 + dfreq times the old one: > 0 runs faster) and doffset seconds were
 * added to it. Sample times and offsets, and the estimates, are re-expressed
 * in the new clock: a sample at t moves by delta = doffset - dfreq * (when -
 * t), its offset by -delta. Returns false, changing nothing, for non-finite
 * input, |dfreq| >= 1, |doffset| > SST_MAX_VALUE or an invalid `when`. */
bool sst_slew_samples(struct sst *s, const struct timespec *when, double dfreq, double doffset);
/* The source's time moved by doffset (its own offset corrections, seen
 * through chronyd's F323 field): every sample's offset and the estimate
 * move with it (chronyd's SST_CorrectOffset). */
void sst_correct_offset(struct sst *s, double doffset);
/* Add to every sample's peer and root dispersion (after an unknown step). */
bool sst_add_dispersion(struct sst *s, double dispersion);

/* The offset expected at `when`: the line, or with fewer than 3 samples the
 * newest sample's offset (0 without samples). */
double sst_predict_offset(const struct sst *s, const struct timespec *when);
/* min_delay if configured, else the smallest stored peer delay (DBL_MAX
 * without samples). */
double sst_min_delay(const struct sst *s);
/* frequency -+ skew, or -+2000 ppm while the skew is larger than that. */
void sst_get_frequency_range(const struct sst *s, double *lo, double *hi);

/* chrony's poll adjustment for one new sample (ntp_core's get_poll_adj),
 * called after sst_add() and sst_regress(): error_in_estimate is |sample
 * offset - sst_predict_offset()| taken before sst_add(), peer_distance the
 * sample's peer_dispersion + peer_delay/2. If the error exceeds the distance
 * the result is -log2(error/distance), else it steers sst_samples() towards
 * poll_target (chrony's polltarget, default 8): (n/target - 1)/target,
 * doubled when n < target. The caller adds it to its poll score. Always
 * finite. */
double sst_poll_adjust(const struct sst *s, double error_in_estimate, double peer_distance,
                       int poll_target);

/* chrony's regress.c helpers, shared with core/hwclock.c: the median of
 * n (1..SST_MAX_SAMPLES) values; the runs of residuals of the same sign (a
 * zero residual starts a new run); whether n (0..SST_RING_SIZE) residuals
 * pass the runs test (more runs than chrony's critical number). */
double sst_median(const double *v, int n);
int sst_count_runs(const double *resid, int n);
bool sst_runs_pass(const double *resid, int n);

/* Dumps (chrony's dumpdir): a source's history exported and imported back,
 * e.g. across a restart of the daemon. Times and offsets are as stored (on
 * the caller's time scale, adjusted by every slew so far). */
struct sst_dump_sample {
  struct timespec time;
  double offset, orig_offset;
  double peer_delay, peer_dispersion, root_delay, root_dispersion;
};

struct sst_dump {
  int n;                    /* 0..SST_MAX_SAMPLES, oldest first */
  int stratum;              /* of the newest sample, 0..15 */
  uint8_t leap;             /* of the newest sample, 0..3 */
  double asymmetry;         /* the estimate, |a| <= 0.5 */
  int asymmetry_run;        /* |run| <= 1000 */
  struct sst_dump_sample samples[SST_MAX_SAMPLES];
};

/* The samples in the fit (the runs test's extra samples are not kept). */
void sst_export(const struct sst *s, struct sst_dump *out);
/* Whether sst_import would accept d: counts and ranges as above, every
 * sample valid as for sst_add, times strictly increasing. */
bool sst_dump_valid(const struct sst_dump *d);
/* Replace the history with d's samples (the newest max_samples of them)
 * and fit them. Returns false, changing nothing, if !sst_dump_valid(d). */
bool sst_import(struct sst *s, const struct sst_dump *d);

#endif
