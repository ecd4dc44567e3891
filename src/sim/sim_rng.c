#include "sim/sim_rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
  uint64_t state = seed;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&state);
  /* splitmix64 outputs are a bijection of distinct states, so the four
   * words cannot all be zero (the one state xoshiro must avoid). */
}

uint64_t sim_rng_derive(uint64_t seed, uint64_t stream)
{
  uint64_t state = seed;
  uint64_t mixed = splitmix64(&state) ^ stream;
  return splitmix64(&mixed);
}

uint64_t sim_rng_next(struct sim_rng *r)
{
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double sim_rng_uniform(struct sim_rng *r)
{
  return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

double sim_rng_normal(struct sim_rng *r)
{
  /* Box-Muller; 1 - u is in (0, 1], so the logarithm is finite. */
  double u = 1.0 - sim_rng_uniform(r);
  double v = sim_rng_uniform(r);
  return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

double sim_rng_exponential(struct sim_rng *r)
{
  return -log(1.0 - sim_rng_uniform(r));
}

void sim_rng_bytes(struct sim_rng *r, void *buf, size_t len)
{
  uint8_t *p = buf;
  uint64_t x = 0;
  /* Least significant byte first, so the bytes do not depend on the host's
   * byte order. */
  for (size_t i = 0; i < len; i++) {
    if (i % 8 == 0)
      x = sim_rng_next(r);
    p[i] = (uint8_t)(x >> (8 * (i % 8)));
  }
}
