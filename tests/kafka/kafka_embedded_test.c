/* kafka_embedded_test: naming the cluster (TOPICGEN_BROKERS), the fail-fast
 * error without one, the in-process embedded broker and the topicgen-broker
 * tool.  One case per ctest entry:
 *   env        TOPICGEN_BROKERS parsing: good lists, "embedded", bad values
 *              (error names the variable), both it and
 *              TOPICGEN_KAFKA_BOOTSTRAP_SERVERS set (same: fine; different:
 *              error)
 *   failfast   no bootstrap: tg_producer_new / tg_consumer_new fail at once
 *              with TG_ERR_CONFIG and the how-to text; test.mock.num.brokers
 *              counts as configured
 *   roundtrip  TOPICGEN_BROKERS=embedded: a producer sends N typed messages,
 *              a consumer (fresh group) of the same process handles every
 *              one exactly once (counted by id); the shared cluster is torn
 *              down after the last client is freed
 *   shared     8 threads acquire and release the shared cluster 200 times
 *              each while the test holds a reference: every one gets the
 *              same cluster, and releasing the last reference stops it
 *   tool       topicgen-broker (TOPICGEN_BROKER_EXE) started as a child: first
 *              line of stdout is 127.0.0.1:PORT, --topic made its partitions,
 *              N messages produced and consumed through it, --bootstrap-file
 *              written and removed, SIGTERM -> exit 0 within 10 s; --help
 *              exits 0, bad usage 2
 * Everything on 127.0.0.1; every wait bounded (alarm() as the hard stop). */
#define _POSIX_C_SOURCE 200809L
#include "kt.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tg_embedded.h"

#define N_MSGS 300

/* ---- helpers ---------------------------------------------------------------- */

/* A config of role from envp plus log_level/address family (and group.id
 * for a consumer); NULL after printing why. */
static tg_config *env_config(tg_config_role role, const char *const *envp, const char *group)
{
    tg_error err;
    tg_config *c = tg_config_new(role, &err);
    const char *kv[] = { "log_level", "4", "broker.address.family", "v4", "group.id", group,
                         "session.timeout.ms", "6000", "heartbeat.interval.ms", "500",
                         "topicgen.commit.interval.ms", "200" };
    size_t pairs = role == TG_CONFIG_CONSUMER ? 6 : 2;
    if (!c || tg_config_load_env(c, envp, &err) || tg_config_set_pairs(c, kv, pairs, &err)) {
        fprintf(stderr, "config: %s\n", err.message);
        tg_config_free(c);
        return NULL;
    }
    return c;
}

static void get(const tg_config *c, const char *key, char *buf, size_t cap)
{
    if (tg_config_get(c, key, buf, cap, NULL))
        snprintf(buf, cap, "<unset>");
}

/* Send ids 0..n-1 to topic; 0 when every one was delivered. */
static int send_n(tg_producer *p, const char *topic, int n)
{
    tg_error err;
    for (int i = 0; i < n; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i % 7);
        kt_msg m = { i, { key, strlen(key) }, { "hello", 5 } };
        tg_send_opts so = tg_send_opts_default();
        so.topic = topic;
        if (tg_producer_send(p, &kt_msg_desc, &m, &so, &err) != 0) {
            fprintf(stderr, "send %d: %s\n", i, err.message);
            return -1;
        }
    }
    size_t left = 0;
    return tg_producer_flush(p, 15000, &left, &err) == 0 && left == 0 ? 0 : -1;
}

typedef struct tally {
    int count[N_MSGS];
    int distinct, dups, foreign;
} tally;

static tg_result on_msg(void *user, const void *msg, const tg_msg_meta *meta)
{
    tally *t = user;
    const kt_msg *m = msg;
    (void)meta;
    if (m->id < 0 || m->id >= N_MSGS)
        t->foreign++;
    else if (t->count[m->id]++ == 0)
        t->distinct++;
    else
        t->dups++;
    return TG_OK;
}

