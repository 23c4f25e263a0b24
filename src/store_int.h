/* store_int.h — small helpers every store*.c file shares; private to them
 * (the rest of the program never sees SQLite). */
#ifndef NW_STORE_INT_H
#define NW_STORE_INT_H

#include <glib.h>
#include <sqlite3.h>

/* Column i of the current row as a new string (caller frees); NULL for SQL NULL. */
static inline char *
col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? g_strdup((const char *)t) : NULL;
}

/* Binds t (copied), or SQL NULL when t is NULL. */
static inline void
bind_text(sqlite3_stmt *st, int i, const char *t)
{
	if (t)
		sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

#endif
