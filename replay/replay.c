/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "event.h"
#include "parse.h"
#include "replay.h"
#include "rst.h"
#include "snapshot.h"

_Static_assert(sizeof(struct rp_flow) == 64, "a flow record is one cache line");
/* A record's ring entry is reused only once its burst went to the engines (replay.h). */
_Static_assert(RP_RING >= RP_LAG + ENGINE_BURST && (RP_RING & (RP_RING - 1)) == 0 &&
		       RP_LAG_FLOW < RP_LAG,
	       "ring size");

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define ORIG_MAX 262144 /* libpcap's largest snap length */
#define FLOWS_INIT 1024
/* Expiry work per tick: large enough that no expiry waits for a later tick. */
#define TICK_BUDGET (UINT_MAX / 2)

/* Port MACs, the source of an RST to a peer that never spoke (locally administered). */
static const uint8_t mac_inside[6] = {0x02, 0x1d, 0x1e, 0xc0, 0x00, 0x01};
static const uint8_t mac_outside[6] = {0x02, 0x1d, 0x1e, 0xc0, 0x00, 0x02};

/*
 * Hash of a normalised key: the engines' own flow_hash(). Every scenario's table has the
 * run's seed, so one hash serves all of them and the replay's index, and the engines'
 * buckets can be prefetched with the replay's (rp_packets() needs a scenario).
 */
static inline uint64_t
key_hash64(const struct rp_run *run, const struct flow_key *k)
{
	return flow_hash(run->ft[0], k);
}

/* The replay's index hash, from key_hash64(). */
static inline uint32_t
hash32(uint64_t h)
{
	return (uint32_t)(h ^ (h >> 32));
}

static inline uint32_t
key_hash(const struct rp_run *run, const struct flow_key *k)
{
	return hash32(key_hash64(run, k));
}

/*
 * The flow records and the index, read at random once per record: on a big capture they
 * outgrow the TLB's reach in 4 KiB pages, so they are anonymous mappings the kernel may
 * back with transparent huge pages. @p n bytes; NULL on failure. big_grow() keeps the
 * contents (the mapping may move).
 */
static void *
big_alloc(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, n, MADV_HUGEPAGE); /* a hint: 4 KiB pages work as well */
	return p;
}

static void *
big_grow(void *p, size_t old, size_t n)
{
	void *q = mremap(p, old, n, MREMAP_MAYMOVE);

	if (q == MAP_FAILED)
		return NULL;
	(void)madvise(q, n, MADV_HUGEPAGE);
	return q;
}

static void
big_free(void *p, size_t n)
{
	if (p != NULL)
		munmap(p, n);
}

/*
 * The index: open addressing, linear probing, at most half full. A slot holds the flow's
 * hash (high 32 bits) and its index + 1 (low; 0 = empty), so a probe reads a flow record
 * (a cache miss on a big capture) only when the whole hash matches.
 */
static uint32_t
flow_find(const struct rp_run *run, const struct flow_key *k, uint32_t hash)
{
	uint32_t i = hash & run->index_mask;
	uint64_t slot;

	while ((slot = run->index[i]) != 0) {
		if ((uint32_t)(slot >> 32) == hash) {
			uint32_t fi = (uint32_t)slot - 1;

			if (flow_key_eq_(&run->flows[fi].key, k))
				return fi;
		}
		i = (i + 1) & run->index_mask;
	}
	return RP_NONE;
}

static void
index_put(struct rp_run *run, uint32_t idx)
{
	uint32_t h = run->flows[idx].hash, i = h & run->index_mask;

	while (run->index[i] != 0)
		i = (i + 1) & run->index_mask;
	run->index[i] = (uint64_t)h << 32 | (idx + 1);
}

/* Room for one more flow: grow the records, the per-scenario arrays and the index. */
static int
flows_reserve(struct rp_run *run)
{
	if (run->n_flows == UINT32_MAX - 1)
		return -1;
	if (run->n_flows == run->cap_flows) {
		uint32_t cap = run->cap_flows * 2;
		struct rp_flow *nf = big_grow(run->flows, (size_t)run->cap_flows * sizeof(*nf),
					      (size_t)cap * sizeof(*nf));

		if (nf == NULL)
			return -1;
		run->flows = nf;
		for (unsigned int s = 0; s < run->n_scn; s++) {
			uint32_t *oc = realloc(run->scn[s].open_cut, (size_t)cap * sizeof(*oc));

			if (oc == NULL)
				return -1;
			for (uint32_t i = run->cap_flows; i < cap; i++)
				oc[i] = RP_NONE;
			run->scn[s].open_cut = oc;
		}
		run->cap_flows = cap;
	}
	if ((uint64_t)(run->n_flows + 1) * 2 > (uint64_t)run->index_mask + 1) {
		uint32_t size = (run->index_mask + 1) * 2;
		uint64_t *ni = big_alloc((size_t)size * sizeof(*ni));

		if (ni == NULL)
			return -1;
		big_free(run->index, ((size_t)run->index_mask + 1) * sizeof(*ni));
		run->index = ni;
		run->index_mask = size - 1;
		for (uint32_t i = 0; i < run->n_flows; i++)
			index_put(run, i);
	}
	return 0;
}

