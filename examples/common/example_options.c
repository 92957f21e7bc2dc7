/*
 * example_options.c: the command line of the example programs (see
 * example_options.h).
 */
#include "example_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ex_parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static const ex_opt *find_opt(const char *flag, const ex_opt *opts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(flag, opts[i].flag) == 0)
            return &opts[i];
    return NULL;
}

/* Apply opt to its value (NULL for a switch); false after saying why. */
static bool apply(const char *prog, const ex_opt *opt, const char *val)
{
    if (opt->on) {
        *opt->on = true;
    } else if (!val) {
        fprintf(stderr, "%s: %s needs a value\n", prog, opt->flag);
        return false;
    } else if (opt->str) {
        *opt->str = val;
    } else if (!ex_parse_long(val, opt->min, opt->max, opt->num)) {
        fprintf(stderr, "%s: %s wants a whole number from %ld to %ld, not '%s'\n", prog,
                opt->flag, opt->min, opt->max, val);
        return false;
    }
    return true;
}

/* The first line of path into buf (line end stripped); false when none. */
static bool read_first_line(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    bool ok = f && fgets(buf, (int)cap, f) != NULL;
    if (f)
        fclose(f);
    if (ok)
        buf[strcspn(buf, "\r\n")] = '\0';
    return ok && buf[0] != '\0';
}

int ex_parse_args(int argc, char **argv, const char *prog, const char *usage,
                  ex_common *common, const ex_opt *opts, size_t n)
{
    const ex_opt shared[] = {
        EX_STR("--brokers", &common->brokers),
        EX_STR("--bootstrap-file", &common->bootstrap_file),
        EX_STR("--config", &common->config_file),
        EX_STR("--topic", &common->topic),
    };
    memset(common, 0, sizeof *common);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            exit(0);
        }
        const ex_opt *opt = find_opt(argv[i], shared, sizeof shared / sizeof shared[0]);
        opt = opt ? opt : find_opt(argv[i], opts, n);
        const char *val = opt && !opt->on && i + 1 < argc ? argv[++i] : NULL;
        if (!opt)
            fprintf(stderr, "%s: unknown argument '%s'\n", prog, argv[i]);
        if (!opt || !apply(prog, opt, val)) {
            fputs(usage, stderr);
            return 2;
        }
    }
    if (common->brokers || !common->bootstrap_file)
        return 0;
    if (!read_first_line(common->bootstrap_file, common->line, sizeof common->line)) {
        fprintf(stderr, "%s: --bootstrap-file %s: cannot read a first line\n", prog,
                common->bootstrap_file);
        return 1;
    }
    common->brokers = common->line;
    return 0;
}

int ex_config_load(tg_config *c, const ex_common *common, tg_error *err)
{
    if (common->config_file && tg_config_load_file(c, common->config_file, err) != 0)
        return -1;
    if (tg_config_load_env(c, NULL, err) != 0)
        return -1;
    if (common->brokers && tg_config_set(c, "bootstrap.servers", common->brokers, err) != 0)
        return -1;
    return 0;
}
