/* workers: opt-in NTP server workers (`serverworkers N`), for machines with
 * cores to spare.
 *
 * Each worker is a thread with its own event loop, Linux platform, client
 * log and struct ntp_server, and its own UDP sockets bound with
 * SO_REUSEPORT to the server sockets' addresses and port (the main loop's
 * sockets set it too). A classic BPF program on the group makes the kernel
 * pick the socket by the client's address alone
 * (udp_steer_by_source_address), so each client stays with one socket
 * whatever source ports it uses. A worker answers plain 48-byte client requests itself,
 * from a snapshot of the reference state and access table that the main
 * loop publishes every second; every other datagram (MACs, extension
 * fields, symmetric peers, anything it would drop as malformed) goes to the
 * main loop through a datagram socket pair and is handled there as if the
 * main socket had received it, so keys, peers and counting stay in one
 * place.
 *
 * Each worker's client log holds clientloglimit / (N + 1) bytes; as a
 * client always reaches the same socket, rate limits and interleaved mode
 * work as with one loop (if the kernel refuses the program, with a
 * warning, it spreads by address and port, and a client that changes its
 * port may reach a socket that knows nothing of it). Worker totals reach
 * serverstats (within a second); `clients` lists the main loop's records,
 * then each worker's.
 *
 * Start order (workers_open, then workers_run): the sockets are opened
 * while the daemon may still bind privileged ports, the threads started
 * after privileges were dropped (so they inherit the reduced capabilities)
 * and before the system call filter is loaded (it applies to all threads). */
#ifndef STRATUM_DAEMON_WORKERS_H
#define STRATUM_DAEMON_WORKERS_H

#include <stdbool.h>

#include "core/access.h"
#include "core/clientlog.h"
#include "core/ntp_server.h"
#include "core/reference.h"
#include "sys/loop.h"

struct workers;

/* Where a forwarded datagram goes: the main loop's receive handler of its
 * server socket of that family. */
struct workers_main {
  struct loop *loop;
  plat_recv_fn fn;
  void *arg;
  int sock[2];                       /* IPv4, IPv6 server sockets; -1: none */
  const struct ip_addr *bind[2];     /* their bind addresses (NULL: wildcard) */
  uint16_t port;
  int dscp;                          /* and their options (dscp, binddevice, */
  const char *device;
  int tx_buffers;                    /* maxtxbuffers) */
};

/* n workers with sockets for each family the main loop serves; NULL (with
 * the reason logged) on failure. The initial snapshot is taken from ref and
 * access. */
struct workers *workers_open(int n, const struct workers_main *m, const struct clog_params *cp,
                             const struct refstate *ref, const struct access_table *access);
/* Start the threads. false if one could not be started. */
bool workers_run(struct workers *ws);
/* Stop and join the threads (their final counts are then reported); NULL
 * is fine. */
void workers_stop(struct workers *ws);
/* Stop, close and free everything; NULL is fine. */
void workers_free(struct workers *ws);

/* Add the workers' counts (as of their last report, at most a second old)
 * to what serverstats shows. */
void workers_add_totals(struct workers *ws, struct srv_stats *stats, struct clog_totals *totals);

/* `clients` over the workers' client logs, one after the other (the
 * sizes as of their last report): how many indices they span, and
 * cmdsrv_ops.extra_client_reports. Each worker reads its own log when the
 * main loop asks (waiting at most half a second; a worker that does not
 * answer in time is skipped). */
uint32_t workers_client_indices(struct workers *ws);
uint32_t workers_client_reports(struct workers *ws, uint32_t first, uint32_t want, bool reset,
                                uint32_t min_hits, const struct timespec *now,
                                struct clog_report *out, uint32_t *next);

#endif
