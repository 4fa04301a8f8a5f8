/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table and idle-timeout wheel.
 *
 * CONCURRENCY DESIGN
 * - One flow table per worker lcore. A worker owns whole port pairs (both ports, both
 *   directions), so both directions of a flow always reach the same worker and the same
 *   table: no flow is ever shared between lcores, and the packet path takes no lock and no
 *   atomic read-modify-write. (On a NIC with several queues per port this becomes symmetric
 *   RSS onto per-queue workers; the table does not change.)
 * - Only the owning worker reads or writes a table: lookups, inserts, removals, the timer
 *   wheel, flushes and sampled dumps (the control thread asks for a dump through the
 *   worker's mailbox and the worker copies a bounded number of entries at a loop boundary).
 *   The control thread learns counts from the per-lcore counters (stats.h), never by
 *   walking a table, so it cannot slow a worker or see a half-written flow, and no flow
 *   can be freed while another thread holds it: nobody else holds one.
 * - Memory is allocated once at start (mmap, pre-faulted) and never returned until the
 *   table is destroyed after the worker has stopped: on hugepages (MAP_HUGETLB) when
 *   flow_table_mem_policy() allowed it and the kernel has enough free, else anonymous memory
 *   with transparent huge pages where the kernel allows; bound (preferred) to the NUMA node
 *   the policy names, which the control side sets to the ports' socket.
 *
 * LAYOUT (bytes per flow at capacity C: 96 entry + 8 wheel links + 64/(10*0.85) index
 * ≈ 112, plus 8 bytes per wheel slot, 65536 slots per table)
 * - struct flow: 96 bytes; key, last_seen, due, state and the sequence numbers in the first
 *   64 (what every packet touches), MACs, ACK/window and the home bucket's hash in the rest.
 * - index: buckets of 10 (16-bit signature, 32-bit entry) slots in one cache line, linear
 *   probing between buckets with per-bucket overflow counts (no tombstones), at most 85 %
 *   full because the entry pool, not the index, enforces capacity.
 * - free entries are chained through their wheel links.
 *
 * TIMEOUTS: a single-level wheel of 65536 one-millisecond slots, with lazy re-arm. The
 * packet path stamps last_seen and re-arms only when the flow's timeout got shorter (state
 * change, timeline "set"); when a slot comes due, each flow in it is checked against its
 * current timeout and either expires or moves to the slot of its real due time. Flows due
 * more than 65.5 s ahead wait in their slot for later revolutions (one check per flow per
 * revolution). The flows checked per call are bounded; opening an empty slot is not counted
 * (after a stall of S seconds one call opens S * 1000 slots, a few microseconds).
 *
 * Times are uint32 milliseconds ("ticks") since the worker started, compared modulo 2^32
 * (timeouts are capped below 2^31 ms by the loader).
 */
#ifndef IDLECUT_FLOW_H
#define IDLECUT_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <rte_prefetch.h>

#include "config.h"

#define FLOW_NONE UINT32_MAX
#define FLOW_TMO_NEVER UINT32_MAX /**< timeout in ticks meaning "indefinite" */
#define FLOW_WHEEL_BITS 16
#define FLOW_WHEEL_SLOTS (1u << FLOW_WHEEL_BITS)
#define FLOW_BUCKET_SLOTS 10
#define FLOW_MAX_LOAD_PCT 85

/** Flow states (SPEC §4); counted as idlecut_flows_expired_total{state}. */
enum flow_state {
	FLOW_TCP_SYN_SENT,
	FLOW_TCP_SYN_RECV,
	FLOW_TCP_ESTABLISHED,
	FLOW_TCP_FIN_WAIT,
	FLOW_TCP_CLOSING,
	FLOW_TCP_TIME_WAIT,
	FLOW_TCP_CLOSED,
	FLOW_UDP_SINGLE, /**< UDP, packets seen from one endpoint only */
	FLOW_UDP_STREAM, /**< UDP, both endpoints have sent */
	FLOW_ACTIVE,	 /**< ICMP and other protocols */
	FLOW_STATE_COUNT
};

