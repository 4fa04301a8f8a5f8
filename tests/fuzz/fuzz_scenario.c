/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: any byte string as a scenario file, through scn_load_buffer().
 *
 * An error must be one line, "fuzz.yaml:LINE:COL: message" (LINE and COL 1-based) or
 * "fuzz.yaml: message", with a non-empty message, NUL-terminated in the caller's buffer,
 * also when that is too small (control/scenario.h). A scenario that loads must be one the dataplane can run: every
 * count within its array, every index within its table, every duration finite and capped or
 * indefinite (control/scenario.h, dataplane/config.h); the rules and the timeline's "set"
 * are then run over it. Short inputs also go through scn_parse_duration().
 *
 * A violation is __builtin_trap(), which libFuzzer reports as a crash.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "rules.h"
#include "scenario.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

#define FUZZ_NAME "fuzz.yaml"
#define FUZZ_DUR_MAX 64 /* inputs up to this length are also tried as a duration */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Far too big for the stack of a fuzzing thread: one, reused. */
static struct cfg_scenario scn;

static bool
dur_ok(uint64_t us)
{
	return us == CFG_DUR_INDEFINITE || us <= CFG_DUR_MAX_US;
}

static bool
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* Digits, at least one, not starting with 0 (1-based); returns the next character. */
static const char *
skip_pos(const char *s)
{
	const char *p = s;

	if (*p < '1' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	return p;
}

static void
check_error(int rc, const char *err)
{
	const char *p;

	CHECK(rc == -EINVAL || rc == -ENOMEM || rc == -EFBIG);
	CHECK(terminated(err, SCN_ERR_MAX));
	CHECK(strchr(err, '\n') == NULL && strchr(err, '\r') == NULL);
	CHECK(strncmp(err, FUZZ_NAME ":", sizeof(FUZZ_NAME)) == 0);
	p = err + sizeof(FUZZ_NAME);
	if (*p != ' ') {
		/* "LINE:COL: " */
		p = skip_pos(p);
		CHECK(p != NULL && *p == ':');
		p = skip_pos(p + 1);
		CHECK(p != NULL && *p == ':' && p[1] == ' ');
		p++;
	}
	/* A message after the place. */
	CHECK(p[0] == ' ' && p[1] != '\0' && p[1] != ' ');
}

static void
check_range(const struct cfg_range *r, uint16_t max)
{
	CHECK(r->lo <= r->hi && r->hi <= max);
}

static void
check_prefix(const struct cfg_prefix *p)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	CHECK(p->family == 4 || p->family == 6);
	CHECK(p->len <= 128);
	if (p->family == 4)
		CHECK(p->len >= 96 && memcmp(p->addr, mapped, 12) == 0);
}

static void
check_match(const struct cfg_match *m)
{
	CHECK((m->present & ~0xffu) == 0);
	if (m->present & CFG_MATCH_VLAN) {
		CHECK(m->n_vlan >= 1 && m->n_vlan <= CFG_MAX_VLAN_RANGES);
		for (unsigned int i = 0; i < m->n_vlan; i++)
			check_range(&m->vlan[i], 4095);
	}
	if (m->present & CFG_MATCH_PAIR)
		CHECK(m->pair < scn.n_pairs);
	if (m->present & CFG_MATCH_SIDE)
		CHECK(m->side == CFG_SIDE_INSIDE || m->side == CFG_SIDE_OUTSIDE);
	if (m->present & CFG_MATCH_SRC)
		check_prefix(&m->src);
	if (m->present & CFG_MATCH_DST)
		check_prefix(&m->dst);
	if (m->present & CFG_MATCH_SRC_PORT)
		check_range(&m->src_port, 0xffff);
	if (m->present & CFG_MATCH_DST_PORT)
		check_range(&m->dst_port, 0xffff);
}

