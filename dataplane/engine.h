/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow engine: every decision of the packet path, without I/O.
 *
 * Given frames (data pointer and length), the engine port each came in on and the time, it
 * parses, classifies, looks up, tracks and decides: forward or drop, answer a stray with an
 * RST, adopt a flow. Expiry (engine_tick) and flushes decide the same way. What must be sent
 * (RSTs) and told (flow events) is written into the engine's output context, which the
 * caller drains. The engine never receives, transmits or allocates a packet buffer, calls no
 * rte_eth_* and assumes no lcore: the worker (worker.c), the replay tool, the benchmark, the
 * tests and the fuzzer all run this same code, each with its own I/O.
 *
 * Usage:
 *	struct engine *e = <caller memory, zeroed>;
 *	engine_init(e, capacity, seed, now_tick);          // maps and pre-faults the flow table
 *	p = engine_add_pair(e, pair, vlan_in, vlan_out, mac_in, mac_out);  // ports p, p + 1
 *	each loop:
 *		e->snap = snapshot;                          // immutable (RCU); a new one, or
 *		                                             // the same rebuilt with another
 *		                                             // generation, is noticed
 *		engine_clock(e, tick, frac_ns, stamp);       // once per loop, never per packet
 *		while (engine_tick(e, &budget)) drain(e);    // expiry, bounded by budget
 *		for each received burst on port p:
 *			pk[i].data = ..., pk[i].len = ...;
 *			engine_burst(e, p, pk, n);           // sets pk[i].verdict
 *			forward (ENGINE_FORWARD) or free (ENGINE_DROP) each frame;
 *		drain(e): e->out.rst[0 .. n_rst) -> rst_build() + send on rst[i].port,
 *			  e->out.ev[0 .. n_ev) -> wherever events go; then engine_out_clear(e).
 *	engine_fini(e) once nobody uses it.
 *
 * Honest counts: the engine writes each expiry's event with rsts = 0 and links each of its
 * RSTs to it (engine_rst.ev); the caller counts an RST in rst_sent{to} and in its event's
 * rsts only once a port took it, and in rst_failed otherwise (SPEC §6).
 *
 * Output: one burst writes at most ENGINE_BURST_RST RSTs and ENGINE_BURST events (early-drop
 * evictions), so a caller that drains after every burst and every engine_tick() call never
 * overflows the context; engine_tick() and engine_flush_step() stop early rather than
 * overflow it.
 *
 * Time: ticks are uint32 milliseconds compared modulo 2^32 (flow.h); frac_ns is the part
 * of the current millisecond already gone (for lateness figures only); stamp is an opaque
 * 64-bit time copied into each event (the worker's TSC, the replay's capture time in ns).
 *
 * Thread safety: an engine belongs to one thread at a time; nothing in it is shared. The
 * snapshot it reads is immutable. The stats block follows stats.h (one writer: the
 * engine's thread; any reader).
 *
 * Shutdown: stop calling it, drain the output, engine_fini().
 */
#ifndef IDLECUT_ENGINE_H
#define IDLECUT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "flow.h"
#include "rst.h"
#include "snapshot.h"
#include "stats.h"

#define ENGINE_BURST 32		  /**< most frames per engine_burst() */
#define ENGINE_MAX_PORTS STATS_MAX_PORTS
#define ENGINE_EXPIRE_BATCH 64	  /**< flows expired per wheel call */
#define ENGINE_RST_PER_FLOW 4	  /**< RSTs one expiry may write (2 candidates x 2 ends) */
#define ENGINE_BURST_RST ENGINE_BURST /**< RSTs one burst may write (one per stray) */
#define ENGINE_RST_MAX 512
#define ENGINE_EV_MAX 256
#define ENGINE_PREFETCH_ENTRY_MIN (384u * 1024) /**< flows in the table to prefetch entries */
/*
 * ... on a pair whose frames are handed between workers (steering: software): from where a
 * worker's entries outgrow its L2 (16K x 96 bytes = 1.5 MiB), as the lines crossing cores
 * make every miss of the table costlier (README "What limits it").
 */
#define ENGINE_PREFETCH_ENTRY_MIN_SW (16u * 1024)
#define ENGINE_PREFETCH_AHEAD 8 /**< packets between an entry's prefetch and its use */

/** What to do with a frame. */
enum engine_verdict {
	ENGINE_FORWARD = 0, /**< send it out of the other port of its pair */
	ENGINE_DROP = 1,    /**< free it (already counted under its reason) */
	ENGINE_HANDOFF = 2, /**< another worker owns its flow: hand it to engine_pkt.owner */
};

/** What happened to a frame (engine_pkt.what), for callers that report per packet. */
enum engine_what {
	ENGINE_W_KNOWN,	    /**< a packet of a tracked flow */
	ENGINE_W_NEW,	    /**< it created a flow */
	ENGINE_W_RESTART,   /**< a new connection replaced the flow (port reuse) */
	ENGINE_W_CLOSED,    /**< it ended its flow (loose_close) */
	ENGINE_W_ADOPTED,   /**< a stray that created a flow (adopt) */
	ENGINE_W_STRAY_DROP, /**< a stray, dropped */
	ENGINE_W_STRAY_RST, /**< a stray, dropped and answered with an RST */
	ENGINE_W_UNTRACKED, /**< its profile does not track it */
	ENGINE_W_TABLE_FULL, /**< no room for its new flow */
	ENGINE_W_NOT_FLOW,  /**< non-IP, fragment or neighbour discovery: bridged */
	ENGINE_W_MALFORMED, /**< malformed (dropped or not by its profile's policy) */
	ENGINE_W_OUT_OF_WINDOW, /**< a TCP segment outside the window: flow unchanged */
};

/** engine_pkt.retag (out): how a forwarded frame must leave the other port (SPEC §3). */
enum engine_retag {
	ENGINE_TAG_KEEP = 0, /**< as it came */
	ENGINE_TAG_PUSH,     /**< add an 802.1Q tag with the receiving port's access VLAN
			      *   (access side to trunk side) */
	ENGINE_TAG_POP,	     /**< remove the outer tag (trunk side to access side) */
};

/** engine_pkt.flags (in). */
#define ENGINE_PKT_ADOPT (1u << 0) /**< a stray TCP segment is adopted whatever the profile
				     *   says (the replay's connections open before capture) */
#define ENGINE_PKT_OWNED (1u << 1) /**< handed over by another worker: this one owns it */
#define ENGINE_PKT_HASHED (1u << 2) /**< engine_pkt.hash is the flow hash of its key (what
				      *   ENGINE_HANDOFF gave): not computed again */
#define ENGINE_PKT_PARSED (1u << 3) /**< the caller parsed the frame already (the replay, to
				      *   know its direction): engine_pkt.parsed and parsed_st are
				      *   what parse_frame_wire() gave for it; not parsed again */
