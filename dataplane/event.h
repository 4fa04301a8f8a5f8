/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow events and flow dumps: what a worker hands to the control thread.
 *
 * Events: one struct flow_event per flow that expired (timeout or flush), enqueued by the
 * worker on its own single-producer/single-consumer ring (worker.events) when the control
 * thread asked for them (dp_shared.events_on). A full ring never makes the worker wait:
 * the event is counted in stats.events_dropped and lost.
 *
 * Dumps: on request (dp_shared.dump_seq), a worker copies up to dp_shared.dump_max of its
 * flows into worker.dump[] at a loop boundary and then publishes worker.dump_done.
 *
 * Thread safety: an event is written by its worker and read by the control thread after
 * the ring's release/acquire; a dump is read only after dump_done (acquire).
 */
#ifndef IDLECUT_EVENT_H
#define IDLECUT_EVENT_H

#include <stdint.h>

#include "flow.h"

enum flow_event_reason {
	FLOW_EV_TIMEOUT, /**< idle timeout */
	FLOW_EV_FLUSH,	 /**< timeline "flush" or a profile removed by a reload */
	FLOW_EV_EVICT_EARLY,  /**< evicted for a new flow in a full table (early-drop) */
	FLOW_EV_EVICT_REAPER, /**< evicted by the reaper above its high-water mark */
};

/** No on_timeout action applied: a silent flush, or not a live TCP connection (UDP, ICMP,
 * other, TCP in TIME_WAIT or CLOSED), which always expires silently. */
#define FLOW_EV_NO_ACTION 0xff

struct flow_event {
	uint64_t tsc;	     /**< when it expired */
	struct flow_key key; /**< 44 bytes */
	uint32_t idle_ms;    /**< how long it had been idle */
	uint16_t flags;	     /**< FLOW_F_* (client endpoint, client side, tags) */
	uint8_t state;	     /**< enum flow_state when it expired */
	uint8_t profile;     /**< statistics slot */
	uint8_t action;	     /**< enum cfg_on_timeout applied, or FLOW_EV_NO_ACTION */
	uint8_t rsts;	     /**< RSTs sent */
	uint8_t reason;	     /**< enum flow_event_reason */
	uint8_t pad;
};

#define FLOW_DUMP_MAX 256

struct flow_dump {
	struct flow_key key;
	uint16_t flags;
	uint8_t state;
	uint8_t profile;
	uint32_t idle_ms;
	uint32_t left_ms; /**< until its timeout; UINT32_MAX: indefinite */
	uint32_t packets;
};

#endif /* IDLECUT_EVENT_H */
