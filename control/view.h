/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A consistent copy of everything the exporters show (telemetry, Prometheus, summaries):
 * counters summed over the workers plus the control thread's own, and the names that
 * label them.
 *
 * Usage: an exporter calls the collector it was given (ctl_view_fn) to fill a struct
 * ctl_view, then renders it. The view is a copy: it holds no pointer into a snapshot, so
 * it stays valid whatever the control thread publishes meanwhile.
 *
 * Thread safety: the collector may be called from any thread (the telemetry and HTTP
 * threads do); it reads per-lcore counters lock-free and copies names under the control
 * thread's own lock, which no worker ever takes.
 */
#ifndef IDLECUT_VIEW_H
#define IDLECUT_VIEW_H

#include <stdint.h>

#include "config.h"
#include "port.h"
#include "stats.h"

struct ctl_port_name {
	uint16_t port_id;
	char name[CFG_NAME_MAX + 16]; /**< "PAIR/inside" or "PAIR/outside": the {port} label */
};

#define CTL_VIEW_WORKERS 64

/** One worker's own counters (SPEC §7: per worker, label "worker" = its lcore). */
struct ctl_worker_view {
	unsigned int lcore;
	uint64_t rx_packets;	  /**< received from its queues */
	uint64_t tx_packets;	  /**< sent: forwarded and RSTs */
	uint64_t flows_created;
	uint64_t flows_active;
	uint64_t handoff_packets; /**< handed to the worker owning their flow */
	uint64_t handoff_drops;
};

struct ctl_view {
	struct stats_lcore s; /**< summed over all workers */
	unsigned int n_workers;
	struct ctl_worker_view workers[CTL_VIEW_WORKERS];
	char scenario[CFG_NAME_MAX];
	char file[256];
	double time_scale;
	double uptime_s;
	/** Profile names by statistics slot; [0] is "untracked". Retired profiles keep theirs. */
	unsigned int n_profiles;
	char profile[CFG_MAX_PROFILES][CFG_NAME_MAX];
	unsigned int n_ports;
	/** Entry 2 * pair + side: the per-port counters of s (rx_packets[i] ...) are its. */
	struct ctl_port_name ports[STATS_MAX_PORTS];
	/** The NIC's counters and link per entry of ports[], at most a second old. */
	struct port_nic nic[STATS_MAX_PORTS];
	uint64_t reloads_ok;
	uint64_t reloads_error;
	uint64_t events_written;
	uint64_t events_dropped; /**< the event ring was full: the flow expired, its line is lost */
	uint64_t timeline_applied;
	uint64_t mbufs_in_use; /**< taken from the pool: RX rings, bursts in flight, RSTs */
};

/** Fill @p v; @p arg is the collector's context. */
typedef void (*ctl_view_fn)(struct ctl_view *v, void *arg);

#endif /* IDLECUT_VIEW_H */
