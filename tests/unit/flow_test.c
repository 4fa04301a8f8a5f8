/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table and timer wheel tests (dataplane/flow.c), no EAL.
 *
 * The index is checked against a plain reference model under a fixed-seed random workload
 * with keys chosen to pile up on a few home buckets (one of them the last, so probe chains
 * wrap), and the per-bucket overflow counters are recomputed from scratch and compared.
 * The wheel is driven by an injected clock: every expiry must happen at exactly the tick the
 * idle timeout ends (never a tick early, never lost), including timeouts longer than a
 * revolution, "immediate" and "indefinite" ones and the wrap of the 32-bit tick counter.
 * After the structural tests, wheel_check() walks every wheel list and the free list to
 * prove the links still agree with the flags.
 *
 * This file knows the index layout from flow.h (struct flow_bucket) and the home-bucket
 * mapping (Lemire's multiply-shift of the low 32 hash bits, see flow.c): it is a white-box
 * test of the structure, not only of the API.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow.h"

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

/* ---------------------------------------------------------------- helpers */

/* xorshift64*: a fixed-seed generator, the same sequence on every libc. */
static uint64_t rng_state;

static void
rng_seed(uint64_t s)
{
	rng_state = s != 0 ? s : 0x9e3779b97f4a7c15ull;
}

static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t
rng_below(uint32_t n)
{
	return (uint32_t)(((uint64_t)rng() * n) >> 32);
}

static void
v4(uint8_t a[16], uint32_t ip)
{
	memset(a, 0, 16);
	a[10] = 0xff;
	a[11] = 0xff;
	a[12] = (uint8_t)(ip >> 24);
	a[13] = (uint8_t)(ip >> 16);
	a[14] = (uint8_t)(ip >> 8);
	a[15] = (uint8_t)ip;
}

/* Key number @i: a distinct TCP flow 10.x.y.z:port -> 192.0.2.1:443 for every i. */
static void
key_of(struct flow_key *k, uint32_t i)
{
	uint8_t src[16], dst[16];

	v4(src, 0x0a000000u | (i >> 4));
	v4(dst, 0xc0000201u);
	flow_key_make(k, 4, src, (uint16_t)(20000 + (i & 15)), dst, 443, PROTO_TCP, 0, 300, 0);
}

/* The home bucket of a hash, as flow.c computes it. */
static uint32_t
home_of(const struct flow_table *ft, uint64_t hash)
{
	return (uint32_t)(((uint64_t)(uint32_t)hash * ft->n_buckets) >> 32);
}

static uint32_t
insert_key(struct flow_table *ft, uint32_t i, uint32_t now)
{
	struct flow_key k;

	key_of(&k, i);
	return flow_insert(ft, &k, flow_hash(ft, &k), now);
}

static uint32_t
lookup_key(const struct flow_table *ft, uint32_t i)
{
	struct flow_key k;

	key_of(&k, i);
	return flow_lookup(ft, &k, flow_hash(ft, &k));
}

/*
 * Recompute every bucket's overflow counter from the entries the index holds (each entry
 * counts in every bucket from its home up to, not including, the one it sits in) and check
 * signatures, back-pointers and the active count on the way.
 */
static void
index_check(const struct flow_table *ft)
{
	uint32_t *want = calloc(ft->n_buckets, sizeof(*want));
	uint32_t entries = 0;

	assert_non_null(want);
	for (uint32_t b = 0; b < ft->n_buckets; b++) {
		for (unsigned int s = 0; s < FLOW_BUCKET_SLOTS; s++) {
			uint32_t idx = ft->buckets[b].idx[s], h;
			const struct flow *f;
			uint64_t hash;

			if (idx == 0)
				continue;
			assert_true(idx <= ft->capacity);
			f = &ft->flows[idx - 1];
			assert_true(f->flags & FLOW_F_USED);
			hash = flow_hash(ft, &f->key);
			assert_int_equal(ft->buckets[b].sig[s], (uint16_t)(hash >> 48));
			for (h = home_of(ft, hash); h != b; h = h + 1 == ft->n_buckets ? 0 : h + 1)
				want[h]++;
			entries++;
		}
	}
	assert_int_equal(entries, ft->n_active);
	for (uint32_t b = 0; b < ft->n_buckets; b++)
		assert_int_equal(ft->buckets[b].overflow, want[b]);
	free(want);
}

/*
 * Whether a flow's due is still ahead of the wheel. Both are taken relative to the flow's last
 * packet (a due is less than 2^31 after it), so that a due up to 2^31 ahead of a wheel that
 * lags behind the clock still counts as ahead.
 */
static bool
due_ahead(const struct flow_table *ft, const struct flow *f)
{
	int64_t due = (int32_t)(f->due - f->last_seen);
	int64_t wheel = (int32_t)(ft->wheel_time - f->last_seen);

	return due > wheel;
}

/*
 * Walk every wheel list (65536 slots + pending) and the free list: links agree in both
 * directions, a flow is linked iff it is FLOW_F_ARMED, once, in the slot of its due (and
 * that due is still ahead of the wheel) or in pending (due already reached), and the free
 * list holds exactly the unused entries.
 */
static void
wheel_check(const struct flow_table *ft)
{
	const struct flow_link *l = ft->links;
	uint8_t *seen = calloc(ft->capacity, 1);
	uint32_t linked = 0, armed = 0, free_n = 0;

	assert_non_null(seen);
	for (uint32_t s = 0; s <= FLOW_WHEEL_SLOTS; s++) {
		uint32_t head = ft->capacity + s, i = l[head].next, prev = head;

		while (i != head) {
			const struct flow *f;

			assert_true(i < ft->capacity);
			assert_int_equal(l[i].prev, prev);
			assert_int_equal(seen[i], 0);
			seen[i] = 1;
			f = &ft->flows[i];
			assert_true(f->flags & FLOW_F_USED);
			assert_true(f->flags & FLOW_F_ARMED);
			if (s == FLOW_WHEEL_SLOTS) {
				assert_false(due_ahead(ft, f));
			} else {
				assert_int_equal(f->due & (FLOW_WHEEL_SLOTS - 1), s);
				assert_true(due_ahead(ft, f));
			}
			linked++;
			assert_true(linked <= ft->capacity);
			prev = i;
			i = l[i].next;
		}
		assert_int_equal(l[head].prev, prev);
	}
	for (uint32_t i = 0; i < ft->capacity; i++) {
		if (ft->flows[i].flags & FLOW_F_ARMED) {
			armed++;
			assert_int_equal(seen[i], 1);
		}
	}
	assert_int_equal(armed, linked);
	for (uint32_t i = ft->free_head; i != FLOW_NONE; i = l[i].next) {
		assert_true(i < ft->capacity);
		assert_int_equal(ft->flows[i].flags & FLOW_F_USED, 0);
		assert_int_equal(seen[i], 0);
		seen[i] = 2;
		free_n++;
		assert_true(free_n <= ft->capacity);
	}
	assert_int_equal(free_n + ft->n_active, ft->capacity);
	free(seen);
}

/* ---------------------------------------------------------------- timeouts */

/* Timeout per flow, chosen through f->profile as the worker does. */
struct tmo_ctx {
	uint32_t by_profile[256];
};

static unsigned int tmo_calls;

static uint32_t
tmo_cb(const struct flow *f, const void *arg)
{
	const struct tmo_ctx *c = arg;

	tmo_calls++;
	return c->by_profile[f->profile];
}

static uint32_t
due_for(uint32_t last_seen, uint32_t t)
{
	return last_seen + (t == 0 ? 1 : t);
}

/* A new flow @i seen at @now with timeout class @profile, armed as the worker arms it. */
static uint32_t
add_armed(struct flow_table *ft, const struct tmo_ctx *c, uint32_t i, uint32_t now, uint8_t profile)
{
	uint32_t idx = insert_key(ft, i, now), t;

	assert_int_not_equal(idx, FLOW_NONE);
	ft->flows[idx].profile = profile;
	t = c->by_profile[profile];
	if (t != FLOW_TMO_NEVER)
		flow_arm(ft, idx, due_for(now, t));
	return idx;
}

/* A packet on flow @idx at @now: stamp last_seen, re-arm only if the timeout got shorter. */
static void
refresh(struct flow_table *ft, const struct tmo_ctx *c, uint32_t idx, uint32_t now)
{
	struct flow *f = &ft->flows[idx];
	uint32_t t = c->by_profile[f->profile];

	f->last_seen = now;
	if (t == FLOW_TMO_NEVER) {
		flow_disarm(ft, idx);
		return;
	}
	if (!(f->flags & FLOW_F_ARMED) || flow_seq_after(f->due, due_for(now, t)))
		flow_arm(ft, idx, due_for(now, t));
}

struct expiry {
	uint32_t idx;
	uint32_t tick; /* the `now` of the flow_timer_run() call that returned it */
	uint32_t due;  /* its due_out */
};

/*
 * Run the wheel at every tick of (from, to], unlimited budget, and remove what expires (as
 * the worker does). Returns how many expired; records up to @cap of them.
 */
static unsigned int
run_ticks(struct flow_table *ft, const struct tmo_ctx *c, uint32_t from, uint32_t to,
	  struct expiry *rec, unsigned int cap)
{
	uint32_t out[256], dues[256];
	unsigned int total = 0;

	for (uint32_t now = from + 1;; now++) {
		unsigned int n;

		do {
			n = flow_timer_run(ft, now, &(unsigned int){UINT_MAX}, tmo_cb, c, out, dues, 256);
			for (unsigned int i = 0; i < n; i++) {
				assert_true(ft->flows[out[i]].flags & FLOW_F_USED);
				assert_false(ft->flows[out[i]].flags & FLOW_F_ARMED);
				if (total < cap)
					rec[total] = (struct expiry){out[i], now, dues[i]};
				total++;
				flow_remove(ft, out[i]);
			}
		} while (n == 256);
		assert_true(flow_timer_idle(ft, now));
		if (now == to)
			break;
	}
	return total;
}

/* ---------------------------------------------------------------- table */

static void
test_create_args(void **state)
{
	struct flow_table *ft;

	(void)state;
	errno = 0;
	assert_null(flow_table_create(0, 1, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(flow_table_create(CFG_CAPACITY_MAX + 1, 1, 0));
	assert_int_equal(errno, EINVAL);
	/* The pool, not the index, bounds the load: a full table leaves the index <= 85 % full. */
	for (uint32_t cap = 1; cap < 5000; cap = cap * 3 + 1) {
		ft = flow_table_create(cap, 1, 0);
		assert_non_null(ft);
		assert_true((uint64_t)ft->n_buckets * FLOW_BUCKET_SLOTS * FLOW_MAX_LOAD_PCT >=
			    (uint64_t)cap * 100);
		assert_true(flow_table_memory(cap) >= sizeof(*ft) + (size_t)ft->n_buckets * 64 +
							      (size_t)cap * sizeof(struct flow));
		flow_table_destroy(ft);
	}
	ft = flow_table_create(1, 1, 0);
	assert_non_null(ft);
	assert_int_equal(ft->capacity, 1);
	assert_int_equal(ft->n_active, 0);
	wheel_check(ft);
	index_check(ft);
	flow_table_destroy(ft);
	flow_table_destroy(NULL);
}

static void
test_insert_lookup_remove(void **state)
{
	struct flow_table *ft = flow_table_create(64, 0x1234, 500);
	struct flow_key k;
	uint64_t h;
	uint32_t idx, again;
	struct flow *f;

	(void)state;
	assert_non_null(ft);
	key_of(&k, 7);
	h = flow_hash(ft, &k);
	assert_int_equal(flow_lookup(ft, &k, h), FLOW_NONE);

	idx = flow_insert(ft, &k, h, 777);
	assert_int_not_equal(idx, FLOW_NONE);
	assert_true(idx < 64);
	assert_int_equal(ft->n_active, 1);
	assert_int_equal(flow_lookup(ft, &k, h), idx);
	f = &ft->flows[idx];
	assert_memory_equal(&f->key, &k, sizeof(k));
	assert_int_equal(f->flags, FLOW_F_USED);
	assert_int_equal(f->hash, (uint32_t)h); /* its home bucket, for flow_remove */
	assert_int_equal(f->last_seen, 777);
	assert_int_equal(f->state, 0);
	assert_int_equal(f->packets, 0);

	/*
	 * Dirty every byte the caller may write (all but the key and the table's own hash),
	 * remove, insert again: zeroed afresh.
	 */
	memset(&f->due, 0xa5, sizeof(*f) - offsetof(struct flow, due));
	f->flags = FLOW_F_USED;
	f->hash = (uint32_t)h;
	flow_remove(ft, idx);
	assert_int_equal(ft->n_active, 0);
	assert_int_equal(flow_lookup(ft, &k, h), FLOW_NONE);
	wheel_check(ft);
	index_check(ft);

	again = flow_insert(ft, &k, h, 900);
	assert_int_equal(again, idx); /* the only entry freed is the one reused */
	f = &ft->flows[again];
	assert_int_equal(f->flags, FLOW_F_USED);
	assert_int_equal(f->hash, (uint32_t)h);
	assert_int_equal(f->last_seen, 900);
	assert_int_equal(f->due, 0);
	assert_int_equal(f->state, 0);
	assert_int_equal(f->profile, 0);
	assert_int_equal(f->seq_next[0] | f->seq_next[1] | f->ack[0] | f->ack[1], 0);
	assert_int_equal(f->win[0] | f->win[1], 0);
	assert_int_equal(f->packets, 0);
	for (unsigned int e = 0; e < 2; e++)
		for (unsigned int b = 0; b < 6; b++)
			assert_int_equal(f->mac[e][b], 0);
	assert_int_equal(flow_lookup(ft, &k, h), again);

	/* Many flows, each found at its own index, removed in a different order. */
	for (uint32_t i = 100; i < 140; i++)
		assert_int_not_equal(insert_key(ft, i, 1000), FLOW_NONE);
	assert_int_equal(ft->n_active, 41);
	for (uint32_t i = 100; i < 140; i++) {
		uint32_t x = lookup_key(ft, i);

		assert_int_not_equal(x, FLOW_NONE);
		assert_int_not_equal(x, again);
		for (uint32_t j = 100; j < i; j++)
			assert_int_not_equal(lookup_key(ft, j), x);
	}
	for (uint32_t i = 139; i >= 100; i -= 2)
		flow_remove(ft, lookup_key(ft, i));
	for (uint32_t i = 100; i < 140; i++)
		assert_int_equal(lookup_key(ft, i) == FLOW_NONE, (i & 1) == 1);
	assert_int_equal(ft->n_active, 21);
	index_check(ft);
	wheel_check(ft);
	flow_table_destroy(ft);
}

static void
test_key_normalisation(void **state)
{
	struct flow_table *ft = flow_table_create(64, 99, 0);
	uint8_t a[16], b[16], a6[16], b6[16];
	struct flow_key fwd, rev, other;
	int sf, sr;
	uint32_t idx;

	(void)state;
	assert_non_null(ft);
	/* 10.0.0.10 > 10.0.0.2 bytewise: endpoint 0 is the smaller address, not the sender. */
	v4(a, 0x0a00000a);
	v4(b, 0x0a000002);
	sf = flow_key_make(&fwd, 4, a, 40000, b, 80, PROTO_TCP, 3, 300, 301);
	sr = flow_key_make(&rev, 4, b, 80, a, 40000, PROTO_TCP, 3, 300, 301);
	assert_int_equal(sf, 1);
	assert_int_equal(sr, 0);
	assert_memory_equal(&fwd, &rev, sizeof(fwd));
	assert_int_equal(flow_hash(ft, &fwd), flow_hash(ft, &rev));
	/* The return value names the sender's endpoint in the key. */
	assert_memory_equal(fwd.addr[sf], a, 16);
	assert_int_equal(fwd.port[sf], 40000);
	assert_memory_equal(fwd.addr[sr], b, 16);
	assert_int_equal(fwd.port[sr], 80);
	assert_int_equal(fwd.vlan[0], 300);
	assert_int_equal(fwd.vlan[1], 301);
	assert_int_equal(fwd.proto, PROTO_TCP);
	assert_int_equal(fwd.pair, 3);
	assert_int_equal(fwd.family, 4);

	/* Either direction finds the flow the other created. */
	idx = flow_insert(ft, &fwd, flow_hash(ft, &fwd), 0);
	assert_int_equal(flow_lookup(ft, &rev, flow_hash(ft, &rev)), idx);

	/* Same address: the ports decide. */
	sf = flow_key_make(&fwd, 4, a, 5000, a, 4000, PROTO_UDP, 0, 0, 0);
	sr = flow_key_make(&rev, 4, a, 4000, a, 5000, PROTO_UDP, 0, 0, 0);
	assert_int_equal(sf, 1);
	assert_int_equal(sr, 0);
	assert_memory_equal(&fwd, &rev, sizeof(fwd));
	assert_int_equal(fwd.port[0], 4000);
	assert_int_equal(fwd.port[1], 5000);

	/* Addresses decide before ports, even when the ports point the other way. */
	sf = flow_key_make(&fwd, 4, b, 65535, a, 1, PROTO_TCP, 0, 0, 0);
	assert_int_equal(sf, 0);
	assert_int_equal(fwd.port[0], 65535);

	/* IPv6, addresses differing in the last byte only. */
	memset(a6, 0, 16);
	a6[0] = 0x20;
	a6[1] = 0x01;
	a6[2] = 0x0d;
	a6[3] = 0xb8;
	memcpy(b6, a6, 16);
	a6[15] = 2;
	b6[15] = 1;
	sf = flow_key_make(&fwd, 6, a6, 1, b6, 2, PROTO_ICMPV6, 1, 0, 0);
	sr = flow_key_make(&rev, 6, b6, 2, a6, 1, PROTO_ICMPV6, 1, 0, 0);
	assert_int_equal(sf, 1);
	assert_int_equal(sr, 0);
	assert_memory_equal(&fwd, &rev, sizeof(fwd));
	assert_int_equal(flow_hash(ft, &fwd), flow_hash(ft, &rev));
	assert_memory_equal(fwd.addr[0], b6, 16);

	/* Every other field keeps flows apart: VLANs, protocol, pair, family. */
	flow_key_make(&fwd, 4, a, 40000, b, 80, PROTO_TCP, 3, 300, 301);
	flow_key_make(&other, 4, a, 40000, b, 80, PROTO_TCP, 3, 300, 302);
	assert_int_equal(flow_lookup(ft, &other, flow_hash(ft, &other)), FLOW_NONE);
	flow_key_make(&other, 4, a, 40000, b, 80, PROTO_TCP, 3, 299, 301);
	assert_int_equal(flow_lookup(ft, &other, flow_hash(ft, &other)), FLOW_NONE);
	flow_key_make(&other, 4, a, 40000, b, 80, PROTO_UDP, 3, 300, 301);
	assert_int_equal(flow_lookup(ft, &other, flow_hash(ft, &other)), FLOW_NONE);
	flow_key_make(&other, 4, a, 40000, b, 80, PROTO_TCP, 4, 300, 301);
	assert_int_equal(flow_lookup(ft, &other, flow_hash(ft, &other)), FLOW_NONE);
	flow_key_make(&other, 6, a, 40000, b, 80, PROTO_TCP, 3, 300, 301);
	assert_int_equal(flow_lookup(ft, &other, flow_hash(ft, &other)), FLOW_NONE);
	flow_key_make(&other, 4, a, 40001, b, 80, PROTO_TCP, 3, 300, 301);
	assert_int_equal(flow_lookup(ft, &other, flow_hash(ft, &other)), FLOW_NONE);
	assert_int_equal(flow_lookup(ft, &fwd, flow_hash(ft, &fwd)), idx);
	flow_table_destroy(ft);
}

static void
test_hash(void **state)
{
	struct flow_table *t1 = flow_table_create(64, 1, 0);
	struct flow_table *t2 = flow_table_create(64, 2, 0);
	struct flow_table *t1b = flow_table_create(64, 1, 0);
	unsigned int same_lo = 0, same_hi = 0;

	(void)state;
	assert_non_null(t1);
	assert_non_null(t2);
	assert_non_null(t1b);
	for (uint32_t i = 0; i < 1000; i++) {
		struct flow_key k;
		uint64_t h1, h2;

		key_of(&k, i);
		h1 = flow_hash(t1, &k);
		h2 = flow_hash(t2, &k);
		assert_int_equal(h1, flow_hash(t1b, &k)); /* deterministic for a seed */
		assert_int_not_equal(h1, h2);
		same_lo += (uint32_t)h1 == (uint32_t)h2;
		same_hi += (h1 >> 48) == (h2 >> 48);
	}
	/* Both the bucket bits and the signature bits depend on the seed. */
	assert_true(same_lo < 5);
	assert_true(same_hi < 50);

	/* Every byte of the key reaches the hash (and so the table tells the keys apart). */
	for (unsigned int byte = 0; byte < sizeof(struct flow_key); byte++) {
		struct flow_key k, m;

		key_of(&k, 42);
		m = k;
		((uint8_t *)&m)[byte] ^= 0x01;
		assert_int_not_equal(flow_hash(t1, &k), flow_hash(t1, &m));
		((uint8_t *)&m)[byte] ^= 0x81;
		assert_int_not_equal(flow_hash(t1, &k), flow_hash(t1, &m));
	}
	flow_table_destroy(t1);
	flow_table_destroy(t2);
	flow_table_destroy(t1b);
}

static void
test_lookup_absent(void **state)
{
	struct flow_table *ft = flow_table_create(256, 5, 0);
	struct flow_key k, m;

	(void)state;
	assert_non_null(ft);
	for (uint32_t i = 0; i < 300; i++)
		assert_int_equal(lookup_key(ft, i), FLOW_NONE);
	for (uint32_t i = 0; i < 200; i += 2)
		assert_int_not_equal(insert_key(ft, i, 0), FLOW_NONE);
	for (uint32_t i = 0; i < 300; i++)
		assert_int_equal(lookup_key(ft, i) == FLOW_NONE, i >= 200 || (i & 1));
	/*
	 * A key given the hash of a stored one (same home bucket, same signature) must still
	 * miss: the index compares the whole key, not only the signature.
	 */
	key_of(&k, 10);
	key_of(&m, 11);
	assert_int_equal(flow_lookup(ft, &m, flow_hash(ft, &k)), FLOW_NONE);
	assert_int_not_equal(flow_lookup(ft, &k, flow_hash(ft, &k)), FLOW_NONE);
	flow_table_destroy(ft);
}

static void
fill_to_capacity(uint32_t capacity)
{
	struct flow_table *ft = flow_table_create(capacity, 0xabcdef, 0);
	uint8_t *used = calloc(capacity, 1);
	uint32_t victim, idx;

	assert_non_null(ft);
	assert_non_null(used);
	for (uint32_t i = 0; i < capacity; i++) {
		idx = insert_key(ft, i, i);
		assert_int_not_equal(idx, FLOW_NONE);
		assert_true(idx < capacity);
		assert_int_equal(used[idx], 0);
		used[idx] = 1;
	}
	assert_int_equal(ft->n_active, capacity);
	assert_int_equal(ft->free_head, FLOW_NONE);
	/* Full: refused, and nothing changes. */
	assert_int_equal(insert_key(ft, capacity, 0), FLOW_NONE);
	assert_int_equal(insert_key(ft, capacity + 1, 0), FLOW_NONE);
	assert_int_equal(ft->n_active, capacity);
	assert_int_equal(lookup_key(ft, capacity), FLOW_NONE);
	for (uint32_t i = 0; i < capacity; i++)
		assert_int_not_equal(lookup_key(ft, i), FLOW_NONE);
	index_check(ft);
	wheel_check(ft);

	/* Remove one: the next insert takes exactly that entry, then full again. */
	victim = lookup_key(ft, capacity / 2);
	flow_remove(ft, victim);
	assert_int_equal(lookup_key(ft, capacity / 2), FLOW_NONE);
	idx = insert_key(ft, capacity + 7, 0);
	assert_int_equal(idx, victim);
	assert_int_equal(lookup_key(ft, capacity + 7), victim);
	assert_int_equal(insert_key(ft, capacity / 2, 0), FLOW_NONE);
	index_check(ft);

	/* Empty it completely, then fill it again with other keys. */
	for (uint32_t i = 0; i < capacity; i++)
		if (i != capacity / 2)
			flow_remove(ft, lookup_key(ft, i));
	flow_remove(ft, lookup_key(ft, capacity + 7));
	assert_int_equal(ft->n_active, 0);
	index_check(ft);
	for (uint32_t b = 0; b < ft->n_buckets; b++)
		assert_int_equal(ft->buckets[b].overflow, 0);
	wheel_check(ft);
	for (uint32_t i = 0; i < capacity; i++)
		assert_int_not_equal(insert_key(ft, 1000000 + i, 0), FLOW_NONE);
	assert_int_equal(insert_key(ft, 0, 0), FLOW_NONE);
	index_check(ft);
	free(used);
	flow_table_destroy(ft);
}

static void
test_fill_to_capacity(void **state)
{
	(void)state;
	fill_to_capacity(1);
	fill_to_capacity(2);
	fill_to_capacity(7);
	fill_to_capacity(1000);
	fill_to_capacity(4096);
}

/*
 * Randomized differential test: 200k inserts, removals and lookups on a 1000-flow table,
 * checked op by op against a reference set. Two thirds of the key pool is chosen so that it
 * lands on three home buckets (the last one, so probe runs wrap to bucket 0, and two
 * neighbours in the middle), which builds long runs and keeps the overflow counters busy; the
 * table is driven to full and back many times.
 */
#define DIFF_CAP 1000
#define DIFF_POOL 3000
#define DIFF_OPS 200000

static void
test_index_differential(void **state)
{
	struct flow_table *ft = flow_table_create(DIFF_CAP, 0x5eed, 0);
	static uint32_t pool[DIFF_POOL], model_idx[DIFF_POOL], present[DIFF_POOL];
	static uint64_t pool_hash[DIFF_POOL];
	static uint8_t idx_used[DIFF_CAP];
	uint32_t n_present = 0, hot = 0, cand = 0, n_full = 0, max_overflow = 0;
	uint32_t hot_b[3];

	(void)state;
	assert_non_null(ft);
	rng_seed(20240601);
	hot_b[0] = ft->n_buckets - 1;
	hot_b[1] = ft->n_buckets / 2;
	hot_b[2] = ft->n_buckets / 2 + 1;
	/* 2000 keys homed on the three hot buckets, 1000 anywhere. */
	while (hot < 2000) {
		struct flow_key k;
		uint32_t h;

		key_of(&k, cand);
		h = home_of(ft, flow_hash(ft, &k));
		if (h == hot_b[0] || h == hot_b[1] || h == hot_b[2])
			pool[hot++] = cand;
		cand++;
	}
	for (uint32_t i = hot; i < DIFF_POOL; i++)
		pool[i] = cand + 1 + i;
	for (uint32_t i = 0; i < DIFF_POOL; i++) {
		struct flow_key k;

		key_of(&k, pool[i]);
		pool_hash[i] = flow_hash(ft, &k);
		model_idx[i] = FLOW_NONE;
	}

	for (uint32_t op = 0; op < DIFF_OPS; op++) {
		uint32_t r = rng_below(100), p = rng_below(DIFF_POOL), idx;
		struct flow_key k;

		/* Phases: mostly inserting for a while, then mostly removing. */
		if (op % 10000 >= 8000)
			r = r < 30 ? 0 : (r < 90 ? 60 : 99);
		else
			r = r < 65 ? 0 : (r < 90 ? 60 : 99);
		key_of(&k, pool[p]);
		if (r < 60) {
			if (model_idx[p] != FLOW_NONE) {
				assert_int_equal(flow_lookup(ft, &k, pool_hash[p]), model_idx[p]);
				continue;
			}
			idx = flow_insert(ft, &k, pool_hash[p], op);
			if (n_present == DIFF_CAP) {
				assert_int_equal(idx, FLOW_NONE);
				n_full++;
				continue;
			}
			assert_int_not_equal(idx, FLOW_NONE);
			assert_true(idx < DIFF_CAP);
			assert_int_equal(idx_used[idx], 0);
			idx_used[idx] = 1;
			model_idx[p] = idx;
			present[n_present++] = p;
		} else if (r < 90 && n_present > 0) {
			uint32_t j = rng_below(n_present), q = present[j];

			idx = model_idx[q];
			key_of(&k, pool[q]);
			assert_int_equal(flow_lookup(ft, &k, pool_hash[q]), idx);
			flow_remove(ft, idx);
			assert_int_equal(flow_lookup(ft, &k, pool_hash[q]), FLOW_NONE);
			idx_used[idx] = 0;
			model_idx[q] = FLOW_NONE;
			present[j] = present[--n_present];
		} else {
			assert_int_equal(flow_lookup(ft, &k, pool_hash[p]), model_idx[p]);
		}
		assert_int_equal(ft->n_active, n_present);
		if (op % 500 == 0) {
			index_check(ft);
			for (uint32_t b = 0; b < ft->n_buckets; b++)
				if (ft->buckets[b].overflow > max_overflow)
					max_overflow = ft->buckets[b].overflow;
		}
		if (op % 10000 == 0) {
			for (uint32_t i = 0; i < DIFF_POOL; i++) {
				key_of(&k, pool[i]);
				assert_int_equal(flow_lookup(ft, &k, pool_hash[i]), model_idx[i]);
			}
			wheel_check(ft);
		}
	}
	index_check(ft);
	wheel_check(ft);
	/* The workload did what it claims: the table filled up and runs got long. */
	assert_true(n_full > 100);
	assert_true(max_overflow > 50);
	print_message("index differential: %u refused inserts when full, max overflow %u\n", n_full,
		      max_overflow);
	/* Drain: all counters back to zero. */
	while (n_present > 0)
		flow_remove(ft, model_idx[present[--n_present]]);
	for (uint32_t b = 0; b < ft->n_buckets; b++)
		assert_int_equal(ft->buckets[b].overflow, 0);
	index_check(ft);
	wheel_check(ft);
	flow_table_destroy(ft);
}

static void
test_memory(void **state)
{
	uint32_t cap = 1u << 20;
	size_t bytes = flow_table_memory(cap);
	double per_flow = (double)bytes / cap;

	(void)state;
	print_message("flow_table_memory(%u) = %zu bytes = %.2f bytes per flow\n", cap, bytes,
		      per_flow);
	assert_true(bytes <= (size_t)128 * cap);
	/* At least the entries and their wheel links. */
	assert_true(bytes >= (size_t)cap * (sizeof(struct flow) + sizeof(struct flow_link)));
	assert_true(flow_table_memory(1000) < flow_table_memory(2000));
	assert_true(flow_table_memory(CFG_CAPACITY_MAX) <= (size_t)128 * CFG_CAPACITY_MAX);
}

static void
test_state_helpers(void **state)
{
	struct flow f;

	(void)state;
	assert_int_equal(flow_state_tmo(FLOW_TCP_SYN_SENT), CFG_TMO_TCP_HANDSHAKE);
	assert_int_equal(flow_state_tmo(FLOW_TCP_SYN_RECV), CFG_TMO_TCP_HANDSHAKE);
	assert_int_equal(flow_state_tmo(FLOW_TCP_ESTABLISHED), CFG_TMO_TCP_ESTABLISHED);
	assert_int_equal(flow_state_tmo(FLOW_TCP_FIN_WAIT), CFG_TMO_TCP_CLOSING);
	assert_int_equal(flow_state_tmo(FLOW_TCP_CLOSING), CFG_TMO_TCP_CLOSING);
	assert_int_equal(flow_state_tmo(FLOW_TCP_TIME_WAIT), CFG_TMO_TCP_TIME_WAIT);
	assert_int_equal(flow_state_tmo(FLOW_TCP_CLOSED), CFG_TMO_TCP_CLOSING);
	assert_int_equal(flow_state_tmo(FLOW_UDP_SINGLE), CFG_TMO_UDP_SINGLE);
	assert_int_equal(flow_state_tmo(FLOW_UDP_STREAM), CFG_TMO_UDP_STREAM);
	assert_int_equal(flow_state_tmo(FLOW_ACTIVE), CFG_TMO_OTHER);
	memset(&f, 0, sizeof(f));
	f.state = FLOW_ACTIVE;
	f.key.proto = PROTO_ICMP;
	assert_int_equal(flow_tmo_class(&f), CFG_TMO_ICMP);
	f.key.proto = PROTO_ICMPV6;
	assert_int_equal(flow_tmo_class(&f), CFG_TMO_ICMP);
	f.key.proto = 47;
	assert_int_equal(flow_tmo_class(&f), CFG_TMO_OTHER);
	f.state = FLOW_UDP_STREAM;
	f.key.proto = PROTO_UDP;
	assert_int_equal(flow_tmo_class(&f), CFG_TMO_UDP_STREAM);
	for (unsigned int s = 0; s < FLOW_STATE_COUNT; s++) {
		assert_non_null(flow_state_name((enum flow_state)s));
		assert_string_not_equal(flow_state_name((enum flow_state)s), "unknown");
	}
	assert_string_equal(flow_state_name(FLOW_TCP_ESTABLISHED), "established");
	assert_string_equal(flow_state_name(FLOW_STATE_COUNT), "unknown");
	assert_true(flow_seq_after(1, 0));
	assert_true(flow_seq_after(0, UINT32_MAX));
	assert_false(flow_seq_after(UINT32_MAX, 0));
	assert_false(flow_seq_after(5, 5));
}

/* ---------------------------------------------------------------- wheel */

/* A flow armed at due T expires at exactly tick T, for short and multi-revolution timeouts. */
static void
test_wheel_exact_tick(void **state)
{
	static const uint32_t tmos[] = {1,     2,     3,      50,     1000,   65535,
					65536, 65537, 131071, 131072, 131073, 300000};
	const uint32_t n = sizeof(tmos) / sizeof(tmos[0]), t0 = 1000;
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(64, 3, t0);
	struct expiry rec[64];
	uint32_t idx[16];
	unsigned int got;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	for (uint32_t i = 0; i < n; i++) {
		c.by_profile[i] = tmos[i];
		idx[i] = add_armed(ft, &c, i, t0, (uint8_t)i);
		assert_int_equal(ft->flows[idx[i]].due, t0 + tmos[i]);
	}
	wheel_check(ft);
	/* One tick before each due nothing has expired; at the due it has, with due_out. */
	got = run_ticks(ft, &c, t0, t0 + 300000 + 5, rec, 64);
	assert_int_equal(got, n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(rec[i].idx, idx[i]); /* in due order, one per tick */
		assert_int_equal(rec[i].tick, t0 + tmos[i]);
		assert_int_equal(rec[i].due, t0 + tmos[i]);
	}
	assert_int_equal(ft->n_active, 0);
	wheel_check(ft);
	flow_table_destroy(ft);
}

/*
 * The two flows of test_wheel_jumps() and test_wheel_next(), armed at tick 0: *a with a
 * timeout of 100 ticks, *b of 70000 (past a revolution of the wheel).
 */
static void
add_two(struct flow_table *ft, struct tmo_ctx *c, uint32_t *a, uint32_t *b)
{
	memset(c, 0, sizeof(*c));
	c->by_profile[1] = 100;
	c->by_profile[2] = 70000;
	*a = add_armed(ft, c, 1, 0, 1);
	*b = add_armed(ft, c, 2, 0, 2);
}

/* flow_timer_run() to @p now with no budget limit: how many expired (out[], dues[]). */
static unsigned int
run_to(struct flow_table *ft, struct tmo_ctx *c, uint32_t now, uint32_t *out, uint32_t *dues)
{
	return flow_timer_run(ft, now, &(unsigned int){UINT_MAX}, tmo_cb, c, out, dues, 8);
}

/* The same with the clock jumping: a late run still reports the true due, never early. */
static void
test_wheel_jumps(void **state)
{
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(64, 3, 0);
	uint32_t out[8], dues[8], a, b;

	(void)state;
	assert_non_null(ft);
	add_two(ft, &c, &a, &b);
	assert_int_equal(run_to(ft, &c, 99, out, dues), 0);
	assert_true(flow_timer_idle(ft, 99));
	assert_int_equal(run_to(ft, &c, 100, out, dues), 1);
	assert_int_equal(out[0], a);
	assert_int_equal(dues[0], 100);
	flow_remove(ft, a);
	/* Jump over a whole revolution and past the due: one run catches up. */
	assert_int_equal(run_to(ft, &c, 69999, out, dues), 0);
	assert_int_equal(run_to(ft, &c, 80000, out, dues), 1);
	assert_int_equal(out[0], b);
	assert_int_equal(dues[0], 70000);
	assert_true(flow_timer_idle(ft, 80000));
	flow_remove(ft, b);
	wheel_check(ft);
	flow_table_destroy(ft);
}

/*
 * flow_timer_next: the first tick whose slot holds a flow, the limit when none does (and
 * over a whole revolution), the next tick while flows are pending; stepping the clock to it
 * expires each flow at its due.
 */
static void
test_wheel_next(void **state)
{
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(64, 3, 0);
	uint32_t out[8], dues[8], a, b;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(flow_timer_next(ft, 500000), 500000); /* nothing armed at all */
	assert_int_equal(flow_timer_next(ft, 0), 0);
	add_two(ft, &c, &a, &b);
	assert_int_equal(flow_timer_next(ft, 50), 50);
	assert_int_equal(flow_timer_next(ft, 100), 100);
	assert_int_equal(flow_timer_next(ft, 500000), 100);
	assert_int_equal(run_to(ft, &c, 100, out, dues), 1);
	assert_int_equal(out[0], a);
	flow_remove(ft, a);
	/* b sits in slot 70000 % 65536: found a revolution early, re-armed there, found again. */
	assert_int_equal(flow_timer_next(ft, 500000), 70000 - FLOW_WHEEL_SLOTS);
	assert_int_equal(run_to(ft, &c, 70000 - FLOW_WHEEL_SLOTS, out, dues), 0);
	assert_int_equal(flow_timer_next(ft, 500000), 70000);
	assert_int_equal(run_to(ft, &c, 70000, out, dues), 1);
	assert_int_equal(out[0], b);
	assert_int_equal(dues[0], 70000);
	flow_remove(ft, b);
	assert_int_equal(flow_timer_next(ft, 500000), 500000);
	/* A flow armed at or before the wheel's time is pending: the next tick. */
	a = add_armed(ft, &c, 3, 70000, 1);
	flow_arm(ft, a, 69000);
	assert_int_equal(flow_timer_next(ft, 500000), 70001);
	flow_remove(ft, a);
	wheel_check(ft);
	flow_table_destroy(ft);
}

/* Refreshed before its due: checked at the due, re-armed to last_seen + timeout, not expired. */
static void
test_wheel_lazy_rearm(void **state)
{
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(16, 3, 0);
	struct expiry rec[4];
	uint32_t idx, long_idx;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	c.by_profile[1] = 100;
	c.by_profile[2] = 200000;
	idx = add_armed(ft, &c, 1, 0, 1);
	long_idx = add_armed(ft, &c, 2, 0, 2);
	assert_int_equal(run_ticks(ft, &c, 0, 60, rec, 4), 0);
	refresh(ft, &c, idx, 60);
	/* The packet path did not move it: the timeout did not get shorter. */
	assert_int_equal(ft->flows[idx].due, 100);
	tmo_calls = 0;
	assert_int_equal(run_ticks(ft, &c, 60, 100, rec, 4), 0);
	assert_int_equal(tmo_calls, 1); /* checked once, at its old due */
	assert_true(ft->flows[idx].flags & FLOW_F_ARMED);
	assert_int_equal(ft->flows[idx].due, 160);
	wheel_check(ft);
	assert_int_equal(run_ticks(ft, &c, 100, 159, rec, 4), 0);
	assert_int_equal(run_ticks(ft, &c, 159, 160, rec, 4), 1);
	assert_int_equal(rec[0].idx, idx);
	assert_int_equal(rec[0].due, 160);

	/*
	 * A 200 s flow refreshed at 50 s, 150 s and 210 s: waits out the revolutions in its slot
	 * without a timeout check, is checked at 200 s and 350 s (re-armed each time) and
	 * expires at exactly 410 s.
	 */
	assert_int_equal(run_ticks(ft, &c, 160, 50000, rec, 4), 0);
	refresh(ft, &c, long_idx, 50000);
	assert_int_equal(run_ticks(ft, &c, 50000, 150000, rec, 4), 0);
	refresh(ft, &c, long_idx, 150000);
	tmo_calls = 0;
	assert_int_equal(run_ticks(ft, &c, 150000, 210000, rec, 4), 0);
	assert_int_equal(ft->flows[long_idx].due, 350000);
	refresh(ft, &c, long_idx, 210000);
	assert_int_equal(run_ticks(ft, &c, 210000, 409999, rec, 4), 0);
	assert_int_equal(ft->flows[long_idx].due, 410000);
	assert_int_equal(run_ticks(ft, &c, 409999, 410000, rec, 4), 1);
	assert_int_equal(tmo_calls, 3);
	assert_int_equal(rec[0].idx, long_idx);
	assert_int_equal(rec[0].due, 410000);
	wheel_check(ft);
	flow_table_destroy(ft);
}

/* A timeout that got longer after arming (state change, new scenario): lazy, exact. */
static void
test_wheel_timeout_changes(void **state)
{
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(16, 3, 0);
	struct expiry rec[4];
	uint32_t idx;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	c.by_profile[0] = 10;
	c.by_profile[1] = 5000;
	c.by_profile[2] = 3;
	idx = add_armed(ft, &c, 1, 0, 0);
	/* At tick 5 the flow moves to the long class (SYN_SENT -> ESTABLISHED). */
	ft->flows[idx].profile = 1;
	refresh(ft, &c, idx, 5);
	assert_int_equal(ft->flows[idx].due, 10);
	assert_int_equal(run_ticks(ft, &c, 0, 4000, rec, 4), 0);
	assert_int_equal(ft->flows[idx].due, 5005); /* re-armed by the check at 10 */
	/*
	 * At 4000 a shorter class: the new end (4003) is before the armed due (5005), so the
	 * packet path re-arms at once.
	 */
	ft->flows[idx].profile = 2;
	refresh(ft, &c, idx, 4000);
	assert_int_equal(ft->flows[idx].due, 4003);
	wheel_check(ft);
	assert_int_equal(run_ticks(ft, &c, 4000, 4002, rec, 4), 0);
	assert_int_equal(run_ticks(ft, &c, 4002, 4003, rec, 4), 1);
	assert_int_equal(rec[0].idx, idx);
	assert_int_equal(rec[0].due, 4003);

	/* Shorter, but ending after the armed due: left lazy, still exact. */
	idx = add_armed(ft, &c, 2, 4003, 1); /* due 9003 */
	ft->flows[idx].profile = 2;
	refresh(ft, &c, idx, 9001);
	assert_int_equal(ft->flows[idx].due, 9003);
	assert_int_equal(run_ticks(ft, &c, 4003, 9003, rec, 4), 0);
	assert_int_equal(ft->flows[idx].due, 9004);
	assert_int_equal(run_ticks(ft, &c, 9003, 9004, rec, 4), 1);
	assert_int_equal(rec[0].due, 9004);
	wheel_check(ft);
	flow_table_destroy(ft);
}

/* Indefinite flows are never armed and never expire, even when they used to be armed. */
static void
test_wheel_never(void **state)
{
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(16, 3, 0);
	struct expiry rec[4];
	uint32_t never, became;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	c.by_profile[1] = FLOW_TMO_NEVER;
	c.by_profile[2] = 100;
	never = add_armed(ft, &c, 1, 0, 1);
	assert_false(ft->flows[never].flags & FLOW_F_ARMED);
	became = add_armed(ft, &c, 2, 0, 2);
	/* Its class becomes indefinite without a packet: dropped from the wheel at the check. */
	c.by_profile[2] = FLOW_TMO_NEVER;
	tmo_calls = 0;
	assert_int_equal(run_ticks(ft, &c, 0, 3 * FLOW_WHEEL_SLOTS + 7, rec, 4), 0);
	assert_int_equal(tmo_calls, 1);
	assert_false(ft->flows[never].flags & FLOW_F_ARMED);
	assert_false(ft->flows[became].flags & FLOW_F_ARMED);
	assert_int_equal(ft->n_active, 2);
	wheel_check(ft);
	/* A packet on an armed flow whose class is now indefinite disarms it. */
	c.by_profile[2] = 100;
	refresh(ft, &c, became, 3 * FLOW_WHEEL_SLOTS + 7);
	assert_true(ft->flows[became].flags & FLOW_F_ARMED);
	c.by_profile[2] = FLOW_TMO_NEVER;
	refresh(ft, &c, became, 3 * FLOW_WHEEL_SLOTS + 8);
	assert_false(ft->flows[became].flags & FLOW_F_ARMED);
	assert_int_equal(run_ticks(ft, &c, 3 * FLOW_WHEEL_SLOTS + 8, 4 * FLOW_WHEEL_SLOTS, rec, 4),
			 0);
	wheel_check(ft);
	flow_table_destroy(ft);
}

/* "immediate" (timeout 0): expires at the first tick after its last packet. */
static void
test_wheel_immediate(void **state)
{
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(16, 3, 40);
	struct expiry rec[4];
	uint32_t out[4], dues[4], idx;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	c.by_profile[0] = 0;
	idx = add_armed(ft, &c, 1, 40, 0);
	assert_int_equal(ft->flows[idx].due, 41);
	/* Not at the tick of its last packet... */
	assert_int_equal(flow_timer_run(ft, 40, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, 4), 0);
	/* ...but at the next one. */
	assert_int_equal(run_ticks(ft, &c, 40, 41, rec, 4), 1);
	assert_int_equal(rec[0].idx, idx);
	assert_int_equal(rec[0].due, 41);
	/* More packets in the same tick change nothing. */
	idx = add_armed(ft, &c, 2, 41, 0);
	refresh(ft, &c, idx, 41);
	assert_int_equal(ft->flows[idx].due, 42);
	assert_int_equal(flow_timer_run(ft, 41, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, 4), 0);
	/* A packet stamped after it was armed: the check re-arms it one tick on. */
	ft->flows[idx].last_seen = 42;
	assert_int_equal(run_ticks(ft, &c, 41, 42, rec, 4), 0);
	assert_int_equal(ft->flows[idx].due, 43);
	assert_int_equal(run_ticks(ft, &c, 42, 43, rec, 4), 1);
	assert_int_equal(rec[0].idx, idx);
	assert_int_equal(rec[0].due, 43);
	wheel_check(ft);
	flow_table_destroy(ft);
}

/* An expiry storm: 10000 flows due at the same tick, 100 checks per call. */
static void
test_wheel_budget(void **state)
{
	enum { N = 10000, BUDGET = 100 };
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(N + 10, 3, 0);
	static uint8_t gone[N + 10];
	uint32_t out[N], dues[N], keep;
	unsigned int calls = 0, total = 0;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	memset(gone, 0, sizeof(gone));
	c.by_profile[0] = 500;
	c.by_profile[1] = 2000;
	for (uint32_t i = 0; i < N; i++)
		add_armed(ft, &c, i, 0, 0);
	keep = add_armed(ft, &c, N, 0, 1);
	assert_int_equal(flow_timer_run(ft, 499, &(unsigned int){BUDGET}, tmo_cb, &c, out, dues, N), 0);
	assert_true(flow_timer_idle(ft, 499));
	while (total < N) {
		unsigned int n;

		tmo_calls = 0;
		n = flow_timer_run(ft, 500, &(unsigned int){BUDGET}, tmo_cb, &c, out, dues, N);
		calls++;
		assert_true(tmo_calls <= BUDGET);
		assert_true(n <= BUDGET);
		assert_int_equal(n, BUDGET); /* all due: every unit of work expires one */
		for (unsigned int i = 0; i < n; i++) {
			assert_true(out[i] < N + 10);
			assert_int_equal(gone[out[i]], 0);
			assert_int_not_equal(out[i], keep);
			assert_int_equal(dues[i], 500);
			gone[out[i]] = 1;
			flow_remove(ft, out[i]);
		}
		total += n;
		assert_int_equal(flow_timer_idle(ft, 500), total == N);
		assert_true(calls <= N / BUDGET);
	}
	assert_int_equal(calls, N / BUDGET);
	assert_int_equal(ft->n_active, 1);
	assert_int_equal(flow_timer_run(ft, 500, &(unsigned int){BUDGET}, tmo_cb, &c, out, dues, N), 0);
	wheel_check(ft);

	/* Budget spent on re-arms counts too: 1000 refreshed flows, budget 10. */
	for (uint32_t i = 0; i < 1000; i++)
		refresh(ft, &c, add_armed(ft, &c, N + 100 + i, 500, 0), 600);
	calls = 0;
	do {
		tmo_calls = 0;
		assert_int_equal(flow_timer_run(ft, 1000, &(unsigned int){10}, tmo_cb, &c, out, dues, N), 0);
		assert_true(tmo_calls <= 10);
		calls++;
	} while (!flow_timer_idle(ft, 1000));
	assert_int_equal(calls, 100);
	wheel_check(ft);
	/* budget 0 does nothing at all, not even advance the wheel. */
	assert_int_equal(flow_timer_run(ft, 1100, &(unsigned int){0}, tmo_cb, &c, out, dues, N), 0);
	assert_int_equal(ft->wheel_time, 1000);
	assert_int_equal(run_ticks(ft, &c, 1000, 1100, NULL, 0), 1000);
	assert_int_equal(ft->n_active, 1);
	flow_table_destroy(ft);
}

/* max caps the output; the rest stays pending, none is lost or returned twice. */
static void
test_wheel_max(void **state)
{
	enum { N = 500, MAX = 7 };
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(N, 3, 0);
	uint8_t gone[N];
	uint32_t out[MAX + 1], dues[MAX + 1], saved = FLOW_NONE;
	unsigned int total = 0;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	memset(gone, 0, sizeof(gone));
	c.by_profile[0] = 20;
	for (uint32_t i = 0; i < N; i++)
		add_armed(ft, &c, i, i % 3, 0); /* dues 20, 21, 22 */
	out[MAX] = 0xdeadbeef;
	dues[MAX] = 0xdeadbeef;
	assert_int_equal(flow_timer_run(ft, 30, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, 0), 0);
	/*
	 * A flow left waiting in pending when the output was full gets a packet before the next
	 * run (the worker handles packets between ticks): it is re-armed then, not expired.
	 */
	assert_int_equal(flow_timer_run(ft, 30, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, MAX), MAX);
	for (unsigned int i = 0; i < MAX; i++) {
		gone[out[i]] = 1;
		flow_remove(ft, out[i]);
	}
	total = MAX;
	/* Flows due at 20 (i % 3 == 0, inserted in index order) not yet returned are pending. */
	for (uint32_t i = 0; i < N && saved == FLOW_NONE; i += 3)
		if (!gone[i])
			saved = i;
	assert_int_not_equal(saved, FLOW_NONE);
	assert_int_equal(ft->flows[saved].due, 20);
	refresh(ft, &c, saved, 30);
	gone[saved] = 1; /* must not come out below */
	total++;
	while (total < N) {
		unsigned int n = flow_timer_run(ft, 30, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, MAX);

		assert_true(n <= MAX);
		assert_true(n > 0);
		assert_int_equal(out[MAX], 0xdeadbeef);
		assert_int_equal(dues[MAX], 0xdeadbeef);
		for (unsigned int i = 0; i < n; i++) {
			assert_int_equal(gone[out[i]], 0);
			gone[out[i]] = 1;
			assert_int_equal(dues[i], 20 + ft->flows[out[i]].last_seen);
			flow_remove(ft, out[i]);
		}
		total += n;
	}
	assert_int_equal(flow_timer_run(ft, 30, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, NULL, MAX), 0);
	assert_true(flow_timer_idle(ft, 30));
	assert_int_equal(ft->n_active, 1);
	assert_int_equal(ft->flows[saved].due, 50); /* re-armed from its refresh */
	/* due_out may be NULL. */
	add_armed(ft, &c, 0, 30, 0);
	assert_int_equal(flow_timer_run(ft, 49, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, NULL, MAX), 0);
	assert_int_equal(flow_timer_run(ft, 50, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, NULL, MAX), 2);
	assert_true(out[0] == saved || out[1] == saved);
	wheel_check(ft);
	flow_table_destroy(ft);
}

/* A due at or before the wheel's time goes to pending and is checked at the next run. */
static void
test_wheel_arm_past(void **state)
{
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(16, 3, 1000);
	uint32_t out[4], dues[4], past, at, fresh;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	c.by_profile[0] = 10;
	c.by_profile[1] = 500;
	assert_true(flow_timer_idle(ft, 1000));
	past = insert_key(ft, 1, 900);
	flow_arm(ft, past, 910);
	at = insert_key(ft, 2, 990);
	flow_arm(ft, at, 1000); /* exactly the wheel's time: its slot is already open */
	wheel_check(ft);
	assert_false(flow_timer_idle(ft, 1000));
	/* No time passes, yet both are checked and expire, each with its true due. */
	assert_int_equal(flow_timer_run(ft, 1000, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, 4), 2);
	assert_int_equal(out[0], past);
	assert_int_equal(dues[0], 910);
	assert_int_equal(out[1], at);
	assert_int_equal(dues[1], 1000);
	assert_true(flow_timer_idle(ft, 1000));
	flow_remove(ft, past);
	flow_remove(ft, at);
	/* Armed in the past but refreshed since: re-armed from pending, expires on time. */
	fresh = insert_key(ft, 3, 995);
	ft->flows[fresh].profile = 1;
	flow_arm(ft, fresh, 996);
	assert_int_equal(flow_timer_run(ft, 1000, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, 4), 0);
	assert_int_equal(ft->flows[fresh].due, 1495);
	assert_true(ft->flows[fresh].flags & FLOW_F_ARMED);
	wheel_check(ft);
	assert_int_equal(flow_timer_run(ft, 1494, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, 4), 0);
	assert_int_equal(flow_timer_run(ft, 1495, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, 4), 1);
	assert_int_equal(dues[0], 1495);
	flow_table_destroy(ft);
}

static void
test_wheel_disarm(void **state)
{
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(16, 3, 0);
	struct expiry rec[4];
	uint32_t a, b, p;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	c.by_profile[0] = 10;
	a = add_armed(ft, &c, 1, 0, 0);
	b = add_armed(ft, &c, 2, 0, 0);
	flow_disarm(ft, a);
	assert_false(ft->flows[a].flags & FLOW_F_ARMED);
	flow_disarm(ft, a); /* twice: harmless */
	wheel_check(ft);
	assert_int_equal(run_ticks(ft, &c, 0, 100, rec, 4), 1);
	assert_int_equal(rec[0].idx, b);
	assert_int_not_equal(ft->flows[a].flags & FLOW_F_USED, 0);
	/* Armed again after a disarm: counts from the new due. */
	refresh(ft, &c, a, 100);
	assert_int_equal(run_ticks(ft, &c, 100, 109, rec, 4), 0);
	assert_int_equal(run_ticks(ft, &c, 109, 110, rec, 4), 1);
	assert_int_equal(rec[0].idx, a);
	/* Disarmed while pending. */
	p = insert_key(ft, 3, 50);
	flow_arm(ft, p, 60);
	assert_false(flow_timer_idle(ft, 110));
	flow_disarm(ft, p);
	assert_true(flow_timer_idle(ft, 110));
	assert_int_equal(run_ticks(ft, &c, 110, 200, rec, 4), 0);
	wheel_check(ft);
	flow_table_destroy(ft);
}

/* Removing flows that sit in the wheel (slot head, middle, tail, pending) keeps it whole. */
static void
test_wheel_remove_armed(void **state)
{
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(16, 3, 0);
	struct expiry rec[16];
	uint32_t f[6], d, p;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	c.by_profile[0] = 50;
	for (uint32_t i = 0; i < 6; i++)
		f[i] = add_armed(ft, &c, i, 0, 0); /* all in the slot of tick 50 */
	flow_remove(ft, f[0]);			   /* first in its slot */
	flow_remove(ft, f[2]);			   /* middle */
	flow_remove(ft, f[5]);			   /* last */
	wheel_check(ft);
	/* The freed entries are reused at once, armed elsewhere. */
	d = add_armed(ft, &c, 100, 10, 0);
	assert_true(d == f[0] || d == f[2] || d == f[5]);
	assert_int_equal(ft->flows[d].due, 60);
	p = insert_key(ft, 101, 0);
	flow_arm(ft, p, 0); /* pending */
	flow_remove(ft, p);
	assert_true(flow_timer_idle(ft, 0));
	wheel_check(ft);
	assert_int_equal(run_ticks(ft, &c, 0, 50, rec, 16), 3);
	assert_int_equal(rec[0].idx, f[1]);
	assert_int_equal(rec[1].idx, f[3]);
	assert_int_equal(rec[2].idx, f[4]);
	assert_int_equal(run_ticks(ft, &c, 50, 60, rec, 16), 1);
	assert_int_equal(rec[0].idx, d);
	assert_int_equal(rec[0].tick, 60);
	assert_int_equal(ft->n_active, 0);
	wheel_check(ft);

	/* Removing the only flow of a slot empties it: nothing left to find there. */
	d = add_armed(ft, &c, 200, 60, 0);
	flow_remove(ft, d);
	wheel_check(ft);
	assert_int_equal(run_ticks(ft, &c, 60, 60 + FLOW_WHEEL_SLOTS + 200, rec, 16), 0);
	flow_table_destroy(ft);
}

/* The tick counter wraps from UINT32_MAX to 0 while flows are due around it. */
static void
test_wheel_wrap(void **state)
{
	static const uint32_t tmos[] = {0, 1, 999, 1000, 1001, 1500, 65536, 70000, 200000};
	const uint32_t n = sizeof(tmos) / sizeof(tmos[0]), t0 = UINT32_MAX - 1000;
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(64, 3, t0);
	struct expiry rec[64];
	uint32_t want[64], idx, refreshed;
	uint8_t waiting[64];
	unsigned int got;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	memset(waiting, 0, sizeof(waiting));
	for (uint32_t i = 0; i < n; i++) {
		c.by_profile[i] = tmos[i];
		idx = add_armed(ft, &c, i, t0, (uint8_t)i);
		want[idx] = t0 + (tmos[i] == 0 ? 1 : tmos[i]); /* UINT32_MAX for tmo 1000 */
		waiting[idx] = 1;
	}
	/* Due before the wrap, refreshed before that: its real due is on the other side. */
	c.by_profile[20] = 800;
	refreshed = add_armed(ft, &c, 20, t0, 20);
	assert_int_equal(ft->flows[refreshed].due, UINT32_MAX - 200);
	want[refreshed] = (uint32_t)(UINT32_MAX - 250 + 800);
	waiting[refreshed] = 1;
	got = run_ticks(ft, &c, t0, UINT32_MAX - 250, rec, 64);
	refresh(ft, &c, refreshed, UINT32_MAX - 250);
	got += run_ticks(ft, &c, UINT32_MAX - 250, t0 + 200000 + 10, rec + got, 64 - got);
	assert_int_equal(got, n + 1);
	for (unsigned int r = 0; r < got; r++) {
		assert_int_equal(waiting[rec[r].idx], 1);
		assert_int_equal(rec[r].tick, want[rec[r].idx]);
		assert_int_equal(rec[r].due, want[rec[r].idx]);
		waiting[rec[r].idx] = 0; /* once */
	}
	assert_int_equal(waiting[refreshed], 0);
	/* In tick order across the wrap (0 comes after UINT32_MAX). */
	for (unsigned int r = 1; r < got; r++)
		assert_false(flow_seq_after(rec[r - 1].tick, rec[r].tick));
	assert_int_equal(ft->n_active, 0);
	wheel_check(ft);
	flow_table_destroy(ft);
}

/*
 * The longest timeout the loader accepts (just under 2^31 ms) on a wheel that lags behind the
 * clock, as it does while an expiry storm is being worked off under the budget: a due that
 * far ahead of the wheel must not be taken for one in the past (expired at once).
 */
static void
test_wheel_longest_timeout_lagging(void **state)
{
	const uint32_t longest = INT32_MAX - 1; /* snapshot.c refuses ms >= INT32_MAX */
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(256, 3, 0);
	uint32_t out[256], dues[256], late_pkt, fresh, n;
	bool seen_fresh = false, seen_late = false;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	c.by_profile[0] = 5;
	c.by_profile[1] = longest;
	c.by_profile[2] = 5;
	for (uint32_t i = 0; i < 100; i++)
		add_armed(ft, &c, i, 0, 0);	 /* the storm: 100 flows due at 5 */
	late_pkt = add_armed(ft, &c, 100, 0, 2); /* also due at 5, last in its slot */
	/* A tight budget leaves the wheel at 5 with 91 flows pending, the clock at 20. */
	n = flow_timer_run(ft, 20, &(unsigned int){10}, tmo_cb, &c, out, dues, 256);
	assert_int_equal(n, 10);
	for (uint32_t i = 0; i < n; i++)
		flow_remove(ft, out[i]);
	assert_int_equal(ft->wheel_time, 5);
	/*
	 * At 20: a new flow with the longest timeout (its due is 2^31 + 13 ahead of the wheel,
	 * in the slot the wheel opens at 18), and a packet on late_pkt, whose class a timeline
	 * "set" then stretches to the longest (the check finds it with no re-arm since).
	 */
	fresh = add_armed(ft, &c, 200, 20, 1);
	assert_int_equal(ft->flows[fresh].due & (FLOW_WHEEL_SLOTS - 1), 18);
	refresh(ft, &c, late_pkt, 20);
	assert_int_equal(ft->flows[late_pkt].due, 5);
	c.by_profile[2] = longest;
	wheel_check(ft);
	tmo_calls = 0;
	n = flow_timer_run(ft, 20, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, 256);
	for (uint32_t i = 0; i < n; i++) {
		seen_fresh |= out[i] == fresh;
		seen_late |= out[i] == late_pkt;
		flow_remove(ft, out[i]);
	}
	assert_false(seen_fresh);
	assert_false(seen_late);
	assert_int_equal(n, 90);
	/* The 91 pending were checked; fresh only passed its slot, like any later revolution. */
	assert_int_equal(tmo_calls, 91);
	assert_true(flow_timer_idle(ft, 20));
	assert_true(ft->flows[fresh].flags & FLOW_F_ARMED);
	assert_true(ft->flows[late_pkt].flags & FLOW_F_ARMED);
	assert_int_equal(ft->flows[late_pkt].due, 20 + longest);
	wheel_check(ft);
	/* Three revolutions later both are still waiting in their slots. */
	assert_int_equal(run_ticks(ft, &c, 20, 20 + 3 * FLOW_WHEEL_SLOTS, NULL, 0), 0);
	assert_int_equal(ft->n_active, 2);
	assert_int_equal(ft->flows[fresh].due, 20 + longest);
	wheel_check(ft);
	flow_table_destroy(ft);
}

static void
test_wheel_idle(void **state)
{
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(16, 3, 77);
	uint32_t out[4], dues[4], idx;

	(void)state;
	assert_non_null(ft);
	memset(&c, 0, sizeof(c));
	c.by_profile[0] = 5;
	assert_true(flow_timer_idle(ft, 77));
	assert_false(flow_timer_idle(ft, 78)); /* a tick has passed: the wheel must look */
	assert_int_equal(flow_timer_run(ft, 78, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, 4), 0);
	assert_true(flow_timer_idle(ft, 78));
	idx = add_armed(ft, &c, 1, 78, 0);
	/* An armed flow in a future slot does not make the wheel busy now. */
	assert_true(flow_timer_idle(ft, 78));
	assert_int_equal(flow_timer_run(ft, 82, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, 4), 0);
	assert_true(flow_timer_idle(ft, 82));
	/* Budget exhausted with work left: not idle. */
	assert_int_equal(flow_timer_run(ft, 90, &(unsigned int){1}, tmo_cb, &c, out, dues, 4), 1);
	assert_int_equal(out[0], idx);
	assert_false(flow_timer_idle(ft, 90));
	flow_remove(ft, idx);
	assert_int_equal(flow_timer_run(ft, 90, &(unsigned int){1}, tmo_cb, &c, out, dues, 4), 0);
	assert_true(flow_timer_idle(ft, 90));
	/* Two due in the same slot, max 1: the second waits in pending. */
	add_armed(ft, &c, 2, 90, 0);
	add_armed(ft, &c, 3, 90, 0);
	assert_int_equal(flow_timer_run(ft, 95, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, 1), 1);
	flow_remove(ft, out[0]);
	assert_false(flow_timer_idle(ft, 95));
	assert_int_equal(flow_timer_run(ft, 95, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, 1), 1);
	flow_remove(ft, out[0]);
	assert_true(flow_timer_idle(ft, 95));
	wheel_check(ft);
	flow_table_destroy(ft);
}

/*
 * Randomized differential test of the wheel against the definition of idle: a flow whose
 * last packet was at L with timeout t (t finite) expires at exactly tick L + max(t, 1), and
 * an indefinite one never. Flows are created, refreshed (sometimes changing timeout class),
 * closed and expired over 300k ticks that cross the 2^32 wrap, with the worker's re-arm rule.
 */
#define WD_CAP 256
#define WD_TICKS 300000

static void
test_wheel_differential(void **state)
{
	static const uint32_t classes[] = {0,	  1,	 2,	3,	50,	1000,
					   65535, 65536, 65537, 131072, 140000, FLOW_TMO_NEVER};
	const uint32_t n_classes = sizeof(classes) / sizeof(classes[0]);
	const uint32_t t0 = UINT32_MAX - WD_TICKS / 2;
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(WD_CAP, 77, t0);
	static uint32_t expect[WD_CAP]; /* expiry tick; only meaningful when live and finite */
	static uint8_t live[WD_CAP], finite[WD_CAP];
	uint32_t out[WD_CAP], dues[WD_CAP], key = 0;
	unsigned int expired = 0, created = 0, closed = 0;

	(void)state;
	assert_non_null(ft);
	rng_seed(4242);
	memset(&c, 0, sizeof(c));
	for (uint32_t i = 0; i < n_classes; i++)
		c.by_profile[i] = classes[i];
	for (uint32_t step = 1; step <= WD_TICKS; step++) {
		uint32_t now = t0 + step, n;

		/* The wheel first (worker_tick), then this tick's packets. */
		n = flow_timer_run(ft, now, &(unsigned int){UINT_MAX}, tmo_cb, &c, out, dues, WD_CAP);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t x = out[i];

			assert_true(live[x]);
			assert_true(finite[x]);
			assert_int_equal(expect[x], now);
			assert_int_equal(dues[i], now);
			live[x] = 0;
			flow_remove(ft, x);
			expired++;
		}
		assert_true(flow_timer_idle(ft, now));
		/* Nothing that should have gone is still there. */
		for (uint32_t x = 0; x < WD_CAP; x++)
			if (live[x] && finite[x])
				assert_true(flow_seq_after(expect[x], now));

		for (uint32_t ops = rng_below(4); ops > 0; ops--) {
			uint32_t r = rng_below(100), x = rng_below(WD_CAP), t;

			if (r < 30) {
				uint8_t cls = (uint8_t)rng_below(n_classes);

				if (ft->n_active == WD_CAP)
					continue;
				x = add_armed(ft, &c, key++, now, cls);
				assert_false(live[x]);
				live[x] = 1;
				created++;
			} else if (r < 90) {
				if (!live[x])
					continue;
				if (rng_below(4) == 0)
					ft->flows[x].profile = (uint8_t)rng_below(n_classes);
				refresh(ft, &c, x, now);
			} else {
				if (!live[x])
					continue;
				flow_remove(ft, x);
				live[x] = 0;
				closed++;
				continue;
			}
			t = c.by_profile[ft->flows[x].profile];
			finite[x] = t != FLOW_TMO_NEVER;
			expect[x] = due_for(now, t);
		}
		if (step % 20000 == 0)
			wheel_check(ft);
	}
	print_message("wheel differential: %u created, %u expired, %u closed\n", created, expired,
		      closed);
	assert_true(expired > 5000);
	assert_true(closed > 1000);
	wheel_check(ft);
	flow_table_destroy(ft);
}

/*
 * The same workload with the clock jumping and a tiny budget and output: expiries may be
 * late but never early, always report the true due, and none is lost once the wheel is
 * given time to catch up.
 */
static void
test_wheel_differential_budget(void **state)
{
	static const uint32_t classes[] = {0, 1, 7, 300, 5000, 65536, 70000, FLOW_TMO_NEVER};
	const uint32_t n_classes = sizeof(classes) / sizeof(classes[0]);
	const uint32_t t0 = UINT32_MAX - 100000;
	struct tmo_ctx c;
	struct flow_table *ft = flow_table_create(WD_CAP, 78, t0);
	static uint32_t expect[WD_CAP];
	static uint8_t live[WD_CAP], finite[WD_CAP];
	uint32_t out[4], dues[4], key = 0, now = t0;
	unsigned int expired = 0, late = 0;

	(void)state;
	assert_non_null(ft);
	rng_seed(777);
	memset(&c, 0, sizeof(c));
	for (uint32_t i = 0; i < n_classes; i++)
		c.by_profile[i] = classes[i];
	for (uint32_t step = 0; step < 40000; step++) {
		unsigned int budget = 1 + rng_below(4), max = 1 + rng_below(3), n;

		now += rng_below(12);
		tmo_calls = 0;
		n = flow_timer_run(ft, now, &(unsigned int){budget}, tmo_cb, &c, out, dues, max);
		assert_true(n <= max);
		assert_true(tmo_calls <= budget);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t x = out[i];

			assert_true(live[x]);
			assert_true(finite[x]);
			assert_false(flow_seq_after(expect[x], now)); /* never early */
			assert_int_equal(dues[i], expect[x]);
			late += expect[x] != now;
			live[x] = 0;
			flow_remove(ft, x);
			expired++;
		}
		for (uint32_t ops = rng_below(3); ops > 0; ops--) {
			uint32_t r = rng_below(100), x = rng_below(WD_CAP), t;

			if (r < 40) {
				if (ft->n_active == WD_CAP)
					continue;
				x = add_armed(ft, &c, key++, now, (uint8_t)rng_below(n_classes));
				live[x] = 1;
			} else if (r < 95) {
				if (!live[x])
					continue;
				if (rng_below(4) == 0)
					ft->flows[x].profile = (uint8_t)rng_below(n_classes);
				refresh(ft, &c, x, now);
			} else {
				if (!live[x])
					continue;
				flow_remove(ft, x);
				live[x] = 0;
				continue;
			}
			t = c.by_profile[ft->flows[x].profile];
			finite[x] = t != FLOW_TMO_NEVER;
			expect[x] = due_for(now, t);
		}
	}
	wheel_check(ft);
	/* Catch up: everything finite goes, at most 70000 ticks after now, nothing else. */
	for (uint32_t end = now + 70001, loops = 0;
	     flow_seq_after(end, now) || !flow_timer_idle(ft, now); loops++) {
		unsigned int n;

		assert_true(loops < 1000000); /* a wheel that stops advancing fails, not hangs */
		if (flow_timer_idle(ft, now))
			now++;
		n = flow_timer_run(ft, now, &(unsigned int){8}, tmo_cb, &c, out, dues, 4);
		for (uint32_t i = 0; i < n; i++) {
			assert_true(live[out[i]] && finite[out[i]]);
			assert_false(flow_seq_after(expect[out[i]], now));
			assert_int_equal(dues[i], expect[out[i]]);
			live[out[i]] = 0;
			flow_remove(ft, out[i]);
			expired++;
		}
	}
	for (uint32_t x = 0; x < WD_CAP; x++)
		assert_false(live[x] && finite[x]);
	print_message("wheel budget differential: %u expired, %u of them late\n", expired, late);
	assert_true(expired > 3000);
	assert_true(late > 100);
	wheel_check(ft);
	flow_table_destroy(ft);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_insert_lookup_remove),
		cmocka_unit_test(test_key_normalisation),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_lookup_absent),
		cmocka_unit_test(test_fill_to_capacity),
		cmocka_unit_test(test_index_differential),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_state_helpers),
		cmocka_unit_test(test_wheel_exact_tick),
		cmocka_unit_test(test_wheel_jumps),
		cmocka_unit_test(test_wheel_next),
		cmocka_unit_test(test_wheel_lazy_rearm),
		cmocka_unit_test(test_wheel_timeout_changes),
		cmocka_unit_test(test_wheel_never),
		cmocka_unit_test(test_wheel_immediate),
		cmocka_unit_test(test_wheel_budget),
		cmocka_unit_test(test_wheel_max),
		cmocka_unit_test(test_wheel_arm_past),
		cmocka_unit_test(test_wheel_disarm),
		cmocka_unit_test(test_wheel_remove_armed),
		cmocka_unit_test(test_wheel_wrap),
		cmocka_unit_test(test_wheel_longest_timeout_lagging),
		cmocka_unit_test(test_wheel_idle),
		cmocka_unit_test(test_wheel_differential),
		cmocka_unit_test(test_wheel_differential_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
