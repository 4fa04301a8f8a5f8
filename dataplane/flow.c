/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_prefetch.h>

#include "flow.h"

_Static_assert(sizeof(struct flow_key) == 44, "flow key is 11 words");
_Static_assert(sizeof(struct flow) == 96, "flow entry is 96 bytes");
_Static_assert(sizeof(struct flow_bucket) == 64, "bucket is one cache line");
/* flow_key_make() writes port[], vlan[], proto, pair and family as whole words. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "flow_key_make assumes little-endian");
_Static_assert(offsetof(struct flow_key, port) == 32 && offsetof(struct flow_key, vlan) == 36 &&
		       offsetof(struct flow_key, proto) == 40 &&
		       offsetof(struct flow_key, pair) == 41 &&
		       offsetof(struct flow_key, family) == 42,
	       "flow key word layout");

#define PENDING(ft) ((ft)->capacity + FLOW_WHEEL_SLOTS)
#define SLOT_HEAD(ft, t) ((ft)->capacity + ((t) & (FLOW_WHEEL_SLOTS - 1)))

static uint32_t
n_buckets_for(uint32_t capacity)
{
	uint64_t slots = ((uint64_t)capacity * 100 + FLOW_MAX_LOAD_PCT - 1) / FLOW_MAX_LOAD_PCT;
	uint64_t n = (slots + FLOW_BUCKET_SLOTS - 1) / FLOW_BUCKET_SLOTS;

	return n < 2 ? 2 : (uint32_t)n;
}

static size_t
align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

struct layout {
	size_t buckets, flows, links, total;
};

static struct layout
layout_of(uint32_t capacity)
{
	struct layout l;

	l.buckets = 0;
	l.flows = align_up((size_t)n_buckets_for(capacity) * sizeof(struct flow_bucket), 4096);
	l.links = align_up(l.flows + (size_t)capacity * sizeof(struct flow), 4096);
	l.total = align_up(l.links + ((size_t)capacity + FLOW_WHEEL_SLOTS + 1) *
					      sizeof(struct flow_link),
			   4096);
	return l;
}

size_t
flow_table_memory(uint32_t capacity)
{
	return layout_of(capacity).total + sizeof(struct flow_table);
}

static inline void
list_init(struct flow_link *l, uint32_t head)
{
	l[head].next = head;
	l[head].prev = head;
}

static inline void
list_add_tail(struct flow_link *l, uint32_t head, uint32_t i)
{
	uint32_t prev = l[head].prev;

	l[i].next = head;
	l[i].prev = prev;
	l[prev].next = i;
	l[head].prev = i;
}

static inline void
list_del(struct flow_link *l, uint32_t i)
{
	l[l[i].prev].next = l[i].next;
	l[l[i].next].prev = l[i].prev;
}

/* Move every element of list @src to the tail of list @dst, in O(1). */
static inline void
list_splice_tail(struct flow_link *l, uint32_t dst, uint32_t src)
{
	uint32_t first = l[src].next, last = l[src].prev;

	if (first == src)
		return;
	l[first].prev = l[dst].prev;
	l[l[dst].prev].next = first;
	l[last].next = dst;
	l[dst].prev = last;
	list_init(l, src);
}

#define HUGE_2M (2u << 20)
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define MAP_HUGE_2M_FLAG (21 << MAP_HUGE_SHIFT)
#define MPOL_PREFERRED_ 1 /* <linux/mempolicy.h>, without needing libnuma */

static int mem_socket = -1;
static bool mem_hugetlb;

void
flow_table_mem_policy(int socket, bool hugetlb)
{
	mem_socket = socket;
	mem_hugetlb = hugetlb;
}

const char *
flow_mem_name(enum flow_mem m)
{
	return m == FLOW_MEM_HUGETLB ? "hugepages" : "thp";
}

/* Prefer the policy's node for the pages about to be faulted in (a preference: never fails). */
static void
bind_node(void *p, size_t len)
{
	unsigned long mask;

	if (mem_socket < 0 || mem_socket >= 64)
		return;
	mask = 1ul << mem_socket;
	(void)syscall(SYS_mbind, p, len, MPOL_PREFERRED_, &mask, 65ul, 0u);
}

