/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Each preset in configs/ does what its comment (and SPEC §8) claims: the timeouts of an
 * established connection, a handshake, UDP both ways, ICMP, and its stray_tcp action; every
 * file has a row in the table and every row a file.
 *
 * Run: meson test -C build --suite dataplane (tests/dataplane/harness.h says how they run).
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* ------------------------------------------------------------------ presets */

/* What each preset's comment (and SPEC §8) claims, in seconds. */
struct preset {
	const char *file;
	const char *profile; /* the one an untagged flow on its first pair gets */
	uint32_t handshake, established, udp_single, udp_stream, icmp;
	enum cfg_on_timeout on_timeout; /* at the established timeout (and the handshake's) */
	enum cfg_stray stray;
};

/* Presets whose device resets only ESTABLISHED flows: silent at the handshake timeout. */
static const char *const presets_reset_established_only[] = {"azure-lb-tcp-reset.yaml"};

#define RB CFG_ON_TIMEOUT_RESET_BOTH
#define SIL CFG_ON_TIMEOUT_SILENT

static const struct preset presets[] = {
	{"aws-nat-gateway.yaml", "aws-nat-gateway", 350, 350, 350, 350, 350, SIL, CFG_STRAY_RESET},
	{"aws-nlb.yaml", "aws-nlb", 350, 350, 120, 120, 120, SIL, CFG_STRAY_RESET},
	{"azure-lb-tcp-reset.yaml", "azure-lb-tcp-reset", 240, 240, 240, 240, 240, RB,
	 CFG_STRAY_DROP},
	{"azure-lb.yaml", "azure-lb", 240, 240, 240, 240, 240, SIL, CFG_STRAY_DROP},
	{"cisco-asa.yaml", "cisco-asa", 30, 3600, 120, 120, 2, SIL, CFG_STRAY_DROP},
	{"example.yaml", "f5-fastl4", 5, 300, 300, 300, 300, RB, CFG_STRAY_DROP},
	{"f5-fastl4.yaml", "f5-fastl4", 5, 300, 300, 300, 300, RB, CFG_STRAY_DROP},
	{"f5-standard-tcp.yaml", "f5-standard-tcp", 15, 300, 60, 60, 60, RB, CFG_STRAY_RESET},
	{"gcp-cloud-nat.yaml", "gcp-cloud-nat", 30, 1200, 30, 30, 30, SIL, CFG_STRAY_DROP},
	{"juniper-srx.yaml", "juniper-srx", 20, 1800, 60, 60, 60, SIL, CFG_STRAY_DROP},
	{"lab-f5-300s.yaml", "f5-fastl4", 5, 300, 300, 300, 300, RB, CFG_STRAY_DROP},
	{"lab-f5-fix-timeout.yaml", "f5-fastl4", 5, 3600, 300, 300, 300, RB, CFG_STRAY_DROP},
	{"linux-conntrack.yaml", "linux-conntrack", 120, 432000, 30, 120, 30, SIL, CFG_STRAY_ADOPT},
	{"paloalto.yaml", "paloalto", 10, 3600, 30, 30, 6, SIL, CFG_STRAY_DROP},
};

/* --time-scale 0.001: a preset's seconds become ticks, so 5 days stay 432000 ticks. */
#define PRESET_SCALE 0.001

static const struct preset *
preset_of(const char *file)
{
	for (unsigned int i = 0; i < RTE_DIM(presets); i++)
		if (strcmp(presets[i].file, file) == 0)
			return &presets[i];
	return NULL;
}

