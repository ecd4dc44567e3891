/* refclock: one reference clock as a source (chrony's refclock.c).
 *
 * A driver delivers samples (the reference's time against the system
 * clock) or pulses (only the fraction of a second is known). Each one,
 * checked for sanity and age, goes into the refclock's filter (up to
 * `filter` samples); every `poll` seconds the filter combines 60 % of them
 * around the median into one sample for the source's statistics, the
 * reachability register shifts (1 if any sample came in the period) and
 * the owner is told so that it selects. A pulse needs the seconds from
 * elsewhere: from the refclock named by `lock` (its newest sample, within
 * maxlockage pulses and 0.4 of a pulse interval), else from our own
 * reference while it is synchronised within half an interval.
 * A `local` refclock's pulses lock to its own samples; never selected
 * (unsynchronised), it makes the clock follow each change of its
 * estimate (the owner's `adjust`, chrony's follow_local).
 *
 * Drivers: SOCK (datagrams pushed by the platform); SHM, PPS and PHC
 * (read through the platform every 2^dpoll s: a segment parsed by
 * proto/refclock_msg.h, the newest pulse edge, readings of the PTP clock
 * against the system clock combined and tracked by core/hwclock.h; with
 * extpps, the PTP clock's timestamps of external pulses, pushed by the
 * platform, converted to the system clock through that tracking are
 * pulses, the readings only track). Bad input is counted per reason and logged once. */
#ifndef STRATUM_CORE_REFCLOCK_H
#define STRATUM_CORE_REFCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/discipline.h"
#include "core/hwclock.h"
#include "core/platform.h"
#include "core/reference.h"
#include "core/samplefilt.h"
#include "core/srcstats.h"
#include "proto/refclock_msg.h"

#define RCL_MAX_REFCLOCKS 16

struct rcl_params {
  enum plat_refclock_driver driver;
  char param[256];               /* the driver's parameter, without its :options */
  int option;                    /* SHM: the segment's mode (perm=, 0600); PPS,
                                    PHC: PLAT_PPS_CLEAR, PLAT_PHC_NOCROSSTS,
                                    PLAT_PHC_EXTPPS */
  int pin, channel;              /* PHC extpps: 0, 0 */
  bool extts_falling;            /* PHC extpps: the clear (falling) edge */
  uint32_t refid;                /* 0: the driver's name and index, as chrony */
  uint32_t lock_refid;           /* 0: none */
  int poll, dpoll;               /* 4, 0 */
  int filter;                    /* 64 */
  int rate;                      /* pulses per second, 1 */
  int maxlockage;                /* 2 */
  int stratum;                   /* 0 */
  int minsamples, maxsamples;    /* -1: the statistics' defaults */
  int maxunreach;                /* polls it may stay selectable unreachable (100000) */
  double offset;                 /* added to every sample, 0 */
  double delay;                  /* 1e-9 */
  double precision;              /* 0: the system clock's */
  double maxdispersion;          /* 0: no limit */
  double width;                  /* pulse width, 0: not checked */
  bool pps;                      /* every sample is a pulse */
  bool tai;                      /* the reference keeps TAI: its samples are
                                    made UTC with the leap second table */
  bool local;                    /* a stable clock the system clock follows,
                                    never selected (chrony's local option) */
  bool noselect, prefer, trust, require;
};

enum rcl_counter {
  RCL_SAMPLES,                   /* taken into the filter */
  RCL_BAD_MESSAGE,               /* SOCK/SHM bytes rejected by the parser */
  RCL_BAD_SAMPLE,                /* insane offset, time, or bad leap */
  RCL_BAD_PULSE,                 /* no seconds to lock to, or too far off */
  RCL_READ_ERRORS,               /* the device could not be read */
  RCL_COUNTERS
};

/* One line of chrony's refclocks.log: a sample or pulse taken into the
 * filter (raw offset: as the driver measured it, reference minus system
 * time) or, `filtered`, the one sample a poll made of them. */
