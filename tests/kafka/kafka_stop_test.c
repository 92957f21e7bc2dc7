/* Stopping a consumer early never aborts (issue 14, failure mode 2).
 *
 * librdkafka 2.0.2 asserts in rd_kafka_sticky_assignor_state_destroy when a
 * cooperative-sticky member is destroyed after the group chose its protocol
 * (JoinGroup) but before its first assignment (SyncGroup) arrived; that is
 * what happens to a member that joins a group still holding a SIGKILLed
 * member and is stopped a few seconds later.  The case "coop_early_stop"
 * does exactly that, ROUNDS times, each in a fresh group: member A (a child
 * process) joins and handles a record, is SIGKILLed; member B (another
 * child) starts, gets SIGTERM 3 s later, and must exit with status 0.
 * The case "crash_loop" (issue 14, failure mode 4): a consumer with a 5 s
 * commit interval is SIGKILLed 6-11 s after each of INCARNATIONS starts
 * (each start first waits for the dead one's 6 s session); after every kill
 * the committed offsets read from the broker must have advanced if that
 * incarnation handled anything, and never pass what was handled.
 * The "member" and "loop_member" sub-commands are the children.  Every wait
 * is bounded. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kt.h"

#define ROUNDS 10

/* ---- the member (a child process) ------------------------------------------ */

static tg_consumer *member;

static void on_term(int sig)
{
    (void)sig;
    tg_consumer_stop(member); /* async-signal-safe */
}

static tg_result say_handled(void *user, const void *msg, const tg_msg_meta *meta)
{
    (void)user;
    (void)msg;
    (void)meta;
    static const char line[] = "handled\n";
    (void)!write(STDOUT_FILENO, line, sizeof line - 1);
    return TG_OK;
}

/* member BOOTSTRAP TOPIC GROUP [SHUTDOWN_MS]: run until SIGTERM; exit 0 on
 * a clean stop (with SHUTDOWN_MS 0, close runs out of time: exit 1). */
static int run_member(int argc, char **argv)
{
    if (argc != 5 && argc != 6)
        return 2;
    kt_cluster k;
    memset(&k, 0, sizeof k);
    snprintf(k.bootstraps, sizeof k.bootstraps, "%s", argv[2]);
    const char *extra[] = { "partition.assignment.strategy", "cooperative-sticky",
                            "topicgen.shutdown.timeout.ms", argc == 6 ? argv[5] : "5000" };
    tg_config *conf = kt_consumer_config(&k, argv[4], extra, 2);
    /* KT_MEMBER_DEBUG=cgrp: librdkafka's group debug log on stderr */
    const char *dbg = getenv("KT_MEMBER_DEBUG");
    if (conf && dbg && *dbg)
        (void)tg_config_set(conf, "debug", dbg, NULL);
    tg_logger quiet = { tg_log_stderr_sink, NULL, TG_LOG_WARN };
    if (getenv("KT_MEMBER_DEBUG"))
        quiet.min_level = TG_LOG_DEBUG;
    tg_consumer_opts o = { NULL, &quiet, NULL, NULL, NULL };
    tg_error err;
    member = conf ? tg_consumer_new(conf, &o, &err) : NULL;
    tg_config_free(conf);
    if (!member || tg_consumer_add(member, &kt_msg_desc, argv[3], say_handled, NULL, &err))
        return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    /* As orders_store does: poll until stopped, a final synchronous commit
     * and a read of the committed offsets, then close.  The read waits
     * while the group rebalances, so B's JoinGroup is answered (the dead
     * member's 6 s session expired) before the close: the window. */
    int rc = 0;
    while (rc == 0 && !tg_consumer_stopping(member))
        rc = tg_consumer_poll(member, 100, &err);
    (void)tg_consumer_commit(member, false, NULL);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, argv[3], 0);
    (void)rd_kafka_committed(tg_consumer_handle(member), l, 5000);
    rd_kafka_topic_partition_list_destroy(l);
    if (rc == 0)
        rc = tg_consumer_close(member, &err);
    if (rc)
        fprintf(stderr, "member: %s\n", err.message);
    tg_consumer_free(member);
    return rc ? 1 : 0;
}

