/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcore: polls its port pairs, forwards each frame to the other port of its pair,
 * tracks flows in its own table, expires them and injects RSTs.
 *
 * Usage (main lcore):
 *	w = worker_create(&shared, lcore, capacity, mp, seed);
 *	worker_add_pair(w, pair_index, port_inside, port_outside) for each pair it owns;
 *	rte_eal_remote_launch(worker_main, w, lcore);
 *	... set shared.stop, rte_eal_mp_wait_lcore(), read w->eng.stats, worker_destroy(w).
 *
 * Thread safety: after launch, a worker's fields are written by its lcore only. The control
 * thread reads w->eng.stats (stats.h rules), publishes snapshots through struct dp_shared, and
 * sets dp_shared.stop; workers check both once per loop, not per packet.
 *
 * Software handoff (several workers on one pair, worker_share_pair()): a frame that reaches
 * a worker not owning its flow stays with that worker, its receiver. The receiver writes a
 * descriptor (struct worker_ho_desc: the flow hash it computed, the port, the length and
 * the frame's first bytes, enough for every header the engine reads) into the channel to
 * the owner (struct worker_ho_chan, single producer / single consumer) and keeps the mbuf
 * in the channel's pending FIFO. The owner runs its engine on the copy as the flow's owner
 * (ENGINE_PKT_OWNED | ENGINE_PKT_HASHED: flows, counters, RSTs and events are its own; the
 * copy is never sent) and writes back one verdict byte per descriptor (forward, drop, how
 * to retag). The receiver takes the verdicts in order and sends the forwarded frames on its
 * own TX queue (retagged there), frees the dropped ones: nothing of the mbuf crosses cores,
 * it is freed into the pool cache it came from, and a flow's frames leave in the order they
 * came. A frame whose headers do not fit in a descriptor (more than WORKER_HO_HDR bytes to
 * the end of its L4 header, or longer than WORKER_HO_WIRE_MAX) goes over as the mbuf itself
 * (an SP/SC rte_ring per ordered pair) and its owner sends it. Full channel or ring: the
 * frame is dropped and counted (handoff_drops), never waited for; handoff_packets counts
 * the others. The lcore loop publishes what it wrote once per loop (worker_handoff_flush())
 * and decides and reaps every loop (worker_poll_handoff()).
 *
 * Shutdown order: set stop, wait for the lcores, then stop the ports, then destroy the
 * workers (frees their tables, any RST mbufs still buffered, and the frames each handed over
 * whose verdicts it had not taken; any order among the workers of a pair).
 */
#ifndef IDLECUT_WORKER_H
#define IDLECUT_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "engine.h"
#include "event.h"
#include "flow.h"
#include "snapshot.h"
#include "stats.h"

#define WORKER_BURST ENGINE_BURST
#define WORKER_MAX_PORTS ENGINE_MAX_PORTS
#define WORKER_EXPIRE_BUDGET 64 /**< flows checked per loop while RX is busy */
#define WORKER_EXPIRE_BUDGET_SPARE 4096 /**< ... when the last loop left RX capacity spare */
#define WORKER_RST_BUF 64
#define WORKER_RST_TRIES 8	/**< loops an RST the TX queue refused is offered again */
#define WORKER_PENDING 1024	/**< expiry events waiting for their RSTs' fate */
#define WORKER_NO_PEND UINT16_MAX
#define WORKER_MAX_SHARE 16	/**< workers sharing one pair */
#define WORKER_HANDOFF_RING 2048 /**< fallback: mbufs in flight from one worker to another */
#define WORKER_HANDOFF_BURST (2 * WORKER_BURST) /**< frames taken from a ring at a time */
#define WORKER_HO_DESCS 1024 /**< descriptors (frames) in flight from one worker to another */
#define WORKER_HO_SLOT 128   /**< bytes of a descriptor: two cache lines */
#define WORKER_HO_HDR 117    /**< frame bytes a descriptor carries */
#define WORKER_HO_HDR_SHORT 54 /**< ... in its first line: Ethernet, IPv4, TCP without options */
#define WORKER_HO_WIRE_MAX 0x3fff /**< longest frame a descriptor describes */
#define WORKER_HO_PI1 0x4000	/**< worker_ho_desc.info: received on engine port 1 */
#define WORKER_HO_LONG 0x8000	/**< worker_ho_desc.info: data goes on in the second line */

/* Verdict bytes (worker_ho_chan.verdict): ENGINE_FORWARD / ENGINE_DROP, and the retag. */
#define WORKER_HO_V_DROP 0x01
#define WORKER_HO_V_TAG_SHIFT 4

/**
 * One frame handed over by its receiver, which keeps the mbuf: what its owner's engine
 * needs to decide it, in two cache lines of which the owner reads the second only when the
 * headers need it (WORKER_HO_LONG): a short one (headers up to WORKER_HO_HDR_SHORT bytes:
 * Ethernet, a tag or none, IPv4, UDP or TCP without options) carries the first 54 bytes of
 * a frame of at least that many, in the first line; a long one up to 117 bytes, so that
 * Ethernet, two tags, IPv6 and a TCP header with timestamps and SACK blocks fit
 * (14 + 8 + 40 + 52 = 114). 64 bytes in all would not even hold a TCP segment with
 * timestamps (66); one line for the commonest headers halves what crosses between cores.
 */
struct worker_ho_desc {
	uint64_t hash; /**< the flow hash the receiver computed */
	uint16_t info; /**< the whole frame's length, WORKER_HO_PI1, WORKER_HO_LONG */
	uint8_t data[WORKER_HO_HDR]; /**< the frame's first bytes */
	uint8_t len;		     /**< long: bytes of the frame in data (short: 54) */
};

/**
 * Receiver R -> owner O (VPP's handoff, with the frame left where it is): R writes
 * descriptors and keeps their mbufs in pending[], in order; O decides each and writes one
 * verdict byte per descriptor; R sends or frees the mbufs in order. One sequence numbers
 * all three arrays (modulo WORKER_HO_DESCS): descriptors [0, prod) written, [0, done)
 * decided, [0, reap) sent or freed; R writes only when prod - reap < WORKER_HO_DESCS, which
 * frees the slot on both sides at once. prod is written by R only, done by O only (each on
 * its own line, release / acquire); R allocates the channel and frees it.
 */
struct worker_ho_chan {
	/* Written by the receiver, read by the owner. */
	uint32_t prod __rte_cache_aligned;
	/* Written by the owner, read by the receiver. */
	uint32_t done __rte_cache_aligned;
	/* The receiver's own. */
	uint32_t head __rte_cache_aligned; /**< written, not yet published in prod */
	uint32_t reap;
	uint8_t pend_pi[WORKER_HO_DESCS]; /**< engine port each pending frame came in on */
	struct rte_mbuf *pending[WORKER_HO_DESCS];
	/* The owner's own. */
	uint32_t taken __rte_cache_aligned; /**< decided, not yet published in done */
	/* Written by the owner, read by the receiver. */
	uint8_t verdict[WORKER_HO_DESCS] __rte_cache_aligned;
	/* Written by the receiver, read by the owner. */
	struct worker_ho_desc desc[WORKER_HO_DESCS] __rte_cache_aligned;
};

/** An expiry event held until each of its RSTs was taken by a port or given up. */
struct worker_pending {
	struct flow_event ev; /**< ev.rsts counts the RSTs a port took */
	uint16_t outstanding; /**< RSTs not yet resolved */
};

struct worker;

/**
 * Takes @p n frames the worker handed over and their owner forwarded, for engine port
 * @p port (worker_set_handoff_sink()): they are the callee's.
 */
typedef void (*worker_ho_sink_fn)(void *arg, unsigned int port, struct rte_mbuf **m,
				  uint16_t n);

/** State shared by the control thread and all workers. */
struct dp_shared {
	struct dp_snapshot *snap; /**< RCU-protected; written by control (atomic store) */
	struct rte_rcu_qsbr *qsbr; /**< one thread id per worker */
	uint64_t tsc0;		   /**< TSC at tick 0 (written before launch) */
	uint64_t tsc_per_ms;	   /**< (written before launch) */
	uint64_t tsc_hz;
	bool stop;		   /**< written by control (atomic store) */
	bool idle_sleep;	   /**< back off when idle (not in benchmarks) */
	bool events_on;		   /**< enqueue flow events (written before launch) */
	/* Requests from the control thread: it writes the arguments, then bumps the seq. */
	uint32_t flush_seq;	    /**< a new flush request */
	uint64_t flush_mask;	    /**< profiles (bit per index) to expire now */
	uint64_t flush_silent_mask; /**< of those, the ones to expire without RSTs */
	uint32_t dump_seq;	    /**< a new dump request */
	uint32_t dump_max;	    /**< flows to copy, <= FLOW_DUMP_MAX */
};

/*
 * A worker is I/O around an engine (engine.h): it polls its queues, hands the frames to its
 * engine, transmits what the engine forwards and the RSTs it asks for, hands the engine's
 * events to the control thread and serves the control thread's requests.
 */
struct worker {
	unsigned int lcore;
	unsigned int qsbr_id;
	struct dp_shared *shared;
	struct rte_mempool *mp;	    /**< RX pool */
	struct rte_mempool *rst_mp; /**< RSTs' own pool (a full RX pool cannot starve them) */
	uint16_t port_id[WORKER_MAX_PORTS]; /**< ethdev port of each engine port */
	uint16_t queue[WORKER_MAX_PORTS];   /**< its RX and TX queue on that port */
	/* Software handoff (when several workers share a pair), by the other's index in the
	 * pair, NULL for itself: descriptor channels to and from each of them, and SP/SC
	 * rings of mbufs for the frames whose headers a descriptor cannot hold. */
	unsigned int n_share;
	uint32_t ho_dirty; /**< bit per owner: descriptors written, prod not yet published */
	struct worker_ho_chan *hc_out[WORKER_MAX_SHARE];
	struct worker_ho_chan *hc_in[WORKER_MAX_SHARE];
	struct rte_ring *ho_out[WORKER_MAX_SHARE];
	struct rte_ring *ho_in[WORKER_MAX_SHARE];
	worker_ho_sink_fn ho_sink; /**< NULL: handed frames forwarded leave on the TX queue */
	void *ho_sink_arg;
	/* Frames of this loop for other workers, by owner at flush (worker_handoff_flush) */
	uint16_t ho_n;
	uint8_t ho_owner[WORKER_HANDOFF_BURST];
	struct rte_mbuf *ho_stage[WORKER_HANDOFF_BURST];
	unsigned int expire_budget; /**< flows worker_tick may check; 0: WORKER_EXPIRE_BUDGET */
	uint64_t now_tsc;
	/* RSTs waiting for transmission, per engine port: whom each is for, its tries so
	 * far, the pending event it belongs to */
	uint16_t rst_n[WORKER_MAX_PORTS];
	struct rte_mbuf *rst_buf[WORKER_MAX_PORTS][WORKER_RST_BUF];
	uint8_t rst_to[WORKER_MAX_PORTS][WORKER_RST_BUF];
	uint8_t rst_tries[WORKER_MAX_PORTS][WORKER_RST_BUF];
	uint16_t rst_pend[WORKER_MAX_PORTS][WORKER_RST_BUF];
	/* Expiry events in order, each handed to the control thread once its RSTs are
	 * resolved: a FIFO of WORKER_PENDING slots, [pend_head, pend_tail) modulo. */
	uint32_t pend_head;
	uint32_t pend_tail;
	struct worker_pending pend[WORKER_PENDING];
	struct rte_ring *events; /**< SP/SC ring of struct flow_event to the control thread */
	/* Flush in progress: walks the table in bounded steps. */
	uint32_t flush_seen;	 /**< last flush_seq taken */
	uint32_t flush_done;	 /**< last flush_seq completed (read by control) */
	uint32_t flush_cursor;
	uint64_t flush_mask;
	uint64_t flush_silent_mask;
	/* Dump in progress. */
	uint32_t dump_seen;
	uint32_t dump_done; /**< last dump_seq completed: dump[] is valid (read by control) */
	uint32_t dump_cursor;
	uint32_t dump_scanned;
	uint32_t dump_n;
	struct flow_dump dump[FLOW_DUMP_MAX];
	struct engine eng; /**< the flow engine: table, counters (eng.stats), decisions */
} __rte_cache_aligned;

#define WORKER_EVENT_RING 8192
#define WORKER_FLUSH_STEP 4096 /**< table entries a flush examines per loop */
#define WORKER_DUMP_STEP 65536 /**< table entries a dump examines per loop */

/** Poll and send on queue @p queue of pair @p pair's ports (default 0). */
void worker_set_queue(struct worker *w, uint8_t pair, uint16_t queue);

/**
 * Let the @p n workers @p ws share pair @p pair (each has added it, each on its own queue):
 * a flow belongs to one of them by its hash, and frames that reach another are handed over
 * through lock-free single-producer/single-consumer channels (VPP's handoff, with the frame
 * kept by its receiver: see the top of this file). With
 * @p steer_sw the hash decides for every tracked frame (steering: software, or ports whose
 * queue choice is not known to be symmetric); else the port's choice is trusted, but QinQ.
 *
 * @return 0, or -ENOMEM / -EINVAL (n > WORKER_MAX_SHARE) with nothing changed.
 */
int worker_share_pair(struct worker **ws, unsigned int n, uint8_t pair, bool steer_sw);

/**
 * Give the frames @p w handed over and their owners forwarded to @p fn instead of its TX
 * queues (NULL: back to the TX queues). For the benchmark, whose generator takes back every
 * forwarded frame instead of transmitting it, handed over or not. Before launch.
 */
void worker_set_handoff_sink(struct worker *w, worker_ho_sink_fn fn, void *arg);

/** Take RST mbufs from @p mp (a pool of their own; default: the RX pool). */
void worker_set_rst_pool(struct worker *w, struct rte_mempool *mp);

/**
 * Create a worker with a flow table of @p capacity flows.
 *
 * @return the worker, or NULL with rte_errno set (ENOMEM, EINVAL).
 */
struct worker *worker_create(struct dp_shared *shared, unsigned int lcore, unsigned int qsbr_id,
			     uint32_t capacity, struct rte_mempool *mp, uint64_t seed);

/**
 * Give pair @p pair (ports @p inside and @p outside, access VLANs from the scenario) to @p w.
 *
 * @return 0, or -ENOSPC when the worker has no room for two more ports.
 */
int worker_add_pair(struct worker *w, uint8_t pair, uint16_t inside, uint16_t outside,
		    uint16_t vlan_inside, uint16_t vlan_outside);

/** The lcore function (rte_lcore_function_t): runs until shared->stop. */
int worker_main(void *arg);

/**
 * Process one received burst from engine port @p pi (exposed for the benchmark and tests,
 * which drive the dataplane without an RX queue): the engine decides, forwarded mbufs are
 * written to @p out (returns their count), dropped ones are freed, RSTs are built and
 * queued on w->rst_buf.
 */
uint16_t worker_process_burst(struct worker *w, unsigned int pi, struct rte_mbuf **pkts,
			      uint16_t n, struct rte_mbuf **out);

/**
 * worker_process_burst(), but the frames for other workers stay staged (up to
 * WORKER_HANDOFF_BURST, then handed over) until worker_handoff_flush(): what the lcore loop
 * does, so that the bursts of both ports of a loop go to an owner in one ring operation.
 */
uint16_t worker_process_burst_staged(struct worker *w, unsigned int pi, struct rte_mbuf **pkts,
				     uint16_t n, struct rte_mbuf **out);

/** Hand over the frames worker_process_burst_staged() left staged (publish the descriptors
 * written, enqueue the mbufs of the fallback). */
void worker_handoff_flush(struct worker *w);

/**
 * The handoff's work for one loop (each loop does this; exposed for the benchmark and
 * tests): decide the descriptors and take the mbufs the other workers of its pair handed
 * over, as their flows' owner, and take the verdicts on the frames this worker handed over,
 * sending or freeing those frames.
 *
 * @return the frames decided, taken or sent/freed (0: nothing to do).
 */
unsigned int worker_poll_handoff(struct worker *w);

/**
 * Set the worker's clock to TSC value @p tsc and run expiry once (what each loop does
 * besides polling). Tests pass a made-up TSC to drive time deterministically.
 */
void worker_tick(struct worker *w, uint64_t tsc);

/**
 * Send queued RSTs (each loop does this). rst_sent{to} and each expiry event's rsts count
 * what the port took; what it refused is offered again on the next loops, WORKER_RST_TRIES
 * times, then counted in rst_failed.
 */
void worker_flush_rst(struct worker *w);

/**
 * Serve the control thread's flush and dump requests, a bounded step at a time (each loop
 * does this; exposed for tests).
 */
void worker_requests(struct worker *w);

/** Free the worker, its table and queued RSTs (after its lcore has returned). */
void worker_destroy(struct worker *w);

#endif /* IDLECUT_WORKER_H */
