# plugins/aws module rules (included from the top Makefile.am)