struct rp_run *
rp_create(int linktype, double time_scale, char *err, size_t errlen)
{
	struct rp_run *run = calloc(1, sizeof(*run));

	if (run == NULL)
		goto nomem;
	run->linktype = linktype;
	run->time_scale = time_scale;
	run->span_max_ms = RP_SPAN_MAX_MS;
	run->cap_flows = FLOWS_INIT;
	run->flows = big_alloc(FLOWS_INIT * sizeof(*run->flows));
	run->index = big_alloc(FLOWS_INIT * 2 * sizeof(*run->index));
	run->index_mask = FLOWS_INIT * 2 - 1;
	if (run->flows == NULL || run->index == NULL)
		goto nomem;
	if (getrandom(&run->seed, sizeof(run->seed), 0) != (ssize_t)sizeof(run->seed))
		run->seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)run;
	for (unsigned int i = 0; i < RP_RING; i++) {
		run->ring[i].frame = malloc(CAP_FRAME_MAX);
		if (run->ring[i].frame == NULL)
			goto nomem;
	}
	return run;
nomem:
	snprintf(err, errlen, "out of memory");
	rp_destroy(run);
	return NULL;
}

/*
 * The VLAN of the capture's untagged frames in scenario @scn's flows: the capture is one
 * pair seen at one point, so an untagged frame is on the first pair's access VLAN whichever
 * way it goes (the inside port's, else the outside's; 0: none). Both engine ports key
 * untagged frames with it, so that both directions meet one flow: with an access port and
 * a trunk, the trunk's frames of the flow would be tagged, which the capture's are not.
 */
static uint16_t
untagged_vlan(const struct cfg_scenario *scn)
{
	if (scn->n_pairs == 0)
		return 0;
	return scn->pairs[0].side[0].vlan != 0 ? scn->pairs[0].side[0].vlan
					       : scn->pairs[0].side[1].vlan;
}

int
rp_add_scenario(struct rp_run *run, const char *label, const char *path, struct cfg_scenario *scn,
		pcap_dumper_t *out, char *err, size_t errlen)
{
	struct rp_scenario *s;
	char e2[256];
	int ret;

	if (run->ring_head > 0) {
		/* The index holds hashes of the first table's seed (key_hash64). */
		snprintf(err, errlen, "%s: scenarios are added before the first record", path);
		free(scn);
		return -1;
	}
	if (run->n_scn == RP_MAX_SCENARIOS) {
		snprintf(err, errlen, "%s: at most %d scenarios at once", path, RP_MAX_SCENARIOS);
		free(scn);
		return -1;
	}
	s = &run->scn[run->n_scn];
	memset(s, 0, sizeof(*s));
	s->scn = scn;
	snprintf(s->label, sizeof(s->label), "%s", label);
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->out = out;
	run->n_scn++; /* from here rp_destroy frees what s holds */
	s->snap = calloc(1, sizeof(*s->snap));
	s->e = calloc(1, sizeof(*s->e));
	s->open_cut = malloc((size_t)run->cap_flows * sizeof(*s->open_cut));
	if (s->snap == NULL || s->e == NULL || s->open_cut == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < run->cap_flows; i++)
		s->open_cut[i] = RP_NONE;
	ret = dp_snapshot_build(s->snap, scn, run->time_scale, e2, sizeof(e2));
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", path, e2);
		return -1;
	}
	/* One seed for every table of the run: a key hashes the same in all (key_hash64). */
	ret = engine_init(s->e, scn->capacity, run->seed, 0);
	if (ret < 0) {
		snprintf(err, errlen, "%s: cannot make a flow table of %u flows: %s", path,
			 scn->capacity, strerror(-ret));
		free(s->e);
		s->e = NULL;
		return -1;
	}
	run->ft[run->n_scn - 1] = s->e->ft;
	engine_add_pair(s->e, 0, untagged_vlan(scn), untagged_vlan(scn), mac_inside, mac_outside);
	s->e->snap = s->snap;
	s->e->events_on = true;
	if (run->n_scn == 1)
		run->access_vlan = s->e->ports[0].access_vlan; /* the replay's own keys use it */
	if (out != NULL && !run->keep_orig) {
		for (unsigned int i = 0; i < ENGINE_BURST; i++) {
			run->batch[i].orig = malloc(ORIG_MAX);
			if (run->batch[i].orig == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
		run->keep_orig = true;
	}
	return 0;
}

static void
out_write(struct rp_scenario *s, uint64_t ts_ns, const uint8_t *data, uint32_t caplen, uint32_t len)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(ts_ns / NS_PER_S);
	h.ts.tv_usec = (suseconds_t)(ts_ns % NS_PER_S); /* the dumper writes nanoseconds */
	h.caplen = caplen;
	h.len = len;
	pcap_dump((u_char *)s->out, &h, data);
}

