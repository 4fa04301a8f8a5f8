/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay core: a capture's records through one flow engine (dataplane/engine.h) per
 * scenario, in the capture's own time, and what each engine did to each flow.
 *
 * Usage:
 *	struct rp_run *run = rp_create(linktype, time_scale, err, errlen);
 *	rp_add_scenario(run, label, path, &scn, dumper_or_NULL, err, errlen);  // per scenario
 *	for each record: if (rp_packet(run, &pkt, err, errlen) < 0) stop;      // cap_next()
 *		(or rp_packets() on up to RP_AHEAD records at a time)
 *	if (rp_finish(run, err, errlen) < 0) stop;  // the records still waiting, and what is
 *	                                            // batched; time does not move on
 *	report from run->... (report.h), then rp_destroy(run).
 *
 * Clock: tick = milliseconds since the first record, rounded up (so a cut, at a whole tick,
 * never comes before the last packet + timeout). Before the records of a new
 * tick, every engine's clock steps from its last one through each tick at which something
 * may happen (the next one; then each whose wheel slot holds a flow, flow_timer_next();
 * every tick while the reaper sweeps; the timeline's events), running expiry (with a
 * budget no expiry can exhaust) and draining its output at each, so a flow is cut exactly
 * at its last packet + timeout (1 ms resolution) and its RSTs carry that time. Records of
 * one tick go to the engines as one burst in capture order, whatever their direction
 * (engine_burst_mixed). After the last record time stops: a flow idle
 * when the capture ends is not cut.
 *
 * Direction: the capture is one port pair seen at one point. A flow's client is the
 * sender of its SYN (the receiver of a SYN+ACK); its frames enter engine port 0 (inside),
 * the others port 1. A TCP flow whose first record is not a SYN was open before the
 * capture: it is adopted (ENGINE_PKT_ADOPT, whatever the profile says) and its client is
 * the endpoint with the higher port (the ephemeral one), the sender on a tie. After a cut,
 * later records of the flow get what the profile gives strays; they are not adopted.
 * Untagged frames take the access VLAN of the scenario's first pair; other pairs and the
 * ports' devices are ignored.
 *
 * Timeline: a scenario's events run at their offsets (scaled) from the first record, at
 * their tick: "set" rebuilds the engine's snapshot (new timeouts apply from each flow's
 * next packet, as in idlecut), "flush" expires the flows with their profile's action; the
 * flushed live flows are reported as cuts with reason "flush".
 *
 * Thread safety: a run belongs to one thread.
 *
 * Shutdown: rp_finish(), report, close the --out dumpers' files (the caller's), then
 * rp_destroy() (engines, flow tables, scenarios).
 */
#ifndef IDLECUT_REPLAY_H
#define IDLECUT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "config.h"
#include "engine.h"
#include "flow.h"
#include "parse.h"

#define RP_MAX_SCENARIOS 16
#define RP_NONE UINT32_MAX
/** Longest capture span: ticks are compared modulo 2^32 ms, timeouts are below 2^31. */
#define RP_SPAN_MAX_MS ((uint64_t)INT32_MAX)
/** Fates of a flow's records after a cut, by enum engine_what. */
#define RP_WHAT_COUNT (ENGINE_W_OUT_OF_WINDOW + 1)

/** rp_flow.flags */
#define RP_F_ADOPTED (1u << 0)	     /**< open before the capture began */
#define RP_F_ADOPT_PENDING (1u << 1) /**< adopted, the engines have not seen a non-RST yet */
#define RP_F_CUT (1u << 2) /**< some scenario has cut it (rp_scenario.open_cut may be set) */

/**
 * What the replay knows of one flow (a 5-tuple with its VLANs), whatever the scenarios:
 * one cache line (the array is page-aligned), read at random once per record.
 */
struct rp_flow {
	struct flow_key key; /**< normalised as the engine's */
	uint32_t hash;	     /**< the index's (key_hash()) */
	uint8_t client;	     /**< endpoint index (in key) of the client */
	uint8_t flags;	     /**< RP_F_* */
	uint16_t pad;
	uint64_t last_ns; /**< capture time of its latest record */
};

/** One RST injected at a cut. */
struct rp_rst {
	uint32_t seq;
	uint32_t ack;
	uint8_t to;	   /**< enum stats_rst_to */
	uint8_t tcp_flags; /**< PARSE_TCP_RST [| PARSE_TCP_ACK] */
};

