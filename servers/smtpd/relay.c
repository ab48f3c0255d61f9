/*
 * relay.c - trusted networks and routes (see relay.h).
 */
#include "relay.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

int relay_add_trusted(struct relay_config *r, const char *cidr)
{
    char addr[INET6_ADDRSTRLEN];
    struct network *n = &r->trusted[r->ntrusted];
    const char *slash = strchr(cidr, '/');
    size_t len = slash != NULL ? (size_t)(slash - cidr) : strlen(cidr);

    if (r->ntrusted == RELAY_NETWORKS_MAX || len >= sizeof addr)
        return -1;
    memcpy(addr, cidr, len);
    addr[len] = '\0';
    memset(n, 0, sizeof *n);
    if (inet_pton(AF_INET, addr, n->addr) == 1)
        n->family = AF_INET, n->prefix = 32;
    else if (inet_pton(AF_INET6, addr, n->addr) == 1)
        n->family = AF_INET6, n->prefix = 128;
    else
        return -1;
    if (slash != NULL) {
        char *end;
        long bits = strtol(slash + 1, &end, 10);
        if (*end != '\0' || end == slash + 1 || bits < 0 || bits > n->prefix)
            return -1;
        n->prefix = (int)bits;
    }
    r->ntrusted++;
    return 0;
}

/* True when the first bits of a and b are the same. */
static bool same_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)whole) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

bool relay_is_trusted(const struct relay_config *r, const char *address)
{
    unsigned char addr[16];
    int family;
    if (inet_pton(AF_INET, address, addr) == 1)
        family = AF_INET;
    else if (inet_pton(AF_INET6, address, addr) == 1)
        family = AF_INET6;
    else
        return false;
    for (size_t i = 0; i < r->ntrusted; i++)
        if (r->trusted[i].family == family &&
            same_prefix(r->trusted[i].addr, addr, r->trusted[i].prefix))
            return true;
    return false;
}

/* Parses "domain host:port" into route. NULL, or why not. */
static const char *parse_route(char *line, struct route *route)
{
    char *domain = strtok(line, " \t");
    char *target = strtok(NULL, " \t");
    if (domain == NULL || target == NULL || strtok(NULL, " \t") != NULL)
        return "expected: domain host:port (or * host:port)";
    char *colon = strrchr(target, ':');
    if (colon == NULL || colon[1] == '\0')
        return "the next hop needs a port: host:port";
    *colon = '\0';
    char *host = target;
    /* [::1]:2526 for an IPv6 address */
    if (host[0] == '[' && colon[-1] == ']') {
        host++;
        colon[-1] = '\0';
    }
    if (strlen(domain) >= sizeof route->domain || strlen(host) >= sizeof route->host ||
        strlen(colon + 1) >= sizeof route->port || strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return "a name or port is too long, or the port is not a number";
    snprintf(route->domain, sizeof route->domain, "%s", domain);
    snprintf(route->host, sizeof route->host, "%s", host);
    snprintf(route->port, sizeof route->port, "%s", colon + 1);
    return NULL;
}

int relay_load_routes(struct relay_config *r, const char *path, char *err, size_t errlen)
{
    char line[1024];
    int lineno = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot read routes file %s", path);
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        line[strcspn(line, "#\r\n")] = '\0';   /* # starts a comment */
        if (line[strspn(line, " \t")] == '\0')
            continue;
        const char *why = r->nroutes == RELAY_ROUTES_MAX ? "too many routes"
                                                          : parse_route(line, &r->routes[r->nroutes]);
        if (why != NULL) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            fclose(f);
            return -1;
        }
        r->nroutes++;
    }
    fclose(f);
    return 0;
}

const struct route *relay_find_route(const struct relay_config *r, const char *domain)
{
    const struct route *fallback = NULL;
    for (size_t i = 0; i < r->nroutes; i++) {
        if (strcasecmp(r->routes[i].domain, domain) == 0)
            return &r->routes[i];
        if (strcmp(r->routes[i].domain, "*") == 0 && fallback == NULL)
            fallback = &r->routes[i];
    }
    return fallback;
}