static void
out_rst(struct rp_run *run, struct rp_scenario *s, uint64_t ts_ns, const struct engine_rst *r)
{
	uint8_t frame[RST_FRAME_MAX + 64], conv[RST_FRAME_MAX + 64];
	uint32_t n;

	if (r->to < STATS_RST_COUNT)
		s->rsts[r->to]++;
	if (s->out == NULL)
		return;
	n = rst_build(frame, sizeof(frame), &r->p);
	if (n != 0 && run->linktype != DLT_EN10MB)
		n = cap_from_eth(run->linktype, frame, n, conv, sizeof(conv));
	else
		memcpy(conv, frame, n);
	if (n == 0) {
		s->out_failed++;
		return;
	}
	out_write(s, ts_ns, conv, n, n);
	s->out_rsts++;
}

static struct rp_cut *
cut_new(struct rp_scenario *s)
{
	if (s->n_cuts == s->cap_cuts) {
		uint32_t cap = s->cap_cuts ? s->cap_cuts * 2 : 64;
		struct rp_cut *nc = realloc(s->cuts, (size_t)cap * sizeof(*nc));

		if (nc == NULL)
			return NULL;
		s->cuts = nc;
		s->cap_cuts = cap;
	}
	memset(&s->cuts[s->n_cuts], 0, sizeof(s->cuts[0]));
	return &s->cuts[s->n_cuts++];
}

/*
 * The replay's flow of engine @s's event @ev, or RP_NONE. The engine keyed a flow whose
 * frames carry no tag (FLOW_F_TAGS 0: its first frame's, both ports keying untagged frames
 * alike) with its access VLAN, the replay with the first scenario's; a tagged flow's VLANs
 * are its tags in both.
 */
static uint32_t
event_flow(const struct rp_run *run, const struct rp_scenario *s, const struct flow_event *ev)
{
	struct flow_key k = ev->key;

	if ((ev->flags & FLOW_F_TAGS_MASK) == 0) {
		if (k.vlan[0] != s->e->ports[0].access_vlan || k.vlan[1] != 0)
			return RP_NONE; /* not a key of an untagged frame: nothing to map */
		k.vlan[0] = run->access_vlan;
	}
	return flow_find(run, &k, key_hash(run, &k));
}

/*
 * The events engine @s wrote (e->out.ev): expiries become cuts (now_ns: when), evictions
 * and expiries of closed connections are counted. cut_of[i]: the cut of event i, or
 * RP_NONE. A burst writes events too: early-drop evicts a flow for a new one.
 */
static void
take_events(struct rp_run *run, struct rp_scenario *s, uint64_t now_ns, uint32_t *cut_of)
{
	const struct engine *e = s->e;

	for (unsigned int i = 0; i < e->out.n_ev; i++) {
		const struct flow_event *ev = &e->out.ev[i];
		struct rp_cut *c = NULL;

		cut_of[i] = RP_NONE;
		if (ev->reason != FLOW_EV_TIMEOUT && ev->reason != FLOW_EV_FLUSH) {
			/* an eviction (early-drop, reaper): silent, not an idle cut */
			s->evicted++;
		} else if (ev->key.proto == 6 && ev->state >= FLOW_TCP_TIME_WAIT) {
			s->ended++; /* the connection was already gone: nothing is cut */
		} else if ((c = cut_new(s)) != NULL) {
			uint32_t fi = event_flow(run, s, ev);

			c->key = ev->key;
			c->flow = fi;
			c->client = fi != RP_NONE ? run->flows[fi].client
						  : ((ev->flags & FLOW_F_CLIENT_1) ? 1 : 0);
			c->state = ev->state;
			c->profile = ev->profile;
			c->action = ev->action;
			c->reason = ev->reason;
			c->idle_ms = ev->idle_ms;
			c->cut_ns = now_ns;
			c->last_ns = fi != RP_NONE ? run->flows[fi].last_ns
						   : now_ns - (uint64_t)ev->idle_ms * NS_PER_MS;
			cut_of[i] = (uint32_t)(c - s->cuts);
			if (fi != RP_NONE) {
				s->open_cut[fi] = cut_of[i];
				run->flows[fi].flags |= RP_F_CUT;
			}
		}
	}
}

