/*
 * passthru.bpf.c - bench/overhead.sh's baseline: the monitor's bump in the wire
 * (tc ingress of G redirects to U, tc ingress of U redirects to G) without any
 * parsing, lookup or counting. The difference to the monitor is the filter.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 g_ifindex = 0; /* set by bench/passthru.c before load */
const volatile __u32 u_ifindex = 0;

SEC("tc")
int passthru(struct __sk_buff *skb)
{
    return bpf_redirect(skb->ifindex == g_ifindex ? u_ifindex : g_ifindex, 0);
}
