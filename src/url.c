/* url.c — canonical links, parsed and rebuilt with libcurl's URL API.
 * The canonical form is what identity and story clustering compare, and what
 * alerts show, so it must stay a working link: only what is certainly noise is
 * removed (tracking parameters, fragments, default ports, case of scheme and
 * host). Parameter order is kept: servers may give it meaning. */
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <glib.h>

#include "url.h"

/* Query parameters that only say where a click came from. Sorted (strcmp),
 * compared case-insensitively after lower-casing the name. */
static const char *const tracking_params[] = {
	"__s", "_ga", "_gl", "_hsenc", "_hsmi", "at_campaign", "at_medium", "cmpid",
	"dclid", "fbclid", "gclid", "gclsrc", "guccounter", "guce_referrer",
	"guce_referrer_sig", "icid", "igshid", "mc_cid", "mc_eid", "mkt_tok", "msclkid",
	"ncid", "ns_campaign", "ns_fee", "ns_linkname", "ns_mchannel", "ns_source",
	"oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid", "s_kwcid", "smid", "soc_src",
	"soc_trk", "twclid", "vero_conv", "vero_id", "wt.mc_id", "wt_mc", "wtmc",
	"xtor", "yclid",
};

/* ... and whole families of them. */
static const char *const tracking_prefixes[] = { "utm_", "pk_", "mtm_", "hsa_" };

static int
cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static gboolean
is_tracking(const char *name, size_t len)
{
	char *lower = g_ascii_strdown(name, (gssize)len);
	gboolean hit = bsearch(lower, tracking_params, G_N_ELEMENTS(tracking_params),
	                       sizeof(tracking_params[0]), cmp_name) != NULL;

	for (size_t i = 0; !hit && i < G_N_ELEMENTS(tracking_prefixes); i++)
		hit = g_str_has_prefix(lower, tracking_prefixes[i]);
	g_free(lower);
	return hit;
}

/* Aggregator links that carry the publisher's URL in a query parameter. */
struct wrapper {
	const char *host;       /* exact, or a suffix when it starts with '.' */
	const char *path;       /* path prefix */
	const char *param;
};

static const struct wrapper wrappers[] = {
	{ "news.google.com",      "/news/url",     "url" },
	{ "news.google.com",      "/url",          "url" },
	{ "www.google.com",       "/url",          "url" },
	{ "www.google.com",       "/url",          "q" },
	{ "google.com",           "/url",          "url" },
	{ "google.com",           "/url",          "q" },
	{ "l.facebook.com",       "/l.php",        "u" },
	{ "lm.facebook.com",      "/l.php",        "u" },
	{ "www.bing.com",         "/news/apiclick.aspx", "url" },
	{ "duckduckgo.com",       "/l/",           "uddg" },
	{ "out.reddit.com",       "/",             "url" },
	{ "slack-redir.net",      "/link",         "url" },
	{ ".safelinks.protection.outlook.com", "/", "url" },
	{ "getpocket.com",        "/redirect",     "url" },
	{ "www.youtube.com",      "/redirect",     "q" },
};

static gboolean
host_is(const char *host, const char *pattern)
{
	if (pattern[0] == '.')
		return g_str_has_suffix(host, pattern);
	return strcmp(host, pattern) == 0;
}

/* The decoded value of query parameter name, or NULL. */
static char *
query_param(const char *query, const char *name)
{
	char **parts = g_strsplit(query, "&", -1);
	char *val = NULL;
	size_t nlen = strlen(name);

	for (char **p = parts; *p && val == NULL; p++) {
		if (strncmp(*p, name, nlen) == 0 && (*p)[nlen] == '=') {
			char *plus = g_strdup(*p + nlen + 1);

			/* Form encoding: '+' is a space; URLs carry none, so it cannot hurt. */
			g_strdelimit(plus, "+", ' ');
			val = g_uri_unescape_string(plus, NULL);
			g_free(plus);
		}
	}
	g_strfreev(parts);
	return val;
}

static gboolean
read_varint(const guchar *b, gsize n, gsize *i, guint64 *out)
{
	guint64 v = 0;

	for (int shift = 0; *i < n && shift < 64; shift += 7) {
		guchar c = b[(*i)++];

		v |= (guint64)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = v;
			return TRUE;
		}
	}
	return FALSE;
}

/* Google News RSS article ids ("/rss/articles/CBMi...") used to be a base64url
 * protocol buffer whose field 4 is the publisher's URL. Newer ids are opaque
 * and need a fetch: those are left alone (NULL). */
static char *
google_news_article(const char *path)
{
	const char *id = strrchr(path, '/');
	char *b64, *url = NULL;
	guchar *bin;
	gsize n, i = 0, len = strlen(id ? id + 1 : "");
	guint64 tag, v;

	if (id == NULL || len < 8 || strncmp(id + 1, "CBM", 3) != 0)
		return NULL;
	b64 = g_malloc(len + 4);
	memcpy(b64, id + 1, len);
	for (gsize k = 0; k < len; k++)
		b64[k] = b64[k] == '-' ? '+' : b64[k] == '_' ? '/' : b64[k];
	while (len % 4)
		b64[len++] = '=';
	b64[len] = '\0';
	bin = g_base64_decode(b64, &n);
	g_free(b64);
	while (url == NULL && read_varint(bin, n, &i, &tag)) {
		if ((tag & 7) == 0) {
			if (!read_varint(bin, n, &i, &v))
				break;
		} else if ((tag & 7) == 2) {
			if (!read_varint(bin, n, &i, &v) || v > n - i)
				break;
			if (tag >> 3 == 4 && (v > 7 && (memcmp(bin + i, "http://", 7) == 0 ||
			                               memcmp(bin + i, "https://", 8) == 0)))
				url = g_strndup((const char *)bin + i, (gsize)v);
			i += (gsize)v;
		} else {
			break;
		}
	}
	g_free(bin);
	return url;
}

