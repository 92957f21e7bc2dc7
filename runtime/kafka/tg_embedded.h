/* tg_embedded: the embedded broker (librdkafka's mock cluster, in process,
 * on 127.0.0.1) and the check that every client names a cluster.
 *
 * Two ways to use the mock cluster:
 *  - A cluster of your own: tg_embedded_start / tg_embedded_stop.  The
 *    `topicgen-broker` tool is this plus a command line.
 *  - The process-wide shared cluster behind bootstrap.servers=embedded
 *    (TOPICGEN_BROKERS=embedded): tg_producer_new / tg_consumer_new
 *    acquire it and their free functions release it, so every producer and
 *    consumer of one process that lives at the same time talks to the same
 *    broker.  It starts on the first acquire and is torn down (all topics
 *    and messages lost) when the last reference is released: a program that
 *    frees its producer before creating its consumer must hold a reference
 *    of its own (tg_embedded_acquire) in between.
 *
 * The mock cluster keeps everything in memory, supports produce, fetch,
 * consumer groups and offset commits, and has no CreateTopics: topics are
 * made with tg_embedded_create_topic or auto-created on first use with 4
 * partitions (a consumer alone does not auto-create; subscribe to a topic
 * that does not exist yet and it is picked up once created).
 *
 * Thread-safety: every function may be called from any thread; the shared
 * cluster's reference count is guarded by a mutex. */
#ifndef TG_EMBEDDED_H
#define TG_EMBEDDED_H

#include <librdkafka/rdkafka.h>

#include "tg_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The value of bootstrap.servers (and TOPICGEN_BROKERS) that means "the
 * shared in-process cluster". */
#define TG_EMBEDDED_BOOTSTRAP "embedded"

/* Most brokers tg_embedded_start accepts. */
#define TG_EMBEDDED_MAX_BROKERS 3

typedef struct tg_embedded tg_embedded;

/* Start a mock cluster of `brokers` (1..TG_EMBEDDED_MAX_BROKERS) brokers on
 * 127.0.0.1 (ephemeral ports).  The caller owns the result and frees it
 * with tg_embedded_stop.  NULL with err set (TG_ERR_ARG, TG_ERR_KAFKA). */
tg_embedded *tg_embedded_start(int brokers, tg_error *err);

/* Stop the cluster and free e (its topics and messages are lost).  Clients
 * still connected to it see their broker go down.  NULL is fine.  Not for
 * the shared cluster: release that with tg_embedded_release. */
void tg_embedded_stop(tg_embedded *e);

/* The bootstrap address, "127.0.0.1:PORT[,...]": owned by e, valid while e
 * lives. */
const char *tg_embedded_bootstrap(const tg_embedded *e);

/* Create topic `name` with `partitions` (1..10000) partitions, replication
 * factor 1.  Returns 0, TG_ERR_ARG for a bad name (Kafka's rule: 1..249 of
 * [A-Za-z0-9._-], not "." or "..") or count, TG_ERR_KAFKA when the cluster
 * refuses (e.g. the topic already exists, also when auto-created). */
int tg_embedded_create_topic(tg_embedded *e, const char *name, int partitions, tg_error *err);

/* Parse "NAME" or "NAME:PARTITIONS" (NAME alone: 1 partition) into
 * name[cap] and *partitions, with the checks of tg_embedded_create_topic.
 * Returns 0 or TG_ERR_ARG with a message that quotes spec. */
int tg_embedded_parse_topic(const char *spec, char *name, size_t cap, int *partitions,
                            tg_error *err);

/* A reference to the process-wide shared cluster (1 broker), started on the
 * first call.  Every successful call needs one tg_embedded_release.  The
 * handle is shared: do not tg_embedded_stop it.  NULL with err set. */
tg_embedded *tg_embedded_acquire(tg_error *err);

/* Drop a reference from tg_embedded_acquire; the last one stops the shared
 * cluster.  Release only after every client that used it was destroyed.
 * NULL is fine. */
void tg_embedded_release(tg_embedded *e);

/* Check that rk_conf names a cluster and point it at the embedded one when
 * asked to, before rd_kafka_new.  rk_conf stays the caller's (typically a
 * tg_config_rdkafka_dup).
 *  - bootstrap.servers (alias metadata.broker.list) = "embedded": acquires
 *    the shared cluster, stores the reference in *held (the caller releases
 *    it with tg_embedded_release after destroying its client) and sets
 *    bootstrap.servers to its address;
 *  - any other non-empty bootstrap.servers, or test.mock.num.brokers > 0:
 *    nothing to do, *held = NULL;
 *  - none of these: TG_ERR_CONFIG, "no Kafka cluster configured: set
 *    TOPICGEN_BROKERS=host:port[,...] ...", saying how to name a cluster or
 *    start the embedded one.
 * Returns 0 or an error code (err set, *held NULL). */
int tg_embedded_resolve(rd_kafka_conf_t *rk_conf, tg_embedded **held, tg_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TG_EMBEDDED_H */
