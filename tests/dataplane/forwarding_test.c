/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What is forwarded and what is dropped: a full flow table (when_full forward or drop, the
 * existing flows working on, room again after expiry) and malformed frames (the profile's
 * malformed policy, chosen from every field the parser got).
 *
 * Run: meson test -C build --suite dataplane (tests/dataplane/harness.h says how they run).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* ------------------------------------------------------------------ table full */

static const char T4_YAML[] = "name: t4\n"
			      "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
			      "flow_table: {capacity: 64, when_full: %s}\n"
			      "profiles:\n"
			      "  p: {udp: {single: 1s, stream: 1s}}\n"
			      "default_profile: p\n";

static void
test_table_full(void **state)
{
	const char *when_full = *state;
	bool drop = strcmp(when_full, "drop") == 0;
	char yaml[sizeof(T4_YAML) + 16];
	struct fx_ep c[CFG_CAPACITY_MIN + 2], s = EP_SERVER;
	struct fx *x;
	struct fx_pkt p;
	int prof;

	snprintf(yaml, sizeof(yaml), T4_YAML, when_full);
	x = fx_new(yaml, 1.0, CFG_CAPACITY_MIN);
	prof = fx_profile(x, "p");
	s.port = 53;
	fx_at(x, 10);
	for (unsigned int i = 0; i < RTE_DIM(c); i++) {
		c[i] = EP_CLIENT;
		c[i].port = (uint16_t)(10000 + i);
	}
	for (unsigned int i = 0; i < CFG_CAPACITY_MIN; i++) {
		p = fx_udp_pkt(&c[i], &s);
		EQ("forwarded", fx_push(x, 0, fx_mbuf(&p)), 1);
	}
	EQ("flows", fx_n_flows(x), CFG_CAPACITY_MIN);
	EQ("table_full", fx_stats(x)->table_full, 0);

	/* The 65th flow. */
	p = fx_udp_pkt(&c[CFG_CAPACITY_MIN], &s);
	EQ("65th flow forwarded", fx_push(x, 0, fx_mbuf(&p)), drop ? 0 : 1);
	EQ("mbufs", fx_mbufs_avail(), x->avail0);
	EQ("table_full", fx_stats(x)->table_full, 1);
	EQ("drops{table_full}", fx_stats(x)->drops[STATS_DROP_TABLE_FULL], drop ? 1 : 0);
	EQ("flows", fx_n_flows(x), CFG_CAPACITY_MIN);
	EQ("flows_created", fx_stats(x)->flows_created[prof], CFG_CAPACITY_MIN);

	/* Existing flows keep working, both ways. */
	fx_at(x, 20);
	p = fx_udp_pkt(&s, &c[0]);
	EQ("reply of flow 0 forwarded", fx_push(x, 1, fx_mbuf(&p)), 1);
	p = fx_udp_pkt(&c[1], &s);
	EQ("flow 1 forwarded", fx_push(x, 0, fx_mbuf(&p)), 1);
	EQ("table_full", fx_stats(x)->table_full, 1);
	{
		struct flow *f = fx_flow_find(x, 4, c[0].ip4, c[0].port, s.ip4, 53, 17, 0, 0, 0);

		assert_non_null(f);
		EQ("flow 0 state", f->state, FLOW_UDP_STREAM);
	}

	/* Flows 2..63 (created at 10) expire at 1010, flows 0 and 1 (refreshed at 20) at 1020. */
	fx_at(x, 1010);
	EQ("expired", fx_stats(x)->flows_expired[prof][FLOW_UDP_SINGLE], CFG_CAPACITY_MIN - 2);
	EQ("flows", fx_n_flows(x), 2);
	fx_at(x, 1011);
	p = fx_udp_pkt(&c[CFG_CAPACITY_MIN + 1], &s);
	EQ("new flow fits again", fx_push(x, 0, fx_mbuf(&p)), 1);
	EQ("flows", fx_n_flows(x), 3);
	EQ("table_full", fx_stats(x)->table_full, 1);
	EQ("flows_created", fx_stats(x)->flows_created[prof], CFG_CAPACITY_MIN + 1);
	fx_at(x, 1020);
	EQ("flows", fx_n_flows(x), 1);
	EQ("RSTs", fx_rst_queued(x), 0);
	EQ("mbufs", fx_mbufs_avail(), x->avail0);
	fx_free(x);
}