/** Flow flags. Endpoint e is key.addr[e]/key.port[e]. */
#define FLOW_F_CLIENT_1 (1u << 0)	/**< the client is endpoint 1 (else 0) */
#define FLOW_F_CLIENT_OUTSIDE (1u << 1) /**< the client's frames arrive on the outside port */
#define FLOW_F_SEEN0 (1u << 2)		/**< endpoint 0 has sent (seq_next/ack valid) */
#define FLOW_F_SEEN1 (1u << 3)
#define FLOW_F_FIN0 (1u << 4) /**< endpoint 0 has sent a FIN */
#define FLOW_F_FIN1 (1u << 5)
#define FLOW_F_FINACK0 (1u << 6) /**< endpoint 0's FIN has been acknowledged */
#define FLOW_F_FINACK1 (1u << 7)
#define FLOW_F_TAGS_SHIFT 8 /**< 2 bits: VLAN tags carried in the frames (0..2) */
#define FLOW_F_TAGS_MASK (3u << FLOW_F_TAGS_SHIFT)
#define FLOW_F_QINQ0 (1u << 10) /**< outer tag TPID is 0x88a8 (else 0x8100) */
#define FLOW_F_QINQ1 (1u << 11) /**< inner tag TPID is 0x88a8 */
#define FLOW_F_ARMED (1u << 12) /**< linked in the wheel (else indefinite or pending free) */
#define FLOW_F_USED (1u << 13)	/**< entry holds a flow */
#define FLOW_F_ACKED0 (1u << 14) /**< endpoint 0 has sent an ACK (ack[0] is valid) */
#define FLOW_F_ACKED1 (1u << 15)

#define FLOW_F_SEEN(e) (FLOW_F_SEEN0 << (e))
#define FLOW_F_FIN(e) (FLOW_F_FIN0 << (e))
#define FLOW_F_FINACK(e) (FLOW_F_FINACK0 << (e))
#define FLOW_F_ACKED(e) (FLOW_F_ACKED0 << (e))

/**
 * Normalised flow key: endpoint 0 is the smaller (address, port), so both directions build
 * the same key. The access VLAN (if any) stands in vlan[0] for untagged frames.
 */
struct flow_key {
	union {
		struct {
			uint8_t addr[2][16];
			uint16_t port[2];
			uint16_t vlan[2];
			uint8_t proto;
			uint8_t pair;
			uint16_t family; /**< 4 or 6 */
		};
		uint32_t w[11];
	};
};

struct flow {
	struct flow_key key; /**< 44 */
	uint32_t last_seen;  /**< tick of the last packet, either direction */
	uint32_t due;	     /**< tick the wheel slot holding it is checked */
	uint16_t flags;	     /**< FLOW_F_* */
	uint8_t state;	     /**< enum flow_state */
	uint8_t profile;     /**< profile index in the dataplane snapshot */
	uint32_t seq_next[2]; /**< per endpoint: next sequence number it will send */
	/* --- second cache line --- */
	uint32_t ack[2];   /**< per endpoint: highest ACK number it sent (its RCV.NXT) */
	uint16_t win[2];   /**< per endpoint: largest raw (unscaled) window it advertised */
	uint8_t mac[2][6]; /**< per endpoint: source MAC of its frames */
	uint32_t hash;	   /**< low 32 bits of flow_hash(): its home bucket, for removal */
	uint16_t packets;  /**< packets seen, saturating */
	uint8_t wscale;	   /**< window scale: endpoint 0 in bits 0-3, 1 in bits 4-7 (0..14) */
	uint8_t tflags;	   /**< FLOW_T_*: TCP tracking flags */
};

/** flow.tflags: TCP window tracking (flow_tcp.c). */
#define FLOW_T_WS0 (1u << 0)	  /**< endpoint 0 offered window scaling in its SYN */
#define FLOW_T_WS1 (1u << 1)
#define FLOW_T_SCALED (1u << 2)	  /**< both offered it: windows past the SYNs are scaled */
#define FLOW_T_SYN_AGAIN0 (1u << 3) /**< endpoint 0 sent a SYN past its old stream on a live
				       *   connection: a SYN+ACK that confirms it restarts */
