/*
 * etcd_probe.c - drives a real etcd through src/etcd's codec over plain
 * sockets, for tests/integration/etcd_codec.sh: grant a lease, watch a
 * prefix, create a key twice (win, then lose and see the holder), keep the
 * lease alive, range, delete_if, see the PUT and DELETE events, revoke and
 * see the lease gone, list the members. One line per result on stdout; the
 * script checks them. Exit 1 on the first failure, with the reason.
 *
 *   etcd_probe HOST PORT PREFIX
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "etcd/etcd.h"

static const char *host;
static char hostport[128];
static int port;

static void die(const char *what, const char *why)
{
    printf("FAILED %s: %s\n", what, why);
    exit(1);
}

static int dial(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
        connect(fd, (void *)&a, sizeof(a)) < 0)
        die("connect", strerror(errno));
    return fd;
}

static void send_req(int fd, const char *path, const char *body)
{
    char req[8192];
    int n = etcd_http_request(req, sizeof(req), hostport, path, body, strlen(body));
    if (n < 0) die(path, "request does not fit");
    if (write(fd, req, (size_t)n) != n) die(path, "short write");
}

/* The next message of h, reading fd (5 s at most); copied into out. */
static size_t next_msg(int fd, struct etcd_http *h, const char *what, int *status, char *out,
                       size_t cap)
{
    char buf[65536], err[ETCD_ERR_MAX];
    const char *j;
    size_t len;
    for (;;) {
        if (etcd_http_take(h, status, &j, &len) == 1) {
            if (len >= cap) die(what, "message too long for the probe");
            memcpy(out, j, len);
            out[len] = '\0';
            return len;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 5000) != 1) die(what, "no answer in 5 s");
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0) die(what, strerror(errno));
        if (n == 0) {
            if (etcd_http_eof(h, err, sizeof(err)) < 0) die(what, err);
            die(what, "connection closed");
        }
        if (etcd_http_feed(h, buf, (size_t)n, err, sizeof(err)) < 0) die(what, err);
    }
}

static char msg[ETCD_MSG_MAX + 1];

static size_t call(int fd, struct etcd_http *h, const char *path, const char *body, int *status)
{
    send_req(fd, path, body);
    return next_msg(fd, h, path, status, msg, sizeof(msg));
}

static int print_kv(void *ctx, int type, const struct etcd_kv *kv)
{
    printf("%s %s key=%.*s value=%.*s create_rev=%" PRId64 " mod_rev=%" PRId64 " lease=%" PRId64
           "\n",
           (const char *)ctx, type == ETCD_EV_DELETE ? "DELETE" : "PUT", (int)kv->key_len,
           (const char *)kv->key, (int)kv->value_len, (const char *)kv->value, kv->create_rev,
           kv->mod_rev, kv->lease);
    return 0;
}

static int64_t last_create_rev;
static int keep_rev(void *ctx, int type, const struct etcd_kv *kv)
{
    (void)ctx;
    (void)type;
    last_create_rev = kv->create_rev;
    return 0;
}

static int print_member(void *ctx, const struct etcd_member *m)
{
    (void)ctx;
    printf("member id=%" PRIu64 " name=%s url=%s\n", m->id, m->name, m->client_url);
    return 0;
}