/** One cut: a flow expired by its idle timeout while live. */
struct rp_cut {
	struct flow_key key; /**< the engine's key of the flow */
	uint32_t flow;	     /**< index in rp_run.flows */
	uint8_t client;	     /**< endpoint index of the client (the replay's, rp_flow.client) */
	uint8_t state;	     /**< enum flow_state when cut */
	uint8_t profile;     /**< profile index in the scenario */
	uint8_t action;	     /**< enum cfg_on_timeout, or FLOW_EV_NO_ACTION (not TCP) */
	uint8_t n_rst;
	uint8_t reason; /**< enum flow_event_reason: timeout, or a timeline flush */
	uint32_t idle_ms;
	uint64_t last_ns; /**< its last record before the cut */
	uint64_t cut_ns;  /**< when the cut happens */
	struct rp_rst rst[ENGINE_RST_PER_FLOW];
	/* What the flow's later records got (until one starts a new flow). */
	uint64_t after;			    /**< records after the cut */
	uint64_t after_what[RP_WHAT_COUNT]; /**< by enum engine_what */
	uint64_t after_first_ns;
	uint8_t after_first; /**< enum engine_what of the first, if after > 0 */
	bool after_done;     /**< a record started a new flow: later ones are its own */
};

struct rp_scenario {
	char label[CFG_NAME_MAX + 16]; /**< the scenario's name, unique within the run */
	char path[512];
	struct cfg_scenario *scn; /**< owned */
	struct dp_snapshot *snap; /**< owned */
	struct engine *e;	  /**< owned */
	pcap_dumper_t *out;	  /**< --out file, or NULL; closed by the caller */
	struct rp_cut *cuts;
	uint32_t n_cuts, cap_cuts;
	uint64_t ended;	      /**< expiries of connections already closed (TIME_WAIT, CLOSED) */
	uint64_t evicted;     /**< flows evicted by a full table (early-drop, reaper) */
	uint64_t out_packets; /**< capture records written to out */
	uint64_t out_rsts;    /**< injected RSTs written to out */
	uint64_t out_failed;  /**< RSTs that could not be written in the link type */
	uint64_t rsts[STATS_RST_COUNT]; /**< RSTs the engine asked for, by enum stats_rst_to */
	uint32_t *open_cut;	  /**< per flow: its latest cut not yet followed by a new flow */
	uint16_t next_event;	  /**< the scenario's next timeline event */
	uint32_t timeline_errors; /**< "set" events whose scaled duration is out of range */
};

/** Most records per rp_packets() call. */
#define RP_AHEAD 16
/*
 * Records of a mapped file (data_stays) go through a ring in three stages: prepared (frame,
 * parse, key, hashes; the index slot and the engines' buckets prefetched), RP_LAG_FLOW
 * records later their flow record and the engines' entries prefetched, RP_LAG records later
 * committed in capture order. Each stage's lines arrive while other records are worked on.
 * A record stays in the ring while its burst waits for the engines (RP_RING: the records
 * being prepared and at most a burst besides).
 */
#define RP_LAG 16
#define RP_LAG_FLOW 8
#define RP_RING 64

/** A record in the ring, between rp_packets()' stages. */
struct rp_prep {
	struct engine_parsed ep; /**< parse, and if keyed its key, flow_hash() and sender */
	struct cap_pkt pkt;	 /**< the record (its data stays valid while it is in the ring) */
	uint8_t *frame;		 /**< staging buffer for a converted frame */
	const uint8_t *eth;	 /**< its Ethernet frame: frame, or the record's own bytes */
	uint32_t len;
	uint32_t hash; /**< the replay's index hash (of ep.hash) */
	uint8_t conv;  /**< enum cap_conv */
	uint8_t st;    /**< enum parse_status */
	bool trunc;
	bool keyed; /**< ep.key and ep.hash are valid */
};

/** One record waiting in the burst being built (its engine_pkt: rp_run.pk, same index). */
struct rp_slot {
	uint32_t flow;	      /**< index in flows, or RP_NONE */
	uint8_t cut;	      /**< the flow's RP_F_CUT when committed */
	uint64_t ts_ns;
	struct pcap_pkthdr hdr; /**< original record header, for out */
	uint8_t *orig;		/**< a copy of the original bytes (for out) */
	const uint8_t *orig_data; /**< the original bytes: orig, or the record's own */
};

