/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's state: the running scenario, snapshot publication (timeline "set",
 * reload), flush requests, the event log, and the view the exporters render.
 *
 * Usage (main lcore): ctl_init() after the workers exist and before they launch, then
 * ctl_poll() from the control loop every few milliseconds; ctl_reload() on SIGHUP;
 * ctl_fini() after the workers stopped. Exporters (telemetry, metrics) call ctl_view()
 * and ctl_request_reload()/ctl_dump() from their own threads.
 *
 * Thread safety: snapshots are written only by the control thread (ctl_poll, ctl_reload)
 * and published with an atomic store; the old one is freed after an RCU grace period
 * (every worker reported a quiescent state). ctl->lock guards what exporter threads copy
 * (names, the snapshot pointer, control counters); no worker ever takes it.
 *
 * Reload rules: the ports and the flow table capacity cannot change (a reload that changes
 * them is refused); a profile keeps its index, counters and flows while its name exists; a
 * profile that disappeared is retired: its flows are expired silently at once (no RST) and
 * its counters stay under its name. Timeline offsets count from the start of the run;
 * after a reload, the new file's events whose time has not come yet will run.
 */
#ifndef IDLECUT_CTL_H
#define IDLECUT_CTL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include <rte_mempool.h>

#include "config.h"
#include "snapshot.h"
#include "view.h"
#include "worker.h"

struct ctl {
	struct dp_shared *shared;
	struct worker *const *workers;
	unsigned int n_workers;
	const char *path; /**< scenario file, re-read on reload */
	double time_scale;
	uint64_t start_tsc;
	double start_wall; /**< CLOCK_REALTIME seconds at start_tsc */
	uint64_t tsc_hz;
	unsigned int next_event; /**< timeline: index of the next event to run */
	uint64_t retired;	 /**< profile slots retired by reloads (bit per index) */
	FILE *events;		 /**< --events file or NULL */
	struct rte_mempool *mp;	 /**< the mbuf pool, for the in-use gauge (set before launch) */
	pthread_mutex_t lock;
	/* Guarded by lock: */
	uint64_t reloads_ok;
	uint64_t reloads_error;
	uint64_t events_written;
	uint64_t timeline_applied;
	char last_error[512];
	unsigned int n_ports;
	struct ctl_port_name ports[STATS_MAX_PORTS];
	struct port_nic nic[STATS_MAX_PORTS]; /**< by entry of ports[]: ctl_nic_poll() */
	/* Control thread only: */
	uint64_t nic_next_tsc; /**< next periodic NIC read */
	bool nic_read;	       /**< nic[] holds a first read (link changes are logged after) */
	/* Reload requests from other threads (telemetry). */
	uint32_t reload_req;  /**< bumped by the requester */
	uint32_t reload_done; /**< = reload_req once served */
	int reload_result;
	/* Dumps are serialised between requesters. */
	pthread_mutex_t dump_lock;
};

/**
 * Set up @p c for the first snapshot already published in @p shared.
 *
 * @return 0, or -errno if the events file cannot be opened (message in @p err).
 */
int ctl_init(struct ctl *c, struct dp_shared *shared, struct worker *const *workers,
	     unsigned int n_workers, const char *path, double time_scale, const char *events,
	     char *err, size_t errlen);

/** Run due timeline events, serve reload requests, drain worker events. Control thread. */
void ctl_poll(struct ctl *c);

/**
 * Re-read the scenario file and publish it. On error, the running scenario stays, the
 * error ("FILE:LINE:COL: message") is logged to stderr and counted.
 *
 * @param why "SIGHUP" or "telemetry", for the log.
 * @return 0 or a negative errno.
 */
int ctl_reload(struct ctl *c, const char *why);

/**
 * Read every port's NIC counters and link state into the view (rte_eth_stats, the link)
 * when @p force, a second has passed, or a link-state interrupt came in; log each link
 * change on stderr ("idlecut: port NAME: link down"). Control thread (ctl_poll calls it).
 */
void ctl_nic_poll(struct ctl *c, bool force);

/** Ask the control thread to reload, wait up to @p timeout_ms; any thread. */
int ctl_request_reload(struct ctl *c, unsigned int timeout_ms, char *msg, size_t msglen);

/**
 * Collect up to @p max flows (sampled) from every worker into @p out; any thread.
 *
 * @return the number copied, or -ETIMEDOUT if a worker did not answer in time.
 */
int ctl_dump(struct ctl *c, struct flow_dump *out, unsigned int max);

/** The collector for exporters (ctl_view_fn): @p arg is the struct ctl. */
void ctl_view(struct ctl_view *v, void *arg);

/** Write the remaining events and close the log (after the workers stopped). */
void ctl_fini(struct ctl *c);

/**
 * Build a scenario whose profiles sit at the indexes they had in @p old (new names take
 * free indexes; names gone from @p in are kept, retired, at theirs) and whose rules, default
 * profile and timeline refer to those indexes. Exposed for tests.
 *
 * @param retired  receives the bit mask of profiles @p in no longer has.
 * @return 0, or -EINVAL (ports or capacity changed, too many profiles) with @p err set.
 */
int ctl_remap(const struct cfg_scenario *in, const struct cfg_scenario *old,
	      struct cfg_scenario *out, uint64_t *retired, char *err, size_t errlen);

#endif /* IDLECUT_CTL_H */