int main(int argc, char **argv)
{
    char body[4096], err[ETCD_ERR_MAX], key[ETCD_KEY_MAX + 1];
    struct etcd_resp r;
    struct etcd_watch w;
    int st, ok;
    size_t n;
    int64_t id, ttl;

    if (argc != 4) {
        fprintf(stderr, "usage: etcd_probe HOST PORT PREFIX\n");
        return 2;
    }
    host = argv[1];
    port = atoi(argv[2]);
    snprintf(hostport, sizeof(hostport), "%s:%d", host, port);
    const char *prefix = argv[3];
    snprintf(key, sizeof(key), "%sx", prefix);

    int fd = dial(), wfd = dial();
    struct etcd_http *h = etcd_http_new(0), *wh = etcd_http_new(1);

    etcd_req_lease_grant(body, sizeof(body), 10);
    n = call(fd, h, "/v3/lease/grant", body, &st);
    if (etcd_resp_lease(st, msg, n, &r, &id, &ttl, err, sizeof(err)) < 0) die("grant", err);
    printf("grant id=%" PRId64 " ttl=%" PRId64 " revision=%" PRId64 "\n", id, ttl, r.revision);

    etcd_req_watch(body, sizeof(body), prefix, strlen(prefix), 0);
    send_req(wfd, "/v3/watch", body);
    n = next_msg(wfd, wh, "watch", &st, msg, sizeof(msg));
    if (etcd_resp_watch(st, msg, n, &r, &w, print_kv, "event", err, sizeof(err)) < 0)
        die("watch", err);
    printf("watch created=%d canceled=%d\n", w.created, w.canceled);

    for (int k = 0; k < 2; k++) {
        etcd_req_create(body, sizeof(body), key, strlen(key), "me", 2, id);
        n = call(fd, h, "/v3/kv/txn", body, &st);
        if (etcd_resp_txn(st, msg, n, &r, &ok, print_kv, "holder", err, sizeof(err)) < 0)
            die("create", err);
        printf("create succeeded=%d revision=%" PRId64 "\n", ok, r.revision);
    }

    etcd_req_lease_id(body, sizeof(body), id);
    n = call(fd, h, "/v3/lease/keepalive", body, &st);
    if (etcd_resp_lease(st, msg, n, &r, &id, &ttl, err, sizeof(err)) < 0) die("keepalive", err);
    printf("keepalive ttl=%" PRId64 "\n", ttl);

    etcd_req_range(body, sizeof(body), prefix, strlen(prefix), 1);
    n = call(fd, h, "/v3/kv/range", body, &st);
    if (etcd_resp_range(st, msg, n, &r, keep_rev, NULL, err, sizeof(err)) < 0) die("range", err);
    if (etcd_resp_range(st, msg, n, &r, print_kv, "range", err, sizeof(err)) < 0) die("range", err);

    etcd_req_delete_if(body, sizeof(body), key, strlen(key), last_create_rev + 1);
    n = call(fd, h, "/v3/kv/txn", body, &st);
    if (etcd_resp_txn(st, msg, n, &r, &ok, NULL, NULL, err, sizeof(err)) < 0) die("delete_if", err);
    printf("delete_if wrong_rev succeeded=%d\n", ok);
    etcd_req_delete_if(body, sizeof(body), key, strlen(key), last_create_rev);
    n = call(fd, h, "/v3/kv/txn", body, &st);
    if (etcd_resp_txn(st, msg, n, &r, &ok, NULL, NULL, err, sizeof(err)) < 0) die("delete_if", err);
    printf("delete_if succeeded=%d\n", ok);

    for (int events = 0; events < 2;) {
        n = next_msg(wfd, wh, "watch events", &st, msg, sizeof(msg));
        if (etcd_resp_watch(st, msg, n, &r, &w, print_kv, "event", err, sizeof(err)) < 0)
            die("watch", err);
        events += strstr(msg, "\"events\"") ? 1 : 0;
    }

    etcd_req_lease_id(body, sizeof(body), id);
    n = call(fd, h, "/v3/lease/revoke", body, &st);
    if (etcd_resp_plain(st, msg, n, &r, err, sizeof(err)) < 0) die("revoke", err);
    printf("revoke ok\n");
    n = call(fd, h, "/v3/lease/keepalive", body, &st);
    if (etcd_resp_lease(st, msg, n, &r, &id, &ttl, err, sizeof(err)) < 0) die("keepalive", err);
    printf("keepalive after revoke ttl=%" PRId64 "\n", ttl);
    n = call(fd, h, "/v3/lease/revoke", body, &st);
    if (etcd_resp_plain(st, msg, n, &r, err, sizeof(err)) == 0) die("revoke again", "succeeded");
    printf("revoke again: status=%d %s\n", st, err);

    n = call(fd, h, "/v3/cluster/member/list", "{}", &st);
    if (etcd_resp_members(st, msg, n, &r, print_member, NULL, err, sizeof(err)) < 0)
        die("members", err);

    etcd_http_free(h);
    etcd_http_free(wh);
    close(fd);
    close(wfd);
    printf("done\n");
    return 0;
}