struct rcl_log_sample {
  struct timespec time;          /* cooked */
  uint32_t refid;
  int driver_polled;             /* samples (SOCK) or reads (SHM) this poll */
  uint8_t leap;
  bool filtered, pulse;
  double raw_offset, cooked_offset, dispersion;
};
typedef void (*rcl_log_fn)(void *arg, const struct rcl_log_sample *s);

struct rcl;
/* A filtered sample went to the statistics (new_sample) or a poll period
 * ended with the reachability register empty: the owner selects. */
typedef void (*rcl_update_fn)(void *arg, struct rcl *r, bool new_sample);

struct rcl {
  struct rcl_params p;
  const struct platform *plat;
  const struct discipline *disc;
  const struct refstate *ref;    /* our reference, for pulses without a lock */
  rcl_update_fn on_update;
  void *arg;
  rcl_log_fn log;                /* NULL: no refclocks.log */
  void *log_arg;
  /* local: the clock made to follow the refclock's estimate (it moved by
   * offset and dfreq); NULL: it is not. */
  void (*adjust)(void *arg, double offset, double dfreq, const struct timespec *now);
  void *adjust_arg;
  ref_leap_lookup_fn leap_lookup;  /* TAI-UTC for `tai` (NULL: no table) */
  void *leap_arg;
  struct rcl *lock;              /* the refclock giving pulses their seconds */
  int device;                    /* the platform's handle, < 0: not open */
  plat_timer timer;
  double precision;              /* s */
  struct spf filter;
  struct sst stats;
  uint8_t reach;
  int reach_size;                /* polls shifted into reach, 0..8 */
  int unreachable_run;           /* polls in a row with reach 0 */
  int reached;                   /* samples this poll period */
  int driver_polled;             /* reads this period (SHM) */
  uint8_t leap;                  /* of the last sample */
  uint32_t last_seq;             /* PPS: of the last edge taken */
  struct hcl hcl;                /* PHC: the PTP clock tracked */
  struct timespec last_extts;    /* PHC extpps: of the last event */
  bool pps_active;               /* the last sample was a pulse */
  double last_offset;            /* of the last filtered sample */
  struct timespec last_sample_time;
  struct sst_report before;      /* the statistics before its regression */
  int n_before;                  /* samples then, the new one included */
  bool logged[RCL_COUNTERS];     /* each kind of bad input is logged once */
  uint64_t counters[RCL_COUNTERS];
};

void rcl_params_default(struct rcl_params *p);
/* chronyd's refid for refclock number `index` (0-based) of driver: the
 * first three letters of its name and the index's digits. */
uint32_t rcl_default_refid(enum plat_refclock_driver driver, unsigned index);
const char *rcl_driver_name(enum plat_refclock_driver driver);
/* The refid as chrony prints it (up to 4 printable characters). */
const char *rcl_refid_text(uint32_t refid, char out[5]);

/* Opens the device (as root: before privileges are dropped); false if it
 * cannot be opened (logged). The platform, discipline and reference
 * outlive the refclock. */
bool rcl_init(struct rcl *r, const struct rcl_params *p, const struct platform *plat,
              const struct discipline *disc, const struct refstate *ref, int precision_log2,
              rcl_update_fn on_update, void *arg);
void rcl_fini(struct rcl *r);
/* Pair `r` with the refclock whose refid is its lock (chronyd's messages
 * when there is none or the lock ages too fast). */
void rcl_set_lock(struct rcl *r, struct rcl *lock);
void rcl_start(struct rcl *r);
/* The driver's input: a sample (the reference's time is sys_time + offset)
 * or a pulse (the reference's second began `second` s before sys_time,
 * modulo 1/rate). sys_time is the platform's clock. False if dropped. */
bool rcl_add_sample(struct rcl *r, const struct timespec *sys_time, double offset, int leap);
bool rcl_add_pulse(struct rcl *r, const struct timespec *sys_time, double second);
/* The cooked time scale changed (disc_change_fn). */
void rcl_slew(struct rcl *r, const struct timespec *when, double dfreq, double doffset);
/* Forget every sample (an unknown step of the clock). */
void rcl_reset(struct rcl *r);

#endif
