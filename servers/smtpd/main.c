/*
 * smtpd - Cartero's SMTP server (RFC 5321), for teaching and labs.
 *
 * main() reads the options and hands over to server_run() (lib/server.c),
 * which accepts each connection and runs smtpd_session() (session.c) in a
 * child process of its own.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "queue.h"
#include "smtpd.h"

enum {
    OPT_MAX_SIZE = SERVER_OPT_FIRST_FREE,
    OPT_STRICT_7BIT,
    OPT_GREET_DELAY,
    OPT_PLAINTEXT_AUTH,
    OPT_AUTH_REQUIRED,
    OPT_TLS_REQUIRED,
    OPT_AUTH_FAILURE_DELAY,
    OPT_TRUSTED,
    OPT_ROUTES,
    OPT_QUEUE_LIFETIME,
    OPT_QUEUE_RETRY,
    OPT_QUEUE_INTERVAL,
    OPT_QUEUE_ONLY,
    OPT_QUEUE_LIST,
    OPT_FLUSH,
};

/* What to do: serve (the usual), or one of the queue commands, then exit. */
enum action { ACTION_SERVE, ACTION_QUEUE_LIST, ACTION_FLUSH };

static void usage(FILE *out)
{
    fprintf(out,
            "usage: smtpd [-l ADDR] [-p PORT] [--port-file FILE] [-m DIR] [-d DOMAIN]...\n"
            "             [-u FILE] [-v] [--max-size BYTES] [--timeout SECS]\n"
            "             [--max-sessions N] [--strict-7bit] [--greet-delay MS]\n"
            "             [--tls-cert FILE [--tls-key FILE] [--implicit-tls]]\n"
            "             [--plaintext-auth never|loopback|always] [--auth-required]\n"
            "             [--tls-required] [--auth-failure-delay SECS]\n"
            "             [--routes FILE] [--trusted NET]... [--queue-lifetime SECS]\n"
            "             [--queue-retry SECS] [--queue-interval SECS] [--queue-only]\n"
            "       smtpd --queue-list [-m DIR]\n"
            "       smtpd --flush [-m DIR]\n"
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
            "Relaying (mail for other domains, through the outgoing queue):\n"
            "      --routes FILE   next hops, lines 'domain host:port' and '* host:port';\n"
            "                      without it, mail for other domains is refused\n"
            "      --trusted NET   clients that may relay (repeatable; default 127.0.0.1/32\n"
            "                      and ::1); authenticated clients may too\n"
            "      --queue-lifetime SECS  bounce what is still undelivered after this long\n"
            "                      (default %d, 5 days)\n"
            "      --queue-retry SECS  wait after a failed try; doubles each time up to an\n"
            "                      hour (default %d)\n"
            "      --queue-interval SECS  look at the queue at least this often (default %d)\n"
            "      --queue-only    new mail waits for the next queue run (or --flush)\n"
            "      --queue-list    show the queue of the mail root (-m), as mailq does\n"
            "      --flush         make the running server's queue runner try every message now\n"
            "\n"
            "Exit status: 0 stopped by SIGTERM or SIGINT; 64 bad usage; 66 users file\n"
            "unreadable; 69 port in use; 71 other system error; 73 cannot create the mail\n"
            "root; 78 bad TLS certificate or key. See smtpd(8).\n",
            SMTP_MESSAGE_SIZE_DEFAULT, SMTP_AUTH_FAILURE_DELAY_SECONDS,
            QUEUE_LIFETIME_DEFAULT, QUEUE_RETRY_DEFAULT, QUEUE_INTERVAL_DEFAULT);
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

/* The relaying and queue options. Returns false when opt is not one of them. */
static bool handle_relay_option(struct smtpd_config *cfg, int opt, const char *arg,
                                bool *trusted_given)
{
    switch (opt) {
    case OPT_TRUSTED:
        if (!*trusted_given)
            cfg->relay.ntrusted = 0;    /* the first --trusted replaces the defaults */
        *trusted_given = true;
        if (relay_add_trusted(&cfg->relay, arg) != 0) {
            fprintf(stderr, "smtpd: --trusted %s: give an address or a network, such as "
                    "127.0.0.1/32, 10.0.0.0/8 or ::1\n", arg);
            exit(EX_USAGE);
        }
        return true;
    case OPT_ROUTES:
        cfg->routes_file = arg;
        return true;
    case OPT_QUEUE_LIFETIME:
        cfg->queue_lifetime = (long)number_option("queue-lifetime", arg, 1, 365L * 86400);
        return true;
    case OPT_QUEUE_RETRY:
        cfg->queue_retry = (long)number_option("queue-retry", arg, 1, 86400);
        return true;
    case OPT_QUEUE_INTERVAL:
        cfg->queue_interval = (long)number_option("queue-interval", arg, 1, 86400);
        return true;
    case OPT_QUEUE_ONLY:
        cfg->queue_only = true;
        return true;
    default:
        return false;
    }
}

static enum action parse_options(int argc, char **argv, struct smtpd_config *cfg)
{
    enum action action = ACTION_SERVE;
    bool trusted_given = false;
    static const struct option options[] = {
        SERVER_LONG_OPTIONS,
        {"max-size", required_argument, NULL, OPT_MAX_SIZE},
        {"strict-7bit", no_argument, NULL, OPT_STRICT_7BIT},
        {"greet-delay", required_argument, NULL, OPT_GREET_DELAY},
        {"plaintext-auth", required_argument, NULL, OPT_PLAINTEXT_AUTH},
        {"auth-required", no_argument, NULL, OPT_AUTH_REQUIRED},
        {"tls-required", no_argument, NULL, OPT_TLS_REQUIRED},
        {"auth-failure-delay", required_argument, NULL, OPT_AUTH_FAILURE_DELAY},
        {"trusted", required_argument, NULL, OPT_TRUSTED},
        {"routes", required_argument, NULL, OPT_ROUTES},
        {"queue-lifetime", required_argument, NULL, OPT_QUEUE_LIFETIME},
        {"queue-retry", required_argument, NULL, OPT_QUEUE_RETRY},
        {"queue-interval", required_argument, NULL, OPT_QUEUE_INTERVAL},
        {"queue-only", no_argument, NULL, OPT_QUEUE_ONLY},
        {"queue-list", no_argument, NULL, OPT_QUEUE_LIST},
        {"flush", no_argument, NULL, OPT_FLUSH},
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
        case OPT_QUEUE_LIST:
            action = ACTION_QUEUE_LIST;
            break;
        case OPT_FLUSH:
            action = ACTION_FLUSH;
            break;
        default:
            if (handle_relay_option(cfg, opt, optarg, &trusted_given))
                break;
            fprintf(stderr, "Try 'smtpd --help' for more information.\n");
            exit(EX_USAGE);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "smtpd: unexpected argument '%s' (options only; see smtpd --help)\n",
                argv[optind]);
        exit(EX_USAGE);
    }
    return action;
}

