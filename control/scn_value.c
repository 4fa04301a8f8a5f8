/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The scenario's value parsers (scn_value.h): integers, text, names, keywords, durations,
 * PCI addresses, ranges, VLAN lists, protocols and prefixes, each from one YAML node, each
 * error a FILE:LINE:COL message at that node.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "scn_value.h"

#define US_PER_S 1000000ull

/* ---------------------------------------------------------------------------------------- */
/* Numbers, text, names and keywords */

/* Decimal digits only (no sign, no 0x, no 1e3), at most @p max. -EINVAL or -ERANGE. */
int
scn_parse_uint(const char *s, uint64_t max, uint64_t *out)
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

int
scn_get_uint(struct ydoc *d, const struct ynode *n, const char *what, uint64_t lo, uint64_t hi,
	     uint64_t *out)
{
	int rc = ydoc_want_scalar(d, n, what, "an integer");

	if (rc < 0)
		return rc;
	rc = scn_parse_uint(n->str, hi, out);
	if (rc == -EINVAL)
		return ydoc_fail(d, n, "%s: expected an integer, got '%s'", what,
				 ydoc_show(d, n->str));
	if (rc == -ERANGE || *out < lo)
		return ydoc_fail(d, n, "%s must be between %llu and %llu, got %s", what,
				 (unsigned long long)lo, (unsigned long long)hi,
				 ydoc_show(d, n->str));
	return 0;
}

/* "95%" or "95": an integer percentage in lo..hi. */
int
scn_get_pct(struct ydoc *d, const struct ynode *n, const char *what, unsigned lo, unsigned hi,
	    uint8_t *out)
{
	char digits[8];
	size_t len;
	uint64_t v = 0;
	int rc = ydoc_want_scalar(d, n, what, "a percentage");

	if (rc < 0)
		return rc;
	len = strlen(n->str);
	if (len > 0 && n->str[len - 1] == '%')
		len--;
	if (len == 0 || len >= sizeof(digits))
		rc = len == 0 ? -EINVAL : -ERANGE;
	if (rc == 0) {
		snprintf(digits, sizeof(digits), "%.*s", (int)len, n->str);
		rc = scn_parse_uint(digits, hi, &v);
	}
	if (rc == -EINVAL)
		return ydoc_fail(d, n, "%s: expected a percentage like 95%%, got '%s'", what,
				 ydoc_show(d, n->str));
	if (rc < 0 || v < lo)
		return ydoc_fail(d, n, "%s must be between %u%% and %u%%, got %s", what, lo, hi,
				 ydoc_show(d, n->str));
	*out = (uint8_t)v;
	return 0;
}

/* A string that fits @p size with its NUL, with no control character. */
int
scn_get_text(struct ydoc *d, const struct ynode *n, const char *what, char *out, size_t size)
{
	int rc = ydoc_want_scalar(d, n, what, "a string");
	size_t len;

	if (rc < 0)
		return rc;
	len = strlen(n->str);
	if (len >= size)
		return ydoc_fail(d, n, "%s is too long (%zu bytes, at most %zu)", what, len,
				 size - 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)n->str[i];

		if (ch < 0x20 || ch == 0x7f)
			return ydoc_fail(d, n,
					 "%s contains a control character (keep it on one line)",
					 what);
	}
	memcpy(out, n->str, len + 1);
	return 0;
}

/*
 * Profile and pair names end up in metric labels, JSON events and log lines: keep them
 * to characters none of those need to escape.
 */
