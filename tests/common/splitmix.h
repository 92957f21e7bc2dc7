/* splitmix64 (Steele, Lea and Flood, 2014): the tests' one seeded random
 * generator.  Each test keeps its own state (its seed), so a run is the
 * same on every machine and a failure replays. */
#ifndef TG_TEST_SPLITMIX_H
#define TG_TEST_SPLITMIX_H

#include <stdint.h>

static inline uint64_t tg_test_splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

#endif /* TG_TEST_SPLITMIX_H */