/* ------------------------------------------------------------------ malformed */

static const char T5_YAML[] = "name: t5\n"
			      "ports:\n"
			      "  - {name: lax, inside: {port: 0}, outside: {port: 1}}\n"
			      "  - {name: strict, inside: {port: 2}, outside: {port: 3}}\n"
			      "profiles:\n"
			      "  fwd: {malformed: forward}\n"
			      "  drop: {malformed: drop}\n"
			      "rules:\n"
			      "  - {match: {pair: strict}, profile: drop}\n"
			      "  - {match: {vlan: 42}, profile: drop}\n"
			      "default_profile: fwd\n";

/* A TCP SYN cut after 10 bytes of IPv4 header (truncated) or with data offset 4. */
static struct fx_pkt
mal_pkt(enum parse_status kind, uint16_t vlan)
{
	struct fx_pkt p = fx_tcp_pkt(&EP_CLIENT, &EP_SERVER, SYN, 1, 0, 0);

	if (vlan) {
		p.n_vlan = 1;
		p.tpid[0] = 0x8100;
		p.vlan[0] = vlan;
	}
	if (kind == PARSE_MAL_TRUNCATED)
		p.cut = (uint16_t)(14 + 4 * p.n_vlan + 10);
	else
		p.doff = 4;
	return p;
}

static void
test_malformed(void **state)
{
	static const enum parse_status kinds[] = {PARSE_MAL_TRUNCATED, PARSE_MAL_TCP_OFFSET};
	struct fx *x = fx_new(T5_YAML, 1.0, 1024);
	struct parse_info pi;
	uint64_t n_drop = 0;

	(void)state;
	fx_at(x, 100);
	for (unsigned int i = 0; i < RTE_DIM(kinds); i++) {
		struct fx_pkt p = mal_pkt(kinds[i], 0);
		struct rte_mbuf *m = fx_mbuf(&p);

		/* The frame is what it claims to be. */
		EQ(parse_status_name(kinds[i]),
		   parse_frame(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), &pi),
		   kinds[i]);
		EQ("lax pair forwards", fx_push(x, 0, m), 1);
		EQ("malformed", fx_stats(x)->malformed[kinds[i]], 1);
		p = mal_pkt(kinds[i], 0);
		EQ("lax pair forwards (outside)", fx_push(x, 1, fx_mbuf(&p)), 1);
		EQ("malformed", fx_stats(x)->malformed[kinds[i]], 2);
		EQ("drops{malformed}", fx_stats(x)->drops[STATS_DROP_MALFORMED], n_drop);

		p = mal_pkt(kinds[i], 0);
		EQ("strict pair drops", fx_push(x, 2, fx_mbuf(&p)), 0);
		p = mal_pkt(kinds[i], 0);
		EQ("strict pair drops (outside)", fx_push(x, 3, fx_mbuf(&p)), 0);
		p = mal_pkt(kinds[i], 42);
		EQ("VLAN 42 on the lax pair drops", fx_push(x, 0, fx_mbuf(&p)), 0);
		n_drop += 3;
		EQ("malformed", fx_stats(x)->malformed[kinds[i]], 5);
		EQ("drops{malformed}", fx_stats(x)->drops[STATS_DROP_MALFORMED], n_drop);
		EQ("mbufs freed", fx_mbufs_avail(), x->avail0);
	}
	EQ("flows", fx_n_flows(x), 0);
	EQ("created", fx_stats(x)->flows_created[fx_profile(x, "fwd")], 0);
	fx_free(x);
}

/*
 * Regression (found by this test): a malformed frame's profile must come from every field
 * the parser got (IP header, and ports for bad_tcp_offset, bad_tcp_flags, bad_udp_length),
 * so a rule on proto/dst/dst_port applies its profile's `malformed: drop` to a broken
 * segment of that service.
 */
