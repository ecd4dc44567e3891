/* refclock_msg: what reference clock feeders write, as chrony reads it.
 *
 * SOCK: one datagram per sample on a Unix socket (gpsd and others; chrony's
 * refclock_sock.c): struct timeval of the system time, the offset of true
 * time from it (double), pulse, leap, padding and the magic 0x534f434b,
 * every field in the host's byte order and C layout (40 bytes on 64-bit
 * Linux). SHM: ntpd's shared memory segment (struct shmTime, 96 bytes on
 * 64-bit Linux) as copied out of the segment by the platform.
 *
 * Pure: no OS calls. Parsers accept only what chronyd accepts and never
 * read past len. */
#ifndef STRATUM_PROTO_REFCLOCK_MSG_H
#define STRATUM_PROTO_REFCLOCK_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define RCLMSG_SOCK_SIZE 40
#define RCLMSG_SOCK_MAGIC 0x534f434bu
#define RCLMSG_SHM_SIZE 96
#define RCLMSG_SHM_KEY 0x4e545030   /* segment N has key RCLMSG_SHM_KEY + N */

enum rclmsg_status {
  RCLMSG_OK,
  RCLMSG_BAD_SIZE,           /* SOCK: not a sample's length */
  RCLMSG_BAD_MAGIC,          /* SOCK: not chrony's protocol */
  RCLMSG_BAD_TIME,           /* a time field out of range */
  RCLMSG_NOT_VALID,          /* SHM: no new sample (valid flag clear) */
  RCLMSG_BAD_MODE,           /* SHM: mode neither 0 nor 1 */
  RCLMSG_INCONSISTENT,       /* SHM mode 1: the writer changed it while copied */
  RCLMSG_N_STATUS
};

/* A sample: the reference's time is sys_time + offset. */
struct rclmsg_sample {
  struct timespec sys_time;  /* system (raw) time of the measurement */
  double offset;             /* true time minus sys_time, s */
  bool pulse;                /* only the fraction of a second is known */
  int leap;                  /* as written: 0 normal, 1 insert, 2 delete */
};

enum rclmsg_status rclmsg_sock_parse(const uint8_t *buf, size_t len, struct rclmsg_sample *out);
/* The datagram a feeder sends (the simulator's and the tests'). */
void rclmsg_sock_build(const struct rclmsg_sample *s, uint8_t out[RCLMSG_SOCK_SIZE]);

/* A copy of the segment and its count read again after the copy. SHM's
 * offset is clock time minus receive time; its nanosecond fields are used
 * when they agree with the microsecond ones, as chrony. */
enum rclmsg_status rclmsg_shm_parse(const uint8_t *seg, size_t len, int count_after,
                                    struct rclmsg_sample *out);
/* A segment as a writer in mode 1 leaves it (count as given, valid set). */
void rclmsg_shm_build(const struct timespec *clock_time, const struct timespec *receive_time,
                      int leap, int count, uint8_t out[RCLMSG_SHM_SIZE]);
/* A segment's count and valid flag, for the reader that copies it; what
 * it leaves in the segment after copying a valid one: the flag cleared
 * (chronyd's SHM driver; the simulator's segments). */
int rclmsg_shm_count(const uint8_t seg[RCLMSG_SHM_SIZE]);
bool rclmsg_shm_valid(const uint8_t seg[RCLMSG_SHM_SIZE]);
void rclmsg_shm_clear_valid(uint8_t seg[RCLMSG_SHM_SIZE]);
/* The status in a few words, for logs and counters. */
const char *rclmsg_status_text(enum rclmsg_status st);

#endif