int
scn_check_ident(struct ydoc *d, const struct ynode *n, const char *what)
{
	size_t len;

	if (n->kind != Y_SCALAR || ydoc_is_null(n))
		return ydoc_fail(d, n, "%s: expected a name, got %s", what, ydoc_kind_name(n));
	len = strlen(n->str);
	if (len == 0)
		return ydoc_fail(d, n, "%s must not be empty", what);
	if (len >= CFG_NAME_MAX)
		return ydoc_fail(d, n, "%s '%s' is too long (at most %d characters)", what,
				 ydoc_show(d, n->str), CFG_NAME_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		char ch = n->str[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			return ydoc_fail(d, n,
					 "%s '%s': use only letters, digits, '_', '.' and '-'",
					 what, ydoc_show(d, n->str));
	}
	return 0;
}

int
scn_get_sym(struct ydoc *d, const struct ynode *n, const char *what, const struct scn_sym *syms,
	    size_t n_syms, size_t n_listed, unsigned *out)
{
	char list[128];
	size_t off = 0;
	int rc = ydoc_want_scalar(d, n, what, "a keyword");

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
	return ydoc_fail(d, n, "%s: expected one of %s, got '%s'", what, list,
			 ydoc_show(d, n->str));
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

int
scn_get_dur(struct ydoc *d, const struct ynode *n, const char *what, uint64_t *us)
{
	const char *unit_at;
	int rc = ydoc_want_scalar(d, n, what, "a duration");

	if (rc < 0)
		return rc;
	switch (dur_parse(n->str, us, &unit_at)) {
	case DUR_OK:
		return 0;
	case DUR_EMPTY:
		return ydoc_fail(d, n, "%s: empty duration", what);
	case DUR_NEGATIVE:
		return ydoc_fail(d, n, "%s: negative duration '%s'", what, ydoc_show(d, n->str));
	case DUR_UNIT:
		return ydoc_fail(d, n, "%s: unknown unit '%s' in duration '%s' (use ms, s, m or h)",
				 what, ydoc_show(d, unit_at), ydoc_show(d, n->str));
	case DUR_DECIMALS:
		return ydoc_fail(d, n, "%s: too many decimals in '%s' (at most 6)", what,
				 ydoc_show(d, n->str));
	case DUR_RANGE:
		return ydoc_fail(
			d, n,
			"%s: duration '%s' is too long: the maximum is %llu.%03llus (about "
			"24.8 days); use 'indefinite' for no timeout",
			what, ydoc_show(d, n->str), (unsigned long long)(CFG_DUR_MAX_US / US_PER_S),
			(unsigned long long)(CFG_DUR_MAX_US % US_PER_S / 1000));
	case DUR_SYNTAX:
	default:
		return ydoc_fail(d, n,
				 "%s: expected a duration (250ms, 5s, 5m, 1h, 300, indefinite or "
				 "immediate), got '%s'",
				 what, ydoc_show(d, n->str));
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Devices, ranges, VLANs, protocols, addresses */

static bool
is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* "DDDD:BB:DD.F" or "BB:DD.F", stored in the long lower-case form so that both spellings
 * of one device compare equal. */
int
scn_get_pci(struct ydoc *d, const struct ynode *n, char *out, size_t size)
{
	unsigned dom = 0, bus, dev, fn;
	const char *s;
	size_t len;
	int rc = ydoc_want_scalar(d, n, "pci", "a PCI address");
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
		return ydoc_fail(d, n,
				 "pci: expected an address like 0000:03:00.0 or 03:00.0, got '%s'",
				 ydoc_show(d, n->str));
	bus = (unsigned)strtoul(s, NULL, 16);
	dev = (unsigned)strtoul(s + 3, NULL, 16);
	fn = (unsigned)(s[6] - '0');
	if (dev > 0x1f)
		return ydoc_fail(d, n, "pci: device number %02x is over 1f in '%s'", dev,
				 ydoc_show(d, n->str));
	snprintf(out, size, "%04x:%02x:%02x.%u", dom, bus, dev, fn);
	return 0;
}

bool
scn_all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A number or "lo-hi", each end within [min, max]. */
int
scn_get_range(struct ydoc *d, const struct ynode *n, const char *what, uint16_t min, uint16_t max,
	      struct cfg_range *r)
{
	char lo_s[8], hi_s[8];
	const char *dash;
	uint64_t lo = 0, hi = 0;
	int rc_hi;
	int rc = ydoc_want_scalar(d, n, what, "a number or a range");

	if (rc < 0)
		return rc;
	dash = strchr(n->str, '-');
	if (dash == NULL) {
		rc = scn_get_uint(d, n, what, min, max, &lo);
		if (rc == 0)
			r->lo = r->hi = (uint16_t)lo;
		return rc;
	}
	if (dash - n->str >= (ptrdiff_t)sizeof(lo_s) || strlen(dash + 1) >= sizeof(hi_s) ||
	    dash == n->str)
		goto syntax;
	snprintf(lo_s, sizeof(lo_s), "%.*s", (int)(dash - n->str), n->str);
	snprintf(hi_s, sizeof(hi_s), "%s", dash + 1);
	rc = scn_parse_uint(lo_s, UINT16_MAX, &lo);
	rc_hi = scn_parse_uint(hi_s, UINT16_MAX, &hi);
	if (rc == -EINVAL || rc_hi == -EINVAL)
		goto syntax;
	if (rc < 0 || rc_hi < 0 || lo < min || hi < min || lo > max || hi > max)
		return ydoc_fail(d, n, "%s: range '%s' is outside %u..%u", what,
				 ydoc_show(d, n->str), min, max);
	if (lo > hi)
		return ydoc_fail(d, n, "%s: range '%s' is reversed (write the low end first)", what,
				 ydoc_show(d, n->str));
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
syntax:
	return ydoc_fail(d, n, "%s: expected a number or a range like %u-%u, got '%s'", what, min,
			 max, ydoc_show(d, n->str));
}

int
scn_get_vlans(struct ydoc *d, const struct ynode *n, struct cfg_match *m)
{
	int rc;

	if (n->kind != Y_SEQ) {
		m->n_vlan = 1;
		return scn_get_range(d, n, "vlan", 1, 4094, &m->vlan[0]);
	}
	if (n->n_kid == 0)
		return ydoc_fail(d, n, "vlan: empty list (leave the key out to match any VLAN)");
	if (n->n_kid > CFG_MAX_VLAN_RANGES)
		return ydoc_fail(d, ydoc_kid(d, n, CFG_MAX_VLAN_RANGES),
				 "vlan: more than %d entries", CFG_MAX_VLAN_RANGES);
	for (uint32_t i = 0; i < n->n_kid; i++) {
		const struct ynode *v = ydoc_kid(d, n, i);

		if (v->kind != Y_SCALAR)
			return ydoc_fail(d, v, "vlan: expected a VLAN id or a range, got %s",
					 ydoc_kind_name(v));
		rc = scn_get_range(d, v, "vlan", 1, 4094, &m->vlan[i]);
		if (rc < 0)
			return rc;
	}
	m->n_vlan = (uint16_t)n->n_kid;
	return 0;
}

int
scn_get_proto(struct ydoc *d, const struct ynode *n, uint8_t *proto)
{
	static const struct scn_sym protos[] = {
		{"tcp", 6},
		{"udp", 17},
		{"icmp", 1},
		{"icmpv6", 58},
	};
	uint64_t v;
	int rc = ydoc_want_scalar(d, n, "proto", "a protocol");

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (strcmp(n->str, protos[i].name) == 0) {
			*proto = (uint8_t)protos[i].value;
			return 0;
		}
	}
	if (scn_parse_uint(n->str, 255, &v) < 0)
		return ydoc_fail(d, n, "proto: expected tcp, udp, icmp, icmpv6 or 0..255, got '%s'",
				 ydoc_show(d, n->str));
	*proto = (uint8_t)v;
	return 0;
}

/* "a.b.c.d/len", "x::/len" or a bare address (a host). IPv4 is stored v4-mapped. */
int
scn_get_prefix(struct ydoc *d, const struct ynode *n, const char *what, struct cfg_prefix *pfx)
{
	char addr[INET6_ADDRSTRLEN + 8];
	char fixed[INET6_ADDRSTRLEN];
	uint8_t a[16] = {0};
	const char *slash;
	uint64_t len;
	unsigned max;
	bool v6;
	int rc = ydoc_want_scalar(d, n, what, "an address or prefix");

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
		if (scn_parse_uint(slash + 1, 999, &len) < 0)
			goto bad;
		if (len > max)
			return ydoc_fail(d, n, "%s: prefix length /%s is over %u in '%s'", what,
					 ydoc_show(d, slash + 1), max, ydoc_show(d, n->str));
	}
	/* Bits past the prefix length would be ignored: refuse them, they hide a typo. */
	for (unsigned bit = (unsigned)len; bit < max; bit++) {
		if (a[bit / 8] & (0x80 >> (bit % 8))) {
			for (unsigned b = (unsigned)len; b < max; b++)
				a[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
			inet_ntop(v6 ? AF_INET6 : AF_INET, a, fixed, sizeof(fixed));
			return ydoc_fail(d, n, "%s: host bits set in %s (did you mean %s/%u?)",
					 what, ydoc_show(d, n->str), fixed, (unsigned)len);
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
	return ydoc_fail(d, n,
			 "%s: expected an IPv4 or IPv6 address or prefix (198.18.0.0/15, "
			 "2001:db8::/32), got '%s'",
			 what, ydoc_show(d, n->str));
}
