#include "proto/refclock_msg.h"

#include <string.h>

#include "proto/timespec.h"

/* struct sock_sample on 64-bit Linux. */
enum { SOCK_SEC = 0, SOCK_USEC = 8, SOCK_OFFSET = 16, SOCK_PULSE = 24, SOCK_LEAP = 28,
       SOCK_MAGIC = 36 };
/* struct shmTime on 64-bit Linux. */
enum { SHM_MODE = 0, SHM_COUNT = 4, SHM_CLOCK_SEC = 8, SHM_CLOCK_USEC = 16, SHM_RECV_SEC = 24,
       SHM_RECV_USEC = 32, SHM_LEAP = 36, SHM_VALID = 48, SHM_CLOCK_NSEC = 52,
       SHM_RECV_NSEC = 56 };

static int32_t get_i32(const uint8_t *p)
{
  int32_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}

static int64_t get_i64(const uint8_t *p)
{
  int64_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}

static void put_i32(uint8_t *p, int32_t v)
{
  memcpy(p, &v, sizeof(v));
}

static void put_i64(uint8_t *p, int64_t v)
{
  memcpy(p, &v, sizeof(v));
}

/* Seconds and a fraction in units of `unit` ns, normalised as chrony does;
 * false if the seconds cannot be a time_t or the fraction is absurd. */
static bool make_time(int64_t sec, int64_t frac, long unit, struct timespec *out)
{
  const int64_t limit = (int64_t)1 << 40;   /* ~35,000 years either way */
  if (sec < -limit || sec > limit || frac < -limit || frac > limit)
    return false;
  int64_t ns = frac * unit;
  sec += ns / 1000000000;
  ns %= 1000000000;
  if (ns < 0) {
    ns += 1000000000;
    sec--;
  }
  /* The normalised seconds in range too, so what is built is parsed back. */
  if (sec < -limit || sec > limit)
    return false;
  out->tv_sec = (time_t)sec;
  out->tv_nsec = (long)ns;
  return true;
}

enum rclmsg_status rclmsg_sock_parse(const uint8_t *buf, size_t len, struct rclmsg_sample *out)
{
  if (len != RCLMSG_SOCK_SIZE)
    return RCLMSG_BAD_SIZE;
  if ((uint32_t)get_i32(buf + SOCK_MAGIC) != RCLMSG_SOCK_MAGIC)
    return RCLMSG_BAD_MAGIC;
  memset(out, 0, sizeof(*out));
  if (!make_time(get_i64(buf + SOCK_SEC), get_i64(buf + SOCK_USEC), 1000, &out->sys_time))
    return RCLMSG_BAD_TIME;
  memcpy(&out->offset, buf + SOCK_OFFSET, sizeof(out->offset));
  out->pulse = get_i32(buf + SOCK_PULSE) != 0;
  out->leap = get_i32(buf + SOCK_LEAP);
  return RCLMSG_OK;
}

void rclmsg_sock_build(const struct rclmsg_sample *s, uint8_t out[RCLMSG_SOCK_SIZE])
{
  memset(out, 0, RCLMSG_SOCK_SIZE);
  put_i64(out + SOCK_SEC, (int64_t)s->sys_time.tv_sec);
  put_i64(out + SOCK_USEC, s->sys_time.tv_nsec / 1000);
  memcpy(out + SOCK_OFFSET, &s->offset, sizeof(s->offset));
  put_i32(out + SOCK_PULSE, s->pulse);
  put_i32(out + SOCK_LEAP, s->leap);
  put_i32(out + SOCK_MAGIC, (int32_t)RCLMSG_SOCK_MAGIC);
}

enum rclmsg_status rclmsg_shm_parse(const uint8_t *seg, size_t len, int count_after,
                                    struct rclmsg_sample *out)
{
  if (len < RCLMSG_SHM_SIZE)
    return RCLMSG_BAD_SIZE;
  int32_t mode = get_i32(seg + SHM_MODE);
  if (mode != 0 && mode != 1)
    return RCLMSG_BAD_MODE;
  if (mode == 1 && rclmsg_shm_count(seg) != count_after)
    return RCLMSG_INCONSISTENT;
  if (!rclmsg_shm_valid(seg))
    return RCLMSG_NOT_VALID;
  int32_t clock_usec = get_i32(seg + SHM_CLOCK_USEC), recv_usec = get_i32(seg + SHM_RECV_USEC);
  int32_t clock_nsec = get_i32(seg + SHM_CLOCK_NSEC), recv_nsec = get_i32(seg + SHM_RECV_NSEC);
  bool use_ns = clock_nsec / 1000 == clock_usec && recv_nsec / 1000 == recv_usec;
  struct timespec clock_ts, recv_ts;
  if (!make_time(get_i64(seg + SHM_CLOCK_SEC), use_ns ? clock_nsec : clock_usec,
                 use_ns ? 1 : 1000, &clock_ts) ||
      !make_time(get_i64(seg + SHM_RECV_SEC), use_ns ? recv_nsec : recv_usec, use_ns ? 1 : 1000,
                 &recv_ts))
    return RCLMSG_BAD_TIME;
  memset(out, 0, sizeof(*out));
  out->sys_time = recv_ts;
  out->offset = timespec_diff(&clock_ts, &recv_ts);
  out->leap = get_i32(seg + SHM_LEAP);
  return RCLMSG_OK;
}

void rclmsg_shm_build(const struct timespec *clock_time, const struct timespec *receive_time,
                      int leap, int count, uint8_t out[RCLMSG_SHM_SIZE])
{
  memset(out, 0, RCLMSG_SHM_SIZE);
  put_i32(out + SHM_MODE, 1);
  put_i32(out + SHM_COUNT, count);
  put_i64(out + SHM_CLOCK_SEC, (int64_t)clock_time->tv_sec);
  put_i32(out + SHM_CLOCK_USEC, (int32_t)(clock_time->tv_nsec / 1000));
  put_i64(out + SHM_RECV_SEC, (int64_t)receive_time->tv_sec);
  put_i32(out + SHM_RECV_USEC, (int32_t)(receive_time->tv_nsec / 1000));
  put_i32(out + SHM_LEAP, leap);
  put_i32(out + SHM_VALID, 1);
  put_i32(out + SHM_CLOCK_NSEC, (int32_t)clock_time->tv_nsec);
  put_i32(out + SHM_RECV_NSEC, (int32_t)receive_time->tv_nsec);
}

int rclmsg_shm_count(const uint8_t seg[RCLMSG_SHM_SIZE])
{
  return get_i32(seg + SHM_COUNT);
}

bool rclmsg_shm_valid(const uint8_t seg[RCLMSG_SHM_SIZE])
{
  return get_i32(seg + SHM_VALID) != 0;
}

void rclmsg_shm_clear_valid(uint8_t seg[RCLMSG_SHM_SIZE])
{
  put_i32(seg + SHM_VALID, 0);
}

const char *rclmsg_status_text(enum rclmsg_status st)
{
  static const char *const text[RCLMSG_N_STATUS] = {
    "ok", "unexpected length", "unexpected magic number", "time out of range",
    "no new sample", "bad mode", "sample changed while read",
  };
  return (unsigned)st < RCLMSG_N_STATUS ? text[st] : "?";
}
