/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hardened YAML reader for the scenario loader: libyaml's event parser turned into a tree
 * of located nodes (every node has its 1-based line and column), with what libyaml does not
 * enforce: one document, a nesting depth, a node count, and a bound on what aliases expand
 * to. libyaml itself checks the UTF-8. The reader also carries the load's one error message
 * and the helpers every schema walk needs to read mappings (unknown and duplicate keys).
 *
 * Usage:
 *	struct ydoc *d = ydoc_new("f.yaml", buf, len, err, sizeof(err));
 *	if (d != NULL && ydoc_parse(d) == 0) {
 *		const struct ynode *root = ydoc_root(d);	// NULL: no document
 *		...				// ydoc_fail(d, node, "...") on a schema error
 *	}
 *	ydoc_free(d);
 *
 * Errors: the first one stops the load and is written once into the caller's buffer as
 * "FILE:LINE:COL: message" (or "FILE: message" when it is not at a place in the file), on
 * one line: user text quoted with ydoc_show() has its control characters replaced.
 *
 * Thread safety: a struct ydoc belongs to one thread; there is no global state.
 * Lifetime: nodes and their strings live until ydoc_free().
 */
#ifndef IDLECUT_YAML_DOC_H
#define IDLECUT_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/** Larger buffers are refused (-EFBIG) before any parsing. */
#define YDOC_MAX_BYTES (1u << 20)

struct ydoc;

/**
 * A reader over @p buf (@p len bytes, no NUL needed); @p file names it in messages, @p err
 * (may be NULL) receives the first error. NULL when out of memory (then @p err says so).
 */
struct ydoc *ydoc_new(const char *file, const char *buf, size_t len, char *err, size_t errlen);

/**
 * Parse the whole buffer into nodes. 0, -EFBIG (over YDOC_MAX_BYTES), -EINVAL (bad YAML, a
 * limit passed) or -ENOMEM.
 */
int ydoc_parse(struct ydoc *d);

/** The document's root node, NULL if the file holds no document. */
const struct ynode *ydoc_root(const struct ydoc *d);

void ydoc_free(struct ydoc *d);

/** Child @p i of a collection (map: key 2k, value 2k+1). */
const struct ynode *ydoc_kid(const struct ydoc *d, const struct ynode *n, uint32_t i);

/** A YAML null (core schema): "key:" with nothing, "~" or "null", unquoted. */
bool ydoc_is_null(const struct ynode *n);

/** "a mapping", "a list", "nothing" or "a scalar", for messages. */
const char *ydoc_kind_name(const struct ynode *n);

/**
 * Record the error "FILE:LINE:COL: message" (LINE 0: "FILE: message"), unless one is
 * recorded already. @return @p rc.
 */
int ydoc_fail_at(struct ydoc *d, uint32_t line, uint32_t col, int rc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/** An error at node @p n (or about the whole file when @p n is NULL). @return -EINVAL. */
int ydoc_fail(struct ydoc *d, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * User text as it may appear in a one-line message: control characters become '?', long
 * text is cut with "...". The result lives until the third call after this one.
 */
const char *ydoc_show(struct ydoc *d, const char *s);

/** 0 if @p n is a non-null scalar, else the error "WHAT: expected EXPECTED, got ...". */
int ydoc_want_scalar(struct ydoc *d, const struct ynode *n, const char *what, const char *expected);

struct yfield {
	const struct ynode *key;
	const struct ynode *val;
};

/**
 * Check mapping @p m against its allowed keys: each key a scalar, known, and there once.
 * On success f[i] holds the key and value nodes of keys[i], or NULLs when it is absent.
 * A null (e.g. "match:" with nothing after it) reads as an empty mapping.
 */
int ydoc_map_fields(struct ydoc *d, const struct ynode *m, const char *what,
		    const char *const *keys, size_t n_keys, struct yfield *f);

/** The error "WHAT: missing required key 'KEY'" at mapping @p m. */
int ydoc_missing(struct ydoc *d, const struct ynode *m, const char *what, const char *key);

/**
 * Of the first @p n (mutually exclusive) fields, exactly one must be present: its index in
 * @p which; otherwise the second one in the file, or "WHAT: needs EXPECTED", is the error.
 */
int ydoc_exactly_one(struct ydoc *d, const struct ynode *m, const char *what,
		     const struct yfield *f, size_t n, const char *expected, size_t *which);

#endif /* IDLECUT_YAML_DOC_H */