/*
 * Expiry output of engine @s at its current tick: cuts and their RSTs. Each RST names the
 * event of its expiry (engine_rst.ev); the event's own count is the caller's to keep
 * (engine.h: "honest counts"), here every RST is "sent" once it is written or reported.
 */
static void
drain(struct rp_run *run, struct rp_scenario *s)
{
	struct engine *e = s->e;
	uint64_t now_ns = run->ts0_ns + (uint64_t)e->now * NS_PER_MS;
	uint32_t cut_of[ENGINE_EV_MAX];

	/*
	 * The tick is the record's time rounded up to the millisecond: a cut found on the way
	 * to a record happened at the latest at that record (it is never reported later).
	 */
	if (now_ns > run->step_ns && run->step_ns != 0)
		now_ns = run->step_ns;
	take_events(run, s, now_ns, cut_of);
	for (unsigned int r = 0; r < e->out.n_rst; r++) {
		const struct engine_rst *rs = &e->out.rst[r];

		if (rs->ev < e->out.n_ev && cut_of[rs->ev] != RP_NONE) {
			struct rp_cut *c = &s->cuts[cut_of[rs->ev]];

			if (c->n_rst < ENGINE_RST_PER_FLOW) {
				struct rp_rst *x = &c->rst[c->n_rst++];

				x->seq = rs->p.seq;
				x->ack = rs->p.ack;
				x->to = rs->to;
				x->tcp_flags = rs->p.tcp_flags;
			}
		}
		out_rst(run, s, now_ns, rs);
	}
	engine_out_clear(e);
}

/* Tick of timeline event @i of @s (its offset, scaled, from the first record). */
static uint64_t
event_tick(const struct rp_run *run, const struct rp_scenario *s, unsigned int i)
{
	double ms = (double)s->scn->events[i].at_us * run->time_scale / 1000.0;

	return ms >= (double)UINT32_MAX ? UINT64_MAX : (uint64_t)(ms + 0.5);
}

/* Run the timeline events due at the engine's current tick. */
static void
timeline_due(struct rp_run *run, struct rp_scenario *s)
{
	struct engine *e = s->e;

	while (s->next_event < s->scn->n_events && event_tick(run, s, s->next_event) <= e->now) {
		const struct cfg_event *ev = &s->scn->events[s->next_event++];

		if (ev->kind == CFG_EVENT_FLUSH) {
			uint64_t mask = ev->profile == CFG_FLUSH_ALL ? ~1ull : 1ull << ev->profile;
			uint32_t cursor = 0;

			while (!engine_flush_step(e, mask, 0, &cursor, 4096))
				drain(run, s);
			drain(run, s);
		} else {
			struct cfg_scenario next = *s->scn;
			char err[256];

			for (unsigned int i = 0; i < ev->n_sets; i++)
				cfg_profile_apply_set(&next.profiles[ev->profile], &ev->sets[i]);
			uint64_t gen = s->snap->generation;

			/*
			 * The engine reads the snapshot only inside its calls: swap it in place,
			 * as a new generation (the engine notes what changed).
			 */
			if (dp_snapshot_build(s->snap, &next, run->time_scale, err, sizeof(err)) ==
			    0) {
				*s->scn = next;
			} else {
				s->timeline_errors++;
				(void)dp_snapshot_build(s->snap, s->scn, run->time_scale, err,
							sizeof(err));
			}
			s->snap->generation = gen + 1;
		}
	}
}

/*
 * Step engine @s to tick @to, through every tick at which something may happen: the first
 * one (the reaper looks at the table once per tick, and the last records may have filled
 * it), then each tick whose wheel slot holds a flow (flow_timer_next), while the reaper is
 * not sweeping (it sweeps a share of the table per tick), and the timeline's events. At the
 * ticks skipped engine_tick() would only open empty slots; one call opens them all.
 */
