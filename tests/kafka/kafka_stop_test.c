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
 * The "member" sub-command is the child.  Every wait is bounded. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
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

/* member BOOTSTRAP TOPIC GROUP: run until SIGTERM; exit 0 on a clean stop. */
static int run_member(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    kt_cluster k;
    memset(&k, 0, sizeof k);
    snprintf(k.bootstraps, sizeof k.bootstraps, "%s", argv[2]);
    const char *extra[] = { "partition.assignment.strategy", "cooperative-sticky",
                            "topicgen.shutdown.timeout.ms", "5000" };
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

/* ---- the driver -------------------------------------------------------------- */

typedef struct child {
    pid_t pid;
    int out;                         /* its stdout, read end */
} child;

static child start_member(const kt_cluster *k, const char *topic, const char *group)
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
        close(fds[0]);
        close(fds[1]);
        execl(self, self, "member", k->bootstraps, topic, group, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    c.out = fds[0];
    return c;
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
    close(c->out);
    return status;
}

static void test_coop_early_stop(kt_cluster *k)
{
    char topic[64], dlq[80];
    kt_names(k, "stop.coop", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 3);
    CHECK(kt_produce(k, topic, 0, 1, "k", "ok") == 0);
    int clean = 0, aborted = 0, other = 0;
    for (int round = 0; round < ROUNDS; round++) {
        char group[96];
        snprintf(group, sizeof group, "kt-stop-%ld-%lld-%d", (long)getpid(),
                 (long long)test_now_ms(), round);
        child a = start_member(k, topic, group);
        bool joined = a.pid > 0 && wait_line(&a, 20000);
        if (a.pid > 0)
            kill(a.pid, SIGKILL);
        if (a.pid > 0)
            (void)reap(&a, 5000);
        CHECKF(joined, "round %d: member A never handled its record", round);
        child b = start_member(k, topic, group);
        test_sleep_ms(3000);
        int64_t t0 = test_now_ms();
        kill(b.pid, SIGTERM);
        int status = reap(&b, 20000);
        long long stop_ms = (long long)(test_now_ms() - t0);
        if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            clean++;
        else if (status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT)
            aborted++;
        else
            other++;
        printf("round %d: B %s after %lld ms\n", round,
               status < 0                 ? "hung (killed)"
               : WIFSIGNALED(status)      ? "died by a signal"
               : WEXITSTATUS(status) == 0 ? "exited 0"
                                          : "exited non-zero",
               stop_ms);
        fflush(stdout);
    }
    printf("coop_early_stop: %d clean, %d aborted, %d other of %d\n", clean, aborted, other,
           ROUNDS);
    CHECKF(clean == ROUNDS, "%d of %d stops were not clean (aborted %d)", ROUNDS - clean,
           ROUNDS, aborted);
}

static const kt_case cases[] = {
    KT_CASE("coop_early_stop", test_coop_early_stop, 1),
    KT_SUBCOMMAND("member", run_member),
};

int main(int argc, char **argv)
{
    return KT_MAIN(argc, argv, cases);
}
