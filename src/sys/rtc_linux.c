#include "sys/rtc_linux.h"

#include <errno.h>
#include <linux/rtc.h>
#include <string.h>
#include <sys/ioctl.h>

#define READ_TRIES 3   /* the RTC may tick between two reads */

time_t rtc_tm_to_time(const struct tm *rtc, bool utc)
{
  struct tm t;
  memset(&t, 0, sizeof(t));
  t.tm_sec = rtc->tm_sec;
  t.tm_min = rtc->tm_min;
  t.tm_hour = rtc->tm_hour;
  t.tm_mday = rtc->tm_mday;
  t.tm_mon = rtc->tm_mon;
  t.tm_year = rtc->tm_year;
  t.tm_isdst = -1;                      /* local time: the zone decides */
  if (t.tm_sec < 0 || t.tm_sec > 60 || t.tm_min < 0 || t.tm_min > 59 || t.tm_hour < 0 ||
      t.tm_hour > 23 || t.tm_mday < 1 || t.tm_mday > 31 || t.tm_mon < 0 || t.tm_mon > 11 ||
      t.tm_year < 70)
    return -1;
  return utc ? timegm(&t) : mktime(&t);
}

int rtc_ioctl(int fd, unsigned long req, void *arg)
{
  return ioctl(fd, req, arg);
}

time_t rtc_read_fd(int fd, bool utc, int (*ioctl_fn)(int fd, unsigned long req, void *arg))
{
  struct rtc_time a, b;
  /* Two reads with the same second: not torn by the RTC's update. */
  int ok = 0;
  for (int i = 0; i < READ_TRIES && !ok; i++)
    ok = ioctl_fn(fd, RTC_RD_TIME, &a) == 0 && ioctl_fn(fd, RTC_RD_TIME, &b) == 0 &&
         a.tm_sec == b.tm_sec;
  if (!ok)
    return -1;
  struct tm t = {.tm_sec = b.tm_sec, .tm_min = b.tm_min, .tm_hour = b.tm_hour,
                 .tm_mday = b.tm_mday, .tm_mon = b.tm_mon, .tm_year = b.tm_year};
  return rtc_tm_to_time(&t, utc);
}

int rtc_set_fd(int fd, time_t t, bool utc, int (*ioctl_fn)(int fd, unsigned long req, void *arg))
{
  struct tm tm;
  if (t < 0 || !(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)))
    return -EINVAL;
  struct rtc_time r;
  memset(&r, 0, sizeof(r));
  r.tm_sec = tm.tm_sec;
  r.tm_min = tm.tm_min;
  r.tm_hour = tm.tm_hour;
  r.tm_mday = tm.tm_mday;
  r.tm_mon = tm.tm_mon;
  r.tm_year = tm.tm_year;
  r.tm_wday = tm.tm_wday;
  r.tm_yday = tm.tm_yday;
  r.tm_isdst = -1;
  return ioctl_fn(fd, RTC_SET_TIME, &r) < 0 ? -errno : 0;
}
