/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands /idlecut/stats, /idlecut/flows, /idlecut/scenario and
 * /idlecut/reload (see telemetry.c for what each answers).
 *
 * Usage: ctl_telemetry_register(ctl) once after rte_eal_init and ctl_init; the commands
 * stay registered until rte_eal_cleanup. Thread safety: callbacks run on the telemetry
 * thread and use only ctl's thread-safe entry points.
 */
#ifndef IDLECUT_TELEMETRY_H
#define IDLECUT_TELEMETRY_H

#include "ctl.h"

/** @return 0, or -1 if a command could not be registered. */
int ctl_telemetry_register(struct ctl *c);

#endif /* IDLECUT_TELEMETRY_H */
