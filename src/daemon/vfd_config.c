/*
 * vfd_config.c - turns the configuration file into the core's settings. Every
 * section and key is checked against the lists below, so a typo is an error
 * naming file:line rather than a setting silently ignored. The controller's
 * numbers are checked here and travel to the of domain as CONFIG entries;
 * [domain.NAME] sections are vfd_config_dom.c's, [monitor] vfd_config_mon.c's;
 * the tls_* keys and the PEM files they name are src/tls/tls_conf.c's (read
 * and checked here, at start-up, sent to the of domain as TLS_CONFIG).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/vfd.h"

static const char *const vfd_sections[] = {"controller", "daemon", "app.*", "domain.*",
                                           "monitor",    "mgmt",   "cluster", NULL};
static const char *const vfd_controller_keys[] = {"listen",
                                                  "miss_send_len",
                                                  "echo_interval",
                                                  "echo_timeout",
                                                  "handshake_timeout",
                                                  "request_timeout",
                                                  "out_buffer",
                                                  "max_bad_msgs",
                                                  "apps",
                                                  "app_dir",
                                                  "lua_memory",
                                                  "lua_budget",
                                                  "tls_key",
                                                  "tls_cert",
                                                  "tls_ca",
                                                  "tls_min_version",
                                                  "tls_ciphers",
                                                  "tls_ciphersuites",
                                                  NULL};
static const char *const vfd_daemon_keys[] = {"control", "record_dir", "log_level", "log_target",
                                              NULL};

int vfd_read_file(const char *path, char **out, size_t *len, size_t max, char *err, size_t errcap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(max + 1);
    size_t n = 0;
    ssize_t r = 0;
    while (buf && n <= max && (r = read(fd, buf + n, max + 1 - n)) > 0)
        n += (size_t)r;
    close(fd);
    if (!buf || r < 0) {
        snprintf(err, errcap, "%s: %s", path, buf ? strerror(errno) : "out of memory");
        free(buf);
        return -1;
    }
    if (n > max) {
        snprintf(err, errcap, "%s: larger than %zu bytes", path, max);
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static int parse_level(const struct conf *c, enum log_level *lvl, char *err, size_t errcap)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    static const enum log_level levels[] = {LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO,
                                            LOG_LEVEL_DEBUG};
    const struct conf_entry *e = conf_find(c, "daemon", "log_level");
    *lvl = LOG_LEVEL_INFO;
    if (!e) return 0;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(e->value, names[i]) == 0) {
            *lvl = levels[i];
            return 0;
        }
    snprintf(err, errcap, "%s:%u: log_level: '%s' is not error, warn, info or debug", c->origin,
             e->line, e->value);
    return -1;
}

/* Numbers of [controller], in base units (ms, bytes). The defaults are the
 * engine's own (ofc_config_defaults); the domain refuses a key it does not
 * know, so the two lists cannot drift apart silently. */
static int controller_numbers(struct vfd_config *cfg, char *err, size_t errcap)
{
    const struct conf *c = &cfg->conf;
    typedef int num_fn(const struct conf *, const char *, const char *, uint64_t, uint64_t,
                       uint64_t, uint64_t *, char *, size_t);
    static const struct {
        const char *key;
        num_fn *fn;
        uint64_t def, min, max;
    } nums[] = {
        {"miss_send_len", conf_u64, 128, 0, 65535},
        {"echo_interval", conf_ms, 5000, 100, 3600000},
        {"echo_timeout", conf_ms, 15000, 200, 3600000},
        {"handshake_timeout", conf_ms, 10000, 100, 600000},
        {"request_timeout", conf_ms, 10000, 100, 600000},
        {"out_buffer", conf_size, 4u << 20, 64u << 10, 1u << 30},
        {"max_bad_msgs", conf_u64, 16, 1, 1000000},
    };
    _Static_assert(sizeof(nums) / sizeof(nums[0]) <= VFD_MAX_OF_NUMS, "of_num");
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        uint64_t v;
        if (nums[i].fn(c, "controller", nums[i].key, nums[i].def, nums[i].min, nums[i].max, &v, err,
                       errcap) != 0)
            return -1;
        cfg->of_num[cfg->n_of_num].key = nums[i].key;
        cfg->of_num[cfg->n_of_num++].value = v;
    }
    /* The Lua limits travel in HELLO, whose fields are 32 bits (KiB, count). */
    if (conf_size(c, "controller", "lua_memory", 64u << 20, 1u << 20, 4ull << 30, &cfg->lua_memory,
                  err, errcap) != 0 ||
        conf_u64(c, "controller", "lua_budget", 50000000, 10000, UINT32_MAX, &cfg->lua_budget, err,
                 errcap) != 0)
        return -1;
    if (cfg->of_num[2].value <= cfg->of_num[1].value) {
        const struct conf_entry *e = conf_find(c, "controller", "echo_timeout");
        snprintf(err, errcap, "%s:%u: echo_timeout must be longer than echo_interval", c->origin,
                 e ? e->line : 0);
        return -1;
    }
    return 0;
}

