/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario loader (SPEC §5), in two passes:
 *
 * 1. libyaml's event parser feeds a small tree builder that enforces what libyaml does not:
 *    one document, a nesting depth, a node count, and a bound on what aliases expand to.
 *    Aliases become shared references to the anchored node, so memory stays linear in the
 *    file, and a "billion laughs" fails at the first alias that crosses the bound, in time
 *    linear in the file too. We use events rather than yaml_parser_load() because the
 *    document loader resolves aliases with a linear search per alias (quadratic on a file
 *    made of anchors) and gives no hook to stop early.
 *
 * 2. The schema walk fills struct cfg_scenario from the tree, one section at a time in a
 *    fixed order (profiles before rules, whatever the order in the file), and checks every
 *    key: unknown, duplicate (libyaml does not detect those), wrong type, out of range.
 *
 * The first error stops the load and is written once, into the caller's buffer, as
 * "FILE:LINE:COL: message" on one line: user text quoted in a message is sanitised.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "scenario.h"

/*
 * Structural limits. The largest valid scenario (256 rules, 256 timeline events, 63
 * profiles, all fully spelt out) is about 25000 nodes and 6 levels deep, so these only
 * ever stop hostile or broken files.
 */
#define SCN_MAX_DEPTH 32
#define SCN_MAX_NODES 65536
#define SCN_MAX_ALIAS_NODES 10000
#define SCN_MAX_ANCHORS 256

#define US_PER_S 1000000ull

enum ykind {
	Y_SCALAR,
	Y_SEQ,
	Y_MAP,
};

struct ynode {
	enum ykind kind;
	bool plain;    /**< plain scalar: only those can be YAML nulls */
	uint32_t line; /**< 1-based */
	uint32_t col;  /**< 1-based */
	uint32_t size; /**< nodes in this subtree, aliases expanded (saturating) */
	char *str;     /**< scalar text, NUL-terminated, never an embedded NUL */
	uint32_t *kid; /**< seq: items; map: key, value, key, value, ... */
	uint32_t n_kid;
	uint32_t cap_kid;
};

struct yanchor {
	char *name;
	uint32_t node;
	bool done; /**< an alias to an unfinished collection would be a cycle */
};

/* A device some pair uses, to refuse the same one twice. */
struct dev_use {
	enum cfg_port_kind kind;
	char key[CFG_DEV_MAX];
	const struct ynode *at;
};

struct ctx {
	const char *file;
	const char *buf;
	size_t len;
	char *err;
	size_t errlen;
	bool failed;

	/* tree */
	struct ynode *node;
	uint32_t n_node;
	uint32_t cap_node;
	uint32_t root; /**< UINT32_MAX: no document */
	struct yanchor anchor[SCN_MAX_ANCHORS];
	uint32_t n_anchor;
	uint32_t stack[SCN_MAX_DEPTH];
	int stack_anchor[SCN_MAX_DEPTH]; /**< anchor of each open collection, or -1 */
	uint32_t depth;
	uint64_t alias_nodes;

	/* schema */
	struct cfg_scenario *scn;
	const struct ynode *pair_name_at[CFG_MAX_PAIRS];
	const struct ynode *profile_at[CFG_MAX_PROFILES];
	struct dev_use dev[2 * CFG_MAX_PAIRS];
	unsigned n_dev;

	/* scratch for quoting user text in messages: a message quotes at most three */
	char shown[3][72];
	unsigned n_shown;
};

/* ---------------------------------------------------------------------------------------- */
/* Errors */

static int
vfail_at(struct ctx *c, uint32_t line, uint32_t col, int rc, const char *fmt, va_list ap)
{
	size_t off;
	int n;

	if (c->failed || c->err == NULL || c->errlen == 0) {
		c->failed = true;
		return rc;
	}
	c->failed = true;
	if (line > 0)
		n = snprintf(c->err, c->errlen, "%s:%u:%u: ", c->file, line, col);
	else
		n = snprintf(c->err, c->errlen, "%s: ", c->file);
	off = n < 0 ? 0 : (size_t)n;
	if (off < c->errlen)
		vsnprintf(c->err + off, c->errlen - off, fmt, ap);
	return rc;
}

static int __attribute__((format(printf, 5, 6)))
fail_at(struct ctx *c, uint32_t line, uint32_t col, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_at(c, line, col, rc, fmt, ap);
	va_end(ap);
	return rc;
}

