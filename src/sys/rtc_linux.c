#include "sys/rtc_linux.h"

#include <fcntl.h>
#include <linux/rtc.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

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

static int sys_ioctl(int fd, unsigned long req, void *arg)
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

time_t rtc_linux_read(const char *device, bool utc)
{
  int fd = open(device, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  time_t t = rtc_read_fd(fd, utc, sys_ioctl);
  close(fd);
  return t;
}
