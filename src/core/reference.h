/* reference: our reference, as chrony's reference.c keeps it — what the
 * daemon serves, and how the clock follows the selected sources.
 *
 * The served state (struct refstate) is a plain value the daemon owns, so
 * the NTP server and its workers can read it (and copy it). Until the
 * client synchronises the clock, it is either unsynchronised (leap 3) or,
 * with `local stratum N`, the local reference as chrony serves it: stratum
 * N, refid 127.127.1.1, leap 0, reference time one second ago, root delay
 * and dispersion 0; with `local distance`, also while synchronised with a
 * root distance above it. ref_fill_header() puts it into every packet we
 * send, a server's reply or a peer's packet.
 *
 * The reference update (struct reference, the client's) is chrony's
 * REF_SetReference, simplified: each update from the selection steps or
 * slews the clock through the discipline (makestep, maxchange, logchange),
 * weighs the new frequency estimate against the old one by their skews
 * (maxupdateskew), and sets the served state (stratum, refid, root delay
 * and dispersion, growing at a rate from the skew). It keeps what chronyc
 * tracking reports and the drift file stores. */
#ifndef STRATUM_CORE_REFERENCE_H
#define STRATUM_CORE_REFERENCE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/addr.h"
#include "core/discipline.h"
#include "core/fbdrift.h"
#include "core/platform.h"
#include "core/select.h"
#include "core/smooth.h"
#include "proto/ntp_ext.h"
#include "proto/ntp_packet.h"

#define REFID_UNSYNC 0u

/* The `local` directive (conf's local_*). */
struct ref_local {
  bool enabled;
  int stratum;
  bool orphan;
  double distance, activate, wait_synced, wait_unsynced;
};

#define REF_LOCAL_UPDATE_INTERVAL 64     /* s, chronyd's LOCAL_REF_UPDATE_INTERVAL */

struct refstate {
  bool synchronised;
  uint8_t leap;                /* enum ntp_leap */
  int stratum;
  uint32_t refid;
  struct timespec ref_time;
  double root_delay, root_dispersion;
  double dispersion_rate;      /* growth of root dispersion after ref_time, s/s */
  int precision_log2;          /* of reading the clock */
  /* `local` (chrony's local reference): served while unsynchronised, or
   * while our root distance exceeds `distance`, once the distance has been
   * below `activate` (0: at once, latched in local_activate_ok) and we have
   * been synchronised wait_synced seconds since the last update, or
   * unsynchronised wait_unsynced seconds since unsync_since. The latch is
   * set by the reference's updates (chronyd sets it when asked, which it
   * is at every poll; the distance is smallest at an update). */
  struct ref_local local;
  bool local_activate_ok;
  struct timespec unsync_since;   /* in the time of ref_get_params' now */
  uint64_t local_key;             /* the owner's random number: the local
                                   * reference time's fuzz */
  uint32_t mono_epoch_base;       /* F323's epoch ids start here (the
                                   * owner's random number, as chronyd's) */
  /* smoothtime: the offset served to NTP clients; with leapsecmode slew
   * the leap bits are not served while it is on (chrony's leap smear). */
  struct smooth smooth;
  bool leap_slew;
  /* The clock's correction still to slew: smoothed replies serve cooked
   * time, as chronyd's server does. */
  struct disc_cooking cooking;
};

/* The parameters a packet we send carries at `now`. */
struct ref_params {
  bool synchronised;           /* false when unsynchronised or serving local */
  uint8_t leap;
  uint8_t stratum;             /* wire value: 0 when unsynchronised */
  int8_t precision;
  uint32_t refid;
  struct timespec ref_time;    /* zero when unsynchronised */
  double root_delay, root_dispersion;
};

void ref_state_init(struct refstate *r, int precision_log2);
/* The precision exponent of a clock read to within `quantum` seconds
 * (clockprecision), as chronyd: quantum limited to 1e-9..1 s, log2 rounded. */
int ref_precision_log2(double quantum);
/* `local`, from `now` on (the start of unsynchronised time, as chronyd's
 * start; a change at run time keeps it). */
void ref_set_local(struct refstate *r, const struct ref_local *local, const struct timespec *now);
/* chronyd's REF_GetOrphanStratum: the local stratum with `local orphan`,
 * else NTP_MAX_STRATUM (sources of this stratum or above are orphans). */
int ref_orphan_stratum(const struct ref_local *local);
/* smoothtime MAX-FREQ MAX-WANDER [leaponly] (ppm, ppm/s; 0: off). */
void ref_set_smoothing(struct refstate *r, double max_freq_ppm, double max_wander_ppm,
                       bool leap_only);
void ref_get_params(const struct refstate *r, const struct timespec *now, struct ref_params *out);
/* The reference fields of a packet we send at `now` (h zeroed before):
 * leap, stratum, precision, refid, reference time, root delay and
 * dispersion. */
void ref_fill_header(const struct refstate *r, const struct timespec *now, struct ntp_header *h);
/* The F323 field (proto/ntp_ext.h) of a packet we send at `now`, as a
 * server's reply or a peer's packet: our root delay and dispersion, the
 * receive time of the packet answered on our monotonic scale (rx plus
 * rx_correction is its cooked time; rx NULL: none, zero) and its epoch. */
