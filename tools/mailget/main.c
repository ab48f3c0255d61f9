/*
 * mailget - download a POP3 maildrop into a Maildir: the user agent of the
 * slides, in both of its modes (download and delete; download and keep).
 *
 *     mailget -u bob --password-file pw 127.0.0.1:1110 -o inbox
 *     mailget --starttls --cafile certs/ca.pem -u bob ... 127.0.0.1:1110 -o inbox
 *
 * main() reads the options and the password, then runs one POP3 session:
 * connect and greeting, login (client.c), the downloads and QUIT (fetch.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include "maildir.h"
#include "mailget.h"

enum {
    OPT_PASSWORD_FILE = 1000, OPT_KEEP, OPT_APOP, OPT_TIMEOUT,
    OPT_TLS, OPT_STARTTLS, OPT_CAFILE, OPT_INSECURE,
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mailget [--keep] [--apop] [--tls | --starttls] [--cafile FILE] [--insecure]\n"
            "               -u USER [--password-file FILE] [-v] [--timeout SECS]\n"
            "               HOST[:PORT] -o DIR\n"
            "\n"
            "Downloads every message of USER's POP3 maildrop on HOST into the Maildir DIR.\n"
            "By default it downloads and deletes (RETR, DELE, QUIT); with --keep it\n"
            "downloads and keeps, and skips what an earlier --keep run fetched (UIDL).\n"
            "\n"
            "  -u USER               the user name on the server\n"
            "      --password-file FILE  read the password from FILE's first line\n"
            "                        (- for standard input); else it is asked for\n"
            "  -o DIR                the Maildir to store into (created if missing)\n"
            "      --keep            download and keep: leave the messages on the server\n"
            "      --apop            log in with APOP (the password never crosses the network)\n"
            "      --tls             TLS from the first byte (POP3S; the port defaults to %s)\n"
            "      --starttls        ask for TLS with STLS after the greeting (RFC 2595)\n"
            "      --cafile FILE     trust the CA certificates in FILE too (PEM)\n"
            "      --insecure        go on even if the certificate cannot be verified\n"
            "                        (never for a real server)\n"
            "  -v                    show the POP3 transcript on stderr\n"
            "      --timeout SECS    wait at most this long for the server (default %d)\n"
            "  -h, --help            show this help\n"
            "\n"
            "PORT defaults to %s; Cartero's pop3d listens on 1110.\n"
            "Exit status (sysexits.h): 0 done; 64 bad usage; 66 password or CA file\n"
            "unreadable; 69 cannot connect, or cannot set up TLS; 73 cannot create DIR;\n"
            "74 cannot write; 75 try again later (maildrop in use, timeout); 76 not a POP3\n"
            "server; 77 login refused. See mailget(1).\n",
            MAILGET_TLS_PORT_DEFAULT, MAILGET_TIMEOUT_SECONDS, MAILGET_PORT_DEFAULT);
}

static void bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "mailget: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'mailget --help' for more information.\n");
    exit(EX_USAGE);
}

/*
 * Splits HOST[:PORT] (an IPv6 address goes in brackets: [::1]:1110) in
 * place. Without a port: 995 with --tls, else 110.
 */
static void parse_server(char *arg, struct options *o)
{
    o->port = o->tls == TLS_MODE_IMPLICIT ? MAILGET_TLS_PORT_DEFAULT : MAILGET_PORT_DEFAULT;
    if (arg[0] == '[') {
        char *close = strchr(arg, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':'))
            bad_usage("%s: write an IPv6 address as [::1] or [::1]:1110", arg);
        *close = '\0';
        o->host = arg + 1;
        if (close[1] == ':')
            o->port = close + 2;
    } else {
        char *colon = strchr(arg, ':');
        o->host = arg;
        if (colon != NULL && strchr(colon + 1, ':') == NULL) {
            *colon = '\0';
            o->port = colon + 1;
        }
    }
    if (o->host[0] == '\0' || o->port[0] == '\0')
        bad_usage("%s: expected HOST or HOST:PORT", arg);
}

