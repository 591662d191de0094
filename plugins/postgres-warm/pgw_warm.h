/*
 * pgw_warm - the state of one warm shared by the strategies (mirror,
 * queries, relations, restore) and the loader they all end in.
 */
#ifndef PGW_WARM_H
#define PGW_WARM_H

#include "pgw_conn.h"
#include "pgw_parallel.h"
#include "pgw_plan.h"

typedef struct pgw_warm {
	const pgw_env *env;
	json_object *params; /* borrowed */
	pgw_conn_spec *target, *source;
	PGconn *tconn; /* control connection to the target */
	PGconn *sconn; /* to the source, or NULL */
	pgw_run_opts run;
	int top_n;
	int force;
	int64_t statement_blocks; /* blocks per pg_prewarm statement */
	int plan_usage; /* relations, queries: times each block is read */
	int address_order; /* load order: block address, not hottest first */
	int load_order_given; /* load_order set; else mirror/restore use
				* address order (pgw_dbs.c) */
	double fraction;
	int fraction_given; /* budget.max_shared_buffers_fraction was set */
	int64_t started_ms;
	int64_t nbuffers;     /* target's shared_buffers in blocks */
	int64_t free_buffers; /* target's unused buffers at the start; -1:
				 unknown (no pg_buffercache there) */
	int64_t budget_total; /* fraction * nbuffers */
	int64_t budget_left;
	int64_t blocks_loaded;
	int64_t statements, statements_failed;
	int timed_out;
	json_object *steps;    /* array: one object per strategy run */
	json_object *queries;  /* {"run","planned","skipped","failed","details"} */
	json_object *problems; /* array of strings: malformed rows, missing rels */
	json_object *dbs;         /* array: per-database figures of mirror */
	json_object *dbs_skipped; /* array of {database, reason} */
	char target_db[128], source_db[128]; /* current_database() */
	const char *current_db;   /* being loaded (progress), or NULL */
	/* The source's blocks with usage count >= 1 in source_db, kept from
	 * the plan's read for the report (mirror): the source's buffer list
	 * is then read once per warm, not twice. */
	int source_hot_kept;
	pgw_block *source_hot;
	size_t nsource_hot;
	pgw_names source_hot_names;
} pgw_warm;

/* Blocks per pg_prewarm statement by default (8 MB): small enough that a
 * cancel at the deadline loses little, large enough that round trips do
 * not dominate (README: the shapes table). */
#define PGW_STATEMENT_BLOCKS 1024

/* The usage count relations and queries give what they load (README
 * "relations and queries"). */
#define PGW_PLAN_USAGE 2

/*
 * Loads ranges (interned in names) on the target: resolves names to oids,
 * truncates to the remaining budget, batches and runs pg_prewarm over
 * K connections. Ranges with usage count u are read u times so the clock
 * sweep sees them as hot. Adds "blocks", "ranges", "statements", "failed"
 * to step. Takes ownership of nothing.
 */
int pgw_load_ranges(pgw_warm *w, const pgw_names *names, pgw_range *ranges,
		    size_t nranges, json_object *step, pw_error *err);

/* The blocks a warm may still load: what is left of the budget and,
 * unless budget.max_shared_buffers_fraction was given, of the target's
 * free buffers at the start (loading more makes the clock sweep evict
 * what this warm loaded first, its hottest choice). */
int64_t pgw_budget_free(const pgw_warm *w);

/* Runs the load statement once with no ranges: its function and
 * operator lookups read their catalog pages now, so a free-buffer count
 * taken afterwards is what the load itself can fill (pgw_dbs.c). */
int pgw_load_prime(PGconn *conn, const pgw_conn_spec *spec, pw_error *err);

/* The target's unused buffers now, from pg_buffercache; PW_ERR (and *out
 * -1) when the extension is missing there. */
int pgw_target_free_buffers(pgw_warm *w, int64_t *out);

/* Appends blk to a growable array; -1 when out of memory. */
int pgw_blocks_push(pgw_block **b, size_t *n, size_t *cap, pgw_block blk);

