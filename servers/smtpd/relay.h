/*
 * relay.h - who may send mail through us to other domains, and where that
 * mail goes next.
 *
 * A server that forwards anyone's mail anywhere is an "open relay", and
 * spammers find it within hours. So mail for a domain that is not ours is
 * taken only from trusted clients: those that authenticated (AUTH), or
 * whose address is in a --trusted network (Postfix's mynetworks).
 *
 * The next hop for a domain would come from DNS MX records; in the lab a
 * routes file stands in for them:
 *     hamburger.edu   127.0.0.1:2526
 *     *               127.0.0.1:2600
 */
#ifndef SMTPD_RELAY_H
#define SMTPD_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#define RELAY_NETWORKS_MAX 32
#define RELAY_ROUTES_MAX 256

struct network {
    int family;                 /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int prefix;                 /* bits that must match */
};

struct route {
    char domain[256];           /* "*" for every other domain */
    char host[256];
    char port[8];
};

struct relay_config {
    struct network trusted[RELAY_NETWORKS_MAX];
    size_t ntrusted;
    struct route routes[RELAY_ROUTES_MAX];
    size_t nroutes;
};

/* Adds "127.0.0.1/32", "::1" or "10.0.0.0/8" to the trusted networks. 0, or -1 if malformed. */
int relay_add_trusted(struct relay_config *r, const char *cidr);

/* True when address (text, as inet_ntop writes it) is in a trusted network. */
bool relay_is_trusted(const struct relay_config *r, const char *address);

/* Reads a routes file. 0, or -1 with err naming the line. */
int relay_load_routes(struct relay_config *r, const char *path, char *err, size_t errlen);

/* The route for domain (exact, any case), else the "*" route, else NULL. */
const struct route *relay_find_route(const struct relay_config *r, const char *domain);

#endif
