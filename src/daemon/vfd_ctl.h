/*
 * vfd_ctl.h - between the control socket (vfd_ctl.c) and its commands
 * (vfd_ctl_cmds.c): a client's reply is built with ctl_printf; a command that
 * answers later (after a domain answered) calls ctl_reply_wait, then
 * ctl_reply_done. Requests to domains are registered with the client as
 * owner, so a client that goes away cancels them.
 */
#ifndef VF_VFD_CTL_H
#define VF_VFD_CTL_H

#include <stddef.h>
#include <stdint.h>

struct ctl_client;
struct mon;
struct vfd;

struct ctl_command {
    const char *name;
    int min_args, max_args;
    const char *usage;
    void (*run)(struct ctl_client *cl, int argc, char **argv, int json);
};

/* domains, block, unblock (vfd_ctl_ops.c). */
void ctl_cmd_domains(struct ctl_client *cl, int argc, char **argv, int json);
void ctl_cmd_block(struct ctl_client *cl, int argc, char **argv, int json);
void ctl_cmd_unblock(struct ctl_client *cl, int argc, char **argv, int json);
/* The monitor's commands (vfd_ctl_mon.c): rule add|del|list, stats, ports. */
void ctl_cmd_rule(struct ctl_client *cl, int argc, char **argv, int json);
void ctl_cmd_stats(struct ctl_client *cl, int argc, char **argv, int json);
void ctl_cmd_ports(struct ctl_client *cl, int argc, char **argv, int json);
/* The guests' view (vfd_ctl_hc.c): per port, its rules and hypercall counters. */
void ctl_cmd_guests(struct ctl_client *cl, int argc, char **argv, int json);
/* Rules owned by guest:PORT. */
size_t ctl_guest_rules(struct vfd *d, uint16_t port_id);

const struct ctl_command *ctl_command_find(const char *name);
void ctl_printf(struct ctl_client *cl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bytes as they are (a domain's answer; may be long). */
void ctl_write(struct ctl_client *cl, const char *p, size_t n);
void ctl_reply_wait(struct ctl_client *cl);
void ctl_reply_done(struct ctl_client *cl);
struct vfd *ctl_daemon(struct ctl_client *cl);

/* Is p..n exactly one JSON object, closed, with nothing after it? A
 * lexical check (strings, escapes, bracket nesting), no parse: enough that
 * a domain's text spliced into the core's JSON cannot end the core's object. */
int vfd_json_contained(const char *p, size_t n);

#endif