#define ENGINE_PKT_KEYED (1u << 4) /**< with ENGINE_PKT_PARSED: parsed is the pi of a struct
				     *   engine_parsed whose key and hash are used, not built */
#define ENGINE_PKT_PREFETCHED (1u << 5) /**< with ENGINE_PKT_KEYED: the caller prefetched
					  *   each frame's bucket and entry (the replay's ring, a
					  *   burst ahead): not again */
#define ENGINE_PKT_PEER (1u << 6) /**< engine_burst_mixed(), per frame: it came in on the
				    *   peer of the call's port (else on that port) */

/** One received frame, as the caller hands it to engine_burst(). */
struct engine_pkt {
	const uint8_t *data; /**< first byte of the Ethernet header */
	uint32_t len;	     /**< bytes at data */
	uint32_t wire_len;   /**< the whole frame (mbuf chain) when longer than len; else 0 */
	uint8_t flags;	     /**< in: ENGINE_PKT_* */
	uint8_t verdict;     /**< out: enum engine_verdict */
	uint8_t what;	     /**< out: enum engine_what */
	uint8_t retag;	     /**< out: enum engine_retag, when forwarded */
	uint8_t owner;	     /**< out: with ENGINE_HANDOFF, the owner's index in the pair */
	uint8_t parsed_st;   /**< in, with ENGINE_PKT_PARSED: enum parse_status */
	uint16_t hdr_len;    /**< out: with ENGINE_HANDOFF, bytes from data to the end of its
			      *   L4 header: all the owner's engine reads of it */
	union {
		uint64_t hash; /**< out: with ENGINE_HANDOFF, its flow hash; in: with
				*   ENGINE_PKT_HASHED */
		const struct parse_info *parsed; /**< in, with ENGINE_PKT_PARSED (read before
						  *   any ENGINE_HANDOFF writes hash) */
	};
};

/**
 * A caller's parse of a frame with its flow key (ENGINE_PKT_PARSED | ENGINE_PKT_KEYED: the
 * replay, which keys every record anyway). For a frame the engine tracks (PARSE_IP, not
 * neighbour discovery) key must be the one it would build on the burst's port (that port's
 * pair; for an untagged frame its access VLAN) and hash flow_hash() of key in this engine's
 * table: both are taken as they are. Not for a pair shared by several workers.
 */
struct engine_parsed {
	struct parse_info pi; /**< first: engine_pkt.parsed points here */
	struct flow_key key;  /**< flow_key_make() of pi, for a frame of a tracked protocol */
	uint64_t hash;
	uint8_t from; /**< what flow_key_make() returned */
};

