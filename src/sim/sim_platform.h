/* sim_platform: one simulated host, seen by the core as its struct platform.
 *
 * A host has a name, addresses on the simulated network, a simulated clock
 * and its own random stream. now() reads the local clock; a timer of `delay`
 * seconds fires when the local clock has advanced by `delay` at its rate
 * when armed (steps do not move timers, as with CLOCK_MONOTONIC); received
 * datagrams carry the local clock at arrival as a kernel timestamp; with
 * PLAT_SEND_STAMP_TRANSMIT the transmit timestamp is the local clock at the
 * send (its lowest bit cleared with PLAT_SEND_STAMP_EVEN). Clock control goes to the simulated clock; the steps made through
 * the platform are counted. Log messages are counted per level and, when
 * verbose, printed to stderr with the elapsed true time and the host name.
 * Names are resolved by the world's name table (sim_names.h). Reference
 * clock devices (sim_refclock.h) attached to the host are what its
 * refclock_open finds, by driver and param (-ENOENT if none, -EBUSY if
 * open already); the handle is the device's number on the host. Freeing the
 * host cancels its timers and lookups, closes its sockets and frees its
 * devices. */
#ifndef STRATUM_SIM_PLATFORM_H
#define STRATUM_SIM_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/platform.h"
#include "sim/sim_clock.h"
#include "sim/sim_names.h"
#include "sim/sim_net.h"
#include "sim/sim_sched.h"

#define SIM_PLATFORM_NAME_LEN 32
#define SIM_PLATFORM_MAX_REFCLOCKS 8

struct sim_platform_config {
  const char *name;
  const struct ip_addr *addrs;
  unsigned n_addrs;
  struct sim_clock_params clock;
  uint64_t seed;             /* of the clock's wander and of random_bytes */
  struct sim_names *names;   /* NULL: no name resolves (resolve fails) */
};

struct sim_platform;

/* NULL on a bad or taken address or out of memory. */
struct sim_platform *sim_platform_new(struct sim_sched *sched, struct sim_net *net,
                                      const struct sim_platform_config *cfg);
void sim_platform_free(struct sim_platform *p);

const struct platform *sim_platform_get(const struct sim_platform *p);
const char *sim_platform_name(const struct sim_platform *p);
int sim_platform_node(const struct sim_platform *p);      /* its sim_net node */
struct sim_clock *sim_platform_clock(struct sim_platform *p);

/* The truth at the current instant, for metrics. */
double sim_platform_offset(struct sim_platform *p);       /* local - true, s */
double sim_platform_freq_error(struct sim_platform *p);   /* ppm */

/* A step made behind the core's back (an administrator, another program);
 * not counted in sim_platform_steps(). One beyond PLAT_JUMP_THRESHOLD is
 * reported to the jump watcher, as the Linux loop reports it. */
void sim_platform_external_step(struct sim_platform *p, double seconds);
unsigned sim_platform_steps(const struct sim_platform *p);
/* Leap seconds the simulated kernel applied (clock_set_leap: the clock
 * steps back a second at its midnight, or forward at 23:59:59). */
unsigned sim_platform_leaps(const struct sim_platform *p);
/* The shortest true time between two datagrams the host sent (chrony's
 * minimum outgoing packet interval); INFINITY before two. */
double sim_platform_min_send_interval(const struct sim_platform *p);
/* A file the host's read_file gives (a sensor's value, for tempcomp):
 * created or replaced; false if too long or the table is full. */
#define SIM_PLATFORM_MAX_FILES 4
#define SIM_PLATFORM_PATH_LEN 128
#define SIM_PLATFORM_FILE_LEN 64
bool sim_platform_set_file(struct sim_platform *p, const char *path, const char *text);
unsigned sim_platform_log_count(const struct sim_platform *p, enum plat_log_level level);
/* From now on count the log messages (any level) that contain `text` (a
 * string that outlives the host). Returns the watch's number, or -1 when
 * SIM_PLATFORM_MAX_WATCHES are set. */
#define SIM_PLATFORM_MAX_WATCHES 8
int sim_platform_watch_log(struct sim_platform *p, const char *text);
/* The same for the messages logged in [from, to) s from the start. */
int sim_platform_watch_log_between(struct sim_platform *p, const char *text, double from,
                                   double to);
unsigned sim_platform_watch_count(const struct sim_platform *p, int watch);
void sim_platform_set_verbose(struct sim_platform *p, bool verbose);
/* From now on, receive stamps and PLAT_SEND_STAMP_TRANSMIT stamps carry
 * random bits below 2^precision s (from the host's random stream), as
 * chronyd's timestamps do: a server that answers at once then sends a
 * transmit time that may precede its receive time. */
void sim_platform_set_stamp_fuzz(struct sim_platform *p, int precision);
/* No kernel timestamping from now on (clknetsim's CLKNETSIM_TIMESTAMPING=0):
 * receive stamps are the daemon's (read at once, so the same time) and
 * asking for transmit timestamps fails with -EOPNOTSUPP. */
void sim_platform_set_daemon_stamps(struct sim_platform *p);

/* sim_refclock_new's: the host owns the device from now on. False when the
 * host has SIM_PLATFORM_MAX_REFCLOCKS. */
struct sim_refclock;
bool sim_platform_attach_refclock(struct sim_platform *p, struct sim_refclock *d);

/* A NIC, `name` (interface SIM_PLATFORM_NIC_INDEX, besides "lo"), whose
 * clock is `phc` (a PHC device attached to the host, opened by that name).
 * Once hwts_enable switched it on, the host's transmit stamps are its
 * clock's time at the send and, unless its receive filter is none or
 * ptp, its receive stamps the time the frame began arriving (its length
 * at 1 Gb/s before the end), each made system time by the converter; the
 * kernel's where the converter cannot. */
#define SIM_PLATFORM_NIC_INDEX 2
void sim_platform_set_nic(struct sim_platform *p, const char *name, struct sim_refclock *phc);
/* The stamps of the NIC made system time: received, sent. */
void sim_platform_hw_stamps(const struct sim_platform *p, uint64_t *rx, uint64_t *tx);

#endif