static void
advance(struct rp_run *run, struct rp_scenario *s, uint32_t to)
{
	struct engine *e = s->e;
	bool first = true;

	timeline_due(run, s);
	while (e->now != to) {
		/* An empty table has nothing to expire: one step opens every slot on the way. */
		uint32_t t = e->ft->n_active == 0 ? to : e->now + 1;
		unsigned int budget = TICK_BUDGET;

		if (!first && t != to && !e->reaping)
			t = flow_timer_next(e->ft, to);
		first = false;

		if (s->next_event < s->scn->n_events && event_tick(run, s, s->next_event) < t)
			t = (uint32_t)event_tick(run, s, s->next_event); /* > now: not yet run */
		engine_clock(e, t, 0, run->ts0_ns + (uint64_t)t * NS_PER_MS);
		while (engine_tick(e, &budget))
			drain(run, s);
		if (e->out.n_ev != 0 || e->out.n_rst != 0)
			drain(run, s);
		timeline_due(run, s);
	}
}

/* What a record after a cut got, for the cut's report. */
static inline void
after_cut(struct rp_scenario *s, uint32_t fi, uint8_t what, uint64_t ts_ns)
{
	struct rp_cut *c = &s->cuts[s->open_cut[fi]];

	if (c->after == 0) {
		c->after_first = what;
		c->after_first_ns = ts_ns;
	}
	c->after++;
	if (what < RP_WHAT_COUNT)
		c->after_what[what]++;
	if (what == ENGINE_W_NEW || what == ENGINE_W_RESTART || what == ENGINE_W_ADOPTED) {
		c->after_done = true;
		s->open_cut[fi] = RP_NONE;
	}
}

static void
flush(struct rp_run *run)
{
	unsigned int n = run->n_batch;

	if (n == 0)
		return;
	for (unsigned int si = 0; si < run->n_scn; si++) {
		struct rp_scenario *s = &run->scn[si];
		struct engine *e = s->e;
		struct engine_pkt copy[ENGINE_BURST], *pk = run->pk;
		unsigned int r = 0;

		/* The engines write into the burst: the last one takes it, the others a copy. */
		if (si + 1 < run->n_scn) {
			memcpy(copy, run->pk, n * sizeof(*pk));
			pk = copy;
		}
		/*
		 * The replay's keys have the first scenario's access VLAN: the ports' too? If
		 * not (flags of the burst) the engine builds its keys and prefetches for them.
		 */
		if (e->ports[0].access_vlan != run->access_vlan ||
		    e->ports[1].access_vlan != run->access_vlan)
			pk[0].flags &= (uint8_t)~(ENGINE_PKT_KEYED | ENGINE_PKT_PREFETCHED);
		/*
		 * Both directions in one burst, in capture order (the handshakes alternate).
		 * The replay's one entry: engine_burst() besides would take handle_known()
		 * out of line in both.
		 */
		engine_burst_mixed(e, 0, pk, n); /* ENGINE_PKT_PEER: the outside port */
		for (unsigned int i = 0; i < n; i++) {
			const struct rp_slot *sl = &run->batch[i];

			if (s->out != NULL && pk[i].verdict == ENGINE_FORWARD) {
				out_write(s, sl->ts_ns, sl->orig_data, sl->hdr.caplen, sl->hdr.len);
				s->out_packets++;
			}
			if (pk[i].what == ENGINE_W_STRAY_RST && r < e->out.n_rst)
				out_rst(run, s, sl->ts_ns, &e->out.rst[r++]);
			/* The flag first (from the commit): open_cut[] is not in cache. */
			if (sl->cut && s->open_cut[sl->flow] != RP_NONE)
				after_cut(s, sl->flow, pk[i].what, sl->ts_ns);
		}
		for (; r < e->out.n_rst; r++)
			out_rst(run, s, run->batch[n - 1].ts_ns, &e->out.rst[r]);
		/* Once per burst: the flows early-drop evicted for new ones (no RSTs of theirs). */
		if (__builtin_expect(e->out.n_ev != 0, 0)) {
			uint32_t cut_of[ENGINE_EV_MAX];

			take_events(run, s, run->batch[n - 1].ts_ns, cut_of);
		}
		engine_out_clear(e);
	}
	run->n_batch = 0;
}