static void parse_options(int argc, char **argv, struct options *o)
{
    static const struct option options[] = {
        {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
        {"keep", no_argument, NULL, OPT_KEEP},
        {"apop", no_argument, NULL, OPT_APOP},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"tls", no_argument, NULL, OPT_TLS},
        {"starttls", no_argument, NULL, OPT_STARTTLS},
        {"cafile", required_argument, NULL, OPT_CAFILE},
        {"insecure", no_argument, NULL, OPT_INSECURE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    char *end;

    memset(o, 0, sizeof *o);
    o->timeout_seconds = MAILGET_TIMEOUT_SECONDS;
    while ((opt = getopt_long(argc, argv, "u:o:vh", options, NULL)) != -1) {
        switch (opt) {
        case 'u': o->user = optarg; break;
        case 'o': o->out_dir = optarg; break;
        case 'v': o->verbose = true; break;
        case OPT_PASSWORD_FILE: o->password_file = optarg; break;
        case OPT_KEEP: o->keep = true; break;
        case OPT_APOP: o->apop = true; break;
        case OPT_TLS:
        case OPT_STARTTLS: {
            enum tls_mode mode = opt == OPT_TLS ? TLS_MODE_IMPLICIT : TLS_MODE_STLS;
            if (o->tls != TLS_MODE_NONE && o->tls != mode)
                bad_usage("%s", "--tls or --starttls: one or the other (--tls for port 995, "
                          "--starttls for 110)");
            o->tls = mode;
            break;
        }
        case OPT_CAFILE: o->cafile = optarg; break;
        case OPT_INSECURE: o->insecure = true; break;
        case OPT_TIMEOUT:
            errno = 0;
            o->timeout_seconds = (int)strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || o->timeout_seconds < 1 || o->timeout_seconds > 3600)
                bad_usage("--timeout %s: give seconds, from 1 to 3600", optarg);
            break;
        case 'h':
            usage(stdout);
            exit(EX_OK);
        default:
            fprintf(stderr, "Try 'mailget --help' for more information.\n");
            exit(EX_USAGE);
        }
    }
    if (optind != argc - 1)
        bad_usage("%s", optind < argc ? "give one server, HOST[:PORT]" : "which server? give HOST[:PORT]");
    if (o->user == NULL)
        bad_usage("%s", "-u USER is required: whose mail?");
    if (o->out_dir == NULL)
        bad_usage("%s", "-o DIR is required: the Maildir to store the messages in");
    if (strpbrk(o->user, " \r\n") != NULL || o->user[0] == '\0')
        bad_usage("-u %s: a user name has no spaces or line ends", o->user);
    if (o->tls == TLS_MODE_NONE && (o->cafile != NULL || o->insecure))
        bad_usage("%s", "--cafile and --insecure are about TLS: add --tls or --starttls");
    parse_server(argv[optind], o);
}

/* Reads the first line of f into buf; false when there is none. */
static bool read_first_line(FILE *f, char *buf, size_t len)
{
    if (fgets(buf, (int)len, f) == NULL)
        return false;
    buf[strcspn(buf, "\r\n")] = '\0';
    return true;
}

/* Asks for the password on the terminal, without echo (termios, POSIX). */
static bool ask_password(char *buf, size_t len)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (tty == NULL)
        return false;
    struct termios saved, quiet;
    bool have_termios = tcgetattr(fileno(tty), &saved) == 0;
    fprintf(tty, "Password: ");
    fflush(tty);
    if (have_termios) {
        quiet = saved;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    bool ok = read_first_line(tty, buf, len);
    if (have_termios)
        tcsetattr(fileno(tty), TCSAFLUSH, &saved);
    fprintf(tty, "\n");
    fclose(tty);
    return ok;
}

/* The password: --password-file's first line, or typed. Exits when there is none. */
static void get_password(const struct options *o, char *buf, size_t len)
{
    if (o->password_file == NULL) {
        if (!ask_password(buf, len)) {
            fprintf(stderr, "mailget: no terminal to ask for the password: "
                    "give --password-file FILE\n");
            exit(EX_USAGE);
        }
        return;
    }
    bool from_stdin = strcmp(o->password_file, "-") == 0;
    FILE *f = from_stdin ? stdin : fopen(o->password_file, "r");
    if (f == NULL) {
        fprintf(stderr, "mailget: cannot read the password file %s: %s\n",
                o->password_file, strerror(errno));
        exit(EX_NOINPUT);
    }
    bool ok = read_first_line(f, buf, len);
    if (!from_stdin)
        fclose(f);
    if (!ok) {
        fprintf(stderr, "mailget: the password file %s is empty\n", o->password_file);
        exit(EX_NOINPUT);
    }
}

int main(int argc, char **argv)
{
    struct options o;
    static struct client c;   /* big (a 64 KiB line buffer): not on the stack */
    char password[MAILGET_PASSWORD_MAX + 2];

    parse_options(argc, argv, &o);
    get_password(&o, password, sizeof password);
    if (maildir_create(o.out_dir) != 0) {
        fprintf(stderr, "mailget: cannot create the Maildir %s: %s\n", o.out_dir, strerror(errno));
        return EX_CANTCREAT;
    }
    if (client_connect(&c, &o) == 0 && client_login(&c, &o, password) == 0)
        fetch_all(&c, &o);
    memset(password, 0, sizeof password);
    client_close(&c);
    if (c.failure != 0) {
        fprintf(stderr, "mailget: %s\n", c.why);
        return c.failure;
    }
    return EX_OK;
}
