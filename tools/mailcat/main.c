/*
 * mailcat - talk to a mail server by hand, or replay a session from the
 * slides and check it.
 *
 *     mailcat [options] HOST [PORT]
 *
 * The one client of the course's labs: telnet with CR LF, TLS (from the
 * first byte or by STARTTLS), a readline prompt with history, helpers for
 * Base64 and AUTH, and a script mode in the slides' "C:"/"S:" notation.
 * main() reads the options, connects, starts TLS if asked, and hands the
 * session to script mode or to the prompt. See mailcat(1).
 */
#include <err.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "interactive.h"
#include "net.h"
#include "script.h"
#include "session.h"

/* The longest --timeout and --delay we take: an hour. */
#define OPTION_SECONDS_MAX 3600

/* Well-known ports (RFC 5321, 6409, 8314, 1939, 9051) and the lab ports, for guessing --proto. */
static const struct {
    const char *port;
    enum reply_proto proto;
    bool tls;                 /* TLS from the first byte (RFC 8314 3.3) */
} known_ports[] = {
    {"25", REPLY_SMTP, false},   {"587", REPLY_SMTP, false}, {"465", REPLY_SMTP, true},
    {"2525", REPLY_SMTP, false}, {"110", REPLY_POP3, false}, {"995", REPLY_POP3, true},
    {"1110", REPLY_POP3, false}, {"143", REPLY_IMAP, false}, {"993", REPLY_IMAP, true},
    {"1143", REPLY_IMAP, false},
};

/* The port for each protocol when none is given: clear text, then TLS. */
static const char *const default_ports[][2] = {
    [REPLY_SMTP] = {"25", "465"},
    [REPLY_POP3] = {"110", "995"},
    [REPLY_IMAP] = {"143", "993"},
};

enum {
    OPT_PROTO = 1000, OPT_TLS, OPT_STARTTLS, OPT_CAFILE, OPT_INSECURE, OPT_SCRIPT,
    OPT_PIPELINE, OPT_DELAY, OPT_STEP, OPT_TIMEOUT, OPT_NO_COLOR, OPT_SHOW_CRLF,
};

static const struct option long_options[] = {
    {"proto", required_argument, NULL, OPT_PROTO},
    {"tls", no_argument, NULL, OPT_TLS},
    {"starttls", no_argument, NULL, OPT_STARTTLS},
    {"cafile", required_argument, NULL, OPT_CAFILE},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"script", required_argument, NULL, OPT_SCRIPT},
    {"pipeline", no_argument, NULL, OPT_PIPELINE},
    {"delay", required_argument, NULL, OPT_DELAY},
    {"step", no_argument, NULL, OPT_STEP},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"quiet", no_argument, NULL, 'q'},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"show-crlf", no_argument, NULL, OPT_SHOW_CRLF},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
    fputs("usage: mailcat [--proto smtp|pop3|imap] [--tls | --starttls] [--cafile FILE]\n"
          "               [--insecure] [--script FILE] [--pipeline] [--delay SECONDS]\n"
          "               [--step] [--timeout SECONDS] [-4 | -6] [-q] [--no-color]\n"
          "               [--show-crlf] HOST [PORT]\n"
          "\n"
          "Talk to a mail server by hand (on a terminal), or run a script written\n"
          "in the slides' notation (--script FILE, or a script on standard input):\n"
          "  C: HELO crepes.fr     a line to send (CR LF is added)\n"
          "  S: 250                the reply code expected next (+OK, -ERR, OK, NO...)\n"
          "Lines starting with \":\" are helpers; type :help in a session.\n"
          "\n"
          "  --proto P       smtp, pop3 or imap (guessed from the port otherwise)\n"
          "  --tls           TLS from the first byte (ports 465, 995, 993 imply it)\n"
          "  --starttls      ask for TLS the protocol's way, then hand over\n"
          "  --cafile FILE   trust the CA certificates in FILE too\n"
          "  --insecure      go on even if the certificate cannot be trusted\n"
          "  --script FILE   run FILE ('-' is standard input)\n"
          "  --pipeline      send script lines without waiting for each reply\n"
          "  --delay S       wait S seconds between script lines\n"
          "  --step          wait for Enter before each script line\n"
          "  --timeout S     wait at most S seconds for a reply (default 30)\n"
          "  -4, -6          IPv4 or IPv6 only\n"
          "  -q, --quiet     show only the server's lines\n"
          "  --no-color      no colours, even on a terminal\n"
          "  --show-crlf     show where each line ends (\\r\\n)\n"
          "\n"
          "Exit status: 0 as expected, 1 an expectation failed, 2 usage,\n"
          "3 could not connect or TLS failed.\n", out);
}

/* Reads a number of seconds for option name; exits 2 when it is not one. */
static double parse_seconds(const char *name, const char *text, bool whole)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !(v >= 0 && v <= OPTION_SECONDS_MAX) ||
        (whole && v != (double)(int)v)) {
        warnx("%s wants a number of seconds from 0 to %d%s, not \"%s\"", name,
              OPTION_SECONDS_MAX, whole ? " (whole)" : "", text);
        exit(EXIT_USAGE);
    }
    return v;
}

