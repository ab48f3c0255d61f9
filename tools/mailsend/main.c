/*
 * mailsend - submit a message to a mail server: Alice's user agent, the
 * first hop on the slides' way from Alice to Bob.
 *
 *     mailsend --server 127.0.0.1:2525 < message
 *
 * main() reads the options and the password, then does the work in the
 * order a student would: read the message (envelope.c), find its envelope
 * (envelope.c), make the copy to send (envelope.c), and submit it over
 * SMTP (submit.c). Everything that can be checked is checked before the
 * connection is opened. See mailsend(1).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mailsend.h"
#include "mime_stamp.h"

enum {
    OPT_SERVER = 1000, OPT_FROM, OPT_TO, OPT_STARTTLS, OPT_TLS, OPT_CAFILE,
    OPT_INSECURE, OPT_AUTH, OPT_PASSWORD_FILE, OPT_HELO, OPT_TIMEOUT,
};

static const struct option long_options[] = {
    {"server", required_argument, NULL, OPT_SERVER},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"starttls", no_argument, NULL, OPT_STARTTLS},
    {"tls", no_argument, NULL, OPT_TLS},
    {"cafile", required_argument, NULL, OPT_CAFILE},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"auth", required_argument, NULL, OPT_AUTH},
    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
    {"helo", required_argument, NULL, OPT_HELO},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mailsend --server HOST[:PORT] [--from ADDR] [--to ADDR]...\n"
            "                [--starttls | --tls] [--cafile FILE] [--insecure]\n"
            "                [--auth USER --password-file FILE] [--helo NAME]\n"
            "                [--timeout SECS] [-v] < MESSAGE\n"
            "\n"
            "Submits the message on standard input over SMTP. Without --from and --to\n"
            "the envelope comes from the header: From (or Sender), and To, Cc and Bcc.\n"
            "The Bcc field is removed from the copy sent; Date and Message-ID are\n"
            "added when missing. Prints a line per recipient.\n"
            "\n"
            "      --server HOST[:PORT]  the submission server ([::1]:PORT for IPv6);\n"
            "                        PORT defaults to %s, %s with --starttls, %s with --tls\n"
            "      --from ADDR       the envelope sender (MAIL FROM), not the header's\n"
            "      --to ADDR         an envelope recipient (RCPT TO); repeatable, and\n"
            "                        then the header's recipients are not used\n"
            "      --starttls        STARTTLS first (RFC 3207); fail if it is not offered\n"
            "      --tls             TLS from the first byte (RFC 8314, port %s)\n"
            "      --cafile FILE     trust the CA certificates in FILE too (PEM)\n"
            "      --insecure        do not check the server's certificate\n"
            "      --auth USER       log in with AUTH PLAIN (needs TLS)\n"
            "      --password-file FILE  the password is FILE's first line\n"
            "      --helo NAME       the name EHLO gives (default: this host's)\n"
            "      --timeout SECS    wait at most this long for each reply (default %d)\n"
            "  -v                    show the SMTP transcript on stderr\n"
            "  -h, --help            show this help\n"
            "\n"
            "Exit status (sysexits.h): 0 every recipient accepted; 64 bad usage;\n"
            "65 no sender or recipient, or a malformed message; 66 password or CA\n"
            "file unreadable; 67 a recipient refused; 69 TLS or AUTH not possible;\n"
            "75 try again later (4xx, cannot connect); 76 not an SMTP server;\n"
            "77 authentication failed or sender refused. See mailsend(1).\n",
            MAILSEND_PORT_SMTP, MAILSEND_PORT_SUBMISSION, MAILSEND_PORT_SUBMISSIONS,
            MAILSEND_PORT_SUBMISSIONS, MAILSEND_TIMEOUT_SECONDS);
}

int fail(int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vwarnx(fmt, ap);
    va_end(ap);
    return status;
}

static _Noreturn __attribute__((format(printf, 1, 2))) void bad_usage(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vwarnx(fmt, ap);
    va_end(ap);
    fputs("Try 'mailsend --help' for more information.\n", stderr);
    exit(EX_USAGE);
}

/* Splits HOST[:PORT] (an IPv6 address goes in brackets: [::1]:2525) in
 * place; the port stays NULL when none is given. */
static void server_parse(char *arg, struct options *o)
{
    char *colon;

    if (arg[0] == '[') {
        char *close = strchr(arg, ']');
        if (!close || (close[1] != '\0' && close[1] != ':'))
            bad_usage("--server %s: write an IPv6 address as [::1] or [::1]:2525", arg);
        *close = '\0';
        o->host = arg + 1;
        if (close[1] == ':')
            o->port = close + 2;
    } else {
        o->host = arg;
        colon = strchr(arg, ':');
        if (colon && strchr(colon + 1, ':'))
            bad_usage("--server %s: write an IPv6 address in brackets: [::1]:2525", arg);
        if (colon) {
            *colon = '\0';
            o->port = colon + 1;
        }
    }
    if (o->host[0] == '\0' || (o->port && o->port[0] == '\0'))
        bad_usage("--server %s: expected HOST or HOST:PORT", arg);
}

/* Parses an address option into list; exits on a wrong address. */
static void address_option(struct address_list *list, const char *option,
                           const char *text)
{
    char why[512];
    enum mime_status status = address_list_add(list, text, why, sizeof why);

    if (status == MIME_ERR_NOMEM)
        errx(EX_OSERR, "out of memory");
    if (status != MIME_OK)
        bad_usage("--%s: %s", option, why);
}