/* One app setting travels as CONFIG key "app.NAME.KEY" = value: both have
 * the message's limits. */
static int app_entry_fits(const struct conf *c, const struct conf_entry *e, const char *app,
                          char *err, size_t errcap)
{
    if (strlen(app) + strlen(e->key) + 5 > MSG_APP_MAX) {
        snprintf(err, errcap, "%s:%u: key '%s' of app %s is too long (app and key: %d bytes)",
                 c->origin, e->line, e->key, app, MSG_APP_MAX - 5);
        return -1;
    }
    if (strlen(e->value) > MSG_VALUE_MAX) {
        snprintf(err, errcap, "%s:%u: %s: value longer than %d bytes", c->origin, e->line, e->key,
                 MSG_VALUE_MAX);
        return -1;
    }
    return 0;
}

static int app_sections(struct vfd_config *cfg, char *err, size_t errcap)
{
    size_t total = 0;
    const struct conf *c = &cfg->conf;
    const struct conf_entry *e = conf_find(c, "controller", "apps");
    if (!e) {
        snprintf(err, errcap, "%s: [controller] apps is required (e.g. apps = l2_learning)",
                 c->origin);
        return -1;
    }
    char buf[CONF_MAX_LINE + 1], *names[VFD_MAX_APPS];
    size_t n;
    if (conf_list(e, buf, sizeof(buf), names, VFD_MAX_APPS, &n, c->origin, err, errcap) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        for (const char *p = names[i]; *p; p++)
            if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) {
                snprintf(err, errcap, "%s:%u: apps: bad app name '%s' (a-z, 0-9, _)", c->origin,
                         e->line, names[i]);
                return -1;
            }
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0) {
                snprintf(err, errcap, "%s:%u: apps: '%s' listed twice", c->origin, e->line,
                         names[i]);
                return -1;
            }
        struct vfd_app_conf *a = &cfg->apps[cfg->n_apps++];
        a->name = strdup(names[i]);
        char sec[CONF_MAX_NAME + 8];
        snprintf(sec, sizeof(sec), "app.%s", names[i]);
        a->kv = calloc(c->n ? c->n : 1, sizeof(*a->kv));
        if (!a->name || !a->kv) return -1;
        for (size_t k = 0; k < c->n; k++) {
            if (strcmp(c->v[k].section, sec) != 0) continue;
            if (app_entry_fits(c, &c->v[k], names[i], err, errcap) != 0) return -1;
            a->kv[a->nkv++] = (struct vfd_kv){c->v[k].key, c->v[k].value};
        }
        total += a->nkv;
    }
    /* The of domain gets its configuration as one CONFIG set: the log level,
     * the engine's numbers, the listen addresses, every app setting and the
     * monitor's ports (mon.enabled and one mon.port each). */
    size_t mon = cfg->mon.enabled ? 1 + cfg->mon.nports : 0;
    if (total + 1 + cfg->n_of_num + cfg->n_listen + mon > MSG_SET_MAX) {
        snprintf(err, errcap, "%s: more than %d settings for the controller domain (apps: %zu)",
                 c->origin, MSG_SET_MAX, total);
        return -1;
    }
    /* A section for an app that is not in the chain is most likely a typo. */
    for (size_t k = 0; k < c->nsec; k++) {
        if (strncmp(c->sec[k].name, "app.", 4) != 0) continue;
        int known = 0;
        for (size_t i = 0; i < cfg->n_apps; i++)
            known |= strcmp(c->sec[k].name + 4, cfg->apps[i].name) == 0;
        if (!known) {
            snprintf(err, errcap, "%s:%u: [%s] configures an app that is not in apps", c->origin,
                     c->sec[k].line, c->sec[k].name);
            return -1;
        }
    }
    return 0;
}

