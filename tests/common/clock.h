/* clock.h: the monotonic clock and sleep the tests time things with. */
#ifndef TG_TEST_CLOCK_H
#define TG_TEST_CLOCK_H

#include <stdint.h>

/* Monotonic time (CLOCK_MONOTONIC) in milliseconds and microseconds. */
int64_t test_now_ms(void);
int64_t test_now_us(void);

/* Sleep ms milliseconds, us microseconds (nanosleep; a signal may end it
 * early). */
void test_sleep_ms(int ms);
void test_sleep_us(long us);

#endif /* TG_TEST_CLOCK_H */