/* The kernel populates far faster than a fault per page; older kernels: touch it. */
static void
populate(void *p, size_t len)
{
	if (madvise(p, len, MADV_POPULATE_WRITE) != 0)
		memset(p, 0, len);
}

/*
 * Hugepages first when the policy allows: a private MAP_HUGETLB mapping reserves its pages
 * at mmap time, so it fails here, not at a later fault, when too few are free. Otherwise
 * anonymous memory, 2 MiB aligned so transparent huge pages can back it (fewer TLB misses
 * on a large table; the kernel may refuse, which is fine), populated now so the packet
 * path never takes a page fault. Fresh pages of either kind are zero.
 */
static void *
map_table(size_t *lenp, enum flow_mem *mem)
{
	size_t len = *lenp, span = len + HUGE_2M;
	uintptr_t base, start;
	char *p;

	if (mem_hugetlb) {
		size_t hlen = (len + HUGE_2M - 1) & ~(size_t)(HUGE_2M - 1);

		p = mmap(NULL, hlen, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2M_FLAG, -1, 0);
		if (p != MAP_FAILED) {
			bind_node(p, hlen);
			populate(p, hlen);
			*lenp = hlen;
			*mem = FLOW_MEM_HUGETLB;
			return p;
		}
	}
	p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	base = (uintptr_t)p;
	start = (base + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1);
	if (start > base)
		munmap(p, start - base);
	if (base + span > start + len)
		munmap((void *)(start + len), base + span - (start + len));
	(void)madvise((void *)start, len, MADV_HUGEPAGE);
	bind_node((void *)start, len);
	populate((void *)start, len);
	*mem = FLOW_MEM_THP;
	return (void *)start;
}

