/* platform: the narrow interface through which the core reaches the OS.
 *
 * The core never calls the OS itself: it reads the clock, arms timers,
 * sends and receives datagrams and resolves names only through these
 * operations. Two implementations exist: Linux (src/sys) and the simulator
 * (src/sim).
 * Handlers are called from one event loop, never concurrently. */
#ifndef STRATUM_CORE_PLATFORM_H
#define STRATUM_CORE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/addr.h"

typedef uint64_t plat_timer;         /* 0 is never a valid timer */
typedef uint64_t plat_lookup;        /* 0 is never a valid lookup */

#define PLAT_RESOLVE_MAX 16          /* addresses one lookup gives at most */

enum plat_ts_source {
  PLAT_TS_DAEMON = 0,                /* read by the daemon after receipt */
  PLAT_TS_KERNEL = 1,                /* kernel software timestamp */
  PLAT_TS_HARDWARE = 2,              /* a NIC's, made system time (core/hwts.h) */
};

struct plat_datagram {
  const uint8_t *data;
  size_t len;
  struct ip_addr from;
  uint16_t from_port;
  struct ip_addr local;              /* address it was sent to (UNSPEC if unknown) */
  struct timespec rx_time;           /* real-time clock at receipt */
  enum plat_ts_source rx_source;
};

typedef void (*plat_timer_fn)(void *arg);
typedef void (*plat_recv_fn)(void *arg, int sock, const struct plat_datagram *dg);
/* The kernel's transmit time of the datagram sent with `tag` to to:port
 * (a hardware one may follow a kernel one: the later report is the better). */
typedef void (*plat_tx_fn)(void *arg, int sock, const struct ip_addr *to, uint16_t port,
                           uint64_t tag, const struct timespec *tx_time,
                           enum plat_ts_source source);
/* A datagram sent with PLAT_SEND_BATCHED on sock did not leave (err: the
 * errno), after udp_send returned 0 for it. */
typedef void (*plat_send_fail_fn)(void *arg, int sock, int err);
/* The real-time clock was stepped by someone else by `jump` seconds. */
typedef void (*plat_jump_fn)(void *arg, double jump);

/* Outside steps smaller than this are left to show as offsets (chronyd's
 * JUMP_DETECT_THRESHOLD). */
#define PLAT_JUMP_THRESHOLD 10.0

/* A lookup's answer: n > 0 addresses, unique, of the family asked for, in
 * the resolver's order; n == 0: the name did not resolve, error says why. */
typedef void (*plat_resolve_fn)(void *arg, const struct ip_addr *addrs, int n,
                                const char *error);

/* Reference clock devices (core/refclock.h). */
enum plat_refclock_driver { PLAT_REFCLOCK_SOCK, PLAT_REFCLOCK_SHM, PLAT_REFCLOCK_PPS,
                            PLAT_REFCLOCK_PHC, PLAT_REFCLOCK_RTC, PLAT_REFCLOCK_N };
/* refclock_open's option: SHM: the segment's mode; PPS and PHC: flags. */
#define PLAT_PPS_CLEAR 1u            /* PPS: the clear edge, not the assert */
#define PLAT_PHC_NOCROSSTS 1u        /* PHC: no cross timestamps (PTP_SYS_OFFSET_PRECISE) */
#define PLAT_PHC_EXTPPS 2u           /* PHC: opened to timestamp external pulses */
#define PLAT_RTC_UTC 1u              /* RTC: it keeps UTC, not local time */
/* What refclock_read gives for a PPS device: the newest edge. */
struct plat_pps_edge {
  uint32_t seq;                      /* counts edges; unchanged: no new one */
  struct timespec ts;                /* the system clock at the edge (0: none) */
};
/* An RTC's time (pushed through plat_refclock_fn at each update interrupt,
 * or given by refclock_read where it has none): its whole second began at
 * sys_time (interrupt), or half a second before it on average (read). */
struct plat_rtc_reading {
  struct timespec sys_time;
  int64_t rtc_sec;
  bool half;
};
/* ...and for a PHC, an array of readings: the system clock before and
 * after reading the PHC (equal for a cross timestamp). */
#define PLAT_PHC_READINGS 25           /* chronyd's, the kernel's PTP_MAX_SAMPLES */
struct plat_phc_reading {
  struct timespec sys_before, phc, sys_after;
};
/* A PHC's timestamp of an external event (refclock_extts), pushed through
 * plat_refclock_fn: the PTP clock's time of the edge, and its channel. */
struct plat_phc_extts {
  struct timespec phc;
  int channel;
};
/* A datagram from a SOCK refclock's socket. */
typedef void (*plat_refclock_fn)(void *arg, const uint8_t *data, size_t len);

/* Hardware timestamping (core/hwts.h): a NIC switched on by hwts_enable,
 * and each hardware timestamp of a packet through it, which the platform
 * hands to the converter to be made system time. */
#define PLAT_IFNAME_LEN 16           /* IFNAMSIZ */
enum plat_rxfilter { PLAT_RXFILTER_ANY, PLAT_RXFILTER_NONE, PLAT_RXFILTER_NTP,
                     PLAT_RXFILTER_PTP, PLAT_RXFILTER_ALL };
