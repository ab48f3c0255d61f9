/*
 * test_net.c - listening, connecting, and the plain error messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "net.h"

static void test_listen_on_port_zero_and_connect(void)
{
    char err[256], port[16], peer[NET_ADDR_TEXT_MAX];
    int listener = net_listen("127.0.0.1", "0", err, sizeof err);
    CHECK(listener >= 0);
    int p = net_local_port(listener);
    CHECK(p > 0);
    snprintf(port, sizeof port, "%d", p);
    int fd = net_connect("127.0.0.1", port, 0, 5, err, sizeof err);
    CHECK(fd >= 0);
    int accepted = accept(listener, NULL, NULL);
    CHECK(accepted >= 0);
    net_peer_address(accepted, peer, sizeof peer);
    CHECK(strcmp(peer, "127.0.0.1") == 0);
    /* the same port again: in use, said plainly */
    CHECK(net_listen("127.0.0.1", port, err, sizeof err) == -1);
    CHECK(strstr(err, "already in use") != NULL);
    close(fd);
    close(accepted);
    close(listener);
    /* nobody listens now */
    CHECK(net_connect("127.0.0.1", port, 0, 5, err, sizeof err) == -1);
    CHECK(strstr(err, "nothing is listening on 127.0.0.1:") != NULL);
}

static void test_port_file(void)
{
    char path[] = "/tmp/cartero-port-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CHECK(net_write_port_file(path, 2525) == 0);
    FILE *f = fopen(path, "r");
    int port = 0;
    CHECK(f != NULL && fscanf(f, "%d", &port) == 1 && port == 2525);
    fclose(f);
    unlink(path);
}

int main(void)
{
    test_listen_on_port_zero_and_connect();
    test_port_file();
    return check_summary("net");
}