/* Consume topic with a fresh group until N_MSGS distinct ids came, then
 * 1 s more (to see a duplicate), at most 30 s. */
static void consume_all(tg_config *conf, const char *topic, tally *t)
{
    tg_error err;
    tg_logger quiet = { tg_log_stderr_sink, NULL, TG_LOG_WARN };
    tg_consumer_opts o = { NULL, &quiet, NULL, NULL, NULL };
    tg_consumer *c = tg_consumer_new(conf, &o, &err);
    CHECKF(c != NULL, "tg_consumer_new: %s", err.message);
    if (!c)
        return;
    CHECKF(tg_consumer_add(c, &kt_msg_desc, topic, on_msg, t, &err) == 0, "%s", err.message);
    int64_t deadline = test_now_ms() + 30000, settle = -1;
    while (test_now_ms() < deadline && (settle < 0 || test_now_ms() < settle)) {
        if (tg_consumer_poll(c, 100, &err) != 0) {
            check_fail(__FILE__, __LINE__, "poll: %s", err.message);
            break;
        }
        if (settle < 0 && t->distinct == N_MSGS)
            settle = test_now_ms() + 1000;
    }
    CHECKF(tg_consumer_close(c, &err) == 0, "close: %s", err.message);
    tg_consumer_free(c);
}

static void check_tally(const tally *t, const char *what)
{
    printf("%s: handled %d of %d distinct ids, %d duplicates, %d foreign\n", what, t->distinct,
           N_MSGS, t->dups, t->foreign);
    CHECKF(t->distinct == N_MSGS, "%s: lost %d", what, N_MSGS - t->distinct);
    CHECKF(t->dups == 0 && t->foreign == 0, "%s: %d duplicates, %d foreign", what, t->dups,
           t->foreign);
}

/* ---- env ---------------------------------------------------------------------- */

/* Load envp into a fresh producer config; returns the tg_error code and
 * leaves bootstrap.servers in bs and the message in msg. */
static int load(const char *const *envp, char *bs, size_t cap, char *msg, size_t mcap)
{
    tg_error err;
    memset(&err, 0, sizeof err);
    tg_config *c = tg_config_new(TG_CONFIG_PRODUCER, NULL);
    int rc = tg_config_load_env(c, envp, &err);
    get(c, "bootstrap.servers", bs, cap);
    snprintf(msg, mcap, "%s", rc ? err.message : "");
    tg_config_free(c);
    return rc;
}

static void expect_good(const char *value)
{
    char var[512], bs[512], msg[256];
    snprintf(var, sizeof var, "TOPICGEN_BROKERS=%s", value);
    const char *envp[] = { "PATH=/bin", var, NULL };
    int rc = load(envp, bs, sizeof bs, msg, sizeof msg);
    CHECKF(rc == 0, "TOPICGEN_BROKERS=%s refused: %s", value, msg);
    CHECKF(strcmp(bs, value) == 0, "TOPICGEN_BROKERS=%s gave bootstrap.servers=%s", value, bs);
}

static void expect_bad(const char *value)
{
    char var[512], bs[512], msg[256];
    snprintf(var, sizeof var, "TOPICGEN_BROKERS=%s", value);
    const char *envp[] = { var, NULL };
    int rc = load(envp, bs, sizeof bs, msg, sizeof msg);
    printf("env: TOPICGEN_BROKERS=\"%s\" -> %s\n", value, msg);
    CHECKF(rc == TG_ERR_CONFIG, "TOPICGEN_BROKERS=\"%s\" accepted (rc %d)", value, rc);
    CHECKF(strstr(msg, "TOPICGEN_BROKERS") && strstr(msg, "host:port"),
           "error does not name the variable and the form: %s", msg);
    CHECKF(strcmp(bs, "<unset>") == 0, "bad value still set bootstrap.servers=%s", bs);
}

