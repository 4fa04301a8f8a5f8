/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario schema: timeline, the list of {at, set|flush} (scn_schema.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scn_schema.h"

static int
parse_set(struct scn_ctx *c, const struct ynode *n, struct cfg_event *ev)
{
	/* "profile" then the field names, so that keys[1 + field] names enum cfg_field field */
	const char *keys[1 + CFG_FIELD_COUNT];
	struct yfield f[1 + CFG_FIELD_COUNT];
	int rc;

	keys[0] = "profile";
	for (int i = 0; i < CFG_FIELD_COUNT; i++)
		keys[1 + i] = cfg_field_name((enum cfg_field)i);
	if (n->kind != Y_MAP)
		return ydoc_fail(c->d, n,
				 "set: expected a mapping {profile: NAME, FIELD: VALUE}, got %s",
				 ydoc_kind_name(n));
	rc = ydoc_map_fields(c->d, n, "set", keys, 1 + CFG_FIELD_COUNT, f);
	if (rc < 0)
		return rc;
	if (f[0].val == NULL)
		return ydoc_missing(c->d, n, "set", "profile");
	rc = scn_get_profile(c, f[0].val, "set: profile", &ev->profile);
	if (rc < 0)
		return rc;
	if (ev->profile == CFG_PROFILE_UNTRACKED)
		return ydoc_fail(c->d, f[0].val,
				 "set: the built-in profile 'untracked' cannot be changed");
	ev->n_sets = 0;
	for (int i = 0; i < CFG_FIELD_COUNT; i++) {
		struct cfg_set *s = &ev->sets[ev->n_sets];

		if (f[1 + i].val == NULL)
			continue;
		s->field = (enum cfg_field)i;
		rc = scn_get_field(c, f[1 + i].val, s->field, keys[1 + i], &s->value);
		if (rc < 0)
			return rc;
		ev->n_sets++;
	}
	if (ev->n_sets == 0)
		return ydoc_fail(c->d, n, "set: nothing to change (add e.g. tcp.established: 30s)");
	return 0;
}

static int
parse_event(struct scn_ctx *c, const struct ynode *n, struct cfg_event *ev)
{
	static const char *const keys[] = {"set", "flush", "at"};
	struct yfield f[3];
	size_t which = 0;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (n->kind != Y_MAP)
		return ydoc_fail(c->d, n, "timeline: expected a mapping {at, set|flush}, got %s",
				 ydoc_kind_name(n));
	rc = ydoc_map_fields(c->d, n, "timeline event", keys, 3, f);
	if (rc == 0 && f[2].val == NULL)
		rc = ydoc_missing(c->d, n, "timeline event", "at");
	if (rc == 0)
		rc = ydoc_exactly_one(c->d, n, "timeline event", f, 2, "'set' or 'flush'", &which);
	if (rc == 0)
		rc = scn_get_dur(c->d, f[2].val, "at", &ev->at_us);
	if (rc < 0)
		return rc;
	if (ev->at_us == CFG_DUR_INDEFINITE)
		return ydoc_fail(c->d, f[2].val, "at: must be a finite time, not 'indefinite'");
	ev->line = n->line;
	if (which == 0) {
		ev->kind = CFG_EVENT_SET;
		return parse_set(c, f[0].val, ev);
	}
	ev->kind = CFG_EVENT_FLUSH;
	rc = ydoc_want_scalar(c->d, f[1].val, "flush", "'all' or a profile name");
	if (rc < 0)
		return rc;
	if (strcmp(f[1].val->str, "all") == 0) {
		ev->profile = CFG_FLUSH_ALL;
		return 0;
	}
	rc = scn_get_profile(c, f[1].val, "flush", &ev->profile);
	if (rc == 0 && ev->profile == CFG_PROFILE_UNTRACKED)
		return ydoc_fail(c->d, f[1].val, "flush: 'untracked' has no flows to flush");
	return rc;
}

int
scn_parse_timeline(struct scn_ctx *c, const struct ynode *n)
{
	struct cfg_scenario *scn = c->scn;
	struct cfg_event ev;
	int rc;

	if (ydoc_is_null(n))
		return 0;
	if (n->kind != Y_SEQ)
		return ydoc_fail(c->d, n, "timeline: expected a list of events, got %s",
				 ydoc_kind_name(n));
	if (n->n_kid > CFG_MAX_TIMELINE)
		return ydoc_fail(c->d, ydoc_kid(c->d, n, CFG_MAX_TIMELINE),
				 "timeline: more than %d events", CFG_MAX_TIMELINE);
	for (uint32_t i = 0; i < n->n_kid; i++) {
		uint16_t pos = scn->n_events;

		rc = parse_event(c, ydoc_kid(c->d, n, i), &ev);
		if (rc < 0)
			return rc;
		/* insertion sort, after every event at the same time: stable, and n <= 256 */
		while (pos > 0 && scn->events[pos - 1].at_us > ev.at_us) {
			scn->events[pos] = scn->events[pos - 1];
			pos--;
		}
		scn->events[pos] = ev;
		scn->n_events++;
	}
	return 0;
}