/* A flow's first record: who is the client, and was it open before the capture? */
static void
flow_first(struct rp_run *run, struct rp_flow *f, const struct parse_info *pi, unsigned int from)
{
	f->client = (uint8_t)from;
	if (pi->proto != 6 || (pi->tcp_flags & (PARSE_TCP_SYN | PARSE_TCP_ACK)) == PARSE_TCP_SYN)
		return;
	f->flags |= RP_F_ADOPTED | RP_F_ADOPT_PENDING;
	run->adopted++;
	if ((pi->tcp_flags & (PARSE_TCP_SYN | PARSE_TCP_ACK)) == (PARSE_TCP_SYN | PARSE_TCP_ACK))
		f->client = (uint8_t)(from ^ 1); /* a SYN+ACK comes from the server */
	else if (f->key.port[0] != f->key.port[1])
		f->client = f->key.port[0] > f->key.port[1] ? 0 : 1; /* the ephemeral port */
}

/*
 * Stage 1 of record @pp->pkt, which changes no state: its Ethernet frame (in the staging
 * buffer @pp->frame), parse, key and hash; the index slot it will probe is prefetched.
 * @direct: the records stay (data_stays) and are Ethernet frames.
 */
static void
prep_record(struct rp_run *run, struct rp_prep *pp, bool direct)
{
	const struct cap_pkt *pkt = &pp->pkt;
	struct parse_info *pi = &pp->ep.pi;

	pp->keyed = false;
	if (direct && pkt->caplen == pkt->len && pkt->len >= CAP_ETH_HLEN &&
	    pkt->len <= CAP_FRAME_MAX) {
		/* What cap_to_eth() would copy, byte for byte: use it where it is. */
		pp->eth = pkt->data;
		pp->len = pkt->len;
		pp->trunc = false;
		pp->conv = CAP_CONV_OK;
	} else {
		pp->eth = pp->frame;
		pp->conv = (uint8_t)cap_to_eth(run->linktype, pkt, pp->frame, CAP_FRAME_MAX,
					       &pp->len, &pp->trunc);
		if (pp->conv != CAP_CONV_OK)
			return;
	}
	pp->st = (uint8_t)parse_frame(pp->eth, pp->len, pi);
	if (pp->st == PARSE_IP && !(pi->flags & PARSE_F_ND)) {
		uint16_t v0 = pi->n_vlan > 0 ? pi->vlan[0] : run->access_vlan;
		uint16_t v1 = pi->n_vlan > 1 ? pi->vlan[1] : 0;

		pp->ep.from = (uint8_t)flow_key_make(&pp->ep.key, pi->family, pi->src, pi->sport,
						     pi->dst, pi->dport, pi->proto, 0, v0, v1);
		uint64_t h = key_hash64(run, &pp->ep.key);

		pp->ep.hash = h;
		pp->hash = hash32(h);
		pp->keyed = true;
		uint32_t slot = pp->hash & run->index_mask;

		/*
		 * Its probe may go on into the next line (8 slots a line): that one too, without
		 * a branch (for the six slots of eight it is the same line: a free prefetch).
		 */
		__builtin_prefetch(&run->index[slot]);
		__builtin_prefetch(&run->index[(slot + 2) & run->index_mask]);
		/* The engines look the same key up (their ports' VLANs permitting): warm them. */
		for (unsigned int s = 0; s < run->n_scn; s++)
			flow_prefetch_bucket(run->ft[s], h);
	}
}

/*
 * Stage 2: the index slot and the engines' buckets have arrived; prefetch the flow record
 * and the engines' entries they point to (the engines' only on a table too big for the
 * near caches, as engine_burst does).
 */
static inline void
prefetch_flow(const struct rp_run *run, const struct rp_prep *pp)
{
	uint64_t slot;

	if (!pp->keyed)
		return;
	for (unsigned int s = 0; s < run->n_scn; s++)
		if (run->ft[s]->n_active >= ENGINE_PREFETCH_ENTRY_MIN)
			flow_prefetch_entry(run->ft[s], pp->ep.hash);
	/*
	 * The flow's slot: its home, or (a quarter of them at half load) one of the next two,
	 * whose lines prep_record() fetched. A wrong guess only costs a useless prefetch.
	 */
	for (unsigned int k = 0, i = pp->hash & run->index_mask; k < 3; k++) {
		slot = run->index[i];
		if (slot == 0)
			return; /* a new flow: its record is the next one, written in order */
		if ((uint32_t)(slot >> 32) == pp->hash) {
			__builtin_prefetch(&run->flows[(uint32_t)slot - 1]); /* one line */
			return;
		}
		i = (i + 1) & run->index_mask;
	}
}

