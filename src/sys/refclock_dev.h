/* refclock_dev: reference clock devices on Linux, for the platform's
 * refclock_open/read/close (core/platform.h).
 *
 * SOCK: a Unix datagram socket bound at the path (a file already there is
 * removed first, as chronyd does), read from the event loop; each datagram
 * (at most the sample's size and a little more: longer ones arrive cut and
 * are rejected by their length) goes to the handler. SHM: System V shared
 * memory segment 0x4e545030 + N, created with the configured mode if
 * missing, attached for the daemon's life (so a privilege drop later does
 * not matter); a read copies it, reads the count again and clears a set
 * valid flag, as ntpd's and chronyd's readers do. PPS: the Linux PPS API
 * (/dev/ppsN): the capabilities checked for the edge asked for, the mode
 * set, each read a PPS_FETCH that does not wait. PHC: a PTP clock
 * (/dev/ptpN, or the one of a network interface), each read 10 readings
 * against the system clock: cross timestamps (PTP_SYS_OFFSET_PRECISE)
 * unless refused or turned off, else PTP_SYS_OFFSET_EXTENDED, else
 * PTP_SYS_OFFSET; the first that works is kept, as chronyd does; with
 * PLAT_PHC_EXTPPS, opened read-write so that rcldev_extts can set a pin
 * to timestamp external events (PTP_PIN_SETFUNC) and enable the channel's
 * edge (PTP_EXTTS_REQUEST), the events read from the loop and pushed to
 * the handler of every refclock timestamping on that PTP clock (older
 * kernels share one queue among its descriptors), disabled again at
 * close. The
 * devices are opened as root, before privileges are dropped. Their system
 * calls go through a table that tests replace with a fake device. */
#ifndef STRATUM_SYS_REFCLOCK_DEV_H
#define STRATUM_SYS_REFCLOCK_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/platform.h"

struct loop;
struct rcldev_set;

struct rcldev_io {
  int (*open)(const char *path, int flags);
  int (*ioctl)(int fd, unsigned long request, void *arg);
  int (*close)(int fd);
  ssize_t (*read)(int fd, void *buf, size_t len);
};

/* io NULL: the system's calls. */
struct rcldev_set *rcldev_new(struct loop *loop, const struct rcldev_io *io);
void rcldev_free(struct rcldev_set *s);
int rcldev_open(struct rcldev_set *s, enum plat_refclock_driver driver, const char *param,
                int option, plat_refclock_fn fn, void *arg);
int rcldev_read(struct rcldev_set *s, int handle, uint8_t *buf, size_t len, int *count_after);
/* The platform's refclock_extts (core/platform.h); -ENOSYS without a loop. */
int rcldev_extts(struct rcldev_set *s, int handle, int pin, int channel, bool falling);
/* Set an RTC device's time (platform's rtc_set); -EBADF if no RTC. */
int rcldev_rtc_set(struct rcldev_set *s, int handle, int64_t rtc_sec);
/* Read an RTC device's time now (platform's rtc_read); -EBADF if no RTC. */
int rcldev_rtc_read(struct rcldev_set *s, int handle, struct plat_rtc_reading *out);
void rcldev_close(struct rcldev_set *s, int handle);

#endif