static void
check_profile(const struct cfg_profile *p, bool builtin)
{
	CHECK(terminated(p->name, sizeof(p->name)) && p->name[0] != '\0');
	CHECK(p->untracked == builtin && !p->retired);
	for (unsigned int t = 0; t < CFG_TMO_COUNT; t++)
		CHECK(dur_ok(p->timeout_us[t]));
	CHECK((unsigned int)p->on_timeout <= CFG_ON_TIMEOUT_SILENT);
	CHECK((unsigned int)p->stray_tcp <= CFG_STRAY_ADOPT);
	CHECK((unsigned int)p->malformed <= CFG_DROP);
	CHECK((unsigned int)p->out_of_window <= CFG_DROP);
	CHECK(cfg_on_timeout_name(p->on_timeout) != NULL);
	CHECK(cfg_stray_name(p->stray_tcp) != NULL);
	CHECK(cfg_verdict_name(p->malformed) != NULL);
	/* the per-state and per-side forms are always filled; the scalar stray is the inside's */
	for (unsigned int s = 0; s < CFG_TCP_STATES; s++)
		CHECK((unsigned int)p->on_timeout_state[s] <= CFG_ON_TIMEOUT_SILENT);
	for (unsigned int s = 0; s < 2; s++)
		CHECK((unsigned int)p->stray_tcp_side[s] <= CFG_STRAY_ADOPT);
	CHECK(p->stray_tcp == p->stray_tcp_side[CFG_SIDE_INSIDE]);
	/* the RST payload: printable ASCII, its length, terminated */
	CHECK(p->rst_payload_len < CFG_RST_PAYLOAD_MAX);
	CHECK(p->rst_payload[p->rst_payload_len] == '\0');
	for (unsigned int i = 0; i < p->rst_payload_len; i++)
		CHECK(p->rst_payload[i] >= 0x20 && p->rst_payload[i] <= 0x7e);
}

static void
check_set(const struct cfg_set *s)
{
	CHECK((unsigned int)s->field < CFG_FIELD_COUNT);
	switch (s->field) {
	case CFG_FIELD_ON_TIMEOUT:
		CHECK(s->value <= CFG_ON_TIMEOUT_SILENT);
		break;
	case CFG_FIELD_STRAY_TCP:
		CHECK(s->value <= CFG_STRAY_ADOPT);
		break;
	case CFG_FIELD_MALFORMED:
	case CFG_FIELD_OUT_OF_WINDOW:
		CHECK(s->value <= CFG_DROP);
		break;
	case CFG_FIELD_LOOSE_CLOSE:
		CHECK(s->value <= 1);
		break;
	default:
		CHECK(dur_ok(s->value));
		break;
	}
}

/* Every event in time order, and each "set" applied to a copy of its profile. */
static void
check_timeline(void)
{
	struct cfg_profile p;

	CHECK(scn.n_events <= CFG_MAX_TIMELINE);
	for (unsigned int i = 0; i < scn.n_events; i++) {
		const struct cfg_event *ev = &scn.events[i];

		CHECK(ev->at_us <= CFG_DUR_MAX_US);
		CHECK(i == 0 || scn.events[i - 1].at_us <= ev->at_us);
		CHECK(ev->line >= 1);
		if (ev->kind == CFG_EVENT_FLUSH) {
			CHECK(ev->profile == CFG_FLUSH_ALL ||
			      (ev->profile > CFG_PROFILE_UNTRACKED &&
			       ev->profile < scn.n_profiles));
			continue;
		}
		CHECK(ev->kind == CFG_EVENT_SET);
		CHECK(ev->profile > CFG_PROFILE_UNTRACKED && ev->profile < scn.n_profiles);
		CHECK(ev->n_sets >= 1 && ev->n_sets <= CFG_MAX_SET_FIELDS);
		p = scn.profiles[ev->profile];
		for (unsigned int s = 0; s < ev->n_sets; s++) {
			check_set(&ev->sets[s]);
			cfg_profile_apply_set(&p, &ev->sets[s]);
		}
		check_profile(&p, false);
	}
}

