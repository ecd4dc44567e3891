/* nts_ke: NTS Key Establishment messages (RFC 8915 section 4), the records
 * exchanged over TLS before NTP starts, with chrony's limits and its
 * "compliant AES-128-GCM-SIV export" record.
 *
 * A message is a sequence of records, each a 16-bit type whose top bit is
 * the critical bit, a 16-bit body length and the body; End of Message (a
 * critical, empty record of type 0) ends it. ntske_parse() reads a whole
 * message into struct ntske_message, checking each record's layout and the
 * rules of the side that receives it; ntske_build() writes one. The TLS
 * session, the key export call and what a client or server then does with
 * a message belong to the callers.
 *
 * Record 1024 (chrony 4.6.1 and later, non-critical, empty body): sent by a
 * client offering AES-128-GCM-SIV and echoed by a server choosing it, it says
 * both sides export the keys with the algorithm's own ID in the exporter
 * context. Without it chrony puts AES-SIV-CMAC-256's ID (15) there for
 * AES-128-GCM-SIV too, a bug of its earlier versions kept for compatibility
 * (see ntske_exporter_algorithm()). */
#ifndef STRATUM_PROTO_NTS_KE_H
#define STRATUM_PROTO_NTS_KE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTSKE_PORT 4460
#define NTSKE_ALPN "ntske/1"
#define NTSKE_EXPORTER_LABEL "EXPORTER-network-time-security"
#define NTSKE_CONTEXT_LEN 5             /* protocol, algorithm, direction */

#define NTSKE_CRITICAL 0x8000u
#define NTSKE_RECORD_HEADER_LEN 4
/* chrony's limits (nts_ke.h): a message, a cookie, cookies kept. */
#define NTSKE_MAX_MESSAGE_LEN 16384
#define NTSKE_MAX_COOKIE_LEN 256
#define NTSKE_MAX_COOKIES 8
/* Values of a list record kept (chrony reads 256 bytes of a body). */
#define NTSKE_MAX_LIST 128
#define NTSKE_MAX_SERVER_LEN 255

enum ntske_record {
  NTSKE_END_OF_MESSAGE = 0,
  NTSKE_NEXT_PROTOCOL = 1,
  NTSKE_ERROR = 2,
  NTSKE_WARNING = 3,
  NTSKE_AEAD_ALGORITHM = 4,
  NTSKE_NEW_COOKIE = 5,
  NTSKE_NTPV4_SERVER = 6,
  NTSKE_NTPV4_PORT = 7,
  NTSKE_COMPLIANT_128GCM = 1024,
};

#define NTSKE_PROTOCOL_NTPV4 0

enum ntske_error_code {
  NTSKE_ERROR_UNRECOGNIZED_CRITICAL = 0,
  NTSKE_ERROR_BAD_REQUEST = 1,
  NTSKE_ERROR_INTERNAL = 2,
};

/* Which side receives the message: a server parses requests, a client
 * responses. */
enum ntske_role {
  NTSKE_REQUEST,
  NTSKE_RESPONSE,
};

enum ntske_status {
  NTSKE_OK = 0,
  NTSKE_INCOMPLETE,         /* no End of Message yet: read more */
  NTSKE_TOO_LONG,           /* NTSKE_MAX_MESSAGE_LEN bytes and not complete */
  NTSKE_BAD_END,            /* End of Message not critical, not empty, or not last */
  NTSKE_UNKNOWN_CRITICAL,   /* a critical record of a type not known */
  NTSKE_BAD_RECORD,         /* a body of the wrong length or contents, or a
                               record that must be critical but is not */
  NTSKE_DUPLICATE,          /* a record that may appear once appears again */
  NTSKE_UNEXPECTED,         /* a record this side must not receive */
  NTSKE_MISSING,            /* a record this side must receive is absent */
};

struct ntske_cookie {
  size_t len;
  uint8_t data[NTSKE_MAX_COOKIE_LEN];
};

/* A message's contents. A list record that is present but empty (a
 * server's refusal) has has_* set and a count of 0. */
