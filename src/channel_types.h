/* channel_types.h — the channel kinds channel.c's table knows (private to channel*.c). */
#ifndef NW_CHANNEL_TYPES_H
#define NW_CHANNEL_TYPES_H

#include "channel.h"
#include "curl_loop.h"

extern const struct channel_type channel_type_stdout;
extern const struct channel_type channel_type_jsonl;
extern const struct channel_type channel_type_desktop;
extern const struct channel_type channel_type_email;
extern const struct channel_type channel_type_webhook;
extern const struct channel_type channel_type_exec;

/* Reads a key as a duration in milliseconds (config_parse_duration_ms: "250ms",
 * "3s", "2m", "1h", "1d", "30" seconds). Returns def when absent, -1 (error
 * appended) when malformed. */
gint64 channel_key_ms(const struct config *cfg, const struct channel_config *cc,
                      const char *key, gint64 def, GPtrArray *errors);
/* For the channels over libcurl: sets what every delivery transfer shares
 * (timeouts, no signals, errbuf of CURL_ERROR_SIZE, ca_file when not NULL),
 * starts easy on *loop (made on the caller's thread-default main context at
 * first use) and, when it cannot start, finishes it at once with
 * done(easy, CURLE_FAILED_INIT, user). */
void channel_curl_start(struct curl_loop **loop, CURL *easy, long timeout_ms, const char *ca_file,
                        char *errbuf, curl_loop_done_fn done, void *user);

#endif
