/*
 * mon_nl.c - the three rtnetlink requests the port code needs: create a veth
 * pair (the uplink), set a link up, delete a link. One request, one ack.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "mon/mon_internal.h"

struct nl_req {
    struct nlmsghdr h;
    struct ifinfomsg ifi;
    char attrs[512];
};

static struct rtattr *nl_attr(struct nl_req *r, unsigned type, const void *data, size_t len)
{
    size_t off = NLMSG_ALIGN(r->h.nlmsg_len);
    size_t need = RTA_SPACE(len);
    if (off + need > sizeof(*r)) return NULL;
    struct rtattr *a = (struct rtattr *)((char *)r + off);
    a->rta_type = (unsigned short)type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len) memcpy(RTA_DATA(a), data, len);
    r->h.nlmsg_len = (__u32)(off + need);
    return a;
}

/* Close a nested attribute opened at a: its length runs to the message end. */
static void nl_nest_end(struct nl_req *r, struct rtattr *a)
{
    a->rta_len = (unsigned short)((char *)r + r->h.nlmsg_len - (char *)a);
}

static int nl_talk(struct nl_req *r)
{
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    char buf[4096];
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    r->h.nlmsg_seq = 1;
    int rc = 0;
    if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        rc = -errno;
        goto out;
    }
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            rc = -errno;
            break;
        }
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                    rc = -EBADMSG;
                else
                    rc = e->error; /* 0 is the ack */
                goto out;
            }
        }
    }
out:
    close(fd);
    return rc;
}

static void nl_init(struct nl_req *r, unsigned type, unsigned flags)
{
    memset(r, 0, sizeof(*r));
    r->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    r->h.nlmsg_type = (unsigned short)type;
    r->h.nlmsg_flags = (unsigned short)flags;
    r->ifi.ifi_family = AF_UNSPEC;
}

int mon_nl_veth_add(const char *name, const char *peer)
{
    struct nl_req r;
    size_t ln = strlen(name), lp = strlen(peer);
    if (ln == 0 || ln >= IFNAMSIZ || lp == 0 || lp >= IFNAMSIZ) return -EINVAL;
    nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    nl_attr(&r, IFLA_IFNAME, name, ln + 1);
    struct rtattr *li = nl_attr(&r, IFLA_LINKINFO, NULL, 0);
    nl_attr(&r, IFLA_INFO_KIND, "veth", 5);
    struct rtattr *data = nl_attr(&r, IFLA_INFO_DATA, NULL, 0);
    struct ifinfomsg pifi = {.ifi_family = AF_UNSPEC};
    /* VETH_INFO_PEER carries an ifinfomsg followed by the peer's attributes. */
    struct rtattr *pa = nl_attr(&r, VETH_INFO_PEER, &pifi, sizeof(pifi));
    if (!li || !data || !pa || !nl_attr(&r, IFLA_IFNAME, peer, lp + 1)) return -E2BIG;
    nl_nest_end(&r, pa);
    nl_nest_end(&r, data);
    nl_nest_end(&r, li);
    return nl_talk(&r);
}

int mon_nl_link_up(int ifindex)
{
    struct nl_req r;
    nl_init(&r, RTM_NEWLINK, 0);
    r.ifi.ifi_index = ifindex;
    r.ifi.ifi_flags = IFF_UP;
    r.ifi.ifi_change = IFF_UP;
    return nl_talk(&r);
}

int mon_nl_link_del(int ifindex)
{
    struct nl_req r;
    nl_init(&r, RTM_DELLINK, 0);
    r.ifi.ifi_index = ifindex;
    return nl_talk(&r);
}