static void test_env(kt_cluster *none)
{
    (void)none;
    static const char *const good[] = { "127.0.0.1:9092", "localhost:1",
                                        "kafka-1.example.com:9093,10.0.0.2:65535",
                                        "[::1]:9092,broker_2:19092", "embedded" };
    static const char *const bad[] = { "localhost", "localhost:0", "localhost:65536",
                                       "host:12ab", ":9092", "a:1,,b:2", "a:1,", "a b:1",
                                       "a:1, b:2", "Embedded", "PLAINTEXT://a:1", "[::1:9092",
                                       "host:99999999999999999999" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        expect_good(good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_bad(bad[i]);

    char bs[512], msg[256];
    const char *empty[] = { "TOPICGEN_BROKERS=", NULL };
    CHECKF(load(empty, bs, sizeof bs, msg, sizeof msg) == 0 && strcmp(bs, "<unset>") == 0,
           "empty TOPICGEN_BROKERS: rc/bootstrap %s %s", msg, bs);
    const char *kafka_only[] = { "TOPICGEN_KAFKA_BOOTSTRAP_SERVERS=h:1", NULL };
    CHECKF(load(kafka_only, bs, sizeof bs, msg, sizeof msg) == 0 && strcmp(bs, "h:1") == 0,
           "TOPICGEN_KAFKA_BOOTSTRAP_SERVERS alone: %s %s", msg, bs);
    const char *same[] = { "TOPICGEN_BROKERS=h:1,g:2", "TOPICGEN_KAFKA_BOOTSTRAP_SERVERS=h:1,g:2",
                           NULL };
    CHECKF(load(same, bs, sizeof bs, msg, sizeof msg) == 0 && strcmp(bs, "h:1,g:2") == 0,
           "both set, same value: %s %s", msg, bs);
    const char *differ[] = { "TOPICGEN_KAFKA_BOOTSTRAP_SERVERS=h:1", "TOPICGEN_BROKERS=g:2",
                             NULL };
    int rc = load(differ, bs, sizeof bs, msg, sizeof msg);
    printf("env: both set, different -> %s\n", msg);
    CHECKF(rc == TG_ERR_CONFIG && strstr(msg, "TOPICGEN_BROKERS")
               && strstr(msg, "TOPICGEN_KAFKA_BOOTSTRAP_SERVERS") && strstr(msg, "disagree"),
           "both set, different values: rc %d: %s", rc, msg);
    CHECKF(strcmp(bs, "<unset>") == 0, "disagreeing values applied: %s", bs);
    const char *alias[] = { "TOPICGEN_BROKERS=g:2", "TOPICGEN_KAFKA_METADATA_BROKER_LIST=h:1",
                            NULL };
    CHECKF(load(alias, bs, sizeof bs, msg, sizeof msg) == TG_ERR_CONFIG
               && strstr(msg, "TOPICGEN_KAFKA_METADATA_BROKER_LIST"),
           "metadata.broker.list disagreeing: %s", msg);
    /* the variable also reaches a consumer, and code set later wins */
    const char *env[] = { "TOPICGEN_BROKERS=h:1", NULL };
    tg_config *c = env_config(TG_CONFIG_CONSUMER, env, "g");
    CHECKF(c && tg_config_set(c, "bootstrap.servers", "code:2", NULL) == 0, "consumer env");
    get(c, "bootstrap.servers", bs, sizeof bs);
    CHECKF(strcmp(bs, "code:2") == 0, "code after env: %s", bs);
    tg_config_free(c);
}

/* ---- failfast ------------------------------------------------------------------- */

static void check_howto(const tg_error *err, int64_t ms, const char *who)
{
    printf("failfast: %s -> %s (%s, %lld ms)\n", who, err->message,
           tg_error_code_name(err->code), (long long)ms);
    CHECKF(err->code == TG_ERR_CONFIG, "%s: code %s", who, tg_error_code_name(err->code));
    CHECKF(strstr(err->message, "no Kafka cluster configured")
               && strstr(err->message, "TOPICGEN_BROKERS=host:port")
               && strstr(err->message, "bootstrap.servers")
               && strstr(err->message, "TOPICGEN_BROKERS=embedded")
               && strstr(err->message, "topicgen-broker"),
           "%s: message lacks the how-to: %s", who, err->message);
    CHECKF(ms < 1000, "%s: took %lld ms, not at once", who, (long long)ms);
}

static void test_failfast(kt_cluster *none)
{
    (void)none;
    const char *envp[] = { "PATH=/bin", NULL };
    tg_error err;
    tg_config *pc = env_config(TG_CONFIG_PRODUCER, envp, NULL);
    int64_t t0 = test_now_ms();
    tg_producer *p = pc ? tg_producer_new(pc, NULL, &err) : NULL;
    CHECKF(p == NULL, "producer without bootstrap was created");
    check_howto(&err, test_now_ms() - t0, "tg_producer_new");
    tg_producer_close(p, 0, NULL);

    tg_config *cc = env_config(TG_CONFIG_CONSUMER, envp, "failfast");
    t0 = test_now_ms();
    tg_consumer *c = cc ? tg_consumer_new(cc, NULL, &err) : NULL;
    CHECKF(c == NULL, "consumer without bootstrap was created");
    check_howto(&err, test_now_ms() - t0, "tg_consumer_new");
    tg_consumer_free(c);

    /* librdkafka's own per-client mock cluster counts as configured, also
     * for the consumer's dead-letter producer */
    CHECKF(tg_config_set(pc, "test.mock.num.brokers", "1", &err) == 0, "%s", err.message);
    CHECKF(tg_config_set(cc, "test.mock.num.brokers", "1", &err) == 0, "%s", err.message);
    p = tg_producer_new(pc, NULL, &err);
    CHECKF(p != NULL, "test.mock.num.brokers producer: %s", err.message);
    tg_producer_close(p, 0, NULL);
    c = tg_consumer_new(cc, NULL, &err);
    CHECKF(c != NULL, "test.mock.num.brokers consumer: %s", err.message);
    tg_consumer_free(c);
    tg_config_free(pc);
    tg_config_free(cc);
}

/* ---- roundtrip -------------------------------------------------------------------- */

static void test_roundtrip(kt_cluster *none)
{
    (void)none;
    const char *envp[] = { "TOPICGEN_BROKERS=embedded", NULL };
    static tally t;
    tg_error err;
    char group[64];
    snprintf(group, sizeof group, "emb-%ld-%lld", (long)getpid(), (long long)test_now_ms());
    /* a reference of our own to create the topic; the producer holds the
     * cluster once this one is dropped */
    tg_embedded *e = tg_embedded_acquire(&err);
    CHECKF(e != NULL, "acquire: %s", err.message);
    if (!e)
        return;
    printf("roundtrip: embedded broker at %s\n", tg_embedded_bootstrap(e));
    CHECKF(strncmp(tg_embedded_bootstrap(e), "127.0.0.1:", 10) == 0, "address %s",
           tg_embedded_bootstrap(e));
    CHECKF(tg_embedded_create_topic(e, "emb.rt", 3, &err) == 0, "%s", err.message);
    tg_config *pc = env_config(TG_CONFIG_PRODUCER, envp, NULL);
    tg_producer *p = pc ? tg_producer_new(pc, NULL, &err) : NULL;
    CHECKF(p != NULL, "producer: %s", err.message);
    tg_embedded_release(e);
    CHECKF(p && send_n(p, "emb.rt", N_MSGS) == 0, "not every message was delivered");
    tg_config *cc = env_config(TG_CONFIG_CONSUMER, envp, group);
    if (cc && p)
        consume_all(cc, "emb.rt", &t);
    tg_config_free(cc);
    tg_config_free(pc);
    check_tally(&t, "roundtrip");
    CHECKF(tg_producer_close(p, 5000, NULL) == 0, "producer close");
    /* every client is gone: the shared cluster must have been torn down, so
     * a new one does not know the topic */
    e = tg_embedded_acquire(&err);
    CHECKF(e && tg_embedded_create_topic(e, "emb.rt", 3, &err) == 0,
           "the shared cluster outlived its last client: %s", err.message);
    tg_embedded_release(e);
}

/* ---- shared ---------------------------------------------------------------------- */

enum { THREADS = 8, ROUNDS = 200 };

typedef struct racer {
    tg_embedded *expect;
    int same, other;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    for (int i = 0; i < ROUNDS; i++) {
        tg_embedded *e = tg_embedded_acquire(NULL);
        if (e == r->expect)
            r->same++;
        else
            r->other++;
        tg_embedded_release(e);
    }
    return NULL;
}

static void test_shared(kt_cluster *none)
{
    (void)none;
    tg_error err;
    racer r[THREADS];
    pthread_t t[THREADS];
    tg_embedded *held = tg_embedded_acquire(&err);
    CHECKF(held != NULL, "acquire: %s", err.message);
    if (!held)
        return;
    CHECKF(tg_embedded_create_topic(held, "emb.shared", 1, &err) == 0, "%s", err.message);
    for (int i = 0; i < THREADS; i++) {
        r[i] = (racer){ held, 0, 0 };
        pthread_create(&t[i], NULL, race, &r[i]);
    }
    int same = 0, other = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        same += r[i].same;
        other += r[i].other;
    }
    printf("shared: %d acquires got the held cluster, %d another\n", same, other);
    CHECKF(same == THREADS * ROUNDS && other == 0, "%d of %d acquires got another cluster",
           other, THREADS * ROUNDS);
    /* the threads' releases did not stop it: the topic is still there */
    CHECKF(tg_embedded_create_topic(held, "emb.shared", 1, &err) == TG_ERR_KAFKA,
           "the held cluster lost its topic");
    tg_embedded_release(held);
    tg_embedded *fresh = tg_embedded_acquire(&err);
    CHECKF(fresh && tg_embedded_create_topic(fresh, "emb.shared", 1, &err) == 0,
           "the last release did not stop the cluster: %s", err.message);
    tg_embedded_release(fresh);
}

/* ---- tool ---------------------------------------------------------------------------- */

/* Start the tool with argv (NULL-terminated, argv[0] ignored); its stdout on
 * *out_fd.  Returns the pid or -1. */
static pid_t spawn(char *const *argv, int *out_fd)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(TOPICGEN_BROKER_EXE, argv);
        _exit(127);
    }
    close(fds[1]);
    *out_fd = fds[0];
    return pid;
}

