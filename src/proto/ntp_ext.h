/* ntp_ext: the non-authentication extension fields chronyd uses (source
 * option extfield), their bodies encoded and decoded.
 *
 * F323, chrony's experimental "monotonic root" field (chrony 4.2 to 4.9,
 * the same layout throughout; 4.3 called it EXP1): a magic number, root
 * delay and dispersion in 4.28 fixed point (more resolution than the
 * header's 16.16), the server's receive timestamp on its monotonic scale
 * (the real-time scale without its offset corrections) and that scale's
 * epoch id (new after every step). 24 bytes of body.
 *
 * 10A, the Network Correction field (chrony 4.9; 4.5-4.8 sent an
 * experimental F324 with another layout, which is not decoded: the
 * configuration takes F324 as 10A's old name, as chrony 4.9 does): the
 * correction that PTP transparent clocks added to the request on its way,
 * as a signed 32.32 number of seconds, then 16 bytes of padding.
 *
 * A request carries each field with a zero body (but the magic); a reply
 * carries the values. A field of the right type whose length or magic is
 * wrong is not recognised (chrony's rule). */
#ifndef STRATUM_PROTO_NTP_EXT_H
#define STRATUM_PROTO_NTP_EXT_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/ntp_packet.h"
#include "proto/ntp_time.h"
#include "proto/wire.h"

#define NTPEXT_MONO_ROOT 0xF323u
#define NTPEXT_NET_CORRECTION 0x010Au
#define NTPEXT_BODY_LEN 24               /* both fields' bodies */
#define NTPEXT_FIELD_LEN (NTP_EF_HEADER_LEN + NTPEXT_BODY_LEN)
#define NTPEXT_MONO_ROOT_MAGIC 0xF5BEDD9Au

/* Which fields: the bits of config.h's CONF_EF_* */
#define NTPEXT_FLAG_MONO_ROOT 0x1u
#define NTPEXT_FLAG_NET_CORRECTION 0x2u

struct ntpext_mono_root {
  double root_delay, root_dispersion;   /* s */
  ntp_ts mono_receive;                  /* 0: none (a request, or smoothtime) */
  uint32_t mono_epoch;
};

/* 4.28 fixed point, rounded up, saturating at 0xffffffff (which decodes as
 * chrony's maximum, 16 s): as error bounds. */
uint32_t ntpext_f28_from_double(double seconds);
double ntpext_f28_to_double(uint32_t v);

/* Append the field (w->err if it does not fit). */
void ntpext_write_mono_root(struct wire_writer *w, const struct ntpext_mono_root *m);
void ntpext_write_net_correction(struct wire_writer *w, double correction);

/* The field's values, if ef is a well-formed one of its type. */
bool ntpext_read_mono_root(const struct ntp_ef *ef, struct ntpext_mono_root *out);
bool ntpext_read_net_correction(const struct ntp_ef *ef, double *correction);

/* NTPEXT_FLAG_* of the well-formed fields of a parsed packet. */
unsigned ntpext_flags(const struct ntp_packet *p);

#endif