/* ---- the crash-loop member (a child process) -------------------------------- */

static int loop_fd = -1;

/* "id partition offset" per handled record, one write each (survives
 * SIGKILL); a little work per record so that the run outlasts the kills. */
static tg_result record_handled(void *user, const void *msg, const tg_msg_meta *meta)
{
    char line[64];
    (void)user;
    int n = snprintf(line, sizeof line, "%lld %d %lld\n", (long long)((const kt_msg *)msg)->id,
                     (int)meta->partition, (long long)meta->offset);
    (void)!write(loop_fd, line, (size_t)n);
    test_sleep_ms(1);
    return TG_OK;
}

/* loop_member BOOTSTRAP TOPIC GROUP FILE: consume until killed. */
static int run_loop_member(int argc, char **argv)
{
    if (argc != 6)
        return 2;
    kt_cluster k;
    memset(&k, 0, sizeof k);
    snprintf(k.bootstraps, sizeof k.bootstraps, "%s", argv[2]);
    loop_fd = open(argv[5], O_WRONLY | O_CREAT | O_APPEND, 0644);
    tg_config *conf = kt_consumer_config(&k, argv[4], NULL, 0);
    if (!conf || loop_fd < 0 || tg_config_set(conf, "topicgen.commit.interval.ms", "5000", NULL))
        return 1;
    tg_logger quiet = { tg_log_stderr_sink, NULL, TG_LOG_ERROR };
    tg_consumer_opts o = { NULL, &quiet, NULL, NULL, NULL };
    tg_error err;
    tg_consumer *c = tg_consumer_new(conf, &o, &err);
    tg_config_free(conf);
    if (!c || tg_consumer_add(c, &kt_msg_desc, argv[3], record_handled, NULL, &err))
        return 1;
    (void)tg_consumer_run(c, &err); /* until SIGKILL (or the alarm) */
    tg_consumer_free(c);
    return 0;
}

/* ---- the driver -------------------------------------------------------------- */

typedef struct child {
    pid_t pid;
    int out;                         /* its stdout, read end */
} child;