/* An error at node @p n (or about the whole file when @p n is NULL); returns -EINVAL. */
static int __attribute__((format(printf, 3, 4)))
fail(struct ctx *c, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_at(c, n ? n->line : 0, n ? n->col : 0, -EINVAL, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * User text as it may appear in a one-line message: control characters become '?', long
 * text is cut with "...". Bytes >= 0x80 are kept (libyaml has checked the UTF-8).
 */
static const char *
show(struct ctx *c, const char *s)
{
	char *o = c->shown[c->n_shown++ % 3];
	const size_t max = sizeof(c->shown[0]) - 4;
	size_t j = 0;

	for (; *s != '\0' && j < max; s++) {
		unsigned char ch = (unsigned char)*s;

		o[j++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	if (*s != '\0')
		memcpy(o + j, "...", 4);
	else
		o[j] = '\0';
	return o;
}

/* ---------------------------------------------------------------------------------------- */
/* Pass 1: events to tree */

static int
tree_new(struct ctx *c, const yaml_mark_t *mark, enum ykind kind, uint32_t *id)
{
	struct ynode *n;

	if (c->n_node == SCN_MAX_NODES)
		return fail_at(c, mark->line + 1, mark->column + 1, -EINVAL,
			       "more than %u YAML nodes: this is not a scenario", SCN_MAX_NODES);
	if (c->n_node == c->cap_node) {
		uint32_t cap = c->cap_node ? 2 * c->cap_node : 256;
		struct ynode *p = realloc(c->node, cap * sizeof(*p));

		if (p == NULL)
			return fail_at(c, 0, 0, -ENOMEM, "out of memory");
		c->node = p;
		c->cap_node = cap;
	}
	n = &c->node[c->n_node];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = (uint32_t)mark->line + 1;
	n->col = (uint32_t)mark->column + 1;
	n->size = 1;
	*id = c->n_node++;
	return 0;
}

/* Hang node @p id under the collection being built, or make it the document's root. */
static int
tree_attach(struct ctx *c, uint32_t id)
{
	struct ynode *p;

	if (c->depth == 0) {
		c->root = id;
		return 0;
	}
	p = &c->node[c->stack[c->depth - 1]];
	if (p->n_kid == p->cap_kid) {
		uint32_t cap = p->cap_kid ? 2 * p->cap_kid : 8;
		uint32_t *k = realloc(p->kid, cap * sizeof(*k));

		if (k == NULL)
			return fail_at(c, 0, 0, -ENOMEM, "out of memory");
		p->kid = k;
		p->cap_kid = cap;
	}
	p->kid[p->n_kid++] = id;
	return 0;
}

static int
tree_anchor(struct ctx *c, const yaml_mark_t *mark, const yaml_char_t *name, uint32_t id, bool done,
	    int *slot)
{
	struct yanchor *a;

	*slot = -1;
	if (name == NULL)
		return 0;
	if (c->n_anchor == SCN_MAX_ANCHORS)
		return fail_at(c, mark->line + 1, mark->column + 1, -EINVAL, "more than %u anchors",
			       SCN_MAX_ANCHORS);
	a = &c->anchor[c->n_anchor];
	a->name = strdup((const char *)name);
	if (a->name == NULL)
		return fail_at(c, 0, 0, -ENOMEM, "out of memory");
	a->node = id;
	a->done = done;
	*slot = (int)c->n_anchor++;
	return 0;
}

static int
tree_scalar(struct ctx *c, const yaml_event_t *ev)
{
	const size_t len = ev->data.scalar.length;
	struct ynode *n;
	uint32_t id;
	int slot;
	int rc;

	rc = tree_new(c, &ev->start_mark, Y_SCALAR, &id);
	if (rc < 0)
		return rc;
	n = &c->node[id];
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	/* A "\0" escape in a quoted scalar: no field can hold it, and it would cut strings. */
	if (memchr(ev->data.scalar.value, '\0', len) != NULL)
		return fail(c, n, "NUL character in a string");
	n->str = malloc(len + 1);
	if (n->str == NULL)
		return fail_at(c, 0, 0, -ENOMEM, "out of memory");
	memcpy(n->str, ev->data.scalar.value, len);
	n->str[len] = '\0';
	rc = tree_anchor(c, &ev->start_mark, ev->data.scalar.anchor, id, true, &slot);
	if (rc < 0)
		return rc;
	return tree_attach(c, id);
}

static int
tree_open(struct ctx *c, const yaml_event_t *ev, enum ykind kind, const yaml_char_t *anchor)
{
	uint32_t id;
	int slot;
	int rc;

	if (c->depth == SCN_MAX_DEPTH)
		return fail_at(c, ev->start_mark.line + 1, ev->start_mark.column + 1, -EINVAL,
			       "nesting deeper than %u levels", SCN_MAX_DEPTH);
	rc = tree_new(c, &ev->start_mark, kind, &id);
	if (rc < 0)
		return rc;
	rc = tree_anchor(c, &ev->start_mark, anchor, id, false, &slot);
	if (rc < 0)
		return rc;
	rc = tree_attach(c, id);
	if (rc < 0)
		return rc;
	c->stack[c->depth] = id;
	c->stack_anchor[c->depth] = slot;
	c->depth++;
	return 0;
}

static void
tree_close(struct ctx *c)
{
	struct ynode *n;
	uint64_t size = 1;

	c->depth--;
	n = &c->node[c->stack[c->depth]];
	for (uint32_t i = 0; i < n->n_kid; i++)
		size += c->node[n->kid[i]].size;
	n->size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	if (c->stack_anchor[c->depth] >= 0)
		c->anchor[c->stack_anchor[c->depth]].done = true;
}

static int
tree_alias(struct ctx *c, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	const uint32_t line = (uint32_t)ev->start_mark.line + 1;
	const uint32_t col = (uint32_t)ev->start_mark.column + 1;
	const struct yanchor *a = NULL;

	/* YAML lets an anchor be redefined; an alias refers to the latest definition. */
	for (uint32_t i = c->n_anchor; i-- > 0;) {
		if (strcmp(c->anchor[i].name, name) == 0) {
			a = &c->anchor[i];
			break;
		}
	}
	if (a == NULL)
		return fail_at(c, line, col, -EINVAL, "unknown alias '*%s'", show(c, name));
	if (!a->done)
		return fail_at(c, line, col, -EINVAL, "alias '*%s' refers to a node containing it",
			       show(c, name));
	c->alias_nodes += c->node[a->node].size;
	if (c->alias_nodes > SCN_MAX_ALIAS_NODES)
		return fail_at(c, line, col, -EINVAL, "aliases expand beyond %u nodes",
			       SCN_MAX_ALIAS_NODES);
	return tree_attach(c, a->node);
}

/* Where libyaml's reader stopped, from a byte offset: it gives no line/column for those. */
static void
offset_mark(const struct ctx *c, size_t off, uint32_t *line, uint32_t *col)
{
	*line = 1;
	*col = 1;
	if (off > c->len)
		off = c->len;
	for (size_t i = 0; i < off; i++) {
		if (c->buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)c->buf[i] & 0xc0) != 0x80) {
			(*col)++; /* count characters, not UTF-8 continuation bytes */
		}
	}
}

static int
parser_error(struct ctx *c, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "syntax error";
	uint32_t line;
	uint32_t col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return fail_at(c, 0, 0, -ENOMEM, "out of memory");
	case YAML_READER_ERROR:
		offset_mark(c, p->problem_offset, &line, &col);
		if (p->problem_value >= 0)
			return fail_at(c, line, col, -EINVAL, "%s (#x%02X)", problem,
				       (unsigned)p->problem_value);
		return fail_at(c, line, col, -EINVAL, "%s", problem);
	default:
		line = (uint32_t)p->problem_mark.line + 1;
		col = (uint32_t)p->problem_mark.column + 1;
		if (p->context != NULL)
			return fail_at(c, line, col, -EINVAL, "%s (%s at %zu:%zu)", problem,
				       p->context, p->context_mark.line + 1,
				       p->context_mark.column + 1);
		return fail_at(c, line, col, -EINVAL, "%s", problem);
	}
}

static int
tree_build(struct ctx *c)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	unsigned n_docs = 0;
	bool end = false;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return fail_at(c, 0, 0, -ENOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)c->buf, c->len);
	while (!end && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = parser_error(c, &parser);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			end = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++n_docs > 1)
				rc = fail_at(
					c, ev.start_mark.line + 1, ev.start_mark.column + 1,
					-EINVAL,
					"second YAML document: a scenario file holds only one");
			break;
		case YAML_SCALAR_EVENT:
			rc = tree_scalar(c, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = tree_open(c, &ev, Y_SEQ, ev.data.sequence_start.anchor);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = tree_open(c, &ev, Y_MAP, ev.data.mapping_start.anchor);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			tree_close(c);
			break;
		case YAML_ALIAS_EVENT:
			rc = tree_alias(c, &ev);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

static void
tree_free(struct ctx *c)
{
	for (uint32_t i = 0; i < c->n_node; i++) {
		free(c->node[i].str);
		free(c->node[i].kid);
	}
	free(c->node);
	for (uint32_t i = 0; i < c->n_anchor; i++)
		free(c->anchor[i].name);
}

/* ---------------------------------------------------------------------------------------- */
/* Pass 2 helpers: node access and scalar types */

static const struct ynode *
kid(const struct ctx *c, const struct ynode *n, uint32_t i)
{
	return &c->node[n->kid[i]];
}

/* A YAML null (core schema): "key:" with nothing, "~" or "null", unquoted. */
static bool
is_null(const struct ynode *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (n->kind != Y_SCALAR || !n->plain)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(n->str, nulls[i]) == 0)
			return true;
	return false;
}

static const char *
kind_name(const struct ynode *n)
{
	if (n->kind == Y_MAP)
		return "a mapping";
	if (n->kind == Y_SEQ)
		return "a list";
	return is_null(n) ? "nothing" : "a scalar";
}

static int
want_scalar(struct ctx *c, const struct ynode *n, const char *what, const char *expected)
{
	if (n->kind == Y_SCALAR && !is_null(n))
		return 0;
	return fail(c, n, "%s: expected %s, got %s", what, expected, kind_name(n));
}

/* Decimal digits only (no sign, no 0x, no 1e3), at most @p max. -EINVAL or -ERANGE. */
static int
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int
get_uint(struct ctx *c, const struct ynode *n, const char *what, uint64_t lo, uint64_t hi,
	 uint64_t *out)
{
	int rc = want_scalar(c, n, what, "an integer");

	if (rc < 0)
		return rc;
	rc = parse_uint(n->str, hi, out);
	if (rc == -EINVAL)
		return fail(c, n, "%s: expected an integer, got '%s'", what, show(c, n->str));
	if (rc == -ERANGE || *out < lo)
		return fail(c, n, "%s must be between %llu and %llu, got %s", what,
			    (unsigned long long)lo, (unsigned long long)hi, show(c, n->str));
	return 0;
}

/* A string that fits @p size with its NUL, with no control character. */
static int
get_text(struct ctx *c, const struct ynode *n, const char *what, char *out, size_t size)
{
	int rc = want_scalar(c, n, what, "a string");
	size_t len;

	if (rc < 0)
		return rc;
	len = strlen(n->str);
	if (len >= size)
		return fail(c, n, "%s is too long (%zu bytes, at most %zu)", what, len, size - 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)n->str[i];

		if (ch < 0x20 || ch == 0x7f)
			return fail(c, n, "%s contains a control character (keep it on one line)",
				    what);
	}
	memcpy(out, n->str, len + 1);
	return 0;
}

/*
 * Profile and pair names end up in metric labels, JSON events and log lines: keep them
 * to characters none of those need to escape.
 */
