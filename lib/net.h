/*
 * net.h - listening and connecting TCP sockets, for IPv4 and IPv6.
 *
 * Every Cartero server listens with net_listen() and every client connects
 * with net_connect(); both walk the getaddrinfo(3) list, so "localhost",
 * "127.0.0.1" and "::1" all work without special cases.
 */
#ifndef CARTERO_NET_H
#define CARTERO_NET_H

#include <stddef.h>

/* Longest printable address: an IPv6 address in brackets, a colon, a port. */
#define NET_ADDR_TEXT_MAX 64

/*
 * Opens a listening TCP socket on addr:port ("0" asks the kernel for a free
 * port). Returns the socket, or -1 with a message for a person in err
 * (for instance "127.0.0.1:2525 is already in use: is another server running?").
 */
int net_listen(const char *addr, const char *port, char *err, size_t errlen);

/* The port a bound socket listens on (useful after asking for port 0); -1 on error. */
int net_local_port(int fd);

/*
 * Connects to host:port, trying each address getaddrinfo returns. family is
 * AF_UNSPEC, AF_INET or AF_INET6 (for -4/-6). Gives up on an address after
 * timeout_seconds. Returns the socket, or -1 with a plain message in err
 * ("nothing is listening on 127.0.0.1:2525: is the server running?").
 */
int net_connect(const char *host, const char *port, int family,
                int timeout_seconds, char *err, size_t errlen);

/* Writes "ADDR" (no port) of the peer of a connected socket into buf. */
void net_peer_address(int fd, char *buf, size_t len);

/* Writes "ADDR" (no port) of our own end of a connected socket into buf. */
void net_local_address(int fd, char *buf, size_t len);

/*
 * Writes the port number and a newline into path, atomically (a temporary
 * file renamed into place), so a test that sees the file can read the whole
 * number. Returns 0, or -1 with errno set.
 */
int net_write_port_file(const char *path, int port);

#endif
