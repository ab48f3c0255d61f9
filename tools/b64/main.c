/*
 * b64 - base64 encode or decode a file, like coreutils base64, and show how
 * the encoding works (--explain). See b64.1.
 *
 *   b64 [-d] [-i] [-w COLS] [--url] [FILE]
 *   b64 [--url] --explain TEXT
 *
 * Exit status (as coreutils): 0 on success, 1 on any error: invalid input,
 * a file that cannot be read or written, a bad option.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "explain.h"
#include "stream.h"

/* coreutils base64 wraps at 76 columns, the line length of RFC 2045 6.8. */
#define DEFAULT_WRAP_COLS 76

#define EXIT_OK 0
#define EXIT_ERROR 1   /* coreutils uses 1 for every failure, usage too */

struct options {
    bool decode;                /* -d */
    bool ignore_garbage;        /* -i */
    size_t wrap_cols;           /* -w; 0: one line, no newline */
    enum b64_alphabet alphabet; /* --url: RFC 4648 section 5 */
    const char *explain_text;   /* --explain TEXT, or NULL */
    const char *path;           /* FILE; "-" is standard input */
};

/* Long-only options: values beyond any char. */
enum { OPT_URL = 256, OPT_EXPLAIN, OPT_HELP };

static const struct option LONG_OPTIONS[] = {
    { "decode", no_argument, NULL, 'd' },
    { "ignore-garbage", no_argument, NULL, 'i' },
    { "wrap", required_argument, NULL, 'w' },
    { "url", no_argument, NULL, OPT_URL },
    { "explain", required_argument, NULL, OPT_EXPLAIN },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

/* The synopsis and options of b64.1, in the same words. */
static void usage(FILE *out)
{
    fputs("Usage: b64 [-d] [-i] [-w COLS] [--url] [FILE]\n"
          "       b64 [--url] --explain TEXT\n"
          "Base64 encode or decode FILE, or standard input, to standard"
          " output.\n"
          "With no FILE, or when FILE is -, read standard input.\n"
          "\n"
          "  -d, --decode          decode data\n"
          "  -i, --ignore-garbage  when decoding, ignore bytes outside the"
          " alphabet\n"
          "  -w, --wrap=COLS       wrap encoded lines after COLS characters"
          " (default 76);\n"
          "                        0 disables line wrapping\n"
          "      --url             use the URL and filename safe alphabet"
          " (RFC 4648 section 5)\n"
          "      --explain TEXT    show, bit by bit, how TEXT is encoded\n"
          "      --help            display this help and exit\n"
          "\n"
          "Decoding skips newlines; any other byte outside the alphabet is"
          " an error\n"
          "(with its offset) unless -i is given. Exit status: 0 on success,"
          " 1 on error.\n", out);
}

/* Say what is wrong (unless MESSAGE is NULL: getopt already did), point
 * to --help, and exit. */
static void die_usage(const char *message, const char *arg)
{
    if (message != NULL && arg != NULL)
        warnx("%s '%s'", message, arg);
    else if (message != NULL)
        warnx("%s", message);
    fputs("Try 'b64 --help' for more information.\n", stderr);
    exit(EXIT_ERROR);
}

/* Parse -w's COLS as coreutils does: a decimal number >= 0; a number too
 * large to hold means "never wrap". */
static size_t parse_wrap(const char *arg)
{
    char *end;
    errno = 0;
    intmax_t cols = strtoimax(arg, &end, 10);

    if (end == arg || *end != '\0' || cols < 0)
        die_usage("invalid wrap size:", arg);
    if ((errno == ERANGE && cols == INTMAX_MAX) || (uintmax_t)cols > SIZE_MAX)
        return 0;
    return (size_t)cols;
}

static void parse_options(int argc, char **argv, struct options *opt)
{
    static char program_name[] = "b64";
    int c;

    /* getopt's own messages start with argv[0]; make them "b64: " too,
     * like err(3)'s, whatever path b64 was started by. */
    argv[0] = program_name;

    *opt = (struct options){ .wrap_cols = DEFAULT_WRAP_COLS,
                             .alphabet = B64_STANDARD, .path = "-" };
    while ((c = getopt_long(argc, argv, "diw:", LONG_OPTIONS, NULL)) != -1) {
        switch (c) {
        case 'd': opt->decode = true; break;
        case 'i': opt->ignore_garbage = true; break;
        case 'w': opt->wrap_cols = parse_wrap(optarg); break;
        case OPT_URL: opt->alphabet = B64_URL; break;
        case OPT_EXPLAIN: opt->explain_text = optarg; break;
        case OPT_HELP: usage(stdout); exit(EXIT_OK);
        default: die_usage(NULL, NULL);
        }
    }
    if (optind < argc)
        opt->path = argv[optind++];
    if (optind < argc)
        die_usage("extra operand", argv[optind]);
    if (opt->explain_text != NULL && opt->decode)
        die_usage("--explain shows encoding; it cannot be used with -d", NULL);
    if (opt->explain_text != NULL && strcmp(opt->path, "-") != 0)
        die_usage("extra operand", opt->path);
}

/* Box-drawing characters if the terminal's locale is UTF-8, else ASCII. */
static enum explain_style explain_style_from_locale(void)
{
    if (setlocale(LC_CTYPE, "") == NULL)
        return EXPLAIN_ASCII;
    return strcmp(nl_langinfo(CODESET), "UTF-8") == 0 ? EXPLAIN_UTF8
                                                     : EXPLAIN_ASCII;
}

static int run_explain(const struct options *opt)
{
    const char *text = opt->explain_text;

    if (!explain_encoding(stdout, (const unsigned char *)text, strlen(text),
                          opt->alphabet, explain_style_from_locale())
        || fflush(stdout) != 0) {
        warn("write error");
        return EXIT_ERROR;
    }
    return EXIT_OK;
}

static int run_stream(const struct options *opt)
{
    bool use_stdin = strcmp(opt->path, "-") == 0;
    const char *name = use_stdin ? "standard input" : opt->path;
    FILE *in = use_stdin ? stdin : fopen(opt->path, "r");
    bool ok;

    if (in == NULL) {
        warn("%s", opt->path);
        return EXIT_ERROR;
    }
    if (opt->decode)
        ok = decode_stream(in, name, stdout, opt->alphabet,
                           opt->ignore_garbage) == DECODE_OK;
    else
        ok = encode_stream(in, name, stdout, opt->alphabet, opt->wrap_cols);
    if (!use_stdin)
        fclose(in);
    return ok ? EXIT_OK : EXIT_ERROR;
}

int main(int argc, char **argv)
{
    struct options opt;
    int status;

    parse_options(argc, argv, &opt);
    status = opt.explain_text != NULL ? run_explain(&opt) : run_stream(&opt);
    /* Output is buffered: a full disk shows up here, at the latest. */
    if (fclose(stdout) != 0 && status == EXIT_OK) {
        warn("write error");
        status = EXIT_ERROR;
    }
    return status;
}