static int
check_ident(struct ctx *c, const struct ynode *n, const char *what)
{
	size_t len;

	if (n->kind != Y_SCALAR || is_null(n))
		return fail(c, n, "%s: expected a name, got %s", what, kind_name(n));
	len = strlen(n->str);
	if (len == 0)
		return fail(c, n, "%s must not be empty", what);
	if (len >= CFG_NAME_MAX)
		return fail(c, n, "%s '%s' is too long (at most %d characters)", what,
			    show(c, n->str), CFG_NAME_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		char ch = n->str[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			return fail(c, n, "%s '%s': use only letters, digits, '_', '.' and '-'",
				    what, show(c, n->str));
	}
	return 0;
}

struct sym {
	const char *name;
	unsigned value;
};

static int
get_sym(struct ctx *c, const struct ynode *n, const char *what, const struct sym *syms,
	size_t n_syms, size_t n_listed, unsigned *out)
{
	char list[128];
	size_t off = 0;
	int rc = want_scalar(c, n, what, "a keyword");

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n_syms; i++) {
		if (strcmp(n->str, syms[i].name) == 0) {
			*out = syms[i].value;
			return 0;
		}
	}
	list[0] = '\0';
	for (size_t i = 0; i < n_listed && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					syms[i].name);
	return fail(c, n, "%s: expected one of %s, got '%s'", what, list, show(c, n->str));
}

/* ---------------------------------------------------------------------------------------- */
/* Durations */

enum dur_err {
	DUR_OK,
	DUR_EMPTY,
	DUR_NEGATIVE,
	DUR_SYNTAX,
	DUR_UNIT,
	DUR_DECIMALS,
	DUR_RANGE,
};

static enum dur_err
dur_parse(const char *s, uint64_t *us, const char **unit_at)
{
	static const struct {
		const char *name;
		uint64_t us;
	} units[] = {
		{"ms", 1000},
		{"s", US_PER_S},
		{"m", 60 * US_PER_S},
		{"h", 3600 * US_PER_S},
	};
	uint64_t whole = 0;
	uint64_t frac = 0; /* millionths of the unit */
	uint64_t unit = US_PER_S;
	uint64_t v;
	bool overflow = false;
	const char *p = s;
	int n_frac = 0;

	*unit_at = NULL;
	if (*s == '\0')
		return DUR_EMPTY;
	if (strcmp(s, "indefinite") == 0) {
		*us = CFG_DUR_INDEFINITE;
		return DUR_OK;
	}
	if (strcmp(s, "immediate") == 0) {
		*us = CFG_DUR_IMMEDIATE;
		return DUR_OK;
	}
	if (*p == '-')
		return DUR_NEGATIVE;
	if (*p < '0' || *p > '9')
		return DUR_SYNTAX;
	for (; *p >= '0' && *p <= '9'; p++) {
		/* Keep scanning after an overflow so that "99...9x" still reports the unit. */
		if (whole > (UINT64_MAX - 9) / 10)
			overflow = true;
		else
			whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return DUR_SYNTAX;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (++n_frac > 6)
				return DUR_DECIMALS;
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
		for (int i = n_frac; i < 6; i++)
			frac *= 10;
	}
	if (*p != '\0') {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(p, units[i].name) == 0)
				break;
		if (i == sizeof(units) / sizeof(units[0])) {
			*unit_at = p;
			return DUR_UNIT;
		}
		unit = units[i].us;
	}
	if (overflow || __builtin_mul_overflow(whole, unit, &v))
		return DUR_RANGE;
	/* frac * unit <= 999999 * 3.6e9: no overflow. Round half up to whole microseconds. */
	if (__builtin_add_overflow(v, (frac * unit + US_PER_S / 2) / US_PER_S, &v))
		return DUR_RANGE;
	if (v > CFG_DUR_MAX_US)
		return DUR_RANGE;
	*us = v;
	return DUR_OK;
}

int
scn_parse_duration(const char *s, uint64_t *us)
{
	const char *unit_at;
	uint64_t v;

	if (s == NULL || us == NULL)
		return -EINVAL;
	switch (dur_parse(s, &v, &unit_at)) {
	case DUR_OK:
		*us = v;
		return 0;
	case DUR_RANGE:
		return -ERANGE;
	default:
		return -EINVAL;
	}
}

