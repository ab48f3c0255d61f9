/*
 * net.c - listening and connecting TCP sockets (see net.h).
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How many connections the kernel queues before we accept them. */
#define NET_LISTEN_BACKLOG 128

/* "127.0.0.1:2525" or "[::1]:2525", for messages. */
static void format_host_port(char *buf, size_t len, const char *host, const char *port)
{
    if (strchr(host, ':') != NULL)
        snprintf(buf, len, "[%s]:%s", host, port);
    else
        snprintf(buf, len, "%s:%s", host, port);
}

int net_listen(const char *addr, const char *port, char *err, size_t errlen)
{
    struct addrinfo hints = {0}, *list, *ai;
    char where[NET_ADDR_TEXT_MAX + 300];
    int fd = -1, saved_errno = 0;

    format_host_port(where, sizeof where, addr, port);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(addr, port, &hints, &list);
    if (rc != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", where, gai_strerror(rc));
        return -1;
    }
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved_errno = errno;
            continue;
        }
        /* Lets a restarted server bind at once while old connections linger in TIME_WAIT. */
        int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, NET_LISTEN_BACKLOG) == 0)
            break;
        saved_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(list);
    if (fd < 0) {
        if (saved_errno == EADDRINUSE)
            snprintf(err, errlen, "%s is already in use: is another server running? "
                     "(choose another port with -p)", where);
        else if (saved_errno == EACCES)
            snprintf(err, errlen, "cannot listen on %s: ports below 1024 need root "
                     "(use -p 2525)", where);
        else
            snprintf(err, errlen, "cannot listen on %s: %s", where, strerror(saved_errno));
    }
    return fd;
}

int net_local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;

    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

/*
 * connect(2) with a time limit: a non-blocking connect, then poll for the
 * socket to become writable. Returns 0 or -1 with errno set.
 */
static int connect_with_timeout(int fd, const struct sockaddr *sa, socklen_t salen,
                                int timeout_seconds)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -1;
    int rc = connect(fd, sa, salen);
    if (rc != 0 && errno == EINPROGRESS) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int n = poll(&pfd, 1, timeout_seconds > 0 ? timeout_seconds * 1000 : -1);
        if (n == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (n < 0)
            return -1;
        int so_error = 0;
        socklen_t len = sizeof so_error;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0)
            return -1;
        if (so_error != 0) {
            errno = so_error;
            return -1;
        }
        rc = 0;
    }
    if (rc == 0 && fcntl(fd, F_SETFL, flags) < 0)
        return -1;
    return rc;
}

int net_connect(const char *host, const char *port, int family,
                int timeout_seconds, char *err, size_t errlen)
{
    struct addrinfo hints = {0}, *list, *ai;
    char where[NET_ADDR_TEXT_MAX + 300];
    int fd = -1, saved_errno = 0;

    format_host_port(where, sizeof where, host, port);
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0) {
        snprintf(err, errlen, "cannot find %s: %s", where, gai_strerror(rc));
        return -1;
    }
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved_errno = errno;
            continue;
        }
        if (connect_with_timeout(fd, ai->ai_addr, ai->ai_addrlen, timeout_seconds) == 0)
            break;
        saved_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(list);
    if (fd < 0) {
        if (saved_errno == ECONNREFUSED)
            snprintf(err, errlen, "nothing is listening on %s: is the server running?", where);
        else if (saved_errno == ETIMEDOUT)
            snprintf(err, errlen, "no answer from %s after %d seconds", where, timeout_seconds);
        else
            snprintf(err, errlen, "cannot connect to %s: %s", where, strerror(saved_errno));
    }
    return fd;
}

/* Writes the address in ss (as getpeername or getsockname filled it) into buf. */
static void format_address(const struct sockaddr_storage *ss, char *buf, size_t len)
{
    if (ss->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, (socklen_t)len);
    else if (ss->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, (socklen_t)len);
}

void net_peer_address(int fd, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;

    snprintf(buf, len, "unknown");
    if (getpeername(fd, (struct sockaddr *)&ss, &sslen) == 0)
        format_address(&ss, buf, len);
}

void net_local_address(int fd, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;

    snprintf(buf, len, "unknown");
    if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
        format_address(&ss, buf, len);
}

int net_write_port_file(const char *path, int port)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
        return -1;
    }
    return 0;
}
