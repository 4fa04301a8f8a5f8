/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore counters (SPEC §7).
 *
 * Usage: each worker owns one struct stats_lcore, accumulates into locals while it
 * processes a burst and adds them here once per burst with STATS_ADD(). The control thread
 * sums all lcores with stats_sum() whenever it wants (telemetry, Prometheus, summaries).
 *
 * Thread safety: one writer per struct (its worker), any number of readers. Every field
 * is a naturally aligned 64-bit word written with a relaxed atomic store and read with a
 * relaxed atomic load, so readers never see a torn value and nobody takes a lock. The
 * structs are cache-aligned so two workers never share a line.
 *
 * Shutdown: read the final values after the workers have returned (rte_eal_mp_wait_lcore).
 */
#ifndef IDLECUT_STATS_H
#define IDLECUT_STATS_H

#include <stdint.h>

#include <rte_common.h>

#include "config.h"
#include "parse.h"

#define STATS_MAX_PORTS (2 * CFG_MAX_PAIRS)

enum stats_drop {
	STATS_DROP_TX_FULL,	/**< "tx_full": the TX queue refused the packet */
	STATS_DROP_MALFORMED,	/**< "malformed": malformed and the policy says drop */
	STATS_DROP_TABLE_FULL,	/**< "table_full": no room for a new flow, when_full: drop */
	STATS_DROP_STRAY,	/**< "stray": non-SYN TCP without a flow, dropped */
	STATS_DROP_OUT_OF_WINDOW, /**< "out_of_window": outside the TCP window, policy drop */
	STATS_DROP_OVERSIZE,	/**< "oversize": longer than the pair's MTU allows */
	STATS_DROP_COUNT
};

enum stats_rst_to {
	STATS_RST_CLIENT, /**< "client": timeout RST towards the flow's client */
	STATS_RST_SERVER, /**< "server": timeout RST towards the flow's server */
	STATS_RST_STRAY,  /**< "stray": RST answering a stray TCP packet */
	STATS_RST_COUNT
};

/** Why a flow was evicted (SPEC §6 "A full table"). */
enum stats_evict {
	STATS_EVICT_EARLY_DROP, /**< "early_drop": room for a new flow in a full table */
	STATS_EVICT_REAPER,	/**< "reaper": the table passed the reaper's high-water mark */
	STATS_EVICT_COUNT
};

/** Flow states as counted (must match enum flow_state in flow.h). */
#define STATS_FLOW_STATES 10

/** Lateness histogram upper bounds in ns: 100us .. 10s, then +Inf. */
#define STATS_LATE_BUCKETS 16
extern const uint64_t stats_late_bounds_ns[STATS_LATE_BUCKETS];

struct stats_lcore {
	uint64_t rx_packets[STATS_MAX_PORTS];
	uint64_t rx_bytes[STATS_MAX_PORTS];
	uint64_t tx_packets[STATS_MAX_PORTS];
	uint64_t tx_bytes[STATS_MAX_PORTS];
	uint64_t drops[STATS_DROP_COUNT];
	uint64_t malformed[PARSE_STATUS_COUNT]; /**< only the PARSE_MAL_* slots are used */
	uint64_t fragments;			/**< non-first fragments, forwarded untracked */
	uint64_t non_ip;			/**< non-IP frames bridged */
	uint64_t untracked;			/**< IP packets forwarded under "untracked" */
	/* Flow engine; indexed by profile statistics slot (see snapshot.h). */
	uint64_t flows_created[CFG_MAX_PROFILES];
	uint64_t flows_active[CFG_MAX_PROFILES]; /**< gauge, written by the owner only */
	uint64_t flows_state[CFG_MAX_PROFILES][STATS_FLOW_STATES]; /**< gauge: active by state */
	uint64_t flows_expired[CFG_MAX_PROFILES][STATS_FLOW_STATES];
	uint64_t flows_closed[CFG_MAX_PROFILES]; /**< removed without a timeout (RST seen, flush) */
	uint64_t out_of_window[CFG_MAX_PROFILES]; /**< TCP segments outside the window */
	uint64_t evicted[CFG_MAX_PROFILES][STATS_EVICT_COUNT]; /**< flows evicted, by reason */
	uint64_t rst_sent[STATS_RST_COUNT];
	uint64_t rst_failed;			/**< no mbuf for an RST, or TX refused it */
	uint64_t stray[3];			/**< by enum cfg_stray */
	uint64_t table_full;			/**< new flows refused: table full */
	uint64_t late_buckets[STATS_LATE_BUCKETS + 1];
	uint64_t late_sum_ns;
	uint64_t late_count;
	uint64_t late_max_ns;
	uint64_t events_dropped;		/**< event ring full: the line is lost */
	uint64_t flushed;			/**< flows expired by a flush request */
	uint64_t loops;				/**< worker loop iterations (liveness) */
	uint64_t handoff_packets;		/**< frames handed to the worker owning their flow */
	uint64_t handoff_drops;			/**< ... that found its ring full: dropped */
} __rte_cache_aligned;

/** Add @p n to a counter owned by the calling worker (single writer, readers lock-free). */
#define STATS_ADD(field, n) \
	__atomic_store_n(&(field), (field) + (uint64_t)(n), __ATOMIC_RELAXED)
/** Set a gauge owned by the calling worker. */
#define STATS_SET(field, v) __atomic_store_n(&(field), (uint64_t)(v), __ATOMIC_RELAXED)

/** Name of a drop reason / RST target as used in counter labels. */
const char *stats_drop_name(enum stats_drop d);
const char *stats_rst_name(enum stats_rst_to t);
const char *stats_evict_name(enum stats_evict r);

/** Record one expiry's lateness (ns past its due time) in @p s. Worker only. */
void stats_late_record(struct stats_lcore *s, uint64_t late_ns);

/**
 * Sum @p n per-lcore blocks into @p out (zeroed first). Gauges and counters are summed,
 * late_max_ns takes the maximum. Safe while the workers run.
 */
void stats_sum(struct stats_lcore *out, const struct stats_lcore *const *in, unsigned int n);

#endif /* IDLECUT_STATS_H */
