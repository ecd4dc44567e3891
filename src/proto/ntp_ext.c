/* ntp_ext: chronyd's F323 and 10A extension fields (see ntp_ext.h). */
#include "proto/ntp_ext.h"

#include <math.h>
#include <string.h>

#define F28_ONE 268435456.0        /* 2^28 */
#define F28_MAX 16.0               /* what 0xffffffff stands for (chrony's) */

uint32_t ntpext_f28_from_double(double seconds)
{
  if (!(seconds > 0.0))
    return seconds <= 0.0 ? 0 : UINT32_MAX;      /* NaN: the worst */
  if (seconds >= UINT32_MAX / F28_ONE)
    return UINT32_MAX;
  return (uint32_t)ceil(seconds * F28_ONE);
}

double ntpext_f28_to_double(uint32_t v)
{
  return v == UINT32_MAX ? F28_MAX : v / F28_ONE;
}

void ntpext_write_mono_root(struct wire_writer *w, const struct ntpext_mono_root *m)
{
  uint8_t body[NTPEXT_BODY_LEN];
  struct wire_writer b;

  wire_writer_init(&b, body, sizeof(body));
  wire_put_u32(&b, NTPEXT_MONO_ROOT_MAGIC);
  wire_put_u32(&b, ntpext_f28_from_double(m->root_delay));
  wire_put_u32(&b, ntpext_f28_from_double(m->root_dispersion));
  wire_put_u64(&b, m->mono_receive);
  wire_put_u32(&b, m->mono_epoch);
  ntp_ef_write(w, NTPEXT_MONO_ROOT, body, sizeof(body));
}

void ntpext_write_net_correction(struct wire_writer *w, double correction)
{
  uint8_t body[NTPEXT_BODY_LEN] = {0};
  struct wire_writer b;

  wire_writer_init(&b, body, sizeof(body));
  wire_put_u64(&b, ntp_ts_offset(correction));
  ntp_ef_write(w, NTPEXT_NET_CORRECTION, body, sizeof(body));
}

bool ntpext_read_mono_root(const struct ntp_ef *ef, struct ntpext_mono_root *out)
{
  struct wire_reader r;

  if (ef->type != NTPEXT_MONO_ROOT || ef->body_len != NTPEXT_BODY_LEN)
    return false;
  wire_reader_init(&r, ef->body, ef->body_len);
  if (wire_get_u32(&r) != NTPEXT_MONO_ROOT_MAGIC)
    return false;
  out->root_delay = ntpext_f28_to_double(wire_get_u32(&r));
  out->root_dispersion = ntpext_f28_to_double(wire_get_u32(&r));
  out->mono_receive = wire_get_u64(&r);
  out->mono_epoch = wire_get_u32(&r);
  return !r.err;
}

bool ntpext_read_net_correction(const struct ntp_ef *ef, double *correction)
{
  struct wire_reader r;

  if (ef->type != NTPEXT_NET_CORRECTION || ef->body_len != NTPEXT_BODY_LEN)
    return false;
  wire_reader_init(&r, ef->body, ef->body_len);
  *correction = ntp_ts_diff(wire_get_u64(&r), 0);
  return !r.err;
}

unsigned ntpext_flags(const struct ntp_packet *p)
{
  unsigned flags = 0;
  struct ntpext_mono_root m;
  double c;

  for (unsigned i = 0; i < p->n_ef; i++) {
    if (ntpext_read_mono_root(&p->ef[i], &m))
      flags |= NTPEXT_FLAG_MONO_ROOT;
    else if (ntpext_read_net_correction(&p->ef[i], &c))
      flags |= NTPEXT_FLAG_NET_CORRECTION;
  }
  return flags;
}