/* --timeout's value: whole seconds, 1 to MAILSEND_TIMEOUT_MAX. */
static int seconds_parse(const char *text)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || n < 1 || n > MAILSEND_TIMEOUT_MAX)
        bad_usage("--timeout %s: give seconds, from 1 to %d", text, MAILSEND_TIMEOUT_MAX);
    return (int)n;
}

/* The checks between options, once all are read. */
static void options_check(struct options *o)
{
    if (!o->host)
        bad_usage("which server? give --server HOST[:PORT]");
    if (o->tls && o->starttls)
        bad_usage("--tls or --starttls: TLS starts either at once or after STARTTLS");
    if ((o->cafile || o->insecure) && !o->tls && !o->starttls)
        bad_usage("--cafile and --insecure are for TLS: add --starttls or --tls");
    if (o->from.count > 1)
        bad_usage("--from: one sender only (MAIL FROM takes one address)");
    if (!o->user != !o->password_file)
        bad_usage("--auth USER and --password-file FILE go together (standard "
                  "input holds the message)");
    if (o->user && !o->tls && !o->starttls)
        bad_usage("--auth would send the password in clear text: add --starttls "
                  "or --tls");
    /* EHLO's argument is one word (RFC 5321 4.1.1.1); a space or line end
     * would let it say more. */
    if (o->helo[0] == '\0' || strcspn(o->helo, " \t\r\n") != strlen(o->helo))
        bad_usage("--helo '%s': give one word, a domain name", o->helo);
    if (!o->port)
        o->port = o->tls ? MAILSEND_PORT_SUBMISSIONS
                 : o->starttls ? MAILSEND_PORT_SUBMISSION : MAILSEND_PORT_SMTP;
}

static void options_parse(int argc, char **argv, struct options *o, char *host_name,
                          size_t host_size)
{
    int opt;

    memset(o, 0, sizeof *o);
    o->timeout_seconds = MAILSEND_TIMEOUT_SECONDS;
    mime_host_name(host_name, host_size);
    o->helo = host_name;
    while ((opt = getopt_long(argc, argv, "vh", long_options, NULL)) != -1) {
        switch (opt) {
        case OPT_SERVER: server_parse(optarg, o); break;
        case OPT_FROM: address_option(&o->from, "from", optarg); break;
        case OPT_TO: address_option(&o->to, "to", optarg); break;
        case OPT_STARTTLS: o->starttls = true; break;
        case OPT_TLS: o->tls = true; break;
        case OPT_CAFILE: o->cafile = optarg; break;
        case OPT_INSECURE: o->insecure = true; break;
        case OPT_AUTH: o->user = optarg; break;
        case OPT_PASSWORD_FILE: o->password_file = optarg; break;
        case OPT_HELO: o->helo = optarg; break;
        case OPT_TIMEOUT: o->timeout_seconds = seconds_parse(optarg); break;
        case 'v': o->verbose = true; break;
        case 'h':
            usage(stdout);
            exit(EX_OK);
        default:
            fputs("Try 'mailsend --help' for more information.\n", stderr);
            exit(EX_USAGE);
        }
    }
    if (optind < argc)
        bad_usage("%s: the message comes on standard input, not as an argument",
                  argv[optind]);
    options_check(o);
}

/* The password: the first line of path, without its line end. */
static int password_read(const char *path, char *password, size_t size)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int status = 0;

    if (!f)
        return fail(EX_NOINPUT, "cannot read the password file %s: %s", path,
                    strerror(errno));
    len = getline(&line, &cap, f);
    fclose(f);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (len <= 0)
        status = fail(EX_NOINPUT, "the password file %s is empty", path);
    else if ((size_t)len >= size)
        status = fail(EX_NOINPUT, "the password in %s is longer than %d characters",
                      path, MAILSEND_PASSWORD_MAX);
    else
        memcpy(password, line, (size_t)len + 1);
    if (line)
        memset(line, 0, cap);
    free(line);
    return status;
}

int main(int argc, char **argv)
{
    struct options o;
    char host_name[MIME_HOST_NAME_SIZE];
    char password[MAILSEND_PASSWORD_MAX + 1] = "";
    struct message m;
    struct envelope e;
    int status = 0;

    options_parse(argc, argv, &o, host_name, sizeof host_name);
    memset(&m, 0, sizeof m);
    memset(&e, 0, sizeof e);
    if (o.user)
        status = password_read(o.password_file, password, sizeof password);
    if (status == 0)
        status = message_read(&m);
    if (status == 0)
        status = envelope_make(&e, &m, &o);
    if (status == 0)
        status = message_prepare(&m);
    if (status == 0 && o.verbose && (m.added_date || m.added_message_id))
        warnx("added %s%s%s, as a submission agent may (RFC 6409 8.2, 8.3)",
              m.added_date ? "Date" : "", m.added_date && m.added_message_id ? " and " : "",
              m.added_message_id ? "Message-ID" : "");
    if (status == 0)
        status = submit(&o, &e, &m, password);
    memset(password, 0, sizeof password);
    if (fflush(stdout) != 0 && status == 0)
        status = fail(EX_IOERR, "standard output: %s", strerror(errno));
    envelope_free(&e);
    message_free(&m);
    address_list_free(&o.from);
    address_list_free(&o.to);
    return status;
}