static int interpret(struct vfd_config *cfg, const char *self, char *err, size_t errcap)
{
    const struct conf *c = &cfg->conf;
    if (conf_check(c, vfd_sections, "controller", vfd_controller_keys, err, errcap) != 0 ||
        conf_check(c, NULL, "daemon", vfd_daemon_keys, err, errcap) != 0)
        return -1;
    unsigned tls_line = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->v[i].section, "controller") != 0 || strcmp(c->v[i].key, "listen") != 0)
            continue;
        if (cfg->n_listen == VFD_MAX_LISTEN) {
            snprintf(err, errcap, "%s:%u: more than %d listen entries", c->origin, c->v[i].line,
                     VFD_MAX_LISTEN);
            return -1;
        }
        const char *addr;
        int tls = tls_listen_scheme(c->v[i].value, &addr);
        if (tls < 0) {
            snprintf(err, errcap, "%s:%u: listen: '%s': unknown scheme (ssl:, tcp: or none)",
                     c->origin, c->v[i].line, c->v[i].value);
            return -1;
        }
        if (tls && !tls_line) tls_line = c->v[i].line;
        cfg->listen_tls[cfg->n_listen] = tls;
        cfg->listen_addr[cfg->n_listen] = addr;
        cfg->listen[cfg->n_listen++] = c->v[i].value;
    }
    if (cfg->n_listen == 0) {
        cfg->listen_addr[cfg->n_listen] = "127.0.0.1:6653";
        cfg->listen[cfg->n_listen++] = "127.0.0.1:6653";
    }
    if (tls_conf_load(&cfg->tls, c, "controller", tls_line != 0, tls_line, err, errcap) != 0)
        return -1;
    if (controller_numbers(cfg, err, errcap) != 0 || parse_level(c, &cfg->log_level, err, errcap))
        return -1;
    const struct conf_entry *e = conf_find(c, "controller", "app_dir");
    cfg->app_dir = strdup(e ? e->value : "lua/apps");
    e = conf_find(c, "daemon", "control");
    cfg->control = e ? e->value : "/run/visorflow/ctl.sock";
    e = conf_find(c, "daemon", "log_target");
    cfg->log_syslog = e && strcmp(e->value, "syslog") == 0;
    if (e && !cfg->log_syslog && strcmp(e->value, "stderr") != 0) {
        snprintf(err, errcap, "%s:%u: log_target: '%s' is not stderr or syslog", c->origin, e->line,
                 e->value);
        return -1;
    }
    e = conf_find(c, "daemon", "record_dir");
    cfg->record_dir = e ? e->value : NULL;
    if (!cfg->app_dir) return -1;
    if (vfd_config_mon(cfg, err, errcap) != 0 || app_sections(cfg, err, errcap) != 0 ||
        vfd_config_mgmt(cfg, err, errcap) != 0 || vfd_config_cluster(cfg, err, errcap) != 0)
        return -1;
    if (vfd_config_domains(cfg, self, err, errcap) != 0) return -1;
    if (vfd_config_mgmt_domain(cfg, err, errcap) != 0) return -1;
    return vfd_config_cluster_domain(cfg, err, errcap);
}

int vfd_config_load(struct vfd_config *cfg, const char *path, const char *self, char *err,
                    size_t errcap)
{
    memset(cfg, 0, sizeof(*cfg));
    char *text;
    size_t len;
    if (vfd_read_file(path, &text, &len, CONF_MAX_BYTES, err, errcap) != 0) return -1;
    int rc = conf_parse(&cfg->conf, path, text, len, err, errcap);
    free(text);
    if (rc != 0) return -1;
    if (interpret(cfg, self, err, errcap) != 0) {
        vfd_config_free(cfg);
        return -1;
    }
    return 0;
}

void vfd_config_free(struct vfd_config *cfg)
{
    for (size_t i = 0; i < cfg->n_apps; i++) {
        free(cfg->apps[i].name);
        free(cfg->apps[i].kv);
    }
    for (size_t i = 0; i < cfg->n_domains; i++)
        free(cfg->domains[i].args_buf);
    tls_conf_free(&cfg->tls); /* scrubs the key */
    free(cfg->app_dir);
    vfd_config_mon_free(cfg);
    vfd_config_mgmt_free(cfg);    /* scrubs its key */
    vfd_config_cluster_free(cfg); /* and this one */
    conf_free(&cfg->conf);
    memset(cfg, 0, sizeof(*cfg));
}
