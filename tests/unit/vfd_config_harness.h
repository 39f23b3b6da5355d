/*
 * vfd_config_harness.h - for the test_vfd_config*.c tests: a configuration
 * file in a fresh temporary directory (path), written and loaded by load()
 * as visorflowd would (the core's binary "is" /usr/sbin/visorflowd, so the
 * default domain binary is /usr/sbin/visorflow-domain).
 */
#ifndef VF_TEST_VFD_CONFIG_HARNESS_H
#define VF_TEST_VFD_CONFIG_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/vfd.h"

static char dir[64], path[96];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/vf-cfg.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/vf.conf", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

static int load(struct vfd_config *cfg, const char *text, char *err, size_t cap)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    err[0] = '\0';
    return vfd_config_load(cfg, path, "/usr/sbin/visorflowd", err, cap);
}

#endif
