/* tg_workers_int.h (private to runtime/kafka, not installed): a fixed pool
 * of threads, each serving one FIFO lane, for the consumer's worker mode
 * (topicgen.workers > 0).
 *
 * The owner (one thread: the consumer's polling thread) submits work items
 * to lanes; lane i is run by thread i, one item at a time, in submission
 * order, so items of one lane never overlap and never reorder.  The run
 * function may ask to stall its lane (e.g. the handler wants a retry): the
 * thread then takes nothing more from that lane until the owner re-submits
 * an item at the front or unstalls it.  Finished items go to a done list
 * the owner takes; a notify callback (on the worker thread) tells the owner
 * that the list became non-empty.
 *
 * Items are intrusive (tg_work embedded in the owner's struct) and never
 * allocated here: the owner bounds how many exist, so the lanes are bounded
 * too.  Thread-safety: every function except tg_workers_new/free may be
 * called from any thread, but the intended use is a single owner thread;
 * run and notify are called on worker threads, without the pool's lock. */
#ifndef TG_WORKERS_INT_H
#define TG_WORKERS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "tg_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_work {
    struct tg_work *next;          /* private: lane / done list link          */
    unsigned lane;                 /* private: set by tg_workers_submit       */
} tg_work;

/* Run one item on worker thread `worker` (== its lane).  Return true to
 * stall the lane after this item.  Must not call back into the pool. */
typedef bool (*tg_work_fn)(void *ctx, unsigned worker, tg_work *w);

/* Called on a worker thread when the done list turns non-empty (e.g. to
 * wake the owner's poll).  Must be thread-safe; may be NULL. */
typedef void (*tg_work_notify_fn)(void *ctx);

typedef struct tg_workers tg_workers;

/* Start n (1..256) threads.  ctx is passed to run and notify (not owned).
 * NULL + err on failure (no thread is left running). */
tg_workers *tg_workers_new(unsigned n, tg_work_fn run, tg_work_notify_fn notify, void *ctx,
                           tg_error *err);

/* Number of threads (= lanes). */
unsigned tg_workers_count(const tg_workers *ws);

/* Queue w on lane `lane % count`: at the back, or (front = true) ahead of
 * everything queued there, clearing a stall (re-running the item that
 * stalled the lane keeps the lane's order).  w stays owned by the caller
 * and must stay valid and untouched until it comes back from
 * tg_workers_take_done or tg_workers_cancel. */
void tg_workers_submit(tg_workers *ws, tg_work *w, unsigned lane, bool front);

/* Let a stalled lane run its queued items again. */
void tg_workers_unstall(tg_workers *ws, unsigned lane);

/* Detach the finished items (a list linked by ->next, any order); NULL if
 * none.  Each item is then the caller's again. */
tg_work *tg_workers_take_done(tg_workers *ws);

/* Wait up to timeout_ms for the done list to become non-empty. */
void tg_workers_wait_done(tg_workers *ws, int timeout_ms);

/* Remove every queued (not yet started) item for which match(w, arg) is
 * true and return them as a list linked by ->next (NULL if none). */
tg_work *tg_workers_cancel(tg_workers *ws, bool (*match)(const tg_work *w, void *arg),
                           void *arg);

/* Stop the threads (items running finish first; queued items are not run
 * and stay the caller's) and free the pool.  NULL is fine. */
void tg_workers_free(tg_workers *ws);

#ifdef __cplusplus
}
#endif

#endif /* TG_WORKERS_INT_H */
