/* udp: Linux UDP sockets with kernel receive timestamps and the local
 * address of each datagram (so replies leave from the address the request
 * arrived on). */
#ifndef STRATUM_SYS_UDP_H
#define STRATUM_SYS_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>

#include "core/addr.h"
#include "core/platform.h"

/* Socket addresses of the daemon's sockets (TCP too) and ours: addr:port
 * of `family` (addr NULL or of another family: the wildcard) into storage,
 * returning its length; and back, IPv4-mapped IPv6 addresses unmapped
 * (family UNSPEC and port 0 if neither IPv4 nor IPv6). */
socklen_t udp_to_sockaddr(const struct ip_addr *a, enum addr_family family, uint16_t port,
                          struct sockaddr_storage *storage);
void udp_from_sockaddr(const struct sockaddr_storage *storage, struct ip_addr *a, uint16_t *port);

#define UDP_DEVICE_LEN 16            /* IFNAMSIZ */

/* Hardware receive stamps, the interface that made them and, sent, both
 * the kernel's and the hardware's transmit stamps (chronyd's). */
#define UDP_HW_FLAGS                                                                     \
  (SOF_TIMESTAMPING_RAW_HARDWARE | SOF_TIMESTAMPING_RX_HARDWARE |                        \
   SOF_TIMESTAMPING_OPT_PKTINFO | SOF_TIMESTAMPING_OPT_TX_SWHW)

/* How a socket is opened (zeroed: nothing of these). */
struct udp_options {
  bool reuseport;                    /* other sockets of ours with it may bind
                                        the same (the kernel spreads the
                                        datagrams over them) */
  int dscp;                          /* 1..63: the DSCP of what it sends
                                        (IP_TOS, IPV6_TCLASS), as chronyd's */
  char device[UDP_DEVICE_LEN];       /* "": any; else SO_BINDTODEVICE */
  bool broadcast;                    /* SO_BROADCAST (chronyd's server sockets) */
  unsigned hw_flags;                 /* SO_TIMESTAMPING's hardware flags (0: none,
                                        else UDP_HW_FLAGS) */
};

/* A packet's hardware timestamp (hw zero: none) and interface (0: unknown):
 * SCM_TIMESTAMPING's raw hardware time, the interface of
 * SCM_TIMESTAMPING_PKTINFO (which stamped it, with the frame's length) or
 * of IP(V6)_PKTINFO; a sent one's frame length from the error queue. */
struct udp_hw_info {
  struct timespec hw;
  int if_index;
  int l2_len;                        /* 0: unknown */
};

/* Bind to local:port (local NULL or UNSPEC: the wildcard of `family`),
 * with opt (NULL: none). Returns a non-blocking fd or -errno. */
int udp_open(enum addr_family family, const struct ip_addr *local, uint16_t port,
             const struct udp_options *opt);

/* Make the kernel pick, among the n sockets of fd's SO_REUSEPORT group (in
 * the order they were bound), the one for each datagram by its source
 * address alone, not address and port: every datagram of a client then
 * reaches the same socket, whatever source port it uses. Returns 0 or
 * -errno. */
int udp_steer_by_source_address(int fd, enum addr_family family, unsigned n);

/* Batch receive (recvmmsg): slots allocated once, reused for every call, so
 * nothing is allocated per datagram. */
struct udp_rx_batch {
  unsigned cap;            /* slots */
  size_t buf_size;         /* bytes per slot */
  uint8_t *bufs;           /* cap * buf_size */
  void *msgs;              /* struct mmsghdr[cap] */
  void *iovs;              /* struct iovec[cap] */
  void *names;             /* sockaddr storage [cap] */
  void *control;           /* control buffers [cap] */
};

/* Returns 0 or -ENOMEM. */
int udp_rx_batch_init(struct udp_rx_batch *b, unsigned cap, size_t buf_size);
void udp_rx_batch_free(struct udp_rx_batch *b);

/* Receive up to max (<= b->cap) queued datagrams with one recvmmsg, without
 * blocking; dgs[i] gets the data (pointing into the
 * batch's slot i, valid until the next call), each with its own kernel
 * receive timestamp (hws[i]: its hardware one). Returns how many (>= 1), or -errno (-EAGAIN when none
 * is queued). */
