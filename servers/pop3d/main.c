/*
 * pop3d - Cartero's POP3 server (RFC 1939, with RFC 2449's CAPA, RFC 2595's
 * STLS and RFC 5034's AUTH), for teaching and labs.
 *
 * main() reads the options and hands over to server_run() (lib/server.c),
 * which accepts each connection and runs pop3d_session() (session.c) in a
 * child process of its own.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/ssl.h>

#include "pop3d.h"

enum {
    OPT_PLAINTEXT_AUTH = SERVER_OPT_FIRST_FREE,
    OPT_AUTH_FAILURE_DELAY,
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: pop3d -u FILE [-l ADDR] [-p PORT] [--port-file FILE] [-m DIR] [-d DOMAIN]...\n"
            "             [-v] [--timeout SECS] [--max-sessions N]\n"
            "             [--tls-cert FILE [--tls-key FILE] [--implicit-tls]]\n"
            "             [--plaintext-auth never|loopback|always] [--auth-failure-delay SECS]\n"
            "\n"
            "A POP3 server (RFC 1939) that lets each user of FILE take mail out of\n"
            "the Maildir DIR/<user>/. Talk to it by hand: telnet 127.0.0.1 1110\n"
            "With --tls-cert it offers STLS (RFC 2595); with --implicit-tls too, it\n"
            "speaks TLS from the first byte, as POP3S on port 995 does.\n"
            "\n");
    server_usage_common(out, POP3_PORT_DEFAULT, POP3_TIMEOUT_SECONDS);
    fprintf(out,
            "      --plaintext-auth WHEN  when USER/PASS and AUTH PLAIN may be used without\n"
            "                      TLS: never, loopback (from 127.0.0.0/8 and ::1; the\n"
            "                      default), always. Under TLS they always may, and so\n"
            "                      may APOP, which never sends the password\n"
            "      --auth-failure-delay SECS  wait this long before answering a failed\n"
            "                      login (default %d; 0 to 60)\n"
            "\n"
            "-u is required: it says who may log in.\n"
            "Exit status: 0 stopped by SIGTERM or SIGINT; 64 bad usage; 66 users file\n"
            "unreadable; 69 port in use; 71 other system error; 73 mail root cannot be\n"
            "created; 78 the certificate or key cannot be loaded. See pop3d(8).\n",
            POP3_AUTH_FAILURE_DELAY_SECONDS);
}

static enum plaintext_policy plaintext_option(const char *arg)
{
    if (strcmp(arg, "never") == 0)
        return PLAINTEXT_NEVER;
    if (strcmp(arg, "loopback") == 0)
        return PLAINTEXT_LOOPBACK;
    if (strcmp(arg, "always") == 0)
        return PLAINTEXT_ALWAYS;
    fprintf(stderr, "pop3d: --plaintext-auth %s: say never, loopback or always\n", arg);
    exit(EX_USAGE);
}

static int delay_option(const char *arg)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v < 0 || v > 60) {
        fprintf(stderr, "pop3d: --auth-failure-delay %s: give seconds, from 0 to 60\n", arg);
        exit(EX_USAGE);
    }
    return (int)v;
}

static void parse_options(int argc, char **argv, struct pop3d_config *cfg)
{
    static const struct option options[] = {
        SERVER_LONG_OPTIONS,
        {"plaintext-auth", required_argument, NULL, OPT_PLAINTEXT_AUTH},
        {"auth-failure-delay", required_argument, NULL, OPT_AUTH_FAILURE_DELAY},
        {NULL, 0, NULL, 0},
    };
    int opt;

    while ((opt = getopt_long(argc, argv, SERVER_SHORT_OPTIONS, options, NULL)) != -1) {
        int handled = server_handle_option(&cfg->server, opt, optarg);
        if (handled < 0)
            exit(EX_USAGE);
        if (handled > 0)
            continue;
        switch (opt) {
        case 'h':
            usage(stdout);
            exit(EX_OK);
        case OPT_PLAINTEXT_AUTH:
            cfg->plaintext = plaintext_option(optarg);
            break;
        case OPT_AUTH_FAILURE_DELAY:
            cfg->auth_failure_delay = delay_option(optarg);
            break;
        default:
            fprintf(stderr, "Try 'pop3d --help' for more information.\n");
            exit(EX_USAGE);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "pop3d: unexpected argument '%s' (options only; see pop3d --help)\n",
                argv[optind]);
        exit(EX_USAGE);
    }
    if (cfg->server.users_file == NULL) {
        fprintf(stderr, "pop3d: -u FILE is required: a POP3 server must know who may log in\n"
                "       (lines like bob:{PLAIN}hungry; see pop3d --help)\n");
        exit(EX_USAGE);
    }
}

int main(int argc, char **argv)
{
    struct pop3d_config cfg;

    memset(&cfg, 0, sizeof cfg);
    server_config_defaults(&cfg.server, "pop3d", POP3_PORT_DEFAULT, POP3_TIMEOUT_SECONDS);
    cfg.plaintext = PLAINTEXT_LOOPBACK;
    cfg.auth_failure_delay = POP3_AUTH_FAILURE_DELAY_SECONDS;
    parse_options(argc, argv, &cfg);
    int status = server_prepare(&cfg.server);   /* 66 users file, 78 certificate, 73 mail root */
    if (status != EX_OK)
        return status;
    status = server_run(&cfg.server, pop3d_session, pop3d_busy, NULL, &cfg);
    users_free(&cfg.server.users);
    SSL_CTX_free(cfg.server.tls);     /* NULL without --tls-cert: a no-op */
    return status;
}
