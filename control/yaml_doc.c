/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The scenario loader's YAML reader (yaml_doc.h): libyaml's event parser feeds a small tree
 * builder that enforces what libyaml does not: one document, a nesting depth, a node count,
 * and a bound on what aliases expand to. Aliases become shared references to the anchored
 * node, so memory stays linear in the file, and a "billion laughs" fails at the first alias
 * that crosses the bound, in time linear in the file too. We use events rather than
 * yaml_parser_load() because the document loader resolves aliases with a linear search per
 * alias (quadratic on a file made of anchors) and gives no hook to stop early.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "yaml_doc.h"

/*
 * Structural limits. The largest valid scenario (256 rules, 256 timeline events, 63
 * profiles, all fully spelt out) is about 25000 nodes and 6 levels deep, so these only
 * ever stop hostile or broken files.
 */
#define YDOC_MAX_DEPTH 32
#define YDOC_MAX_NODES 65536
#define YDOC_MAX_ALIAS_NODES 10000
#define YDOC_MAX_ANCHORS 256

struct yanchor {
	char *name;
	uint32_t node;
	bool done; /**< an alias to an unfinished collection would be a cycle */
};

struct ydoc {
	const char *file;
	const char *buf;
	size_t len;
	char *err;
	size_t errlen;
	bool failed;

	struct ynode *node;
	uint32_t n_node;
	uint32_t cap_node;
	uint32_t root; /**< UINT32_MAX: no document */
	struct yanchor anchor[YDOC_MAX_ANCHORS];
	uint32_t n_anchor;
	uint32_t stack[YDOC_MAX_DEPTH];
	int stack_anchor[YDOC_MAX_DEPTH]; /**< anchor of each open collection, or -1 */
	uint32_t depth;
	uint64_t alias_nodes;

	/* scratch for quoting user text in messages: a message quotes at most three */
	char shown[3][72];
	unsigned n_shown;
};

/* ---------------------------------------------------------------------------------------- */
/* Errors */

static int
vfail_at(struct ydoc *d, uint32_t line, uint32_t col, int rc, const char *fmt, va_list ap)
{
	size_t off;
	int n;

	if (d->failed || d->err == NULL || d->errlen == 0) {
		d->failed = true;
		return rc;
	}
	d->failed = true;
	if (line > 0)
		n = snprintf(d->err, d->errlen, "%s:%u:%u: ", d->file, line, col);
	else
		n = snprintf(d->err, d->errlen, "%s: ", d->file);
	off = n < 0 ? 0 : (size_t)n;
	if (off < d->errlen)
		vsnprintf(d->err + off, d->errlen - off, fmt, ap);
	return rc;
}

int
ydoc_fail_at(struct ydoc *d, uint32_t line, uint32_t col, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_at(d, line, col, rc, fmt, ap);
	va_end(ap);
	return rc;
}

