/* url.h — canonical links with libcurl's URL API (never string surgery). */
#ifndef NW_URL_H
#define NW_URL_H

/* Lower-cases scheme and host, drops default ports, fragments and tracking
 * parameters (utm_*, fbclid, gclid, ...), unwraps known aggregator redirect
 * links. Returns a new string, or NULL when url is not an absolute http(s) URL. */
char *url_canonical(const char *url);
/* Resolves ref against base; NULL if neither gives an absolute URL. */
char *url_resolve(const char *base, const char *ref);

#endif
