/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "config.h"

static const char *const tmo_names[CFG_TMO_COUNT] = {
	[CFG_TMO_TCP_HANDSHAKE] = "tcp.handshake",
	[CFG_TMO_TCP_ESTABLISHED] = "tcp.established",
	[CFG_TMO_TCP_CLOSING] = "tcp.closing",
	[CFG_TMO_TCP_TIME_WAIT] = "tcp.time_wait",
	[CFG_TMO_UDP_SINGLE] = "udp.single",
	[CFG_TMO_UDP_STREAM] = "udp.stream",
	[CFG_TMO_ICMP] = "icmp",
	[CFG_TMO_OTHER] = "other",
};

const char *
cfg_tmo_name(enum cfg_tmo t)
{
	return (unsigned)t < CFG_TMO_COUNT ? tmo_names[t] : "?";
}

const char *
cfg_on_timeout_name(enum cfg_on_timeout a)
{
	switch (a) {
	case CFG_ON_TIMEOUT_RESET_BOTH:
		return "reset-both";
	case CFG_ON_TIMEOUT_RESET_CLIENT:
		return "reset-client";
	case CFG_ON_TIMEOUT_RESET_SERVER:
		return "reset-server";
	case CFG_ON_TIMEOUT_SILENT:
		return "silent";
	}
	return "?";
}

const char *
cfg_stray_name(enum cfg_stray s)
{
	switch (s) {
	case CFG_STRAY_DROP:
		return "drop";
	case CFG_STRAY_RESET:
		return "reset";
	case CFG_STRAY_ADOPT:
		return "adopt";
	}
	return "?";
}

const char *
cfg_verdict_name(enum cfg_verdict v)
{
	return v == CFG_DROP ? "drop" : "forward";
}

const char *
cfg_when_full_name(enum cfg_when_full w)
{
	switch (w) {
	case CFG_WHEN_FULL_FORWARD:
		return "forward";
	case CFG_WHEN_FULL_DROP:
		return "drop";
	case CFG_WHEN_FULL_EARLY_DROP:
		return "early-drop";
	}
	return "?";
}

const char *
cfg_steering_name(enum cfg_steering s)
{
	return s == CFG_STEERING_SOFTWARE ? "software" : "auto";
}

const char *
cfg_tcp_state_name(unsigned int s)
{
	/* enum flow_state's order (dataplane/flow.h); tests/unit/scenario_test.c checks it */
	static const char *const names[CFG_TCP_STATES] = {
		"syn_sent", "syn_recv", "established", "fin_wait", "closing", "time_wait", "closed",
	};

	return s < CFG_TCP_STATES ? names[s] : "?";
}

const char *
cfg_field_name(enum cfg_field f)
{
	static const char *const names[CFG_FIELD_COUNT] = {
		[CFG_FIELD_ON_TIMEOUT] = "on_timeout",
		[CFG_FIELD_STRAY_TCP] = "stray_tcp",
		[CFG_FIELD_MALFORMED] = "malformed",
		[CFG_FIELD_LOOSE_CLOSE] = "loose_close",
		[CFG_FIELD_OUT_OF_WINDOW] = "out_of_window",
	};

	if ((unsigned)f < CFG_FIELD_ON_TIMEOUT)
		return cfg_tmo_name((enum cfg_tmo)(f - CFG_FIELD_TMO_FIRST));
	return (unsigned)f < CFG_FIELD_COUNT ? names[f] : "?";
}

const char *
cfg_set_value_name(const struct cfg_set *s)
{
	switch (s->field) {
	case CFG_FIELD_ON_TIMEOUT:
		return cfg_on_timeout_name((enum cfg_on_timeout)s->value);
	case CFG_FIELD_STRAY_TCP:
		return cfg_stray_name((enum cfg_stray)s->value);
	case CFG_FIELD_MALFORMED:
	case CFG_FIELD_OUT_OF_WINDOW:
		return cfg_verdict_name((enum cfg_verdict)s->value);
	case CFG_FIELD_LOOSE_CLOSE:
		return s->value ? "true" : "false";
	default:
		return NULL;
	}
}

static void
set_on_timeout(struct cfg_profile *p, enum cfg_on_timeout a)
{
	p->on_timeout = a;
	for (unsigned int s = 0; s < CFG_TCP_STATES; s++)
		p->on_timeout_state[s] = a;
}

static void
set_stray(struct cfg_profile *p, enum cfg_stray a)
{
	p->stray_tcp = a;
	p->stray_tcp_side[CFG_SIDE_INSIDE] = a;
	p->stray_tcp_side[CFG_SIDE_OUTSIDE] = a;
}

int
cfg_profile_find(const struct cfg_scenario *scn, const char *name)
{
	for (int i = 0; i < scn->n_profiles; i++)
		if (strcmp(scn->profiles[i].name, name) == 0)
			return i;
	return -1;
}

void
cfg_profile_init_untracked(struct cfg_profile *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", CFG_PROFILE_UNTRACKED_NAME);
	p->untracked = true;
	for (int t = 0; t < CFG_TMO_COUNT; t++)
		p->timeout_us[t] = CFG_DUR_INDEFINITE;
	set_on_timeout(p, CFG_ON_TIMEOUT_SILENT);
	set_stray(p, CFG_STRAY_ADOPT);
	p->malformed = CFG_FORWARD;
	p->out_of_window = CFG_FORWARD;
}

void
cfg_profile_init_defaults(struct cfg_profile *p, const char *name)
{
	const uint64_t s = 1000000;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->timeout_us[CFG_TMO_TCP_HANDSHAKE] = 5 * s;
	p->timeout_us[CFG_TMO_TCP_ESTABLISHED] = 300 * s;
	p->timeout_us[CFG_TMO_TCP_CLOSING] = 5 * s;
	p->timeout_us[CFG_TMO_TCP_TIME_WAIT] = 2 * s;
	p->timeout_us[CFG_TMO_UDP_SINGLE] = 300 * s;
	p->timeout_us[CFG_TMO_UDP_STREAM] = 300 * s;
	p->timeout_us[CFG_TMO_ICMP] = 300 * s;
	p->timeout_us[CFG_TMO_OTHER] = 300 * s;
	set_on_timeout(p, CFG_ON_TIMEOUT_RESET_BOTH);
	set_stray(p, CFG_STRAY_DROP);
	p->malformed = CFG_FORWARD;
	p->out_of_window = CFG_FORWARD;
	p->loose_close = false;
	p->rst_payload_len = 0;
	p->rst_payload[0] = '\0';
}

void
cfg_profile_apply_set(struct cfg_profile *p, const struct cfg_set *s)
{
	if (s->field < CFG_FIELD_ON_TIMEOUT) {
		p->timeout_us[s->field - CFG_FIELD_TMO_FIRST] = s->value;
		return;
	}
	switch (s->field) {
	case CFG_FIELD_ON_TIMEOUT:
		set_on_timeout(p, (enum cfg_on_timeout)s->value);
		break;
	case CFG_FIELD_STRAY_TCP:
		set_stray(p, (enum cfg_stray)s->value);
		break;
	case CFG_FIELD_MALFORMED:
		p->malformed = (enum cfg_verdict)s->value;
		break;
	case CFG_FIELD_LOOSE_CLOSE:
		p->loose_close = s->value != 0;
		break;
	case CFG_FIELD_OUT_OF_WINDOW:
		p->out_of_window = (enum cfg_verdict)s->value;
		break;
	default:
		break;
	}
}