void ref_mono_root(const struct refstate *r, const struct timespec *now,
                   const struct timespec *rx, double rx_correction, struct ntpext_mono_root *m);
/* chronyd's is_leap_second_day (reference.c): a leap second is accepted
 * only on the last day of June or December, UTC; an announcement on any
 * other day is taken as no leap. */
bool ref_leap_day(time_t utc);

/* leapsecmode (chrony's), in the order of conf's enum: how a leap second
 * is applied to the clock. */
enum ref_leapmode { REF_LEAP_SYSTEM, REF_LEAP_SLEW, REF_LEAP_STEP, REF_LEAP_IGNORE };

/* The leap second database (leapsectz or leapseclist): a leap second at
 * the end of the UTC day of `when`, and TAI-UTC during it (0: unknown). */
typedef enum ntp_leap (*ref_leap_lookup_fn)(void *arg, time_t when, int *tai);

/* A reference update (chrony's `log tracking`), in this core's signs
 * (offsets server minus local, frequencies > 0 when the clock is made
 * faster; core/logfmt.h converts). */
struct ref_log {
  struct timespec time;
  struct ip_addr addr;           /* the selected source (ADDR_UNSPEC: a refclock) */
  uint32_t refid;                /* ours */
  int stratum;                   /* ours */
  double freq_ppm, skew_ppm;     /* the frequency correction (> 0: clock made faster) */
  double offset;                 /* server minus local, of this update */
  uint8_t leap;
  int combined;
  double offset_sd;
  double remaining;              /* correction still to slew before it (> 0: to advance) */
  double root_delay, root_dispersion;
  double max_error;
};

/* The settings of the updates (chrony's directives; see client_params). */
struct ref_config {
  bool control;                  /* adjust the clock (false: -x) */
  double makestep_threshold;     /* step if |offset| above this... */
  int makestep_limit;            /* ...in the first N updates (-1: always; 0: never) */
  double logchange;              /* warn of an update correcting more than this */
  double mailonchange;           /* tell mail_change of one correcting more than this */
  int fallbackdrift_min, fallbackdrift_max;
  void (*mail_change)(void *arg, double correction);
  void *mail_change_arg;
  double maxupdateskew;          /* ppm */
  double corrtimeratio;
  double max_clock_error;        /* maxclockerror, s/s: how fast our dispersion grows */
  bool have_initial_freq;        /* the frequency is an estimate (drift file)... */
  double initial_skew;           /* ...with this error bound, ppm */
  /* maxchange OFFSET START IGNORE (START < 0: no limit); give_up(give_up_arg)
   * when it gives up (NULL: not told). */
  double maxchange_offset;
  int maxchange_start;
  int maxchange_ignore;
  void (*give_up)(void *arg);
  void *give_up_arg;
  /* Each update, for `log tracking` (NULL: none). */
  void (*log)(void *arg, const struct ref_log *l);
  void *log_arg;
  /* leapsecmode; system needs clock control and the platform's
   * clock_set_leap, else it is step (as chronyd without a kernel leap). */
  enum ref_leapmode leapmode;
  ref_leap_lookup_fn leap_lookup;   /* NULL: no database */
  void *leap_arg;
};

struct reference {
  const struct platform *plat;
  struct discipline *disc;      /* the clock the updates correct */
  struct refstate *state;       /* what they set */
  struct ref_config p;
  unsigned n_updates;
  struct timespec last_update;
  double skew;                  /* of our frequency, s/s */
  bool have_freq;               /* the frequency is an estimate (drift file or updates) */
  int maxchange_ignored;        /* offsets ignored by maxchange so far */
  double residual_freq;         /* s/s */
  double last_offset;           /* of the last update */
  double avg2_offset;           /* moving average of squared update offsets */
  bool avg2_moving;             /* (the last square until offsets grow) */
  double last_interval;         /* between the last two updates, s */
  double last_offset_sd;        /* of the last update's selection */
  int adjustments;              /* ref_adjust calls since the last update */
  struct timespec last_adjustment;  /* cooked; 0: none yet */
  /* Leap seconds (chrony's reference.c): the mode in effect, the status
   * served when synchronised, the second to insert (1) or delete (-1) at
   * the end of today, TAI-UTC, the midnight of that leap (0: none yet),
   * and the timer that starts and ends it. */
  enum ref_leapmode leapmode;
  uint8_t leap_status;
  int leap_sec;
  int tai_offset;
  int64_t leap_when;
  double leap_start_at;         /* raw time (Unix s) the leap's timer aims at */
  bool leap_in_progress;
  plat_timer leap_timer;
  /* The database's answer, asked at most twice a day (chronyd's). */
  int64_t ldb_asked;            /* the half day asked about; -1: never */
  enum ntp_leap ldb_leap;
  int ldb_tai;
  struct fbdrift fbd;           /* fallbackdrift, and the timer of its next level */
  plat_timer fbd_timer;
};