static void
test_preset(void **state)
{
	const char *file = *state;
	const struct preset *ps = preset_of(file);
	struct cfg_scenario *scn = calloc(1, sizeof(*scn));
	enum cfg_on_timeout a = ps != NULL ? ps->on_timeout : SIL;
	unsigned int n_client = a == RB || a == CFG_ON_TIMEOUT_RESET_CLIENT;
	unsigned int n_server = a == RB || a == CFG_ON_TIMEOUT_RESET_SERVER;
	char path[4096], err[SCN_ERR_MAX];
	struct tconn t;
	struct fx *x;
	struct flow *f;
	struct fx_pkt p;
	uint32_t last, now;
	int prof;

	if (ps == NULL)
		fail_msg("configs/%s: no row in this test's preset table: add what its comment "
			 "claims",
			 file);
	assert_non_null(scn);
	snprintf(path, sizeof(path), "%s/configs/%s", fx_source_root(), file);
	if (scn_load_file(path, scn, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	x = fx_new_scn(scn, PRESET_SCALE, 4096);

	/* An established connection: expires at exactly tcp.established, with its RSTs. */
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	t.access_vlan = scn->pairs[0].side[0].vlan;
	last = tc_open(x, &t, 100);
	f = tc_flow(x, &t);
	assert_non_null(f);
	if (strcmp(scn->profiles[f->profile].name, ps->profile) != 0)
		fail_msg("%s: a TCP flow got profile %s, expected %s", file,
			 scn->profiles[f->profile].name, ps->profile);
	prof = f->profile;
	EQ("on_timeout", scn->profiles[prof].on_timeout_state[FLOW_TCP_ESTABLISHED], ps->on_timeout);
	fx_expect_expiry_at(x, last + ps->established, prof, FLOW_TCP_ESTABLISHED);
	tc_check_rsts(x, &t, n_client, n_server);
	fx_flush_and_check(x);

	/* A SYN nobody answers: tcp.handshake. */
	now = last + ps->established + 10;
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	fx_at(x, now);
	EQ("SYN forwarded", tc_seg(x, &t, 0, SYN, 0), 1);
	fx_expect_expiry_at(x, now + ps->handshake, prof, FLOW_TCP_SYN_SENT);
	for (unsigned int i = 0; i < RTE_DIM(presets_reset_established_only); i++)
		if (strcmp(file, presets_reset_established_only[i]) == 0)
			n_client = n_server = 0;
	EQ("RSTs after a handshake timeout", fx_rst_queued(x), n_client + n_server);
	fx_flush_and_check(x);

	/* UDP one way (udp.single) and both ways (udp.stream). */
	now += ps->handshake + 10;
	fx_at(x, now);
	p = fx_udp_pkt(&EP_CLIENT, &EP_SERVER);
	EQ("UDP forwarded", fx_push(x, 0, fx_mbuf(&p)), 1);
	fx_expect_expiry_at(x, now + ps->udp_single, prof, FLOW_UDP_SINGLE);
	now += ps->udp_single + 10;
	fx_at(x, now);
	EQ("UDP forwarded", fx_push(x, 0, fx_mbuf(&p)), 1);
	p = fx_udp_pkt(&EP_SERVER, &EP_CLIENT);
	EQ("UDP reply forwarded", fx_push(x, 1, fx_mbuf(&p)), 1);
	fx_expect_expiry_at(x, now + ps->udp_stream, prof, FLOW_UDP_STREAM);

	/* ICMP echo. */
	now += ps->udp_stream + 10;
	fx_at(x, now);
	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = 1;
	p.src = &EP_CLIENT;
	p.dst = &EP_SERVER;
	p.icmp_type = 8;
	p.icmp_id = 7;
	EQ("ping forwarded", fx_push(x, 0, fx_mbuf(&p)), 1);
	fx_expect_expiry_at(x, now + ps->icmp, prof, FLOW_ACTIVE);
	EQ("RSTs after UDP/ICMP", fx_rst_queued(x), 0);

	/* A stray segment: what stray_tcp claims. */
	now += ps->icmp + 10;
	fx_at(x, now);
	p = fx_tcp_pkt(&EP_CLIENT, &EP_SERVER, ACK, 7000, 9000, 0);
	switch (ps->stray) {
	case CFG_STRAY_DROP:
		EQ("stray forwarded", fx_push(x, 0, fx_mbuf(&p)), 0);
		EQ("RSTs", fx_rst_queued(x), 0);
		EQ("flows", fx_n_flows(x), 0);
		break;
	case CFG_STRAY_RESET:
		EQ("stray forwarded", fx_push(x, 0, fx_mbuf(&p)), 0);
		EQ("stray RST back out of the same port", fx_rst_n(x, 0), 1);
		EQ("RSTs", fx_rst_queued(x), 1);
		{
			struct fx_rst e;

			memset(&e, 0, sizeof(e));
			e.dmac = EP_CLIENT.mac;
			e.smac = EP_SERVER.mac;
			e.family = 4;
			e.sip = EP_SERVER.ip4;
			e.dip = EP_CLIENT.ip4;
			e.sport = EP_SERVER.port;
			e.dport = EP_CLIENT.port;
			e.seq = 9000;
			e.flags = RST;
			fx_check_rst("stray RST", fx_rst(x, 0, 0), &e);
		}
		EQ("flows", fx_n_flows(x), 0);
		break;
	case CFG_STRAY_ADOPT:
		EQ("stray forwarded", fx_push(x, 0, fx_mbuf(&p)), 1);
		EQ("RSTs", fx_rst_queued(x), 0);
		f = fx_flow_find(x, 4, EP_CLIENT.ip4, EP_CLIENT.port, EP_SERVER.ip4, EP_SERVER.port,
				 6, 0, t.access_vlan, 0);
		assert_non_null(f);
		EQ("adopted state", f->state, FLOW_TCP_ESTABLISHED);
		fx_expect_expiry_at(x, now + ps->established, prof, FLOW_TCP_ESTABLISHED);
		break;
	}
	EQ("stray counter", fx_stats(x)->stray[ps->stray], 1);
	fx_flush_and_check(x);
	printf("preset %-24s profile %-18s established %6us handshake %3us udp %3us/%3us icmp "
	       "%3us %-10s stray %s: ok\n",
	       file, ps->profile, ps->established, ps->handshake, ps->udp_single, ps->udp_stream,
	       ps->icmp, cfg_on_timeout_name(ps->on_timeout), cfg_stray_name(ps->stray));
	fx_free(x);
}

static bool
is_yaml(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

/* Every row names a file that exists: a preset cannot disappear unnoticed. */
static void
test_preset_table(void **state)
{
	char path[4096];

	(void)state;
	if (fx_source_root() == NULL)
		fail_msg("IDLECUT_SOURCE_ROOT is not set (meson test sets it)");
	for (unsigned int i = 0; i < RTE_DIM(presets); i++) {
		snprintf(path, sizeof(path), "%s/configs/%s", fx_source_root(), presets[i].file);
		if (access(path, R_OK) != 0)
			fail_msg("%s: %s", path, strerror(errno));
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ------------------------------------------------------------------ main */

static void
add_tests(void)
{
	char dir[4096], *names[64];
	unsigned int n = 0;
	struct dirent *de;
	DIR *d;

	fx_add_test("preset_table_files_exist", test_preset_table, NULL);
	if (fx_source_root() == NULL)
		return; /* test_preset_table fails and says why */
	snprintf(dir, sizeof(dir), "%s/configs", fx_source_root());
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && n < RTE_DIM(names))
		if (is_yaml(de->d_name))
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (unsigned int i = 0; i < n; i++)
		fx_add_test(fx_fmt("preset_%s", names[i]), test_preset, names[i]);
}

int
main(int argc, char **argv)
{
	return fx_main(argc, argv, "dataplane-presets", add_tests);
}