static enum reply_proto parse_proto(const char *text)
{
    if (strcasecmp(text, "smtp") == 0)
        return REPLY_SMTP;
    if (strcasecmp(text, "pop3") == 0 || strcasecmp(text, "pop") == 0)
        return REPLY_POP3;
    if (strcasecmp(text, "imap") == 0)
        return REPLY_IMAP;
    warnx("--proto is smtp, pop3 or imap, not \"%s\"", text);
    exit(EXIT_USAGE);
}

/* Fills in the protocol, the port and --tls from each other, as mailcat(1) says. */
static void settle_protocol(struct options *opt, bool proto_given)
{
    if (opt->port == NULL) {
        opt->port = default_ports[opt->proto][opt->tls ? 1 : 0];
        return;
    }
    for (size_t i = 0; i < sizeof known_ports / sizeof known_ports[0]; i++) {
        if (strcmp(opt->port, known_ports[i].port) != 0)
            continue;
        if (!proto_given)
            opt->proto = known_ports[i].proto;
        if (known_ports[i].tls && !opt->starttls)
            opt->tls = true;
        return;
    }
    opt->proto_guessed = !proto_given;   /* not a mail port we know: SMTP, said when connected */
}

static void parse_options(int argc, char **argv, struct options *opt)
{
    bool proto_given = false, no_color = false;
    int ch;

    *opt = (struct options){.proto = REPLY_SMTP, .timeout_seconds = SESSION_TIMEOUT_SECONDS,
                            .family = AF_UNSPEC};
    while ((ch = getopt_long(argc, argv, "46qh", long_options, NULL)) != -1) {
        switch (ch) {
        case OPT_PROTO: opt->proto = parse_proto(optarg); proto_given = true; break;
        case OPT_TLS: opt->tls = true; break;
        case OPT_STARTTLS: opt->starttls = true; break;
        case OPT_CAFILE: opt->cafile = optarg; break;
        case OPT_INSECURE: opt->insecure = true; break;
        case OPT_SCRIPT: opt->script = optarg; break;
        case OPT_PIPELINE: opt->pipeline = true; break;
        case OPT_DELAY: opt->delay_seconds = parse_seconds("--delay", optarg, false); break;
        case OPT_STEP: opt->step = true; break;
        case OPT_TIMEOUT:
            opt->timeout_seconds = (int)parse_seconds("--timeout", optarg, true);
            break;
        case '4': opt->family = AF_INET; break;
        case '6': opt->family = AF_INET6; break;
        case 'q': opt->quiet = true; break;
        case OPT_NO_COLOR: no_color = true; break;
        case OPT_SHOW_CRLF: opt->show_crlf = true; break;
        case 'h': usage(stdout); exit(EXIT_AS_EXPECTED);
        default: usage(stderr); exit(EXIT_USAGE);
        }
    }
    if (argc - optind < 1 || argc - optind > 2) {
        usage(stderr);
        exit(EXIT_USAGE);
    }
    if (opt->tls && opt->starttls) {
        warnx("--tls and --starttls exclude each other: TLS from the first byte, or after "
              "the protocol asks for it");
        exit(EXIT_USAGE);
    }
    opt->host = argv[optind];
    opt->port = argc - optind == 2 ? argv[optind + 1] : NULL;
    settle_protocol(opt, proto_given);
    /* NO_COLOR: https://no-color.org, a convention many tools follow. */
    opt->color = !no_color && getenv("NO_COLOR") == NULL && isatty(STDOUT_FILENO);
}

/* Script mode reads from --script FILE, or from stdin when it is not a terminal. */
static int run_script(struct session *s, const struct options *opt)
{
    if (opt->script == NULL || strcmp(opt->script, "-") == 0)
        return script_run(s, stdin, opt->script == NULL ? "stdin" : "-");
    FILE *f = fopen(opt->script, "r");
    if (f == NULL) {
        warn("cannot read the script %s", opt->script);
        return EXIT_USAGE;
    }
    int rc = script_run(s, f, opt->script);
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    struct options opt;
    parse_options(argc, argv, &opt);
    /* A server that has gone away makes a TLS write fail (EPIPE), not kill us. */
    signal(SIGPIPE, SIG_IGN);
    bool scripted = opt.script != NULL || !isatty(STDIN_FILENO);

    char err[512];
    int fd = net_connect(opt.host, opt.port, opt.family, opt.timeout_seconds, err, sizeof err);
    if (fd < 0) {
        warnx("%s", err);
        return EXIT_NO_CONNECTION;
    }
    struct session s;
    if (session_init(&s, &opt, fd) != 0)
        errx(EXIT_USAGE, "out of memory");
    if (!opt.quiet)
        display_note(&s.display, "connected to %s port %s (%s%s%s)", opt.host, opt.port,
                     reply_proto_name(opt.proto), opt.tls ? " over TLS" : "",
                     opt.proto_guessed ? "; --proto pop3 or imap to change" : "");

    int status;
    if ((opt.tls && session_start_tls(&s) != 0) ||
        (opt.starttls && session_negotiate_starttls(&s) != 0))
        status = EXIT_NO_CONNECTION;
    else if (scripted)
        status = run_script(&s, &opt);
    else
        status = interactive_run(&s);
    session_close(&s);
    return status;
}
