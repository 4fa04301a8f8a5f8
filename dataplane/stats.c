/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "stats.h"

const uint64_t stats_late_bounds_ns[STATS_LATE_BUCKETS] = {
	100000,	   250000,    500000,	 1000000,    2500000,	 5000000,    10000000,	 25000000,
	50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};

const char *
stats_drop_name(enum stats_drop d)
{
	static const char *const names[STATS_DROP_COUNT] = {
		[STATS_DROP_TX_FULL] = "tx_full",
		[STATS_DROP_MALFORMED] = "malformed",
		[STATS_DROP_TABLE_FULL] = "table_full",
		[STATS_DROP_STRAY] = "stray",
		[STATS_DROP_OUT_OF_WINDOW] = "out_of_window",
		[STATS_DROP_OVERSIZE] = "oversize",
	};
	return (unsigned)d < STATS_DROP_COUNT ? names[d] : "unknown";
}

const char *
stats_evict_name(enum stats_evict r)
{
	return r == STATS_EVICT_EARLY_DROP ? "early_drop"
	       : r == STATS_EVICT_REAPER   ? "reaper"
					   : "unknown";
}

const char *
stats_rst_name(enum stats_rst_to t)
{
	static const char *const names[STATS_RST_COUNT] = {
		[STATS_RST_CLIENT] = "client",
		[STATS_RST_SERVER] = "server",
		[STATS_RST_STRAY] = "stray",
	};
	return (unsigned)t < STATS_RST_COUNT ? names[t] : "unknown";
}

void
stats_late_record(struct stats_lcore *s, uint64_t late_ns)
{
	unsigned int b = 0, hi = STATS_LATE_BUCKETS;

	/* The first bound >= late_ns (STATS_LATE_BUCKETS: none), by bisection: a storm records
	 * millions, most of them in the upper buckets, which a linear walk reaches last. */
	while (b < hi) {
		unsigned int mid = (b + hi) / 2;

		if (late_ns > stats_late_bounds_ns[mid])
			b = mid + 1;
		else
			hi = mid;
	}
	STATS_ADD(s->late_buckets[b], 1);
	STATS_ADD(s->late_sum_ns, late_ns);
	STATS_ADD(s->late_count, 1);
	if (late_ns > s->late_max_ns)
		STATS_SET(s->late_max_ns, late_ns);
}

void
stats_sum(struct stats_lcore *out, const struct stats_lcore *const *in, unsigned int n)
{
	const size_t words = sizeof(*out) / sizeof(uint64_t);
	const size_t max_word = offsetof(struct stats_lcore, late_max_ns) / sizeof(uint64_t);
	uint64_t *o = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < n; i++) {
		const uint64_t *w = (const uint64_t *)in[i];

		for (size_t k = 0; k < words; k++) {
			uint64_t v = __atomic_load_n(&w[k], __ATOMIC_RELAXED);

			if (k == max_word)
				o[k] = v > o[k] ? v : o[k];
			else
				o[k] += v;
		}
	}
}
