/*
 * smtpd - Cartero's SMTP server (RFC 5321), for teaching and labs.
 *
 * main() reads the options and hands over to server_run() (lib/server.c),
 * which accepts each connection and runs smtpd_session() (session.c) in a
 * child process of its own.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "smtpd.h"

enum {
    OPT_MAX_SIZE = SERVER_OPT_FIRST_FREE,
    OPT_STRICT_7BIT,
    OPT_GREET_DELAY,
    OPT_PLAINTEXT_AUTH,
    OPT_AUTH_REQUIRED,
    OPT_TLS_REQUIRED,
    OPT_AUTH_FAILURE_DELAY,
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: smtpd [-l ADDR] [-p PORT] [--port-file FILE] [-m DIR] [-d DOMAIN]...\n"
            "             [-u FILE] [-v] [--max-size BYTES] [--timeout SECS]\n"
            "             [--max-sessions N] [--strict-7bit] [--greet-delay MS]\n"
            "             [--tls-cert FILE [--tls-key FILE] [--implicit-tls]]\n"
            "             [--plaintext-auth never|loopback|always] [--auth-required]\n"
            "             [--tls-required] [--auth-failure-delay SECS]\n"
            "\n"
            "An SMTP server (RFC 5321) that delivers mail for its domains into\n"
            "Maildirs: DIR/<user>/new/. Talk to it by hand: telnet 127.0.0.1 2525\n"
            "\n");
    server_usage_common(out, SMTP_PORT_DEFAULT, SMTP_TIMEOUT_SECONDS);
    fprintf(out,
            "      --max-size BYTES  refuse messages larger than this (default %lu,\n"
            "                      advertised with SIZE)\n"
            "      --strict-7bit   refuse messages with 8-bit bytes, as SMTP originally did\n"
            "      --greet-delay MS  wait MS milliseconds before the greeting, to catch\n"
            "                      clients that talk first (default 0)\n"
            "      --plaintext-auth WHEN  when AUTH may be used without TLS: never (the\n"
            "                      default), loopback (clients on 127.0.0.0/8 or ::1), always\n"
            "      --auth-required  MAIL needs AUTH first (530), as on the submission port 587\n"
            "      --tls-required  every command but EHLO, STARTTLS, NOOP and QUIT needs\n"
            "                      STARTTLS first (530)\n"
            "      --auth-failure-delay SECS  wait this long before answering a failed AUTH\n"
            "                      (default %d)\n"
            "\n"
            "Exit status: 0 stopped by SIGTERM or SIGINT; 64 bad usage; 66 users file\n"
            "unreadable; 69 port in use; 71 other system error; 73 cannot create the mail\n"
            "root; 78 bad TLS certificate or key. See smtpd(8).\n",
            SMTP_MESSAGE_SIZE_DEFAULT, SMTP_AUTH_FAILURE_DELAY_SECONDS);
}

/* Parses a whole number in [min, max]; exits with a message when it is not one. */
static unsigned long number_option(const char *name, const char *arg,
                                   unsigned long min, unsigned long max)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-' || v < min || v > max) {
        fprintf(stderr, "smtpd: --%s %s: give a number from %lu to %lu\n", name, arg, min, max);
        exit(EX_USAGE);
    }
    return v;
}

static enum plaintext_auth plaintext_auth_option(const char *arg)
{
    if (strcmp(arg, "never") == 0)
        return PLAINTEXT_AUTH_NEVER;
    if (strcmp(arg, "loopback") == 0)
        return PLAINTEXT_AUTH_LOOPBACK;
    if (strcmp(arg, "always") == 0)
        return PLAINTEXT_AUTH_ALWAYS;
    fprintf(stderr, "smtpd: --plaintext-auth %s: say never, loopback or always\n", arg);
    exit(EX_USAGE);
}

/* --auth-required needs users; --tls-required needs a certificate. */
static int check_policy(const struct smtpd_config *cfg)
{
    if (cfg->auth_required && cfg->server.users_file == NULL) {
        fprintf(stderr, "smtpd: --auth-required needs a users file (-u FILE)\n");
        return -1;
    }
    if (cfg->tls_required && cfg->server.tls == NULL) {
        fprintf(stderr, "smtpd: --tls-required needs a certificate (--tls-cert FILE)\n");
        return -1;
    }
    return 0;
}

static void parse_options(int argc, char **argv, struct smtpd_config *cfg)
{
    static const struct option options[] = {
        SERVER_LONG_OPTIONS,
        {"max-size", required_argument, NULL, OPT_MAX_SIZE},
        {"strict-7bit", no_argument, NULL, OPT_STRICT_7BIT},
        {"greet-delay", required_argument, NULL, OPT_GREET_DELAY},
        {"plaintext-auth", required_argument, NULL, OPT_PLAINTEXT_AUTH},
        {"auth-required", no_argument, NULL, OPT_AUTH_REQUIRED},
        {"tls-required", no_argument, NULL, OPT_TLS_REQUIRED},
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
        case OPT_MAX_SIZE:
            cfg->max_size = number_option("max-size", optarg, 1, 1UL << 40);
            break;
        case OPT_STRICT_7BIT:
            cfg->strict_7bit = true;
            break;
        case OPT_GREET_DELAY:
            cfg->greet_delay_ms = (int)number_option("greet-delay", optarg, 0, 60000);
            break;
        case OPT_PLAINTEXT_AUTH:
            cfg->plaintext_auth = plaintext_auth_option(optarg);
            break;
        case OPT_AUTH_REQUIRED:
            cfg->auth_required = true;
            break;
        case OPT_TLS_REQUIRED:
            cfg->tls_required = true;
            break;
        case OPT_AUTH_FAILURE_DELAY:
            cfg->auth_failure_delay = (int)number_option("auth-failure-delay", optarg, 0, 60);
            break;
        default:
            fprintf(stderr, "Try 'smtpd --help' for more information.\n");
            exit(EX_USAGE);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "smtpd: unexpected argument '%s' (options only; see smtpd --help)\n",
                argv[optind]);
        exit(EX_USAGE);
    }
}

int main(int argc, char **argv)
{
    struct smtpd_config cfg;

    memset(&cfg, 0, sizeof cfg);
    server_config_defaults(&cfg.server, "smtpd", SMTP_PORT_DEFAULT, SMTP_TIMEOUT_SECONDS);
    cfg.max_size = SMTP_MESSAGE_SIZE_DEFAULT;
    cfg.plaintext_auth = PLAINTEXT_AUTH_NEVER;
    cfg.auth_failure_delay = SMTP_AUTH_FAILURE_DELAY_SECONDS;
    parse_options(argc, argv, &cfg);
    int status = server_prepare(&cfg.server);
    if (status != EX_OK)
        return status;
    if ((cfg.auth_required || cfg.tls_required) && check_policy(&cfg) != 0)
        return EX_USAGE;
    return server_run(&cfg.server, smtpd_session, smtpd_busy, NULL, &cfg);
}
