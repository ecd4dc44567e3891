/* libFuzzer target for the control messages of received datagrams
 * (src/sys/udp.c): the input is recvmsg's control buffer, read as a
 * datagram's (receive time, local address) and as an error-queue
 * message's (transmit time and its number). A time taken is normalised. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

static bool normalised(const struct timespec *t)
{
  return t->tv_nsec >= 0 && t->tv_nsec < 1000000000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* Exactly the input's size, so that a read past it is caught. */
  void *control = malloc(size ? size : 1);
  struct plat_datagram dg;
  struct timespec tx_time;
  uint32_t id;
  if (!control)
    return 0;
  memcpy(control, data, size);
  struct msghdr msg = {.msg_control = control, .msg_controllen = size};
  memset(&dg, 0, sizeof(dg));
  udp_parse_rx_cmsgs(&msg, &dg);
  check(dg.rx_source != PLAT_TS_KERNEL || normalised(&dg.rx_time));
  check(dg.local.family == ADDR_UNSPEC || dg.local.family == ADDR_INET4 ||
        dg.local.family == ADDR_INET6);
  if (udp_parse_tx_cmsgs(&msg, &id, &tx_time) == 0)
    check(normalised(&tx_time));
  free(control);
  return 0;
}