/* A few flows through the loaded rules: the profile is always one of the scenario's. */
static void
check_rules(void)
{
	static const uint8_t v4[2][16] = {
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 1},
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 1, 2},
	};
	static const uint8_t v6[2][16] = {
		{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
		{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
	};
	struct rules_flow rf;

	for (unsigned int i = 0; i < 8; i++) {
		memset(&rf, 0, sizeof(rf));
		rf.valid = (uint8_t)(i & 3);
		rf.pair = (uint16_t)(i % scn.n_pairs);
		rf.side = (enum cfg_side)(i >> 2 & 1);
		rf.n_vlan = (uint8_t)(i % 3);
		rf.vlan[0] = 300;
		rf.vlan[1] = (uint16_t)(i * 600);
		rf.family = i & 1 ? 6 : 4;
		rf.proto = (uint8_t)(i & 2 ? 6 : 17);
		rf.src = i & 1 ? v6[0] : v4[0];
		rf.dst = i & 1 ? v6[1] : v4[1];
		rf.sport = (uint16_t)(40000 + i);
		rf.dport = (uint16_t)(i & 4 ? 443 : 53);
		CHECK(rules_match(&scn, &rf) < scn.n_profiles);
	}
}

static void
check_scenario(void)
{
	CHECK(terminated(scn.name, sizeof(scn.name)) && scn.name[0] != '\0');
	CHECK(terminated(scn.description, sizeof(scn.description)));
	CHECK(scn.n_pairs >= 1 && scn.n_pairs <= CFG_MAX_PAIRS);
	for (unsigned int i = 0; i < scn.n_pairs; i++) {
		CHECK(terminated(scn.pairs[i].name, sizeof(scn.pairs[i].name)));
		for (unsigned int s = 0; s < 2; s++) {
			const struct cfg_port *port = &scn.pairs[i].side[s];

			CHECK((unsigned int)port->kind <= CFG_PORT_PCI);
			CHECK(terminated(port->name, sizeof(port->name)));
			CHECK(port->vlan <= 4094);
			CHECK(terminated(port->devargs, sizeof(port->devargs)));
			CHECK(port->devargs[0] == '\0' || port->kind == CFG_PORT_PCI);
		}
		CHECK(scn.pairs[i].mtu >= CFG_MTU_MIN && scn.pairs[i].mtu <= CFG_MTU_MAX);
	}
	CHECK(scn.steering == CFG_STEERING_AUTO || scn.steering == CFG_STEERING_SOFTWARE);
	CHECK(scn.capacity >= CFG_CAPACITY_MIN && scn.capacity <= CFG_CAPACITY_MAX);
	CHECK((unsigned int)scn.when_full <= CFG_WHEN_FULL_EARLY_DROP);
	CHECK(strcmp(cfg_when_full_name(scn.when_full), "?") != 0);
	if (scn.reaper.on)
		CHECK(scn.reaper.low_pct >= 1 && scn.reaper.low_pct < scn.reaper.high_pct &&
		      scn.reaper.high_pct <= 100);
	else
		CHECK(scn.reaper.low_pct == 0 && scn.reaper.high_pct == 0);
	CHECK(scn.n_profiles >= 1 && scn.n_profiles <= CFG_MAX_PROFILES);
	for (unsigned int i = 0; i < scn.n_profiles; i++) {
		check_profile(&scn.profiles[i], i == CFG_PROFILE_UNTRACKED);
		CHECK(cfg_profile_find(&scn, scn.profiles[i].name) == (int)i);
	}
	CHECK(scn.default_profile < scn.n_profiles);
	CHECK(scn.n_rules <= CFG_MAX_RULES);
	for (unsigned int i = 0; i < scn.n_rules; i++) {
		CHECK(scn.rules[i].profile < scn.n_profiles);
		CHECK(scn.rules[i].line >= 1);
		check_match(&scn.rules[i].match);
	}
	check_timeline();
	check_rules();
}

/* The input as a duration string, when it is short and has no NUL of its own. */
static void
check_duration(const uint8_t *data, size_t size)
{
	char s[FUZZ_DUR_MAX + 1];
	uint64_t us = 0;
	int rc;

	if (size > FUZZ_DUR_MAX || memchr(data, '\0', size) != NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = scn_parse_duration(s, &us);
	CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	if (rc == 0)
		CHECK(dur_ok(us));
}

/*
 * For one input in two, the same load with a message buffer of 1..32 bytes on the heap:
 * the same error, cut to fit and NUL-terminated, not a byte written past the buffer.
 */
static void
check_short_buffer(const uint8_t *data, size_t size, int rc, const char *err)
{
	size_t len = 1 + size / 2 % 32;
	char *buf, *small;

	if (size % 2 == 0)
		return;
	buf = malloc(size);
	small = malloc(len);
	CHECK(buf != NULL && small != NULL);
	memcpy(buf, data, size);
	memset(small, 'X', len);
	CHECK(scn_load_buffer(FUZZ_NAME, buf, size, &scn, small, len) == rc);
	CHECK(memchr(small, '\0', len) != NULL && strncmp(small, err, len - 1) == 0);
	free(small);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SCN_ERR_MAX];
	char *buf;
	int rc;

	check_duration(data, size);

	/* A copy of the exact size on the heap: ASan sees a read one byte too far. */
	buf = malloc(size ? size : 1);
	CHECK(buf != NULL);
	memcpy(buf, data, size);
	/* Not a string: the loader must not depend on a NUL it was not given. */
	memset(err, 'X', sizeof(err));
	rc = scn_load_buffer(FUZZ_NAME, buf, size, &scn, err, sizeof(err));
	free(buf);
	if (rc != 0) {
		check_error(rc, err);
		check_short_buffer(data, size, rc, err);
		return 0;
	}
	check_scenario();
	return 0;
}