static child start_child(const char *cmd, const kt_cluster *k, const char *topic,
                         const char *group, const char *file)
{
    char self[512];
    int fds[2];
    child c = { -1, -1 };
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = '\0';
    if (pipe(fds))
        return c;
    c.pid = fork();
    if (c.pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        if (strcmp(cmd, "member") == 0 && file)
            dup2(fds[1], STDERR_FILENO); /* B's log: the driver looks for "kept" */
        close(fds[0]);
        close(fds[1]);
        execl(self, self, cmd, k->bootstraps, topic, group, file, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    c.out = fds[0];
    return c;
}

static child start_member(const kt_cluster *k, const char *topic, const char *group,
                          const char *shutdown_ms)
{
    return start_child("member", k, topic, group, shutdown_ms);
}

/* Whether what the (finished) child wrote contains s. */
static bool output_has(const child *c, const char *s)
{
    static char buf[1 << 16];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(c->out, buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    return strstr(buf, s) != NULL;
}

/* Wait up to timeout_ms for the child to print a line. */
static bool wait_line(const child *c, int timeout_ms)
{
    struct pollfd p = { c->out, POLLIN, 0 };
    char buf[64];
    return poll(&p, 1, timeout_ms) == 1 && read(c->out, buf, sizeof buf) > 0;
}

/* waitpid, bounded: SIGKILL after timeout_ms.  The wait status. */
static int reap(child *c, int timeout_ms)
{
    int status = 0;
    int64_t deadline = test_now_ms() + timeout_ms;
    while (waitpid(c->pid, &status, WNOHANG) == 0) {
        if (test_now_ms() > deadline) {
            kill(c->pid, SIGKILL);
            (void)waitpid(c->pid, &status, 0);
            status = -1;
            break;
        }
        test_sleep_ms(20);
    }
    return status;
}

typedef struct stops {
    int clean, exited, aborted, other, kept;
} stops;

/* rounds times: A joins, handles its record and is SIGKILLed; B starts,
 * gets SIGTERM 3 s later; B's end is counted in st. */
static void stop_rounds(kt_cluster *k, const char *topic, int rounds, const char *shutdown_ms,
                        stops *st)
{
    for (int round = 0; round < rounds; round++) {
        char group[96];
        snprintf(group, sizeof group, "kt-stop-%ld-%lld-%d", (long)getpid(),
                 (long long)test_now_ms(), round);
        child a = start_member(k, topic, group, NULL);
        bool joined = a.pid > 0 && wait_line(&a, 20000);
        if (a.pid > 0) {
            kill(a.pid, SIGKILL);
            (void)reap(&a, 5000);
            close(a.out);
        }
        CHECKF(joined, "round %d: member A never handled its record", round);
        child b = start_member(k, topic, group, shutdown_ms);
        test_sleep_ms(3000);
        int64_t t0 = test_now_ms();
        kill(b.pid, SIGTERM);
        int status = reap(&b, 20000);
        long long stop_ms = (long long)(test_now_ms() - t0);
        bool kept = status >= 0 && output_has(&b, "librdkafka handle is kept");
        close(b.out);
        st->kept += kept;
        if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            st->clean++;
        else if (status >= 0 && WIFEXITED(status))
            st->exited++;
        else if (status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT)
            st->aborted++;
        else
            st->other++;
        printf("round %d: B %s after %lld ms%s\n", round,
               status < 0                 ? "hung (killed)"
               : WIFSIGNALED(status)      ? "died by a signal"
               : WEXITSTATUS(status) == 0 ? "exited 0"
                                          : "exited non-zero",
               stop_ms, kept ? ", handle kept" : "");
        fflush(stdout);
    }
}

static void test_coop_early_stop(kt_cluster *k)
{
    char topic[64], dlq[80];
    stops st = { 0, 0, 0, 0, 0 };
    kt_names(k, "stop.coop", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 3);
    CHECK(kt_produce(k, topic, 0, 1, "k", "ok") == 0);
    stop_rounds(k, topic, ROUNDS, NULL, &st);
    printf("coop_early_stop: %d clean, %d aborted, %d other of %d\n", st.clean, st.aborted,
           st.exited + st.other, ROUNDS);
    CHECKF(st.clean == ROUNDS, "%d of %d stops were not clean (aborted %d)", ROUNDS - st.clean,
           ROUNDS, st.aborted);
}

/* The fallback: with topicgen.shutdown.timeout.ms=0 close cannot wait for
 * the first assignment, so free must keep the handle instead of letting
 * librdkafka abort.  B's close reports its timeout (exit 1); it must not
 * die by a signal or hang, and must say it kept the handle. */
static void test_coop_early_stop_nowait(kt_cluster *k)
{
    enum { NOWAIT_ROUNDS = 3 };
    char topic[64], dlq[80];
    stops st = { 0, 0, 0, 0, 0 };
    kt_names(k, "stop.nowait", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 3);
    CHECK(kt_produce(k, topic, 0, 1, "k", "ok") == 0);
    stop_rounds(k, topic, NOWAIT_ROUNDS, "0", &st);
    printf("coop_early_stop_nowait: %d exited, %d kept the handle, %d aborted, %d other of %d\n",
           st.clean + st.exited, st.kept, st.aborted, st.other, NOWAIT_ROUNDS);
    CHECKF(st.clean + st.exited == NOWAIT_ROUNDS, "%d of %d stops died or hung (aborted %d)",
           NOWAIT_ROUNDS - st.clean - st.exited, NOWAIT_ROUNDS, st.aborted);
    CHECKF(st.kept == NOWAIT_ROUNDS, "the handle was kept in %d of %d rounds", st.kept,
           NOWAIT_ROUNDS);
}

#define INCARNATIONS 4
#define LOOP_N 20000

/* LOOP_N records over 2 partitions, sent in one go. */
static void produce_many(kt_cluster *k, const char *topic)
{
    tg_error err;
    tg_producer *p = kt_producer(k, &err);
    CHECKF(p != NULL, "producer: %s", err.message);
    for (int i = 0; p && i < LOOP_N; i++) {
        char v[64], key[16];
        int n = snprintf(v, sizeof v, "{\"id\":%d,\"key\":\"k%d\",\"body\":\"x\"}", i, i);
        snprintf(key, sizeof key, "k%d", i);
        tg_raw_record r = { topic, i % 2, key, strlen(key), v, (size_t)n, NULL, NULL, 0, 0, NULL };
        while (tg_producer_send_raw(p, &r, &err) == TG_ERR_QUEUE_FULL)
            (void)tg_producer_poll(p, 10);
    }
    size_t left = 1;
    CHECK(p && tg_producer_flush(p, 30000, &left, &err) == 0 && left == 0);
    (void)tg_producer_close(p, 1000, NULL);
}

/* Handled records in path, and the highest offset handled per partition. */
static int read_handled(const char *path, int64_t top[2])
{
    FILE *f = fopen(path, "r");
    long long id, off;
    int part, n = 0;
    while (f && fscanf(f, "%lld %d %lld", &id, &part, &off) == 3) {
        n++;
        if (part >= 0 && part < 2 && off > top[part])
            top[part] = off;
    }
    if (f)
        fclose(f);
    return n;
}

static int64_t committed_of(kt_cluster *k, const char *group, const char *topic, int p)
{
    int64_t o = kt_committed(k, group, topic, p);
    return o < 0 ? 0 : o;
}

static void test_crash_loop(kt_cluster *k)
{
    char topic[64], dlq[80], group[96];
    kt_names(k, "stop.loop", topic, sizeof topic, dlq, sizeof dlq);
    snprintf(group, sizeof group, "kt-loop-%ld-%lld", (long)getpid(), (long long)test_now_ms());
    kt_topic(k, topic, 2);
    produce_many(k, topic);
    unsigned seed = 14;
    int64_t top[2] = { -1, -1 }, before = 0;
    int handled_total = 0, advanced = 0, with_work = 0;
    for (int inc = 0; inc < INCARNATIONS; inc++) {
        char path[128];
        snprintf(path, sizeof path, "/tmp/kt-loop-%ld-%d.txt", (long)getpid(), inc);
        (void)unlink(path);
        int kill_ms = 6000 + (int)(rand_r(&seed) % 5001);
        child c = start_child("loop_member", k, topic, group, path);
        CHECK(c.pid > 0);
        test_sleep_ms(kill_ms);
        kill(c.pid, SIGKILL);
        (void)reap(&c, 5000);
        close(c.out);
        int handled = read_handled(path, top);
        (void)unlink(path);
        int64_t com[2] = { committed_of(k, group, topic, 0), committed_of(k, group, topic, 1) };
        int64_t after = com[0] + com[1];
        handled_total += handled;
        printf("incarnation %d: killed after %d ms, handled %d, committed %lld -> %lld "
               "(p0=%lld p1=%lld)\n", inc, kill_ms, handled, (long long)before,
               (long long)after, (long long)com[0], (long long)com[1]);
        fflush(stdout);
        for (int p = 0; p < 2; p++)
            CHECKF(com[p] <= top[p] + 1, "partition %d committed %lld past the last handled %lld",
                   p, (long long)com[p], (long long)top[p]);
        if (handled > 0) {
            with_work++;
            advanced += after > before;
            CHECKF(after > before, "incarnation %d handled %d records but committed nothing",
                   inc, handled);
        }
        before = after;
    }
    printf("crash_loop: %d of %d incarnations handled records, %d of them advanced the "
           "committed offsets; %d handled in all, %lld committed\n", with_work, INCARNATIONS,
           advanced, handled_total, (long long)before);
    CHECKF(with_work >= INCARNATIONS / 2, "only %d incarnations handled anything", with_work);
}

static const kt_case cases[] = {
    KT_CASE("coop_early_stop", test_coop_early_stop, 1),
    KT_CASE("coop_early_stop_nowait", test_coop_early_stop_nowait, 1),
    KT_CASE("crash_loop", test_crash_loop, 1),
    KT_SUBCOMMAND("member", run_member),
    KT_SUBCOMMAND("loop_member", run_loop_member),
};

int main(int argc, char **argv)
{
    return KT_MAIN(argc, argv, cases);
}