/* An error at node @p n (or about the whole file when @p n is NULL); returns -EINVAL. */
int
ydoc_fail(struct ydoc *d, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_at(d, n ? n->line : 0, n ? n->col : 0, -EINVAL, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * User text as it may appear in a one-line message: control characters become '?', long
 * text is cut with "...". Bytes >= 0x80 are kept (libyaml has checked the UTF-8).
 */
const char *
ydoc_show(struct ydoc *d, const char *s)
{
	char *o = d->shown[d->n_shown++ % 3];
	const size_t max = sizeof(d->shown[0]) - 4;
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
/* Events to tree */

static int
tree_new(struct ydoc *d, const yaml_mark_t *mark, enum ykind kind, uint32_t *id)
{
	struct ynode *n;

	if (d->n_node == YDOC_MAX_NODES)
		return ydoc_fail_at(d, mark->line + 1, mark->column + 1, -EINVAL,
				    "more than %u YAML nodes: this is not a scenario",
				    YDOC_MAX_NODES);
	if (d->n_node == d->cap_node) {
		uint32_t cap = d->cap_node ? 2 * d->cap_node : 256;
		struct ynode *p = realloc(d->node, cap * sizeof(*p));

		if (p == NULL)
			return ydoc_fail_at(d, 0, 0, -ENOMEM, "out of memory");
		d->node = p;
		d->cap_node = cap;
	}
	n = &d->node[d->n_node];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = (uint32_t)mark->line + 1;
	n->col = (uint32_t)mark->column + 1;
	n->size = 1;
	*id = d->n_node++;
	return 0;
}

/* Hang node @p id under the collection being built, or make it the document's root. */
static int
tree_attach(struct ydoc *d, uint32_t id)
{
	struct ynode *p;

	if (d->depth == 0) {
		d->root = id;
		return 0;
	}
	p = &d->node[d->stack[d->depth - 1]];
	if (p->n_kid == p->cap_kid) {
		uint32_t cap = p->cap_kid ? 2 * p->cap_kid : 8;
		uint32_t *k = realloc(p->kid, cap * sizeof(*k));

		if (k == NULL)
			return ydoc_fail_at(d, 0, 0, -ENOMEM, "out of memory");
		p->kid = k;
		p->cap_kid = cap;
	}
	p->kid[p->n_kid++] = id;
	return 0;
}

static int
tree_anchor(struct ydoc *d, const yaml_mark_t *mark, const yaml_char_t *name, uint32_t id,
	    bool done, int *slot)
{
	struct yanchor *a;

	*slot = -1;
	if (name == NULL)
		return 0;
	if (d->n_anchor == YDOC_MAX_ANCHORS)
		return ydoc_fail_at(d, mark->line + 1, mark->column + 1, -EINVAL,
				    "more than %u anchors", YDOC_MAX_ANCHORS);
	a = &d->anchor[d->n_anchor];
	a->name = strdup((const char *)name);
	if (a->name == NULL)
		return ydoc_fail_at(d, 0, 0, -ENOMEM, "out of memory");
	a->node = id;
	a->done = done;
	*slot = (int)d->n_anchor++;
	return 0;
}

static int
tree_scalar(struct ydoc *d, const yaml_event_t *ev)
{
	const size_t len = ev->data.scalar.length;
	struct ynode *n;
	uint32_t id;
	int slot;
	int rc;

	rc = tree_new(d, &ev->start_mark, Y_SCALAR, &id);
	if (rc < 0)
		return rc;
	n = &d->node[id];
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	/* A "\0" escape in a quoted scalar: no field can hold it, and it would cut strings. */
	if (memchr(ev->data.scalar.value, '\0', len) != NULL)
		return ydoc_fail(d, n, "NUL character in a string");
	n->str = malloc(len + 1);
	if (n->str == NULL)
		return ydoc_fail_at(d, 0, 0, -ENOMEM, "out of memory");
	memcpy(n->str, ev->data.scalar.value, len);
	n->str[len] = '\0';
	rc = tree_anchor(d, &ev->start_mark, ev->data.scalar.anchor, id, true, &slot);
	if (rc < 0)
		return rc;
	return tree_attach(d, id);
}

static int
tree_open(struct ydoc *d, const yaml_event_t *ev, enum ykind kind, const yaml_char_t *anchor)
{
	uint32_t id;
	int slot;
	int rc;

	if (d->depth == YDOC_MAX_DEPTH)
		return ydoc_fail_at(d, ev->start_mark.line + 1, ev->start_mark.column + 1, -EINVAL,
				    "nesting deeper than %u levels", YDOC_MAX_DEPTH);
	rc = tree_new(d, &ev->start_mark, kind, &id);
	if (rc < 0)
		return rc;
	rc = tree_anchor(d, &ev->start_mark, anchor, id, false, &slot);
	if (rc < 0)
		return rc;
	rc = tree_attach(d, id);
	if (rc < 0)
		return rc;
	d->stack[d->depth] = id;
	d->stack_anchor[d->depth] = slot;
	d->depth++;
	return 0;
}

static void
tree_close(struct ydoc *d)
{
	struct ynode *n;
	uint64_t size = 1;

	d->depth--;
	n = &d->node[d->stack[d->depth]];
	for (uint32_t i = 0; i < n->n_kid; i++)
		size += d->node[n->kid[i]].size;
	n->size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	if (d->stack_anchor[d->depth] >= 0)
		d->anchor[d->stack_anchor[d->depth]].done = true;
}

static int
tree_alias(struct ydoc *d, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	const uint32_t line = (uint32_t)ev->start_mark.line + 1;
	const uint32_t col = (uint32_t)ev->start_mark.column + 1;
	const struct yanchor *a = NULL;

	/* YAML lets an anchor be redefined; an alias refers to the latest definition. */
	for (uint32_t i = d->n_anchor; i-- > 0;) {
		if (strcmp(d->anchor[i].name, name) == 0) {
			a = &d->anchor[i];
			break;
		}
	}
	if (a == NULL)
		return ydoc_fail_at(d, line, col, -EINVAL, "unknown alias '*%s'",
				    ydoc_show(d, name));
	if (!a->done)
		return ydoc_fail_at(d, line, col, -EINVAL,
				    "alias '*%s' refers to a node containing it",
				    ydoc_show(d, name));
	d->alias_nodes += d->node[a->node].size;
	if (d->alias_nodes > YDOC_MAX_ALIAS_NODES)
		return ydoc_fail_at(d, line, col, -EINVAL, "aliases expand beyond %u nodes",
				    YDOC_MAX_ALIAS_NODES);
	return tree_attach(d, a->node);
}

/* Where libyaml's reader stopped, from a byte offset: it gives no line/column for those. */
static void
offset_mark(const struct ydoc *d, size_t off, uint32_t *line, uint32_t *col)
{
	*line = 1;
	*col = 1;
	if (off > d->len)
		off = d->len;
	for (size_t i = 0; i < off; i++) {
		if (d->buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)d->buf[i] & 0xc0) != 0x80) {
			(*col)++; /* count characters, not UTF-8 continuation bytes */
		}
	}
}

static int
parser_error(struct ydoc *d, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "syntax error";
	uint32_t line;
	uint32_t col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return ydoc_fail_at(d, 0, 0, -ENOMEM, "out of memory");
	case YAML_READER_ERROR:
		offset_mark(d, p->problem_offset, &line, &col);
		if (p->problem_value >= 0)
			return ydoc_fail_at(d, line, col, -EINVAL, "%s (#x%02X)", problem,
					    (unsigned)p->problem_value);
		return ydoc_fail_at(d, line, col, -EINVAL, "%s", problem);
	default:
		line = (uint32_t)p->problem_mark.line + 1;
		col = (uint32_t)p->problem_mark.column + 1;
		if (p->context != NULL)
			return ydoc_fail_at(d, line, col, -EINVAL, "%s (%s at %zu:%zu)", problem,
					    p->context, p->context_mark.line + 1,
					    p->context_mark.column + 1);
		return ydoc_fail_at(d, line, col, -EINVAL, "%s", problem);
	}
}

