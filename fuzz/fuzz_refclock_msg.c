/* libFuzzer target for the reference clock feeders' messages
 * (src/proto/refclock_msg.c): SOCK datagrams and SHM segment copies.
 *
 * Any input gives a documented status; a parsed sample has a normalised
 * time; a parsed SOCK sample built again gives the same sample back. The
 * first 4 bytes are the SHM count read after the copy. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/refclock_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

static void check_sample(enum rclmsg_status st, const struct rclmsg_sample *s)
{
  check(st < RCLMSG_N_STATUS);
  if (st == RCLMSG_OK)
    check(s->sys_time.tv_nsec >= 0 && s->sys_time.tv_nsec < 1000000000L);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct rclmsg_sample s, again;
  enum rclmsg_status st = rclmsg_sock_parse(data, size, &s);
  check_sample(st, &s);
  if (st == RCLMSG_OK && s.sys_time.tv_nsec % 1000 == 0) {
    uint8_t buf[RCLMSG_SOCK_SIZE];
    rclmsg_sock_build(&s, buf);
    check(rclmsg_sock_parse(buf, sizeof(buf), &again) == RCLMSG_OK);
    check(again.sys_time.tv_sec == s.sys_time.tv_sec &&
          again.sys_time.tv_nsec == s.sys_time.tv_nsec && again.pulse == s.pulse &&
          again.leap == s.leap && memcmp(&again.offset, &s.offset, sizeof(s.offset)) == 0);
  }
  if (size >= 4) {
    int32_t count;
    memcpy(&count, data, sizeof(count));
    check_sample(rclmsg_shm_parse(data + 4, size - 4, count, &s), &s);
  }
  return 0;
}
