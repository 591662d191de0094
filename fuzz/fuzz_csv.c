/*
 * fuzz_csv - the CSV files the postgres-warm plugin reads: the exported
 * top-queries file (header with a `query` column, RFC 4180 quoting) and a
 * buffer snapshot ([database,]relation,fork,first_block,last_block,usage_count). The
 * same bytes go to both readers.
 */
#include <stdlib.h>

#include "fuzz_common.h"
#include "pgw_csv.h"
#include "pgw_warm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	pw_error err;

	pgw_query_set *set = NULL;
	if (pgw_csv_parse_queries(text, size, "fuzz.csv", &set, &err) ==
	    PW_OK)
		pgw_query_set_free(set);

	/* Rows without a database column go to the connected one. */
	pgw_dbset dbs = {0};
	(void)pgw_snapshot_parse(text, size, "snapshot.csv", "postgres", &dbs, &err);
	pgw_dbset_free(&dbs);
	return 0;
}