static int
tree_build(struct ydoc *d)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	unsigned n_docs = 0;
	bool end = false;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return ydoc_fail_at(d, 0, 0, -ENOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)d->buf, d->len);
	while (!end && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = parser_error(d, &parser);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			end = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++n_docs > 1)
				rc = ydoc_fail_at(
					d, ev.start_mark.line + 1, ev.start_mark.column + 1,
					-EINVAL,
					"second YAML document: a scenario file holds only one");
			break;
		case YAML_SCALAR_EVENT:
			rc = tree_scalar(d, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = tree_open(d, &ev, Y_SEQ, ev.data.sequence_start.anchor);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = tree_open(d, &ev, Y_MAP, ev.data.mapping_start.anchor);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			tree_close(d);
			break;
		case YAML_ALIAS_EVENT:
			rc = tree_alias(d, &ev);
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
tree_free(struct ydoc *d)
{
	for (uint32_t i = 0; i < d->n_node; i++) {
		free(d->node[i].str);
		free(d->node[i].kid);
	}
	free(d->node);
	for (uint32_t i = 0; i < d->n_anchor; i++)
		free(d->anchor[i].name);
}

/* ---------------------------------------------------------------------------------------- */
/* Node access */

const struct ynode *
ydoc_kid(const struct ydoc *d, const struct ynode *n, uint32_t i)
{
	return &d->node[n->kid[i]];
}

/* A YAML null (core schema): "key:" with nothing, "~" or "null", unquoted. */
bool
ydoc_is_null(const struct ynode *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (n->kind != Y_SCALAR || !n->plain)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(n->str, nulls[i]) == 0)
			return true;
	return false;
}

const char *
ydoc_kind_name(const struct ynode *n)
{
	if (n->kind == Y_MAP)
		return "a mapping";
	if (n->kind == Y_SEQ)
		return "a list";
	return ydoc_is_null(n) ? "nothing" : "a scalar";
}

int
ydoc_want_scalar(struct ydoc *d, const struct ynode *n, const char *what, const char *expected)
{
	if (n->kind == Y_SCALAR && !ydoc_is_null(n))
		return 0;
	return ydoc_fail(d, n, "%s: expected %s, got %s", what, expected, ydoc_kind_name(n));
}

