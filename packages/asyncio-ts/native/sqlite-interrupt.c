/*
 * sqlite-interrupt: sqlite3_interrupt() for better-sqlite3 connections living on
 * other threads, as a loadable SQLite extension.
 *
 * better-sqlite3 exposes no interrupt and is built without the progress handler,
 * so a statement running on a worker thread cannot be stopped from JavaScript.
 * This extension gives every connection that loads it a slot in one table shared
 * by the whole process (the library is mapped once per process, whichever thread
 * loads it), and two SQL functions:
 *
 *   SELECT asyncio_interrupt_slot()  -- the id of this connection's slot (> 0)
 *   SELECT asyncio_interrupt(id)     -- sqlite3_interrupt() on the connection with
 *                                       that slot, from any connection on any
 *                                       thread: 1, or 0 when it is gone
 *
 * The worker thread of a connection loads it and reports its slot id; the event
 * loop's thread loads it into a private in-memory connection and interrupts
 * through that. The statement then fails with SQLITE_INTERRUPT (a write inside a
 * transaction rolls the transaction back) and the connection stays usable.
 *
 * Safety: sqlite3_interrupt() may be called from any thread, but never on a
 * connection that is closed or closing. The table's mutex is held around every
 * call, and a connection leaves the table (under that mutex) in the destructor
 * of its asyncio_interrupt_slot function, which SQLite runs while closing the
 * connection and before freeing it. Ids are never reused, so a stale id finds
 * nothing. Both functions are SQLITE_DIRECTONLY: a database's schema (views,
 * triggers) cannot call them.
 *
 * No Node-API and no link to a SQLite library: SQLite is reached through the
 * routines table the loader hands over, i.e. the SQLite compiled into
 * better-sqlite3. Only the entry point is exported (build with
 * -fvisibility=hidden): SQLite loads extensions RTLD_GLOBAL.
 */
#include <pthread.h>
#include <stdlib.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

typedef struct Slot {
  sqlite3_int64 id;
  sqlite3 *db;
  struct Slot *next;
} Slot;

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static Slot *table = NULL;
static sqlite3_int64 last_id = 0;

/* The destructor of asyncio_interrupt_slot: the connection is closing. */
static void leave_table(void *p) {
  Slot *slot = (Slot *)p;
  pthread_mutex_lock(&table_lock);
  for (Slot **at = &table; *at != NULL; at = &(*at)->next) {
    if (*at == slot) {
      *at = slot->next;
      break;
    }
  }
  pthread_mutex_unlock(&table_lock);
  free(slot);
}

static void slot_id(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  Slot *slot = (Slot *)sqlite3_user_data(ctx);
  sqlite3_result_int64(ctx, slot->id);
}

static void interrupt_slot(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  sqlite3_int64 id = sqlite3_value_int64(argv[0]);
  int hit = 0;
  pthread_mutex_lock(&table_lock);
  for (Slot *s = table; s != NULL; s = s->next) {
    if (s->id == id) {
      sqlite3_interrupt(s->db);
      hit = 1;
      break;
    }
  }
  pthread_mutex_unlock(&table_lock);
  sqlite3_result_int(ctx, hit);
}

#ifdef _WIN32
__declspec(dllexport)
#else
__attribute__((visibility("default")))
#endif
int sqlite3_asynciointerrupt_init(sqlite3 *db, char **pzErrMsg,
                                  const sqlite3_api_routines *pApi) {
  (void)pzErrMsg;
  SQLITE_EXTENSION_INIT2(pApi);
  int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;
  int rc = sqlite3_create_function_v2(db, "asyncio_interrupt", 1, flags, NULL,
                                      interrupt_slot, NULL, NULL, NULL);
  if (rc != SQLITE_OK) return rc;
  Slot *slot = (Slot *)malloc(sizeof(Slot));
  if (slot == NULL) return SQLITE_NOMEM;
  slot->db = db;
  pthread_mutex_lock(&table_lock);
  slot->id = ++last_id;
  slot->next = table;
  table = slot;
  pthread_mutex_unlock(&table_lock);
  /* On failure SQLite calls the destructor, which takes the slot out again.
     Loading twice into one connection replaces the function: the old slot's
     destructor runs, the new slot stays. */
  return sqlite3_create_function_v2(db, "asyncio_interrupt_slot", 0, flags, slot,
                                    slot_id, NULL, NULL, leave_table);
}
