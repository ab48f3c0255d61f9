/*
 * pop3-retr - a POP3 retrieval load: how fast does a server hand out a
 * maildrop?
 *
 *   pop3-retr -p PORT -u USER -w PASSWORD [-h HOST] [-W WINDOW]
 *
 * Logs in (USER, PASS), asks STAT for the number of messages N, then
 * retrieves messages 1..N with RETR, keeping up to WINDOW commands in
 * flight (RFC 2449 PIPELINING; WINDOW 1, the default, is a plain client
 * that waits for each message before asking for the next). Deletes
 * nothing. Every reply is checked: a message counts only when its whole
 * multi-line reply, up to the lone ".", came back, and the octets received
 * (stuffed dots removed) must add up to STAT's total. Then QUIT.
 *
 * Prints one line:
 *   retrieved N messages, B octets in S s: R msgs/s, M MB/s
 * timed from the first RETR sent to the last "." read.
 *
 * Exit status: 0 every message retrieved; 1 something failed; 64 bad usage.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RETR_IN_SIZE 65536         /* one read(2) */
#define RETR_LINE_MAX 65536        /* longest line we accept */
#define RETR_WINDOW_MAX 256        /* commands in flight, at most */

struct reader {
    int fd;
    char in[RETR_IN_SIZE];
    size_t start, end;
    char line[RETR_LINE_MAX];
};

static void die(const char *msg)
{
    fprintf(stderr, "pop3-retr: %s\n", msg);
    exit(1);
}

/* Reads one line (without CRLF) into r->line; returns its length. Dies at EOF. */
static size_t read_line(struct reader *r)
{
    size_t len = 0;
    for (;;) {
        if (r->start == r->end) {
            ssize_t n = read(r->fd, r->in, sizeof r->in);
            if (n <= 0)
                die("the server closed the connection");
            r->start = 0;
            r->end = (size_t)n;
        }
        char *p = r->in + r->start;
        size_t avail = r->end - r->start;
        char *lf = memchr(p, '\n', avail);
        size_t take = lf != NULL ? (size_t)(lf - p) : avail;
        if (len + take >= sizeof r->line)
            die("a line longer than 64 KiB");
        memcpy(r->line + len, p, take);
        len += take;
        r->start += take + (lf != NULL);
        if (lf != NULL)
            break;
    }
    if (len > 0 && r->line[len - 1] == '\r')
        len--;
    r->line[len] = '\0';
    return len;
}

static void send_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n <= 0)
            die("cannot send");
        s += n;
        len -= (size_t)n;
    }
}

static void command(int fd, const char *line)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s\r\n", line);
    send_all(fd, buf, (size_t)n);
}

static void expect_ok(struct reader *r, const char *what)
{
    read_line(r);
    if (strncmp(r->line, "+OK", 3) != 0) {
        fprintf(stderr, "pop3-retr: %s: %s\n", what, r->line);
        exit(1);
    }
}

/* Reads one RETR reply to its lone "."; returns the message's octets (CRLFs counted). */
static unsigned long long read_message(struct reader *r)
{
    unsigned long long octets = 0;
    expect_ok(r, "RETR");
    for (;;) {
        size_t len = read_line(r);
        if (len == 1 && r->line[0] == '.')
            return octets;
        octets += len + 2 - (r->line[0] == '.');   /* a stuffed dot is not message */
    }
}

static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        die("cannot resolve the host");
    int fd = -1;
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        die("cannot connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *port = NULL, *user = NULL, *password = NULL;
    long window = 1;
    int opt;
    char line[512];
    static struct reader r;

    while ((opt = getopt(argc, argv, "h:p:u:w:W:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = optarg; break;
        case 'u': user = optarg; break;
        case 'w': password = optarg; break;
        case 'W': window = strtol(optarg, NULL, 10); break;
        default: port = NULL; optind = argc; break;
        }
    }
    if (port == NULL || user == NULL || password == NULL || window < 1 || window > RETR_WINDOW_MAX) {
        fprintf(stderr, "usage: pop3-retr -p PORT -u USER -w PASSWORD [-h HOST] [-W WINDOW]\n");
        return 64;
    }
    r.fd = connect_to(host, port);
    expect_ok(&r, "greeting");
    snprintf(line, sizeof line, "USER %s", user);
    command(r.fd, line);
    expect_ok(&r, "USER");
    snprintf(line, sizeof line, "PASS %s", password);
    command(r.fd, line);
    expect_ok(&r, "PASS");
    command(r.fd, "STAT");
    expect_ok(&r, "STAT");
    char *end;
    unsigned long count = strtoul(r.line + 4, &end, 10);
    unsigned long long stat_octets = strtoull(end, NULL, 10);

    unsigned long sent = 0, done = 0;
    unsigned long long octets = 0;
    double t0 = now();
    while (done < count) {
        while (sent < count && sent - done < (unsigned long)window) {
            snprintf(line, sizeof line, "RETR %lu", ++sent);
            command(r.fd, line);
        }
        octets += read_message(&r);
        done++;
    }
    double seconds = now() - t0;
    if (octets != stat_octets) {
        fprintf(stderr, "pop3-retr: RETR sent %llu octets of text, STAT promised %llu\n",
                octets, stat_octets);
        return 1;
    }
    command(r.fd, "QUIT");
    expect_ok(&r, "QUIT");
    close(r.fd);
    printf("retrieved %lu messages, %llu octets in %.3f s: %.1f msgs/s, %.1f MB/s\n",
           done, octets, seconds, seconds > 0 ? (double)done / seconds : 0.0,
           seconds > 0 ? (double)octets / seconds / 1e6 : 0.0);
    return 0;
}