/* One database's part of a source's cache (pgw_dbs.c). */
typedef struct pgw_db {
	char *datname;
	pgw_names nodes;  /* while reading: blocks[].rel indexes relfilenodes */
	pgw_names names;  /* schema.relation, what ranges[].rel indexes */
	pgw_block *blocks;
	size_t nblocks, bcap;
	pgw_range *ranges; /* hottest first, coalesced */
	size_t nranges, rcap;
	int64_t source_blocks;
	int64_t allowance; /* this database's share of the budget */
	int64_t target_resident; /* blocks left out: the target holds them */
	pgw_block *hot; /* when the set keeps them: usage count >= 1 */
	size_t nhot;
} pgw_db;

typedef struct pgw_dbset {
	pgw_db *v;
	size_t n, cap, last;
	const char *keep_hot_db; /* set before reading: that database keeps
				    its hot blocks (pgw_db.hot) */
} pgw_dbset;

/* The database named datname in set, added when new; NULL when out of
 * memory. */
pgw_db *pgw_dbset_get(pgw_dbset *set, const char *datname);
int pgw_db_add_range(pgw_db *d, pgw_range r); /* -1: out of memory */
void pgw_dbset_free(pgw_dbset *set);

/* Reads every database's blocks with usage count >= min_usage from conn
 * (connected to conn_db) in one pass over pg_buffercache, names them
 * through each database (same credentials as spec) and turns them into
 * ranges hottest first (usage counts kept unless replay is 0). A database
 * that cannot be read is added to skipped ({database, reason}). */
int pgw_dbset_read(const pgw_env *env, PGconn *conn,
		   const pgw_conn_spec *spec, const char *conn_db,
		   const pgw_session_opts *opts, int min_usage, int replay,
		   pgw_dbset *set, json_object *skipped, pw_error *err);

/* Loads set on the target's databases of the same names within w's
 * budget, split hottest first across databases: figures per database in
 * w->dbs, skipped ones in w->dbs_skipped, the sums in step. */
int pgw_dbset_load(pgw_warm *w, pgw_dbset *set, json_object *step,
		   pw_error *err);

/* Opens spec's database datname (main itself when datname is main_db;
 * otherwise *dspec and *conn are new). Close with pgw_db_close. */
int pgw_db_open(const pgw_conn_spec *spec, PGconn *main, const char *main_db,
		const char *datname, const pgw_session_opts *opts,
		pgw_conn_spec **dspec, PGconn **conn, pw_error *err);
void pgw_db_close(PGconn *main, pgw_conn_spec *dspec, PGconn *conn);
/* Reports a skipped database in skipped and the log. */
void pgw_db_skip(const pgw_env *env, json_object *skipped,
		 const char *datname, const char *reason);

/* Reads a server's buffer cache for the connected database (pg_buffercache
 * joined to pg_class): blocks with usage count >= min_usage, names
 * interned in names. *blocks is the caller's to free. */
int pgw_fetch_buffers(PGconn *conn, const pgw_conn_spec *spec,
		      pgw_names *names, int min_usage, pgw_block **blocks,
		      size_t *n, pw_error *err);

/*
 * SQL that maps $1 (a text[] of relation names) to rows (i, oid) in input
 * order; oid is NULL when the relation is missing or the session may not
 * read it. Qualified names are looked up in the catalog, not through
 * to_regclass, which raises an error for a schema without USAGE (pg_toast
 * for a non-superuser) and would fail the whole lookup. pg_prewarm needs
 * SELECT on the relation itself (indexes included: pg_read_all_data).
 */
#define PGW_RESOLVE_SQL                                                      \
	"SELECT u.i, CASE WHEN has_table_privilege(r.oid, 'SELECT') "         \
	"THEN r.oid END AS oid FROM unnest($1::text[]) WITH ORDINALITY "      \
	"AS u(n, i) LEFT JOIN LATERAL (SELECT CASE "                          \
	"WHEN cardinality(p.id) = 1 THEN to_regclass(u.n)::oid "              \
	"ELSE (SELECT c.oid FROM pg_class c JOIN pg_namespace ns "            \
	"ON ns.oid = c.relnamespace WHERE ns.nspname = p.id[1] "              \
	"AND c.relname = p.id[2] AND cardinality(p.id) = 2) END AS oid "      \
	"FROM (SELECT parse_ident(u.n) AS id) p) r ON true"

