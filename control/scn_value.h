/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Value parsers of the scenario loader: each reads one YAML node (yaml_doc.h) into a C value
 * and, when the node is wrong, records "FILE:LINE:COL: WHAT: ..." at that node.
 *
 * Usage: from the schema walk (scn_schema.h) only. @p what names the key in messages.
 * Each returns 0 or a negative errno (-EINVAL); on error the output may be partly written.
 *
 * Thread safety: no state of their own; the struct ydoc belongs to the calling thread.
 */
#ifndef IDLECUT_SCN_VALUE_H
#define IDLECUT_SCN_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "yaml_doc.h"

/** A keyword and the value it stands for. */
struct scn_sym {
	const char *name;
	unsigned value;
};

/** Decimal digits only (no sign, no 0x, no 1e3), at most @p max. -EINVAL or -ERANGE. */
int scn_parse_uint(const char *s, uint64_t max, uint64_t *out);

/** True if @p s is one or more decimal digits. */
bool scn_all_digits(const char *s);

/** An integer in lo..hi. */
int scn_get_uint(struct ydoc *d, const struct ynode *n, const char *what, uint64_t lo, uint64_t hi,
		 uint64_t *out);

/** A percentage, "95%" or "95", in lo..hi (hi <= 100). */
int scn_get_pct(struct ydoc *d, const struct ynode *n, const char *what, unsigned lo, unsigned hi,
		uint8_t *out);

/** A string that fits @p size with its NUL, with no control character. */
int scn_get_text(struct ydoc *d, const struct ynode *n, const char *what, char *out, size_t size);

/** A name for labels and logs: letters, digits, '_', '.', '-', 1..CFG_NAME_MAX-1 long. */
int scn_check_ident(struct ydoc *d, const struct ynode *n, const char *what);

/**
 * One of @p n_syms keywords; a message lists the first @p n_listed (so that alternative
 * spellings can stay out of it).
 */
int scn_get_sym(struct ydoc *d, const struct ynode *n, const char *what, const struct scn_sym *syms,
		size_t n_syms, size_t n_listed, unsigned *out);

/** A duration (scn_parse_duration()) in microseconds. */
int scn_get_dur(struct ydoc *d, const struct ynode *n, const char *what, uint64_t *us);

/** A PCI address, "DDDD:BB:DD.F" or "BB:DD.F", written to @p out in the long form. */
int scn_get_pci(struct ydoc *d, const struct ynode *n, char *out, size_t size);

/** A number or "lo-hi", each end within [min, max]. */
int scn_get_range(struct ydoc *d, const struct ynode *n, const char *what, uint16_t min,
		  uint16_t max, struct cfg_range *r);

/** A rule's vlan: an id, a range, or a list of those (m->vlan, m->n_vlan). */
int scn_get_vlans(struct ydoc *d, const struct ynode *n, struct cfg_match *m);

/** tcp, udp, icmp, icmpv6 or 0..255. */
int scn_get_proto(struct ydoc *d, const struct ynode *n, uint8_t *proto);

/** "a.b.c.d/len", "x::/len" or a bare address (a host). IPv4 is stored v4-mapped. */
int scn_get_prefix(struct ydoc *d, const struct ynode *n, const char *what, struct cfg_prefix *pfx);

#endif /* IDLECUT_SCN_VALUE_H */