/* disc and state must outlive r. */
void ref_init(struct reference *r, const struct platform *plat, struct discipline *disc,
              struct refstate *state, const struct ref_config *cfg);
/* Cancels the leap second timer. */
void ref_fini(struct reference *r);
/* The selection's result (a source selected, with a new sample) from the
 * source at `source` (ADDR_UNSPEC: a reference clock) whose reference ID
 * we take, at cooked time now. */
void ref_update(struct reference *r, const struct sel_result *sel, const struct ip_addr *source,
                uint32_t refid, const struct timespec *now);
/* A local reference clock's estimate moved by offset and dfreq since its
 * previous one (chronyd's REF_AdjustReference): the clock follows at once,
 * slewed at the faster of the rate for that offset over the time since the
 * last adjustment and the last update's rate shared among the adjustments
 * since, told to no source (disc_adjust_quietly). */
void ref_adjust(struct reference *r, double offset, double dfreq, const struct timespec *now);
/* initstepslew (chronyd's REF_ModeInitStepSlew): the selection's first
 * offset corrects the clock once, stepped if |offset| >= threshold, else
 * slewed; nothing else of the reference changes. Like chronyd -x, no step
 * without control of the clock ("Could not step system clock"). */
void ref_init_correction(struct reference *r, double offset, double threshold);
/* chronyc settime (chronyd's REF_SetManualReference): the clock corrected
 * by `offset` (true minus local, as ref_update's) and its frequency by
 * dfreq (s/s, > 0: made faster), stepped as makestep says, else slewed as
 * fast as the discipline may (a correction rate of 0: over 1 s, or at
 * maxslewrate); the frequency's skew becomes chronyd's nominal
 * REF_MANUAL_SKEW. A manual reference is no synchronisation: we serve
 * leap 3 after it (or the local reference), as chronyd; `log tracking`
 * shows it as refid MANU, stratum 1. */
#define REF_MANUAL_REFID 0x4D414E55u   /* "MANU" */
#define REF_MANUAL_SKEW 0.099999999    /* s/s: chronyd's, all nines in its logs */
void ref_manual_update(struct reference *r, const struct timespec *now, double offset,
                       double dfreq);
/* The sources disagree: we serve leap 3 until the next update. */
void ref_set_unsynchronised(struct reference *r);
/* Someone else stepped the clock by `jump` seconds: unsynchronised (as
 * chronyd after an unknown step), the last update's time moved with it. */
void ref_clock_jumped(struct reference *r, double jump);

/* chronyd's REF_IsLeapSecondClose: the clock (raw or cooked), the sample
 * time `ts` or ts + offset (NULL: not asked) is within 5 s of the leap
 * second's midnight; samples then are dropped. */
bool ref_leap_close(const struct reference *r, const struct timespec *ts, double offset);

/* chronyc tracking's numbers, beyond the served state. */
struct ref_tracking {
  double correction;             /* the clock's correction now, > 0: to advance: the
                                    offset still to slew, and without clock control
                                    what the virtual clock took too (chronyd -x's
                                    "System time") */
  double last_offset;            /* of the last update */
  double rms_offset;             /* long-term average of update offsets */
  double freq_ppm;               /* correction in use, > 0: clock made faster */
  double resid_freq_ppm;         /* of the selected source after the update */
  double skew_ppm;
  double last_update_interval;   /* s */
};
void ref_tracking(const struct reference *r, struct ref_tracking *t);
/* The frequency correction in use and its error bound (for the drift file). */
void ref_frequency(const struct reference *r, double *freq_ppm, double *skew_ppm);
bool ref_ever_synchronised(const struct reference *r);

/* chronyc doffset and dfreq (chronyd's LCL_AccumulateOffset(x, 0) and
 * LCL_AccumulateDeltaFrequency): `offset` (s, server minus local: > 0
 * moves the clock ahead) slewed as fast as the clock may, or the
 * frequency changed by `dfreq` (s/s, > 0 makes the clock faster) with the
 * correction under way going on (the frequency within maxdrift); the
 * sources' statistics and smoothing follow, as for an update. Neither
 * synchronises. */
void ref_accumulate_offset(struct reference *r, const struct timespec *now, double offset);
void ref_accumulate_dfreq(struct reference *r, const struct timespec *now, double dfreq);
/* Commands (chronyc's). Step the clock by the offset still to slew
 * instead of slewing it (makestep: the time itself does not move); false
 * if the clock is not under control or the step failed. */
bool ref_step_now(struct reference *r);
/* makestep THRESHOLD LIMIT, as the directive. */
void ref_set_makestep(struct reference *r, double threshold, int limit);
void ref_set_maxupdateskew(struct reference *r, double ppm);
/* A reload: the settings of cfg that may change at run time (makestep,
 * logchange, maxupdateskew, maxchange, the log hook) replace r's; the counts they apply to (updates made, offsets
 * ignored) go on. */
void ref_retune(struct reference *r, const struct ref_config *cfg);
/* chronyc smoothtime reset|activate: false if smoothing is off. */
bool ref_smoothing_reset(struct reference *r);
bool ref_smoothing_activate(struct reference *r);

#endif
