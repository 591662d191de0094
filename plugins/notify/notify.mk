# plugins/notify module rules (included from the top Makefile.am)