/** One side of a port pair, as the engine knows it. */
struct engine_port {
	uint16_t peer;	      /**< engine port of the other side */
	uint8_t pair;	      /**< pair index in the scenario */
	uint8_t side;	      /**< enum cfg_side */
	uint16_t access_vlan; /**< 0 = none */
	uint16_t stat;	      /**< index into the per-port counters */
	uint8_t mac[6];	      /**< the port's own MAC (zero if the PMD has none) */
	uint8_t n_share;      /**< workers sharing this pair (1: this one alone) */
	uint8_t share_idx;    /**< this worker's index among them */
	uint8_t steer_sw;     /**< the port's steering is not trusted: the flow hash decides
			       *   the owner of every tracked packet (else only QinQ's) */
	uint32_t max_frame;   /**< longest frame the pair's MTU allows, tags included
			       *   (UINT32_MAX: any): longer ones are dropped as drops{oversize} */
};

/**
 * Which of @p n workers sharing a pair owns the flow of @p hash (flow_hash() with the seed
 * all of them share): its bits 32-47, which neither the bucket (0-31) nor the signature
 * (48-63) use, scaled to n.
 */
static inline unsigned int
engine_owner(uint64_t hash, unsigned int n)
{
	return (unsigned int)((((hash >> 32) & 0xffff) * n) >> 16);
}

#define ENGINE_NO_EV UINT16_MAX

/** An RST to send: build it with rst_build() and send it out of engine port @c port. */
struct engine_rst {
	struct rst_params p;
	uint8_t port; /**< engine port to send it on */
	uint8_t to;   /**< enum stats_rst_to, for rst_sent{to} once the port took it */
	uint16_t ev;  /**< index in out.ev of the expiry it belongs to, or ENGINE_NO_EV */
};

/** What the engine asks its caller to do; drained and cleared by the caller. */
struct engine_out {
	uint16_t n_rst;
	uint16_t n_ev;
	struct engine_rst rst[ENGINE_RST_MAX];
	struct flow_event ev[ENGINE_EV_MAX];
};

struct engine {
	/* --- read on every packet --- */
	struct flow_table *ft;
	const struct dp_snapshot *snap; /**< set by the caller before each loop */
	uint32_t now;			/**< tick of the current loop */
	uint32_t frac_ns;		/**< ns of the current tick already gone */
	uint64_t stamp;			/**< caller's time, copied into events */
	bool events_on;			/**< write flow events to out.ev */
	/*
	 * A segment of an established flow re-arms it only while rearm_check holds: from a
	 * snapshot changing an established timeout until the wheel has examined every flow
	 * armed before (engine_burst()). Otherwise its due is already at or before its last
	 * packet's tick + that timeout, and so before this one's.
	 */
	bool rearm_check;
	uint32_t rearm_until;		 /**< the last tick such a flow can be due at */
	const struct dp_snapshot *snap_seen; /**< the snapshot est_tmo was taken from */
	uint64_t snap_gen;		 /**< and its generation (a snapshot rebuilt in place) */
	uint32_t pf_entry_min; /**< flows in the table to prefetch entries ahead (stage 3) */
	unsigned int n_ports;
	struct engine_port ports[ENGINE_MAX_PORTS];
	struct stats_lcore stats;
	/* --- the reaper (flow_table.reaper): a sweep of the table while above its high mark */
	bool reaping;
	uint8_t reap_pass;    /**< 0: embryonic flows, 1..3: idle >= timeout/2, /4, /8, 4: any */
	uint32_t reap_cursor; /**< next entry the sweep examines */
	/* --- snap_seen's established timeouts (ticks), to tell what a new snapshot changed */
	uint32_t est_tmo[CFG_MAX_PROFILES];
	/* --- expiry scratch --- */
	uint32_t expired[ENGINE_EXPIRE_BATCH];
	uint32_t expired_due[ENGINE_EXPIRE_BATCH];
	struct engine_out out;
};

/**
 * Set up @p e (caller memory, zeroed) with a flow table of @p capacity flows.
 *
 * @param seed  flow hash seed: random per process (workers of one process share it, so a
 *              flow hashes the same in every table).
 * @param now   the first tick.
 * @return 0, or -EINVAL / -ENOMEM.
 */
int engine_init(struct engine *e, uint32_t capacity, uint64_t seed, uint32_t now);

/** Release the flow table. The struct itself is the caller's. */
void engine_fini(struct engine *e);

/**
 * Add pair @p pair. Its inside port becomes engine port N (returned), its outside N + 1.
 * A side with an access VLAN (non-zero) takes its untagged frames as that VLAN's and sends
 * them untagged; a side without one is a trunk: frames keep their tags. Forwarded frames
 * and RSTs leave each side the way that side's frames arrive (engine_pkt.retag).
 *
 * @param mac_in, mac_out  the ports' MACs (6 bytes each; NULL: none).
 * @return N, or -ENOSPC.
 */