struct plat_nic {
  int if_index;
  bool rx;                           /* it stamps received packets (not TX only) */
};
struct plat_hw_stamp {
  int if_index;                      /* the interface that stamped it */
  struct timespec hw;                /* the NIC's clock */
  struct timespec sys;               /* the kernel's (or the daemon's) stamp */
  size_t rx_len;                     /* received: the UDP data's length; 0: sent */
  int l2_len;                        /* the frame's length (0: unknown) */
  enum addr_family family;
  size_t tx_len;                     /* sent: the UDP data's length (0: unknown) */
};
/* True with *out, the stamp as the platform's time, if it could be made so. */
typedef bool (*plat_hwts_fn)(void *arg, const struct plat_hw_stamp *s, struct timespec *out);

enum plat_log_level { PLAT_LOG_DEBUG = -1, PLAT_LOG_INFO = 0, PLAT_LOG_WARN = 1,
                      PLAT_LOG_ERR = 2, PLAT_LOG_FATAL = 3 };

/* platform_ops.udp_send flags */
#define PLAT_SEND_STAMP_TRANSMIT 1u  /* the NTP transmit timestamp (bytes
                                        40-47): the clock read just before
                                        sending, plus the offset they held
                                        (ntp_ts_offset; 0: none) */
#define PLAT_SEND_BATCHED 2u         /* a reply from a receive handler: may
                                        leave with the other replies to the
                                        datagrams received with it, in one
                                        system call, on a socket with
                                        udp_send_failures (the failure goes
                                        there then) */
#define PLAT_SEND_STAMP_EVEN 4u      /* with PLAT_SEND_STAMP_TRANSMIT: the
                                        stamp's lowest bit cleared (a
                                        server's reply, as chronyd's: see
                                        core/ntp_server.h) */