/* What the target knows about a relation named in a plan or a list. */
typedef struct pgw_relinfo {
	char *name;          /* canonical format('%I.%I'); NULL when missing
				or not readable */
	char kind;           /* pg_class.relkind */
	int64_t blocks;      /* main fork */
	int64_t total_blocks; /* with indexes, TOAST, fsm, vm */
} pgw_relinfo;

/* Looks up n relation names (anything regclass accepts) on the target.
 * *info is an array of n the caller frees with pgw_relinfo_free. */
int pgw_resolve_relinfo(pgw_warm *w, char *const *names, size_t n,
			pgw_relinfo **info, pw_error *err);
void pgw_relinfo_free(pgw_relinfo *info, size_t n);

/* The strategies. Each appends one object to w->steps. */
int pgw_strategy_mirror(pgw_warm *w, pw_error *err);
int pgw_strategy_relations(pgw_warm *w, pw_error *err);
int pgw_strategy_queries(pgw_warm *w, pw_error *err);
/*
 * Buffer snapshots: CSV relation,fork,first_block,last_block,usage_count,
 * hottest first, in a file (snapshot_file) and/or an S3 object
 * (snapshot_s3: {Bucket, Key}, through the host's s3:PutObject and
 * s3:GetObject).
 */
typedef struct pgw_snap_loc {
	int given;               /* a file or an object was named */
	const char *file;        /* borrowed from params, or NULL */
	const char *bucket, *key; /* borrowed, or NULL */
	char label[1024];        /* the file, else s3://bucket/key */
} pgw_snap_loc;

/* Reads snapshot_file / snapshot_s3 from params (both optional). */
int pgw_snap_loc_get(json_object *params, pgw_snap_loc *loc, pw_error *err);
/* Writes every database of set to every location given (file first). */
int pgw_snapshot_save(const pgw_env *env, const pgw_snap_loc *loc,
		      const pgw_dbset *set, pw_error *err);
/* Reads from the file when given, else from S3, into set. Rows of a file
 * without the database column (the format before it) go to default_db. */
int pgw_snapshot_load(const pgw_env *env, const pgw_snap_loc *loc,
		      const char *default_db, pgw_dbset *set, pw_error *err);
/* Parses snapshot text; name prefixes messages (FILE:LINE: field ...). */
int pgw_snapshot_parse(const char *text, size_t len, const char *name,
		       const char *default_db, pgw_dbset *set, pw_error *err);

/* Loads a snapshot like mirror does. */
int pgw_strategy_restore(pgw_warm *w, const pgw_snap_loc *loc,
			 pw_error *err);

/* Sets up w from params for an action that warms (target required). */
int pgw_warm_open(pgw_warm *w, const pgw_env *env, json_object *params,
		  pw_error *err);
void pgw_warm_close(pgw_warm *w);
/* The report object (new reference). */
json_object *pgw_warm_report(pgw_warm *w, json_object *strategy);

/* Parameter helpers: errors name the parameter. */
int pgw_param_int(json_object *params, const char *key, int64_t def,
		  int64_t min, int64_t max, int64_t *out, pw_error *err);
int pgw_param_double(json_object *obj, const char *key, double def,
		     double min, double max, double *out, pw_error *err);
int pgw_param_string(json_object *params, const char *key, const char **out,
		     pw_error *err);
/* Calls the host's s3:ACTION with Bucket, Key and (when not NULL) Body;
 * *res is the caller's (json_object_put). Without a host to call, fails
 * with Postgres.InvalidParameter naming `param`. */
int pgw_s3_call(const pgw_env *env, const char *param, const char *action,
		const char *bucket, const char *key, const char *body,
		json_object **res, pw_error *err);
/* o's member `key` when it is a string (owned by o), else NULL; no error. */
const char *pgw_json_str(json_object *o, const char *key);

#endif