/* Stage 3, in capture order: time, the flow record, the direction, the burst. */
static inline __attribute__((always_inline)) int
commit_record(struct rp_run *run, struct rp_prep *pp, char *err, size_t errlen)
{
	const struct cap_pkt *pkt = &pp->pkt;
	const struct parse_info *pi = &pp->ep.pi;
	struct rp_slot *sl;
	struct engine_pkt *pk;
	uint64_t ts = pkt->ts_ns, off_ms;
	uint16_t port = 0;
	uint8_t flags = 0, cut = 0;
	uint32_t fi = RP_NONE;

	if (!run->started) {
		run->started = true;
		run->ts0_ns = ts;
		run->last_ns = ts;
		run->tick_end_ns = ts; /* tick 0 is the first record's time alone */
		for (unsigned int s = 0; s < run->n_scn; s++)
			timeline_due(run, &run->scn[s]); /* events at 0 s come first */
	}
	if (ts < run->last_ns) {
		run->backwards++;
		ts = run->last_ns; /* handled as the same time as the previous record */
	}
	run->step_ns = ts;
	/* A record of the latest record's tick (ts is never earlier): nothing to step. */
	if (ts > run->tick_end_ns) {
		/* Rounded up: a cut (at a whole tick) never comes before last packet + timeout. */
		off_ms = (ts - run->ts0_ns + NS_PER_MS - 1) / NS_PER_MS;
		if (off_ms > run->span_max_ms) {
			snprintf(err, errlen,
				 "record %llu is %.3f s after the first: a replay spans at most "
				 "%.0f s (24.8 days)",
				 (unsigned long long)run->records + 1,
				 (double)(ts - run->ts0_ns) / (double)NS_PER_S,
				 (double)run->span_max_ms / 1000.0);
			return -1;
		}
		flush(run);
		for (unsigned int s = 0; s < run->n_scn; s++)
			advance(run, &run->scn[s], (uint32_t)off_ms);
		run->tick = (uint32_t)off_ms;
		run->tick_end_ns = run->ts0_ns + off_ms * NS_PER_MS;
	}
	run->last_ns = ts;
	run->records++;
	run->bytes += pkt->len;
	if (pp->trunc)
		run->truncated++;

	if (pp->conv != CAP_CONV_OK) {
		/* Nothing the engine can read: it would bridge it, as a frame it cannot parse. */
		run->bad_link++;
		flush(run);
		for (unsigned int s = 0; s < run->n_scn; s++) {
			if (run->scn[s].out == NULL)
				continue;
			out_write(&run->scn[s], ts, pkt->data, pkt->caplen, pkt->len);
			run->scn[s].out_packets++;
		}
		return 0;
	}

	if (pp->keyed) {
		unsigned int from = pp->ep.from;
		struct rp_flow *f;

		fi = flow_find(run, &pp->ep.key, pp->hash);
		if (fi == RP_NONE && flows_reserve(run) == 0) {
			fi = run->n_flows++;
			f = &run->flows[fi];
			memset(f, 0, sizeof(*f));
			f->key = pp->ep.key;
			f->hash = pp->hash;
			flow_first(run, f, pi, from);
			index_put(run, fi);
		}
		if (fi != RP_NONE) {
			f = &run->flows[fi];
			if (pi->proto == 6 &&
			    (pi->tcp_flags & (PARSE_TCP_SYN | PARSE_TCP_ACK)) == PARSE_TCP_SYN)
				f->client = (uint8_t)from; /* a new connection names its client */
			if ((f->flags & RP_F_ADOPT_PENDING) && pi->proto == 6) {
				flags = ENGINE_PKT_ADOPT;
				/* An RST builds no flow: the next segment is adopted instead. */
				if (!(pi->tcp_flags & PARSE_TCP_RST))
					f->flags &= (uint8_t)~RP_F_ADOPT_PENDING;
			}
			port = from == f->client ? 0 : 1;
			f->last_ns = ts;
			/* Cuts happen between ticks (advance), never while a burst waits. */
			cut = f->flags & RP_F_CUT;
		}
	} else {
		run->not_flow++;
	}

	/* Either direction: the engines take both in one burst (engine_burst_mixed). */
	sl = &run->batch[run->n_batch];
	pk = &run->pk[run->n_batch];
	/* The frame (staged or the record's) and the parse stay in the ring until the flush. */
	pk->data = pp->eth;
	if (run->keep_orig) {
		uint32_t c = pkt->caplen < ORIG_MAX ? pkt->caplen : ORIG_MAX;

		if (run->data_stays) {
			sl->orig_data = pkt->data;
		} else {
			memcpy(sl->orig, pkt->data, c);
			sl->orig_data = sl->orig;
		}
		sl->hdr.caplen = c;
		sl->hdr.len = pkt->len;
	}
	pk->len = pp->len;
	/* The engines take this parse of the same bytes and its key rather than their own. */
	pk->parsed = &pp->ep.pi;
	pk->parsed_st = pp->st;
	pk->flags = flags | ENGINE_PKT_PARSED | ENGINE_PKT_KEYED | (port ? ENGINE_PKT_PEER : 0);
	/* Its engines' bucket and entry were prefetched in the ring (prep, prefetch_flow). */
	if (run->data_stays)
		pk->flags |= ENGINE_PKT_PREFETCHED;
	sl->flow = fi;
	sl->cut = cut;
	sl->ts_ns = ts;
	if (++run->n_batch == ENGINE_BURST)
		flush(run);
	return 0;
}

