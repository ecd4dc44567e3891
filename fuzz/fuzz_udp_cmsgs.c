/* libFuzzer target for the control messages of received datagrams
 * (src/sys/udp.c): the input is recvmsg's control buffer, read as a
 * datagram's (receive time, local address, hardware stamp and interface)
 * and as an error-queue message's (transmit times and their number). A
 * time taken is normalised, an interface index and length not negative. */
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
  struct udp_hw_info hw;
  uint32_t id;
  if (!control)
    return 0;
  memcpy(control, data, size);
  struct msghdr msg = {.msg_control = control, .msg_controllen = size};
  memset(&dg, 0, sizeof(dg));
  udp_parse_rx_cmsgs(&msg, &dg, &hw);
  check(normalised(&hw.hw) && hw.if_index >= 0 && hw.l2_len >= 0);
  check(dg.rx_source != PLAT_TS_KERNEL || normalised(&dg.rx_time));
  check(dg.local.family == ADDR_UNSPEC || dg.local.family == ADDR_INET4 ||
        dg.local.family == ADDR_INET6);
  if (udp_parse_tx_cmsgs(&msg, &id, &tx_time, &hw) == 0)
    check(normalised(&tx_time) && normalised(&hw.hw) && hw.if_index >= 0 &&
          (tx_time.tv_sec != 0 || tx_time.tv_nsec != 0 || hw.hw.tv_sec != 0 ||
           hw.hw.tv_nsec != 0));
  free(control);
  return 0;
}