/* Google's AMP viewer: /amp/s/HOST/PATH is https://HOST/PATH (without "s/", http). */
static char *
google_amp(const char *path)
{
	if (g_str_has_prefix(path, "/amp/s/") && path[7])
		return g_strconcat("https://", path + 7, NULL);
	if (g_str_has_prefix(path, "/amp/") && path[5])
		return g_strconcat("http://", path + 5, NULL);
	return NULL;
}

/* The wrapped publisher URL (caller frees), or NULL when url wraps nothing
 * that can be read without fetching. */
static char *
unwrap(const char *host, const char *path, const char *query)
{
	if (strcmp(host, "news.google.com") == 0 && g_str_has_prefix(path, "/rss/articles/"))
		return google_news_article(path);
	if ((strcmp(host, "www.google.com") == 0 || strcmp(host, "google.com") == 0) &&
	    g_str_has_prefix(path, "/amp/"))
		return google_amp(path);
	if (query == NULL)
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(wrappers); i++) {
		char *v;

		if (!host_is(host, wrappers[i].host) || !g_str_has_prefix(path, wrappers[i].path))
			continue;
		v = query_param(query, wrappers[i].param);
		if (v && (g_str_has_prefix(v, "http://") || g_str_has_prefix(v, "https://")))
			return v;
		g_free(v);
	}
	return NULL;
}

/* The query without tracking parameters; NULL when nothing is left. */
static char *
clean_query(const char *query)
{
	char **parts = g_strsplit(query, "&", -1);
	GString *out = g_string_new(NULL);

	for (char **p = parts; *p; p++) {
		size_t nlen = strcspn(*p, "=");

		if (**p == '\0' || is_tracking(*p, nlen))
			continue;
		if (out->len)
			g_string_append_c(out, '&');
		g_string_append(out, *p);
	}
	g_strfreev(parts);
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

/* Wrappers inside wrappers (a Google redirect to a Facebook redirect ...) are
 * unwrapped this deep in one pass; url_canonical repeats passes until the
 * form is stable, so one story never gets two identities. */
#define URL_UNWRAP_MAX 8
#define URL_PASSES_MAX 16

static char *
canonical(const char *url, int depth)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *path = NULL, *query = NULL, *frag = NULL;
	char *out = NULL, *inner, *lower;

	if (u == NULL || url == NULL)
		goto done;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto done;
	lower = g_ascii_strdown(scheme, -1);
	if (strcmp(lower, "http") != 0 && strcmp(lower, "https") != 0) {
		g_free(lower);
		goto done;
	}
	curl_url_set(u, CURLUPART_SCHEME, lower, 0);
	g_free(lower);
	/* Host names are case-insensitive (IDNs arrive as UTF-8 or punycode, both kept). */
	lower = g_ascii_strdown(host, -1);
	curl_url_set(u, CURLUPART_HOST, lower, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
		query = NULL;
	if (depth < URL_UNWRAP_MAX && (inner = unwrap(lower, path ? path : "/", query)) != NULL) {
		out = canonical(inner, depth + 1);
		g_free(inner);
		g_free(lower);
		if (out)
			goto done;
	} else {
		g_free(lower);
	}
	/* Hash-bang fragments ("#!/story/1") name content on old AJAX sites: keep them. */
	if (curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) != CURLUE_OK || frag[0] != '!')
		curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (query) {
		char *q = clean_query(query);

		curl_url_set(u, CURLUPART_QUERY, q, 0);
		g_free(q);
	}
	curl_url_set(u, CURLUPART_USER, NULL, 0);
	curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
	{
		char *s = NULL;

		if (curl_url_get(u, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT) == CURLUE_OK) {
			out = g_strdup(s);
			curl_free(s);
		}
	}
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return out;
}

char *
url_canonical(const char *url)
{
	char *trimmed, *out;

	if (url == NULL)
		return NULL;
	trimmed = g_strstrip(g_strdup(url));
	out = trimmed[0] ? canonical(trimmed, 0) : NULL;
	g_free(trimmed);
	/* Unwrapping or re-encoding can expose more to clean: repeat to a fixed
	 * point (each pass that changes a wrapped URL shortens it). */
	for (int pass = 0; out != NULL && pass < URL_PASSES_MAX; pass++) {
		char *again = canonical(out, 0);

		if (again == NULL || strcmp(again, out) == 0) {
			g_free(again);
			break;
		}
		g_free(out);
		out = again;
	}
	return out;
}

char *
url_resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *s = NULL, *out = NULL;

	if (u == NULL || ref == NULL)
		goto done;
	if (base && curl_url_set(u, CURLUPART_URL, base, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		base = NULL;
	/* With a base set, curl resolves ref against it; without, ref must be absolute. */
	if (curl_url_set(u, CURLUPART_URL, ref, CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE) != CURLUE_OK)
		goto done;
	if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		out = g_strdup(s);
done:
	curl_free(s);
	curl_url_cleanup(u);
	return out;
}
