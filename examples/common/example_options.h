/*
 * example_options.h: the command line of the example programs, written once.
 *
 * Every example takes --brokers, --bootstrap-file, --config and --topic
 * (ex_common); each program adds its own flags in a table of ex_opt (a
 * string value, a number in a range, or a switch) and calls ex_parse_args.
 * ex_config_load then applies the cluster flags to a tg_config in the
 * order every example documents.  Diagnostics are printed here, prefixed
 * with the program's name, so the programs report bad usage alike.
 *
 * Part of the examples, not of topicgen: tools/ keeps its own parsing, as
 * an installed tool does not build against examples/.
 */
#ifndef EXAMPLE_OPTIONS_H
#define EXAMPLE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "tg_config.h"

/* The flags every example takes. */
typedef struct ex_common {
    const char *brokers;          /* --brokers LIST, or --bootstrap-file's line */
    const char *bootstrap_file;   /* --bootstrap-file PATH                      */
    const char *config_file;      /* --config FILE: librdkafka/topicgen properties */
    const char *topic;            /* --topic NAME; NULL: the program's default  */
    char line[1024];              /* storage of the bootstrap file's first line */
} ex_common;

/* One flag of a program's own; exactly one of str, num and on is set (use
 * the macros). */
typedef struct ex_opt {
    const char *flag;     /* "--count"                                      */
    const char **str;     /* --flag VALUE: VALUE is stored here             */
    long *num;            /* --flag N: a whole decimal number in [min, max] */
    long min, max;
    bool *on;             /* --flag alone: sets *on                         */
} ex_opt;

#define EX_STR(f, p) { .flag = (f), .str = (p) }
#define EX_NUM(f, p, lo, hi) { .flag = (f), .num = (p), .min = (lo), .max = (hi) }
#define EX_SWITCH(f, p) { .flag = (f), .on = (p) }

/* s as a whole decimal number in [min, max] into *out; false otherwise
 * (*out untouched). */
bool ex_parse_long(const char *s, long min, long max, long *out);

/* Parse argv[1..argc-1], in any order (later flags win): the common flags
 * into *common (cleared first), opts[0..n-1] into what they point to (the
 * caller sets the defaults).  --help or -h prints usage to stdout and exits
 * 0.  Then --bootstrap-file, unless --brokers was given, is read: its first
 * line (as topicgen-broker writes it) becomes common->brokers.  Returns 0;
 * 2 after printing "<prog>: <what is wrong>" and usage to stderr; 1 after
 * printing why the bootstrap file has no first line. */
int ex_parse_args(int argc, char **argv, const char *prog, const char *usage,
                  ex_common *common, const ex_opt *opts, size_t n);

/* Apply --config FILE, then the environment (TOPICGEN_BROKERS,
 * TOPICGEN_KAFKA_*; tg_config_load_env), then --brokers to c: later ones
 * win.  Without --brokers and --bootstrap-file the environment names the
 * cluster, and with none of them the runtime refuses to create the client
 * and says how to name one.  0, or -1 with err set. */
int ex_config_load(tg_config *c, const ex_common *common, tg_error *err);

#endif /* EXAMPLE_OPTIONS_H */