static int
get_dur(struct ctx *c, const struct ynode *n, const char *what, uint64_t *us)
{
	const char *unit_at;
	int rc = want_scalar(c, n, what, "a duration");

	if (rc < 0)
		return rc;
	switch (dur_parse(n->str, us, &unit_at)) {
	case DUR_OK:
		return 0;
	case DUR_EMPTY:
		return fail(c, n, "%s: empty duration", what);
	case DUR_NEGATIVE:
		return fail(c, n, "%s: negative duration '%s'", what, show(c, n->str));
	case DUR_UNIT:
		return fail(c, n, "%s: unknown unit '%s' in duration '%s' (use ms, s, m or h)",
			    what, show(c, unit_at), show(c, n->str));
	case DUR_DECIMALS:
		return fail(c, n, "%s: too many decimals in '%s' (at most 6)", what,
			    show(c, n->str));
	case DUR_RANGE:
		return fail(c, n,
			    "%s: duration '%s' is too long: the maximum is %llu.%03llus (about "
			    "24.8 days); use 'indefinite' for no timeout",
			    what, show(c, n->str), (unsigned long long)(CFG_DUR_MAX_US / US_PER_S),
			    (unsigned long long)(CFG_DUR_MAX_US % US_PER_S / 1000));
	case DUR_SYNTAX:
	default:
		return fail(c, n,
			    "%s: expected a duration (250ms, 5s, 5m, 1h, 300, indefinite or "
			    "immediate), got '%s'",
			    what, show(c, n->str));
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Mappings */

struct field {
	const struct ynode *key;
	const struct ynode *val;
};

static int
unknown_key(struct ctx *c, const struct ynode *k, const char *what, const char *const *keys,
	    size_t n_keys)
{
	char list[256];
	size_t off = 0;

	if (strcmp(k->str, "<<") == 0)
		return fail(c, k, "merge keys (<<) are not supported; repeat the keys instead");
	list[0] = '\0';
	for (size_t i = 0; i < n_keys && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					keys[i]);
	return fail(c, k, "unknown key '%s' in %s (allowed: %s)", show(c, k->str), what, list);
}

/*
 * Check mapping @p m against its allowed keys: each key a scalar, known, and there once.
 * On success f[i] holds the key and value nodes of keys[i], or NULLs when it is absent.
 * A null (e.g. "match:" with nothing after it) reads as an empty mapping.
 */
static int
map_fields(struct ctx *c, const struct ynode *m, const char *what, const char *const *keys,
	   size_t n_keys, struct field *f)
{
	memset(f, 0, n_keys * sizeof(*f));
	if (is_null(m))
		return 0;
	if (m->kind != Y_MAP)
		return fail(c, m, "%s: expected a mapping, got %s", what, kind_name(m));
	for (uint32_t i = 0; i < m->n_kid; i += 2) {
		const struct ynode *k = kid(c, m, i);
		size_t j;

		if (k->kind != Y_SCALAR)
			return fail(c, k, "%s: a key must be a name, got %s", what, kind_name(k));
		for (j = 0; j < n_keys; j++)
			if (strcmp(k->str, keys[j]) == 0)
				break;
		if (j == n_keys)
			return unknown_key(c, k, what, keys, n_keys);
		if (f[j].key != NULL)
			return fail(c, k, "duplicate key '%s' in %s (first at %u:%u)", keys[j],
				    what, f[j].key->line, f[j].key->col);
		f[j].key = k;
		f[j].val = kid(c, m, i + 1);
	}
	return 0;
}

static int
missing(struct ctx *c, const struct ynode *m, const char *what, const char *key)
{
	return fail(c, m, "%s: missing required key '%s'", what, key);
}

/* Of several mutually exclusive keys, exactly one: report the second one in the file. */
static int
exactly_one(struct ctx *c, const struct ynode *m, const char *what, const struct field *f, size_t n,
	    const char *expected, size_t *which)
{
	const struct field *first = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct field *g = &f[i];

		if (g->key == NULL)
			continue;
		if (first == NULL) {
			first = g;
			*which = i;
			continue;
		}
		if (g->key->line < first->key->line ||
		    (g->key->line == first->key->line && g->key->col < first->key->col)) {
			const struct field *t = first;

			first = g;
			g = t;
		}
		return fail(c, g->key, "%s: '%s' and '%s' cannot be used together", what,
			    first->key->str, g->key->str);
	}
	if (first == NULL)
		return fail(c, m, "%s: needs %s", what, expected);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* ports */

static int
dev_claim(struct ctx *c, const struct ynode *at, enum cfg_port_kind kind, const char *key)
{
	static const char *const kind_names[] = {
		[CFG_PORT_INDEX] = "port",
		[CFG_PORT_TAP] = "tap",
		[CFG_PORT_VDEV] = "vdev",
		[CFG_PORT_PCI] = "pci",
	};
	struct dev_use *d;

	for (unsigned i = 0; i < c->n_dev; i++) {
		d = &c->dev[i];
		if (d->kind == kind && strcmp(d->key, key) == 0)
			return fail(c, at, "%s '%s' is already used (at %u:%u)", kind_names[kind],
				    show(c, key), d->at->line, d->at->col);
	}
	d = &c->dev[c->n_dev++];
	d->kind = kind;
	snprintf(d->key, sizeof(d->key), "%s", key);
	d->at = at;
	return 0;
}

static bool
is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* "DDDD:BB:DD.F" or "BB:DD.F", stored in the long lower-case form so that both spellings
 * of one device compare equal. */
static int
get_pci(struct ctx *c, const struct ynode *n, char *out, size_t size)
{
	unsigned dom = 0, bus, dev, fn;
	const char *s;
	size_t len;
	int rc = want_scalar(c, n, "pci", "a PCI address");
	bool ok = true;

	if (rc < 0)
		return rc;
	s = n->str;
	len = strlen(s);
	if (len == 12) {
		for (int i = 0; i < 4; i++)
			ok = ok && is_hex(s[i]);
		ok = ok && s[4] == ':';
		if (ok) {
			dom = (unsigned)strtoul(s, NULL, 16);
			s += 5;
			len -= 5;
		}
	}
	ok = ok && len == 7 && is_hex(s[0]) && is_hex(s[1]) && s[2] == ':' && is_hex(s[3]) &&
	     is_hex(s[4]) && s[5] == '.' && s[6] >= '0' && s[6] <= '7';
	if (!ok)
		return fail(c, n, "pci: expected an address like 0000:03:00.0 or 03:00.0, got '%s'",
			    show(c, n->str));
	bus = (unsigned)strtoul(s, NULL, 16);
	dev = (unsigned)strtoul(s + 3, NULL, 16);
	fn = (unsigned)(s[6] - '0');
	if (dev > 0x1f)
		return fail(c, n, "pci: device number %02x is over 1f in '%s'", dev,
			    show(c, n->str));
	snprintf(out, size, "%04x:%02x:%02x.%u", dom, bus, dev, fn);
	return 0;
}

static int
parse_port(struct ctx *c, const struct ynode *n, const char *what, struct cfg_port *port)
{
	static const char *const keys[] = {"tap", "port", "vdev", "pci", "vlan"};
	char key[CFG_DEV_MAX];
	struct field f[5];
	uint64_t v;
	size_t which = 0;
	int rc;

	if (n->kind != Y_MAP)
		return fail(c, n, "%s: expected a mapping such as {tap: ic-in}, got %s", what,
			    kind_name(n));
	rc = map_fields(c, n, what, keys, 5, f);
	if (rc == 0)
		rc = exactly_one(c, n, what, f, 4, "one of tap, port, vdev or pci", &which);
	if (rc < 0)
		return rc;
	memset(port, 0, sizeof(*port));
	switch (which) {
	case 0: /* tap: a Linux interface name, IFNAMSIZ - 1 at most */
		port->kind = CFG_PORT_TAP;
		rc = check_ident(c, f[0].val, "tap");
		if (rc == 0 && strlen(f[0].val->str) > 15)
			rc = fail(c, f[0].val,
				  "tap: interface name '%s' is longer than 15 characters",
				  show(c, f[0].val->str));
		if (rc == 0)
			snprintf(port->name, sizeof(port->name), "%s", f[0].val->str);
		break;
	case 1:
		port->kind = CFG_PORT_INDEX;
		rc = get_uint(c, f[1].val, "port", 0, 1023, &v);
		port->index = (uint16_t)v;
		break;
	case 2:
		port->kind = CFG_PORT_VDEV;
		rc = get_text(c, f[2].val, "vdev", port->name, sizeof(port->name));
		if (rc == 0 && (port->name[0] == ',' || port->name[0] == '\0' ||
				strchr(port->name, ' ') != NULL))
			rc = fail(c, f[2].val,
				  "vdev: expected devargs like \"net_ring0\" or "
				  "\"net_pcap0,iface=eth0\", got '%s'",
				  show(c, port->name));
		break;
	default:
		port->kind = CFG_PORT_PCI;
		rc = get_pci(c, f[3].val, port->name, sizeof(port->name));
		break;
	}
	if (rc < 0)
		return rc;
	if (f[4].val != NULL) {
		rc = get_uint(c, f[4].val, "vlan", 1, 4094, &v);
		if (rc < 0)
			return rc;
		port->vlan = (uint16_t)v;
	}
	/* The key a device is known by: DPDK names a vdev by what precedes the first comma,
	 * whatever its arguments; an ethdev by its index. */
	if (port->kind == CFG_PORT_VDEV)
		snprintf(key, sizeof(key), "%.*s", (int)strcspn(port->name, ","), port->name);
	else if (port->kind == CFG_PORT_INDEX)
		snprintf(key, sizeof(key), "%u", port->index);
	else
		snprintf(key, sizeof(key), "%s", port->name);
	return dev_claim(c, f[which].val, port->kind, key);
}

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int
parse_pair(struct ctx *c, const struct ynode *n, uint16_t idx)
{
	static const char *const keys[] = {"name", "inside", "outside"};
	struct cfg_pair *pair = &c->scn->pairs[idx];
	struct field f[3];
	char what[32];
	int rc;

	snprintf(what, sizeof(what), "ports[%u]", idx);
	if (n->kind != Y_MAP)
		return fail(c, n, "%s: expected a mapping with inside and outside, got %s", what,
			    kind_name(n));
	rc = map_fields(c, n, what, keys, 3, f);
	if (rc < 0)
		return rc;
	if (f[1].val == NULL)
		return missing(c, n, what, "inside");
	if (f[2].val == NULL)
		return missing(c, n, what, "outside");
	if (f[0].val != NULL) {
		rc = check_ident(c, f[0].val, "pair name");
		if (rc < 0)
			return rc;
		/* a match says "pair: 1" for the second pair: a name must not look like that */
		if (all_digits(f[0].val->str))
			return fail(c, f[0].val,
				    "pair name '%s' is a number, which rules read "
				    "as a pair index",
				    f[0].val->str);
		snprintf(pair->name, sizeof(pair->name), "%s", f[0].val->str);
		c->pair_name_at[idx] = f[0].val;
	} else {
		snprintf(pair->name, sizeof(pair->name), "pair%u", idx);
		c->pair_name_at[idx] = n;
	}
	for (uint16_t i = 0; i < idx; i++) {
		if (strcmp(c->scn->pairs[i].name, pair->name) == 0)
			return fail(c, c->pair_name_at[idx],
				    "pair name '%s' is already used by ports[%u] (at %u:%u)",
				    pair->name, i, c->pair_name_at[i]->line,
				    c->pair_name_at[i]->col);
	}
	rc = parse_port(c, f[1].val, "inside", &pair->side[CFG_SIDE_INSIDE]);
	if (rc == 0)
		rc = parse_port(c, f[2].val, "outside", &pair->side[CFG_SIDE_OUTSIDE]);
	return rc;
}

static int
parse_ports(struct ctx *c, const struct ynode *n)
{
	int rc;

	if (n->kind != Y_SEQ)
		return fail(c, n, "ports: expected a list of port pairs, got %s", kind_name(n));
	if (n->n_kid == 0)
		return fail(c, n, "ports: the list is empty; a scenario needs at least one pair");
	if (n->n_kid > CFG_MAX_PAIRS)
		return fail(c, kid(c, n, CFG_MAX_PAIRS), "ports: more than %d pairs",
			    CFG_MAX_PAIRS);
	for (uint32_t i = 0; i < n->n_kid; i++) {
		rc = parse_pair(c, kid(c, n, i), (uint16_t)i);
		if (rc < 0)
			return rc;
		c->scn->n_pairs = (uint16_t)(i + 1);
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* flow_table */

static const struct sym verdict_syms[] = {{"forward", CFG_FORWARD}, {"drop", CFG_DROP}};

static int
parse_flow_table(struct ctx *c, const struct ynode *n)
{
	static const char *const keys[] = {"capacity", "when_full"};
	struct field f[2];
	uint64_t v;
	unsigned s;
	int rc = map_fields(c, n, "flow_table", keys, 2, f);

	if (rc == 0 && f[0].val != NULL) {
		rc = get_uint(c, f[0].val, "capacity", CFG_CAPACITY_MIN, CFG_CAPACITY_MAX, &v);
		c->scn->capacity = (uint32_t)v;
	}
	if (rc == 0 && f[1].val != NULL) {
		rc = get_sym(c, f[1].val, "when_full", verdict_syms, 2, 2, &s);
		c->scn->when_full = (enum cfg_verdict)s;
	}
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Profile fields, shared by profiles and timeline "set" */

static const struct sym on_timeout_syms[] = {
	{"reset-both", CFG_ON_TIMEOUT_RESET_BOTH},
	{"reset-client", CFG_ON_TIMEOUT_RESET_CLIENT},
	{"reset-server", CFG_ON_TIMEOUT_RESET_SERVER},
	{"silent", CFG_ON_TIMEOUT_SILENT},
};
static const struct sym stray_syms[] = {
	{"drop", CFG_STRAY_DROP},
	{"reset", CFG_STRAY_RESET},
	{"adopt", CFG_STRAY_ADOPT},
};
static const struct sym bool_syms[] = {
	{"true", 1}, {"false", 0}, {"True", 1}, {"False", 0}, {"TRUE", 1}, {"FALSE", 0},
};

/* Names of enum cfg_field as a timeline "set" writes them, index = field. */
static const char *const field_names[CFG_FIELD_COUNT] = {
	[CFG_FIELD_TMO_FIRST + CFG_TMO_TCP_HANDSHAKE] = "tcp.handshake",
	[CFG_FIELD_TMO_FIRST + CFG_TMO_TCP_ESTABLISHED] = "tcp.established",
	[CFG_FIELD_TMO_FIRST + CFG_TMO_TCP_CLOSING] = "tcp.closing",
	[CFG_FIELD_TMO_FIRST + CFG_TMO_TCP_TIME_WAIT] = "tcp.time_wait",
	[CFG_FIELD_TMO_FIRST + CFG_TMO_UDP_SINGLE] = "udp.single",
	[CFG_FIELD_TMO_FIRST + CFG_TMO_UDP_STREAM] = "udp.stream",
	[CFG_FIELD_TMO_FIRST + CFG_TMO_ICMP] = "icmp",
	[CFG_FIELD_TMO_FIRST + CFG_TMO_OTHER] = "other",
	[CFG_FIELD_ON_TIMEOUT] = "on_timeout",
	[CFG_FIELD_STRAY_TCP] = "stray_tcp",
	[CFG_FIELD_MALFORMED] = "malformed",
	[CFG_FIELD_LOOSE_CLOSE] = "loose_close",
};

/* The value of one profile field, as stored in a struct cfg_set. */
static int
get_field(struct ctx *c, const struct ynode *n, enum cfg_field field, const char *what,
	  uint64_t *value)
{
	unsigned s = 0;
	int rc;

	switch (field) {
	case CFG_FIELD_ON_TIMEOUT:
		rc = get_sym(c, n, what, on_timeout_syms, 4, 4, &s);
		break;
	case CFG_FIELD_STRAY_TCP:
		rc = get_sym(c, n, what, stray_syms, 3, 3, &s);
		break;
	case CFG_FIELD_MALFORMED:
		rc = get_sym(c, n, what, verdict_syms, 2, 2, &s);
		break;
	case CFG_FIELD_LOOSE_CLOSE:
		/* YAML 1.2 core spellings; list only the usual two */
		rc = get_sym(c, n, what, bool_syms, 6, 2, &s);
		break;
	default:
		return get_dur(c, n, what, value);
	}
	*value = s;
	return rc;
}

static int
set_field(struct ctx *c, const struct ynode *n, enum cfg_field field, const char *what,
	  struct cfg_profile *p)
{
	struct cfg_set s = {.field = field};
	int rc = get_field(c, n, field, what, &s.value);

	if (rc == 0)
		cfg_profile_apply_set(p, &s);
	return rc;
}

static int
parse_profile_tcp(struct ctx *c, const struct ynode *n, struct cfg_profile *p)
{
	static const char *const keys[] = {"handshake", "established", "closing", "time_wait"};
	static const enum cfg_tmo tmo[] = {CFG_TMO_TCP_HANDSHAKE, CFG_TMO_TCP_ESTABLISHED,
					   CFG_TMO_TCP_CLOSING, CFG_TMO_TCP_TIME_WAIT};
	struct field f[4];
	int rc;

	if (n->kind != Y_MAP)
		return fail(c, n, "tcp: expected a mapping such as {established: 300s}, got %s",
			    kind_name(n));
	rc = map_fields(c, n, "tcp", keys, 4, f);
	for (size_t i = 0; rc == 0 && i < 4; i++)
		if (f[i].val != NULL)
			rc = set_field(c, f[i].val, CFG_FIELD_TMO_FIRST + tmo[i],
				       field_names[CFG_FIELD_TMO_FIRST + tmo[i]], p);
	return rc;
}

static int
parse_profile_udp(struct ctx *c, const struct ynode *n, struct cfg_profile *p)
{
	static const char *const keys[] = {"single", "stream"};
	struct field f[2];
	int rc;

	/* "udp: 30s" sets both */
	if (n->kind == Y_SCALAR) {
		rc = set_field(c, n, CFG_FIELD_TMO_FIRST + CFG_TMO_UDP_SINGLE, "udp", p);
		if (rc == 0)
			p->timeout_us[CFG_TMO_UDP_STREAM] = p->timeout_us[CFG_TMO_UDP_SINGLE];
		return rc;
	}
	if (n->kind != Y_MAP)
		return fail(c, n, "udp: expected a duration or a mapping {single, stream}, got %s",
			    kind_name(n));
	rc = map_fields(c, n, "udp", keys, 2, f);
	if (rc == 0 && f[0].val != NULL)
		rc = set_field(c, f[0].val, CFG_FIELD_TMO_FIRST + CFG_TMO_UDP_SINGLE, "udp.single",
			       p);
	if (rc == 0 && f[1].val != NULL)
		rc = set_field(c, f[1].val, CFG_FIELD_TMO_FIRST + CFG_TMO_UDP_STREAM, "udp.stream",
			       p);
	return rc;
}

static int
parse_profile(struct ctx *c, const struct ynode *n, struct cfg_profile *p)
{
	enum {
		K_TCP,
		K_UDP,
		K_ICMP,
		K_OTHER,
		K_ON_TIMEOUT,
		K_STRAY,
		K_MALFORMED,
		K_LOOSE_CLOSE,
		K_COUNT
	};
	static const char *const keys[K_COUNT] = {
		"tcp",	      "udp",	   "icmp",	"other",
		"on_timeout", "stray_tcp", "malformed", "loose_close",
	};
	static const enum cfg_field simple[K_COUNT] = {
		[K_ICMP] = CFG_FIELD_TMO_FIRST + CFG_TMO_ICMP,
		[K_OTHER] = CFG_FIELD_TMO_FIRST + CFG_TMO_OTHER,
		[K_ON_TIMEOUT] = CFG_FIELD_ON_TIMEOUT,
		[K_STRAY] = CFG_FIELD_STRAY_TCP,
		[K_MALFORMED] = CFG_FIELD_MALFORMED,
		[K_LOOSE_CLOSE] = CFG_FIELD_LOOSE_CLOSE,
	};
	struct field f[K_COUNT];
	char what[CFG_NAME_MAX + 16];
	int rc;

	snprintf(what, sizeof(what), "profile '%s'", p->name);
	rc = map_fields(c, n, what, keys, K_COUNT, f);
	if (rc == 0 && f[K_TCP].val != NULL)
		rc = parse_profile_tcp(c, f[K_TCP].val, p);
	if (rc == 0 && f[K_UDP].val != NULL)
		rc = parse_profile_udp(c, f[K_UDP].val, p);
	for (int k = K_ICMP; rc == 0 && k < K_COUNT; k++)
		if (f[k].val != NULL)
			rc = set_field(c, f[k].val, simple[k], keys[k], p);
	return rc;
}

static int
parse_profiles(struct ctx *c, const struct ynode *n)
{
	struct cfg_scenario *scn = c->scn;
	int rc;

	if (is_null(n))
		return 0;
	if (n->kind != Y_MAP)
		return fail(c, n, "profiles: expected a mapping of NAME: profile, got %s",
			    kind_name(n));
	for (uint32_t i = 0; i < n->n_kid; i += 2) {
		const struct ynode *k = kid(c, n, i);
		struct cfg_profile *p;

		rc = check_ident(c, k, "profile name");
		if (rc < 0)
			return rc;
		if (strcmp(k->str, CFG_PROFILE_UNTRACKED_NAME) == 0)
			return fail(c, k,
				    "profile 'untracked' is built in and cannot be redefined");
		if (strcmp(k->str, "all") == 0)
			return fail(c, k, "profile name 'all' is reserved (flush: all)");
		for (uint16_t j = 1; j < scn->n_profiles; j++)
			if (strcmp(scn->profiles[j].name, k->str) == 0)
				return fail(c, k, "duplicate key '%s' in profiles (first at %u:%u)",
					    k->str, c->profile_at[j]->line, c->profile_at[j]->col);
		if (scn->n_profiles == CFG_MAX_PROFILES)
			return fail(c, k, "more than %d profiles", CFG_MAX_PROFILES - 1);
		p = &scn->profiles[scn->n_profiles];
		cfg_profile_init_defaults(p, k->str);
		c->profile_at[scn->n_profiles] = k;
		scn->n_profiles++;
		rc = parse_profile(c, kid(c, n, i + 1), p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A profile name, which must exist: its index. */
static int
get_profile(struct ctx *c, const struct ynode *n, const char *what, uint16_t *idx)
{
	const struct cfg_scenario *scn = c->scn;
	char list[160];
	size_t off = 0;
	int rc = want_scalar(c, n, what, "a profile name");
	int i;

	if (rc < 0)
		return rc;
	i = cfg_profile_find(scn, n->str);
	if (i >= 0) {
		*idx = (uint16_t)i;
		return 0;
	}
	list[0] = '\0';
	for (uint16_t j = 0; j < scn->n_profiles && off < sizeof(list); j++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", j ? ", " : "",
					scn->profiles[j].name);
	/* Truncated: end with ", ..." and keep the terminating NUL. */
	if (off >= sizeof(list))
		memcpy(list + sizeof(list) - 6, ", ...", 6);
	return fail(c, n, "%s: unknown profile '%s' (defined: %s)", what, show(c, n->str), list);
}

/* ---------------------------------------------------------------------------------------- */
/* rules */

/* A number or "lo-hi", each end within [min, max]. */
static int
get_range(struct ctx *c, const struct ynode *n, const char *what, uint16_t min, uint16_t max,
	  struct cfg_range *r)
{
	char lo_s[8], hi_s[8];
	const char *dash;
	uint64_t lo = 0, hi = 0;
	int rc_hi;
	int rc = want_scalar(c, n, what, "a number or a range");

	if (rc < 0)
		return rc;
	dash = strchr(n->str, '-');
	if (dash == NULL) {
		rc = get_uint(c, n, what, min, max, &lo);
		if (rc == 0)
			r->lo = r->hi = (uint16_t)lo;
		return rc;
	}
	if (dash - n->str >= (ptrdiff_t)sizeof(lo_s) || strlen(dash + 1) >= sizeof(hi_s) ||
	    dash == n->str)
		goto syntax;
	snprintf(lo_s, sizeof(lo_s), "%.*s", (int)(dash - n->str), n->str);
	snprintf(hi_s, sizeof(hi_s), "%s", dash + 1);
	rc = parse_uint(lo_s, UINT16_MAX, &lo);
	rc_hi = parse_uint(hi_s, UINT16_MAX, &hi);
	if (rc == -EINVAL || rc_hi == -EINVAL)
		goto syntax;
	if (rc < 0 || rc_hi < 0 || lo < min || hi < min || lo > max || hi > max)
		return fail(c, n, "%s: range '%s' is outside %u..%u", what, show(c, n->str), min,
			    max);
	if (lo > hi)
		return fail(c, n, "%s: range '%s' is reversed (write the low end first)", what,
			    show(c, n->str));
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
syntax:
	return fail(c, n, "%s: expected a number or a range like %u-%u, got '%s'", what, min, max,
		    show(c, n->str));
}

static int
get_vlans(struct ctx *c, const struct ynode *n, struct cfg_match *m)
{
	int rc;

	if (n->kind != Y_SEQ) {
		m->n_vlan = 1;
		return get_range(c, n, "vlan", 1, 4094, &m->vlan[0]);
	}
	if (n->n_kid == 0)
		return fail(c, n, "vlan: empty list (leave the key out to match any VLAN)");
	if (n->n_kid > CFG_MAX_VLAN_RANGES)
		return fail(c, kid(c, n, CFG_MAX_VLAN_RANGES), "vlan: more than %d entries",
			    CFG_MAX_VLAN_RANGES);
	for (uint32_t i = 0; i < n->n_kid; i++) {
		const struct ynode *v = kid(c, n, i);

		if (v->kind != Y_SCALAR)
			return fail(c, v, "vlan: expected a VLAN id or a range, got %s",
				    kind_name(v));
		rc = get_range(c, v, "vlan", 1, 4094, &m->vlan[i]);
		if (rc < 0)
			return rc;
	}
	m->n_vlan = (uint16_t)n->n_kid;
	return 0;
}

static int
get_pair(struct ctx *c, const struct ynode *n, uint16_t *idx)
{
	const struct cfg_scenario *scn = c->scn;
	uint64_t v;
	int rc = want_scalar(c, n, "pair", "a pair name or index");

	if (rc < 0)
		return rc;
	for (uint16_t i = 0; i < scn->n_pairs; i++) {
		if (strcmp(scn->pairs[i].name, n->str) == 0) {
			*idx = i;
			return 0;
		}
	}
	if (!all_digits(n->str))
		return fail(c, n, "pair: unknown pair '%s'", show(c, n->str));
	if (parse_uint(n->str, UINT16_MAX, &v) < 0 || v >= scn->n_pairs)
		return fail(c, n, "pair: index %s does not exist (the scenario has %u pair%s)",
			    show(c, n->str), scn->n_pairs, scn->n_pairs == 1 ? "" : "s");
	*idx = (uint16_t)v;
	return 0;
}

static int
get_proto(struct ctx *c, const struct ynode *n, uint8_t *proto)
{
	static const struct sym protos[] = {
		{"tcp", 6},
		{"udp", 17},
		{"icmp", 1},
		{"icmpv6", 58},
	};
	uint64_t v;
	int rc = want_scalar(c, n, "proto", "a protocol");

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (strcmp(n->str, protos[i].name) == 0) {
			*proto = (uint8_t)protos[i].value;
			return 0;
		}
	}
	if (parse_uint(n->str, 255, &v) < 0)
		return fail(c, n, "proto: expected tcp, udp, icmp, icmpv6 or 0..255, got '%s'",
			    show(c, n->str));
	*proto = (uint8_t)v;
	return 0;
}

/* "a.b.c.d/len", "x::/len" or a bare address (a host). IPv4 is stored v4-mapped. */
static int
get_prefix(struct ctx *c, const struct ynode *n, const char *what, struct cfg_prefix *pfx)
{
	char addr[INET6_ADDRSTRLEN + 8];
	char fixed[INET6_ADDRSTRLEN];
	uint8_t a[16] = {0};
	const char *slash;
	uint64_t len;
	unsigned max;
	bool v6;
	int rc = want_scalar(c, n, what, "an address or prefix");

	if (rc < 0)
		return rc;
	slash = strchr(n->str, '/');
	if (strlen(n->str) >= sizeof(addr))
		goto bad;
	snprintf(addr, sizeof(addr), "%.*s",
		 (int)(slash ? (size_t)(slash - n->str) : strlen(n->str)), n->str);
	v6 = strchr(addr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, a) != 1)
		goto bad;
	max = v6 ? 128 : 32;
	len = max;
	if (slash != NULL) {
		if (parse_uint(slash + 1, 999, &len) < 0)
			goto bad;
		if (len > max)
			return fail(c, n, "%s: prefix length /%s is over %u in '%s'", what,
				    show(c, slash + 1), max, show(c, n->str));
	}
	/* Bits past the prefix length would be ignored: refuse them, they hide a typo. */
	for (unsigned bit = (unsigned)len; bit < max; bit++) {
		if (a[bit / 8] & (0x80 >> (bit % 8))) {
			for (unsigned b = (unsigned)len; b < max; b++)
				a[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
			inet_ntop(v6 ? AF_INET6 : AF_INET, a, fixed, sizeof(fixed));
			return fail(c, n, "%s: host bits set in %s (did you mean %s/%u?)", what,
				    show(c, n->str), fixed, (unsigned)len);
		}
	}
	memset(pfx, 0, sizeof(*pfx));
	if (v6) {
		pfx->family = 6;
		pfx->len = (uint8_t)len;
		memcpy(pfx->addr, a, 16);
	} else {
		pfx->family = 4;
		pfx->len = (uint8_t)(len + 96);
		pfx->addr[10] = 0xff;
		pfx->addr[11] = 0xff;
		memcpy(pfx->addr + 12, a, 4);
	}
	return 0;
bad:
	return fail(c, n,
		    "%s: expected an IPv4 or IPv6 address or prefix (198.18.0.0/15, "
		    "2001:db8::/32), got '%s'",
		    what, show(c, n->str));
}

static int
parse_match(struct ctx *c, const struct ynode *n, struct cfg_match *m)
{
	enum { K_VLAN, K_PAIR, K_SIDE, K_PROTO, K_SRC, K_DST, K_SPORT, K_DPORT, K_COUNT };
	static const char *const keys[K_COUNT] = {
		"vlan", "pair", "side", "proto", "src", "dst", "src_port", "dst_port",
	};
	static const struct sym sides[] = {
		{"inside", CFG_SIDE_INSIDE},
		{"outside", CFG_SIDE_OUTSIDE},
	};
	struct field f[K_COUNT];
	unsigned s;
	int rc;

	_Static_assert(CFG_MATCH_VLAN == 1u << K_VLAN && CFG_MATCH_PAIR == 1u << K_PAIR &&
			       CFG_MATCH_SIDE == 1u << K_SIDE && CFG_MATCH_PROTO == 1u << K_PROTO &&
			       CFG_MATCH_SRC == 1u << K_SRC && CFG_MATCH_DST == 1u << K_DST &&
			       CFG_MATCH_SRC_PORT == 1u << K_SPORT &&
			       CFG_MATCH_DST_PORT == 1u << K_DPORT,
		       "match keys must follow the CFG_MATCH_* bits");
	memset(m, 0, sizeof(*m));
	m->src_port = (struct cfg_range){0, UINT16_MAX};
	m->dst_port = (struct cfg_range){0, UINT16_MAX};
	rc = map_fields(c, n, "match", keys, K_COUNT, f);
	if (rc == 0 && f[K_VLAN].val != NULL)
		rc = get_vlans(c, f[K_VLAN].val, m);
	if (rc == 0 && f[K_PAIR].val != NULL)
		rc = get_pair(c, f[K_PAIR].val, &m->pair);
	if (rc == 0 && f[K_SIDE].val != NULL) {
		rc = get_sym(c, f[K_SIDE].val, "side", sides, 2, 2, &s);
		m->side = (enum cfg_side)s;
	}
	if (rc == 0 && f[K_PROTO].val != NULL)
		rc = get_proto(c, f[K_PROTO].val, &m->proto);
	if (rc == 0 && f[K_SRC].val != NULL)
		rc = get_prefix(c, f[K_SRC].val, "src", &m->src);
	if (rc == 0 && f[K_DST].val != NULL)
		rc = get_prefix(c, f[K_DST].val, "dst", &m->dst);
	if (rc == 0 && f[K_SPORT].val != NULL)
		rc = get_range(c, f[K_SPORT].val, "src_port", 0, UINT16_MAX, &m->src_port);
	if (rc == 0 && f[K_DPORT].val != NULL)
		rc = get_range(c, f[K_DPORT].val, "dst_port", 0, UINT16_MAX, &m->dst_port);
	if (rc < 0)
		return rc;
	for (int k = 0; k < K_COUNT; k++)
		if (f[k].key != NULL)
			m->present |= 1u << k; /* K_* follow the order of CFG_MATCH_* */
	/* A flow has one address family: such a rule could never match, surely a typo. */
	if (m->src.family && m->dst.family && m->src.family != m->dst.family)
		return fail(c, f[K_DST].val, "dst is IPv%u but src is IPv%u: never matches",
			    m->dst.family, m->src.family);
	return 0;
}

static int
parse_rules(struct ctx *c, const struct ynode *n)
{
	static const char *const keys[] = {"match", "profile"};
	struct cfg_scenario *scn = c->scn;
	int rc;

	if (is_null(n))
		return 0;
	if (n->kind != Y_SEQ)
		return fail(c, n, "rules: expected a list of {match, profile}, got %s",
			    kind_name(n));
	if (n->n_kid > CFG_MAX_RULES)
		return fail(c, kid(c, n, CFG_MAX_RULES), "rules: more than %d rules",
			    CFG_MAX_RULES);
	for (uint32_t i = 0; i < n->n_kid; i++) {
		const struct ynode *item = kid(c, n, i);
		struct cfg_rule *r = &scn->rules[i];
		struct field f[2];

		if (item->kind != Y_MAP)
			return fail(c, item, "rule: expected a mapping {match, profile}, got %s",
				    kind_name(item));
		rc = map_fields(c, item, "rule", keys, 2, f);
		if (rc < 0)
			return rc;
		if (f[0].val == NULL)
			return missing(c, item, "rule", "match");
		if (f[1].val == NULL)
			return missing(c, item, "rule", "profile");
		rc = parse_match(c, f[0].val, &r->match);
		if (rc == 0)
			rc = get_profile(c, f[1].val, "profile", &r->profile);
		if (rc < 0)
			return rc;
		r->line = item->line;
		scn->n_rules = (uint16_t)(i + 1);
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* timeline */

static int
parse_set(struct ctx *c, const struct ynode *n, struct cfg_event *ev)
{
	/* "profile" then the field names, so that keys[1 + field] names enum cfg_field field */
	const char *keys[1 + CFG_FIELD_COUNT];
	struct field f[1 + CFG_FIELD_COUNT];
	int rc;

	keys[0] = "profile";
	memcpy(keys + 1, field_names, sizeof(field_names));
	if (n->kind != Y_MAP)
		return fail(c, n, "set: expected a mapping {profile: NAME, FIELD: VALUE}, got %s",
			    kind_name(n));
	rc = map_fields(c, n, "set", keys, 1 + CFG_FIELD_COUNT, f);
	if (rc < 0)
		return rc;
	if (f[0].val == NULL)
		return missing(c, n, "set", "profile");
	rc = get_profile(c, f[0].val, "set: profile", &ev->profile);
	if (rc < 0)
		return rc;
	if (ev->profile == CFG_PROFILE_UNTRACKED)
		return fail(c, f[0].val, "set: the built-in profile 'untracked' cannot be changed");
	ev->n_sets = 0;
	for (int i = 0; i < CFG_FIELD_COUNT; i++) {
		struct cfg_set *s = &ev->sets[ev->n_sets];

		if (f[1 + i].val == NULL)
			continue;
		s->field = (enum cfg_field)i;
		rc = get_field(c, f[1 + i].val, s->field, field_names[i], &s->value);
		if (rc < 0)
			return rc;
		ev->n_sets++;
	}
	if (ev->n_sets == 0)
		return fail(c, n, "set: nothing to change (add e.g. tcp.established: 30s)");
	return 0;
}

static int
parse_event(struct ctx *c, const struct ynode *n, struct cfg_event *ev)
{
	static const char *const keys[] = {"set", "flush", "at"};
	struct field f[3];
	size_t which = 0;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (n->kind != Y_MAP)
		return fail(c, n, "timeline: expected a mapping {at, set|flush}, got %s",
			    kind_name(n));
	rc = map_fields(c, n, "timeline event", keys, 3, f);
	if (rc == 0 && f[2].val == NULL)
		rc = missing(c, n, "timeline event", "at");
	if (rc == 0)
		rc = exactly_one(c, n, "timeline event", f, 2, "'set' or 'flush'", &which);
	if (rc == 0)
		rc = get_dur(c, f[2].val, "at", &ev->at_us);
	if (rc < 0)
		return rc;
	if (ev->at_us == CFG_DUR_INDEFINITE)
		return fail(c, f[2].val, "at: must be a finite time, not 'indefinite'");
	ev->line = n->line;
	if (which == 0) {
		ev->kind = CFG_EVENT_SET;
		return parse_set(c, f[0].val, ev);
	}
	ev->kind = CFG_EVENT_FLUSH;
	rc = want_scalar(c, f[1].val, "flush", "'all' or a profile name");
	if (rc < 0)
		return rc;
	if (strcmp(f[1].val->str, "all") == 0) {
		ev->profile = CFG_FLUSH_ALL;
		return 0;
	}
	rc = get_profile(c, f[1].val, "flush", &ev->profile);
	if (rc == 0 && ev->profile == CFG_PROFILE_UNTRACKED)
		return fail(c, f[1].val, "flush: 'untracked' has no flows to flush");
	return rc;
}

static int
parse_timeline(struct ctx *c, const struct ynode *n)
{
	struct cfg_scenario *scn = c->scn;
	struct cfg_event ev;
	int rc;

	if (is_null(n))
		return 0;
	if (n->kind != Y_SEQ)
		return fail(c, n, "timeline: expected a list of events, got %s", kind_name(n));
	if (n->n_kid > CFG_MAX_TIMELINE)
		return fail(c, kid(c, n, CFG_MAX_TIMELINE), "timeline: more than %d events",
			    CFG_MAX_TIMELINE);
	for (uint32_t i = 0; i < n->n_kid; i++) {
		uint16_t pos = scn->n_events;

		rc = parse_event(c, kid(c, n, i), &ev);
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

/* ---------------------------------------------------------------------------------------- */
/* The document */

static int
parse_scenario(struct ctx *c, const struct ynode *root)
{
	enum {
		K_NAME,
		K_DESC,
		K_PORTS,
		K_FLOW,
		K_PROFILES,
		K_RULES,
		K_DEFAULT,
		K_TIMELINE,
		K_COUNT
	};
	static const char *const keys[K_COUNT] = {
		"name",	    "description", "ports",	      "flow_table",
		"profiles", "rules",	   "default_profile", "timeline",
	};
	struct cfg_scenario *scn = c->scn;
	struct field f[K_COUNT];
	int rc;

	memset(scn, 0, sizeof(*scn));
	scn->capacity = CFG_CAPACITY_DEFAULT;
	scn->when_full = CFG_FORWARD;
	cfg_profile_init_untracked(&scn->profiles[CFG_PROFILE_UNTRACKED]);
	scn->n_profiles = 1;
	scn->default_profile = CFG_PROFILE_UNTRACKED;
	if (root->kind != Y_MAP)
		return fail(c, root,
			    "expected a mapping at the top level (name, ports, ...), got %s",
			    kind_name(root));
	rc = map_fields(c, root, "the scenario", keys, K_COUNT, f);
	if (rc < 0)
		return rc;
	if (f[K_NAME].val == NULL)
		return missing(c, root, "scenario", "name");
	if (f[K_PORTS].val == NULL)
		return missing(c, root, "scenario", "ports");

	rc = get_text(c, f[K_NAME].val, "name", scn->name, sizeof(scn->name));
	if (rc == 0 && scn->name[0] == '\0')
		rc = fail(c, f[K_NAME].val, "name must not be empty");
	if (rc == 0 && f[K_DESC].val != NULL && !is_null(f[K_DESC].val))
		rc = get_text(c, f[K_DESC].val, "description", scn->description,
			      sizeof(scn->description));
	if (rc == 0)
		rc = parse_ports(c, f[K_PORTS].val);
	if (rc == 0 && f[K_FLOW].val != NULL)
		rc = parse_flow_table(c, f[K_FLOW].val);
	if (rc == 0 && f[K_PROFILES].val != NULL)
		rc = parse_profiles(c, f[K_PROFILES].val);
	if (rc == 0 && f[K_RULES].val != NULL)
		rc = parse_rules(c, f[K_RULES].val);
	if (rc == 0 && f[K_DEFAULT].val != NULL)
		rc = get_profile(c, f[K_DEFAULT].val, "default_profile", &scn->default_profile);
	if (rc == 0 && f[K_TIMELINE].val != NULL)
		rc = parse_timeline(c, f[K_TIMELINE].val);
	return rc;
}

int
scn_load_buffer(const char *name, const char *buf, size_t len, struct cfg_scenario *scn, char *err,
		size_t errlen)
{
	struct ctx *c;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	/* The context holds per-load scratch (anchors, device table): a few KiB, not stack. */
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: out of memory", name ? name : "(scenario)");
		return -ENOMEM;
	}
	c->file = name ? name : "(scenario)";
	c->buf = buf ? buf : "";
	c->len = len;
	c->err = err;
	c->errlen = errlen;
	c->scn = scn;
	c->root = UINT32_MAX;

	if (scn == NULL || (buf == NULL && len > 0))
		rc = fail_at(c, 0, 0, -EINVAL, "no scenario to load");
	else if (len > SCN_FILE_MAX)
		rc = fail_at(c, 0, 0, -EFBIG, "file is larger than 1 MiB (%zu bytes)", len);
	else
		rc = tree_build(c);
	if (rc == 0 && c->root == UINT32_MAX)
		rc = fail_at(c, 0, 0, -EINVAL,
			     "empty file: expected a scenario (name, ports, ...)");
	if (rc == 0 && is_null(&c->node[c->root]))
		rc = fail(c, &c->node[c->root],
			  "empty scenario: expected a mapping (name, ports, ...)");
	if (rc == 0)
		rc = parse_scenario(c, &c->node[c->root]);
	tree_free(c);
	free(c);
	return rc;
}

/* An error about the whole file ("FILE: message"); returns @p rc. */
static int __attribute__((format(printf, 5, 6)))
file_fail(const char *path, char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return rc;
	n = snprintf(err, errlen, "%s: ", path);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int
scn_load_file(const char *path, struct cfg_scenario *scn, char *err, size_t errlen)
{
	char *buf = NULL;
	char why[128];
	struct stat st;
	size_t len = 0;
	int fd;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL)
		return file_fail("(scenario)", err, errlen, -EINVAL, "no file name");
	/* O_NONBLOCK: opening a FIFO must not hang; non-regular files are refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		return file_fail(path, err, errlen, rc, "cannot open: %s",
				 strerror_r(-rc, why, sizeof(why)));
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		rc = file_fail(path, err, errlen, rc, "cannot stat: %s",
			       strerror_r(-rc, why, sizeof(why)));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = file_fail(path, err, errlen, -EISDIR, "cannot read: Is a directory");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = file_fail(path, err, errlen, -EINVAL, "not a regular file");
		goto out;
	}
	if (st.st_size > (off_t)SCN_FILE_MAX) {
		rc = file_fail(path, err, errlen, -EFBIG, "file is larger than 1 MiB (%lld bytes)",
			       (long long)st.st_size);
		goto out;
	}
	/* One byte over the limit, to notice a file that grew since fstat(). */
	buf = malloc(SCN_FILE_MAX + 1);
	if (buf == NULL) {
		rc = file_fail(path, err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, SCN_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			rc = file_fail(path, err, errlen, rc, "cannot read: %s",
				       strerror_r(-rc, why, sizeof(why)));
			goto out;
		}
		if (n == 0 || (len += (size_t)n) > SCN_FILE_MAX)
			break;
	}
	rc = scn_load_buffer(path, buf, len, scn, err, errlen);
out:
	free(buf);
	close(fd);
	return rc;
}