static const char TBUG_MAL_YAML[] = "name: tbug\n"
				    "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
				    "profiles:\n"
				    "  fwd: {malformed: forward}\n"
				    "  drop: {malformed: drop}\n"
				    "rules:\n"
				    "  - {match: {proto: tcp, dst_port: 443}, profile: drop}\n"
				    "default_profile: fwd\n";

static void
malformed_profile_uses_parsed_l3_l4(void **state)
{
	struct fx *x = fx_new(TBUG_MAL_YAML, 1.0, 1024);
	struct fx_ep s = EP_SERVER;
	struct fx_pkt p;

	(void)state;
	s.port = 443;
	fx_at(x, 100);
	p = fx_tcp_pkt(&EP_CLIENT, &s, SYN, 1, 0, 0);
	p.doff = 4; /* bad_tcp_offset: addresses and ports were parsed */
	EQ("bad_tcp_offset to 443/tcp (profile drop) forwarded", fx_push(x, 0, fx_mbuf(&p)), 0);
	EQ("drops{malformed}", fx_stats(x)->drops[STATS_DROP_MALFORMED], 1);
	fx_free(x);
}

/* ------------------------------------------------------------------ main */

/* ------------------------------------------------------------------ VLAN stripped */

static const char VS_YAML[] = "name: vs\n"
			      "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
			      "profiles:\n"
			      "  v300: {udp: {single: 10s, stream: 10s}}\n"
			      "  other: {udp: {single: 10s, stream: 10s}}\n"
			      "rules:\n"
			      "  - {match: {vlan: 300}, profile: v300}\n"
			      "default_profile: other\n";

/*
 * A PMD that stripped the VLAN tag (RTE_MBUF_F_RX_VLAN_STRIPPED, the TCI in vlan_tci): the
 * flow keeps the tag (its VLAN-300 rule applies) and the frame leaves with it (SPEC §12).
 */
static void
test_vlan_stripped(void **state)
{
	struct fx *x = fx_new(VS_YAML, 1.0, 1024);
	struct fx_ep s = EP_SERVER;
	struct fx_pkt p;
	struct rte_mbuf *m, *out[1];
	const uint8_t *d;
	uint16_t len0;

	(void)state;
	s.port = 53;
	fx_at(x, 10);
	p = fx_udp_pkt(&EP_CLIENT, &s);
	m = fx_mbuf(&p);
	len0 = rte_pktmbuf_data_len(m);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 300;
	EQ("forwarded", fx_burst(x, 0, &m, 1, out), 1);
	d = rte_pktmbuf_mtod(out[0], const uint8_t *);
	EQ("the tag is back in the frame: TPID", (unsigned int)(d[12] << 8 | d[13]), 0x8100);
	EQ("the tag is back in the frame: VID", (unsigned int)((d[14] << 8 | d[15]) & 0xfff), 300);
	EQ("the frame grew by the tag", rte_pktmbuf_data_len(out[0]), len0 + 4);
	EQ("the flow has the VLAN: its rule chose v300",
	   fx_stats(x)->flows_created[fx_profile(x, "v300")], 1);
	EQ("not the default", fx_stats(x)->flows_created[fx_profile(x, "other")], 0);
	rte_pktmbuf_free(out[0]);
	fx_free(x);
}

static void
add_tests(void)
{
	static const char *const when_full[] = {"forward", "drop"};

	for (unsigned int i = 0; i < RTE_DIM(when_full); i++)
		fx_add_test(fx_fmt("table_full_%s", when_full[i]), test_table_full, when_full[i]);
	fx_add_test("malformed_forward_and_drop", test_malformed, NULL);
	fx_add_test("vlan_stripped_tag_kept", test_vlan_stripped, NULL);
	fx_add_test("malformed_profile_uses_parsed_l3_l4", malformed_profile_uses_parsed_l3_l4,
		    NULL);
}

int
main(int argc, char **argv)
{
	return fx_main(argc, argv, "dataplane-forwarding", add_tests);
}
