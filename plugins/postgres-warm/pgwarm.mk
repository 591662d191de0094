# plugins/postgres-warm module rules (included from the top Makefile.am)