/* ---------------------------------------------------------------------------------------- */
/* Mappings */

static int
unknown_key(struct ydoc *d, const struct ynode *k, const char *what, const char *const *keys,
	    size_t n_keys)
{
	char list[256];
	size_t off = 0;

	if (strcmp(k->str, "<<") == 0)
		return ydoc_fail(d, k,
				 "merge keys (<<) are not supported; repeat the keys instead");
	list[0] = '\0';
	for (size_t i = 0; i < n_keys && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					keys[i]);
	return ydoc_fail(d, k, "unknown key '%s' in %s (allowed: %s)", ydoc_show(d, k->str), what,
			 list);
}

/*
 * Check mapping @p m against its allowed keys: each key a scalar, known, and there once.
 * On success f[i] holds the key and value nodes of keys[i], or NULLs when it is absent.
 * A null (e.g. "match:" with nothing after it) reads as an empty mapping.
 */
int
ydoc_map_fields(struct ydoc *d, const struct ynode *m, const char *what, const char *const *keys,
		size_t n_keys, struct yfield *f)
{
	memset(f, 0, n_keys * sizeof(*f));
	if (ydoc_is_null(m))
		return 0;
	if (m->kind != Y_MAP)
		return ydoc_fail(d, m, "%s: expected a mapping, got %s", what, ydoc_kind_name(m));
	for (uint32_t i = 0; i < m->n_kid; i += 2) {
		const struct ynode *k = ydoc_kid(d, m, i);
		size_t j;

		if (k->kind != Y_SCALAR)
			return ydoc_fail(d, k, "%s: a key must be a name, got %s", what,
					 ydoc_kind_name(k));
		for (j = 0; j < n_keys; j++)
			if (strcmp(k->str, keys[j]) == 0)
				break;
		if (j == n_keys)
			return unknown_key(d, k, what, keys, n_keys);
		if (f[j].key != NULL)
			return ydoc_fail(d, k, "duplicate key '%s' in %s (first at %u:%u)", keys[j],
					 what, f[j].key->line, f[j].key->col);
		f[j].key = k;
		f[j].val = ydoc_kid(d, m, i + 1);
	}
	return 0;
}

int
ydoc_missing(struct ydoc *d, const struct ynode *m, const char *what, const char *key)
{
	return ydoc_fail(d, m, "%s: missing required key '%s'", what, key);
}

/* Of several mutually exclusive keys, exactly one: report the second one in the file. */
int
ydoc_exactly_one(struct ydoc *d, const struct ynode *m, const char *what, const struct yfield *f,
		 size_t n, const char *expected, size_t *which)
{
	const struct yfield *first = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct yfield *g = &f[i];

		if (g->key == NULL)
			continue;
		if (first == NULL) {
			first = g;
			*which = i;
			continue;
		}
		if (g->key->line < first->key->line ||
		    (g->key->line == first->key->line && g->key->col < first->key->col)) {
			const struct yfield *t = first;

			first = g;
			g = t;
		}
		return ydoc_fail(d, g->key, "%s: '%s' and '%s' cannot be used together", what,
				 first->key->str, g->key->str);
	}
	if (first == NULL)
		return ydoc_fail(d, m, "%s: needs %s", what, expected);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The reader's life */

struct ydoc *
ydoc_new(const char *file, const char *buf, size_t len, char *err, size_t errlen)
{
	/* The reader holds per-load scratch (anchors, quoted text): a few KiB, not stack. */
	struct ydoc *d = calloc(1, sizeof(*d));

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (d == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: out of memory", file);
		return NULL;
	}
	d->file = file;
	d->buf = buf;
	d->len = len;
	d->err = err;
	d->errlen = errlen;
	d->root = UINT32_MAX;
	return d;
}

int
ydoc_parse(struct ydoc *d)
{
	if (d->len > YDOC_MAX_BYTES)
		return ydoc_fail_at(d, 0, 0, -EFBIG, "file is larger than 1 MiB (%zu bytes)",
				    d->len);
	return tree_build(d);
}

const struct ynode *
ydoc_root(const struct ydoc *d)
{
	return d->root == UINT32_MAX ? NULL : &d->node[d->root];
}

void
ydoc_free(struct ydoc *d)
{
	if (d == NULL)
		return;
	tree_free(d);
	free(d);
}