int udp_recv_batch(int fd, struct udp_rx_batch *b, unsigned max, struct plat_datagram *dgs,
                   struct udp_hw_info *hws);

#define UDP_SEND_STAMP_TRANSMIT 1u   /* bytes 40-47 get the NTP time read
                                        just before the system call, plus
                                        the offset they held (ntp_ts_offset) */
#define UDP_SEND_TX_TIMESTAMP 2u     /* queue the kernel's transmit timestamp
                                        (after udp_enable_tx_timestamps) */
#define UDP_SEND_TX_HARDWARE 4u      /* ...and the NIC's */
#define UDP_SEND_STAMP_EVEN 8u       /* with UDP_SEND_STAMP_TRANSMIT: its
                                        lowest bit cleared */

/* Send buf; `sent` (if not NULL) gets the time read just before the system
 * call. Returns 0 or -errno. */
int udp_send(int fd, const struct ip_addr *local, const struct ip_addr *to, uint16_t port,
             uint8_t *buf, size_t len, unsigned flags, struct timespec *sent);
/* The same, with prefix_len bytes of prefix sent before buf (the flags
 * still apply to buf: NTP over PTP). */
int udp_send_prefixed(int fd, const struct ip_addr *local, const struct ip_addr *to,
                      uint16_t port, const uint8_t *prefix, size_t prefix_len, uint8_t *buf,
                      size_t len, unsigned flags, struct timespec *sent);

/* One datagram made ready to leave with others in one system call
 * (udp_send_batch): its data, destination and control messages. */
#define UDP_OUT_MAX 1500
struct udp_out {
  struct sockaddr_storage dst;
  union {
    /* IP(V6)_PKTINFO and a per-message SO_TIMESTAMPING request */
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
    size_t align;              /* control messages' alignment (struct
                                  cmsghdr ends in a flexible array) */
  } control;
  struct iovec iov;
  uint8_t data[UDP_OUT_MAX];
};

/* Copy buf (stamped as udp_send does, the clock read now: *sent) into o,
 * m the message pointing at it. Returns 0, or -EMSGSIZE if it is longer
 * than UDP_OUT_MAX. */
int udp_out_prepare(struct udp_out *o, struct mmsghdr *m, const struct ip_addr *local,
                    const struct ip_addr *to, uint16_t port, const uint8_t *buf, size_t len,
                    unsigned flags, struct timespec *sent);
/* Send msgs[0..n) with one sendmmsg: how many left (>= 1), or -errno of
 * the first, which did not (those after it were not tried). */
int udp_send_batch(int fd, struct mmsghdr *msgs, unsigned n);

/* Kernel transmit timestamps on fd (with hw_flags: hardware ones too):
 * each datagram sent with UDP_SEND_TX_TIMESTAMP gets one (or two: kernel
 * and hardware), numbered from 0 in sending order, read from the socket's
 * error queue (which makes poll report POLLERR). */
int udp_enable_tx_timestamps(int fd, unsigned hw_flags);

/* One queued transmit timestamp (tx_time and hw->hw: the kernel's and the
 * hardware's, zero where it has none; hw->l2_len: the length of the frame
 * sent when it comes back with it, else 0): 0, -EAGAIN when none is
 * queued, or -ENOMSG for an error-queue message that is not one. */
#define UDP_TX_FRAME_MAX 2048
int udp_read_tx_timestamp(int fd, uint32_t *id, struct timespec *tx_time,
                          struct udp_hw_info *hw);

/* The control messages of a received datagram (recvmsg's msg): the
 * kernel's receive time (rx_time, with rx_source PLAT_TS_KERNEL), the
 * address the datagram was sent to (local) and *hw, where they are given. */
void udp_parse_rx_cmsgs(struct msghdr *msg, struct plat_datagram *dg, struct udp_hw_info *hw);
/* The control messages of a message of the error queue: a transmit
 * timestamp (kernel or hardware, zero for the one not given) and its
 * number. 0, or -ENOMSG when it is not one. */
int udp_parse_tx_cmsgs(struct msghdr *msg, uint32_t *id, struct timespec *tx_time,
                       struct udp_hw_info *hw);

#endif
