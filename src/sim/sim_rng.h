/* sim_rng: the simulator's seeded pseudo-random numbers.
 *
 * xoshiro256** seeded through splitmix64: the same seed gives the same
 * sequence on every platform and run. sim_rng_derive() turns a seed and a
 * stream number into an independent seed, so every part of a simulation
 * (each clock, each link, each node's random bytes) draws from its own
 * stream and one part's usage never shifts another's numbers. Not for
 * cryptography. */
#ifndef STRATUM_SIM_RNG_H
#define STRATUM_SIM_RNG_H

#include <stddef.h>
#include <stdint.h>

struct sim_rng {
  uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_derive(uint64_t seed, uint64_t stream);

uint64_t sim_rng_next(struct sim_rng *r);
double sim_rng_uniform(struct sim_rng *r);       /* [0, 1), 53 random bits */
double sim_rng_normal(struct sim_rng *r);        /* mean 0, standard deviation 1 */
double sim_rng_exponential(struct sim_rng *r);   /* mean 1 */
void sim_rng_bytes(struct sim_rng *r, void *buf, size_t len);

#endif