struct ntske_message {
  bool has_protocols, has_algorithms;
  size_t n_protocols, n_algorithms;     /* up to NTSKE_MAX_LIST kept */
  uint16_t protocols[NTSKE_MAX_LIST];
  uint16_t algorithms[NTSKE_MAX_LIST];
  bool has_error, has_warning;
  uint16_t error, warning;
  bool compliant_128gcm;                /* record 1024 */
  bool has_server, has_port;
  char server[NTSKE_MAX_SERVER_LEN + 1];        /* NUL-terminated */
  uint16_t port;
  /* Responses only. Like chrony's client, cookies that are empty, longer
   * than NTSKE_MAX_COOKIE_LEN or not a multiple of 4 bytes, and those after
   * the first NTSKE_MAX_COOKIES, are skipped, not fatal. */
  size_t n_cookies;
  struct ntske_cookie cookies[NTSKE_MAX_COOKIES];
};

/* Parse the len bytes at buf as one message received by `role` (a peer
 * sends one message, so bytes after End of Message are an error). On
 * failure *msg holds what was read before the error. The rules beyond each
 * record's layout:
 *  - Next Protocol must be critical; a request needs one with at least one
 *    protocol and, if NTPv4 is among them, one AEAD record with at least one
 *    algorithm; a response needs one with at most one protocol, unless it
 *    carries an Error, and AEAD records with at most one algorithm.
 *  - A request must not carry Error, Warning or New Cookie.
 *  - Next Protocol, AEAD, the server, the port and record 1024 may each
 *    appear once; Error, Warning and the port have 2-byte bodies; the server
 *    is 1 to NTSKE_MAX_SERVER_LEN printable characters without spaces;
 *    record 1024 is empty.
 *  - Unknown non-critical records are skipped. */
enum ntske_status ntske_parse(const uint8_t *buf, size_t len, enum ntske_role role,
                              struct ntske_message *msg);
const char *ntske_status_name(enum ntske_status status);
/* The Error code a server answers a request that failed with this status
 * (never NTSKE_OK or NTSKE_INCOMPLETE): Unrecognized Critical Record for an
 * unknown critical record, Bad Request otherwise. */
uint16_t ntske_status_error(enum ntske_status status);

/* Write msg with an End of Message into out: Next Protocol, Error, Warning,
 * AEAD (all critical), record 1024, the port and the server (critical), the
 * cookies, each record only if present. Returns the length, or 0 if it does
 * not fit in cap or a field is out of range (a cookie longer than
 * NTSKE_MAX_COOKIE_LEN, more than NTSKE_MAX_COOKIES, a list longer than
 * NTSKE_MAX_LIST, an empty or overlong server name). */
size_t ntske_build(const struct ntske_message *msg, uint8_t *out, size_t cap);

/* A client's request as chrony's makes it: NTPv4, the algorithms in order
 * of preference (at most NTSKE_MAX_LIST), record 1024 if AES-128-GCM-SIV is
 * among them. */
void ntske_make_request(struct ntske_message *msg, const uint16_t *algorithms, size_t n);

/* A server's response to a request that parsed with `status`, as chrony's
 * server answers: an Error record alone if the status is not NTSKE_OK;
 * otherwise Next Protocol (NTPv4, or empty if the client did not offer it)
 * and AEAD (the first of the client's algorithms that is also in
 * `supported`, or empty), with record 1024 echoed if that algorithm is
 * AES-128-GCM-SIV and the client sent it. Returns whether the response
 * grants NTPv4 with an algorithm (the caller then exports keys and adds
 * cookies, and the server and port if it has any). */
bool ntske_make_response(const struct ntske_message *request, enum ntske_status status,
                         const uint16_t *supported, size_t n_supported,
                         struct ntske_message *response);

/* The AEAD ID to put in the exporter context for the negotiated one: its
 * own, except AES-SIV-CMAC-256's for AES-128-GCM-SIV unless both sides sent
 * record 1024 (chrony's compatibility rule). */
uint16_t ntske_exporter_algorithm(uint16_t algorithm, bool compliant_128gcm);
/* The TLS exporter context for the C2S (s2c false) or S2C key (RFC 8915
 * section 5.1): protocol ID, AEAD ID (both big-endian), then 0 or 1. */
void ntske_exporter_context(uint16_t protocol, uint16_t algorithm, bool s2c,
                            uint8_t out[NTSKE_CONTEXT_LEN]);

#endif