int engine_add_pair(struct engine *e, uint8_t pair, uint16_t vlan_inside,
		    uint16_t vlan_outside, const uint8_t *mac_in, const uint8_t *mac_out);

/**
 * Share pair @p pair with other workers: @p n of them, this one at index @p idx; with
 * @p steer_sw the flow hash decides every packet's owner (steering: software, or ports
 * whose queue choice is not symmetric), else the port's choice is trusted but for QinQ
 * frames, which NICs hash differently.
 */
void engine_share_pair(struct engine *e, uint8_t pair, unsigned int n, unsigned int idx,
		       bool steer_sw);

/** Set the MTU of pair @p pair (frames up to MTU + Ethernet header + two tags pass). */
void engine_set_mtu(struct engine *e, uint8_t pair, uint16_t mtu);

/** Set the time for what follows: once per loop. */
static inline void
engine_clock(struct engine *e, uint32_t tick, uint32_t frac_ns, uint64_t stamp)
{
	e->now = tick;
	e->frac_ns = frac_ns;
	e->stamp = stamp;
}

/**
 * Decide @p n (<= ENGINE_BURST) frames received on engine port @p port: each gets its
 * verdict; counters, flows and the output context are updated. A burst is either all
 * received here or all handed over (ENGINE_PKT_OWNED): those are not counted as received
 * again. ENGINE_PKT_OWNED, ENGINE_PKT_HASHED, ENGINE_PKT_PARSED and ENGINE_PKT_KEYED hold for
 * the whole burst (the first frame's are used); ENGINE_PKT_ADOPT is per frame.
 *
 * @return how many frames need more than forwarding as they are (a verdict other than
 *         ENGINE_FORWARD, or a retag): 0 lets the caller send the burst as it came.
 */
unsigned int engine_burst(struct engine *e, unsigned int port, struct engine_pkt *pk,
			  unsigned int n);

/**
 * engine_burst() for frames of both ports of a pair, in the order they came: a frame with
 * ENGINE_PKT_PEER came in on the peer of engine port @p port, the others on @p port (the
 * replay, whose records alternate direction: one burst, not one a record). Per-flow order
 * is the frames' order, as in separate bursts.
 */
unsigned int engine_burst_mixed(struct engine *e, unsigned int port, struct engine_pkt *pk,
				unsigned int n);

/**
 * Run expiry up to the current tick, checking at most *@p budget flows (decreased by the
 * work done). Expired flows get their profile's action (RSTs, event) and are removed.
 *
 * @return true if it stopped because the output context is nearly full and there may be
 *         more to do: drain the output and call again.
 */
bool engine_tick(struct engine *e, unsigned int *budget);

#define ENGINE_REAP_STEP 4096 /**< table entries the reaper examines per engine_tick() */
#define ENGINE_EARLY_DROP_BUCKETS 2 /**< buckets early-drop looks in: home and the next */

/**
 * Expire, now, every flow whose profile bit is set in @p mask (bit = profile index),
 * silently for the profiles in @p silent, walking table entries [*cursor, *cursor + step).
 * Call until it returns true (the walk reached the end); drain between calls.
 */
bool engine_flush_step(struct engine *e, uint64_t mask, uint64_t silent, uint32_t *cursor,
		       uint32_t step);

/**
 * Copy flows into @p out (at most @p max in all; *@p n so far), examining at most @p step
 * entries from *@p cursor (wrapping), *@p scanned counting entries examined in all.
 *
 * @return true when done (all entries examined, or @p max copied).
 */
bool engine_dump_step(const struct engine *e, struct flow_dump *out, uint32_t max,
		      uint32_t *n, uint32_t *cursor, uint32_t *scanned, uint32_t step);

/** Whether nothing is due this tick and the wheel has caught up (the caller may nap). */
static inline bool
engine_idle(const struct engine *e)
{
	return flow_timer_idle(e->ft, e->now);
}

/** Room left in the output context for RSTs. */
static inline unsigned int
engine_rst_room(const struct engine *e)
{
	return ENGINE_RST_MAX - e->out.n_rst;
}

/** Empty the output context (after the caller has drained it). */
static inline void
engine_out_clear(struct engine *e)
{
	e->out.n_rst = 0;
	e->out.n_ev = 0;
}

/** A flow's current timeout in ticks (FLOW_TMO_NEVER: indefinite). */
static inline uint32_t
engine_tmo(const struct flow *f, const struct dp_snapshot *s)
{
	return s->tmo_ticks[f->profile][flow_tmo_class(f)];
}

/** engine_tmo() as the wheel's callback (flow_tmo_fn; @p snap is the snapshot). */
uint32_t engine_flow_tmo(const struct flow *f, const void *snap);

#endif /* IDLECUT_ENGINE_H */