#define FLOW_T_SYN_AGAIN1 (1u << 4)
#define FLOW_T_WIN0 (1u << 5)	  /**< win[0] holds a window endpoint 0 advertised */
#define FLOW_T_WIN1 (1u << 6)
#define FLOW_T_FAST (1u << 7)	  /**< the flow's half of tcpt_is_established() holds
				   *   (flow_tcp.h: tcpt_mark()) */

#define FLOW_T_WS(e) (FLOW_T_WS0 << (e))
#define FLOW_T_SYN_AGAIN(e) (FLOW_T_SYN_AGAIN0 << (e))
#define FLOW_T_WIN(e) (FLOW_T_WIN0 << (e))

/** Window scale shift of endpoint @p e (0 until both ends offered it). */
static inline unsigned int
flow_wscale(const struct flow *f, unsigned int e)
{
	return (f->tflags & FLOW_T_SCALED) ? (f->wscale >> (4 * e)) & 0xf : 0;
}

struct flow_link {
	uint32_t next;
	uint32_t prev;
};

struct flow_bucket {
	uint16_t sig[FLOW_BUCKET_SLOTS];
	uint32_t overflow; /**< entries whose home is at or before this bucket, stored after */
	uint32_t idx[FLOW_BUCKET_SLOTS]; /**< entry index + 1; 0 = empty slot */
};

/** What backs a flow table's memory. */
enum flow_mem {
	FLOW_MEM_THP,	  /**< anonymous memory, MADV_HUGEPAGE (the kernel may refuse) */
	FLOW_MEM_HUGETLB, /**< MAP_HUGETLB, 2 MiB pages */
};

struct flow_table {
	uint32_t capacity;
	uint32_t n_buckets;
	uint32_t n_active;
	uint32_t free_head; /**< first free entry, FLOW_NONE if full */
	uint32_t wheel_time; /**< last tick whose slot was moved to pending */
	struct flow_bucket *buckets;
	struct flow *flows;
	struct flow_link *links; /**< capacity entries + FLOW_WHEEL_SLOTS heads + pending */
	size_t map_len;
	void *map;
	enum flow_mem mem; /**< what backs map */
	uint64_t hkey[6]; /**< secret hash keys, derived from the creation seed */
};

/**
 * Where the next tables are placed: NUMA node @p socket (-1: wherever the creating thread
 * runs) and, if @p hugetlb, on hugepages when the kernel has enough free (else THP). Main
 * lcore, before the tables are created; not thread safe. Default: -1, no hugepages.
 */
void flow_table_mem_policy(int socket, bool hugetlb);

/** "hugepages" or "thp": what backs a table, for the start-up line. */
const char *flow_mem_name(enum flow_mem m);

/** Bytes a table of @p capacity flows takes, all included. */
size_t flow_table_memory(uint32_t capacity);

/**
 * Create a table. Memory is mapped, pre-faulted and zeroed here, never on the packet path.
 *
 * @param capacity  maximum number of flows (>= 1).
 * @param seed      hash seed; pass a random one (the flow hash must not be predictable).
 * @param now       current tick: the wheel starts there.
 * @return the table, or NULL with errno set (EINVAL, ENOMEM).
 */
struct flow_table *flow_table_create(uint32_t capacity, uint64_t seed, uint32_t now);

/** Destroy a table (its owner has stopped). NULL is ignored. */
void flow_table_destroy(struct flow_table *ft);

/*
 * The per-packet operations below are inline: they run once per packet in the worker's
 * burst loop, where a call and the loss of constant propagation cost more than their body.
 */