/*
 * --flush: the queue runner of the server working on this mail root wrote
 * its process id; SIGHUP makes it try every message now.
 */
static int flush_queue(const char *mail_root)
{
    long pid = queue_runner_pid(mail_root);
    if (pid <= 0 || kill((pid_t)pid, SIGHUP) != 0) {
        fprintf(stderr, "smtpd: no queue runner is running for %s: is smtpd running with "
                "-m %s?\n", mail_root, mail_root);
        return EX_UNAVAILABLE;
    }
    printf("smtpd: asked the queue runner (process %ld) to try every message now\n", pid);
    return EX_OK;
}

/* Loads the routes file and sets the queue's defaults. */
static int prepare_relay(struct smtpd_config *cfg)
{
    char err[600];
    if (cfg->routes_file != NULL &&
        relay_load_routes(&cfg->relay, cfg->routes_file, err, sizeof err) != 0) {
        fprintf(stderr, "smtpd: %s\n", err);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct smtpd_config cfg;

    memset(&cfg, 0, sizeof cfg);
    server_config_defaults(&cfg.server, "smtpd", SMTP_PORT_DEFAULT, SMTP_TIMEOUT_SECONDS);
    cfg.max_size = SMTP_MESSAGE_SIZE_DEFAULT;
    cfg.plaintext_auth = PLAINTEXT_AUTH_NEVER;
    cfg.auth_failure_delay = SMTP_AUTH_FAILURE_DELAY_SECONDS;
    cfg.queue_lifetime = QUEUE_LIFETIME_DEFAULT;
    cfg.queue_retry = QUEUE_RETRY_DEFAULT;
    cfg.queue_interval = QUEUE_INTERVAL_DEFAULT;
    /* RFC 5321 leaves it to us; like Postfix's default, this host only. */
    relay_add_trusted(&cfg.relay, "127.0.0.1/32");
    relay_add_trusted(&cfg.relay, "::1");
    enum action action = parse_options(argc, argv, &cfg);
    if (action == ACTION_QUEUE_LIST)
        return queue_print(cfg.server.mail_root, stdout) < 0 ? EX_NOINPUT : EX_OK;
    if (action == ACTION_FLUSH)
        return flush_queue(cfg.server.mail_root);
    if (prepare_relay(&cfg) != 0)
        return EX_CONFIG;
    int status = server_prepare(&cfg.server);
    if (status != EX_OK)
        return status;
    if ((cfg.auth_required || cfg.tls_required) && check_policy(&cfg) != 0)
        return EX_USAGE;
    status = server_run(&cfg.server, smtpd_session, smtpd_busy, queue_runner, &cfg);
    users_free(&cfg.server.users);
    SSL_CTX_free(cfg.server.tls);
    return status;
}