struct flow_table *
flow_table_create(uint32_t capacity, uint64_t seed, uint32_t now)
{
	struct flow_table *ft;
	struct layout l;
	enum flow_mem mem;
	size_t len;
	void *map;

	if (capacity == 0 || capacity > CFG_CAPACITY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	l = layout_of(capacity);
	ft = calloc(1, sizeof(*ft));
	if (ft == NULL)
		return NULL;
	len = l.total;
	map = map_table(&len, &mem);
	if (map == NULL) {
		free(ft);
		errno = ENOMEM;
		return NULL;
	}

	ft->capacity = capacity;
	ft->n_buckets = n_buckets_for(capacity);
	/* splitmix64 of the seed: six independent-looking 64-bit keys. */
	for (unsigned int i = 0; i < RTE_DIM(ft->hkey); i++) {
		uint64_t z = seed + (i + 1) * 0x9e3779b97f4a7c15ull;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		ft->hkey[i] = z ^ (z >> 31);
	}
	ft->wheel_time = now;
	ft->map = map;
	ft->map_len = len;
	ft->mem = mem;
	ft->buckets = (struct flow_bucket *)((char *)map + l.buckets);
	ft->flows = (struct flow *)((char *)map + l.flows);
	ft->links = (struct flow_link *)((char *)map + l.links);

	for (uint32_t s = 0; s <= FLOW_WHEEL_SLOTS; s++)
		list_init(ft->links, capacity + s);
	/* Free entries chain through links[].next, lowest index first. */
	for (uint32_t i = 0; i < capacity; i++)
		ft->links[i].next = i + 1 < capacity ? i + 1 : FLOW_NONE;
	ft->free_head = 0;
	return ft;
}

void
flow_table_destroy(struct flow_table *ft)
{
	if (ft == NULL)
		return;
	munmap(ft->map, ft->map_len);
	free(ft);
}

uint32_t
flow_insert(struct flow_table *ft, const struct flow_key *k, uint64_t hash, uint32_t now)
{
	uint32_t idx = ft->free_head, b;
	struct flow *f;

	if (idx == FLOW_NONE)
		return FLOW_NONE;
	ft->free_head = ft->links[idx].next;

	/* The pool bounds the load at 85 %, so a free index slot always exists. */
	b = flow_home_bucket_(ft, (uint32_t)hash);
	for (;;) {
		struct flow_bucket *bk = &ft->buckets[b];
		unsigned int s;

		for (s = 0; s < FLOW_BUCKET_SLOTS; s++)
			if (bk->idx[s] == 0)
				break;
		if (s < FLOW_BUCKET_SLOTS) {
			bk->sig[s] = flow_sig_(hash);
			bk->idx[s] = idx + 1;
			break;
		}
		bk->overflow++;
		b = flow_next_bucket_(ft, b);
	}

	f = &ft->flows[idx];
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->flags = FLOW_F_USED;
	f->hash = (uint32_t)hash;
	f->last_seen = now;
	ft->links[idx].next = idx;
	ft->links[idx].prev = idx;
	ft->n_active++;
	return idx;
}

void
flow_remove(struct flow_table *ft, uint32_t idx)
{
	struct flow *f = &ft->flows[idx];
	uint32_t home = flow_home_bucket_(ft, f->hash), b = home;
	uint32_t want = idx + 1;
	unsigned int s = FLOW_BUCKET_SLOTS;

	/* The entry knows its home bucket: find its slot by index, no hash, no key compare. */
	for (uint32_t probes = 0; probes < ft->n_buckets; probes++) {
		const struct flow_bucket *bk = &ft->buckets[b];

		for (s = 0; s < FLOW_BUCKET_SLOTS; s++)
			if (bk->idx[s] == want)
				break;
		if (s < FLOW_BUCKET_SLOTS || bk->overflow == 0)
			break;
		b = flow_next_bucket_(ft, b);
	}
	if (s == FLOW_BUCKET_SLOTS)
		return; /* not in the index: nothing to undo (never happens for a used entry) */
	/* Every bucket passed on the way from home to where it sits counted it. */
	for (uint32_t p = home; p != b; p = flow_next_bucket_(ft, p))
		ft->buckets[p].overflow--;
	ft->buckets[b].idx[s] = 0;

	if (f->flags & FLOW_F_ARMED)
		list_del(ft->links, idx);
	f->flags = 0;
	ft->links[idx].next = ft->free_head;
	ft->free_head = idx;
	ft->n_active--;
}

/*
 * Whether the wheel has reached @due. Measured from the flow's last packet, not as due -
 * wheel_time: a due is less than 2^31 ticks after last_seen (the loader caps timeouts), but the
 * wheel lags behind the clock that stamped last_seen while it works off a backlog under its
 * budget, so due - wheel_time can reach 2^31 and would read as a tick in the past.
 */
static inline bool
due_reached(const struct flow_table *ft, const struct flow *f, uint32_t due)
{
	return (int64_t)(int32_t)(due - f->last_seen) <=
	       (int64_t)(int32_t)(ft->wheel_time - f->last_seen);
}

void
flow_arm(struct flow_table *ft, uint32_t idx, uint32_t due)
{
	struct flow *f = &ft->flows[idx];
	uint32_t head;

	if (f->flags & FLOW_F_ARMED)
		list_del(ft->links, idx);
	f->due = due;
	f->flags |= FLOW_F_ARMED;
	head = due_reached(ft, f, due) ? PENDING(ft) : SLOT_HEAD(ft, due);
	list_add_tail(ft->links, head, idx);
}

void
flow_disarm(struct flow_table *ft, uint32_t idx)
{
	struct flow *f = &ft->flows[idx];

	if (f->flags & FLOW_F_ARMED) {
		list_del(ft->links, idx);
		f->flags &= (uint16_t)~FLOW_F_ARMED;
	}
}

bool
flow_timer_passed(const struct flow_table *ft, uint32_t tick)
{
	uint32_t p = PENDING(ft);

	return (int32_t)(ft->wheel_time - tick) >= 0 && ft->links[p].next == p;
}

bool
flow_timer_idle(const struct flow_table *ft, uint32_t now)
{
	return flow_timer_passed(ft, now); /* the wheel never runs ahead of the clock */
}

uint32_t
flow_timer_next(const struct flow_table *ft, uint32_t limit)
{
	uint32_t p = PENDING(ft), t = ft->wheel_time;

	if ((int32_t)(limit - t) <= 0)
		return limit;
	if (ft->links[p].next != p)
		return t + 1;
	for (uint32_t k = 0; k < FLOW_WHEEL_SLOTS && t != limit; k++) {
		uint32_t h = SLOT_HEAD(ft, ++t);

		if (ft->links[h].next != h)
			return t;
	}
	return limit; /* every slot is empty: no flow is armed */
}

unsigned int
flow_timer_run(struct flow_table *ft, uint32_t now, unsigned int *budget, flow_tmo_fn tmo,
	       const void *arg, uint32_t *expired, uint32_t *due_out, unsigned int max)
{
	struct flow_link *l = ft->links;
	uint32_t pending = PENDING(ft);
	unsigned int n = 0;

	while (*budget > 0 && n < max) {
		uint32_t idx = l[pending].next, t, real;
		struct flow *f;

		if (idx == pending) {
			/* Nothing pending: open the next slot, if its time has come. */
			if ((int32_t)(now - ft->wheel_time) <= 0)
				break;
			ft->wheel_time++;
			list_splice_tail(l, pending, SLOT_HEAD(ft, ft->wheel_time));
			continue;
		}
		(*budget)--;
		list_del(l, idx);
		f = &ft->flows[idx];
		f->flags &= (uint16_t)~FLOW_F_ARMED;
		if (!due_reached(ft, f, f->due)) {
			/* Due in a later revolution of the wheel: back into its slot. */
			flow_arm(ft, idx, f->due);
			continue;
		}
		t = tmo(f, arg);
		if (t == FLOW_TMO_NEVER)
			continue; /* indefinite now: stays, unarmed, until a packet re-arms it */
		real = f->last_seen + (t == 0 ? 1 : t);
		if (!due_reached(ft, f, real)) {
			/* Refreshed since it was armed: lazy re-arm at the real due time. */
			flow_arm(ft, idx, real);
			continue;
		}
		expired[n] = idx;
		if (due_out != NULL)
			due_out[n] = real;
		n++;
	}
	return n;
}

const uint8_t flow_state_tmo_map[FLOW_STATE_COUNT] = {
	[FLOW_TCP_SYN_SENT] = CFG_TMO_TCP_HANDSHAKE,
	[FLOW_TCP_SYN_RECV] = CFG_TMO_TCP_HANDSHAKE,
	[FLOW_TCP_ESTABLISHED] = CFG_TMO_TCP_ESTABLISHED,
	[FLOW_TCP_FIN_WAIT] = CFG_TMO_TCP_CLOSING,
	[FLOW_TCP_CLOSING] = CFG_TMO_TCP_CLOSING,
	[FLOW_TCP_TIME_WAIT] = CFG_TMO_TCP_TIME_WAIT,
	[FLOW_TCP_CLOSED] = CFG_TMO_TCP_CLOSING,
	[FLOW_UDP_SINGLE] = CFG_TMO_UDP_SINGLE,
	[FLOW_UDP_STREAM] = CFG_TMO_UDP_STREAM,
	[FLOW_ACTIVE] = CFG_TMO_OTHER,
};

const char *
flow_proto_name(uint8_t proto)
{
	switch (proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmpv6";
	default:
		return NULL;
	}
}

void
flow_addr_str(const struct flow_key *k, unsigned int e, char *buf, size_t len)
{
	if (k->family == 4)
		inet_ntop(AF_INET, &k->addr[e][12], buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, k->addr[e], buf, (socklen_t)len);
}

void
flow_endpoint_str(const struct flow_key *k, unsigned int e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	flow_addr_str(k, e, a, sizeof(a));
	snprintf(buf, len, k->family == 6 ? "[%s]:%u" : "%s:%u", a, k->port[e]);
}

const char *
flow_state_name(enum flow_state s)
{
	static const char *const names[FLOW_STATE_COUNT] = {
		[FLOW_TCP_SYN_SENT] = "syn_sent",   [FLOW_TCP_SYN_RECV] = "syn_recv",
		[FLOW_TCP_ESTABLISHED] = "established", [FLOW_TCP_FIN_WAIT] = "fin_wait",
		[FLOW_TCP_CLOSING] = "closing",	    [FLOW_TCP_TIME_WAIT] = "time_wait",
		[FLOW_TCP_CLOSED] = "closed",	    [FLOW_UDP_SINGLE] = "udp_single",
		[FLOW_UDP_STREAM] = "udp_stream",   [FLOW_ACTIVE] = "active",
	};
	return (unsigned)s < FLOW_STATE_COUNT ? names[s] : "unknown";
}