static inline uint64_t
flow_mix_(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/**
 * Hash of a normalised key (symmetric, since the key is). Keyed multiply-fold over the 44
 * bytes (three independent 64x64->128 products, the construction of wyhash): about a
 * third of the cycles of jhash, and the keys are secret per table, so an outsider cannot
 * aim flows at one bucket. Bits 0-31 choose the home bucket, bits 48-63 are the signature.
 */
static inline uint64_t
flow_hash(const struct flow_table *ft, const struct flow_key *k)
{
	const uint64_t *h = ft->hkey;
	uint64_t q[5];

	/* Word by word: loads from the key itself, not from a copy of it on the stack. */
	for (unsigned int i = 0; i < 5; i++)
		memcpy(&q[i], &k->w[2 * i], sizeof(q[i]));
	return flow_mix_(q[0] ^ h[0], q[1] ^ h[1]) + flow_mix_(q[2] ^ h[2], q[3] ^ h[3]) +
	       flow_mix_(q[4] ^ h[4], k->w[10] ^ h[5]);
}

/* Lemire's multiply-shift: a bucket from 32 hash bits without a power-of-two table. */
static inline uint32_t
flow_home_bucket_(const struct flow_table *ft, uint32_t hash32)
{
	return (uint32_t)(((uint64_t)hash32 * ft->n_buckets) >> 32);
}

/* The hash's signature: its top 16 bits, kept in the bucket slot. */
static inline uint16_t
flow_sig_(uint64_t hash)
{
	return (uint16_t)(hash >> 48);
}

/* Linear probing: the bucket after @p b, wrapping. */
static inline uint32_t
flow_next_bucket_(const struct flow_table *ft, uint32_t b)
{
	return b + 1 == ft->n_buckets ? 0 : b + 1;
}

/** Prefetch the index bucket of @p hash (first step of a bulk lookup). */
static inline void
flow_prefetch_bucket(const struct flow_table *ft, uint64_t hash)
{
	rte_prefetch0(&ft->buckets[flow_home_bucket_(ft, (uint32_t)hash)]);
}

static inline bool
flow_key_eq_(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t a4, b4;

	memcpy(&a4, &a->w[8], 8);
	memcpy(&b4, &b->w[8], 8);
#if defined(__SSE2__)
	{
		/* The addresses as two 16-byte compares, ports to family as two scalars. */
		const __m128i *pa = (const __m128i *)(const void *)a->w;
		const __m128i *pb = (const __m128i *)(const void *)b->w;
		__m128i eq = _mm_and_si128(
			_mm_cmpeq_epi8(_mm_loadu_si128(pa), _mm_loadu_si128(pb)),
			_mm_cmpeq_epi8(_mm_loadu_si128(pa + 1), _mm_loadu_si128(pb + 1)));

		return _mm_movemask_epi8(eq) == 0xffff && ((a4 ^ b4) | (a->w[10] ^ b->w[10])) == 0;
	}
#else
	{
		uint64_t x[4], y[4];

		memcpy(x, a->w, sizeof(x));
		memcpy(y, b->w, sizeof(y));
		return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (a4 ^ b4) |
			(a->w[10] ^ b->w[10])) == 0;
	}
#endif
}

/* Bit 2s (and 2s+1) set for every slot s of @p bk whose signature is @p sig. */
static inline uint32_t
flow_sig_match_(const struct flow_bucket *bk, uint16_t sig)
{
#if defined(__SSE2__)
	__m128i v = _mm_set1_epi16((short)sig);
	uint32_t lo = (uint32_t)_mm_movemask_epi8(
		_mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(const void *)&bk->sig[0]), v));
	uint32_t hi = (uint32_t)_mm_movemask_epi8(
		_mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(const void *)&bk->sig[2]), v));

	return lo | hi << 4;
#else
	uint32_t m = 0;

	for (unsigned int s = 0; s < FLOW_BUCKET_SLOTS; s++)
		m |= (uint32_t)(bk->sig[s] == sig) * (3u << (2 * s));
	return m;
#endif
}

/**
 * Second step of a bulk lookup, once the bucket is in cache: prefetch both cache lines of
 * the entry whose signature matches (a 96-byte entry may straddle two lines, and a packet
 * touches both).
 */
static inline void
flow_prefetch_entry(const struct flow_table *ft, uint64_t hash)
{
	const struct flow_bucket *bk = &ft->buckets[flow_home_bucket_(ft, (uint32_t)hash)];
	uint32_t m = flow_sig_match_(bk, flow_sig_(hash));

	if (m != 0) {
		uint32_t idx = bk->idx[(unsigned int)__builtin_ctz(m) >> 1];

		if (idx != 0) {
			const char *e = (const char *)&ft->flows[idx - 1];

			rte_prefetch0(e);
			rte_prefetch0(e + sizeof(struct flow) - 1);
		}
	}
}