/* Commit the oldest record of the ring; on failure the ones after it are dropped. */
static inline __attribute__((always_inline)) int
commit_next(struct rp_run *run, char *err, size_t errlen)
{
	int ret = commit_record(run, &run->ring[run->ring_tail % RP_RING], err, errlen);

	run->ring_tail = ret < 0 ? run->ring_head : run->ring_tail + 1;
	return ret;
}

/*
 * Not inlined into the caller's main(): GCC compiles main() as code run once, and there
 * copies the keys with rep movs (a fifth of the replay's time went to one of them).
 */
__attribute__((noinline)) int
rp_packets(struct rp_run *run, const struct cap_pkt *pkts, unsigned int n, char *err, size_t errlen)
{
	unsigned int lag = run->data_stays ? RP_LAG : 0;
	bool direct = run->data_stays && run->linktype == DLT_EN10MB;
	uint32_t head = run->ring_head;

	if (run->n_scn == 0) {
		snprintf(err, errlen, "no scenario to replay the capture against");
		return -1;
	}
	if (n > RP_AHEAD)
		n = RP_AHEAD;
	/* The ring's head in a register: the stores into the ring may alias the run's. */
	for (unsigned int i = 0; i < n; i++) {
		struct rp_prep *pp = &run->ring[head % RP_RING];

		pp->pkt = pkts[i];
		prep_record(run, pp, direct);
		run->ring_head = ++head;
		if (lag != 0 && head - run->ring_tail > RP_LAG_FLOW)
			prefetch_flow(run, &run->ring[(head - 1 - RP_LAG_FLOW) % RP_RING]);
		if (head - run->ring_tail > lag && commit_next(run, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int
rp_packet(struct rp_run *run, const struct cap_pkt *pkt, char *err, size_t errlen)
{
	return rp_packets(run, pkt, 1, err, errlen);
}

int
rp_finish(struct rp_run *run, char *err, size_t errlen)
{
	int ret = 0;

	while (run->ring_tail != run->ring_head && ret == 0)
		ret = commit_next(run, err, errlen);
	flush(run);
	return ret;
}

void
rp_destroy(struct rp_run *run)
{
	if (run == NULL)
		return;
	for (unsigned int i = 0; i < run->n_scn; i++) {
		struct rp_scenario *s = &run->scn[i];

		if (s->e != NULL && s->e->ft != NULL)
			engine_fini(s->e);
		free(s->e);
		free(s->snap);
		free(s->scn);
		free(s->cuts);
		free(s->open_cut);
	}
	for (unsigned int i = 0; i < ENGINE_BURST; i++)
		free(run->batch[i].orig);
	for (unsigned int i = 0; i < RP_RING; i++)
		free(run->ring[i].frame);
	big_free(run->flows, (size_t)run->cap_flows * sizeof(*run->flows));
	big_free(run->index, ((size_t)run->index_mask + 1) * sizeof(*run->index));
	free(run);
}

uint64_t
rp_flows_created(const struct rp_scenario *s)
{
	uint64_t n = 0;

	for (unsigned int p = 0; p < CFG_MAX_PROFILES; p++)
		n += s->e->stats.flows_created[p];
	return n;
}

uint64_t
rp_dropped(const struct rp_scenario *s)
{
	uint64_t n = 0;

	for (unsigned int d = 0; d < STATS_DROP_COUNT; d++)
		n += s->e->stats.drops[d];
	return n;
}
