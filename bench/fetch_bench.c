/* fetch_bench.c — the fetcher alone against tests/servers/feedserver.py on
 * 127.0.0.1: N feeds of ~78 KB, plain and gzip, then the same N answered 304.
 * Prints wall time, requests/s, decoded MB/s, this process's CPU per fetch
 * and its peak RSS (the Python server is not counted). Figures, not verdicts.
 * Usage: fetch_bench PORT [N] [MAX_CONNECTIONS] [MAX_PER_HOST] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <curl/curl.h>

#include "fetch.h"

struct run {
	GMainLoop *loop;
	int pending, ok, not_modified, failed;
	size_t bytes;
	char **etags;
};

struct one {
	struct run *run;
	int i;
};

static int
sink(const char *buf G_GNUC_UNUSED, size_t len, void *user)
{
	struct one *o = user;

	o->run->bytes += len;
	return 0;
}

static void
done(const struct fetch_result *r, void *user)
{
	struct one *o = user;
	struct run *run = o->run;

	if (r->outcome == FETCH_OK) {
		run->ok++;
		g_free(run->etags[o->i]);
		run->etags[o->i] = g_strdup(r->etag);
	} else if (r->outcome == FETCH_NOT_MODIFIED) {
		run->not_modified++;
	} else {
		run->failed++;
		if (run->failed < 5)
			fprintf(stderr, "fetch_bench: %s\n", r->error);
	}
	if (--run->pending == 0)
		g_main_loop_quit(run->loop);
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
pass(const char *name, int port, int n, const struct fetch_options *o, gboolean gzip,
     gboolean conditional, struct run *run)
{
	struct fetcher *f = fetcher_new(NULL, o);
	struct one *ones = g_new0(struct one, n);
	GTimer *t = g_timer_new();
	double cpu0 = cpu_seconds(), wall, cpu;

	run->pending = n;
	run->ok = run->not_modified = run->failed = 0;
	run->bytes = 0;
	for (int i = 0; i < n; i++) {
		char *url = g_strdup_printf("http://127.0.0.1:%d/feed/big.xml?feed=%d%s", port, i,
		                            gzip ? "&gzip=1" : "");
		struct fetch_request req = { .url = url, .sink = sink, .done = done, .user = &ones[i],
		                             .etag = conditional ? run->etags[i] : NULL };

		ones[i].run = run;
		ones[i].i = i;
		fetcher_add(f, &req);
		g_free(url);
	}
	g_main_loop_run(run->loop);
	wall = g_timer_elapsed(t, NULL);
	cpu = cpu_seconds() - cpu0;
	printf("%-12s %5d fetches  %6.2f s  %7.0f req/s  %7.1f MB/s decoded  %6.1f us CPU/fetch"
	       "  (ok %d, 304 %d, failed %d)\n",
	       name, n, wall, n / wall, run->bytes / wall / 1e6, cpu / n * 1e6,
	       run->ok, run->not_modified, run->failed);
	g_timer_destroy(t);
	g_free(ones);
	fetcher_free(f);
}

int
main(int argc, char **argv)
{
	struct fetch_options o;
	struct run run = { 0 };
	struct rusage ru;
	int port, n;

	if (argc < 2) {
		fprintf(stderr, "usage: fetch_bench PORT [N] [MAX_CONNECTIONS] [MAX_PER_HOST]\n");
		return 2;
	}
	port = (int)g_ascii_strtoll(argv[1], NULL, 10);
	n = argc > 2 ? (int)g_ascii_strtoll(argv[2], NULL, 10) : 1000;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	fetch_options_defaults(&o);
	o.proxy = "";
	o.max_connections = argc > 3 ? (int)g_ascii_strtoll(argv[3], NULL, 10) : 16;
	o.max_per_host = argc > 4 ? (int)g_ascii_strtoll(argv[4], NULL, 10) : 16;
	run.loop = g_main_loop_new(NULL, FALSE);
	run.etags = g_new0(char *, n);
	printf("fetcher: %d connections, %d per host, one loopback host\n",
	       o.max_connections, o.max_per_host);
	pass("plain", port, n, &o, FALSE, FALSE, &run);
	pass("gzip", port, n, &o, TRUE, FALSE, &run);
	pass("304", port, n, &o, FALSE, TRUE, &run);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS of the fetching process: %.1f MB\n", ru.ru_maxrss / 1024.0);
	for (int i = 0; i < n; i++)
		g_free(run.etags[i]);
	g_free(run.etags);
	g_main_loop_unref(run.loop);
	curl_global_cleanup();
	return run.failed ? 1 : 0;
}