/** Find a flow. @return its index or FLOW_NONE. */
static inline uint32_t
flow_lookup(const struct flow_table *ft, const struct flow_key *k, uint64_t hash)
{
	uint32_t b = flow_home_bucket_(ft, (uint32_t)hash);
	uint16_t sig = flow_sig_(hash);

	for (uint32_t probes = 0; probes < ft->n_buckets; probes++) {
		const struct flow_bucket *bk = &ft->buckets[b];
		uint32_t m = flow_sig_match_(bk, sig);

		while (m != 0) {
			unsigned int s = (unsigned int)__builtin_ctz(m) >> 1;
			uint32_t idx = bk->idx[s];

			m &= ~(3u << (2 * s));
			if (idx != 0 && flow_key_eq_(&ft->flows[idx - 1].key, k))
				return idx - 1;
		}
		if (bk->overflow == 0)
			break;
		b = flow_next_bucket_(ft, b);
	}
	return FLOW_NONE;
}

/**
 * Add a flow with key @p k (which must not be present). The entry is zeroed except key,
 * flags (FLOW_F_USED), created/last_seen (= @p now); it is not armed.
 *
 * @return its index, or FLOW_NONE when the table is full.
 */
uint32_t flow_insert(struct flow_table *ft, const struct flow_key *k, uint64_t hash,
		     uint32_t now);

/** Remove flow @p idx: unlink it from the index and the wheel and free the entry. */
void flow_remove(struct flow_table *ft, uint32_t idx);

/** Prefetch the home bucket of flow @p idx (ahead of a batch of flow_remove()). */
static inline void
flow_prefetch_home(const struct flow_table *ft, uint32_t idx)
{
	rte_prefetch0(&ft->buckets[flow_home_bucket_(ft, ft->flows[idx].hash)]);
}

/**
 * (Re-)arm flow @p idx to be checked at tick @p due. A due at or before the wheel's time
 * goes to the pending list, checked at the next flow_timer_run().
 */
void flow_arm(struct flow_table *ft, uint32_t idx, uint32_t due);

/** Take flow @p idx off the wheel (indefinite timeout). */
void flow_disarm(struct flow_table *ft, uint32_t idx);

/**
 * Callback giving a flow's current timeout in ticks (FLOW_TMO_NEVER for indefinite),
 * from its profile and state.
 */
typedef uint32_t (*flow_tmo_fn)(const struct flow *f, const void *arg);

/**
 * Advance the wheel to @p now, doing at most *@p budget units of work (one unit per flow
 * checked; *@p budget is decreased by the work done). Flows whose timeout has passed are written to @p expired (at most @p max; they
 * stay in the table, unarmed, for the caller to act on and flow_remove()); flows that were
 * refreshed move to the slot of their real due time.
 *
 * @param due_out  if not NULL, receives each expired flow's due tick (for lateness).
 * @return number of flows written to @p expired.
 */
unsigned int flow_timer_run(struct flow_table *ft, uint32_t now, unsigned int *budget,
			    flow_tmo_fn tmo, const void *arg, uint32_t *expired,
			    uint32_t *due_out, unsigned int max);

/** Whether the wheel has caught up with @p now and nothing is pending. */
bool flow_timer_idle(const struct flow_table *ft, uint32_t now);

/**
 * Whether every flow armed with a due at or before @p tick has been examined since: the
 * wheel has opened @p tick's slot and nothing is pending.
 */
bool flow_timer_passed(const struct flow_table *ft, uint32_t tick);

/**
 * The first tick after the wheel's time, up to @p limit, whose slot holds a flow, or
 * @p limit if there is none (the next tick if flows are pending). No flow can come due at
 * the ticks before it, so a caller with nothing else to do at them (the replay) may step
 * its clock there at once. Reads at most FLOW_WHEEL_SLOTS slot heads; changes nothing.
 */
uint32_t flow_timer_next(const struct flow_table *ft, uint32_t limit);