struct platform_ops {
  /* The real-time clock (CLOCK_REALTIME). */
  void (*now)(void *ctx, struct timespec *out);
  /* Call fn(arg) once, `delay` seconds from now. */
  plat_timer (*timer_add)(void *ctx, double delay, plat_timer_fn fn, void *arg);
  void (*timer_cancel)(void *ctx, plat_timer t);
  /* Open a UDP socket bound to local:port (ADDR_UNSPEC family: the
   * wildcard of `family`); received datagrams go to fn. Returns a socket id
   * >= 0 or -errno. */
  int (*udp_open)(void *ctx, enum addr_family family, const struct ip_addr *local,
                  uint16_t port, plat_recv_fn fn, void *arg);
  void (*udp_close)(void *ctx, int sock);
  /* Send from `local` (NULL or UNSPEC: the kernel's choice); buf may be
   * modified (transmit stamp). Returns 0 or -errno. */
  int (*udp_send)(void *ctx, int sock, const struct ip_addr *local, const struct ip_addr *to,
                  uint16_t port, uint8_t *buf, size_t len, unsigned flags);
  /* Kernel transmit timestamps (for interleaved mode): after this returns
   * 0, each datagram sent with udp_send_tagged on sock has its transmit
   * time reported to fn(arg, ...) once, soon after it left (or never, if
   * the kernel gives none). -errno if the platform cannot. */
  int (*udp_tx_timestamps)(void *ctx, int sock, plat_tx_fn fn, void *arg);
  /* udp_send, asking for the kernel transmit timestamp reported with tag. */
  int (*udp_send_tagged)(void *ctx, int sock, const struct ip_addr *local,
                         const struct ip_addr *to, uint16_t port, uint8_t *buf, size_t len,
                         unsigned flags, uint64_t tag);
  /* Let datagrams sent on sock with PLAT_SEND_BATCHED wait, a few
   * microseconds at most, to leave together; a failure of one goes to
   * fn(arg, ...). NULL in a platform that sends each at once. */
  int (*udp_send_failures)(void *ctx, int sock, plat_send_fail_fn fn, void *arg);
  /* Resolve a host name to at most max (1 to PLAT_RESOLVE_MAX) addresses of
   * family (ADDR_UNSPEC: either). fn is called exactly once, always later
   * from the loop (never from inside resolve), unless the lookup is
   * cancelled first. Returns 0 if the lookup could not be started. */
  plat_lookup (*resolve)(void *ctx, const char *name, int family, int max, plat_resolve_fn fn,
                         void *arg);
  void (*resolve_cancel)(void *ctx, plat_lookup lookup);
  /* Fill buf with unpredictable bytes. */
  void (*random_bytes)(void *ctx, void *buf, size_t len);
  /* Clock control (chrony's model: the core slews by changing the
   * frequency and steps only when told to). Frequency in ppm, positive =
   * the clock runs faster. Return 0 or -errno. */
  int (*clock_set_freq)(void *ctx, double ppm);
  double (*clock_get_freq)(void *ctx);
  int (*clock_step)(void *ctx, double seconds);   /* add seconds to the clock */
  /* Call fn(arg, jump) whenever something else steps the real-time clock
   * by more than PLAT_JUMP_THRESHOLD (not the steps made through
   * clock_step). One watcher; fn NULL stops. */
  void (*watch_clock_jumps)(void *ctx, plat_jump_fn fn, void *arg);
  /* Tell the kernel whether the clock is synchronised, with the estimated
   * and maximum error in seconds (for the kernel's 11-minute RTC mode). */
  void (*clock_set_sync)(void *ctx, bool synchronised, double est_error, double max_error);
  /* The kernel's leap second (chronyd's leapsecmode system): insert
   * (leap 1) or delete (-1) a second at the end of today, UTC, or nothing
   * (0); tai: TAI-UTC for the kernel (0: unknown, left alone). NULL: the
   * platform cannot (the daemon steps instead). */
  void (*clock_set_leap)(void *ctx, int leap, int tai);
  /* Open a reference clock's device. SOCK: a Unix datagram socket bound at
   * `param` (a file already there is replaced), each datagram given to fn.
   * SHM: shared memory segment number `param` (an integer), created with
   * mode `option` if missing. PPS: the device at `param` set to capture
   * the edge `option` asks for (PLAT_PPS_CLEAR). PHC: the PTP clock at
   * `param` (a path, or a network interface's name; PLAT_PHC_NOCROSSTS,
   * PLAT_PHC_EXTPPS). RTC: the RTC device (PLAT_RTC_UTC), its update
   * interrupts switched on where it has them, each giving a struct
   * plat_rtc_reading to fn. fn is for SOCK, RTC and a PHC's events.
   * Returns a handle >= 0 or -errno. NULL: no reference clocks here. */
  int (*refclock_open)(void *ctx, enum plat_refclock_driver driver, const char *param, int option,
                       plat_refclock_fn fn, void *arg);
  /* Read a polled device into buf, returning the bytes written or -errno.
   * SHM: a copy of the segment, its count read again after the copy into
   * *count_after (a copy with the valid flag set marks the sample read in
   * the segment). PPS: one struct plat_pps_edge, without waiting. PHC: up
   * to PLAT_PHC_READINGS struct plat_phc_reading. RTC: one struct
   * plat_rtc_reading, or 0 bytes when its interrupts give them. */
  int (*refclock_read)(void *ctx, int handle, uint8_t *buf, size_t len, int *count_after);
  /* A PHC opened with PLAT_PHC_EXTPPS: timestamp the edges (rising, or
   * falling with `falling`) of channel's input, `pin` (>= 0) set to that
   * function first; each event is pushed to refclock_open's fn as a struct
   * plat_phc_extts. Returns 0 or -errno. NULL: the platform cannot. */
  int (*refclock_extts)(void *ctx, int handle, int pin, int channel, bool falling);
  void (*refclock_close)(void *ctx, int handle);
  /* Set an RTC opened by refclock_open to rtc_sec (Unix seconds; kept in
   * UTC or local time as it was opened): its new second starts now.
   * Returns 0 or -errno. NULL: the platform cannot. */
  int (*rtc_set)(void *ctx, int handle, int64_t rtc_sec);
  /* Read an RTC opened by refclock_open now, not waiting for an update
   * interrupt (chronyd's -s): its second and the platform's clock then
   * (half: the second began half a second before, on average). Returns 0
   * or -errno. NULL: the platform cannot. */
  int (*rtc_read)(void *ctx, int handle, struct plat_rtc_reading *out);
  /* Hardware timestamping on the network interface `name`: transmitted
   * packets and received ones as rxfilter asks (ANY: NTP, else all, else
   * none, as chronyd picks). The sockets opened from then on ask for
   * hardware timestamps too. Its clock is read as a PHC refclock_open'd
   * with the interface's name. Returns 0 with *nic, or -errno. NULL: the
   * platform cannot. */
  int (*hwts_enable)(void *ctx, const char *name, enum plat_rxfilter rxfilter,
                     struct plat_nic *nic);
  /* The names of the network interfaces (for `hwtimestamp *`), at most max:
   * how many, or -errno. */
  int (*net_interfaces)(void *ctx, char (*names)[PLAT_IFNAME_LEN], int max);
  /* The interface's link speed in Mb/s, 0 if unknown. */
  int (*nic_link_speed)(void *ctx, const char *name);
  /* The converter of hardware timestamps (fn NULL: none; stamps without
   * one fall back to the kernel's). */
  void (*hwts_set_converter)(void *ctx, plat_hwts_fn fn, void *arg);
  /* One log message (no trailing newline), level enum plat_log_level. */
  void (*log)(void *ctx, int level, const char *msg);
  /* The beginning of a small file (a sensor's, for tempcomp) into buf,
   * NUL-terminated: its length, or -errno. Optional (NULL: -ENOSYS). */
  int (*read_file)(void *ctx, const char *path, char *buf, size_t size);
};

struct platform {
  const struct platform_ops *ops;
  void *ctx;
};

/* A random non-zero 64-bit value (zero means "no request" to the callers);
 * after a bounded number of zero draws it settles for 1. */
uint64_t plat_random_nonzero64(const struct platform *p);

/* printf-style logging through the platform. */
void plat_logf(const struct platform *p, int level, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

#endif
