/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VLANs: 802.1Q and QinQ (both TPIDs) on a trunk pair, untagged frames on an access pair,
 * a rule on the VLAN picking the profile, and RSTs carrying the client's tags exactly.
 *
 * Run: meson test -C build --suite dataplane (tests/dataplane/harness.h says how they run).
 */
#include <stdbool.h>
#include <stdint.h>

#include "harness.h"

/* ------------------------------------------------------------------ VLANs */

static const char T2_YAML[] =
	"name: t2\n"
	"ports:\n"
	"  - {name: trunk, inside: {port: 0}, outside: {port: 1}}\n"
	"  - {name: access, inside: {port: 2, vlan: 300}, outside: {port: 3, vlan: 300}}\n"
	"profiles:\n"
	"  v300:\n"
	"    tcp: {established: 2s}\n"
	"    on_timeout: reset-both\n"
	"rules:\n"
	"  - {match: {vlan: 300}, profile: v300}\n"
	"default_profile: untracked\n";

struct t2_case {
	uint8_t pair;
	uint8_t n_vlan;
	uint16_t tpid[2];
	uint16_t vlan[2];
	bool client_outside;
	bool tracked; /* the rule vlan: 300 picks v300; else untracked */
};

static const struct t2_case t2_cases[] = {
	{0, 1, {0x8100, 0}, {300, 0}, false, true},
	{0, 1, {0x8100, 0}, {300, 0}, true, true},
	{0, 2, {0x88a8, 0x8100}, {100, 300}, false, true},
	{0, 2, {0x8100, 0x8100}, {300, 42}, true, true},
	{1, 0, {0, 0}, {0, 0}, false, true},
	{1, 0, {0, 0}, {0, 0}, true, true},
	{0, 0, {0, 0}, {0, 0}, false, false},
	{0, 2, {0x88a8, 0x8100}, {100, 200}, false, false},
};

static void
test_vlan(void **state)
{
	const struct t2_case *k = *state;
	struct fx *x = fx_new(T2_YAML, 1.0, 1024);
	int prof = fx_profile(x, "v300");
	struct tconn t;
	struct flow *f;
	uint32_t last;

	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, k->pair, k->client_outside);
	tc_tags(&t, k->n_vlan, k->tpid[0], k->vlan[0], k->tpid[1], k->vlan[1]);
	t.access_vlan = x->scn->pairs[k->pair].side[0].vlan;
	last = tc_open(x, &t, 100);
	f = tc_flow(x, &t);
	if (!k->tracked) {
		assert_null(f);
		EQ("flows", fx_n_flows(x), 0);
		EQ("untracked", fx_stats(x)->untracked, 6);
		fx_at(x, last + 60000);
		EQ("expired", fx_expired_total(x), 0);
		EQ("RSTs", fx_rst_queued(x), 0);
		fx_free(x);
		return;
	}
	assert_non_null(f);
	EQ("profile", f->profile, prof);
	EQ("state", f->state, FLOW_TCP_ESTABLISHED);
	fx_expect_expiry_at(x, last + 2000, prof, FLOW_TCP_ESTABLISHED);
	/* tc_rst_exp() expects exactly the client's tags and TPIDs (none on the access pair). */
	tc_check_rsts(x, &t, 1, 1);
	fx_flush_and_check(x);
	fx_free(x);
}

/* ------------------------------------------------------------------ main */

static void
add_tests(void)
{
	for (unsigned int i = 0; i < RTE_DIM(t2_cases); i++) {
		const struct t2_case *k = &t2_cases[i];
		const char *tags = k->n_vlan == 0	  ? "untagged"
				   : k->n_vlan == 1	  ? "dot1q"
				   : k->tpid[0] == 0x88a8 ? "qinq88a8"
							  : "double8100";

		fx_add_test(fx_fmt("vlan_%s_%s_%s%s", k->pair ? "access300" : "trunk", tags,
				   k->tracked ? "tracked" : "untracked",
				   k->client_outside ? "_client_outside" : ""),
			    test_vlan, k);
	}
}

int
main(int argc, char **argv)
{
	return fx_main(argc, argv, "dataplane-vlan", add_tests);
}