/* Read the first line of fd into buf within timeout_ms; 0 on success. */
static int first_line(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t n = 0;
    int64_t deadline = test_now_ms() + timeout_ms;
    while (n + 1 < cap && test_now_ms() < deadline) {
        struct pollfd pf = { fd, POLLIN, 0 };
        if (poll(&pf, 1, 100) <= 0)
            continue;
        ssize_t r = read(fd, buf + n, 1);
        if (r <= 0)
            break;
        if (buf[n] == '\n') {
            buf[n] = '\0';
            return 0;
        }
        n++;
    }
    buf[n] = '\0';
    return -1;
}

/* waitpid within timeout_ms; the exit status, or -1 (then killed). */
static int wait_exit(pid_t pid, int timeout_ms)
{
    int status = 0;
    for (int64_t deadline = test_now_ms() + timeout_ms; test_now_ms() < deadline; test_sleep_ms(20))
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

static int run_tool(char *const *argv)
{
    int fd = -1;
    pid_t pid = spawn(argv, &fd);
    if (pid < 0)
        return -1;
    char sink[4096];
    while (read(fd, sink, sizeof sink) > 0) /* ends when the child exits */
        ;
    close(fd);
    return wait_exit(pid, 10000);
}

static int partitions_of(tg_producer *p, const char *topic)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_t *rk = tg_producer_handle(p);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int n = -1;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == 0 && md->topic_cnt == 1
        && md->topics[0].err == 0)
        n = md->topics[0].partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    return n;
}

