/* exchange: one client/server NTP exchange, seen from the client.
 *
 * exch_build_request() makes a data-minimised request as chronyd's: zeros
 * but version, mode, our poll (the server echoes it: a client's log shows
 * the remote poll), precision 32 (nothing to reveal) and a random
 * transmit timestamp (the nonce) that the reply must echo as its origin. exch_check_reply() applies RFC 5905's
 * packet tests to a reply and computes offset and delay from the four
 * timestamps; a reply failing a test yields no sample. exch_check_auth() is
 * the authentication test (RFC 5905's test 5) as chrony applies it.
 * exch_check_symmetric() applies the same tests to a symmetric peer's
 * packet (mode 1 or 2) answering ours, whose transmit timestamp it must
 * echo as origin. The checks take the packet as ntp_packet_parse left it
 * where it was received (any status: a malformed one fails them), so one
 * datagram is decoded once however many of them look at it. */
#ifndef STRATUM_CORE_EXCHANGE_H
#define STRATUM_CORE_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/platform.h"
#include "proto/ntp_ext.h"
#include "proto/ntp_mac.h"
#include "proto/ntp_packet.h"
#include "proto/ntp_time.h"

enum exch_result {
  EXCH_OK = 0,
  EXCH_BAD_FORMAT,      /* not a parseable NTP packet */
  EXCH_BAD_MODE,        /* not a server reply */
  EXCH_BAD_ORIGIN,      /* origin is not our nonce (bogus, or a replay) */
  EXCH_ZERO_TIMESTAMP,  /* receive or transmit timestamp unset */
  EXCH_KOD,             /* kiss-o'-death (leap 3, stratum 0); refid holds the code */
  EXCH_UNSYNCHRONISED,  /* leap 3, stratum 0 or stratum >= 16 */
  EXCH_BAD_TIMES,       /* a server held the request over 4 s (chrony's limit) */
  EXCH_RESULT_COUNT
};

struct exch_sample {
  double offset;        /* server time minus local time: > 0 when the local
                           clock is behind */
  double delay;
  double root_delay, root_dispersion;
  int stratum;
  int precision;        /* the server's, log2 seconds */
  uint8_t leap;
  uint8_t version;
  uint32_t refid;
};

/* The header of such a request; poll is log2 seconds. */
void exch_request_header(struct ntp_header *h, int version, int poll, ntp_ts nonce);
size_t exch_build_request(uint8_t buf[48], int version, int poll, ntp_ts nonce);
/* The packet with header h and, with a key ID other than 0, a MAC made with
 * key. Returns its length, or 0 if the key is missing or the MAC cannot be
 * made. buf holds NTP_HEADER_LEN + NTP_MAC_MAX_LEN. */
size_t exch_build_auth_packet(uint8_t *buf, size_t cap, const struct ntp_header *h,
                              uint32_t keyid, const struct ntp_key *key);
/* The same with, after the header, the extension fields of ext_fields
 * (NTPEXT_FLAG_*, proto/ntp_ext.h), which the MAC covers too: F323 with
 * mono's values (a peer's packet) or, mono NULL, a request's zeros; 10A
 * with a zero correction. buf holds NTP_HEADER_LEN + 2 * NTPEXT_FIELD_LEN +
 * NTP_MAC_MAX_LEN. */
size_t exch_build_ext_packet(uint8_t *buf, size_t cap, const struct ntp_header *h,
                             unsigned ext_fields, const struct ntpext_mono_root *mono,
                             uint32_t keyid, const struct ntp_key *key);
/* The request with a MAC made with `key` (keyid 0: none). Returns its
 * length, or 0 if a key is configured but missing or the MAC cannot be made
 * (chronyd then sends nothing). buf holds NTP_HEADER_LEN + NTP_MAC_MAX_LEN. */
size_t exch_build_auth_request(uint8_t *buf, size_t cap, int version, int poll, ntp_ts nonce,
                               uint32_t keyid, const struct ntp_key *key);
/* The version to send in (0 configured: 4, or 3 when NTPv4 would truncate
 * the key's MAC, as chronyd chooses). */
int exch_request_version(int configured, const struct ntp_key *key);
/* As chronyd when it creates a source: warn about a missing key (id not 0,
 * key NULL) or one shorter than 80 bits. */
void exch_warn_key(const struct platform *plat, uint32_t id, const struct ntp_key *key);
/* local_tx: when the request left (local clock); local_rx: when the reply
 * arrived. */
enum exch_result exch_check_reply(const struct ntp_packet *p, ntp_ts nonce,
                                  const struct timespec *local_tx,
                                  const struct timespec *local_rx, struct exch_sample *out);
/* An interleaved reply (RFC 9769), or with `symmetric` a peer's
 * interleaved packet answering ours: its origin must be `origin`, the
 * receive field of our packet; its transmit timestamp is the server's
 * (peer's) transmit time of its previous packet, which measured the
 * previous exchange: ours sent at prev_tx, received there at
 * prev_remote_rx, the answer back at prev_rx. */
enum exch_result exch_check_interleaved(const struct ntp_packet *p, bool symmetric, ntp_ts origin,
                                        const struct timespec *prev_tx, ntp_ts prev_remote_rx,
                                        const struct timespec *prev_rx, struct exch_sample *out);
/* The same answer, when the previous exchange already made a (basic)
 * sample: as chrony, its timestamps are not used twice; the previous answer
 * (sent at the transmit time this one carries, received at prev_rx) is
 * paired with our last packet (sent at local_tx, received there at this
 * answer's receive time). */
enum exch_result exch_check_interleaved_crossed(const struct ntp_packet *p, bool symmetric,
                                                ntp_ts origin, const struct timespec *local_tx,
                                                const struct timespec *prev_rx,
                                                struct exch_sample *out);
/* our_tx: the transmit timestamp of our last packet to the peer; local_tx:
 * when it left, local_rx: when the answer arrived. */
enum exch_result exch_check_symmetric(const struct ntp_packet *p, ntp_ts our_tx,
                                      const struct timespec *local_tx,
                                      const struct timespec *local_rx, struct exch_sample *out);
/* Is the reply authenticated as the request was? With keyid 0 (no key) the
 * reply must carry no MAC at all (chrony rejects a MAC or crypto-NAK it did
 * not ask for); otherwise it must end with a MAC with this key ID that
 * verifies with key (NULL: never). A malformed reply fails. */
bool exch_check_auth(const struct ntp_packet *p, uint32_t keyid, const struct ntp_key *key);
const char *exch_result_name(enum exch_result r);

#endif
