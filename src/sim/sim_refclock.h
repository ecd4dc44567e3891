/* sim_refclock: a simulated reference clock device on a simulated host.
 *
 * A device ticks every 1/rate s of true time, at whole multiples of that
 * interval (a pulse per second falls on the true second), the first one
 * after it was created. At each tick its
 * reading of the reference's time is true time + offset + jitter (normal
 * with standard deviation `jitter`, or uniform in [-jitter, jitter]), drawn
 * from its own seeded stream, against the host's local clock at that
 * instant:
 *   SOCK  a 40-byte datagram (rclmsg_sock_build) is handed at once to the
 *         function the host's refclock_open registered (dropped while the
 *         device is not open): sys_time the local clock, offset the reading
 *         minus it; with `pulse`, only the second's fraction is known and
 *         the offset field is what chronyd takes from a pulse: how far into
 *         the reference's second the local clock was, in [0, 1/rate).
 *   SHM   the device's segment (rclmsg_shm_build, mode 1) is rewritten,
 *         its count one more per write; the host's refclock_read copies it
 *         out and clears its valid flag, as a reader of the kernel's
 *         segment does.
 *   PPS   the edge: its sequence number one more, its timestamp the local
 *         clock when the pulse (at the tick, plus the error) arrived; read
 *         as the kernel's PPS_FETCH gives it (struct plat_pps_edge).
 *   RTC   an update interrupt at each of its seconds: a struct
 *         plat_rtc_reading (its whole second, the local clock when it
 *         began plus the error) handed to the function refclock_open
 *         registered. Its seconds run `freq` ppm fast, from rtc_error s
 *         fast at its creation (both 0: it ticks on the true seconds);
 *         set (sim_refclock_rtc_set), its next second begins half a
 *         second later, as a kernel RTC's does.
 *   PHC   no ticks: a PTP clock running at `freq` ppm from `offset` (at
 *         the device's creation) is read when the host asks:
 *         PLAT_PHC_READINGS readings 1 us apart, each taking `delay` of
 *         the local clock with the PHC read at its middle plus the jitter
 *         (bursts of delay jitter make the halves unequal, see below);
 *         with `extts`, a pulse on input `channel` at each tick, its PTP
 *         time (the PHC's error at the tick, plus the jitter) handed to
 *         refclock_open's function as a struct plat_phc_extts 20 us later
 *         (as read from the kernel) once the host enabled the channel.
 * The host opens a device by driver and param (sim_platform.h) and frees
 * it with itself. A stalled device keeps ticking but writes nothing (a
 * receiver that lost its signal or a feeder that hung). */
#ifndef STRATUM_SIM_REFCLOCK_H
#define STRATUM_SIM_REFCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/platform.h"
#include "sim/sim_platform.h"
#include "sim/sim_sched.h"

#define SIM_REFCLOCK_PARAM_LEN 64

enum sim_refclock_jitter { SIM_REFCLOCK_NORMAL = 0, SIM_REFCLOCK_UNIFORM = 1 };

struct sim_refclock_config {
  enum plat_refclock_driver driver;
  const char *param;             /* what refclock_open names it by */
  unsigned rate;                 /* ticks per second; 0: 1 */
  double offset;                 /* constant error of the reading, s */
  double jitter;                 /* s, see above */
  enum sim_refclock_jitter jitter_kind;
  bool pulse;                    /* SOCK: pulses, not samples */
  int leap;                      /* announced: 0 none, 1 insert, 2 delete */
  double freq;                   /* PHC, RTC: its frequency error, ppm */
  double rtc_error;              /* RTC: s it is fast at its creation */
  double delay;                  /* PHC: of one reading, s (0: 1 us) */
  /* PHC: bursts of delay jitter (clknetsim's PHC_JITTER, _ON, _OFF): each
   * half of a reading (before and after the PTP clock is read) takes
   * `delay_jitter` / 2 times a Poisson(5) draw plus a uniform one, over
   * 5.5, more, for `jitter_on` halves after every `jitter_off` halves
   * without (0, 0: always). */
  double delay_jitter;
  unsigned jitter_on, jitter_off;
  bool extts;                    /* PHC: external pulses timestamped */
  int channel;                   /* PHC: their input */
  uint64_t seed;                 /* of the jitter */
  /* Not PHC: from true time wave_from on, the reading's error also moves
   * as clknetsim's triangle wave: wave_amplitude times a triangle between
   * -1 (at wave_origin and every wave_period s from it) and 1 (half way).
   * wave_amplitude 0: none. */
  double wave_amplitude, wave_period;
  sim_time wave_from, wave_origin;
};

struct sim_refclock;

/* Attached to `host`, which frees it. NULL on a bad config (driver, param
 * longer than SIM_REFCLOCK_PARAM_LEN - 1, non-finite error), a host with
 * SIM_PLATFORM_MAX_REFCLOCKS devices, or no memory. */
struct sim_refclock *sim_refclock_new(struct sim_sched *sched, struct sim_platform *host,
                                      const struct sim_refclock_config *cfg);
void sim_refclock_free(struct sim_refclock *d);

void sim_refclock_set_stalled(struct sim_refclock *d, bool stalled);
/* Its reading's constant error from now on: the reference's time steps. */
void sim_refclock_set_offset(struct sim_refclock *d, double offset);
/* The platform's rtc_set: -EBADF for anything but an RTC. */
int sim_refclock_rtc_set(struct sim_refclock *d, int64_t rtc_sec);
/* The platform's rtc_read: the RTC's second now, the host's clock then. */
int sim_refclock_rtc_read(struct sim_refclock *d, struct plat_rtc_reading *out);
/* Samples or pulses written (SHM, PPS) or sent (SOCK), delivered or not;
 * reads of a PHC, or its pulses with extts. */
uint64_t sim_refclock_written(const struct sim_refclock *d);

/* The host's side (sim_platform.c's refclock ops). */
bool sim_refclock_matches(const struct sim_refclock *d, enum plat_refclock_driver driver,
                          const char *param);
/* False if it is open already (one reader, one socket). */
bool sim_refclock_open(struct sim_refclock *d, plat_refclock_fn fn, void *arg);
/* PHC: the host's refclock_extts: -EOPNOTSUPP without extts, -EINVAL for
 * another channel (pins are not simulated). Closing turns it off. */
int sim_refclock_extts(struct sim_refclock *d, int channel);
void sim_refclock_close(struct sim_refclock *d);
/* SHM: copy the segment (up to len bytes; returns how many) and its count,
 * and clear its valid flag. PPS: the newest edge. PHC: readings (as many
 * as fit, at most PLAT_PHC_READINGS). -EBADF for a SOCK device. */
int sim_refclock_read(struct sim_refclock *d, uint8_t *buf, size_t len, int *count_after);
/* PHC: its time at true time t (a NIC's stamp with it: no jitter). */
sim_time sim_refclock_phc_time(const struct sim_refclock *d, sim_time t);

#endif
