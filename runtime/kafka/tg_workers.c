/* tg_workers: one mutex for the whole pool (lanes, done list), one
 * condition variable per lane for its thread and one for the done list.
 * Lanes are singly linked FIFOs of caller-owned items, so submitting never
 * allocates. */
#define _POSIX_C_SOURCE 200809L
#include "tg_workers_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

typedef struct lane {
    struct tg_workers *ws;
    unsigned index;
    pthread_t thread;
    pthread_cond_t cv;
    tg_work *head, *tail;
    bool stalled;
} lane;

struct tg_workers {
    pthread_mutex_t lock;
    pthread_cond_t done_cv;
    tg_work *done;
    bool quit;
    tg_work_fn run;
    tg_work_notify_fn notify;
    void *ctx;
    unsigned n;
    lane *lanes;
};

/* Take the next runnable item of l, or NULL to wait (lock held). */
static tg_work *lane_pop(lane *l)
{
    tg_work *w = l->stalled ? NULL : l->head;
    if (w) {
        l->head = w->next;
        if (!l->head)
            l->tail = NULL;
        w->next = NULL;
    }
    return w;
}

/* Hand a finished item to the owner; true if the done list was empty. */
static bool push_done(tg_workers *ws, tg_work *w)
{
    bool was_empty = ws->done == NULL;
    w->next = ws->done;
    ws->done = w;
    pthread_cond_broadcast(&ws->done_cv);
    return was_empty;
}

static void *worker_main(void *arg)
{
    lane *l = arg;
    tg_workers *ws = l->ws;
    pthread_mutex_lock(&ws->lock);
    while (!ws->quit) {
        tg_work *w = lane_pop(l);
        if (!w) {
            pthread_cond_wait(&l->cv, &ws->lock);
            continue;
        }
        pthread_mutex_unlock(&ws->lock);
        bool stall = ws->run(ws->ctx, l->index, w);
        pthread_mutex_lock(&ws->lock);
        l->stalled = stall;
        bool wake = push_done(ws, w);
        pthread_mutex_unlock(&ws->lock);
        if (wake && ws->notify)
            ws->notify(ws->ctx);
        pthread_mutex_lock(&ws->lock);
    }
    pthread_mutex_unlock(&ws->lock);
    return NULL;
}

/* Stop and join the first `started` threads, then free everything. */
static void shutdown_pool(tg_workers *ws, unsigned started)
{
    pthread_mutex_lock(&ws->lock);
    ws->quit = true;
    for (unsigned i = 0; i < ws->n; i++)
        pthread_cond_broadcast(&ws->lanes[i].cv);
    pthread_mutex_unlock(&ws->lock);
    for (unsigned i = 0; i < started; i++)
        pthread_join(ws->lanes[i].thread, NULL);
    for (unsigned i = 0; i < ws->n; i++)
        pthread_cond_destroy(&ws->lanes[i].cv);
    pthread_cond_destroy(&ws->done_cv);
    pthread_mutex_destroy(&ws->lock);
    free(ws->lanes);
    free(ws);
}

tg_workers *tg_workers_new(unsigned n, tg_work_fn run, tg_work_notify_fn notify, void *ctx,
                           tg_error *err)
{
    if (n == 0 || n > 256 || !run) {
        tg_error_set(err, TG_ERR_ARG, "tg_workers_new: need 1..256 threads and a run function");
        return NULL;
    }
    tg_workers *ws = calloc(1, sizeof *ws);
    lane *lanes = calloc(n, sizeof *lanes);
    if (!ws || !lanes) {
        free(ws);
        free(lanes);
        tg_error_set(err, TG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&ws->lock, NULL);
    pthread_cond_init(&ws->done_cv, NULL);
    ws->run = run;
    ws->notify = notify;
    ws->ctx = ctx;
    ws->n = n;
    ws->lanes = lanes;
    for (unsigned i = 0; i < n; i++) {
        lanes[i].ws = ws;
        lanes[i].index = i;
        pthread_cond_init(&lanes[i].cv, NULL);
    }
    for (unsigned i = 0; i < n; i++) {
        int e = pthread_create(&lanes[i].thread, NULL, worker_main, &lanes[i]);
        if (e) {
            shutdown_pool(ws, i);
            tg_error_set(err, TG_ERR_NOMEM, "pthread_create: error %d", e);
            return NULL;
        }
    }
    return ws;
}

unsigned tg_workers_count(const tg_workers *ws)
{
    return ws ? ws->n : 0;
}

void tg_workers_submit(tg_workers *ws, tg_work *w, unsigned lane_no, bool front)
{
    lane *l = &ws->lanes[lane_no % ws->n];
    w->lane = l->index;
    pthread_mutex_lock(&ws->lock);
    if (front) {
        w->next = l->head;
        l->head = w;
        if (!l->tail)
            l->tail = w;
        l->stalled = false;
    } else {
        w->next = NULL;
        if (l->tail)
            l->tail->next = w;
        else
            l->head = w;
        l->tail = w;
    }
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&ws->lock);
}

void tg_workers_unstall(tg_workers *ws, unsigned lane_no)
{
    lane *l = &ws->lanes[lane_no % ws->n];
    pthread_mutex_lock(&ws->lock);
    l->stalled = false;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&ws->lock);
}

tg_work *tg_workers_take_done(tg_workers *ws)
{
    pthread_mutex_lock(&ws->lock);
    tg_work *w = ws->done;
    ws->done = NULL;
    pthread_mutex_unlock(&ws->lock);
    return w;
}

void tg_workers_wait_done(tg_workers *ws, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&ws->lock);
    int e = 0;
    while (!ws->done && e != ETIMEDOUT)
        e = pthread_cond_timedwait(&ws->done_cv, &ws->lock, &until);
    pthread_mutex_unlock(&ws->lock);
}

/* Unlink the matching items of l onto *out (lock held). */
static void cancel_lane(lane *l, bool (*match)(const tg_work *, void *), void *arg,
                        tg_work **out)
{
    tg_work **pp = &l->head, *prev = NULL;
    while (*pp) {
        tg_work *w = *pp;
        if (match(w, arg)) {
            *pp = w->next;
            w->next = *out;
            *out = w;
        } else {
            prev = w;
            pp = &w->next;
        }
    }
    l->tail = prev;
}

tg_work *tg_workers_cancel(tg_workers *ws, bool (*match)(const tg_work *w, void *arg),
                           void *arg)
{
    tg_work *out = NULL;
    pthread_mutex_lock(&ws->lock);
    for (unsigned i = 0; i < ws->n; i++)
        cancel_lane(&ws->lanes[i], match, arg, &out);
    pthread_mutex_unlock(&ws->lock);
    return out;
}

void tg_workers_free(tg_workers *ws)
{
    if (ws)
        shutdown_pool(ws, ws->n);
}