struct rp_run {
	int linktype;
	double time_scale;
	uint64_t span_max_ms; /**< RP_SPAN_MAX_MS; the fuzzer lowers it */
	unsigned int n_scn;
	struct rp_scenario scn[RP_MAX_SCENARIOS];
	struct flow_table *ft[RP_MAX_SCENARIOS]; /**< scn[i].e->ft, read on every record */
	/* flows */
	struct rp_flow *flows;
	uint32_t n_flows, cap_flows;
	uint64_t *index; /**< open addressing: hash << 32 | flow index + 1; 0 = empty */
	uint32_t index_mask;
	uint64_t seed; /**< every scenario's flow table seed (one hash for all) */
	/* clock */
	bool started;
	uint64_t ts0_ns;  /**< first record */
	uint64_t last_ns; /**< latest record (after backwards ones were clamped) */
	uint64_t step_ns; /**< the record the engines step towards: no cut is later than it */
	uint32_t tick;	  /**< tick of the records being batched */
	uint64_t tick_end_ns; /**< its last nanosecond: ts0_ns + tick ms */
	/* batch */
	unsigned int n_batch;
	struct rp_slot batch[ENGINE_BURST];
	/** The burst as the engines take it; parsed: its ring entries' ep. */
	struct engine_pkt pk[ENGINE_BURST];
	bool keep_orig;	      /**< some scenario writes out: keep original bytes */
	/** The caller's records stay valid until rp_finish() (a mapped file): Ethernet frames
	 *  captured whole go to the engines and out as they are, not copied, and records
	 *  wait RP_LAG behind in the ring. */
	bool data_stays;
	uint16_t access_vlan; /**< the first scenario's: untagged frames' VLAN in the keys */
	struct rp_prep ring[RP_RING];
	uint32_t ring_head; /**< records prepared (the next one's place, modulo RP_RING) */
	uint32_t ring_tail; /**< records committed or dropped */
	/* counts */
	uint64_t records;
	uint64_t bytes;
	uint64_t truncated; /**< cut by the snap length */
	uint64_t backwards; /**< timestamps before the previous record's */
	uint64_t bad_link;  /**< too short for their link header, or raw but not IP */
	uint64_t not_flow;  /**< non-IP, fragments, neighbour discovery, malformed */
	uint64_t adopted;   /**< flows open before the capture */
	bool warned_backwards;
};

/**
 * A run for captures of link type @p linktype.
 *
 * @return the run, or NULL with @p err set (time scale, memory).
 */
struct rp_run *rp_create(int linktype, double time_scale, char *err, size_t errlen);

/**
 * Add a scenario (taking ownership of @p scn, heap-allocated): its engine and snapshot
 * are built here. @p out (may be NULL) receives what would leave the middlebox.
 *
 * @return 0, or -1 with @p err set (time scale out of range, too many scenarios, memory).
 */
int rp_add_scenario(struct rp_run *run, const char *label, const char *path,
		    struct cfg_scenario *scn, pcap_dumper_t *out, char *err, size_t errlen);

/**
 * Replay one record (after at least one rp_add_scenario()).
 *
 * @return 0, or -1 with @p err set: no scenario was added, or the capture spans more than
 *         run->span_max_ms.
 */
int rp_packet(struct rp_run *run, const struct cap_pkt *pkt, char *err, size_t errlen);

/**
 * Replay @p n (<= RP_AHEAD) records, the same as @p n rp_packet() calls. With
 * run->data_stays the last RP_LAG records handed over wait in the ring (their lines are
 * prefetched meanwhile) until later calls or rp_finish(); otherwise each is replayed at once.
 *
 * @return 0, or -1 with @p err set, as rp_packet() (for this call's records or the ones
 *         waiting; the records after the failing one are dropped).
 */
int rp_packets(struct rp_run *run, const struct cap_pkt *pkts, unsigned int n, char *err,
	       size_t errlen);

/**
 * Replay the records waiting in the ring, then hand what is batched to the engines. Time
 * does not advance.
 *
 * @return 0, or -1 with @p err set, as rp_packet().
 */
int rp_finish(struct rp_run *run, char *err, size_t errlen);

void rp_destroy(struct rp_run *run);

/** Flows the engine of @p s created, and packets it dropped, from its counters. */
uint64_t rp_flows_created(const struct rp_scenario *s);
uint64_t rp_dropped(const struct rp_scenario *s);

#endif /* IDLECUT_REPLAY_H */