/* Produce and consume N_MSGS through the tool at address. */
static void exchange(const char *address)
{
    static tally t;
    char var[300], group[64];
    tg_error err;
    snprintf(var, sizeof var, "TOPICGEN_BROKERS=%s", address);
    snprintf(group, sizeof group, "tool-%ld", (long)getpid());
    const char *envp[] = { var, NULL };
    tg_config *pc = env_config(TG_CONFIG_PRODUCER, envp, NULL);
    tg_producer *p = pc ? tg_producer_new(pc, NULL, &err) : NULL;
    CHECKF(p != NULL, "producer: %s", err.message);
    if (!p) {
        tg_config_free(pc);
        return;
    }
    CHECKF(partitions_of(p, "tool.t") == 2, "--topic tool.t:2 has %d partitions",
           partitions_of(p, "tool.t"));
    CHECKF(send_n(p, "tool.t", N_MSGS) == 0, "not every message was delivered");
    tg_producer_close(p, 5000, NULL);
    tg_config *cc = env_config(TG_CONFIG_CONSUMER, envp, group);
    if (cc)
        consume_all(cc, "tool.t", &t);
    tg_config_free(cc);
    tg_config_free(pc);
    check_tally(&t, "tool");
}

static void test_tool(kt_cluster *none)
{
    (void)none;
    char file[128], line[256], in_file[256] = "";
    snprintf(file, sizeof file, "/tmp/kt-broker-%ld.bootstrap", (long)getpid());
    char *argv[] = { "topicgen-broker", "--topic", "tool.t:2", "--bootstrap-file", file,
                     "--max-seconds", "100", NULL };
    int fd = -1;
    pid_t pid = spawn(argv, &fd);
    CHECKF(pid > 0, "fork: %s", strerror(errno));
    if (pid <= 0)
        return;
    int rc = first_line(fd, line, sizeof line, 10000);
    printf("tool: first line \"%s\"\n", line);
    CHECKF(rc == 0 && strncmp(line, "127.0.0.1:", 10) == 0, "first line \"%s\"", line);
    FILE *f = fopen(file, "r");
    CHECKF(f && fgets(in_file, sizeof in_file, f), "--bootstrap-file %s not written", file);
    if (f)
        fclose(f);
    in_file[strcspn(in_file, "\n")] = '\0';
    CHECKF(strcmp(in_file, line) == 0, "bootstrap file \"%s\" != stdout", in_file);
    if (rc == 0)
        exchange(line);
    int64_t t0 = test_now_ms();
    kill(pid, SIGTERM);
    int status = wait_exit(pid, 10000);
    printf("tool: SIGTERM -> exit %d after %lld ms\n", status, (long long)(test_now_ms() - t0));
    CHECKF(status == 0, "exit status after SIGTERM: %d", status);
    close(fd);
    CHECKF(access(file, F_OK) != 0, "--bootstrap-file not removed at exit");

    char *help[] = { "topicgen-broker", "--help", NULL };
    char *bad1[] = { "topicgen-broker", "--brokers", "4", NULL };
    char *bad2[] = { "topicgen-broker", "--topic", "no good:1", NULL };
    char *bad3[] = { "topicgen-broker", "--what", "x", NULL };
    CHECKF(run_tool(help) == 0, "--help exit status");
    CHECKF(run_tool(bad1) == 2, "--brokers 4 exit status");
    CHECKF(run_tool(bad2) == 2, "bad --topic exit status");
    CHECKF(run_tool(bad3) == 2, "unknown flag exit status");
}

/* No cluster from the runner (brokers 0): each case names its own. */
static const kt_case cases[] = {
    KT_CASE("env", test_env, 0),
    KT_CASE("failfast", test_failfast, 0),
    KT_CASE("roundtrip", test_roundtrip, 0),
    KT_CASE("shared", test_shared, 0),
    KT_CASE("tool", test_tool, 0),
};

int main(int argc, char **argv)
{
    return KT_MAIN(argc, argv, cases);
}