/** Build a normalised key; returns 1 if the endpoints were swapped (src is endpoint 1). */
static inline int
flow_key_make(struct flow_key *k, uint8_t family, const uint8_t *src, uint16_t sport,
	      const uint8_t *dst, uint16_t dport, uint8_t proto, uint8_t pair, uint16_t vlan0,
	      uint16_t vlan1)
{
	uint64_t s0, s1, d0, d1, pv;
	uint32_t ports;
	int swap;

	/* memcmp order, as two big-endian words: no call, no byte loop. */
	memcpy(&s0, src, 8);
	memcpy(&s1, src + 8, 8);
	memcpy(&d0, dst, 8);
	memcpy(&d1, dst + 8, 8);
	s0 = __builtin_bswap64(s0);
	s1 = __builtin_bswap64(s1);
	d0 = __builtin_bswap64(d0);
	d1 = __builtin_bswap64(d1);
	swap = s0 != d0 ? s0 > d0 : s1 != d1 ? s1 > d1 : sport > dport;
	if (swap) {
		memcpy(k->addr[0], dst, 16);
		memcpy(k->addr[1], src, 16);
		ports = (uint32_t)dport | (uint32_t)sport << 16;
	} else {
		memcpy(k->addr[0], src, 16);
		memcpy(k->addr[1], dst, 16);
		ports = (uint32_t)sport | (uint32_t)dport << 16;
	}
	/*
	 * Ports and VLANs in one 8-byte store and the last word whole, as flow_hash() reads
	 * them: a load spanning narrower stores cannot be forwarded and stalls. (Little-endian
	 * layout: flow.c asserts it.)
	 */
	pv = (uint64_t)ports | ((uint64_t)vlan0 | (uint64_t)vlan1 << 16) << 32;
	memcpy(&k->w[8], &pv, 8);
	k->w[10] = (uint32_t)proto | (uint32_t)pair << 8 | (uint32_t)family << 16;
	return swap;
}

extern const uint8_t flow_state_tmo_map[FLOW_STATE_COUNT];

/** Timeout class of a state (FLOW_ACTIVE: "other"; see flow_tmo_class for ICMP). */
static inline enum cfg_tmo
flow_state_tmo(enum flow_state s)
{
	return (unsigned int)s < FLOW_STATE_COUNT ? (enum cfg_tmo)flow_state_tmo_map[s]
						  : CFG_TMO_OTHER;
}

/** Timeout class of a flow: its state's, or "icmp" for ICMP/ICMPv6 flows. */
static inline enum cfg_tmo
flow_tmo_class(const struct flow *f)
{
	if (f->state == FLOW_ACTIVE && (f->key.proto == 1 || f->key.proto == 58))
		return CFG_TMO_ICMP;
	return flow_state_tmo((enum flow_state)f->state);
}

/** A later UDP packet from endpoint @p from: a stream once both endpoints have sent. */
static inline void
flow_udp_update(struct flow *f, unsigned int from)
{
	f->flags |= FLOW_F_SEEN(from);
	if ((f->flags & (FLOW_F_SEEN0 | FLOW_F_SEEN1)) == (FLOW_F_SEEN0 | FLOW_F_SEEN1))
		f->state = FLOW_UDP_STREAM;
}

/** Endpoint index of the flow's client (0 or 1). */
static inline unsigned int
flow_client(const struct flow *f)
{
	return (f->flags & FLOW_F_CLIENT_1) ? 1 : 0;
}

/** Whether the flow is IPv6 (IPv4 addresses are stored v4-mapped: ::ffff:a.b.c.d). */
static inline bool
flow_is_v6(const struct flow *f)
{
	return f->key.family == 6;
}

/** "tcp", "udp", "icmp", "icmpv6" for those IP protocols, else NULL. */
const char *flow_proto_name(uint8_t proto);

/** Endpoint @p e's address as text (IPv4 dotted, IPv6 RFC 5952) into @p buf. */
void flow_addr_str(const struct flow_key *k, unsigned int e, char *buf, size_t len);

/** Endpoint @p e as "ADDR:PORT", IPv6 in brackets, into @p buf. */
void flow_endpoint_str(const struct flow_key *k, unsigned int e, char *buf, size_t len);

/** Counter label of a state ("established", "syn_sent", "udp_stream", ...). */
const char *flow_state_name(enum flow_state s);

/** a is after b in sequence space (RFC 1982 style, modulo 2^32). */
static inline bool
flow_seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

#endif /* IDLECUT_FLOW_H */
