/*
 * pop3-retr - a POP3 retrieval load: how fast does a server hand out a
 * maildrop?
 *
 *   pop3-retr -p PORT -u USER -w PASSWORD [-h HOST] [-W WINDOW]
 *   pop3-retr -D MAILDIR
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
 *   retrieved N messages, B octets in S s: R msgs/s, M MB/s; login L ms; sum H
 * The rate is timed from the first RETR sent to the last "." read; the
 * login from PASS sent to STAT's answer read (PASS and STAT: the server's
 * work to open the maildrop, wherever it does it). H is a digest of what
 * was retrieved, the same whatever the order of the messages: the sum,
 * modulo 2^64, of mix(CRC-32 of the message as sent, stuffed dots
 * removed, lines ending in CRLF; its length). Two servers that hand out
 * the same messages give the same H.
 *
 * -D MAILDIR prints "N messages, B octets; sum H" for the files in
 * MAILDIR/cur and MAILDIR/new, each as RETR should send it (every LF an
 * CRLF, a CRLF at the end if the last line has none): what a server
 * serving that Maildir must give.
 *
 * Exit status: 0 every message retrieved; 1 something failed; 64 bad usage.
 */
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
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

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

/* CRC-32 (as zlib's crc32()), continued: start with crc 0. */
static uint32_t crc_add(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    crc = ~crc;
    while (len-- > 0)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* One message's share of the digest: splitmix64 of its CRC and length. */
static uint64_t mix(uint32_t crc, uint64_t len)
{
    uint64_t z = ((uint64_t)crc << 32 ^ len) + 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

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

/*
 * Reads one RETR reply to its lone "."; returns the message's octets
 * (CRLFs counted) and adds its share to *sum.
 */
static unsigned long long read_message(struct reader *r, uint64_t *sum)
{
    unsigned long long octets = 0;
    uint32_t crc = 0;
    expect_ok(r, "RETR");
    for (;;) {
        size_t len = read_line(r);
        if (len == 1 && r->line[0] == '.')
            break;
        size_t stuffed = r->line[0] == '.';     /* a stuffed dot is not message */
        memcpy(r->line + len, "\r\n", 2);
        crc = crc_add(crc, r->line + stuffed, len + 2 - stuffed);
        octets += len + 2 - stuffed;
    }
    *sum += mix(crc, octets);
    return octets;
}

/* -D: what the messages of a Maildir should look like on the wire. */
static int digest_maildir(const char *maildir)
{
    static const char *const subdirs[] = {"cur", "new"};
    static unsigned char buf[1 << 16];
    unsigned long count = 0;
    unsigned long long total = 0;
    uint64_t sum = 0;
    char path[8192];

    for (size_t k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", maildir, subdirs[k]);
        DIR *dir = opendir(path);
        if (dir == NULL)
            continue;
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s/%s", maildir, subdirs[k], e->d_name);
            int fd = open(path, O_RDONLY);
            if (fd < 0)
                die("cannot open a message file");
            uint32_t crc = 0;
            unsigned long long octets = 0;
            char last = '\n';
            ssize_t n;
            while ((n = read(fd, buf, sizeof buf)) > 0) {
                size_t from = 0;
                for (size_t i = 0; i < (size_t)n; i++) {
                    if (buf[i] == '\n' && (i > 0 ? buf[i - 1] : last) != '\r') {
                        crc = crc_add(crc, buf + from, i - from);
                        crc = crc_add(crc, "\r", 1);
                        octets += i - from + 1;
                        from = i;
                    }
                }
                crc = crc_add(crc, buf + from, (size_t)n - from);
                octets += (size_t)n - from;
                last = (char)buf[n - 1];
            }
            close(fd);
            if (n < 0)
                die("cannot read a message file");
            if (last != '\n') {
                crc = crc_add(crc, last == '\r' ? "\n" : "\r\n", last == '\r' ? 1 : 2);
                octets += last == '\r' ? 1 : 2;
            }
            sum += mix(crc, octets);
            total += octets;
            count++;
        }
        closedir(dir);
    }
    printf("%lu messages, %llu octets; sum %016llx\n", count, total, (unsigned long long)sum);
    return 0;
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
    const char *maildir = NULL;
    long window = 1;
    int opt;
    char line[512];
    static struct reader r;

    crc_init();
    while ((opt = getopt(argc, argv, "D:h:p:u:w:W:")) != -1) {
        switch (opt) {
        case 'D': maildir = optarg; break;
        case 'h': host = optarg; break;
        case 'p': port = optarg; break;
        case 'u': user = optarg; break;
        case 'w': password = optarg; break;
        case 'W': window = strtol(optarg, NULL, 10); break;
        default: port = NULL; optind = argc; break;
        }
    }
    if (maildir != NULL && optind == argc)
        return digest_maildir(maildir);
    if (port == NULL || user == NULL || password == NULL || window < 1 || window > RETR_WINDOW_MAX) {
        fprintf(stderr, "usage: pop3-retr -p PORT -u USER -w PASSWORD [-h HOST] [-W WINDOW]\n"
                        "       pop3-retr -D MAILDIR\n");
        return 64;
    }
    r.fd = connect_to(host, port);
    expect_ok(&r, "greeting");
    snprintf(line, sizeof line, "USER %s", user);
    command(r.fd, line);
    expect_ok(&r, "USER");
    snprintf(line, sizeof line, "PASS %s", password);
    double login0 = now();
    command(r.fd, line);
    expect_ok(&r, "PASS");
    command(r.fd, "STAT");
    expect_ok(&r, "STAT");
    double login = now() - login0;
    char *end;
    unsigned long count = strtoul(r.line + 4, &end, 10);
    unsigned long long stat_octets = strtoull(end, NULL, 10);

    unsigned long sent = 0, done = 0;
    unsigned long long octets = 0;
    uint64_t sum = 0;
    double t0 = now();
    while (done < count) {
        while (sent < count && sent - done < (unsigned long)window) {
            snprintf(line, sizeof line, "RETR %lu", ++sent);
            command(r.fd, line);
        }
        octets += read_message(&r, &sum);
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
    printf("retrieved %lu messages, %llu octets in %.3f s: %.1f msgs/s, %.1f MB/s;"
           " login %.1f ms; sum %016llx\n",
           done, octets, seconds, seconds > 0 ? (double)done / seconds : 0.0,
           seconds > 0 ? (double)octets / seconds / 1e6 : 0.0, login * 1e3,
           (unsigned long long)sum);
    return 0;
}
