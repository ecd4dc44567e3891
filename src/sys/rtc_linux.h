/* rtc_linux: the real-time clock's time, read and set through the Linux
 * RTC interface (RTC_RD_TIME, RTC_SET_TIME on rtcdevice), for chronyd's -s,
 * the RTC refclock and rtcfile's trims. */
#ifndef STRATUM_SYS_RTC_LINUX_H
#define STRATUM_SYS_RTC_LINUX_H

#include <stdbool.h>
#include <time.h>

/* The time an open RTC device shows, as Unix seconds: it keeps UTC
 * (rtconutc) or local time; -1 when it cannot be read. Its ioctl(2) is
 * given (tests fake it). */
time_t rtc_read_fd(int fd, bool utc, int (*ioctl_fn)(int fd, unsigned long req, void *arg));
/* Set an open RTC device to Unix second t, in UTC or local time. Returns
 * 0 or -errno (-EINVAL: t is no time an RTC can hold). */
int rtc_set_fd(int fd, time_t t, bool utc, int (*ioctl_fn)(int fd, unsigned long req, void *arg));
/* ioctl(2) as a plain function: what the fakes of tests replace (the
 * devices of refclock_dev.c go through it too). */
int rtc_ioctl(int fd, unsigned long req, void *arg);
/* The broken-down time of an RTC (year, month, day, hours, minutes,
 * seconds; the rest ignored) as Unix seconds; -1 if it is no valid time. */
time_t rtc_tm_to_time(const struct tm *rtc, bool utc);

#endif
