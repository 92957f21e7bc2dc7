/* alloc_count.c: the counting allocator of alloc_count.h. */
#include "alloc_count.h"

#include <stddef.h>
#include <stdlib.h>

/* volatile: the compiler models malloc as touching no global of ours */
static volatile unsigned long g_allocs;

unsigned long alloc_count(void)
{
    return g_allocs;
}

#if defined(__SANITIZE_ADDRESS__)
#define TG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TG_ASAN 1
#endif
#endif

#ifdef TG_ASAN
int __sanitizer_install_malloc_and_free_hooks(void (*m)(const volatile void *, size_t),
                                              void (*f)(const volatile void *));
static void on_malloc(const volatile void *p, size_t n)
{
    (void)p;
    (void)n;
    g_allocs++;
}
static void on_free(const volatile void *p)
{
    if (p)
        g_allocs++;
}
void alloc_count_start(void)
{
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}
#else
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);
void __libc_free(void *);
void *memalign(size_t, size_t);
int posix_memalign(void **, size_t, size_t);

void *malloc(size_t n)
{
    g_allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    g_allocs++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    g_allocs++;
    return __libc_realloc(p, n);
}
void free(void *p)
{
    if (p)
        g_allocs++;
    __libc_free(p);
}
void *memalign(size_t a, size_t n)
{
    g_allocs++;
    return __libc_memalign(a, n);
}
void *aligned_alloc(size_t a, size_t n)
{
    g_allocs++;
    return __libc_memalign(a, n);
}
int posix_memalign(void **p, size_t a, size_t n)
{
    g_allocs++;
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;
}
void alloc_count_start(void)
{
}
#endif
