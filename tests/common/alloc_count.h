/*
 * alloc_count.h: count every heap call of the executable, to prove code
 * allocates nothing.  malloc, calloc, realloc, free, memalign,
 * aligned_alloc and posix_memalign are replaced in the executable that links
 * tg_test_alloc_count by versions that count and forward to glibc's __libc_*
 * functions; glibc's own internal calls (from printf or strtod, say) go
 * through the same interposable symbols and are counted too.  Under
 * AddressSanitizer, which owns the allocator, its malloc/free hooks count
 * instead.  free(NULL) is not counted.
 *
 * Call alloc_count_start() once before the first alloc_count(); prove the
 * counter works with a deliberate malloc/free (it must count 2).
 */
#ifndef TG_TEST_ALLOC_COUNT_H
#define TG_TEST_ALLOC_COUNT_H

/* Start counting (installs the sanitizer hooks where there are any). */
void alloc_count_start(void);

/* Heap calls counted so far. */
unsigned long alloc_count(void);

#endif /* TG_TEST_ALLOC_COUNT_H */
